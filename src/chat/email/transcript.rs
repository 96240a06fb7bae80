//! The conversation's transcript by email, on the shopper's request or when it closes.

use super::super::{ChatError, ChatService};
use super::compose::Composition;
use crate::email::OutboxEmail;

impl ChatService {
    /// The email for a due `transcript` row (skeleton: composed by the email work still to land).
    pub(crate) async fn compose_transcript(
        &self,
        row: &OutboxEmail,
    ) -> Result<Composition, ChatError> {
        Ok(Composition::Skip(format!(
            "{} emails are not composed yet",
            row.kind.as_str()
        )))
    }
}
