//! A shopper's rating of a closed chat: 1 to 5 stars and an optional comment, given once,
//! within [`RATING_WINDOW_MS`] of the close. Pure: what may be rated, the bounds of the
//! values, and the line the transcript shows. Who the rating counts for (the agent, their
//! team, the rule that opened the chat) is fixed when it is given, so later transfers or
//! deleted rules do not move old ratings between rows of the report.

use super::phrases::Line;
use super::{Conversation, Stage};
use crate::domain::{AgentId, ConversationId, SiteId, Timestamp, VisitorId};

/// How long after the close a chat may be rated: 7 days.
pub const RATING_WINDOW_MS: i64 = 7 * 24 * 60 * 60 * 1000;
/// Longest comment, in characters.
pub const MAX_COMMENT_CHARS: usize = 1000;
/// Scores at or above this count as satisfied (CSAT is the share of 4s and 5s).
pub const SATISFIED_FROM: u8 = 4;

/// A rating as the store keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rating {
    /// The rated conversation (one rating each).
    pub conversation_id: ConversationId,
    /// Its site.
    pub site_id: SiteId,
    /// 1 to 5.
    pub score: u8,
    /// What the shopper added, trimmed; `None` when empty.
    pub comment: Option<String>,
    /// The agent who last had the chat; `None` when only the bot answered.
    pub agent: Option<AgentId>,
    /// The team the chat was sent to (`skill`), if any.
    pub team: Option<String>,
    /// When it was given.
    pub rated_at: Timestamp,
}

/// Why a rating was not taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RatingRefusal {
    /// Not 1 to 5.
    #[error("score must be a whole number from 1 to 5")]
    Score,
    /// Over [`MAX_COMMENT_CHARS`].
    #[error("comment is {0} characters, the limit is {MAX_COMMENT_CHARS}")]
    CommentTooLong(usize),
    /// The chat is still open.
    #[error("only a closed conversation can be rated")]
    NotClosed,
    /// Closed more than [`RATING_WINDOW_MS`] ago.
    #[error("this conversation closed too long ago to be rated")]
    TooLate,
    /// Rated before; the first rating stands.
    #[error("this conversation has been rated already")]
    AlreadyRated,
}

/// The score, checked.
pub fn parse_score(score: i64) -> Result<u8, RatingRefusal> {
    u8::try_from(score)
        .ok()
        .filter(|s| (1..=5).contains(s))
        .ok_or(RatingRefusal::Score)
}

/// The comment, trimmed, bounded, and `None` when empty.
pub fn parse_comment(comment: Option<&str>) -> Result<Option<String>, RatingRefusal> {
    let Some(text) = comment.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let len = text.chars().count();
    if len > MAX_COMMENT_CHARS {
        return Err(RatingRefusal::CommentTooLong(len));
    }
    Ok(Some(text.to_owned()))
}

/// The rating of `conv` if it may be rated at `now`: closed, within the window. Whose
/// conversation it is the caller checks first (another visitor's is "not found").
pub fn rate(
    conv: &Conversation,
    score: u8,
    comment: Option<String>,
    now: Timestamp,
) -> Result<Rating, RatingRefusal> {
    if !matches!(conv.lifecycle.stage, Stage::Closed) {
        return Err(RatingRefusal::NotClosed);
    }
    let closed = conv.lifecycle.closed_at.unwrap_or(conv.updated_at);
    if now.0 - closed.0 > RATING_WINDOW_MS {
        return Err(RatingRefusal::TooLate);
    }
    Ok(Rating {
        conversation_id: conv.id.clone(),
        site_id: conv.site_id.clone(),
        score,
        comment,
        agent: conv.lifecycle.last_agent.clone(),
        team: conv.skill.clone(),
        rated_at: now,
    })
}

/// Whether a conversation belongs to this visitor of this site.
pub fn is_visitors(conv: &Conversation, site: &SiteId, visitor: &VisitorId) -> bool {
    &conv.site_id == site && &conv.visitor_id == visitor
}

/// The transcript's line for a rating, `The shopper rated this chat 4/5 ★★★★☆: “comment”`, in
/// the shopper's `language` (English for an unknown one or none): the shopper's panel shows
/// it as a line under the chat, and the agents read the same line in the transcript.
pub fn notice_text(rating: &Rating, language: Option<&str>) -> String {
    let stars: String = (1..=5)
        .map(|i| if i <= rating.score { '★' } else { '☆' })
        .collect();
    Line::Rated {
        score: rating.score,
        stars: &stars,
        comment: rating.comment.as_deref(),
    }
    .text(language)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conversation::Lifecycle;

    fn conv(stage: Stage, closed_at: Option<i64>) -> Conversation {
        let mut lifecycle = Lifecycle::new(true);
        lifecycle.stage = stage;
        lifecycle.closed_at = closed_at.map(Timestamp);
        lifecycle.last_agent = Some(AgentId::generate());
        Conversation {
            id: ConversationId::generate(),
            site_id: SiteId::generate(),
            visitor_id: VisitorId::generate(),
            lifecycle,
            last_seq: 2,
            shopper_read_seq: 0,
            agent_read_seq: 0,
            priority: 0,
            queued_at: None,
            handoff_reason: None,
            skill: Some("returns".into()),
            tags: vec![],
            bot_misses: 0,
            contact_email: None,
            cart_total: 0.0,
            created_at: Timestamp(0),
            updated_at: Timestamp(0),
        }
    }

    #[test]
    fn scores_are_one_to_five() {
        assert_eq!(parse_score(1), Ok(1));
        assert_eq!(parse_score(5), Ok(5));
        for bad in [0, 6, -1, 300] {
            assert_eq!(parse_score(bad), Err(RatingRefusal::Score));
        }
    }

    #[test]
    fn comments_are_trimmed_bounded_and_optional() {
        assert_eq!(parse_comment(None), Ok(None));
        assert_eq!(parse_comment(Some("   ")), Ok(None));
        assert_eq!(parse_comment(Some(" ok ")), Ok(Some("ok".into())));
        let long = "é".repeat(MAX_COMMENT_CHARS + 1);
        assert_eq!(
            parse_comment(Some(&long)),
            Err(RatingRefusal::CommentTooLong(MAX_COMMENT_CHARS + 1))
        );
        assert!(parse_comment(Some(&"é".repeat(MAX_COMMENT_CHARS))).is_ok());
    }

    #[test]
    fn only_a_chat_closed_within_the_window_is_rated_and_attributed() {
        let open = conv(Stage::Bot, None);
        assert_eq!(
            rate(&open, 5, None, Timestamp(10)),
            Err(RatingRefusal::NotClosed)
        );
        let closed = conv(Stage::Closed, Some(1000));
        let rating = rate(
            &closed,
            4,
            Some("hi".into()),
            Timestamp(1000 + RATING_WINDOW_MS),
        );
        let rating = rating.unwrap();
        assert_eq!(rating.agent, closed.lifecycle.last_agent);
        assert_eq!(rating.team.as_deref(), Some("returns"));
        assert_eq!(
            rate(&closed, 4, None, Timestamp(1001 + RATING_WINDOW_MS)),
            Err(RatingRefusal::TooLate)
        );
        assert_eq!(
            notice_text(&rating, None),
            "The shopper rated this chat 4/5 ★★★★☆: “hi”"
        );
        assert_eq!(
            notice_text(&rating, Some("de")),
            "Bewertung des Kunden für diesen Chat: 4/5 ★★★★☆ – „hi“"
        );
        let plain = Rating {
            comment: None,
            score: 1,
            ..rating
        };
        assert_eq!(
            notice_text(&plain, Some("fr")),
            "Le client a noté cette conversation 1/5 ★☆☆☆☆"
        );
    }
}
