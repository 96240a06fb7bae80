//! The records the store takes and gives back.

use crate::conversation::lifecycle::{HandoffReason, Lifecycle, Stage};
use crate::domain::{
    AgentId, ClientMsgId, ConversationId, Email, MessageText, NoteId, Origin, Role, SiteId,
    Timestamp, VisitorId,
};
use crate::protocol::{Author, MessageOut};
use serde::{Deserialize, Serialize};

/// A shop's site: where the widget runs and who may chat on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Site {
    /// Internal id, used in API paths.
    pub id: SiteId,
    /// Shown to agents.
    pub name: String,
    /// Public key the snippet carries (`data-site`); not a secret.
    pub public_key: String,
    /// Origins whose pages may open the shopper socket; matched exactly.
    pub origins: Vec<Origin>,
    /// Secret the shop's backend uses to sign identified shoppers (HMAC); never sent to browsers.
    pub identity_secret: String,
    /// Creation time.
    pub created_at: Timestamp,
}

impl Site {
    /// Whether a page on `origin` may open the shopper socket.
    pub fn allows(&self, origin: &Origin) -> bool {
        self.origins.iter().any(|o| o == origin)
    }
}

/// What it takes to create a site.
#[derive(Debug, Clone)]
pub struct NewSite {
    /// Display name.
    pub name: String,
    /// Allowed origins; at least one.
    pub origins: Vec<Origin>,
}

/// An agent or owner account (without its password hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agent {
    /// Account id.
    pub id: AgentId,
    /// Login email.
    pub email: Email,
    /// Name shown to shoppers next to the agent's messages.
    pub display_name: String,
    /// True for generated one-time passwords until the owner sets their own.
    pub must_change_password: bool,
    /// Creation time.
    pub created_at: Timestamp,
}

/// An account with its password hash, for logins only.
#[derive(Debug, Clone)]
pub struct AgentCredentials {
    /// The account.
    pub agent: Agent,
    /// PHC-format argon2 hash.
    pub password_hash: String,
}

/// How routing treats an agent on one site. Kept per membership, not per account: the owner
/// of one site must not be able to change how another site routes to the same person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoutingProfile {
    /// Most chats of this site routing gives the agent at once.
    pub capacity: u32,
    /// Teams and skills (`de`, `returns`) routing matches against on this site.
    pub skills: Vec<String>,
}

impl RoutingProfile {
    /// Capacity of a new membership (and of memberships from before profiles existed).
    pub const DEFAULT_CAPACITY: u32 = 3;
}

impl Default for RoutingProfile {
    fn default() -> Self {
        RoutingProfile {
            capacity: Self::DEFAULT_CAPACITY,
            skills: Vec::new(),
        }
    }
}

/// An account's role on one site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Membership {
    /// The site.
    pub site_id: SiteId,
    /// Role there.
    pub role: Role,
    /// How routing treats the agent on this site.
    pub profile: RoutingProfile,
}

/// What it takes to create an account.
#[derive(Debug, Clone)]
pub struct NewAgent {
    /// Login email.
    pub email: Email,
    /// Name shown to shoppers.
    pub display_name: String,
    /// PHC-format argon2 hash of the password.
    pub password_hash: String,
    /// Force a password change at first login.
    pub must_change_password: bool,
    /// Sites and roles.
    pub memberships: Vec<(SiteId, Role)>,
}

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
    /// With a message containing this text (case-insensitive).
    pub text: Option<String>,
    /// At most this many, most recently active first.
    pub limit: u32,
    /// Only those with no message or change since before this moment (`updated_at` earlier):
    /// the idle sweep's question.
    pub active_before: Option<Timestamp>,
}

/// An agent's internal note: part of the transcript for agents, never sent to the shopper.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Note {
    /// Id.
    pub id: NoteId,
    /// The conversation.
    pub conversation_id: ConversationId,
    /// Who wrote it.
    pub agent_id: AgentId,
    /// Their name at the time.
    pub author_name: String,
    /// Text.
    pub text: String,
    /// When.
    pub ts: Timestamp,
}

/// An agent of a site as routing and the dashboard see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SiteAgent {
    /// The account.
    #[serde(flatten)]
    pub agent: Agent,
    /// Role on the site.
    pub role: Role,
    /// How routing treats the agent on this site.
    pub profile: RoutingProfile,
}

/// A message to store.
#[derive(Debug, Clone)]
pub struct NewMessage {
    /// Who writes it.
    pub author: Author,
    /// The author's account or visitor id, for idempotency and reports.
    pub author_id: String,
    /// Text.
    pub text: MessageText,
    /// The sender's idempotency key, if it sent one.
    pub client_msg_id: Option<ClientMsgId>,
    /// Time of storing.
    pub ts: Timestamp,
}

/// The result of storing a message.
#[derive(Debug, Clone)]
pub struct Appended {
    /// The conversation's header after the write (read in the same transaction), so callers
    /// need not read it again.
    pub conversation: Conversation,
    /// The stored message (the first one, for a duplicate).
    pub message: MessageOut,
    /// The `client_msg_id` had been stored before; nothing new was written.
    pub duplicate: bool,
    /// This message opened a new conversation.
    pub opened: bool,
}

/// A trigger rule as stored: the owner's JSON, validated before it was saved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredRule {
    /// Rule id.
    pub id: crate::domain::RuleId,
    /// The rule's JSON.
    pub spec: serde_json::Value,
    /// Created at.
    pub created_at: Timestamp,
    /// Last replaced at.
    pub updated_at: Timestamp,
}

/// Funnel counts of one rule: per stage, for shown and held-out visitors.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FunnelCounts {
    /// Fired, opened, replied, converted for visitors who were shown the rule.
    pub shown: [u64; 4],
    /// The same for held-out (control) visitors.
    pub held_out: [u64; 4],
}

/// A site's settings for proactive rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TriggerSettings {
    /// Most proactive messages per visitor per window.
    pub fatigue_max: u32,
    /// The fatigue window, seconds.
    pub fatigue_window_secs: u64,
    /// How long after a firing a purchase still counts as converted, seconds.
    pub attribution_window_secs: u64,
    /// Opening hours for the `business_hours` fact; always open when unset.
    #[serde(default)]
    pub business_hours: Option<crate::triggers::BusinessHours>,
}

impl Default for TriggerSettings {
    /// One proactive message per visitor per hour; purchases within 7 days count.
    fn default() -> Self {
        TriggerSettings {
            fatigue_max: 1,
            fatigue_window_secs: 3600,
            attribution_window_secs: 7 * 86_400,
            business_hours: None,
        }
    }
}

/// A knowledge-base article: a question shoppers ask and the shop's answer, which the bot
/// sends when a shopper's message matches it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Article {
    /// Id (`art_…`).
    #[schema(value_type = String)]
    pub id: crate::domain::ArticleId,
    /// The site it belongs to.
    #[schema(value_type = String)]
    pub site_id: SiteId,
    /// The question, as shoppers would ask it.
    pub question: String,
    /// The answer the bot sends.
    pub answer: String,
    /// Created at (ms since the epoch).
    #[schema(value_type = i64)]
    pub created_at: Timestamp,
    /// Last replaced at (ms since the epoch).
    #[schema(value_type = i64)]
    pub updated_at: Timestamp,
}

/// What it takes to create or replace an article (validated by the caller).
#[derive(Debug, Clone)]
pub struct NewArticle {
    /// The question.
    pub question: String,
    /// The answer.
    pub answer: String,
}

/// A canned reply: text an agent inserts by typing `/shortcut`, a template filled with the
/// shopper's, cart's and order's values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CannedReply {
    /// Id (`cr_…`).
    #[schema(value_type = String)]
    pub id: crate::domain::CannedId,
    /// The site it belongs to.
    #[schema(value_type = String)]
    pub site_id: SiteId,
    /// The shortcut without its leading `/`, unique per site.
    pub shortcut: String,
    /// Optional label shown in the picker.
    pub title: Option<String>,
    /// A minijinja template.
    pub body: String,
    /// Created at (ms since the epoch).
    #[schema(value_type = i64)]
    pub created_at: Timestamp,
    /// Last replaced at (ms since the epoch).
    #[schema(value_type = i64)]
    pub updated_at: Timestamp,
}

/// What it takes to create or replace a canned reply (validated by the caller).
#[derive(Debug, Clone)]
pub struct NewCanned {
    /// Shortcut without the leading `/`.
    pub shortcut: String,
    /// Optional label.
    pub title: Option<String>,
    /// Template text.
    pub body: String,
}

/// A site's conversation numbers over a time window, as the owners' report shows them.
/// Plain counts from the store; the HTTP layer fills in days without conversations.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SiteStats {
    /// Per UTC day that had conversations (`YYYY-MM-DD`), oldest first.
    pub days: Vec<DayStats>,
    /// Conversations per handoff reason.
    pub handoff_reasons: Vec<(HandoffReason, u64)>,
    /// Conversations created in the window.
    pub conversations: u64,
    /// Never handed to people and never written to by an agent.
    pub bot_only: u64,
    /// An agent wrote in them.
    pub with_agent: u64,
    /// Conversations with a first agent reply after they went to people.
    pub responses: u64,
    /// Median time to that first reply (nearest rank), ms.
    pub median_response_ms: Option<i64>,
    /// 90th percentile of it (nearest rank), ms.
    pub p90_response_ms: Option<i64>,
}

/// One UTC day of a [`SiteStats`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayStats {
    /// `YYYY-MM-DD`, UTC.
    pub date: String,
    /// Conversations created that day.
    pub conversations: u64,
    /// Of those, the ones that went to people (they have a handoff reason).
    pub handed_off: u64,
}
