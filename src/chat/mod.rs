//! The conversation service: where the pure life cycle, routing and bot decisions meet the
//! store and the bus. Every change to a conversation goes through [`change`] (load, apply,
//! compare-and-set, retry), and every visible effect through [`announce`], so the shopper's
//! widget and every agent dashboard learn of a change the same way, on every node.

mod access;
mod agent;
mod bot;
mod idle;
mod presence;
mod queue;
mod route;
mod settings_cache;

mod shopper;

pub use access::{TokenRefused, token_holder};
pub use agent::{
    agent_gone, agent_message, agent_removed, announce_opened, close, note, set_tag, start, take,
    transfer,
};
pub use idle::start as start_idle_sweep;
pub use presence::{
    announce_agents, announce_left, announce_visitor, start as start_presence, tell_status,
    went_offline,
};
pub use queue::{hand_off, route_from_trigger, shopper_handoff};
pub use route::route_site;
pub use settings_cache::ChatSettingsCache;
pub use shopper::{chatting, contact, opening, opening_by_agent, reopen_if_recent, shopper_wrote};

/// A site's chat settings through this node's cache; the defaults if the store fails, so a
/// store hiccup degrades to default behaviour instead of dropping a shopper's message.
pub async fn settings(
    state: &AppState,
    site: &crate::domain::SiteId,
) -> std::sync::Arc<crate::conversation::ChatSettings> {
    match state.chat_settings.get(state.store.as_ref(), site).await {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(error = %e, site = %site, "chat settings unavailable; using defaults");
            std::sync::Arc::new(crate::conversation::ChatSettings::default())
        }
    }
}

use crate::agent_protocol::AgentFrame;
use crate::bus::BusEvent;
use crate::conversation::{Event, Notice, TransitionError};
use crate::domain::{AgentId, AuthorKind, ConversationId, MessageText, SiteId, Timestamp};
use crate::protocol::{Author, ErrorCode, MessageOut, ServerFrame};
use crate::startup::AppState;
use crate::store::{Conversation, NewMessage, StoreError};
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
}

impl ChatError {
    /// The wire code for an error frame.
    pub fn code(&self) -> ErrorCode {
        match self {
            ChatError::NotFound(_) => ErrorCode::NotFound,
            ChatError::Transition(_) => ErrorCode::NotAllowed,
            ChatError::Invalid { .. } => ErrorCode::InvalidField,
            ChatError::Store(StoreError::NotFound(_)) => ErrorCode::NotFound,
            ChatError::Store(StoreError::Conflict(_)) => ErrorCode::NotAllowed,
            ChatError::Store(_) => ErrorCode::Internal,
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

/// Hands an event to the bus; a failure is logged, because what matters is already stored
/// and clients resync from the store when they reconnect.
pub async fn publish(state: &AppState, event: BusEvent) {
    if let Err(e) = state.bus.publish(event).await {
        tracing::warn!(error = %e, "live delivery failed");
    }
}

/// An owner changed site data that nodes cache: this node drops its copy at once (so the
/// owner's next request sees the change even if the bus is down), then every node does.
pub async fn site_changed(state: &AppState, site: &SiteId, what: &[crate::bus::SiteData]) {
    drop_cached(state, site, what);
    publish(state, BusEvent::invalidate(site, what)).await;
}

/// Drops this node's cached copies of a site's data.
pub fn drop_cached(state: &AppState, site: &SiteId, what: &[crate::bus::SiteData]) {
    use crate::bus::SiteData;
    for data in what {
        match data {
            SiteData::Rules => state.rules.invalidate(site),
            SiteData::Knowledge => state.kb.invalidate(site),
            SiteData::ChatSettings => state.chat_settings.invalidate(site),
        }
    }
}

/// An agent's display name (its id if the account is gone).
pub async fn agent_name(state: &AppState, agent: &AgentId) -> String {
    match state.store.agent(agent).await {
        Ok(Some(a)) => a.display_name,
        _ => agent.to_string(),
    }
}

/// A system message for the transcript.
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
    })
}

/// Loads a conversation, lets `apply` change it (returning the transcript notice, if any),
/// and saves it with compare-and-set on the version it loaded, retrying from a fresh load
/// when another change came first. `apply` is pure; it may run more than once.
pub async fn change<F>(
    state: &AppState,
    id: &ConversationId,
    mut apply: F,
) -> Result<(Conversation, Option<MessageOut>), ChatError>
where
    F: FnMut(&mut Conversation, Timestamp) -> Result<Option<Notice>, ChatError>,
{
    for _ in 0..CAS_ATTEMPTS {
        let mut conv = state
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
            Some(n) => Some(notice_text(state, n).await),
            None => None,
        };
        let message = notice_text.and_then(|t| system_message(t, now));
        match state
            .store
            .save_conversation(&conv, expected, message)
            .await
        {
            Ok((saved, notice)) => {
                announce(state, &saved, notice.as_ref(), &before).await;
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

async fn notice_text(state: &AppState, notice: &Notice) -> String {
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
        let name = agent_name(state, &id).await;
        names.insert(id, name);
    }
    notice.text(|id| names.get(id).cloned().unwrap_or_else(|| id.to_string()))
}

/// Tells the shopper's tabs and the site's agents what changed: the notice (a system
/// message), the new stage when it changed, and the conversation header for dashboards.
pub async fn announce(
    state: &AppState,
    conv: &Conversation,
    notice: Option<&MessageOut>,
    before: &crate::conversation::Stage,
) {
    if let Some(message) = notice {
        deliver_message(state, conv, message).await;
    }
    if &conv.lifecycle.stage != before {
        let agent = match conv.agent() {
            Some(a) => Some(agent_name(state, a).await),
            None => None,
        };
        let frame = ServerFrame::Status {
            conversation_id: conv.id.clone(),
            state: conv.lifecycle.stage.name().into(),
            agent,
            nobody_online: false,
        };
        publish(
            state,
            BusEvent::to_visitor(&conv.site_id, &conv.visitor_id, frame),
        )
        .await;
    }
    publish(
        state,
        BusEvent::to_agents(
            &conv.site_id,
            AgentFrame::Conversation {
                conversation: conv.clone(),
            },
        ),
    )
    .await;
}

/// Delivers a stored message to the shopper's tabs and to the site's agents.
pub async fn deliver_message(state: &AppState, conv: &Conversation, message: &MessageOut) {
    publish(
        state,
        BusEvent::to_visitor(
            &conv.site_id,
            &conv.visitor_id,
            ServerFrame::Message(message.clone()),
        ),
    )
    .await;
    publish(
        state,
        BusEvent::to_agents(
            &conv.site_id,
            AgentFrame::Message {
                site_id: conv.site_id.clone(),
                message: message.clone(),
            },
        ),
    )
    .await;
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
