//! Site-scoped agent routes. Each handler first checks that the caller belongs to the site in
//! the path, then that the conversation or visitor it names belongs to that site, so an id
//! from another shop is a 404 and never a leak.

use super::docs::{
    ConversationPath, ErrorResponse, MemberOnly, MessagePage, OwnerOnly, PostedMessage, SignedIn,
    SiteList, SitePath, SiteView,
};
use super::{ApiError, Caller, OwnerScope, SiteScope, json};
use crate::domain::{ClientMsgId, MessageText, Role, Timestamp, VisitorId};
use crate::state::AppState;
use crate::store::Site;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/sites", web::get().to(list_sites))
        .route("/sites/{site_id}", web::get().to(get_site))
        .route("/sites/{site_id}", web::patch().to(update_site))
        .route(
            "/sites/{site_id}/conversations/{conversation_id}/messages",
            web::get().to(list_messages),
        )
        .route(
            "/sites/{site_id}/conversations/{conversation_id}/messages",
            web::post().to(post_message),
        )
        .route(
            "/sites/{site_id}/visitors/{visitor_id}",
            web::get().to(get_visitor),
        );
}

/// A site as an agent sees it; the identity secret only for owners.
fn site_view(site: &Site, role: Role) -> Value {
    let mut v = json!({
        "id": site.id,
        "name": site.name,
        "public_key": site.public_key,
        "origins": site.origins,
        "created_at": site.created_at,
        "role": role,
    });
    if role == Role::Owner {
        v["identity_secret"] = json!(site.identity_secret);
    }
    v
}

#[utoipa::path(get, path = "/api/v1/sites", operation_id = "list_sites", tag = "sites", security(("bearer" = [])), responses((status = 200, description = "The caller's sites; identity secrets for owners only; `ai`: whether agents may use a language model there", body = SiteList), SignedIn))]
async fn list_sites(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let mut sites: Vec<Value> = Vec::new();
    for (site, role) in state.chat.member_sites(&caller.memberships).await? {
        let mut view = site_view(&site, role);
        // Whether agents may use a language model here (the dashboard offers translation).
        view["ai"] = json!(state.chat.model_available(&site.id).await);
        sites.push(view);
    }
    Ok(HttpResponse::Ok().json(json!({ "sites": sites })))
}

#[utoipa::path(get, path = "/api/v1/sites/{site_id}", operation_id = "get_site", tag = "sites", params(SitePath), security(("bearer" = [])), responses((status = 200, description = "The site", body = SiteView), MemberOnly))]
async fn get_site(state: web::Data<AppState>, scope: SiteScope) -> Result<HttpResponse, ApiError> {
    let site = state.chat.site(&scope.site).await?;
    Ok(HttpResponse::Ok().json(site_view(&site, scope.role)))
}

/// A change to a site: either field may be left out.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct SiteChange {
    name: Option<String>,
    /// The full new list of allowed origins (`scheme://host[:port]`), at least one.
    origins: Option<Vec<String>>,
}

#[utoipa::path(patch, path = "/api/v1/sites/{site_id}", operation_id = "update_site", tag = "sites", params(SitePath), request_body = SiteChange, security(("bearer" = [])), responses((status = 200, description = "The site as it is now", body = SiteView), (status = 400, description = "A bad name or origin; `field` names it", body = ErrorResponse), OwnerOnly))]
async fn update_site(
    state: web::Data<AppState>,
    scope: OwnerScope,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let change: SiteChange = json::parse(&body)?;
    let name = match change.name.map(|n| n.trim().to_owned()) {
        Some(n) if n.is_empty() || n.chars().count() > 100 => {
            return Err(
                ApiError::bad_request("invalid_field", "must be 1 to 100 characters")
                    .with_field("name"),
            );
        }
        other => other,
    };
    let origins = match change.origins {
        None => None,
        Some(list) if list.is_empty() || list.len() > 50 => {
            return Err(
                ApiError::bad_request("invalid_field", "must list 1 to 50 origins")
                    .with_field("origins"),
            );
        }
        Some(list) => Some(
            list.iter()
                .enumerate()
                .map(|(i, o)| {
                    crate::domain::Origin::parse(o).map_err(|e| {
                        ApiError::bad_request("invalid_field", e.to_string())
                            .with_field(format!("origins[{i}]"))
                    })
                })
                .collect::<Result<Vec<_>, _>>()?,
        ),
    };
    let site = state.chat.update_site(&scope.site, name, origins).await?;
    Ok(HttpResponse::Ok().json(site_view(&site, Role::Owner)))
}

#[derive(Deserialize)]
struct ListQuery {
    #[serde(default)]
    limit: Option<u32>,
    #[serde(default)]
    after: Option<u64>,
}

#[utoipa::path(get, path = "/api/v1/sites/{site_id}/conversations/{conversation_id}/messages", operation_id = "list_messages", tag = "conversations", params(ConversationPath, ("after" = Option<u64>, Query, description = "Only messages with a higher seq"), ("limit" = Option<u32>, Query, description = "1 to 500, default 100")), security(("bearer" = [])), responses((status = 200, description = "The conversation and its messages in seq order", body = MessagePage), (status = 400, description = "A bad query string (`after`, `limit` out of range)", body = ErrorResponse), MemberOnly, (status = 404, description = "No such conversation on this site", body = ErrorResponse)))]
async fn list_messages(
    state: web::Data<AppState>,
    scope: SiteScope,
    path: web::Path<(String, String)>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let conversation = scope.conversation(&state.chat, &path.1).await?;
    let limit = query.limit.unwrap_or(100).clamp(1, 500);
    let messages = state
        .chat
        .messages_after(&conversation.id, query.after.unwrap_or(0), limit)
        .await?;
    Ok(HttpResponse::Ok().json(json!({ "conversation": conversation, "messages": messages })))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub(super) struct PostMessage {
    /// The text; may be `""` when the message carries attachments.
    text: String,
    #[serde(default)]
    client_msg_id: Option<String>,
    /// Ids of files this agent uploaded to this conversation (`POST /uploads`), at most the
    /// site's `attachments.max_per_message`.
    #[serde(default)]
    attachments: Vec<String>,
}

/// An agent writes to a shopper: stored first, then published to the shopper's sockets.
#[utoipa::path(post, path = "/api/v1/sites/{site_id}/conversations/{conversation_id}/messages", operation_id = "post_message", tag = "conversations", params(ConversationPath), request_body = PostMessage, security(("bearer" = [])), responses((status = 201, description = "Stored and delivered live", body = PostedMessage), (status = 200, description = "Repeated client_msg_id: the first message", body = PostedMessage), (status = 400, description = "Bad text or client_msg_id", body = ErrorResponse), MemberOnly, (status = 404, description = "No such conversation on this site", body = ErrorResponse), (status = 409, description = "The conversation is closed", body = ErrorResponse)))]
async fn post_message(
    state: web::Data<AppState>,
    scope: SiteScope,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let conversation = scope.conversation(&state.chat, &path.1).await?;
    let req: PostMessage = json::parse(&body)?;
    let text = if !req.attachments.is_empty() && req.text.trim().is_empty() {
        MessageText::none()
    } else {
        MessageText::parse(&req.text, state.settings.limits.max_message_chars)
            .map_err(|e| ApiError::bad_request("invalid_field", e.to_string()).with_field("text"))?
    };
    // Without a key from the client the request is not retry-safe; give it a fresh one.
    let client_msg_id = match req.client_msg_id.as_deref() {
        Some(key) => ClientMsgId::parse(key).map_err(|e| {
            ApiError::bad_request("invalid_field", e.to_string()).with_field("client_msg_id")
        })?,
        None => ClientMsgId::parse(&format!("rest-{}", crate::domain::random_token(16)))
            .map_err(ApiError::internal)?,
    };
    let appended = state
        .chat
        .agent_message(
            &conversation.id,
            &scope.caller.agent.id,
            client_msg_id,
            text,
            &req.attachments,
        )
        .await?;
    let status = if appended.duplicate {
        HttpResponse::Ok()
    } else {
        HttpResponse::Created()
    };
    let mut message = appended.message;
    state
        .chat
        .sign_attachments(&conversation.site_id, &mut message);
    Ok({ status }.json(json!({ "message": message, "duplicate": appended.duplicate })))
}

#[utoipa::path(get, path = "/api/v1/sites/{site_id}/visitors/{visitor_id}", operation_id = "get_visitor", tag = "visitors", params(SitePath, ("visitor_id" = String, Path, description = "Visitor id (v_…)")), security(("bearer" = [])), responses((status = 200, description = "Live or stored browsing state: page, trail, cart, orders (oldest first), product, campaign, tags; `customer` (the verified customer across devices: id, canonical_visitor, visitors) or null", body = super::docs::VisitorProfile), MemberOnly, (status = 404, description = "Unknown visitor", body = ErrorResponse)))]
async fn get_visitor(
    state: web::Data<AppState>,
    scope: SiteScope,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let visitor = VisitorId::parse(&path.1).map_err(|e| {
        ApiError::bad_request("invalid_field", e.to_string()).with_field("visitor_id")
    })?;
    let (browsing, online) = state.chat.visitor_profile(&scope.site, &visitor).await?;
    let customer = state.chat.customer_of(&scope.site, &visitor).await?;
    let now = Timestamp::now();
    Ok(HttpResponse::Ok().json(json!({
        "id": visitor,
        "online": online,
        "visits": browsing.visits,
        "returning": browsing.is_returning(),
        "pages_this_session": browsing.pages_this_session,
        "current_page": browsing.current_page,
        "time_on_page_ms": browsing.time_on_page(now),
        "session_started_at": browsing.session_started_at,
        "last_seen_at": browsing.last_seen_at,
        "last_event": browsing.last_event.as_ref().map(|(name, at)| json!({ "name": name, "at": at })),
        "trail": browsing.trail,
        "cart": browsing.cart,
        "orders": browsing.orders,
        "product": browsing.product,
        "utm": browsing.utm,
        "referrer_host": browsing.referrer_host,
        "device": browsing.device,
        "language": browsing.language,
        "identified": browsing.identified,
        "attributes": browsing.attributes,
        "tags": browsing.tags,
        "in_conversation": browsing.in_conversation,
        "proactive_seen": browsing.triggers.proactive_total(),
        "customer": customer,
    })))
}
