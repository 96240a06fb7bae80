//! Delivery between nodes. A publisher hands an event to the bus; every node's bus hands it to
//! that node's [`Delivery`] (the application's event handler: frames to the node's sockets,
//! presence news to its cluster view, invalidations to its caches). On one node the
//! in-process bus does this directly; a Redis bus does it through pub/sub. Local delivery
//! takes the same path as remote, so the single-node default exercises the code that several
//! nodes rely on: both encode an event once into a [`WireEvent`] and hand that over. The bus
//! knows nothing of sockets or caches: it depends only on this trait.

mod health;
mod memory;
pub mod redis;
mod wire;

pub use health::BusHealth;
pub use memory::MemoryBus;
pub use redis::RedisBus;
pub use wire::{WireError, WireEvent, WireKind};

use crate::domain::{AgentId, SiteId, VisitorId};
use crate::protocol::ServerFrame;
use crate::protocol::agent::AgentFrame;
use async_trait::async_trait;
use std::time::Duration;
use tokio::sync::watch;

/// What a node does with each event its bus receives (its own included). Called inline on
/// the bus's receiving task, so it must never wait: queue, drop or close, but do not await.
pub trait Delivery: Send + Sync + 'static {
    /// Hands one event to this node.
    fn deliver(&self, event: &WireEvent);

    /// Whether this node would do anything with `event` if it were handed it now (a socket
    /// to queue it on, a cache to drop). The in-process bus asks before encoding, so an event
    /// nobody here receives (a visitor's change with no agent online) costs no JSON. A bus
    /// with other nodes never asks: someone elsewhere may want it.
    fn wants(&self, event: &BusEvent) -> bool {
        let _ = event;
        true
    }
}

/// Whose sockets get an event.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Recipient {
    /// Every tab of one shopper.
    Visitor(VisitorId),
    /// Every agent socket of the site.
    Agents,
    /// Every socket of one agent.
    Agent(AgentId),
}

/// The frame to deliver, in the recipient's protocol.
#[derive(Debug, Clone)]
pub enum Payload {
    /// For a shopper's widget.
    Shopper(ServerFrame),
    /// For an agent's dashboard (boxed: `ready` is far larger than any shopper frame).
    Agent(Box<AgentFrame>),
    /// The agent's sites or role changed: its sockets close with a retryable code, so each
    /// authenticates again and works with the memberships as they are now. A socket keeps
    /// the memberships it authenticated with, so without this a removed agent would go on
    /// seeing and acting on the site until it happened to reconnect.
    Reconnect,
    /// What this node has live on the site, for the other nodes' presence view; no socket
    /// gets it.
    Presence(crate::cluster::PresenceNews),
    /// An owner changed the site's data that nodes cache: every node drops its copy.
    Invalidate(Vec<SiteData>),
    /// An owner erased the visitor: every node with its tabs starts their shared browsing
    /// state again from nothing, so none saves the old one back. No socket gets a frame.
    Forget,
}

/// Site data each node caches in memory (read per browsing event or per message), so a change
/// made through one node must reach the others' caches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SiteData {
    /// Trigger rules and trigger settings.
    Rules,
    /// Knowledge-base articles (the bot's index).
    Knowledge,
    /// Chat settings.
    ChatSettings,
    /// Email settings (read on every agent message to a shopper with an address).
    EmailSettings,
}

/// Something to deliver to live sockets, wherever they are connected.
#[derive(Debug, Clone)]
pub struct BusEvent {
    /// The site, so a node can route per site (and agents see only their sites).
    pub site_id: SiteId,
    /// Who gets it.
    pub to: Recipient,
    /// The frame.
    pub payload: Payload,
}

impl BusEvent {
    /// A frame for every tab of a shopper.
    pub fn to_visitor(site: &SiteId, visitor: &VisitorId, frame: ServerFrame) -> Self {
        BusEvent {
            site_id: site.clone(),
            to: Recipient::Visitor(visitor.clone()),
            payload: Payload::Shopper(frame),
        }
    }

    /// A frame for every agent of a site.
    pub fn to_agents(site: &SiteId, frame: AgentFrame) -> Self {
        BusEvent {
            site_id: site.clone(),
            to: Recipient::Agents,
            payload: Payload::Agent(Box::new(frame)),
        }
    }

    /// Every socket of `agent` must authenticate again (its memberships on `site` changed).
    pub fn reconnect_agent(site: &SiteId, agent: &AgentId) -> Self {
        BusEvent {
            site_id: site.clone(),
            to: Recipient::Agent(agent.clone()),
            payload: Payload::Reconnect,
        }
    }

    /// Every node forgets what it holds live about the visitor's browsing (an erasure).
    pub fn forget_visitor(site: &SiteId, visitor: &VisitorId) -> Self {
        BusEvent {
            site_id: site.clone(),
            to: Recipient::Visitor(visitor.clone()),
            payload: Payload::Forget,
        }
    }

    /// Every node drops its cached copy of these data of `site`.
    pub fn invalidate(site: &SiteId, what: &[SiteData]) -> Self {
        BusEvent {
            site_id: site.clone(),
            to: Recipient::Agents,
            payload: Payload::Invalidate(what.to_vec()),
        }
    }

    /// Presence news about `site` for every node.
    pub fn presence(site: &SiteId, news: crate::cluster::PresenceNews) -> Self {
        BusEvent {
            site_id: site.clone(),
            to: Recipient::Agents,
            payload: Payload::Presence(news),
        }
    }

    /// A frame for one agent.
    pub fn to_agent(site: &SiteId, agent: &AgentId, frame: AgentFrame) -> Self {
        BusEvent {
            site_id: site.clone(),
            to: Recipient::Agent(agent.clone()),
            payload: Payload::Agent(Box::new(frame)),
        }
    }
}

/// Why an event could not be published, or a bus could not be set up. The event's data is
/// already durable when publishing fails, so a reconnecting client still gets it; only live
/// delivery was missed.
#[derive(Debug, thiserror::Error)]
pub enum BusError {
    /// The Redis URL is not one the client can use.
    #[error("invalid Redis URL: {0}")]
    Url(#[source] ::redis::RedisError),
    /// Redis could not be reached when the bus was set up.
    #[error("cannot connect to Redis at {addr}: {source}")]
    Connect {
        /// Host and port (never the URL: it may hold a password).
        addr: String,
        /// Why.
        #[source]
        source: ::redis::RedisError,
    },
    /// Redis did not answer the connection attempt in time when the bus was set up.
    #[error("cannot connect to Redis at {addr}: no answer within {after:?}")]
    ConnectTimeout {
        /// Host and port.
        addr: String,
        /// How long it waited.
        after: Duration,
    },
    /// The subscription was not confirmed in time when the bus was set up.
    #[error("no subscription to {pattern} on Redis at {addr} within {after:?}")]
    Subscribe {
        /// The channel pattern.
        pattern: String,
        /// Host and port.
        addr: String,
        /// How long it waited.
        after: Duration,
    },
    /// Redis refused or lost the publication.
    #[error("publishing on {channel} failed: {source}")]
    Publish {
        /// The channel.
        channel: String,
        /// Why.
        #[source]
        source: ::redis::RedisError,
    },
    /// Redis did not answer in time (down, restarting or unreachable).
    #[error("publishing on {channel} timed out after {after:?}")]
    Timeout {
        /// The channel.
        channel: String,
        /// The bound that passed.
        after: Duration,
    },
}

/// Publishes events to every node.
#[async_trait]
pub trait Bus: Send + Sync + 'static {
    /// Sends the event to every node, this one included.
    async fn publish(&self, event: BusEvent) -> Result<(), BusError>;

    /// Whether this node currently receives what is published, and a generation that grows
    /// with every (re)subscription: a socket that saw generation `n` and now sees a larger one
    /// may have missed events in between and resyncs from the store by seq.
    fn health(&self) -> watch::Receiver<BusHealth>;

    /// Whether this bus reaches no node but this one (the in-process bus): then there is
    /// nobody to send presence news to, and the application skips building it.
    fn single_node(&self) -> bool {
        false
    }
}
