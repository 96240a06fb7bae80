//! The shopper's frames after `hello`: browsing events, messages, "talk to a person", the
//! offline contact form, read marks and the order frames — each decoded and checked here,
//! then handed to the visitor's session in the application layer.

use super::{ShopperSocket, budget_spent, error};
use crate::chat::{ChatError, OrderRefusal};
use crate::domain::{BrowsingEvent, ClientMsgId, MessageText, Timestamp, ValueError};
use crate::protocol::{
    ContactFrame, ErrorCode, EventFrame, MessageFrame, OrderLookupFrame, OrderRequestFrame,
    ReadFrame, ServerFrame, UploadTokenFrame,
};
use crate::ws::connection::Connection;
use crate::ws::flow::Flow;

impl ShopperSocket {
    pub(super) async fn on_event(&mut self, conn: &mut Connection, mut event: EventFrame) -> Flow {
        // `identify` is the shop saying who the shopper is (their orders beside the chat), not
        // browsing: it is taken with or without consent; every other event needs it.
        if !self.tracking && event.name() != "identify" {
            let message = "browsing events need the shopper's consent: this socket's `hello` said `consent: false`";
            return self
                .send_frame(conn, &error(ErrorCode::NoConsent, message, Some("name")))
                .await;
        }
        let mut identity = crate::auth::Identity::Attributes;
        if event.name() == "identify"
            && let Some(props) = event.props_mut()
        {
            identity = crate::auth::verify_identity(&self.site.identity_secret, props);
        }
        let unverified = identity == crate::auth::Identity::Unverified;
        let mut event = match event.into_event() {
            Ok(e) => e,
            Err((field, reason)) => {
                let field = if field == "name" {
                    "name".to_owned()
                } else {
                    format!("props.{field}")
                };
                let message = format!("`{field}` {reason}");
                return self
                    .send_frame(conn, &error(ErrorCode::InvalidField, message, Some(&field)))
                    .await;
            }
        };
        if let (BrowsingEvent::Identify { verified, .. }, crate::auth::Identity::Verified(id)) =
            (&mut event, identity)
        {
            *verified = Some(id);
        }
        if unverified {
            // Kept as anonymous data; the shop's developer learns why the customer is unknown.
            let frame = error(
                ErrorCode::InvalidField,
                "identity not verified: `hash` must be the HMAC-SHA256 of user_id (or email) under the site's identity secret; kept as anonymous data",
                Some("props.hash"),
            );
            if let flow @ (Flow::Gone | Flow::Close(_)) = self.send_frame(conn, &frame).await {
                return flow;
            }
        }
        let Some(joined) = &mut self.joined else {
            return Flow::Continue;
        };
        let (refusal, next) = joined.event(&event, Timestamp::now()).await;
        conn.arm(next);
        // Verified as a customer seen on another device: this socket now shares the
        // customer's conversations and is sent their history.
        if let Some(history) = joined.take_customer_history()
            && let flow @ (Flow::Gone | Flow::Close(_)) = self
                .replay_resumed(conn, history, &std::collections::HashMap::new())
                .await
        {
            return flow;
        }
        match refusal {
            Some(e) => self.chat_error(conn, e).await,
            None => Flow::Continue,
        }
    }

    pub(super) async fn on_message(&mut self, conn: &mut Connection, frame: MessageFrame) -> Flow {
        let Some(opens) = self.joined.as_ref().map(|j| !j.has_open_conversation()) else {
            return Flow::Continue;
        };
        let client_msg_id = match ClientMsgId::parse(&frame.client_msg_id) {
            Ok(id) => id,
            Err(e) => {
                return self
                    .send_frame(
                        conn,
                        &error(
                            ErrorCode::InvalidField,
                            e.to_string(),
                            Some("client_msg_id"),
                        ),
                    )
                    .await;
            }
        };
        let parsed = if !frame.attachments.is_empty() && frame.text.trim().is_empty() {
            Ok(MessageText::none())
        } else {
            MessageText::parse(&frame.text, self.state.settings.limits.max_message_chars)
        };
        let text = match parsed {
            Ok(t) => t,
            Err(e @ ValueError::TextTooLong { .. }) => {
                return self
                    .send_frame(
                        conn,
                        &error(ErrorCode::TextTooLong, e.to_string(), Some("text")),
                    )
                    .await;
            }
            Err(e) => {
                return self
                    .send_frame(
                        conn,
                        &error(ErrorCode::InvalidField, e.to_string(), Some("text")),
                    )
                    .await;
            }
        };
        // The pre-chat form's answers are checked before any budget is spent on them.
        let answers = match (&self.joined, &frame.prechat) {
            (Some(joined), Some(answers)) => match joined.check_prechat(answers).await {
                Ok(checked) => Some(checked),
                Err(e) => return self.chat_error(conn, e).await,
            },
            _ => None,
        };
        // This message may open a conversation: each costs a stored header and an agent's
        // attention, so one address may open only so many a minute. Refused before any
        // write; the widget retries with the same `client_msg_id`.
        if opens && !self.state.new_conversations.allow(&self.addr) {
            let frame = budget_spent("new_conversations_per_addr", "new conversations");
            return self.send_frame(conn, &frame).await;
        }
        let Some(joined) = &mut self.joined else {
            return Flow::Continue;
        };
        let stored = match joined
            .say(text, client_msg_id, answers, &frame.attachments)
            .await
        {
            Ok(appended) => appended.message,
            Err(e) => return self.chat_error(conn, e).await,
        };
        let ack = ServerFrame::Ack {
            client_msg_id: frame.client_msg_id,
            id: stored.id,
            conversation_id: stored.conversation_id,
            seq: stored.seq,
        };
        self.send_frame(conn, &ack).await
    }

    /// A token to upload files to the shopper's open conversation.
    pub(super) async fn on_upload_token(
        &mut self,
        conn: &mut Connection,
        frame: UploadTokenFrame,
    ) -> Flow {
        let Some(joined) = &self.joined else {
            return Flow::Continue;
        };
        let reply = match joined.upload_token(frame.conversation_id.as_deref()).await {
            Ok(issued) => ServerFrame::UploadToken {
                token: issued.token,
                expires_at: issued.expires_at,
                max_bytes: issued.limits.max_bytes,
                max_per_message: issued.limits.max_per_message,
                types: issued.limits.types,
            },
            Err(e) if e.code() == ErrorCode::Internal => {
                return self.internal_error(conn, e).await;
            }
            Err(e) => error(e.code(), e.to_string(), Some("conversation_id")),
        };
        self.send_frame(conn, &reply).await
    }

    /// "Talk to a person": the open conversation (or a new one) goes to the human queue.
    pub(super) async fn on_handoff(&mut self, conn: &mut Connection) -> Flow {
        let Some(joined) = &mut self.joined else {
            return Flow::Continue;
        };
        match joined.handoff().await {
            Ok(()) => Flow::Continue,
            Err(e) => self.chat_error(conn, e).await,
        }
    }

    /// The offline form: an email to answer at.
    pub(super) async fn on_contact(
        &mut self,
        conn: &mut Connection,
        contact: ContactFrame,
    ) -> Flow {
        let Some(joined) = &self.joined else {
            return Flow::Continue;
        };
        match joined.contact(&contact.email).await {
            Ok(()) => Flow::Continue,
            Err(ChatError::NotFound(_)) => {
                self.send_frame(
                    conn,
                    &error(
                        ErrorCode::NoConversation,
                        "write a message or ask for a person first",
                        None,
                    ),
                )
                .await
            }
            Err(e) => self.chat_error(conn, e).await,
        }
    }

    pub(super) async fn on_read(&mut self, conn: &mut Connection, read: ReadFrame) -> Flow {
        let Some(joined) = &self.joined else {
            return Flow::Continue;
        };
        match joined.read(&read.conversation_id, read.seq).await {
            Ok(()) => Flow::Continue,
            Err(ChatError::NotFound(_)) => {
                self.send_frame(
                    conn,
                    &error(
                        ErrorCode::UnknownConversation,
                        "no such conversation for this visitor",
                        Some("conversation_id"),
                    ),
                )
                .await
            }
            Err(e) => self.chat_error(conn, e).await,
        }
    }
}

/// The order frames: each may open a conversation (the shopper's question is stored as
/// theirs), so they share the per-address budget of new conversations with `message`.
impl ShopperSocket {
    /// `orders`: the "Where is my order?" button.
    pub(super) async fn on_orders(&mut self, conn: &mut Connection) -> Flow {
        if let Some(flow) = self.may_open(conn).await {
            return flow;
        }
        let Some(joined) = &mut self.joined else {
            return Flow::Continue;
        };
        let done = joined.orders().await;
        self.order_answer(conn, done).await
    }

    /// `order_lookup`: order number and email.
    pub(super) async fn on_order_lookup(
        &mut self,
        conn: &mut Connection,
        frame: OrderLookupFrame,
    ) -> Flow {
        if let Some(flow) = self.may_open(conn).await {
            return flow;
        }
        let addr = self.addr;
        let Some(joined) = &mut self.joined else {
            return Flow::Continue;
        };
        let done = joined
            .order_lookup(&frame.number, &frame.email, &addr)
            .await;
        self.order_answer(conn, done).await
    }

    /// `order_request`: "Return" / "Cancel" on an order.
    pub(super) async fn on_order_request(
        &mut self,
        conn: &mut Connection,
        frame: OrderRequestFrame,
    ) -> Flow {
        if let Some(flow) = self.may_open(conn).await {
            return flow;
        }
        let Some(joined) = &mut self.joined else {
            return Flow::Continue;
        };
        let done = joined
            .order_request(&frame.order, frame.kind, frame.reason.as_deref())
            .await;
        self.order_answer(conn, done).await
    }

    /// Refuses a frame that would open a conversation when the address opened too many.
    async fn may_open(&mut self, conn: &mut Connection) -> Option<Flow> {
        let opens = self.joined.as_ref()?.open_conversation().is_none();
        if opens && !self.state.new_conversations.allow(&self.addr) {
            let frame = budget_spent("new_conversations_per_addr", "new conversations");
            return Some(self.send_frame(conn, &frame).await);
        }
        None
    }

    /// The refusal of an order frame as an `error` frame; nothing for success (the answer
    /// arrives as the bot's message and an `orders` frame).
    async fn order_answer(&self, conn: &mut Connection, done: Result<(), OrderRefusal>) -> Flow {
        let frame = match done {
            Ok(()) => return Flow::Continue,
            Err(refusal @ OrderRefusal::NoMatch) => {
                error(ErrorCode::NotFound, refusal.to_string(), None)
            }
            Err(refusal @ OrderRefusal::TooManyAttempts) => {
                metrics::counter!("shopchat_shopper_refused_total", "reason" => "order_lookups")
                    .increment(1);
                error(ErrorCode::RateLimited, refusal.to_string(), None)
            }
            Err(refusal @ OrderRefusal::Off) => {
                error(ErrorCode::NotAllowed, refusal.to_string(), None)
            }
            Err(OrderRefusal::Chat(ChatError::NotFound(what))) => error(
                ErrorCode::NotFound,
                format!("{what} not found"),
                Some("order"),
            ),
            Err(OrderRefusal::Chat(e)) => return self.chat_error(conn, e).await,
        };
        self.send_frame(conn, &frame).await
    }
}
