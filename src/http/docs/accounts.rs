//! Documentation types of the answers about accounts: login, `/me`, the password change and
//! the site's team (list, update, invitation). Never built: each mirrors the `json!` its
//! handler writes, and `tests/api/openapi.rs` checks real answers against them.

use super::SiteRole;
use utoipa::ToSchema;

/// An account as the API shows it (the serde form of `store::Agent`, never its password).
#[derive(ToSchema)]
#[allow(dead_code)]
pub(in crate::http) struct AccountView {
    /// Account id (ag_…).
    id: String,
    /// Login email.
    email: String,
    /// Name shown to shoppers next to the agent's messages.
    display_name: String,
    /// True until a generated one-time password has been replaced.
    must_change_password: bool,
    /// Creation time, ms since the epoch.
    created_at: i64,
    /// The avatar's path on the chat host (`/avatars/{id}/{version}`); absent without one.
    avatar: Option<String>,
}

/// `POST /api/v1/auth/login` (documentation type).
#[derive(ToSchema)]
#[allow(dead_code)]
pub(in crate::http) struct LoginAnswer {
    /// The bearer token for every other route.
    token: String,
    /// When the token expires, seconds since the epoch.
    expires_at: u64,
    /// The account signed in.
    agent: AccountView,
}

/// `POST /api/v1/auth/password`: the new token, since every older one stopped working.
#[derive(ToSchema)]
#[allow(dead_code)]
pub(in crate::http) struct NewToken {
    /// The bearer token to use from now on.
    token: String,
    /// When it expires, seconds since the epoch.
    expires_at: u64,
}

/// How routing treats an agent on one site (documentation type).
#[derive(ToSchema)]
#[allow(dead_code)]
pub(in crate::http) struct RoutingProfileView {
    /// Most chats of this site at once.
    capacity: u32,
    /// Teams and skills routing matches on this site.
    skills: Vec<String>,
}

/// One of the account's sites (documentation type: the serde form of `store::Membership`).
#[derive(ToSchema)]
#[allow(dead_code)]
pub(in crate::http) struct MembershipView {
    /// Site id (site_…).
    site_id: String,
    /// The account's role there.
    #[schema(inline)]
    role: SiteRole,
    /// How routing treats it there.
    profile: RoutingProfileView,
}

/// `GET /api/v1/me` (documentation type).
#[derive(ToSchema)]
#[allow(dead_code)]
pub(in crate::http) struct MeAnswer {
    /// The account.
    agent: AccountView,
    /// Its sites and roles.
    memberships: Vec<MembershipView>,
}

/// An agent's availability (documentation type of `domain::AgentStatus`).
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub(in crate::http) enum AgentStatusView {
    /// Takes chats.
    Online,
    /// Signed in, no new chats.
    Away,
    /// Gone.
    Offline,
}

/// An agent of a site as the team list shows it (documentation type: `conversations_api::agent_view`).
#[derive(ToSchema)]
#[allow(dead_code)]
pub(in crate::http) struct TeamMember {
    /// Account id (ag_…).
    id: String,
    /// Display name.
    name: String,
    /// Login email.
    email: String,
    /// Role on this site.
    #[schema(inline)]
    role: SiteRole,
    /// Most chats of this site at once.
    capacity: u32,
    /// Teams and skills on this site.
    skills: Vec<String>,
    /// Live availability.
    #[schema(inline)]
    status: AgentStatusView,
}

/// `GET …/agents` (documentation type).
#[derive(ToSchema)]
#[allow(dead_code)]
pub(in crate::http) struct TeamList {
    /// The site's agents and owners.
    agents: Vec<TeamMember>,
}

/// `PATCH …/agents/{agent_id}`: the membership as saved (documentation type).
#[derive(ToSchema)]
#[allow(dead_code)]
pub(in crate::http) struct MemberUpdated {
    /// Account id (ag_…).
    id: String,
    /// Most chats of this site at once.
    capacity: u32,
    /// Teams and skills on this site.
    skills: Vec<String>,
    /// Role on this site now.
    #[schema(inline)]
    role: SiteRole,
}

/// `POST …/agents`: the invited member and the password to hand over (documentation type).
#[derive(ToSchema)]
#[allow(dead_code)]
pub(in crate::http) struct Invited {
    /// The member as the invitation describes it (status `offline`).
    agent: TeamMember,
    /// To hand over; does nothing for an account that already existed.
    one_time_password: String,
}
