//! One shopper socket: a single task that reads frames, forwards what the hub queues for it,
//! pings, and closes on silence, floods, slowness or shutdown.
//!
//! Ordering and exactly-once delivery rest on `delivered`: the highest seq this socket has
//! sent per conversation. A live message at or below it is a repeat and is dropped; one
//! above the next expected seq means something was missed (messages published out of order)
//! and the gap is filled from the store first.

mod proactive;

use super::flow::{Flow, close};
use super::frame_guard::Refusals;
use super::pending::PendingSlot;
use crate::agent_protocol::{AgentFrame, LiveVisitor, VisitorChange};
use crate::auth::SessionError;
use crate::bus::BusEvent;
use crate::chat;
use crate::domain::{
    AuthorKind, BrowsingEvent, ClientMsgId, ConversationId, MessageText, PageInfo, Timestamp,
    ValueError, VisitorId,
};
use crate::http::ClientAddr;
use crate::hub::{Outbound, Registration, SharedVisitor, lock};
use crate::protocol::{
    self, Author, ClientFrame, ContactFrame, ConversationSummary, ErrorCode, EventFrame, Hello,
    MessageFrame, PROTOCOL_VERSION, ReadFrame, ServerFrame,
};
use crate::startup::AppState;
use crate::store::{Appended, Conversation, NewMessage, Site};
use crate::triggers::{Stage, VisitorRecord, Wake};
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
/// A `typing` frame counts for this long unless the widget says it stopped.
const TYPING_LASTS: Duration = Duration::from_secs(10);
/// Window in which refused frames count towards closing a flooding socket.
const STRIKE_WINDOW: Duration = Duration::from_secs(10);

struct Joined {
    id: VisitorId,
    browsing: SharedVisitor,
    _registration: Registration,
}

/// State of one shopper socket.
pub(super) struct ShopperSocket {
    state: AppState,
    site: Site,
    session: Session,
    limiter: DefaultDirectRateLimiter,
    strikes: u32,
    strike_window: Instant,
    joined: Option<Joined>,
    delivered: HashMap<ConversationId, u64>,
    outbox_tx: mpsc::Sender<Outbound>,
    outbox_rx: mpsc::Receiver<Outbound>,
    too_slow: CancellationToken,
    browsing_dirty: bool,
    /// The shopper is typing until then; no proactive message interrupts.
    typing_until: Option<Instant>,
    /// The visitor's open conversation as this socket last saw it (for typing marks).
    conversation: Option<ConversationId>,
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
            browsing_dirty: false,
            typing_until: None,
            conversation: None,
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
                    self.run_triggers(Wake::Timer).await
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
                        self.save_browsing().await;
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
        // Save and leave the hub first: a peer too slow to take the close frame must not keep
        // its registration (and its full outbox) for the length of the close timeout.
        self.save_browsing().await;
        let left = self.joined.take().map(|j| j.id.clone());
        if let Some(visitor) = left
            && !self.state.hub.visitor_is_live(&self.site.id, &visitor)
        {
            let state = self.state.hub.visitor_state(&self.site.id, &visitor);
            let summary = LiveVisitor::of(
                &self.site.id,
                &visitor,
                &state.unwrap_or_else(|| VisitorRecord::first_visit(Timestamp::now())),
            );
            chat::announce_left(&self.state, &self.site.id, &visitor).await;
            chat::publish(
                &self.state,
                BusEvent::to_agents(
                    &self.site.id,
                    AgentFrame::Visitor {
                        change: VisitorChange::Left,
                        visitor: summary,
                    },
                ),
            )
            .await;
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
                self.typing_to_agents(typing.active).await;
                if typing.active {
                    self.typing_until = Some(Instant::now() + TYPING_LASTS);
                    if let Some(joined) = &self.joined {
                        lock(&joined.browsing).active(Timestamp::now());
                    }
                    Flow::Continue
                } else {
                    self.typing_until = None;
                    self.run_triggers(Wake::Timer).await
                }
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
        let conversations = match self.resumable(&visitor, &hello.last_seq).await {
            Ok(c) => c,
            Err(e) => return self.internal_error(e).await,
        };

        // Register before replaying: anything published from now on is queued in the outbox
        // and deduplicated against what the replay sends, so nothing falls in between.
        // The hub is asked first: a tab that is closing saves its state before it leaves the
        // hub, so this tab either joins that live state or loads its last save.
        let (outbox, too_slow) = (self.outbox_tx.clone(), self.too_slow.clone());
        let (registration, browsing) = match self.state.hub.join_live(
            &self.site.id,
            &visitor,
            outbox.clone(),
            too_slow.clone(),
        ) {
            Some(joined) => joined,
            None => {
                let loaded = if known {
                    match self.state.store.load_visitor(&self.site.id, &visitor).await {
                        Ok(stored) => stored.unwrap_or_else(|| VisitorRecord::first_visit(now)),
                        Err(e) => return self.internal_error(e).await,
                    }
                } else {
                    VisitorRecord::first_visit(now)
                };
                self.state
                    .hub
                    .register_shopper(&self.site.id, &visitor, loaded, outbox, too_slow)
            }
        };
        let chatting = chat::chatting(&self.state, &conversations).await;
        let snapshot = {
            let mut state = lock(&browsing);
            if known {
                state.returns(now);
            }
            if let Some(page) = page {
                state.apply(&BrowsingEvent::PageView(page), now);
            }
            state.in_conversation = chatting;
            state.clone()
        };
        self.joined = Some(Joined {
            id: visitor.clone(),
            browsing,
            _registration: registration,
        });
        if let Err(e) = self
            .state
            .store
            .save_visitor(&self.site.id, &visitor, &snapshot)
            .await
        {
            self.joined = None;
            return self.internal_error(e).await;
        }
        // Identified: no longer one of the address's unidentified sockets.
        self.pending = None;

        let chat = chat::settings(&self.state, &self.site.id).await;
        let welcome = ServerFrame::Welcome {
            appearance: Some(protocol::Appearance {
                color: chat.color.clone(),
                greeting: chat.greeting.clone(),
                bot_name: chat.bot_name.clone(),
                language: chat
                    .languages
                    .first()
                    .cloned()
                    .unwrap_or_else(|| "en".into()),
            }),
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
        self.conversation = conversations
            .iter()
            .filter(|c| c.is_open())
            .map(|c| c.id.clone())
            .next_back();
        self.tell_agents(VisitorChange::Joined).await;
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
            if conversation.is_open()
                && let flow @ (Flow::Gone | Flow::Close(_)) = self
                    .send_frame(&self.resume_status(&conversation).await)
                    .await
            {
                return flow;
            }
        }
        // The page in `hello` is a page view; without one, plan the timers only.
        let wake = if hello.page.is_some() {
            Wake::Event("page_view")
        } else {
            Wake::Timer
        };
        self.run_triggers(wake).await
    }

    /// The `status` a resuming socket gets for an open conversation.
    async fn resume_status(&self, conversation: &Conversation) -> ServerFrame {
        let agent = match conversation.agent() {
            Some(a) => Some(chat::agent_name(&self.state, a).await),
            None => None,
        };
        let nobody_online = matches!(
            conversation.lifecycle.stage,
            crate::conversation::Stage::Queued
        ) && !self
            .state
            .hub
            .site_agents(&self.site.id)
            .iter()
            .any(|(_, s)| *s == crate::agent_protocol::AgentStatus::Online);
        ServerFrame::Status {
            conversation_id: conversation.id.clone(),
            state: conversation.lifecycle.stage.name().into(),
            agent,
            nobody_online,
        }
    }

    /// The visitor's open conversations plus any closed ones it names in `last_seq` (so a
    /// last message sent before closing still arrives), checked to belong to this visitor.
    async fn resumable(
        &self,
        visitor: &VisitorId,
        last_seq: &HashMap<String, u64>,
    ) -> Result<Vec<Conversation>, crate::store::StoreError> {
        let mut conversations = self
            .state
            .store
            .open_conversations(&self.site.id, visitor)
            .await?;
        for id in last_seq.keys() {
            let Ok(id) = ConversationId::parse(id) else {
                continue;
            };
            if conversations.iter().any(|c| c.id == id) {
                continue;
            }
            if let Some(c) = self.state.store.conversation(&id).await?
                && c.site_id == self.site.id
                && &c.visitor_id == visitor
            {
                conversations.push(c);
            }
        }
        Ok(conversations)
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
                .store
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
                if let Some(open) = &self.conversation
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
                if self.conversation.as_ref() == Some(&conversation_id) {
                    self.conversation = None;
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
        let now = Timestamp::now();
        if let Some(joined) = &self.joined {
            lock(&joined.browsing).apply(&event, now);
            self.browsing_dirty = true;
        }
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
        self.after_event(&event, now).await;
        if matches!(
            event,
            BrowsingEvent::PageView(_)
                | BrowsingEvent::CartUpdate(_)
                | BrowsingEvent::AddToCart(_)
                | BrowsingEvent::ProductView(_)
                | BrowsingEvent::Identify(_)
        ) {
            self.tell_agents(VisitorChange::Updated).await;
        }
        self.run_triggers(Wake::Event(event.name())).await
    }

    async fn on_message(&mut self, frame: MessageFrame) -> Flow {
        let Some(visitor) = self.joined.as_ref().map(|j| j.id.clone()) else {
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
        let said = text.as_str().to_owned();
        let message = NewMessage {
            author: Author {
                kind: AuthorKind::Shopper,
                name: "Shopper".into(),
            },
            author_id: visitor.to_string(),
            text,
            client_msg_id: Some(client_msg_id),
            ts: Timestamp::now(),
        };
        // Only a visitor with no open conversation (as far as this socket saw: it learns of
        // closes from the `status` frames it forwards) can have one to reopen.
        if self.conversation.is_none() {
            // This message may open a conversation: each costs a stored header and an agent's
            // attention, so one address may open only so many a minute. Refused before any
            // write; the widget retries with the same `client_msg_id`.
            if !self.state.new_conversations.allow(&self.addr) {
                let frame = budget_spent("new_conversations_per_addr", "new conversations");
                return self.send_frame(&frame).await;
            }
            chat::reopen_if_recent(&self.state, &self.site.id, &visitor).await;
        }
        let opening = chat::opening(&self.state, &self.site.id, &visitor, true).await;
        let appended = match self
            .state
            .store
            .append_to_visitor(&self.site.id, &visitor, message, &opening)
            .await
        {
            Ok(a) => a,
            Err(e) => return self.internal_error(e).await,
        };
        let stored = &appended.message;
        let ack = ServerFrame::Ack {
            client_msg_id: frame.client_msg_id,
            id: stored.id.clone(),
            conversation_id: stored.conversation_id.clone(),
            seq: stored.seq,
        };
        let flow = self.send_frame(&ack).await;
        if appended.duplicate {
            // The first attempt may have been stored by a node that died before publishing it,
            // and then no agent would ever see it live. Publishing again is harmless: every
            // receiver (shopper sockets, the dashboard) drops a seq it already has.
            self.republish(&visitor, &appended).await;
            return flow;
        }
        metrics::counter!("shopchat_messages_stored_total", "author" => "shopper").increment(1);
        if let Some(joined) = &self.joined {
            let mut browsing = lock(&joined.browsing);
            browsing.in_conversation = true;
            browsing.active(Timestamp::now());
        }
        self.conversation = Some(stored.conversation_id.clone());
        self.reach(Stage::Replied, Timestamp::now()).await;
        self.publish_stored(&visitor, &appended).await;
        chat::shopper_wrote(&self.state, &appended, &said).await;
        flow
    }

    /// "Talk to a person": the open conversation (or a new one) goes to the human queue.
    async fn on_handoff(&mut self) -> Flow {
        let Some(visitor) = self.joined.as_ref().map(|j| j.id.clone()) else {
            return Flow::Continue;
        };
        match chat::shopper_handoff(&self.state, &self.site.id, &visitor).await {
            Ok(conv) => {
                if let Some(joined) = &self.joined {
                    lock(&joined.browsing).in_conversation = true;
                }
                self.conversation = Some(conv.id);
                Flow::Continue
            }
            Err(e) => self.chat_error(e).await,
        }
    }

    /// The offline form: an email to answer at.
    async fn on_contact(&mut self, contact: ContactFrame) -> Flow {
        let Some(visitor) = self.joined.as_ref().map(|j| j.id.clone()) else {
            return Flow::Continue;
        };
        match chat::contact(&self.state, &self.site.id, &visitor, &contact.email).await {
            Ok(_) => Flow::Continue,
            Err(chat::ChatError::NotFound(_)) => {
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

    async fn chat_error(&mut self, e: chat::ChatError) -> Flow {
        let code = e.code();
        if code == ErrorCode::Internal {
            return self.internal_error(e).await;
        }
        let field = e.field();
        self.send_frame(&error(code, e.to_string(), field)).await
    }

    /// The shopper is typing: agents watching see it.
    async fn typing_to_agents(&self, active: bool) {
        let Some(visitor) = self.joined.as_ref().map(|j| j.id.clone()) else {
            return;
        };
        let frame = AgentFrame::Typing {
            site_id: self.site.id.clone(),
            conversation_id: self.conversation.clone(),
            visitor_id: visitor,
            author: Author {
                kind: AuthorKind::Shopper,
                name: "Shopper".into(),
            },
            active,
        };
        chat::publish(&self.state, BusEvent::to_agents(&self.site.id, frame)).await;
    }

    /// Agents' live-visitors lists learn of this visitor's arrival or change.
    async fn tell_agents(&self, change: VisitorChange) {
        let Some(joined) = &self.joined else { return };
        let summary = LiveVisitor::of(&self.site.id, &joined.id, &lock(&joined.browsing));
        chat::announce_visitor(&self.state, summary.clone()).await;
        chat::publish(
            &self.state,
            BusEvent::to_agents(
                &self.site.id,
                AgentFrame::Visitor {
                    change,
                    visitor: summary,
                },
            ),
        )
        .await;
    }

    async fn on_read(&mut self, read: ReadFrame) -> Flow {
        let Some(visitor) = self.joined.as_ref().map(|j| j.id.clone()) else {
            return Flow::Continue;
        };
        let unknown = || {
            error(
                ErrorCode::UnknownConversation,
                "no such conversation for this visitor",
                Some("conversation_id"),
            )
        };
        let Ok(id) = ConversationId::parse(&read.conversation_id) else {
            return self.send_frame(&unknown()).await;
        };
        match self.state.store.conversation(&id).await {
            Ok(Some(c)) if c.site_id == self.site.id && c.visitor_id == visitor => {
                match self.state.store.mark_read(&id, read.seq).await {
                    Ok(()) => {
                        let frame = AgentFrame::Read {
                            site_id: self.site.id.clone(),
                            conversation_id: id,
                            by: "shopper",
                            seq: read.seq.min(c.last_seq),
                        };
                        chat::publish(&self.state, BusEvent::to_agents(&self.site.id, frame)).await;
                        Flow::Continue
                    }
                    Err(e) => self.internal_error(e).await,
                }
            }
            Ok(_) => self.send_frame(&unknown()).await,
            Err(e) => self.internal_error(e).await,
        }
    }

    /// Delivers a frame to every socket of the visitor, on every node. A failure is only
    /// logged: what matters is already stored, and the client gets it on reconnect.
    async fn publish(&self, visitor: &VisitorId, frame: ServerFrame) {
        chat::publish(
            &self.state,
            BusEvent::to_visitor(&self.site.id, visitor, frame),
        )
        .await;
    }

    /// Delivers a newly stored message to the visitor's tabs and the site's agents,
    /// announcing its conversation first if it just opened.
    async fn publish_stored(&self, visitor: &VisitorId, appended: &Appended) {
        let id = &appended.message.conversation_id;
        if appended.opened {
            let conv = appended.conversation.clone();
            self.publish(
                visitor,
                ServerFrame::Status {
                    conversation_id: id.clone(),
                    state: conv.lifecycle.stage.name().into(),
                    agent: None,
                    nobody_online: false,
                },
            )
            .await;
            chat::publish(
                &self.state,
                BusEvent::to_agents(
                    &self.site.id,
                    AgentFrame::Conversation { conversation: conv },
                ),
            )
            .await;
        }
        self.publish(visitor, ServerFrame::Message(appended.message.clone()))
            .await;
        chat::publish(
            &self.state,
            BusEvent::to_agents(
                &self.site.id,
                AgentFrame::Message {
                    site_id: self.site.id.clone(),
                    message: appended.message.clone(),
                },
            ),
        )
        .await;
    }

    /// Publishes a message that was stored before (a retried `client_msg_id`) with its
    /// conversation's header, for receivers that may have missed both.
    async fn republish(&self, visitor: &VisitorId, appended: &Appended) {
        chat::publish(
            &self.state,
            BusEvent::to_agents(
                &self.site.id,
                AgentFrame::Conversation {
                    conversation: appended.conversation.clone(),
                },
            ),
        )
        .await;
        self.publish_stored(visitor, appended).await;
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

    /// Persists the visitor's browsing state if it changed since the last save.
    async fn save_browsing(&mut self) {
        if !self.browsing_dirty {
            return;
        }
        let Some(joined) = &self.joined else { return };
        let snapshot = lock(&joined.browsing).clone();
        match self
            .state
            .store
            .save_visitor(&self.site.id, &joined.id, &snapshot)
            .await
        {
            Ok(()) => self.browsing_dirty = false,
            Err(e) => tracing::warn!(error = %e, "saving browsing state failed"),
        }
    }
}
