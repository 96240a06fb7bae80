//! The single-node bus: publishing is delivering to this node's hub, through the same
//! envelope a Redis bus sends, so one node behaves exactly like one of several.

use super::{Bus, BusError, BusEvent, BusHealth, WireEvent};
use crate::hub::Hub;
use async_trait::async_trait;
use tokio::sync::watch;

/// In-process [`Bus`] for a single node.
pub struct MemoryBus {
    hub: Hub,
    // Kept so watchers see a live channel that simply never changes: in-process delivery
    // cannot lose events.
    health: watch::Sender<BusHealth>,
}

impl MemoryBus {
    /// A bus that delivers to `hub`.
    pub fn new(hub: Hub) -> Self {
        MemoryBus {
            hub,
            health: watch::Sender::new(BusHealth::Up { generation: 1 }),
        }
    }
}

#[async_trait]
impl Bus for MemoryBus {
    async fn publish(&self, event: BusEvent) -> Result<(), BusError> {
        self.hub.deliver_wire(&WireEvent::from(&event));
        Ok(())
    }

    fn health(&self) -> watch::Receiver<BusHealth> {
        self.health.subscribe()
    }
}
