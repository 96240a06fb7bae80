//! The application layer: every use case of shopchat, one method each on [`ChatService`].
//! Sockets and HTTP handlers decode, authorise, call one method and encode; this is where the
//! pure life cycle, routing, triggers and bot decisions meet the store and the bus. Every change
//! to a conversation goes through [`ChatService::change`] (load, apply, compare-and-set,
//! retry), and every visible effect through [`ChatService::announce`], so the shopper's widget
//! and every agent dashboard learn of a change the same way, on every node.

mod access;
mod admin;
mod agent;
mod agent_session;
mod ai;
mod attachments;
mod bot;
mod caches;
mod commerce;
mod delivery;
mod email;
mod events;
mod idle;
mod language;
mod prechat;
mod presence;
pub mod privacy;
mod queue;
mod rating;
mod route;
mod shopper;
mod visitor;

pub use access::TokenRefused;
pub use admin::{
    AccountError, Invitation, IssuedToken, MemberChange, SiteReport, Suggestion, TranscriptEntry,
};
pub use admin::{CreatedEndpoint, EndpointView, MAX_ENDPOINTS, NewEndpoint};
pub use agent_session::{AgentRefused, AgentSession};
pub use ai::{
    AiUsage, Assistant, DraftReply, DraftSource, HandoffSummary, ProviderChange, ProviderView,
    TranslateInputError, TranslateSource, TranslateTarget, Translated,
};
pub use attachments::{AVATAR_MAX_BYTES, FileView, IssuedUploadToken, UploadRefused};
pub use caches::{Caches, SiteCache, SiteRules};
pub use commerce::{
    CommerceSettingsChange, CommerceSettingsView, Delivery, HookError, HookOutcome, KEY_PREFIX,
    MAX_IMPORT, NewApiKey, PUSH_REQUESTS_PER_MIN, Source,
};
pub use commerce::{CustomerContext, Link, OrderRefusal};
// The pane's answer type, named by the route's documentation.
pub(crate) use commerce::CustomerPane;
pub use delivery::NodeDelivery;
pub use email::{
    CODE_MINUTES, CodeRefusal, EMAIL_REQUESTS_PER_ADDR_PER_MIN, EmailRefused, EmailServer,
    EmailSettingsView, InboundOutcome, InboundRefusal,
};
pub use events::{EVENT_TYPES, OutboundEvent};
pub use rating::RateRefusal;
pub use visitor::{CustomerView, JoinRequest, ShopperSession, customer_key};

use crate::auth::JwtKeys;
use crate::bus::Bus;
use crate::cluster::Cluster;
use crate::config::Settings;
use crate::hub::Hub;
use crate::store::Store;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// The application: the store, the bus, this node's hub and caches, and the per-node bounds
/// (the routing lock, the bot's slots) that the use cases share. One per process, built by
/// `startup`; a clone is one reference count (every shopper session and background job holds
/// one, so a clone must not copy the token keys or the handles one by one).
#[derive(Clone)]
pub struct ChatService {
    shared: Arc<Shared>,
}

/// What every clone of the service shares (its fields are the application's own).
pub struct Shared {
    store: Arc<dyn Store>,
    bus: Arc<dyn Bus>,
    hub: Hub,
    cluster: Cluster,
    caches: Caches,
    webhooks: crate::webhooks::Webhooks,
    /// The SMTP relay, when the server has one (no email is sent without it).
    mailer: Option<Arc<dyn crate::mailer::Transport>>,
    /// Wakes the email outbox when a row due now is queued (see `email::outbox`).
    mail_wake: Arc<tokio::sync::Notify>,
    /// Outbound events on their way to the site's endpoints (see `events`).
    events: events::Events,
    settings: Arc<Settings>,
    jwt: JwtKeys,
    shutdown: CancellationToken,
    /// One routing pass at a time on this node (see `route`).
    routing: Arc<tokio::sync::Mutex<()>>,
    /// Bot answers computed at once on this node (see `bot`).
    bot_slots: Arc<tokio::sync::Semaphore>,
    /// Order look-up budgets and commerce settings on this node (see `commerce`).
    self_service: commerce::SelfServiceGuards,
    /// The language models (the server's, sites' own) and their bounds (see `ai`).
    ai: ai::Assistant,
    /// Where attachments are kept (see `attachments`).
    files: crate::files::FileStore,
    /// Upload tokens and file links (see `attachments`).
    file_keys: crate::files::FileKeys,
    /// The virus scanner every upload passes before it is kept, when one is configured
    /// (see `attachments`).
    scanner: Option<crate::files::Scanner>,
    /// Uploads read into memory at once on this node (see `attachments`).
    upload_slots: Arc<tokio::sync::Semaphore>,
}

/// What a [`ChatService`] is built from.
pub struct ChatParts {
    /// Durable state.
    pub store: Arc<dyn Store>,
    /// Delivery to every node's sockets.
    pub bus: Arc<dyn Bus>,
    /// This node's sockets.
    pub hub: Hub,
    /// What the other nodes have live.
    pub cluster: Cluster,
    /// This node's caches of site data (shared with its [`NodeDelivery`]).
    pub caches: Caches,
    /// Outbound webhook deliveries.
    pub webhooks: crate::webhooks::Webhooks,
    /// The SMTP relay, when the server has one.
    pub mailer: Option<Arc<dyn crate::mailer::Transport>>,
    /// The settings the server runs with.
    pub settings: Arc<Settings>,
    /// Agent token keys (a token's generation is checked against the store).
    pub jwt: JwtKeys,
    /// Cancelled when the server shuts down: background jobs stop.
    pub shutdown: CancellationToken,
    /// Where attachments are kept.
    pub files: crate::files::FileStore,
    /// Upload tokens and file links, under the install's secret.
    pub file_keys: crate::files::FileKeys,
    /// The clamd uploads are scanned by; `None`: no scanning.
    pub scanner: Option<crate::files::Scanner>,
}

impl ChatService {
    /// The service over `parts`, with this node's own routing lock and bot slots.
    pub fn new(parts: ChatParts) -> Self {
        let events = events::Events::start(parts.store.clone(), parts.webhooks.clone());
        let shared = Shared {
            events,
            store: parts.store,
            bus: parts.bus,
            hub: parts.hub,
            cluster: parts.cluster,
            caches: parts.caches,
            webhooks: parts.webhooks,
            mailer: parts.mailer,
            mail_wake: Arc::default(),
            jwt: parts.jwt,
            shutdown: parts.shutdown,
            routing: Arc::default(),
            bot_slots: Arc::new(tokio::sync::Semaphore::new(bot::SLOTS)),
            self_service: commerce::SelfServiceGuards::default(),
            ai: ai::Assistant::from_settings(&parts.settings.ai),
            settings: parts.settings,
            files: parts.files,
            file_keys: parts.file_keys,
            scanner: parts.scanner,
            upload_slots: Arc::new(tokio::sync::Semaphore::new(attachments::UPLOAD_SLOTS)),
        };
        ChatService {
            shared: Arc::new(shared),
        }
    }
}

/// Use cases read the shared parts as fields (`self.store`), as if the service held them.
impl std::ops::Deref for ChatService {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.shared
    }
}

use crate::bus::BusEvent;
use crate::conversation::{Conversation, Event, Notice, TransitionError};
use crate::domain::{
    AgentId, Author, AuthorKind, ConversationId, Message, MessageText, SiteId, Timestamp,
};
use crate::protocol::agent::AgentFrame;
use crate::protocol::{ErrorCode, ServerFrame};
use crate::store::{NewMessage, StoreError};
use std::collections::HashMap;

/// Attempts at a compare-and-set before giving up; only a storm of changes to one
/// conversation exhausts them.
const CAS_ATTEMPTS: usize = 8;

/// Why a conversation action was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum ChatError {
    /// No such conversation (or visitor, or agent) where the caller may look.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The life cycle does not allow it.
    #[error(transparent)]
    Transition(#[from] TransitionError),
    /// A value is not acceptable.
    #[error("{message}")]
    Invalid {
        /// The field.
        field: &'static str,
        /// Why.
        message: String,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// An email was not queued (no relay, switched off, suppressed, a limit).
    #[error(transparent)]
    Email(#[from] EmailRefused),
    /// The file back end failed (attachments).
    #[error(transparent)]
    Files(#[from] crate::files::FileError),
    /// A submitted document (a rule) is invalid; each problem named by its path.
    #[error("{what} is invalid")]
    Rejected {
        /// What was submitted.
        what: &'static str,
        /// Each bad field.
        errors: Vec<crate::triggers::FieldError>,
    },
}

impl ChatError {
    /// The wire code for an error frame.
    pub fn code(&self) -> ErrorCode {
        match self {
            ChatError::NotFound(_) => ErrorCode::NotFound,
            ChatError::Transition(_) => ErrorCode::NotAllowed,
            ChatError::Invalid { .. } | ChatError::Rejected { .. } => ErrorCode::InvalidField,
            ChatError::Store(StoreError::NotFound(_)) => ErrorCode::NotFound,
            ChatError::Store(StoreError::Conflict(_)) => ErrorCode::NotAllowed,
            ChatError::Store(_) | ChatError::Files(_) => ErrorCode::Internal,
            ChatError::Email(EmailRefused::SiteLimit | EmailRefused::RecipientLimit) => {
                ErrorCode::RateLimited
            }
            ChatError::Email(EmailRefused::Store(_)) => ErrorCode::Internal,
            ChatError::Email(_) => ErrorCode::NotAllowed,
        }
    }

    /// The field to blame, if any.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            ChatError::Invalid { field, .. } => Some(field),
            _ => None,
        }
    }
}

impl ChatService {
    /// Hands an event to the bus; a failure is logged, because what matters is already stored
    /// and clients resync from the store when they reconnect.
    pub async fn publish(&self, event: BusEvent) {
        if let Err(e) = self.bus.publish(event).await {
            tracing::warn!(error = %e, "live delivery failed");
        }
    }

    /// An owner changed site data that nodes cache: this node drops its copy at once (so the
    /// owner's next request sees the change even if the bus is down), then every node does.
    pub async fn site_changed(&self, site: &SiteId, what: &[crate::bus::SiteData]) {
        self.caches.drop(site, what);
        self.publish(BusEvent::invalidate(site, what)).await;
    }

    /// An agent's display name (its id if the account is gone).
    pub async fn agent_name(&self, agent: &AgentId) -> String {
        self.agent_face(agent).await.0
    }

    /// The agent's name and avatar path, as a `status` frame shows them to the shopper.
    pub async fn agent_face(&self, agent: &AgentId) -> (String, Option<String>) {
        match self.store.agent(agent).await {
            Ok(Some(a)) => (a.display_name, a.avatar),
            _ => (agent.to_string(), None),
        }
    }
}

/// A system message for the transcript.
/// Tags a conversation the system decided on (keyword rules, order questions, valued
/// customers): added once, and silently skipped at the 20-tag cap an agent is told about.
pub(crate) fn apply_tag(conv: &mut Conversation, tag: &str) {
    if !conv.tags.iter().any(|t| t == tag) && conv.tags.len() < 20 {
        conv.tags.push(tag.to_owned());
    }
}

fn system_message(text: String, ts: Timestamp) -> Option<NewMessage> {
    let text = MessageText::parse(&text, 4000).ok()?;
    Some(NewMessage {
        author: Author {
            kind: AuthorKind::System,
            name: "System".into(),
        },
        author_id: "system".into(),
        text,
        client_msg_id: None,
        ts,
        attachments: Vec::new(),
    })
}

impl ChatService {
    /// Loads a conversation, lets `apply` change it (returning the transcript notice, if any),
    /// and saves it with compare-and-set on the version it loaded, retrying from a fresh load
    /// when another change came first. `apply` is pure; it may run more than once.
    pub async fn change<F>(
        &self,
        id: &ConversationId,
        mut apply: F,
    ) -> Result<(Conversation, Option<Message>), ChatError>
    where
        F: FnMut(&mut Conversation, Timestamp) -> Result<Option<Notice>, ChatError>,
    {
        for _ in 0..CAS_ATTEMPTS {
            let mut conv = self
                .store
                .conversation(id)
                .await?
                .ok_or(ChatError::NotFound("conversation"))?;
            let before = conv.lifecycle.stage.clone();
            let expected = conv.lifecycle.version;
            let now = Timestamp::now();
            let loaded = conv.clone();
            let notice = apply(&mut conv, now)?;
            // Nothing changed (a take by the agent who has it, a handoff of a chat already with
            // people and no new values): no write, no version bump, nothing to announce.
            if notice.is_none() && conv == loaded {
                return Ok((conv, None));
            }
            let notice_text = match &notice {
                Some(n) => Some(self.notice_text(n, &conv).await),
                None => None,
            };
            let message = notice_text.and_then(|t| system_message(t, now));
            match self.store.save_conversation(&conv, expected, message).await {
                Ok((saved, notice)) => {
                    self.conversation_changed(&loaded, &saved);
                    if loaded.is_open() && !saved.is_open() {
                        self.transcript_on_close(&saved);
                    }
                    self.announce(&saved, notice.as_ref(), &before).await;
                    return Ok((saved, notice));
                }
                Err(StoreError::Conflict(_)) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(ChatError::Store(StoreError::Conflict(
            "the conversation keeps changing; try again".into(),
        )))
    }
}

impl ChatService {
    /// A notice's line in the shopper's language. It is stored as one plain system message,
    /// so agents read the same words in the transcript; that is fine: the line is written for
    /// the shopper, and the dashboard shows the chat's state and agent beside it.
    async fn notice_text(&self, notice: &Notice, conv: &Conversation) -> String {
        let mut names = HashMap::new();
        let ids: Vec<AgentId> = match notice {
            Notice::Joined { agent } | Notice::Requeued { agent, .. } => vec![agent.clone()],
            Notice::Transferred { from, to } => vec![from.clone(), to.clone()],
            Notice::Closed {
                by: crate::conversation::Closer::Agent(agent),
            } => vec![agent.clone()],
            _ => Vec::new(),
        };
        for id in ids {
            let name = self.agent_name(&id).await;
            names.insert(id, name);
        }
        let language = self.chat_language(&conv.site_id, &conv.visitor_id).await;
        notice.text(language.as_deref(), |id| {
            names.get(id).cloned().unwrap_or_else(|| id.to_string())
        })
    }

    /// Tells the shopper's tabs and the site's agents what changed: the notice (a system
    /// message), the new stage when it changed, and the conversation header for dashboards.
    pub async fn announce(
        &self,
        conv: &Conversation,
        notice: Option<&Message>,
        before: &crate::conversation::Stage,
    ) {
        if let Some(message) = notice {
            self.deliver_message(conv, message).await;
        }
        if &conv.lifecycle.stage != before {
            let (agent, agent_avatar) = match conv.agent() {
                Some(a) => {
                    let (name, avatar) = self.agent_face(a).await;
                    (Some(name), avatar)
                }
                None => (None, None),
            };
            let frame = ServerFrame::Status {
                conversation_id: conv.id.clone(),
                state: conv.lifecycle.stage.name().into(),
                agent,
                agent_avatar,
                nobody_online: false,
            };
            self.publish(BusEvent::to_visitor(&conv.site_id, &conv.visitor_id, frame))
                .await;
        }
        self.publish(BusEvent::to_agents(
            &conv.site_id,
            AgentFrame::Conversation {
                conversation: conv.clone(),
            },
        ))
        .await;
    }

    /// Delivers a stored message to the shopper's tabs and to the site's agents.
    pub async fn deliver_message(&self, conv: &Conversation, message: &Message) {
        let mut message = message.clone();
        self.sign_attachments(&conv.site_id, &mut message);
        self.publish(BusEvent::to_visitor(
            &conv.site_id,
            &conv.visitor_id,
            ServerFrame::Message(message.clone()),
        ))
        .await;
        self.publish(BusEvent::to_agents(
            &conv.site_id,
            AgentFrame::Message {
                site_id: conv.site_id.clone(),
                message: message.clone(),
            },
        ))
        .await;
    }
}

/// Applies a life-cycle event at the version the conversation was loaded with.
pub(super) fn apply(
    conv: &mut Conversation,
    event: &Event,
    now: Timestamp,
    window_ms: i64,
) -> Result<Notice, ChatError> {
    let version = conv.lifecycle.version;
    Ok(conv.lifecycle.apply(event, version, now, window_ms)?)
}
