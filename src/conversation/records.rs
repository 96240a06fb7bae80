//! A conversation as it is stored and listed: its header (the life cycle with its version for
//! compare-and-set, plus what routing and reports need), the filter the lists and the idle
//! sweep search by, and an agent's internal notes.

use super::lifecycle::{HandoffReason, Lifecycle, Stage};
use crate::domain::{AgentId, ConversationId, NoteId, SiteId, Timestamp, VisitorId};
use serde::{Deserialize, Serialize};

/// A conversation's header: its place in the life cycle and what routing needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conversation {
    /// Id.
    pub id: ConversationId,
    /// Site.
    pub site_id: SiteId,
    /// The shopper.
    pub visitor_id: VisitorId,
    /// Stage (bot, queued, assigned, closed), version for compare-and-set, last agent.
    #[serde(flatten)]
    pub lifecycle: Lifecycle,
    /// Highest seq.
    pub last_seq: u64,
    /// Highest seq the shopper has read.
    pub shopper_read_seq: u64,
    /// Highest seq an agent has read.
    pub agent_read_seq: u64,
    /// Queue priority set by a trigger or keyword rule (higher first).
    pub priority: u8,
    /// When it last went into the human queue.
    pub queued_at: Option<Timestamp>,
    /// Why it went to people, if it did.
    pub handoff_reason: Option<HandoffReason>,
    /// A team or skill it needs (`returns`, `de`), set by a transfer to a team.
    pub skill: Option<String>,
    /// Tags from keyword rules, trigger rules and agents.
    pub tags: Vec<String>,
    /// Bot misses in a row.
    pub bot_misses: u32,
    /// The email a shopper left while nobody was online.
    pub contact_email: Option<String>,
    /// The shopper's cart value when it was queued (breaks priority ties).
    pub cart_total: f64,
    /// Opened at.
    pub created_at: Timestamp,
    /// Last message or change.
    pub updated_at: Timestamp,
}

impl Conversation {
    /// Whether a new shopper message belongs in this conversation rather than a new one.
    pub fn is_open(&self) -> bool {
        !matches!(self.lifecycle.stage, Stage::Closed)
    }

    /// Opened in the queue by a bot's proactive message on a site without a bot to answer,
    /// and nobody has answered it: no reason to be with people yet, and no person ever had
    /// it. Such a conversation is not a chat: routing leaves it out, so it takes no agent's
    /// slot. The shopper's first message gives it a reason ([`HandoffReason::ShopperAsked`]).
    pub fn awaits_shopper(&self) -> bool {
        matches!(self.lifecycle.stage, Stage::Queued)
            && self.handoff_reason.is_none()
            && self.lifecycle.last_agent.is_none()
    }

    /// The agent who has it, if assigned.
    pub fn agent(&self) -> Option<&AgentId> {
        match &self.lifecycle.stage {
            Stage::Assigned { agent } => Some(agent),
            _ => None,
        }
    }
}

/// What to look for in a site's conversations; every field narrows the result.
#[derive(Debug, Clone, Default)]
pub struct ConversationFilter {
    /// Only this site's (always set by site-scoped callers).
    pub site: Option<SiteId>,
    /// Only this visitor's.
    pub visitor: Option<VisitorId>,
    /// Only in these stages (`bot`, `queued`, `assigned`, `closed`); `open` means not closed.
    pub stages: Vec<&'static str>,
    /// Only assigned to this agent.
    pub agent: Option<AgentId>,
    /// Only with this tag.
    pub tag: Option<String>,
    /// Created at or after.
    pub from: Option<Timestamp>,
    /// Created before.
    pub to: Option<Timestamp>,
    /// With a message holding these words (case-insensitive; how words match is the
    /// store's: see README, "Searching conversations").
    pub text: Option<String>,
    /// At most this many, most recently active first.
    pub limit: u32,
    /// Only those with no message or change since before this moment (`updated_at` earlier):
    /// the idle sweep's question.
    pub active_before: Option<Timestamp>,
}

/// An agent's internal note: part of the transcript for agents, never sent to the shopper.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Note {
    /// Id.
    #[schema(value_type = String)]
    pub id: NoteId,
    /// The conversation.
    #[schema(value_type = String)]
    pub conversation_id: ConversationId,
    /// Who wrote it.
    #[schema(value_type = String)]
    pub agent_id: AgentId,
    /// Their name at the time.
    pub author_name: String,
    /// Text.
    pub text: String,
    /// When.
    #[schema(value_type = i64)]
    pub ts: Timestamp,
}
