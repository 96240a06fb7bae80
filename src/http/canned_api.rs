//! A site's canned replies as owners write them and agents list them: what an agent inserts
//! by typing `/shortcut`, a template checked on save, with its versions in other languages.
//! Every member may read; only owners may change. A reply of another site is a 404.
//! (The preview of a reply filled in for a conversation is in `library_api.rs`.)

use super::docs::{ErrorResponse, MemberOnly, OwnerOnly, SitePath};
use super::error::conflict_on;
use super::library_api::{canned_id, invalid, required_text};
use super::library_versions::versions;
use super::{ApiError, OwnerScope, SiteScope, json};
use crate::library::canned::{self, MAX_BODY, MAX_TITLE};
use crate::state::AppState;
use crate::store::{CannedReply, NewCanned};
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/sites/{site_id}/canned-replies",
        web::get().to(list_canned),
    )
    .route(
        "/sites/{site_id}/canned-replies",
        web::post().to(create_canned),
    )
    .route(
        "/sites/{site_id}/canned-replies/{canned_id}",
        web::get().to(get_canned),
    )
    .route(
        "/sites/{site_id}/canned-replies/{canned_id}",
        web::put().to(replace_canned),
    )
    .route(
        "/sites/{site_id}/canned-replies/{canned_id}",
        web::delete().to(delete_canned),
    );
}

// ---- canned replies -------------------------------------------------------------------------

/// A canned reply as owners write it.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct CannedBody {
    /// `a-z`, `0-9`, `_`, `-`, 1 to 32, with or without a leading `/`; unique per site.
    shortcut: String,
    /// Optional label, at most 120 characters.
    #[serde(default)]
    title: Option<String>,
    /// A minijinja template of 1 to 4000 characters (`{{ shopper.name }}`, `{{ cart.total_formatted }}`, …).
    body: String,
    /// The body in other languages, by language code (`{"fr": "Bonjour {{ shopper.name }}"}`,
    /// at most 20, each checked as `body`): inserted in a chat with a shopper in that
    /// language. Absent when replacing a reply: its versions stay as they are.
    #[serde(default)]
    translations: Option<BTreeMap<String, String>>,
}

/// The reply in `body`, and whether it named its versions (`translations`).
fn new_canned(body: &[u8]) -> Result<(NewCanned, bool), ApiError> {
    const WHAT: &str = "the canned reply";
    let body: CannedBody = json::parse(body)?;
    let shortcut = canned::normalise_shortcut(&body.shortcut).ok_or_else(|| {
        invalid(
            WHAT,
            "shortcut",
            "must be 1 to 32 of a-z, 0-9, `_`, `-`, starting with a letter or digit",
        )
    })?;
    let title = match body.title.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(t) if t.chars().count() > MAX_TITLE => {
            return Err(invalid(
                WHAT,
                "title",
                format!("is longer than {MAX_TITLE} characters"),
            ));
        }
        Some(t) => Some(t.to_owned()),
    };
    let template = |field: &str, text: &String| {
        let text = required_text(WHAT, field, text, MAX_BODY)?;
        canned::check(&text).map_err(|e| invalid(WHAT, field, format!("template error: {e}")))?;
        Ok(text)
    };
    let text = template("body", &body.body)?;
    let given = body.translations.is_some();
    let translations = versions(WHAT, &body.translations.unwrap_or_default(), template)?;
    let reply = NewCanned {
        shortcut,
        title,
        body: text,
        translations,
    };
    Ok((reply, given))
}

/// A canned reply as the API shows it: the shortcut with its `/`.
fn canned_view(reply: &CannedReply) -> Value {
    json!({
        "id": reply.id,
        "site_id": reply.site_id,
        "shortcut": format!("/{}", reply.shortcut),
        "title": reply.title,
        "body": reply.body,
        "translations": reply.translations,
        "created_at": reply.created_at,
        "updated_at": reply.updated_at,
    })
}

#[derive(Deserialize)]
struct CannedFilter {
    q: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/sites/{site_id}/canned-replies", operation_id = "list_canned", tag = "canned replies", params(SitePath, ("q" = Option<String>, Query, description = "Only replies whose shortcut starts with it, or whose title or body contains it (case-insensitive)")), security(("bearer" = [])), responses((status = 200, description = "`{canned_replies: [...]}` by shortcut", body = super::docs::CannedList), (status = 400, description = "A bad query string", body = ErrorResponse), MemberOnly))]
async fn list_canned(
    state: web::Data<AppState>,
    scope: SiteScope,
    query: web::Query<CannedFilter>,
) -> Result<HttpResponse, ApiError> {
    let needle = query
        .q
        .as_deref()
        .map(|q| q.trim().trim_start_matches('/').to_lowercase())
        .filter(|q| !q.is_empty());
    let replies: Vec<Value> = state
        .chat
        .canned_replies(&scope.site)
        .await?
        .iter()
        .filter(|r| match &needle {
            None => true,
            Some(q) => {
                r.shortcut.starts_with(q.as_str())
                    || r.title
                        .as_deref()
                        .is_some_and(|t| t.to_lowercase().contains(q.as_str()))
                    || r.body.to_lowercase().contains(q.as_str())
            }
        })
        .map(canned_view)
        .collect();
    Ok(HttpResponse::Ok().json(json!({ "canned_replies": replies })))
}

#[utoipa::path(post, path = "/api/v1/sites/{site_id}/canned-replies", operation_id = "create_canned", tag = "canned replies", params(SitePath), request_body = CannedBody, security(("bearer" = [])), responses((status = 201, description = "Created", body = super::docs::CannedView), (status = 400, description = "Malformed JSON or a missing field", body = ErrorResponse), OwnerOnly, (status = 409, description = "The shortcut is taken on this site (`field`: shortcut)", body = ErrorResponse), (status = 422, description = "Bad shortcut, title or body (a template that does not compile); `field` names it", body = ErrorResponse)))]
async fn create_canned(
    state: web::Data<AppState>,
    scope: OwnerScope,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let (new, _) = new_canned(&body)?;
    // A taken shortcut is the `shortcut` field's fault.
    let reply = state
        .chat
        .create_canned(&scope.site, new)
        .await
        .map_err(conflict_on("shortcut"))?;
    Ok(HttpResponse::Created().json(canned_view(&reply)))
}

#[utoipa::path(get, path = "/api/v1/sites/{site_id}/canned-replies/{canned_id}", operation_id = "get_canned", tag = "canned replies", params(SitePath, ("canned_id" = String, Path, description = "Canned reply id (cr_…)")), security(("bearer" = [])), responses((status = 200, description = "The canned reply", body = super::docs::CannedView), MemberOnly, (status = 404, description = "No such canned reply on this site", body = ErrorResponse)))]
async fn get_canned(
    state: web::Data<AppState>,
    scope: SiteScope,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let reply = state
        .chat
        .canned_reply(&scope.site, &canned_id(&path.1)?)
        .await?;
    Ok(HttpResponse::Ok().json(canned_view(&reply)))
}

#[utoipa::path(put, path = "/api/v1/sites/{site_id}/canned-replies/{canned_id}", operation_id = "replace_canned", tag = "canned replies", params(SitePath, ("canned_id" = String, Path, description = "Canned reply id (cr_…)")), request_body = CannedBody, security(("bearer" = [])), responses((status = 200, description = "Replaced", body = super::docs::CannedView), (status = 400, description = "Malformed JSON or a missing field", body = ErrorResponse), OwnerOnly, (status = 404, description = "No such canned reply on this site", body = ErrorResponse), (status = 409, description = "The shortcut is another reply's (`field`: shortcut)", body = ErrorResponse), (status = 422, description = "Bad shortcut, title or body; `field` names it", body = ErrorResponse)))]
async fn replace_canned(
    state: web::Data<AppState>,
    scope: OwnerScope,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let id = canned_id(&path.1)?;
    let (mut new, given) = new_canned(&body)?;
    if !given {
        // A client that knows nothing of languages keeps the reply's versions.
        new.translations = state
            .chat
            .canned_reply(&scope.site, &id)
            .await?
            .translations;
    }
    let reply = state
        .chat
        .update_canned(&scope.site, &id, new)
        .await
        .map_err(conflict_on("shortcut"))?;
    Ok(HttpResponse::Ok().json(canned_view(&reply)))
}

#[utoipa::path(delete, path = "/api/v1/sites/{site_id}/canned-replies/{canned_id}", operation_id = "delete_canned", tag = "canned replies", params(SitePath, ("canned_id" = String, Path, description = "Canned reply id (cr_…)")), security(("bearer" = [])), responses((status = 204, description = "Deleted"), OwnerOnly, (status = 404, description = "No such canned reply on this site", body = ErrorResponse)))]
async fn delete_canned(
    state: web::Data<AppState>,
    scope: OwnerScope,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let id = canned_id(&path.1)?;
    state.chat.delete_canned(&scope.site, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}
