//! What operations ask of the application: whether the store answers, how many shopper
//! sockets this node holds.

use crate::chat::{ChatError, ChatService};

impl ChatService {
    /// Whether the store answers a read and a write: what `/readyz` reports to a load
    /// balancer (the caller bounds the wait).
    pub async fn ready(&self) -> Result<(), ChatError> {
        Ok(self.store.ping().await?)
    }

    /// Shopper sockets open on this node, for the `/metrics` gauge.
    pub fn shopper_sockets(&self) -> usize {
        self.hub.shopper_sockets()
    }
}
