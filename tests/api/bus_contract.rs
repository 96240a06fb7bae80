//! The bus contract: what every `Bus` must do, checked through real hubs with fake sockets
//! registered the way the WebSocket sessions register theirs. Run against `MemoryBus` (one
//! node: "both nodes" are the same hub) and `RedisBus` (two nodes, two hubs, one real
//! redis-server). Plus what only Redis can get wrong: a restarted Redis, a stopped Redis.
//!
//! "Did not receive" is shown without sleeping: after the event under test, the same node
//! publishes a marker the socket does get; pub/sub keeps one publisher's order, so the
//! marker arriving first proves the event never will.

use crate::helpers::DEADLINE;
use crate::redis_server::{RedisServer, free_port, unique_prefix};
use shopchat::bus::redis::RedisBusConfig;
use shopchat::bus::{Bus, BusError, BusEvent, BusHealth, MemoryBus, RedisBus};
use shopchat::bus::{Delivery, SiteData, WireEvent, WireKind};
use shopchat::chat::{Caches, NodeDelivery};
use shopchat::cluster::Cluster;
use shopchat::domain::{
    AgentId, AuthorKind, ConversationId, MessageId, SiteId, Timestamp, VisitorId, VisitorState,
};
use shopchat::hub::{AgentRegistration, Hub, Outbound, Registration, SharedVisitor, lock};
use shopchat::protocol::agent::AgentFrame;
use shopchat::protocol::{Author, MessageOut, ServerFrame};
use shopchat::triggers::VisitorRecord;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;

/// One node: its sockets, its view of the other nodes, and its bus.
#[derive(Clone)]
struct Node {
    hub: Hub,
    cluster: Cluster,
    bus: Arc<dyn Bus>,
}

type Dropped = Vec<(SiteId, Vec<SiteData>)>;

/// The node's own delivery (frames to the hub, presence to the cluster view, invalidations to
/// the caches), noting each invalidation it is handed so a test can see which arrived.
struct Recording {
    node: NodeDelivery,
    dropped: Arc<std::sync::Mutex<Dropped>>,
}

impl Delivery for Recording {
    fn deliver(&self, event: &WireEvent) {
        if event.kind == WireKind::Invalidate {
            let what: Vec<SiteData> = serde_json::from_str(&event.json).expect("invalidation");
            self.dropped
                .lock()
                .unwrap()
                .push((event.site_id.clone(), what));
        }
        self.node.deliver(event);
    }
}

/// A node's hub and cluster view with the delivery the bus hands its events to.
fn node_parts(dropped: Arc<std::sync::Mutex<Dropped>>) -> (Hub, Cluster, Arc<dyn Delivery>) {
    let (hub, cluster) = (Hub::new(), Cluster::new());
    let node = NodeDelivery::new(hub.clone(), cluster.clone(), Caches::default());
    (hub, cluster, Arc::new(Recording { node, dropped }))
}

impl Node {
    async fn publish(&self, event: BusEvent) {
        self.bus.publish(event).await.expect("publish");
    }
}

enum Held {
    Shopper(#[allow(dead_code)] Registration, SharedVisitor),
    Agent(#[allow(dead_code)] AgentRegistration),
}

/// A socket as the hub sees it: an outbox to read.
struct FakeSocket {
    outbox: mpsc::Receiver<Outbound>,
    held: Held,
}

impl FakeSocket {
    fn shopper(node: &Node, site: &SiteId, visitor: &VisitorId) -> FakeSocket {
        let (tx, outbox) = mpsc::channel(64);
        let mut state = VisitorRecord::first_visit(Timestamp::now());
        state.in_conversation = true;
        let (reg, shared) =
            node.hub
                .register_shopper(site, visitor, state, tx, CancellationToken::new());
        FakeSocket {
            outbox,
            held: Held::Shopper(reg, shared),
        }
    }

    fn agent(node: &Node, agent: &AgentId, sites: &[&SiteId]) -> FakeSocket {
        let (tx, outbox) = mpsc::channel(64);
        let sites = sites.iter().map(|s| (*s).clone()).collect();
        let reg = node
            .hub
            .register_agent(agent, sites, tx, CancellationToken::new());
        FakeSocket {
            outbox,
            held: Held::Agent(reg),
        }
    }

    async fn next(&mut self) -> Outbound {
        tokio::time::timeout(DEADLINE, self.outbox.recv())
            .await
            .expect("a frame within the deadline")
            .expect("outbox open")
    }

    async fn next_frame(&mut self) -> String {
        match self.next().await {
            Outbound::Frame(json) => json.to_string(),
            other => panic!("expected a plain frame, got {other:?}"),
        }
    }

    fn in_conversation(&self) -> bool {
        match &self.held {
            Held::Shopper(_, state) => lock(state).in_conversation,
            Held::Agent(_) => panic!("an agent socket has no visitor state"),
        }
    }
}

fn message(conversation: &ConversationId, seq: u64) -> ServerFrame {
    ServerFrame::Message(MessageOut {
        id: MessageId::generate(),
        conversation_id: conversation.clone(),
        seq,
        author: Author {
            kind: AuthorKind::Agent,
            name: "Ann".into(),
        },
        text: "Take one size up.\n<b>not bold</b>".into(),
        ts: Timestamp::now(),
        offers_handoff: false,
    })
}

fn status(conversation: &ConversationId, state: &str) -> ServerFrame {
    ServerFrame::Status {
        conversation_id: conversation.clone(),
        state: state.into(),
        agent: None,
        nobody_online: false,
    }
}

/// A shopper frame that only the contract's markers use.
fn shopper_marker() -> ServerFrame {
    ServerFrame::Read {
        conversation_id: ConversationId::generate(),
        seq: 1,
    }
}

fn routed(site: &SiteId) -> AgentFrame {
    AgentFrame::Routed {
        site_id: site.clone(),
        conversation_id: ConversationId::generate(),
    }
}

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

/// Every contract check, with `a` and `b` as the nodes (the same one for a local bus).
async fn contract(a: &Node, b: &Node) {
    for node in [a, b] {
        assert!(node.bus.health().borrow().is_up());
    }
    visitor_events_reach_that_visitors_sockets_only(a, b).await;
    closed_status_clears_the_conversation_on_every_node(a, b).await;
    agents_of_the_site_get_agents_events(a, b).await;
    an_agent_recipient_is_that_agent_only(a, b).await;
    reconnect_reaches_every_socket_of_the_agent(a, b).await;
}

#[tokio::test]
async fn memory_bus_meets_the_bus_contract() {
    let (hub, cluster, delivery) = node_parts(Arc::default());
    let node = Node {
        bus: Arc::new(MemoryBus::new(delivery)),
        hub,
        cluster,
    };
    contract(&node, &node).await;
}

/// Timings short enough that a restart test takes a second, not half a minute.
fn test_config() -> RedisBusConfig {
    RedisBusConfig {
        publish_timeout: Duration::from_millis(500),
        connect_timeout: Duration::from_secs(5),
        ping_interval: Duration::from_secs(1),
        backoff_min: Duration::from_millis(50),
        backoff_max: Duration::from_millis(500),
        ..RedisBusConfig::with_prefix(&unique_prefix())
    }
}

async fn redis_node(url: &str, config: &RedisBusConfig) -> Node {
    recording_redis_node(url, config, Arc::default()).await
}

async fn recording_redis_node(
    url: &str,
    config: &RedisBusConfig,
    dropped: Arc<std::sync::Mutex<Dropped>>,
) -> Node {
    let (hub, cluster, delivery) = node_parts(dropped);
    let bus = RedisBus::connect_with(url, config.clone(), delivery)
        .await
        .expect("connect the Redis bus");
    Node {
        hub,
        cluster,
        bus: Arc::new(bus),
    }
}

#[tokio::test]
async fn redis_bus_meets_the_bus_contract_across_two_nodes() {
    let mut server = RedisServer::start().await;
    let config = test_config();
    let (a, b) = (
        redis_node(&server.url(), &config).await,
        redis_node(&server.url(), &config).await,
    );
    contract(&a, &b).await;
    // And each node on its own, as the only node.
    contract(&a, &a).await;

    // A restart in between changes nothing, once both nodes are subscribed again.
    server.restart().await;
    for node in [&a, &b] {
        wait_health(&mut node.bus.health(), "back up", |s| {
            s.generation() == 2 && s.is_up()
        })
        .await;
    }
    contract(&a, &b).await;
}

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

async fn wait_health(
    health: &mut watch::Receiver<BusHealth>,
    what: &str,
    ok: impl FnMut(&BusHealth) -> bool,
) -> BusHealth {
    let seen = tokio::time::timeout(DEADLINE, health.wait_for(ok))
        .await
        .unwrap_or_else(|_| panic!("bus not {what} within {DEADLINE:?}"))
        .expect("bus alive");
    *seen
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
    let visitor = LiveVisitor::of(&site, &eva, &VisitorState::first_visit(Timestamp::now()));
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
