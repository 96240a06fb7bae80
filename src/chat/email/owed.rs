//! An outbox row for an email that just became owed: every use case builds its row here, so
//! each kind's key, recipient and due time are set the same way.

use crate::domain::{ConversationId, EmailId, SiteId, Timestamp};
use crate::email::{EmailKind, EmailStatus, OutboxEmail};

/// A new pending row: `key` is the idempotency key (unique per site for ever), `data` the
/// kind's fixed content as JSON, `due` when it goes out.
pub(crate) struct Owed<'a> {
    pub(crate) site: &'a SiteId,
    pub(crate) kind: EmailKind,
    pub(crate) key: String,
    pub(crate) to: &'a str,
    pub(crate) conversation: Option<&'a ConversationId>,
    pub(crate) up_to_seq: u64,
    pub(crate) data: serde_json::Value,
    pub(crate) due: Timestamp,
}

impl Owed<'_> {
    /// The row, pending, no attempt made yet.
    pub(crate) fn row(self) -> OutboxEmail {
        OutboxEmail {
            id: EmailId::generate(),
            site_id: self.site.clone(),
            key: self.key,
            kind: self.kind,
            to: self.to.to_ascii_lowercase(),
            conversation_id: self.conversation.cloned(),
            up_to_seq: self.up_to_seq,
            data: self.data.to_string(),
            attempts: 0,
            due_at: self.due,
            created_at: Timestamp::now(),
            status: EmailStatus::Pending,
        }
    }
}
