//! The single-node bus: publishing is delivering to this node, through the same envelope a
//! Redis bus sends, so one node behaves exactly like one of several.

use super::{Bus, BusError, BusEvent, BusHealth, Delivery, WireEvent};
use async_trait::async_trait;
use std::sync::Arc;
use tokio::sync::watch;

/// In-process [`Bus`] for a single node.
pub struct MemoryBus {
    delivery: Arc<dyn Delivery>,
    // Kept so watchers see a live channel that simply never changes: in-process delivery
    // cannot lose events.
    health: watch::Sender<BusHealth>,
}

impl MemoryBus {
    /// A bus that hands every event to `delivery`.
    pub fn new(delivery: Arc<dyn Delivery>) -> Self {
        MemoryBus {
            delivery,
            health: watch::Sender::new(BusHealth::Up { generation: 1 }),
        }
    }
}

#[async_trait]
impl Bus for MemoryBus {
    async fn publish(&self, event: BusEvent) -> Result<(), BusError> {
        self.delivery.deliver(&WireEvent::from(&event));
        Ok(())
    }

    fn health(&self) -> watch::Receiver<BusHealth> {
        self.health.subscribe()
    }
}
