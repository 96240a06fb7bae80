//! The pieces of the OpenAPI document that routes share: the error body, the path
//! parameters of site-scoped routes, and the refusals every signed-in, member-only or
//! owner-only route may answer, described once. Documentation types only (never built);
//! `openapi.rs` assembles the document from the routes, which refer to these.

use utoipa::{IntoParams, IntoResponses, ToSchema};

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
