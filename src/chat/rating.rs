//! The shopper rates a closed chat: checked (this visitor's, closed, within the window, not
//! rated before), stored with its transcript line in one step, and the line delivered to
//! the shopper's tabs and the site's agents like any message.

use super::{ChatError, ChatService};
use crate::conversation::rating::{self, RatingRefusal};
use crate::domain::{
    Author, AuthorKind, ConversationId, MessageText, SiteId, Timestamp, VisitorId,
};
use crate::store::{Appended, NewMessage, Rated};

/// Why a rating was not taken: the rating's own rules, or anything else (no such
/// conversation for this visitor, the store).
#[derive(Debug, thiserror::Error)]
pub enum RateRefusal {
    /// Refused by the rating's rules (a bad score, too late, rated before, …).
    #[error(transparent)]
    Refused(#[from] RatingRefusal),
    /// Not this visitor's conversation, or the store failed.
    #[error(transparent)]
    Chat(#[from] ChatError),
}

impl From<crate::store::StoreError> for RateRefusal {
    fn from(e: crate::store::StoreError) -> Self {
        RateRefusal::Chat(ChatError::Store(e))
    }
}

impl ChatService {
    /// The visitor rates `conversation` with `score` (1–5) and an optional comment. Another
    /// visitor's (or another site's, or an unknown) conversation is `NotFound`, never told
    /// apart. Returns the stored transcript line.
    pub async fn rate(
        &self,
        site: &SiteId,
        visitor: &VisitorId,
        conversation: &str,
        score: i64,
        comment: Option<&str>,
    ) -> Result<Appended, RateRefusal> {
        // The values first: nothing is looked up for a frame that cannot be taken.
        let score = rating::parse_score(score)?;
        let comment = rating::parse_comment(comment)?;
        let id =
            ConversationId::parse(conversation).map_err(|_| ChatError::NotFound("conversation"))?;
        let conv = match self.store.conversation(&id).await? {
            Some(c) if rating::is_visitors(&c, site, visitor) => c,
            _ => return Err(ChatError::NotFound("conversation").into()),
        };
        let now = Timestamp::now();
        let rating = rating::rate(&conv, score, comment, now)?;
        // The shopper's panel shows the line: in their language (agents read the same words).
        let language = self.chat_language(site, visitor).await;
        let notice = NewMessage {
            author: Author {
                kind: AuthorKind::System,
                name: "System".into(),
            },
            author_id: "system".into(),
            // The comment is bounded well below any message limit; the line is too.
            text: MessageText::parse(
                &rating::notice_text(&rating, language.as_deref()),
                usize::MAX,
            )
            .map_err(|e| ChatError::Invalid {
                field: "comment",
                message: e.to_string(),
            })?,
            client_msg_id: None,
            attachments: Vec::new(),
            ts: now,
        };
        let appended = match self.store.rate(&rating, notice).await? {
            Rated::Stored(appended) => *appended,
            Rated::AlreadyRated => return Err(RatingRefusal::AlreadyRated.into()),
            Rated::NotClosed => return Err(RatingRefusal::NotClosed.into()),
        };
        metrics::counter!("shopchat_ratings_total", "score" => score.to_string()).increment(1);
        self.deliver_message(&appended.conversation, &appended.message)
            .await;
        Ok(appended)
    }
}
