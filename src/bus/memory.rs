//! The single-node bus: publishing is delivering to this node, through the same envelope a
//! Redis bus sends, so one node behaves exactly like one of several — except for what only
//! other nodes could use: presence news (a node drops its own) is not delivered at all, and an
//! event no socket or cache here wants is not encoded (see [`Delivery::wants`]).

use super::{Bus, BusError, BusEvent, BusHealth, Delivery, Payload, WireEvent};
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
        // Presence news tells *other* nodes what this one has live; every node drops its
        // own, so on a single node it would be encoded and decoded for nothing.
        if matches!(event.payload, Payload::Presence(_)) || !self.delivery.wants(&event) {
            return Ok(());
        }
        self.delivery.deliver(&WireEvent::from(&event));
        Ok(())
    }

    fn health(&self) -> watch::Receiver<BusHealth> {
        self.health.subscribe()
    }

    fn single_node(&self) -> bool {
        true
    }
}
