//! The shoppers' ratings of closed chats: stored once per conversation together with the
//! transcript's line about it, and read back grouped for the owners' CSAT report.

use super::{Appended, NewMessage, Rating, RatingGroup, StoreError};
use crate::domain::{SiteId, Timestamp};
use async_trait::async_trait;

/// What storing a rating did.
#[derive(Debug, Clone)]
pub enum Rated {
    /// Stored, with the transcript's line (a system message appended to the closed
    /// conversation) and the header after it.
    Stored(Box<Appended>),
    /// The conversation was rated before: nothing stored, the first rating stands.
    AlreadyRated,
    /// The conversation is not closed (it was reopened meanwhile): nothing stored.
    NotClosed,
}

/// Ratings: one per conversation, kept with the conversation (erased and expired with it).
#[async_trait]
pub trait Ratings: Send + Sync + 'static {
    /// Stores `rating` and appends `notice` to its conversation in one atomic step, if the
    /// conversation is closed and not rated yet. The rating also records the trigger rule
    /// whose message opened the conversation (its first message, sent by the site's bot on
    /// the rule's behalf), if that rule still exists. `NotFound` when there is no such
    /// conversation on the rating's site.
    async fn rate(&self, rating: &Rating, notice: NewMessage) -> Result<Rated, StoreError>;
    /// The site's ratings given in `[from, to)`, grouped by UTC day, score, agent, team and
    /// rule (at most one group per rating, so the answer is bounded by the ratings).
    async fn rating_groups(
        &self,
        site: &SiteId,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<RatingGroup>, StoreError>;
}
