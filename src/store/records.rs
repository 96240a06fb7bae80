//! The records the store takes and gives back.

use crate::conversation::Conversation;
use crate::domain::{
    AgentId, Author, ClientMsgId, Email, Message, MessageText, Origin, Role, SiteId, Timestamp,
};
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
    /// The picture shoppers see beside the agent's name: the path it is served at
    /// (`/avatars/{agent}/{version}`, a new version on each upload, so it can be cached for
    /// good); `None` without one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar: Option<String>,
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

/// What an account changes about itself (`PATCH /api/v1/me`): each field left `None` stays.
/// Values arrive checked (the name trimmed and bounded, the email parsed).
#[derive(Debug, Clone, Default)]
pub struct AccountChange {
    /// The name shoppers see next to the agent's messages.
    pub display_name: Option<String>,
    /// The login email; another account's email is a `Conflict`.
    pub email: Option<Email>,
    /// The avatar's path (`Some(None)` removes it); see [`Agent::avatar`].
    pub avatar: Option<Option<String>>,
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
    /// Files it carries (without links), checked and claimed by the caller.
    pub attachments: Vec<crate::domain::Attachment>,
}

/// The result of storing a message.
#[derive(Debug, Clone)]
pub struct Appended {
    /// The conversation's header after the write (read in the same transaction), so callers
    /// need not read it again.
    pub conversation: Conversation,
    /// The stored message (the first one, for a duplicate).
    pub message: Message,
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
