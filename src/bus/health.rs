//! Whether a bus currently delivers to this node. Redis pub/sub drops whatever is published
//! while a subscriber is disconnected, so the rest of the node must learn of such gaps to
//! resync its sockets from the store (by seq) instead of trusting that nothing happened.

use crate::domain::Timestamp;

/// A bus's state as seen from this node, published on a `tokio::sync::watch` channel.
///
/// A watcher may miss short flaps between two looks (Down then Up again); the generation
/// still tells it: a larger generation than the one it last saw means a new subscription,
/// so events published in between may have been lost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BusHealth {
    /// Subscribed: every event published from now on reaches this node.
    Up {
        /// Counts subscriptions made by this bus, from 1.
        generation: u64,
    },
    /// Not subscribed: events published now never reach this node.
    Down {
        /// When delivery stopped (or the bus started, before the first subscription).
        since: Timestamp,
        /// The generation that ended (0 before the first subscription).
        generation: u64,
    },
}

impl BusHealth {
    /// The generation of the current or last subscription.
    pub fn generation(&self) -> u64 {
        match self {
            BusHealth::Up { generation } | BusHealth::Down { generation, .. } => *generation,
        }
    }

    /// Whether events reach this node now.
    pub fn is_up(&self) -> bool {
        matches!(self, BusHealth::Up { .. })
    }
}
