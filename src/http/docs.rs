//! The pieces of the OpenAPI document that routes share: the error body, the path
//! parameters of site-scoped routes, and the refusals every signed-in, member-only or
//! owner-only route may answer, described once. Documentation types only (never built);
//! `openapi.rs` assembles the document from the routes, which refer to these.

use utoipa::{IntoParams, IntoResponses, ToSchema};

mod accounts;
mod commerce;
mod csat;
mod library;
mod model;
mod privacy;
mod records;
mod report;
mod visitor;

pub(super) use accounts::*;
pub(super) use commerce::*;
pub(super) use csat::*;
pub(super) use library::*;
pub(super) use model::*;
pub(super) use privacy::*;
pub(super) use records::*;
pub(super) use report::*;
pub(super) use visitor::*;

/// The body of every API error. Describes what `ApiError` writes (in `error.rs`); it is only
/// ever read by the schema generator, hence the allowance for unread fields.
#[derive(ToSchema)]
#[allow(dead_code)]
pub(super) struct ErrorResponse {
    error: ErrorDetail,
}

/// What went wrong (documentation type, see [`ErrorResponse`]).
#[derive(ToSchema)]
#[allow(dead_code)]
pub(super) struct ErrorDetail {
    /// Machine-readable code (`unauthorized`, `forbidden`, `invalid_field`, `invalid`, …).
    code: String,
    /// For people.
    message: String,
    /// The request field at fault, when one is.
    field: Option<String>,
    /// Each bad field of a rule or journey, by path (422 only).
    #[schema(value_type = Option<Vec<Object>>)]
    errors: Option<Vec<serde_json::Value>>,
}

/// The `{site_id}` of every site-scoped route, described once (documentation type: never
/// built; the [`SiteScope`](super::SiteScope) extractor reads it).
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
pub(super) struct SitePath {
    /// Site id (site_…)
    site_id: String,
}

/// The path of a route about one conversation of a site (documentation type).
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
pub(super) struct ConversationPath {
    /// Site id (site_…)
    site_id: String,
    /// Conversation id (c_…)
    conversation_id: String,
}

/// The refusal every authenticated route may answer, listed once instead of in each route's
/// attribute (documentation type: never built).
#[derive(IntoResponses)]
#[allow(dead_code)]
pub(super) enum SignedIn {
    /// No valid token.
    #[response(status = 401, description = "No valid token")]
    Unauthorized(ErrorResponse),
}

/// The refusals of a route any member of the site in the path may use (documentation type).
#[derive(IntoResponses)]
#[allow(dead_code)]
pub(super) enum MemberOnly {
    /// No valid token.
    #[response(status = 401, description = "No valid token")]
    Unauthorized(ErrorResponse),
    /// Not a member of the site.
    #[response(status = 403, description = "Not a member of the site")]
    Forbidden(ErrorResponse),
}

/// The refusals of a route only the site's owners may use (documentation type).
#[derive(IntoResponses)]
#[allow(dead_code)]
pub(super) enum OwnerOnly {
    /// No valid token.
    #[response(status = 401, description = "No valid token")]
    Unauthorized(ErrorResponse),
    /// Not an owner of the site.
    #[response(status = 403, description = "Not an owner of the site")]
    Forbidden(ErrorResponse),
}

/// A site as `GET /api/v1/sites/{site_id}` and `PATCH` answer it (documentation type: the
/// handlers build it in `agent_api::site_view`; `tests/api/openapi.rs` checks the two agree).
#[derive(ToSchema)]
#[allow(dead_code)]
pub(super) struct SiteView {
    /// Site id (site_…), used in API paths.
    id: String,
    /// Shown to agents.
    name: String,
    /// The key the widget snippet carries (`data-site`); not a secret.
    public_key: String,
    /// Origins (`scheme://host[:port]`) whose pages may open the shopper socket.
    origins: Vec<String>,
    /// Creation time, milliseconds since the Unix epoch.
    created_at: i64,
    /// The caller's role on the site.
    #[schema(inline)]
    role: SiteRole,
    /// The HMAC secret for identified shoppers: owners only.
    identity_secret: Option<String>,
}

/// The caller's role on a site (documentation type, see [`SiteView`]).
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)]
pub(super) enum SiteRole {
    /// Manages the site.
    Owner,
    /// Answers chats.
    Agent,
}

/// A site in the caller's list: [`SiteView`] and whether agents may use a model there.
#[derive(ToSchema)]
#[allow(dead_code)]
pub(super) struct SiteListEntry {
    #[schema(inline)]
    #[serde(flatten)]
    site: SiteView,
    /// Whether agents may use a language model on this site (the dashboard offers translation).
    ai: bool,
}

/// `GET /api/v1/sites` (documentation type).
#[derive(ToSchema)]
#[allow(dead_code)]
pub(super) struct SiteList {
    /// The caller's sites.
    sites: Vec<SiteListEntry>,
}

/// Where a conversation is (documentation type for `state`).
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub(super) enum ConversationState {
    /// The bot answers.
    Bot,
    /// Waiting for a person.
    Queued,
    /// A person has it (`agent` names who).
    Assigned,
    /// Finished.
    Closed,
}

/// Why a conversation went to people (documentation type).
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub(super) enum HandoffReasonView {
    /// The shopper asked for a person.
    ShopperAsked,
    /// The bot had no answer too often.
    BotMissed,
    /// A trigger rule handed it over.
    Trigger,
    /// The site's external bot handed it over.
    ExternalBot,
    /// Help with an order was asked for.
    OrderHelp,
}

/// A conversation's header as the API lists it (documentation type: the serde form of
/// `conversation::Conversation`; `tests/api/openapi.rs` checks the two agree).
#[derive(ToSchema)]
#[allow(dead_code)]
pub(super) struct ConversationView {
    /// Conversation id (c_…).
    id: String,
    /// Site id.
    site_id: String,
    /// The shopper (v_…).
    visitor_id: String,
    /// Where it is.
    #[schema(inline)]
    state: ConversationState,
    /// The agent who has it (assigned only).
    agent: Option<String>,
    /// Bumped by every transition.
    version: u64,
    /// The last agent who had it.
    last_agent: Option<String>,
    /// When it closed (ms since the epoch).
    closed_at: Option<i64>,
    /// Highest message seq.
    last_seq: u64,
    /// Highest seq the shopper has read.
    shopper_read_seq: u64,
    /// Highest seq an agent has read.
    agent_read_seq: u64,
    /// Queue priority (higher first).
    priority: u8,
    /// When it last went into the human queue (ms since the epoch).
    queued_at: Option<i64>,
    /// Why it went to people, if it did.
    #[schema(inline)]
    handoff_reason: Option<HandoffReasonView>,
    /// A team or skill it needs.
    skill: Option<String>,
    /// Tags from rules and agents.
    tags: Vec<String>,
    /// Bot misses in a row.
    bot_misses: u32,
    /// The email a shopper left while nobody was online.
    contact_email: Option<String>,
    /// The shopper's cart value when it was queued.
    cart_total: f64,
    /// Opened at (ms since the epoch).
    created_at: i64,
    /// Last message or change (ms since the epoch).
    updated_at: i64,
}

/// Who wrote a message (documentation type).
#[derive(ToSchema)]
#[allow(dead_code)]
pub(super) struct AuthorView {
    /// shopper, bot, agent or system.
    kind: String,
    /// Display name.
    name: String,
}

/// A stored message as every client gets it (documentation type: the serde form of
/// `domain::Message`).
#[derive(ToSchema)]
#[allow(dead_code)]
pub(super) struct MessageView {
    /// Message id.
    id: String,
    /// Conversation it belongs to.
    conversation_id: String,
    /// Position in the conversation, from 1, without gaps.
    seq: u64,
    /// Who wrote it.
    author: AuthorView,
    /// The text, to be shown as text (never HTML).
    text: String,
    /// When it was stored (ms since the epoch).
    ts: i64,
    /// Present and true when the widget offers "Talk to a person" with it.
    offers_handoff: Option<bool>,
}

/// `GET …/conversations` (documentation type).
#[derive(ToSchema)]
#[allow(dead_code)]
pub(super) struct ConversationList {
    /// Most recently active first.
    conversations: Vec<ConversationView>,
}

/// `GET …/conversations/{conversation_id}/messages` (documentation type).
#[derive(ToSchema)]
#[allow(dead_code)]
pub(super) struct MessagePage {
    /// The conversation's header.
    conversation: ConversationView,
    /// Its messages in seq order.
    messages: Vec<MessageView>,
}

/// `POST …/messages` (documentation type).
#[derive(ToSchema)]
#[allow(dead_code)]
pub(super) struct PostedMessage {
    /// The message stored (or, for a repeated `client_msg_id`, the first one).
    message: MessageView,
    /// Whether `client_msg_id` had been sent before.
    duplicate: bool,
}
