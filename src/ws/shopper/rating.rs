//! The shopper's `rate` frame: decoded, handed to the visitor's session, answered with a
//! `rated` frame or an `error` naming the field or the reason.

use super::{ShopperSocket, error};
use crate::chat::{ChatError, RateRefusal};
use crate::conversation::rating::RatingRefusal;
use crate::protocol::{ErrorCode, RateFrame, ServerFrame};
use crate::ws::connection::Connection;
use crate::ws::flow::Flow;

impl ShopperSocket {
    /// `rate`: stars and an optional comment for a closed conversation.
    pub(super) async fn on_rate(&mut self, conn: &mut Connection, frame: RateFrame) -> Flow {
        let Some(joined) = &self.joined else {
            return Flow::Continue;
        };
        let rated = joined
            .rate(
                &frame.conversation_id,
                frame.score,
                frame.comment.as_deref(),
            )
            .await;
        let answer = match rated {
            Ok(appended) => ServerFrame::Rated {
                conversation_id: appended.message.conversation_id,
                score: frame.score.clamp(1, 5) as u8,
            },
            Err(RateRefusal::Refused(r)) => {
                let (code, field) = match r {
                    RatingRefusal::Score => (ErrorCode::InvalidField, Some("score")),
                    RatingRefusal::CommentTooLong(_) => (ErrorCode::TextTooLong, Some("comment")),
                    RatingRefusal::AlreadyRated => (ErrorCode::AlreadyRated, None),
                    RatingRefusal::NotClosed | RatingRefusal::TooLate => {
                        (ErrorCode::NotAllowed, Some("conversation_id"))
                    }
                };
                error(code, r.to_string(), field)
            }
            Err(RateRefusal::Chat(ChatError::NotFound(_))) => error(
                ErrorCode::UnknownConversation,
                "no such conversation for this visitor",
                Some("conversation_id"),
            ),
            Err(RateRefusal::Chat(e)) => return self.chat_error(conn, e).await,
        };
        self.send_frame(conn, &answer).await
    }
}
