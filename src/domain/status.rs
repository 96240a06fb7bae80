//! An agent's availability: what the agent sets in the dashboard, what routing reads, what
//! the other nodes hear. One type for all three, so they cannot disagree.

use serde::{Deserialize, Serialize};

/// An agent's availability.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgentStatus {
    /// Takes chats.
    Online,
    /// Signed in, no new chats.
    Away,
    /// Gone; assigned chats go back to the queue after the grace period.
    Offline,
}
