//! What an outbox row becomes when it comes due: an email to send, or a reason to send
//! nothing. The outbox asks here, one kind per file, so a reply sees what the shopper has
//! read by the time it goes and a suppressed or switched-off address is caught at the last
//! moment.

use super::super::{ChatError, ChatService};
use crate::email::{Composed, EmailKind, OutboxEmail};

/// What a due outbox row turns into.
#[derive(Debug)]
pub(crate) enum Composition {
    /// Send this; a thread email carries the conversation's messages up to `up_to_seq`.
    Send {
        /// The email.
        email: Box<Composed>,
        /// How far the conversation is emailed once it is sent (0: not a thread email).
        up_to_seq: u64,
    },
    /// Nothing to send, and why (for the delivery log).
    Skip(String),
}

impl ChatService {
    /// The email a due outbox row stands for, composed now.
    pub(crate) async fn compose(&self, row: &OutboxEmail) -> Result<Composition, ChatError> {
        match row.kind {
            EmailKind::Reply => self.compose_reply(row).await,
            EmailKind::Transcript => self.compose_transcript(row).await,
            EmailKind::TeamContact | EmailKind::TeamWaiting => self.compose_team(row).await,
            EmailKind::Code => self.compose_code(row).await,
        }
    }
}
