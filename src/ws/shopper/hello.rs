//! `hello` and what follows from it: joining, `welcome`, replaying what a resuming widget
//! missed, and forwarding what the hub queues for the socket in seq order.

use super::{MAX_RESUME, REPLAY_PAGE, ShopperSocket, budget_spent, error};
use crate::auth::SessionError;
use crate::chat::JoinRequest;
use crate::conversation::Conversation;
use crate::domain::{ConversationId, MAX_BROWSER_LANGUAGES, PageInfo, Timestamp, VisitorId};
use crate::hub::Outbound;
use crate::protocol::agent::VisitorChange;
use crate::protocol::{ConversationSummary, ErrorCode, Hello, PROTOCOL_VERSION, ServerFrame};
use crate::triggers::Wake;
use crate::ws::connection::Connection;
use crate::ws::flow::{Flow, close};
use actix_ws::CloseCode;
use std::collections::HashMap;

/// The page the `hello` names, and why it was refused if it does not parse (the socket still
/// joins: a bad page only loses the page's facts).
fn page_of(hello: &Hello) -> (Option<PageInfo>, Option<String>) {
    match hello.page.as_ref().map(PageInfo::from_props) {
        None => (None, None),
        Some(Ok(page)) => (Some(page), None),
        Some(Err((field, reason))) => (None, Some(format!("page.{field}: {reason}"))),
    }
}

impl ShopperSocket {
    pub(super) async fn on_hello(&mut self, conn: &mut Connection, hello: Hello) -> Flow {
        if let Some(refusal) = self.refusal(&hello) {
            return self.send_frame(conn, &refusal).await;
        }
        let now = Timestamp::now();
        let (visitor, known) = match self.identify(conn, &hello, now).await {
            Ok(identified) => identified,
            Err(flow) => return flow,
        };
        // Without consent the page stays unread: it is browsing data.
        self.tracking = hello.consent != Some(false);
        let (page, page_error) = if self.tracking {
            page_of(&hello)
        } else {
            (None, None)
        };
        let chat = &self.state.chat;
        // A device the shop verified before speaks as its customer (`welcome` still names it).
        let (speaks_as, conversations) = match chat
            .resumable_as(&self.site, &visitor, known, &hello.last_seq)
            .await
        {
            Ok(c) => c,
            Err(e) => return self.internal_error(conn, e).await,
        };
        let language = chat
            .shopper_language(&self.site.id, hello.language.as_deref(), &hello.languages)
            .await;
        let request = JoinRequest {
            site: self.site.clone(),
            visitor: speaks_as,
            device: visitor.clone(),
            known,
            page,
            tracking: self.tracking,
            outbox: conn.outbox_tx.clone(),
            too_slow: conn.too_slow.clone(),
            language: language.clone(),
        };
        let joined = match chat.join(request, &conversations, now).await {
            Ok(joined) => joined,
            Err(e) => return self.internal_error(conn, e).await,
        };
        self.joined = Some(joined);
        // Identified: no longer one of the address's unidentified sockets.
        self.pending = None;

        let welcome = self.welcome(visitor, &conversations, &language, now).await;
        if let flow @ (Flow::Gone | Flow::Close(_)) = self.send_frame(conn, &welcome).await {
            return flow;
        }
        if let Some(joined) = &self.joined {
            joined.tell_agents(VisitorChange::Joined).await;
        }
        if let Some(message) = page_error {
            let field = message.split(':').next().unwrap_or("page").to_owned();
            if let flow @ (Flow::Gone | Flow::Close(_)) = self
                .send_frame(conn, &error(ErrorCode::InvalidField, message, Some(&field)))
                .await
            {
                return flow;
            }
        }
        if let flow @ (Flow::Gone | Flow::Close(_)) = self
            .replay_resumed(conn, conversations, &hello.last_seq)
            .await
        {
            return flow;
        }
        // The page in `hello` is a page view; without one, plan the timers only.
        let wake = if hello.page.is_some() && self.tracking {
            Wake::Event("page_view")
        } else {
            Wake::Timer
        };
        self.run_triggers(conn, wake).await;
        Flow::Continue
    }

    /// Why this `hello` cannot be served, as the error frame to answer with: a second
    /// `hello`, a protocol version this server does not speak, or too many conversations to
    /// resume.
    fn refusal(&self, hello: &Hello) -> Option<ServerFrame> {
        if self.joined.is_some() {
            return Some(error(
                ErrorCode::AlreadyHello,
                "`hello` was already sent",
                None,
            ));
        }
        let version = hello.v.unwrap_or(PROTOCOL_VERSION);
        if version != PROTOCOL_VERSION {
            let message = format!(
                "protocol version {version} is not supported; this server speaks {PROTOCOL_VERSION}"
            );
            return Some(error(ErrorCode::UnsupportedVersion, message, Some("v")));
        }
        if hello.languages.len() > MAX_BROWSER_LANGUAGES {
            let message = format!("`languages` may name at most {MAX_BROWSER_LANGUAGES} languages");
            return Some(error(ErrorCode::InvalidField, message, Some("languages")));
        }
        if hello.last_seq.len() > MAX_RESUME {
            let message = format!("`last_seq` may name at most {MAX_RESUME} conversations");
            return Some(error(ErrorCode::InvalidField, message, Some("last_seq")));
        }
        None
    }

    /// The visitor this socket speaks for and whether it is known: the one a valid session
    /// proves, else a new one within the address's budget. `Err` carries what the socket does
    /// instead (the error is already sent).
    async fn identify(
        &self,
        conn: &mut Connection,
        hello: &Hello,
        now: Timestamp,
    ) -> Result<(VisitorId, bool), Flow> {
        let lifetime = self.state.settings.guards.session_ttl;
        let (visitor, known) = match (hello.visitor_id.as_deref(), hello.session.as_deref()) {
            (Some(id), Some(token)) => {
                let checked = VisitorId::parse(id)
                    .map_err(|_| SessionError::Malformed)
                    .and_then(|visitor| {
                        self.state
                            .sessions
                            .verify(token, &self.site.id, &visitor, now, lifetime)
                            .map(|()| visitor)
                    });
                match checked {
                    Ok(visitor) => (visitor, true),
                    // A session past its lifetime starts a new visitor, as if the widget had
                    // forgotten it: the old visitor's data is not reachable with it any more.
                    Err(SessionError::Expired) => (VisitorId::generate(), false),
                    Err(_) => {
                        let frame = error(
                            ErrorCode::BadSession,
                            "session is not valid for this site and visitor; send `hello` without it to start afresh",
                            Some("session"),
                        );
                        return Err(self.send_frame(conn, &frame).await);
                    }
                }
            }
            // A visitor id without its token proves nothing: start a new visitor.
            _ => (VisitorId::generate(), false),
        };
        // New visitors cost a stored row each; one address may start only so many a minute.
        if !known && !self.state.new_visitors.allow(&self.addr) {
            let frame = budget_spent("new_visitors_per_addr", "new visitors");
            return Err(match self.send_frame(conn, &frame).await {
                Flow::Continue => close(CloseCode::Again, "too many new visitors; retry later"),
                other => other,
            });
        }
        Ok((visitor, known))
    }

    /// `welcome`: the site's look, a fresh session and the conversations being resumed.
    async fn welcome(
        &self,
        visitor: VisitorId,
        conversations: &[Conversation],
        language: &str,
        now: Timestamp,
    ) -> ServerFrame {
        ServerFrame::Welcome {
            appearance: Some(self.state.chat.appearance(&self.site, language).await),
            v: PROTOCOL_VERSION,
            session: self.state.sessions.issue(&self.site.id, &visitor, now),
            visitor_id: visitor,
            conversations: conversations
                .iter()
                .map(|c| ConversationSummary {
                    id: c.id.clone(),
                    state: c.lifecycle.stage.name().into(),
                    last_seq: c.last_seq,
                })
                .collect(),
        }
    }

    /// Sends each resumed conversation's messages after the seq the widget last saw, and
    /// where an open one stands.
    pub(super) async fn replay_resumed(
        &mut self,
        conn: &mut Connection,
        conversations: Vec<Conversation>,
        last_seq: &HashMap<String, u64>,
    ) -> Flow {
        for conversation in conversations {
            let after = last_seq.get(conversation.id.as_str()).copied().unwrap_or(0);
            if let flow @ (Flow::Gone | Flow::Close(_)) =
                self.replay(conn, &conversation.id, after).await
            {
                return flow;
            }
            // A reloaded widget learns where the chat stands: who has it, or that nobody is
            // online to take it, without waiting for the next change.
            if conversation.is_open() {
                let status = self
                    .state
                    .chat
                    .resume_status(&self.site, &conversation)
                    .await;
                if let flow @ (Flow::Gone | Flow::Close(_)) = self.send_frame(conn, &status).await {
                    return flow;
                }
            }
        }
        Flow::Continue
    }

    /// Runs the trigger engine and arms the one timer it asks for.
    pub(super) async fn run_triggers(&mut self, conn: &mut Connection, wake: Wake<'_>) {
        // No consent, no proactive rules: they work on what the shopper does on the page.
        if !self.tracking {
            return;
        }
        if let Some(joined) = &mut self.joined {
            let next = joined.run_triggers(wake).await;
            conn.arm(next);
        }
    }

    /// Sends every stored message of a conversation after `after`, in order.
    async fn replay(
        &mut self,
        conn: &mut Connection,
        conversation: &ConversationId,
        after: u64,
    ) -> Flow {
        let mut after = after.max(self.delivered.get(conversation).copied().unwrap_or(0));
        // The client has everything up to `after`: a live message after it is the next one,
        // not a gap to fill from the start (which re-sent a whole conversation after an
        // empty replay).
        if after > 0 {
            self.delivered.insert(conversation.clone(), after);
        }
        loop {
            let page = match self
                .state
                .chat
                .messages_after(conversation, after, REPLAY_PAGE)
                .await
            {
                Ok(page) => page,
                Err(e) => return self.internal_error(conn, e).await,
            };
            let Some(last) = page.last() else {
                return Flow::Continue;
            };
            after = last.seq;
            let full = page.len() == REPLAY_PAGE as usize;
            for message in page {
                let seq = message.seq;
                if let flow @ (Flow::Gone | Flow::Close(_)) =
                    self.send_frame(conn, &ServerFrame::Message(message)).await
                {
                    return flow;
                }
                self.delivered.insert(conversation.clone(), seq);
            }
            if !full {
                return Flow::Continue;
            }
        }
    }
    pub(super) async fn forward(&mut self, conn: &mut Connection, out: Outbound) -> Flow {
        match out {
            Outbound::Frame(json) => conn.send(&json).await,
            // Only agent sockets are ever sent this (see `Hub::deliver`).
            Outbound::Reconnect => Flow::Continue,
            Outbound::Resync => {
                let mut known: Vec<(ConversationId, u64)> = self
                    .delivered
                    .iter()
                    .map(|(c, seq)| (c.clone(), *seq))
                    .collect();
                if let Some(open) = self.joined.as_ref().and_then(|j| j.open_conversation())
                    && !self.delivered.contains_key(open)
                {
                    known.push((open.clone(), 0));
                }
                for (conversation, seq) in known {
                    if let flow @ (Flow::Gone | Flow::Close(_)) =
                        Box::pin(self.replay(conn, &conversation, seq)).await
                    {
                        return flow;
                    }
                }
                Flow::Continue
            }
            Outbound::Closed {
                conversation_id,
                json,
            } => {
                if let Some(joined) = &mut self.joined {
                    joined.conversation_closed(&conversation_id);
                }
                conn.send(&json).await
            }
            Outbound::Message {
                conversation_id,
                seq,
                json,
            } => {
                let delivered = self.delivered.get(&conversation_id).copied().unwrap_or(0);
                if seq <= delivered {
                    Flow::Continue
                } else if seq == delivered + 1 {
                    let flow = conn.send(&json).await;
                    self.delivered.insert(conversation_id, seq);
                    flow
                } else {
                    // Boxed: filling a gap is rare and its future large (see `on_frame`).
                    Box::pin(self.replay(conn, &conversation_id, delivered)).await
                }
            }
        }
    }
}
