//! Delivery between nodes. A publisher hands an event to the bus; every node's bus hands it to
//! that node's [`Hub`](crate::hub::Hub). On one node the in-process bus does this directly; a
//! Redis bus does it through pub/sub. Local delivery takes the same path as remote, so the
//! single-node default exercises the code that several nodes rely on.

mod memory;

pub use memory::MemoryBus;

use crate::agent_protocol::AgentFrame;
use crate::domain::{AgentId, SiteId, VisitorId};
use crate::protocol::ServerFrame;
use async_trait::async_trait;

/// Whose sockets get an event.
#[derive(Debug, Clone, PartialEq, Eq)]
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

    /// A frame for one agent.
    pub fn to_agent(site: &SiteId, agent: &AgentId, frame: AgentFrame) -> Self {
        BusEvent {
            site_id: site.clone(),
            to: Recipient::Agent(agent.clone()),
            payload: Payload::Agent(Box::new(frame)),
        }
    }
}

/// Why an event could not be published. The event's data is already durable when this
/// happens, so a reconnecting client still gets it; only live delivery was missed.
#[derive(Debug, thiserror::Error)]
#[error("bus publish failed: {0}")]
pub struct BusError(pub String);

/// Publishes events to every node.
#[async_trait]
pub trait Bus: Send + Sync + 'static {
    /// Sends the event to every node, this one included.
    async fn publish(&self, event: BusEvent) -> Result<(), BusError>;
}
