//! Who hears what: each behaviour is checked with `a` and `b` as the nodes, on the local bus
//! (one node, so both are the same hub) and on Redis (two nodes, then each node alone, then
//! two nodes again after Redis restarted).
//!
//! "Did not receive" is shown without sleeping: after the event under test, the same node
//! publishes a marker the socket does get; pub/sub keeps one publisher's order, so the
//! marker arriving first proves the event never will.

use super::fakes::{FakeSocket, Node, message, routed, shopper_marker, status};
use shopchat::bus::BusEvent;
use shopchat::domain::{AgentId, ConversationId, SiteId, VisitorId};
use shopchat::hub::Outbound;

bus_contract!(
    visitor_events_reach_that_visitors_sockets_only,
    closed_status_clears_the_conversation_on_every_node,
    agents_of_the_site_get_agents_events,
    an_agent_recipient_is_that_agent_only,
    reconnect_reaches_every_socket_of_the_agent,
);

async fn visitor_events_reach_that_visitors_sockets_only(a: &Node, b: &Node) {
    let (site, other_site) = (SiteId::generate(), SiteId::generate());
    let (v1, v2) = (VisitorId::generate(), VisitorId::generate());
    let mut tab_a = FakeSocket::shopper(a, &site, &v1);
    let mut tab_b = FakeSocket::shopper(b, &site, &v1);
    let mut other = FakeSocket::shopper(b, &site, &v2);

    let conversation = ConversationId::generate();
    let frame = message(&conversation, 3);
    a.publish(BusEvent::to_visitor(&site, &v1, frame.clone()))
        .await;
    for tab in [&mut tab_a, &mut tab_b] {
        match tab.next().await {
            Outbound::Message {
                conversation_id,
                seq,
                json,
            } => {
                assert_eq!((conversation_id, seq), (conversation.clone(), 3));
                assert_eq!(json.as_ref(), frame.to_json());
            }
            other => panic!("expected a message, got {other:?}"),
        }
    }

    // The same visitor id under another site is someone else.
    a.publish(BusEvent::to_visitor(
        &other_site,
        &v1,
        status(&conversation, "bot"),
    ))
    .await;
    let marker = shopper_marker();
    a.publish(BusEvent::to_visitor(&site, &v1, marker.clone()))
        .await;
    a.publish(BusEvent::to_visitor(&site, &v2, marker.clone()))
        .await;
    for tab in [&mut tab_a, &mut tab_b, &mut other] {
        assert_eq!(tab.next_frame().await, marker.to_json());
    }
}

async fn closed_status_clears_the_conversation_on_every_node(a: &Node, b: &Node) {
    let site = SiteId::generate();
    let visitor = VisitorId::generate();
    let mut tab_a = FakeSocket::shopper(a, &site, &visitor);
    let mut tab_b = FakeSocket::shopper(b, &site, &visitor);
    let conversation = ConversationId::generate();

    let assigned = status(&conversation, "assigned");
    b.publish(BusEvent::to_visitor(&site, &visitor, assigned.clone()))
        .await;
    for tab in [&mut tab_a, &mut tab_b] {
        assert_eq!(tab.next_frame().await, assigned.to_json());
        assert!(tab.in_conversation(), "only a closed status ends it");
    }

    let closed = status(&conversation, "closed");
    b.publish(BusEvent::to_visitor(&site, &visitor, closed.clone()))
        .await;
    for tab in [&mut tab_a, &mut tab_b] {
        match tab.next().await {
            Outbound::Closed {
                conversation_id,
                json,
            } => {
                assert_eq!(conversation_id, conversation);
                assert_eq!(json.as_ref(), closed.to_json());
            }
            other => panic!("expected closed, got {other:?}"),
        }
        assert!(!tab.in_conversation());
    }
}

async fn agents_of_the_site_get_agents_events(a: &Node, b: &Node) {
    let (site, other_site) = (SiteId::generate(), SiteId::generate());
    let (ann, bob, eve) = (
        AgentId::generate(),
        AgentId::generate(),
        AgentId::generate(),
    );
    let mut ann_a = FakeSocket::agent(a, &ann, &[&site]);
    let mut bob_b = FakeSocket::agent(b, &bob, &[&site, &other_site]);
    let mut eve_b = FakeSocket::agent(b, &eve, &[&other_site]);

    let frame = routed(&site);
    b.publish(BusEvent::to_agents(&site, frame.clone())).await;
    let marker = routed(&other_site);
    b.publish(BusEvent::to_agents(&other_site, marker.clone()))
        .await;
    assert_eq!(ann_a.next_frame().await, frame.to_json());
    assert_eq!(bob_b.next_frame().await, frame.to_json());
    assert_eq!(bob_b.next_frame().await, marker.to_json());
    assert_eq!(
        eve_b.next_frame().await,
        marker.to_json(),
        "eve is not on the site"
    );
}

async fn an_agent_recipient_is_that_agent_only(a: &Node, b: &Node) {
    let (site, other_site) = (SiteId::generate(), SiteId::generate());
    let (ann, bob) = (AgentId::generate(), AgentId::generate());
    let mut ann_a = FakeSocket::agent(a, &ann, &[&site]);
    let mut ann_b = FakeSocket::agent(b, &ann, &[&site]);
    let mut bob_b = FakeSocket::agent(b, &bob, &[&site]);

    let frame = routed(&site);
    a.publish(BusEvent::to_agent(&site, &ann, frame.clone()))
        .await;
    // Not for a site Ann is not on, even when addressed to her.
    a.publish(BusEvent::to_agent(&other_site, &ann, routed(&other_site)))
        .await;
    let marker = routed(&site);
    a.publish(BusEvent::to_agents(&site, marker.clone())).await;
    for tab in [&mut ann_a, &mut ann_b] {
        assert_eq!(tab.next_frame().await, frame.to_json());
        assert_eq!(tab.next_frame().await, marker.to_json());
    }
    assert_eq!(bob_b.next_frame().await, marker.to_json());
}

async fn reconnect_reaches_every_socket_of_the_agent(a: &Node, b: &Node) {
    let site = SiteId::generate();
    let (ann, bob) = (AgentId::generate(), AgentId::generate());
    let mut ann_a = FakeSocket::agent(a, &ann, &[&site]);
    let mut ann_b = FakeSocket::agent(b, &ann, &[&site]);
    let mut bob_a = FakeSocket::agent(a, &bob, &[&site]);

    b.publish(BusEvent::reconnect_agent(&site, &ann)).await;
    let marker = routed(&site);
    b.publish(BusEvent::to_agents(&site, marker.clone())).await;
    for tab in [&mut ann_a, &mut ann_b] {
        assert!(matches!(tab.next().await, Outbound::Reconnect));
    }
    assert_eq!(bob_a.next_frame().await, marker.to_json());
}
