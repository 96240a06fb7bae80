//! An agent's answer to a shopper who is not reading it: when it is owed, and the email that carries the burst.

use super::super::{ChatError, ChatService};
use super::compose::Composition;
use crate::email::OutboxEmail;

impl ChatService {
    /// The email for a due `reply` row (skeleton: composed by the email work still to land).
    pub(crate) async fn compose_reply(&self, row: &OutboxEmail) -> Result<Composition, ChatError> {
        Ok(Composition::Skip(format!(
            "{} emails are not composed yet",
            row.kind.as_str()
        )))
    }
}
