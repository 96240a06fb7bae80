//! The shopper's rating of a closed chat on a live connection.

use super::ShopperSession;
use crate::chat::RateRefusal;
use crate::store::Appended;

impl ShopperSession {
    /// Rates one of this visitor's closed conversations; see [`crate::chat::ChatService::rate`].
    pub async fn rate(
        &self,
        conversation: &str,
        score: i64,
        comment: Option<&str>,
    ) -> Result<Appended, RateRefusal> {
        self.service
            .rate(&self.site.id, &self.visitor, conversation, score, comment)
            .await
    }
}
