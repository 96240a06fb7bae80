//! The shopper's email frames: `transcript`, `email_code` and `verify_code`. Each is decoded
//! here and handed to the visitor's session; the answer is an `emailed` (or `verified`)
//! frame, or an `error` naming the field.

use super::{ShopperSocket, budget_spent, error};
use crate::chat::{ChatError, CodeRefusal};
use crate::protocol::{EmailCodeFrame, ErrorCode, ServerFrame, TranscriptFrame, VerifyCodeFrame};
use crate::ws::connection::Connection;
use crate::ws::flow::Flow;

impl ShopperSocket {
    /// `transcript`: "Email me the transcript".
    pub(super) async fn on_transcript(
        &mut self,
        conn: &mut Connection,
        frame: TranscriptFrame,
    ) -> Flow {
        if let Some(flow) = self.email_budget_spent(conn).await {
            return flow;
        }
        let Some(joined) = &self.joined else {
            return Flow::Continue;
        };
        let sent = joined
            .transcript(frame.conversation_id.as_deref(), frame.email.as_deref())
            .await;
        self.emailed(conn, "transcript", sent).await
    }

    /// `email_code`: a one-time code to this address.
    pub(super) async fn on_email_code(
        &mut self,
        conn: &mut Connection,
        frame: EmailCodeFrame,
    ) -> Flow {
        if let Some(flow) = self.email_budget_spent(conn).await {
            return flow;
        }
        let Some(joined) = &self.joined else {
            return Flow::Continue;
        };
        let sent = joined.email_code(&frame.email).await;
        self.emailed(conn, "code", sent).await
    }

    /// `verify_code`: a right code proves the address; the orders placed with it follow as
    /// the bot's answer, as for "Where is my order?".
    pub(super) async fn on_verify_code(
        &mut self,
        conn: &mut Connection,
        frame: VerifyCodeFrame,
    ) -> Flow {
        let addr = self.addr;
        let Some(joined) = &mut self.joined else {
            return Flow::Continue;
        };
        let verified = joined.verify_code(&frame.email, &frame.code, &addr).await;
        let refusal = match verified {
            Ok(email) => {
                let flow = self
                    .send_frame(conn, &ServerFrame::Verified { email })
                    .await;
                if !matches!(flow, Flow::Continue) {
                    return flow;
                }
                return self.on_orders(conn).await;
            }
            Err(CodeRefusal::Chat(e)) => return self.chat_error(conn, e).await,
            Err(r @ CodeRefusal::Wrong) => {
                error(ErrorCode::InvalidField, r.to_string(), Some("code"))
            }
            Err(r @ CodeRefusal::TooManyAttempts) => {
                metrics::counter!("shopchat_shopper_refused_total", "reason" => "email_codes")
                    .increment(1);
                error(ErrorCode::RateLimited, r.to_string(), None)
            }
        };
        self.send_frame(conn, &refusal).await
    }

    /// The `rate_limited` answer when this client address asked for too many emails this
    /// minute (checked before anything is looked up or queued).
    async fn email_budget_spent(&self, conn: &mut Connection) -> Option<Flow> {
        if self.state.email_requests.allow(&self.addr) {
            return None;
        }
        let frame = budget_spent("email_requests_per_addr", "emails asked for");
        Some(self.send_frame(conn, &frame).await)
    }

    /// `emailed` when the email is owed, else the refusal as an `error` frame.
    async fn emailed(
        &self,
        conn: &mut Connection,
        what: &str,
        sent: Result<String, ChatError>,
    ) -> Flow {
        match sent {
            Ok(to) => {
                let frame = ServerFrame::Emailed {
                    what: what.to_owned(),
                    to,
                };
                self.send_frame(conn, &frame).await
            }
            Err(ChatError::NotFound(_)) => {
                let frame = error(
                    ErrorCode::NoConversation,
                    "there is no conversation to send yet",
                    Some("conversation_id"),
                );
                self.send_frame(conn, &frame).await
            }
            Err(e) => self.chat_error(conn, e).await,
        }
    }
}
