//! The conversation's life cycle, kept free of I/O so it reads like the rules.
//!
//! What is stored and served today knows two states ([`ConversationState`]): a conversation is
//! open until someone closes it, and a shopper's message goes into the open one or opens a
//! new one. [`lifecycle`] holds the full bot → queued → assigned → closed machine and
//! [`handoff`] the "I want a person" detection; the conversations work wires them in and
//! retires the two-state enum.

use serde::{Deserialize, Serialize};

/// Where a conversation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ConversationState {
    /// Messages flow both ways.
    Open,
    /// Finished; a new shopper message opens a new conversation.
    Closed,
}

impl ConversationState {
    /// The state's name in storage and on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            ConversationState::Open => "open",
            ConversationState::Closed => "closed",
        }
    }

    /// Parses a stored state name.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "open" => Some(ConversationState::Open),
            "closed" => Some(ConversationState::Closed),
            _ => None,
        }
    }

    /// Whether a new shopper message belongs in this conversation rather than a new one.
    pub fn takes_new_messages(self) -> bool {
        matches!(self, ConversationState::Open)
    }
}

pub mod handoff;
pub mod lifecycle;
