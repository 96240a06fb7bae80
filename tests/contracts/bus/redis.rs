//! What only the Redis bus can get wrong: other prefixes, a restarted or stopped Redis, a
//! Redis that stops answering, foreign bytes on a channel, presence and cache invalidation
//! across nodes.

use super::fakes::{
    Dropped, FakeSocket, recording_redis_node, redis_node, routed, test_config, wait_health,
};
use crate::helpers::DEADLINE;
use crate::redis_server::{RedisServer, free_port, unique_prefix};
use shopchat::bus::SiteData;
use shopchat::bus::{BusError, BusEvent, BusHealth, RedisBus};
use shopchat::domain::{AgentId, SiteId, Timestamp, VisitorId};
use shopchat::hub::Hub;
use shopchat::triggers::VisitorRecord;
use std::sync::Arc;

#[tokio::test]
async fn redis_buses_with_other_prefixes_do_not_hear_each_other() {
    let server = RedisServer::start().await;
    let a = redis_node(&server.url(), &test_config()).await;
    let b = redis_node(&server.url(), &test_config()).await;
    let site = SiteId::generate();
    let ann = AgentId::generate();
    let mut ann_b = FakeSocket::agent(&b, &ann, &[&site]);
    a.publish(BusEvent::to_agents(&site, routed(&site))).await;
    let marker = routed(&site);
    b.publish(BusEvent::to_agents(&site, marker.clone())).await;
    assert_eq!(ann_b.next_frame().await, marker.to_json());
}

#[tokio::test]
async fn after_redis_restarts_the_bus_reports_down_then_up_and_delivers_again() {
    let mut server = RedisServer::start().await;
    let config = test_config();
    let (a, b) = (
        redis_node(&server.url(), &config).await,
        redis_node(&server.url(), &config).await,
    );
    let site = SiteId::generate();
    let ann = AgentId::generate();
    let mut ann_a = FakeSocket::agent(&a, &ann, &[&site]);
    let mut ann_b = FakeSocket::agent(&b, &ann, &[&site]);
    let mut health = [a.bus.health(), b.bus.health()];
    for h in &health {
        assert_eq!(*h.borrow(), BusHealth::Up { generation: 1 });
    }

    server.stop().await;
    for h in &mut health {
        let down = wait_health(h, "down", |s| !s.is_up()).await;
        assert!(matches!(down, BusHealth::Down { generation: 1, .. }));
    }
    server.start_again().await;
    for h in &mut health {
        let up = wait_health(h, "back up", |s| s.is_up()).await;
        assert_eq!(up, BusHealth::Up { generation: 2 }, "a new subscription");
    }

    // Both nodes hear again, and publishing works at once: no node restart, no caller retry.
    let frame = routed(&site);
    a.publish(BusEvent::to_agents(&site, frame.clone())).await;
    assert_eq!(ann_a.next_frame().await, frame.to_json());
    assert_eq!(ann_b.next_frame().await, frame.to_json());
    let frame = routed(&site);
    b.publish(BusEvent::to_agents(&site, frame.clone())).await;
    assert_eq!(ann_a.next_frame().await, frame.to_json());
    assert_eq!(ann_b.next_frame().await, frame.to_json());
}

#[tokio::test]
async fn while_redis_is_stopped_the_bus_is_down_and_publish_fails_quickly() {
    let mut server = RedisServer::start().await;
    let config = test_config();
    let node = redis_node(&server.url(), &config).await;
    let mut health = node.bus.health();
    server.stop().await;
    let down = wait_health(&mut health, "down", |s| !s.is_up()).await;
    assert!(matches!(down, BusHealth::Down { generation: 1, .. }));

    let site = SiteId::generate();
    for _ in 0..2 {
        // The deadline only stops the test if publish hangs instead of failing.
        let result = tokio::time::timeout(
            DEADLINE,
            node.bus.publish(BusEvent::to_agents(&site, routed(&site))),
        )
        .await
        .expect("publish fails instead of hanging");
        assert!(
            matches!(
                result,
                Err(BusError::Publish { .. } | BusError::Timeout { .. })
            ),
            "{result:?}"
        );
    }
    assert!(!health.borrow().is_up(), "still down while Redis is");

    // Started again (empty), the same bus comes back by itself.
    server.start_again().await;
    wait_health(&mut health, "back up", |s| s.is_up()).await;
    let ann = AgentId::generate();
    let mut ann_socket = FakeSocket::agent(&node, &ann, &[&site]);
    let frame = routed(&site);
    node.publish(BusEvent::to_agents(&site, frame.clone()))
        .await;
    assert_eq!(ann_socket.next_frame().await, frame.to_json());
}

#[tokio::test]
async fn a_redis_that_stops_answering_is_noticed_by_ping_and_the_bus_comes_back() {
    let server = RedisServer::start().await;
    let config = test_config();
    let node = redis_node(&server.url(), &config).await;
    let mut health = node.bus.health();
    let site = SiteId::generate();

    // No connection closes: only the subscriber's ping can tell.
    server.pause();
    let result = tokio::time::timeout(
        DEADLINE,
        node.bus.publish(BusEvent::to_agents(&site, routed(&site))),
    )
    .await
    .expect("publish fails instead of hanging");
    assert!(
        matches!(result, Err(BusError::Timeout { .. })),
        "{result:?}"
    );
    let down = wait_health(&mut health, "down", |s| !s.is_up()).await;
    assert!(matches!(down, BusHealth::Down { generation: 1, .. }));

    server.resume();
    let up = wait_health(&mut health, "back up", |s| s.is_up()).await;
    assert_eq!(up, BusHealth::Up { generation: 2 });
    let ann = AgentId::generate();
    let mut ann_socket = FakeSocket::agent(&node, &ann, &[&site]);
    let frame = routed(&site);
    node.publish(BusEvent::to_agents(&site, frame.clone()))
        .await;
    // The event published while frozen may arrive too (Redis ran it when thawed); what
    // matters is that this one does.
    loop {
        if ann_socket.next_frame().await == frame.to_json() {
            break;
        }
    }
}

#[tokio::test]
async fn foreign_bytes_on_a_bus_channel_are_skipped_and_the_node_keeps_hearing() {
    use redis::AsyncCommands;
    let server = RedisServer::start().await;
    let config = test_config();
    let node = redis_node(&server.url(), &config).await;
    let site = SiteId::generate();
    let ann = AgentId::generate();
    let mut ann_socket = FakeSocket::agent(&node, &ann, &[&site]);
    let client = redis::Client::open(server.url()).expect("url");
    let mut raw = client
        .get_multiplexed_async_connection()
        .await
        .expect("connect");
    let channel = format!("{}bus:{}", config.prefix, site.as_str());
    for garbage in ["not an envelope", "{\"v\":99}\n{}", "{\"v\":1}\n{}"] {
        let heard: usize = raw.publish(&channel, garbage).await.expect("publish");
        assert_eq!(heard, 1, "the node's subscription matched");
    }
    let frame = routed(&site);
    node.publish(BusEvent::to_agents(&site, frame.clone()))
        .await;
    assert_eq!(ann_socket.next_frame().await, frame.to_json());
    assert_eq!(
        node.bus.health().borrow().generation(),
        1,
        "no resubscription needed"
    );
}

#[tokio::test]
async fn connecting_to_a_redis_that_is_not_there_is_a_clear_error() {
    let url = format!("redis://127.0.0.1:{}/", free_port());
    let result = RedisBus::connect(&url, &unique_prefix(), Arc::new(Hub::new())).await;
    match result {
        Err(e @ BusError::Connect { .. }) => {
            assert!(e.to_string().contains("127.0.0.1"), "{e}");
        }
        Err(other) => panic!("expected a connect error, got {other}"),
        Ok(_) => panic!("connected to nothing"),
    }
    assert!(matches!(
        RedisBus::connect("http://nope", "p:", Arc::new(Hub::new())).await,
        Err(BusError::Url(_))
    ));
}

#[tokio::test]
async fn presence_news_from_one_node_shows_in_the_other_nodes_view() {
    use shopchat::cluster::PresenceNews;
    use shopchat::protocol::agent::{AgentStatus, LiveVisitor};
    let server = RedisServer::start().await;
    let config = test_config();
    let (a, b) = (
        redis_node(&server.url(), &config).await,
        redis_node(&server.url(), &config).await,
    );
    let site = SiteId::generate();
    let (ann, bob) = (AgentId::generate(), AgentId::generate());
    let _ann_a = FakeSocket::agent(&a, &ann, &[&site]);
    let mut bob_b = FakeSocket::agent(&b, &bob, &[&site]);
    assert_eq!(
        b.cluster.status_with(&ann, b.hub.agent_status(&ann)),
        AgentStatus::Offline,
        "b has not heard yet"
    );

    let news = PresenceNews::Agents {
        node: a.cluster.node().clone(),
        agents: a.hub.local_site_agents(&site),
    };
    a.publish(BusEvent::presence(&site, news)).await;
    let eva = VisitorId::generate();
    let visitor = LiveVisitor::of(&site, &eva, &VisitorRecord::first_visit(Timestamp::now()));
    let news = PresenceNews::Visitor {
        node: a.cluster.node().clone(),
        visitor: Box::new(visitor),
    };
    a.publish(BusEvent::presence(&site, news)).await;
    // Once a later event from a reaches bob on b, b has handled the news before it.
    let frame = routed(&site);
    a.publish(BusEvent::to_agents(&site, frame.clone())).await;
    assert_eq!(bob_b.next_frame().await, frame.to_json());
    assert_eq!(
        b.cluster.status_with(&ann, b.hub.agent_status(&ann)),
        AgentStatus::Online
    );
    let mut agents = b.cluster.agents_with(&site, b.hub.local_site_agents(&site));
    agents.sort_by(|x, y| x.0.as_str().cmp(y.0.as_str()));
    let mut want = vec![
        (ann.clone(), AgentStatus::Online),
        (bob.clone(), AgentStatus::Online),
    ];
    want.sort_by(|x, y| x.0.as_str().cmp(y.0.as_str()));
    assert_eq!(agents, want, "b's own agent and a's, each once");
    let sites = std::slice::from_ref(&site);
    let visitors = b.cluster.visitors_with(sites, b.hub.site_visitors(sites));
    assert_eq!(visitors.len(), 1);
    assert_eq!(visitors[0].visitor_id, eva);
    // A node's own news does not count twice.
    assert_eq!(
        a.cluster.agents_with(&site, a.hub.local_site_agents(&site)),
        vec![(ann.clone(), AgentStatus::Online)]
    );

    // a's agent and shopper leave: b hears it.
    let news = PresenceNews::Agents {
        node: a.cluster.node().clone(),
        agents: vec![],
    };
    a.publish(BusEvent::presence(&site, news)).await;
    let news = PresenceNews::VisitorLeft {
        node: a.cluster.node().clone(),
        visitor_id: eva.clone(),
    };
    a.publish(BusEvent::presence(&site, news)).await;
    let frame = routed(&site);
    a.publish(BusEvent::to_agents(&site, frame.clone())).await;
    assert_eq!(bob_b.next_frame().await, frame.to_json());
    assert_eq!(
        b.cluster.status_with(&ann, b.hub.agent_status(&ann)),
        AgentStatus::Offline
    );
    assert!(
        b.cluster
            .live_visitors(std::slice::from_ref(&site))
            .is_empty()
    );
}

#[tokio::test]
async fn a_change_made_through_one_node_drops_every_nodes_cached_copy() {
    let server = RedisServer::start().await;
    let config = test_config();
    let dropped: Arc<std::sync::Mutex<Dropped>> = Arc::default();
    let (a, b) = (
        recording_redis_node(&server.url(), &config, dropped.clone()).await,
        recording_redis_node(&server.url(), &config, dropped.clone()).await,
    );
    let site = SiteId::generate();
    let (ann, bob) = (AgentId::generate(), AgentId::generate());
    let mut ann_a = FakeSocket::agent(&a, &ann, &[&site]);
    let mut bob_b = FakeSocket::agent(&b, &bob, &[&site]);
    a.publish(BusEvent::invalidate(
        &site,
        &[SiteData::Rules, SiteData::Knowledge],
    ))
    .await;
    // Once a later event from a reaches a socket on each node, both nodes (the publishing one
    // through the same path as the other) have handled the invalidation before it.
    let frame = routed(&site);
    a.publish(BusEvent::to_agents(&site, frame.clone())).await;
    assert_eq!(ann_a.next_frame().await, frame.to_json());
    assert_eq!(bob_b.next_frame().await, frame.to_json());
    let want = (site.clone(), vec![SiteData::Rules, SiteData::Knowledge]);
    assert_eq!(*dropped.lock().unwrap(), vec![want.clone(), want]);
}
