//! Notices to the site's team: a message left while nobody was online, a chat waiting too long.

use super::super::{ChatError, ChatService};
use super::compose::Composition;
use crate::email::OutboxEmail;

impl ChatService {
    /// The email for a due `team` row (skeleton: composed by the email work still to land).
    pub(crate) async fn compose_team(&self, row: &OutboxEmail) -> Result<Composition, ChatError> {
        Ok(Composition::Skip(format!(
            "{} emails are not composed yet",
            row.kind.as_str()
        )))
    }
}
