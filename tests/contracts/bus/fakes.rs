//! Real hubs with fake sockets registered the way the WebSocket sessions register theirs,
//! the frames the checks send, and nodes on the local bus or on Redis.

use crate::helpers::DEADLINE;
use crate::redis_server::{RedisServer, unique_prefix};
use shopchat::bus::redis::RedisBusConfig;
use shopchat::bus::{
    Bus, BusEvent, BusHealth, Delivery, MemoryBus, RedisBus, SiteData, WireEvent, WireKind,
};
use shopchat::chat::{Caches, NodeDelivery};
use shopchat::cluster::Cluster;
use shopchat::domain::{
    AgentId, Author, AuthorKind, ConversationId, Message, MessageId, SiteId, Timestamp, VisitorId,
};
use shopchat::hub::{AgentRegistration, Hub, Outbound, Registration, SharedVisitor, lock};
use shopchat::protocol::ServerFrame;
use shopchat::protocol::agent::AgentFrame;
use shopchat::triggers::VisitorRecord;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

/// One node: its sockets, its view of the other nodes, and its bus.
#[derive(Clone)]
pub(super) struct Node {
    pub(super) hub: Hub,
    pub(super) cluster: Cluster,
    pub(super) bus: Arc<dyn Bus>,
}

/// Invalidations a node was handed, in order.
pub(super) type Dropped = Vec<(SiteId, Vec<SiteData>)>;

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
    pub(super) async fn publish(&self, event: BusEvent) {
        self.bus.publish(event).await.expect("publish");
    }
}

pub(super) enum Held {
    Shopper(#[allow(dead_code)] Registration, SharedVisitor),
    Agent(#[allow(dead_code)] AgentRegistration),
}

/// A socket as the hub sees it: an outbox to read.
pub(super) struct FakeSocket {
    outbox: shopchat::hub::OutboxReceiver,
    held: Held,
}

impl FakeSocket {
    pub(super) fn shopper(node: &Node, site: &SiteId, visitor: &VisitorId) -> FakeSocket {
        let (tx, outbox) = shopchat::hub::outbox(64);
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

    pub(super) fn agent(node: &Node, agent: &AgentId, sites: &[&SiteId]) -> FakeSocket {
        let (tx, outbox) = shopchat::hub::outbox(64);
        let sites = sites.iter().map(|s| (*s).clone()).collect();
        let reg = node
            .hub
            .register_agent(agent, sites, tx, CancellationToken::new());
        FakeSocket {
            outbox,
            held: Held::Agent(reg),
        }
    }

    pub(super) async fn next(&mut self) -> Outbound {
        tokio::time::timeout(DEADLINE, self.outbox.recv())
            .await
            .expect("a frame within the deadline")
    }

    pub(super) async fn next_frame(&mut self) -> String {
        match self.next().await {
            Outbound::Frame(json) => json.to_string(),
            other => panic!("expected a plain frame, got {other:?}"),
        }
    }

    pub(super) fn in_conversation(&self) -> bool {
        match &self.held {
            Held::Shopper(_, state) => lock(state).in_conversation,
            Held::Agent(_) => panic!("an agent socket has no visitor state"),
        }
    }
}

pub(super) fn message(conversation: &ConversationId, seq: u64) -> ServerFrame {
    ServerFrame::Message(Message {
        id: MessageId::generate(),
        conversation_id: conversation.clone(),
        seq,
        author: Author {
            kind: AuthorKind::Agent,
            name: "Ann".into(),
        },
        text: "Take one size up.\n<b>not bold</b>".into(),
        ts: Timestamp::now(),
        attachments: Vec::new(),
        offers_handoff: false,
    })
}

pub(super) fn status(conversation: &ConversationId, state: &str) -> ServerFrame {
    ServerFrame::Status {
        conversation_id: conversation.clone(),
        state: state.into(),
        agent: None,
        agent_avatar: None,
        nobody_online: false,
    }
}

/// A shopper frame that only the contract's markers use.
pub(super) fn shopper_marker() -> ServerFrame {
    ServerFrame::Read {
        conversation_id: ConversationId::generate(),
        seq: 1,
    }
}

pub(super) fn routed(site: &SiteId) -> AgentFrame {
    AgentFrame::Routed {
        site_id: site.clone(),
        conversation_id: ConversationId::generate(),
    }
}

/// Timings short enough that a restart test takes a second, not half a minute.
pub(super) fn test_config() -> RedisBusConfig {
    RedisBusConfig {
        publish_timeout: Duration::from_millis(500),
        connect_timeout: Duration::from_secs(5),
        ping_interval: Duration::from_secs(1),
        backoff_min: Duration::from_millis(50),
        backoff_max: Duration::from_millis(500),
        ..RedisBusConfig::with_prefix(&unique_prefix())
    }
}

pub(super) async fn redis_node(url: &str, config: &RedisBusConfig) -> Node {
    recording_redis_node(url, config, Arc::default()).await
}

/// A Redis node whose delivery notes the invalidations it is handed in `dropped`.
pub(super) async fn recording_redis_node(
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

pub(super) async fn wait_health(
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

/// Both nodes' buses report up before a behaviour is checked.
pub(super) fn assert_up(a: &Node, b: &Node) {
    for node in [a, b] {
        assert!(node.bus.health().borrow().is_up());
    }
}

/// The local bus: one node, so "both nodes" are the same hub.
pub(super) fn memory_node() -> Node {
    let (hub, cluster, delivery) = node_parts(Arc::default());
    Node {
        bus: Arc::new(MemoryBus::new(delivery)),
        hub,
        cluster,
    }
}

/// Two nodes on one real redis-server, as a cluster of two.
pub(super) struct RedisPair {
    pub(super) server: RedisServer,
    pub(super) a: Node,
    pub(super) b: Node,
}

impl RedisPair {
    /// Starts the server and connects both nodes' buses to it.
    pub(super) async fn start() -> RedisPair {
        let server = RedisServer::start().await;
        let config = test_config();
        let (a, b) = (
            redis_node(&server.url(), &config).await,
            redis_node(&server.url(), &config).await,
        );
        RedisPair { server, a, b }
    }

    /// Restarts Redis and waits until both nodes are subscribed again.
    pub(super) async fn restart(&mut self) {
        self.server.restart().await;
        for node in [&self.a, &self.b] {
            wait_health(&mut node.bus.health(), "back up", |s| {
                s.generation() == 2 && s.is_up()
            })
            .await;
        }
    }
}
