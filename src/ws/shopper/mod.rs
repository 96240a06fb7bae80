//! One shopper socket: a single task that reads frames, forwards what the hub queues for it,
//! pings, and closes on silence, floods, slowness or shutdown.
//!
//! Ordering and exactly-once delivery rest on `delivered`: the highest seq this socket has
//! sent per conversation. A live message at or below it is a repeat and is dropped; one
//! above the next expected seq means something was missed (messages published out of order)
//! and the gap is filled from the store first.

use super::flow::{Flow, close};
use super::frame_guard::Refusals;
use super::pending::PendingSlot;
use crate::auth::SessionError;
use crate::chat::{ChatError, JoinRequest, ShopperSession};
use crate::domain::{
    BrowsingEvent, ClientMsgId, ConversationId, MessageText, PageInfo, Timestamp, ValueError,
    VisitorId,
};
use crate::http::ClientAddr;
use crate::hub::Outbound;
use crate::protocol::agent::VisitorChange;
use crate::protocol::{
    self, ClientFrame, ContactFrame, ConversationSummary, ErrorCode, EventFrame, Hello,
    MessageFrame, PROTOCOL_VERSION, ReadFrame, ServerFrame,
};
use crate::state::AppState;
use crate::store::Site;
use crate::triggers::Wake;
use actix_ws::{AggregatedMessage, AggregatedMessageStream, CloseCode, Session};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use std::collections::HashMap;
use std::num::NonZeroU32;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// Messages read from the store per query while replaying.
const REPLAY_PAGE: u32 = 200;
/// Conversations a `hello` may name in `last_seq`.
const MAX_RESUME: usize = 20;
/// Window in which refused frames count towards closing a flooding socket.
const STRIKE_WINDOW: Duration = Duration::from_secs(10);

/// State of one shopper socket.
pub(super) struct ShopperSocket {
    state: AppState,
    site: Site,
    session: Session,
    limiter: DefaultDirectRateLimiter,
    strikes: u32,
    strike_window: Instant,
    /// The application's side of this connection, once `hello` succeeded.
    joined: Option<ShopperSession>,
    delivered: HashMap<ConversationId, u64>,
    outbox_tx: mpsc::Sender<Outbound>,
    outbox_rx: mpsc::Receiver<Outbound>,
    too_slow: CancellationToken,
    /// The one timer the trigger engine asked for, armed when `wake_armed`.
    wake: std::pin::Pin<Box<tokio::time::Sleep>>,
    wake_armed: bool,
    /// The client's address, for the per-address budgets.
    addr: ClientAddr,
    /// Counts this socket against its address's unidentified ones until `hello` succeeds.
    pending: Option<PendingSlot>,
}

fn error(code: ErrorCode, message: impl Into<String>, field: Option<&str>) -> ServerFrame {
    ServerFrame::error(code, message, field)
}

/// The `rate_limited` answer when a per-address budget is spent, counted by `reason`.
fn budget_spent(reason: &'static str, what: &str) -> ServerFrame {
    metrics::counter!("shopchat_shopper_refused_total", "reason" => reason).increment(1);
    error(
        ErrorCode::RateLimited,
        format!("too many {what} from your address; retry in a minute"),
        None,
    )
}

impl ShopperSocket {
    pub(super) fn new(state: AppState, site: Site, session: Session, pending: PendingSlot) -> Self {
        let limits = &state.settings.limits;
        let per_sec = NonZeroU32::new(limits.rate_per_sec).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(limits.rate_burst).unwrap_or(NonZeroU32::MIN);
        let (outbox_tx, outbox_rx) = mpsc::channel(limits.outbox_capacity);
        ShopperSocket {
            limiter: RateLimiter::direct(Quota::per_second(per_sec).allow_burst(burst)),
            strikes: 0,
            strike_window: Instant::now(),
            joined: None,
            delivered: HashMap::new(),
            outbox_tx,
            outbox_rx,
            too_slow: CancellationToken::new(),
            wake: Box::pin(tokio::time::sleep(Duration::ZERO)),
            wake_armed: false,
            addr: pending.addr(),
            pending: Some(pending),
            state,
            site,
            session,
        }
    }

    /// Serves the socket until it closes, then saves the visitor's browsing state.
    pub(super) async fn run(mut self, mut stream: AggregatedMessageStream, refusals: Refusals) {
        let limits = self.state.settings.limits.clone();
        let shutdown = self.state.shutdown.clone();
        let too_slow = self.too_slow.clone();
        let mut ping = tokio::time::interval(limits.ping_interval);
        ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        ping.tick().await;
        let mut last_heard = Instant::now();
        // A socket that never says `hello` is closed on time: it proves nothing and holds one
        // of its address's few unidentified places. 1001, not 1008: a real widget whose page
        // was frozen that long reconnects (it gives up for good after 1008).
        let hello_deadline = tokio::time::sleep(self.state.settings.guards.hello_timeout);
        tokio::pin!(hello_deadline);
        let flow = loop {
            let flow = tokio::select! {
                biased;
                _ = shutdown.cancelled() => close(CloseCode::Restart, "server restarting; reconnect"),
                _ = too_slow.cancelled() => close(CloseCode::Again, "too slow to receive; reconnect"),
                _ = &mut hello_deadline, if self.joined.is_none() => {
                    close(CloseCode::Away, "send `hello` first")
                }
                // Frames already queued for this socket go out before the next input is read,
                // so an answer never overtakes what was published before its question.
                Some(out) = self.outbox_rx.recv() => self.forward(out).await,
                _ = &mut self.wake, if self.wake_armed => {
                    self.wake_armed = false;
                    self.run_triggers(Wake::Timer).await;
                    Flow::Continue
                }
                incoming = stream.recv() => match incoming {
                    None => Flow::Gone,
                    Some(Err(e)) => super::flow::unreadable(&e, &refusals),
                    Some(Ok(message)) => {
                        last_heard = Instant::now();
                        self.on_frame(message).await
                    }
                },
                _ = ping.tick() => {
                    if last_heard.elapsed() > limits.idle_timeout {
                        close(CloseCode::Away, "idle timeout")
                    } else if self.session.ping(b"").await.is_err() {
                        Flow::Gone
                    } else {
                        if let Some(joined) = &mut self.joined {
                            joined.save().await;
                        }
                        Flow::Continue
                    }
                }
            };
            match flow {
                Flow::Continue => continue,
                other => break other,
            }
        };
        let reason = match &flow {
            Flow::Close(r) => match r.code {
                CloseCode::Restart => "restart",
                CloseCode::Again => "too_slow",
                CloseCode::Size => "too_large",
                CloseCode::Policy => "policy",
                CloseCode::Away => "idle",
                CloseCode::Protocol => "protocol",
                CloseCode::Invalid => "invalid_utf8",
                _ => "normal",
            },
            _ => "gone",
        };
        metrics::counter!("shopchat_shopper_closes_total", "reason" => reason).increment(1);
        if let Some(joined) = self.joined.take() {
            joined.leave().await;
        }
        super::flow::finish(&self.session, flow).await;
    }

    async fn send(&mut self, json: &str) -> Flow {
        super::flow::send_text(&mut self.session, json, &self.too_slow).await
    }

    async fn send_frame(&mut self, frame: &ServerFrame) -> Flow {
        self.send(&frame.to_json()).await
    }

    async fn on_frame(&mut self, message: AggregatedMessage) -> Flow {
        let text = match message {
            AggregatedMessage::Text(text) => text,
            AggregatedMessage::Binary(_) => {
                if let Some(flow) = self.rate_limited().await {
                    return flow;
                }
                return self
                    .send_frame(&error(
                        ErrorCode::BadJson,
                        "binary frames are not supported; send JSON text",
                        None,
                    ))
                    .await;
            }
            AggregatedMessage::Ping(bytes) => {
                return match self.session.pong(&bytes).await {
                    Ok(()) => Flow::Continue,
                    Err(_) => Flow::Gone,
                };
            }
            AggregatedMessage::Pong(_) => return Flow::Continue,
            AggregatedMessage::Close(_) => return close(CloseCode::Normal, "bye"),
        };
        if let Some(flow) = self.rate_limited().await {
            return flow;
        }
        let decoded = protocol::decode(&text);
        let kind = match &decoded {
            Ok(ClientFrame::Hello(_)) => "hello",
            Ok(ClientFrame::Event(_)) => "event",
            Ok(ClientFrame::Message(_)) => "message",
            Ok(ClientFrame::Typing(_)) => "typing",
            Ok(ClientFrame::Read(_)) => "read",
            Ok(ClientFrame::Handoff(_)) => "handoff",
            Ok(ClientFrame::Contact(_)) => "contact",
            Err(_) => "invalid",
        };
        metrics::counter!("shopchat_shopper_frames_total", "type" => kind).increment(1);
        match decoded {
            Err(e) => self.send_frame(&e.into_frame()).await,
            Ok(ClientFrame::Hello(hello)) => self.on_hello(hello).await,
            Ok(_) if self.joined.is_none() => {
                self.send_frame(&error(ErrorCode::HelloRequired, "send `hello` first", None))
                    .await
            }
            Ok(ClientFrame::Event(event)) => self.on_event(event).await,
            Ok(ClientFrame::Message(message)) => self.on_message(message).await,
            // Typing holds proactive messages back (and reaches agents once they have a channel).
            Ok(ClientFrame::Typing(typing)) => {
                if let Some(joined) = &mut self.joined
                    && let Some(wake) = joined.typing(typing.active).await
                {
                    self.arm(wake);
                }
                Flow::Continue
            }
            Ok(ClientFrame::Read(read)) => self.on_read(read).await,
            Ok(ClientFrame::Handoff(_)) => self.on_handoff().await,
            Ok(ClientFrame::Contact(contact)) => self.on_contact(contact).await,
        }
    }

    /// `Some` when the frame must be refused for rate: the first refusal in a window gets an
    /// error frame, and a socket that keeps flooding is closed with 1008.
    async fn rate_limited(&mut self) -> Option<Flow> {
        if self.limiter.check().is_ok() {
            return None;
        }
        metrics::counter!("shopchat_shopper_frames_refused_total").increment(1);
        if self.strike_window.elapsed() > STRIKE_WINDOW {
            self.strikes = 0;
            self.strike_window = Instant::now();
        }
        self.strikes += 1;
        if self.strikes >= self.state.settings.limits.rate_strikes {
            return Some(close(CloseCode::Policy, "rate limit exceeded"));
        }
        if self.strikes == 1 {
            let frame = error(ErrorCode::RateLimited, "too many frames; slow down", None);
            return Some(self.send_frame(&frame).await);
        }
        Some(Flow::Continue)
    }

    async fn on_hello(&mut self, hello: Hello) -> Flow {
        if self.joined.is_some() {
            return self
                .send_frame(&error(
                    ErrorCode::AlreadyHello,
                    "`hello` was already sent",
                    None,
                ))
                .await;
        }
        let version = hello.v.unwrap_or(PROTOCOL_VERSION);
        if version != PROTOCOL_VERSION {
            let message = format!(
                "protocol version {version} is not supported; this server speaks {PROTOCOL_VERSION}"
            );
            return self
                .send_frame(&error(ErrorCode::UnsupportedVersion, message, Some("v")))
                .await;
        }
        if hello.last_seq.len() > MAX_RESUME {
            let message = format!("`last_seq` may name at most {MAX_RESUME} conversations");
            return self
                .send_frame(&error(ErrorCode::InvalidField, message, Some("last_seq")))
                .await;
        }
        let now = Timestamp::now();
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
                        return self.send_frame(&frame).await;
                    }
                }
            }
            // A visitor id without its token proves nothing: start a new visitor.
            _ => (VisitorId::generate(), false),
        };
        // New visitors cost a stored row each; one address may start only so many a minute.
        if !known && !self.state.new_visitors.allow(&self.addr) {
            let frame = budget_spent("new_visitors_per_addr", "new visitors");
            return match self.send_frame(&frame).await {
                Flow::Continue => close(CloseCode::Again, "too many new visitors; retry later"),
                other => other,
            };
        }

        let mut page = None;
        let mut page_error = None;
        if let Some(props) = &hello.page {
            match PageInfo::from_props(props) {
                Ok(p) => page = Some(p),
                Err((field, reason)) => page_error = Some(format!("page.{field}: {reason}")),
            }
        }
        let chat = &self.state.chat;
        let conversations = match chat.resumable(&self.site, &visitor, &hello.last_seq).await {
            Ok(c) => c,
            Err(e) => return self.internal_error(e).await,
        };
        let request = JoinRequest {
            site: self.site.clone(),
            visitor: visitor.clone(),
            known,
            page,
            outbox: self.outbox_tx.clone(),
            too_slow: self.too_slow.clone(),
        };
        let joined = match chat.join(request, &conversations, now).await {
            Ok(joined) => joined,
            Err(e) => return self.internal_error(e).await,
        };
        self.joined = Some(joined);
        // Identified: no longer one of the address's unidentified sockets.
        self.pending = None;

        let welcome = ServerFrame::Welcome {
            appearance: Some(self.state.chat.appearance(&self.site).await),
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
        };
        if let flow @ (Flow::Gone | Flow::Close(_)) = self.send_frame(&welcome).await {
            return flow;
        }
        if let Some(joined) = &self.joined {
            joined.tell_agents(VisitorChange::Joined).await;
        }
        if let Some(message) = page_error {
            let field = message.split(':').next().unwrap_or("page").to_owned();
            if let flow @ (Flow::Gone | Flow::Close(_)) = self
                .send_frame(&error(ErrorCode::InvalidField, message, Some(&field)))
                .await
            {
                return flow;
            }
        }
        for conversation in conversations {
            let after = hello
                .last_seq
                .get(conversation.id.as_str())
                .copied()
                .unwrap_or(0);
            if let flow @ (Flow::Gone | Flow::Close(_)) = self.replay(&conversation.id, after).await
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
                if let flow @ (Flow::Gone | Flow::Close(_)) = self.send_frame(&status).await {
                    return flow;
                }
            }
        }
        // The page in `hello` is a page view; without one, plan the timers only.
        let wake = if hello.page.is_some() {
            Wake::Event("page_view")
        } else {
            Wake::Timer
        };
        self.run_triggers(wake).await;
        Flow::Continue
    }

    /// Runs the trigger engine and arms the one timer it asks for.
    async fn run_triggers(&mut self, wake: Wake<'_>) {
        if let Some(joined) = &mut self.joined {
            let next = joined.run_triggers(wake).await;
            self.arm(next);
        }
    }

    /// Arms the trigger timer for `next` (or disarms it).
    fn arm(&mut self, next: Option<Timestamp>) {
        match next {
            Some(at) => {
                let wait = Duration::from_millis(at.millis_since(Timestamp::now()).max(0) as u64);
                self.wake.as_mut().reset(tokio::time::Instant::now() + wait);
                self.wake_armed = true;
            }
            None => self.wake_armed = false,
        }
    }

    /// Sends every stored message of a conversation after `after`, in order.
    async fn replay(&mut self, conversation: &ConversationId, after: u64) -> Flow {
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
                Err(e) => return self.internal_error(e).await,
            };
            let Some(last) = page.last() else {
                return Flow::Continue;
            };
            after = last.seq;
            let full = page.len() == REPLAY_PAGE as usize;
            for message in page {
                let seq = message.seq;
                if let flow @ (Flow::Gone | Flow::Close(_)) =
                    self.send_frame(&ServerFrame::Message(message)).await
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
    async fn forward(&mut self, out: Outbound) -> Flow {
        match out {
            Outbound::Frame(json) => self.send(&json).await,
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
                        self.replay(&conversation, seq).await
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
                self.send(&json).await
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
                    let flow = self.send(&json).await;
                    self.delivered.insert(conversation_id, seq);
                    flow
                } else {
                    self.replay(&conversation_id, delivered).await
                }
            }
        }
    }

    async fn on_event(&mut self, event: EventFrame) -> Flow {
        let mut props = event.props;
        let mut unverified = false;
        if event.name == "identify" {
            unverified = crate::auth::verify_identity(&self.site.identity_secret, &mut props)
                == crate::auth::Identity::Unverified;
        }
        let event = match BrowsingEvent::parse(&event.name, props) {
            Ok(e) => e,
            Err((field, reason)) => {
                let field = if field == "name" {
                    "name".to_owned()
                } else {
                    format!("props.{field}")
                };
                let message = format!("`{field}` {reason}");
                return self
                    .send_frame(&error(ErrorCode::InvalidField, message, Some(&field)))
                    .await;
            }
        };
        if unverified {
            // Kept as anonymous data; the shop's developer learns why the customer is unknown.
            let frame = error(
                ErrorCode::InvalidField,
                "identity not verified: `hash` must be the HMAC-SHA256 of user_id (or email) under the site's identity secret; kept as anonymous data",
                Some("props.hash"),
            );
            if let flow @ (Flow::Gone | Flow::Close(_)) = self.send_frame(&frame).await {
                return flow;
            }
        }
        let Some(joined) = &mut self.joined else {
            return Flow::Continue;
        };
        let (refusal, next) = joined.event(&event, Timestamp::now()).await;
        self.arm(next);
        match refusal {
            Some(e) => self.chat_error(e).await,
            None => Flow::Continue,
        }
    }

    async fn on_message(&mut self, frame: MessageFrame) -> Flow {
        let Some(opens) = self.joined.as_ref().map(|j| !j.has_open_conversation()) else {
            return Flow::Continue;
        };
        let client_msg_id = match ClientMsgId::parse(&frame.client_msg_id) {
            Ok(id) => id,
            Err(e) => {
                return self
                    .send_frame(&error(
                        ErrorCode::InvalidField,
                        e.to_string(),
                        Some("client_msg_id"),
                    ))
                    .await;
            }
        };
        let text =
            match MessageText::parse(&frame.text, self.state.settings.limits.max_message_chars) {
                Ok(t) => t,
                Err(e @ ValueError::TextTooLong { .. }) => {
                    return self
                        .send_frame(&error(ErrorCode::TextTooLong, e.to_string(), Some("text")))
                        .await;
                }
                Err(e) => {
                    return self
                        .send_frame(&error(ErrorCode::InvalidField, e.to_string(), Some("text")))
                        .await;
                }
            };
        // This message may open a conversation: each costs a stored header and an agent's
        // attention, so one address may open only so many a minute. Refused before any
        // write; the widget retries with the same `client_msg_id`.
        if opens && !self.state.new_conversations.allow(&self.addr) {
            let frame = budget_spent("new_conversations_per_addr", "new conversations");
            return self.send_frame(&frame).await;
        }
        let Some(joined) = &mut self.joined else {
            return Flow::Continue;
        };
        let stored = match joined.say(text, client_msg_id).await {
            Ok(appended) => appended.message,
            Err(e) => return self.chat_error(e).await,
        };
        let ack = ServerFrame::Ack {
            client_msg_id: frame.client_msg_id,
            id: stored.id,
            conversation_id: stored.conversation_id,
            seq: stored.seq,
        };
        self.send_frame(&ack).await
    }

    /// "Talk to a person": the open conversation (or a new one) goes to the human queue.
    async fn on_handoff(&mut self) -> Flow {
        let Some(joined) = &mut self.joined else {
            return Flow::Continue;
        };
        match joined.handoff().await {
            Ok(()) => Flow::Continue,
            Err(e) => self.chat_error(e).await,
        }
    }

    /// The offline form: an email to answer at.
    async fn on_contact(&mut self, contact: ContactFrame) -> Flow {
        let Some(joined) = &self.joined else {
            return Flow::Continue;
        };
        match joined.contact(&contact.email).await {
            Ok(()) => Flow::Continue,
            Err(ChatError::NotFound(_)) => {
                self.send_frame(&error(
                    ErrorCode::NoConversation,
                    "write a message or ask for a person first",
                    None,
                ))
                .await
            }
            Err(e) => self.chat_error(e).await,
        }
    }

    async fn on_read(&mut self, read: ReadFrame) -> Flow {
        let Some(joined) = &self.joined else {
            return Flow::Continue;
        };
        match joined.read(&read.conversation_id, read.seq).await {
            Ok(()) => Flow::Continue,
            Err(ChatError::NotFound(_)) => {
                self.send_frame(&error(
                    ErrorCode::UnknownConversation,
                    "no such conversation for this visitor",
                    Some("conversation_id"),
                ))
                .await
            }
            Err(e) => self.chat_error(e).await,
        }
    }

    async fn chat_error(&mut self, e: ChatError) -> Flow {
        let code = e.code();
        if code == ErrorCode::Internal {
            return self.internal_error(e).await;
        }
        let field = e.field();
        self.send_frame(&error(code, e.to_string(), field)).await
    }

    async fn internal_error(&mut self, cause: impl std::fmt::Display) -> Flow {
        tracing::error!(error = %cause, site = %self.site.id, "shopper frame failed");
        self.send_frame(&error(
            ErrorCode::Internal,
            "the server could not process this frame; retry",
            None,
        ))
        .await
    }
}
