//! One-time codes that prove a shopper owns an address.

use super::super::{ChatError, ChatService};
use super::compose::Composition;
use crate::email::OutboxEmail;

impl ChatService {
    /// The email for a due `code` row (skeleton: composed by the email work still to land).
    pub(crate) async fn compose_code(&self, row: &OutboxEmail) -> Result<Composition, ChatError> {
        Ok(Composition::Skip(format!(
            "{} emails are not composed yet",
            row.kind.as_str()
        )))
    }
}
