//! The single-node bus: publishing is delivering to this node's hub.

use super::{Bus, BusError, BusEvent};
use crate::hub::Hub;
use async_trait::async_trait;

/// In-process [`Bus`] for a single node.
pub struct MemoryBus {
    hub: Hub,
}

impl MemoryBus {
    /// A bus that delivers to `hub`.
    pub fn new(hub: Hub) -> Self {
        MemoryBus { hub }
    }
}

#[async_trait]
impl Bus for MemoryBus {
    async fn publish(&self, event: BusEvent) -> Result<(), BusError> {
        self.hub.deliver(&event);
        Ok(())
    }
}
