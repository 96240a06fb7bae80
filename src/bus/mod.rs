//! Delivery between nodes. A publisher hands an event to the bus; every node's bus hands it to
//! that node's [`Hub`](crate::hub::Hub). On one node the in-process bus does this directly; a
//! Redis bus does it through pub/sub. Local delivery takes the same path as remote, so the
//! single-node default exercises the code that several nodes rely on.

mod memory;

pub use memory::MemoryBus;

use crate::domain::{SiteId, VisitorId};
use crate::protocol::ServerFrame;
use async_trait::async_trait;

/// Something to deliver to a visitor's live sockets, wherever they are connected.
#[derive(Debug, Clone)]
pub struct BusEvent {
    /// The site, so a node can route per site.
    pub site_id: SiteId,
    /// The visitor whose sockets get the frame.
    pub visitor_id: VisitorId,
    /// The frame.
    pub frame: ServerFrame,
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
