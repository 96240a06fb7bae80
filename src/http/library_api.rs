//! A site's library: knowledge-base articles (what the bot answers from) and canned replies
//! (what agents insert by `/shortcut`), plus the preview of a canned reply filled in for one
//! conversation. Every member of a site may read; only owners may change. Each handler checks
//! the site first, then that the article, reply or conversation belongs to that site, so an
//! id from another shop is a 404 and never a leak.

use super::{ApiError, Caller, json};
use crate::domain::VisitorState;
use crate::domain::{ArticleId, CannedId, ConversationId, SiteId};
use crate::library::canned::{self, MAX_BODY, MAX_TITLE};
use crate::library::kb::language_for;
use crate::library::suggest::{self, MAX_SUGGESTIONS, Source};
use crate::state::AppState;
use crate::store::{Article, CannedReply, Conversation, NewArticle, NewCanned, StoreError};
use crate::triggers::FieldError;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};

/// Longest article question, in characters.
const MAX_QUESTION: usize = 300;
/// Longest article answer, in characters.
const MAX_ANSWER: usize = 4000;

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/sites/{site_id}/articles", web::get().to(list_articles))
        .route("/sites/{site_id}/articles", web::post().to(create_article))
        .route(
            "/sites/{site_id}/articles/{article_id}",
            web::get().to(get_article),
        )
        .route(
            "/sites/{site_id}/articles/{article_id}",
            web::put().to(replace_article),
        )
        .route(
            "/sites/{site_id}/articles/{article_id}",
            web::delete().to(delete_article),
        )
        .route(
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
        )
        .route(
            "/sites/{site_id}/conversations/{conversation_id}/canned-replies/{canned_id}/preview",
            web::post().to(preview_canned),
        )
        .route(
            "/sites/{site_id}/conversations/{conversation_id}/suggestions",
            web::get().to(suggestions),
        );
}

fn site_id(text: &str) -> Result<SiteId, ApiError> {
    SiteId::parse(text)
        .map_err(|e| ApiError::bad_request("invalid_field", e.to_string()).with_field("site_id"))
}

/// The site in the path, if the caller belongs to it.
fn member_site(caller: &Caller, site: &str) -> Result<SiteId, ApiError> {
    let id = site_id(site)?;
    caller.require_site(&id)?;
    Ok(id)
}

/// The site in the path, if the caller owns it.
fn owned_site(caller: &Caller, site: &str) -> Result<SiteId, ApiError> {
    let id = site_id(site)?;
    caller.require_owner(&id)?;
    Ok(id)
}

fn article_id(text: &str) -> Result<ArticleId, ApiError> {
    ArticleId::parse(text)
        .map_err(|e| ApiError::bad_request("invalid_field", e.to_string()).with_field("article_id"))
}

fn canned_id(text: &str) -> Result<CannedId, ApiError> {
    CannedId::parse(text)
        .map_err(|e| ApiError::bad_request("invalid_field", e.to_string()).with_field("canned_id"))
}

/// 422 naming the one bad field.
fn invalid(what: &str, field: &str, message: impl Into<String>) -> ApiError {
    ApiError::invalid(what, vec![FieldError::new(field, message)]).with_field(field)
}

/// Trimmed text of 1 to `max` characters, or 422 naming the field.
fn required_text(what: &str, field: &str, value: &str, max: usize) -> Result<String, ApiError> {
    let text = value.trim();
    if text.is_empty() {
        return Err(invalid(what, field, "must not be empty"));
    }
    if text.chars().count() > max {
        return Err(invalid(
            what,
            field,
            format!("is longer than {max} characters"),
        ));
    }
    Ok(text.to_owned())
}

// ---- articles -------------------------------------------------------------------------------

/// An article as owners write it.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct ArticleBody {
    /// The question as shoppers would ask it; 1 to 300 characters.
    question: String,
    /// The answer the bot sends; 1 to 4000 characters.
    answer: String,
}

fn new_article(body: &[u8]) -> Result<NewArticle, ApiError> {
    let body: ArticleBody = json::parse(body)?;
    Ok(NewArticle {
        question: required_text("the article", "question", &body.question, MAX_QUESTION)?,
        answer: required_text("the article", "answer", &body.answer, MAX_ANSWER)?,
    })
}

#[utoipa::path(get, path = "/api/v1/sites/{site_id}/articles", tag = "knowledge base", params(("site_id" = String, Path, description = "Site id (site_…)")), security(("bearer" = [])), responses((status = 200, description = "The site's articles, oldest first: `{articles: [...]}`", body = Object), (status = 401, description = "No valid token", body = crate::http::openapi::ErrorResponse), (status = 403, description = "Not a member of the site", body = crate::http::openapi::ErrorResponse)))]
async fn list_articles(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let site = member_site(&caller, &path)?;
    let articles = state.store.list_articles(&site).await?;
    Ok(HttpResponse::Ok().json(json!({ "articles": articles })))
}

#[utoipa::path(post, path = "/api/v1/sites/{site_id}/articles", tag = "knowledge base", params(("site_id" = String, Path, description = "Site id (site_…)")), request_body = ArticleBody, security(("bearer" = [])), responses((status = 201, description = "Created", body = crate::store::Article), (status = 400, description = "Malformed JSON or a missing field", body = crate::http::openapi::ErrorResponse), (status = 401, description = "No valid token", body = crate::http::openapi::ErrorResponse), (status = 403, description = "Not an owner of the site", body = crate::http::openapi::ErrorResponse), (status = 422, description = "Empty or too long; `field` names it", body = crate::http::openapi::ErrorResponse)))]
async fn create_article(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let site = owned_site(&caller, &path)?;
    let new = new_article(&body)?;
    let article = state.store.create_article(&site, new).await?;
    state
        .chat
        .site_changed(&site, &[crate::bus::SiteData::Knowledge])
        .await;
    Ok(HttpResponse::Created().json(article))
}

async fn find_article(state: &AppState, site: &SiteId, id: &str) -> Result<Article, ApiError> {
    state
        .store
        .article(site, &article_id(id)?)
        .await?
        .ok_or_else(|| ApiError::not_found("article"))
}

#[utoipa::path(get, path = "/api/v1/sites/{site_id}/articles/{article_id}", tag = "knowledge base", params(("site_id" = String, Path, description = "Site id (site_…)"), ("article_id" = String, Path, description = "Article id (art_…)")), security(("bearer" = [])), responses((status = 200, description = "The article", body = crate::store::Article), (status = 401, description = "No valid token", body = crate::http::openapi::ErrorResponse), (status = 403, description = "Not a member of the site", body = crate::http::openapi::ErrorResponse), (status = 404, description = "No such article on this site", body = crate::http::openapi::ErrorResponse)))]
async fn get_article(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let site = member_site(&caller, &path.0)?;
    Ok(HttpResponse::Ok().json(find_article(&state, &site, &path.1).await?))
}

#[utoipa::path(put, path = "/api/v1/sites/{site_id}/articles/{article_id}", tag = "knowledge base", params(("site_id" = String, Path, description = "Site id (site_…)"), ("article_id" = String, Path, description = "Article id (art_…)")), request_body = ArticleBody, security(("bearer" = [])), responses((status = 200, description = "Replaced", body = crate::store::Article), (status = 400, description = "Malformed JSON or a missing field", body = crate::http::openapi::ErrorResponse), (status = 401, description = "No valid token", body = crate::http::openapi::ErrorResponse), (status = 403, description = "Not an owner of the site", body = crate::http::openapi::ErrorResponse), (status = 404, description = "No such article on this site", body = crate::http::openapi::ErrorResponse), (status = 422, description = "Empty or too long; `field` names it", body = crate::http::openapi::ErrorResponse)))]
async fn replace_article(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let site = owned_site(&caller, &path.0)?;
    let id = article_id(&path.1)?;
    let new = new_article(&body)?;
    let article = state.store.update_article(&site, &id, new).await?;
    state
        .chat
        .site_changed(&site, &[crate::bus::SiteData::Knowledge])
        .await;
    Ok(HttpResponse::Ok().json(article))
}

#[utoipa::path(delete, path = "/api/v1/sites/{site_id}/articles/{article_id}", tag = "knowledge base", params(("site_id" = String, Path, description = "Site id (site_…)"), ("article_id" = String, Path, description = "Article id (art_…)")), security(("bearer" = [])), responses((status = 204, description = "Deleted"), (status = 401, description = "No valid token", body = crate::http::openapi::ErrorResponse), (status = 403, description = "Not an owner of the site", body = crate::http::openapi::ErrorResponse), (status = 404, description = "No such article on this site", body = crate::http::openapi::ErrorResponse)))]
async fn delete_article(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let site = owned_site(&caller, &path.0)?;
    if !state
        .store
        .delete_article(&site, &article_id(&path.1)?)
        .await?
    {
        return Err(ApiError::not_found("article"));
    }
    state
        .chat
        .site_changed(&site, &[crate::bus::SiteData::Knowledge])
        .await;
    Ok(HttpResponse::NoContent().finish())
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
}

fn new_canned(body: &[u8]) -> Result<NewCanned, ApiError> {
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
    let text = required_text(WHAT, "body", &body.body, MAX_BODY)?;
    canned::check(&text).map_err(|e| invalid(WHAT, "body", format!("template error: {e}")))?;
    Ok(NewCanned {
        shortcut,
        title,
        body: text,
    })
}

/// A canned reply as the API shows it: the shortcut with its `/`.
fn canned_view(reply: &CannedReply) -> Value {
    json!({
        "id": reply.id,
        "site_id": reply.site_id,
        "shortcut": format!("/{}", reply.shortcut),
        "title": reply.title,
        "body": reply.body,
        "created_at": reply.created_at,
        "updated_at": reply.updated_at,
    })
}

/// A taken shortcut is the `shortcut` field's fault.
fn shortcut_conflict(e: StoreError) -> ApiError {
    match e {
        StoreError::Conflict(message) => ApiError::conflict(message).with_field("shortcut"),
        other => other.into(),
    }
}

#[derive(Deserialize)]
struct CannedFilter {
    q: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/sites/{site_id}/canned-replies", tag = "canned replies", params(("site_id" = String, Path, description = "Site id (site_…)"), ("q" = Option<String>, Query, description = "Only replies whose shortcut starts with it, or whose title or body contains it (case-insensitive)")), security(("bearer" = [])), responses((status = 200, description = "`{canned_replies: [...]}` by shortcut", body = Object), (status = 401, description = "No valid token", body = crate::http::openapi::ErrorResponse), (status = 403, description = "Not a member of the site", body = crate::http::openapi::ErrorResponse)))]
async fn list_canned(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    query: web::Query<CannedFilter>,
) -> Result<HttpResponse, ApiError> {
    let site = member_site(&caller, &path)?;
    let needle = query
        .q
        .as_deref()
        .map(|q| q.trim().trim_start_matches('/').to_lowercase())
        .filter(|q| !q.is_empty());
    let replies: Vec<Value> = state
        .store
        .list_canned(&site)
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

#[utoipa::path(post, path = "/api/v1/sites/{site_id}/canned-replies", tag = "canned replies", params(("site_id" = String, Path, description = "Site id (site_…)")), request_body = CannedBody, security(("bearer" = [])), responses((status = 201, description = "Created", body = Object), (status = 400, description = "Malformed JSON or a missing field", body = crate::http::openapi::ErrorResponse), (status = 401, description = "No valid token", body = crate::http::openapi::ErrorResponse), (status = 403, description = "Not an owner of the site", body = crate::http::openapi::ErrorResponse), (status = 409, description = "The shortcut is taken on this site (`field`: shortcut)", body = crate::http::openapi::ErrorResponse), (status = 422, description = "Bad shortcut, title or body (a template that does not compile); `field` names it", body = crate::http::openapi::ErrorResponse)))]
async fn create_canned(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let site = owned_site(&caller, &path)?;
    let new = new_canned(&body)?;
    let reply = state
        .store
        .create_canned(&site, new)
        .await
        .map_err(shortcut_conflict)?;
    Ok(HttpResponse::Created().json(canned_view(&reply)))
}

async fn find_canned(state: &AppState, site: &SiteId, id: &str) -> Result<CannedReply, ApiError> {
    state
        .store
        .canned(site, &canned_id(id)?)
        .await?
        .ok_or_else(|| ApiError::not_found("canned reply"))
}

#[utoipa::path(get, path = "/api/v1/sites/{site_id}/canned-replies/{canned_id}", tag = "canned replies", params(("site_id" = String, Path, description = "Site id (site_…)"), ("canned_id" = String, Path, description = "Canned reply id (cr_…)")), security(("bearer" = [])), responses((status = 200, description = "The canned reply", body = Object), (status = 401, description = "No valid token", body = crate::http::openapi::ErrorResponse), (status = 403, description = "Not a member of the site", body = crate::http::openapi::ErrorResponse), (status = 404, description = "No such canned reply on this site", body = crate::http::openapi::ErrorResponse)))]
async fn get_canned(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let site = member_site(&caller, &path.0)?;
    Ok(HttpResponse::Ok().json(canned_view(&find_canned(&state, &site, &path.1).await?)))
}

#[utoipa::path(put, path = "/api/v1/sites/{site_id}/canned-replies/{canned_id}", tag = "canned replies", params(("site_id" = String, Path, description = "Site id (site_…)"), ("canned_id" = String, Path, description = "Canned reply id (cr_…)")), request_body = CannedBody, security(("bearer" = [])), responses((status = 200, description = "Replaced", body = Object), (status = 400, description = "Malformed JSON or a missing field", body = crate::http::openapi::ErrorResponse), (status = 401, description = "No valid token", body = crate::http::openapi::ErrorResponse), (status = 403, description = "Not an owner of the site", body = crate::http::openapi::ErrorResponse), (status = 404, description = "No such canned reply on this site", body = crate::http::openapi::ErrorResponse), (status = 409, description = "The shortcut is another reply's (`field`: shortcut)", body = crate::http::openapi::ErrorResponse), (status = 422, description = "Bad shortcut, title or body; `field` names it", body = crate::http::openapi::ErrorResponse)))]
async fn replace_canned(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let site = owned_site(&caller, &path.0)?;
    let id = canned_id(&path.1)?;
    let new = new_canned(&body)?;
    let reply = state
        .store
        .update_canned(&site, &id, new)
        .await
        .map_err(shortcut_conflict)?;
    Ok(HttpResponse::Ok().json(canned_view(&reply)))
}

#[utoipa::path(delete, path = "/api/v1/sites/{site_id}/canned-replies/{canned_id}", tag = "canned replies", params(("site_id" = String, Path, description = "Site id (site_…)"), ("canned_id" = String, Path, description = "Canned reply id (cr_…)")), security(("bearer" = [])), responses((status = 204, description = "Deleted"), (status = 401, description = "No valid token", body = crate::http::openapi::ErrorResponse), (status = 403, description = "Not an owner of the site", body = crate::http::openapi::ErrorResponse), (status = 404, description = "No such canned reply on this site", body = crate::http::openapi::ErrorResponse)))]
async fn delete_canned(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let site = owned_site(&caller, &path.0)?;
    if !state
        .store
        .delete_canned(&site, &canned_id(&path.1)?)
        .await?
    {
        return Err(ApiError::not_found("canned reply"));
    }
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(post, path = "/api/v1/sites/{site_id}/conversations/{conversation_id}/canned-replies/{canned_id}/preview", tag = "canned replies", params(("site_id" = String, Path, description = "Site id (site_…)"), ("conversation_id" = String, Path, description = "Conversation id (c_…)"), ("canned_id" = String, Path, description = "Canned reply id (cr_…)")), security(("bearer" = [])), responses((status = 200, description = "`{text, canned_id, shortcut}`: the reply filled in with this conversation's shopper, cart, product, order and the calling agent", body = Object), (status = 401, description = "No valid token", body = crate::http::openapi::ErrorResponse), (status = 403, description = "Not a member of the site", body = crate::http::openapi::ErrorResponse), (status = 404, description = "No such conversation or canned reply on this site", body = crate::http::openapi::ErrorResponse), (status = 422, description = "The template failed to render (`field`: body)", body = crate::http::openapi::ErrorResponse)))]
async fn preview_canned(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, ApiError> {
    let site = member_site(&caller, &path.0)?;
    let conversation = site_conversation(&state, &site, &path.1).await?;
    let reply = find_canned(&state, &site, &path.2).await?;
    let visitor = conversation_visitor(&state, &conversation).await?;
    let text = render_for(
        &reply,
        visitor.as_ref(),
        &caller,
        &conversation,
        state.settings.limits.max_message_chars,
    )
    .map_err(|e| invalid("the canned reply", "body", format!("cannot render: {e}")))?;
    Ok(HttpResponse::Ok().json(json!({
        "text": text,
        "canned_id": reply.id,
        "shortcut": format!("/{}", reply.shortcut),
    })))
}

/// The conversation named in the path, if it belongs to the site (checked by the caller).
async fn site_conversation(
    state: &AppState,
    site: &SiteId,
    conversation: &str,
) -> Result<Conversation, ApiError> {
    let conversation_id = ConversationId::parse(conversation).map_err(|e| {
        ApiError::bad_request("invalid_field", e.to_string()).with_field("conversation_id")
    })?;
    state
        .store
        .conversation(&conversation_id)
        .await?
        .filter(|c| &c.site_id == site)
        .ok_or_else(|| ApiError::not_found("conversation"))
}

/// The shopper's browsing state: live on this node, else as last stored.
async fn conversation_visitor(
    state: &AppState,
    conversation: &Conversation,
) -> Result<Option<VisitorState>, ApiError> {
    Ok(
        match state
            .hub
            .visitor_state(&conversation.site_id, &conversation.visitor_id)
        {
            Some(live) => Some(live.browsing),
            None => state
                .store
                .load_visitor(&conversation.site_id, &conversation.visitor_id)
                .await?
                .map(|v| v.browsing),
        },
    )
}

/// A canned reply filled in for a conversation and the calling agent; the preview and the
/// suggestions share it so an agent sees the same text in both.
fn render_for(
    reply: &CannedReply,
    visitor: Option<&VisitorState>,
    caller: &Caller,
    conversation: &Conversation,
    max_chars: usize,
) -> Result<String, canned::RenderError> {
    let context = canned::context(
        visitor,
        &conversation.visitor_id,
        &caller.agent,
        &conversation.id,
    );
    canned::render(&reply.body, &context, max_chars)
}

#[utoipa::path(get, path = "/api/v1/sites/{site_id}/conversations/{conversation_id}/suggestions", tag = "canned replies", params(("site_id" = String, Path, description = "Site id (site_…)"), ("conversation_id" = String, Path, description = "Conversation id (c_…)")), security(("bearer" = [])), responses((status = 200, description = "`{query, suggestions: [{kind: canned|article, id, title, shortcut?, text, score}]}`: up to 5 canned replies (rendered for this conversation) and articles ranked against the shopper's last message; empty without one", body = Object), (status = 401, description = "No valid token", body = crate::http::openapi::ErrorResponse), (status = 403, description = "Not a member of the site", body = crate::http::openapi::ErrorResponse), (status = 404, description = "No such conversation on this site", body = crate::http::openapi::ErrorResponse)))]
async fn suggestions(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let site = member_site(&caller, &path.0)?;
    let conversation = site_conversation(&state, &site, &path.1).await?;
    let Some(last) = state.store.last_shopper_message(&conversation.id).await? else {
        return Ok(HttpResponse::Ok().json(json!({ "query": null, "suggestions": [] })));
    };
    let replies = state.store.list_canned(&site).await?;
    let articles = state.store.list_articles(&site).await?;
    // Stemming and stop words follow the site's first language, as for the bot.
    let settings = state.store.chat_settings(&site).await?;
    let language = language_for(settings.languages.first().map(String::as_str));
    let ranked = suggest::rank(&last.text, &replies, &articles, language, MAX_SUGGESTIONS);
    let visitor = conversation_visitor(&state, &conversation).await?;
    let mut items = Vec::with_capacity(ranked.len());
    for hit in ranked {
        match hit.source {
            Source::Canned(id) => {
                let Some(reply) = replies.iter().find(|r| r.id == id) else {
                    continue;
                };
                // A reply whose template cannot render here is left out rather than failing
                // the list; its preview names the error.
                let Ok(text) = render_for(
                    reply,
                    visitor.as_ref(),
                    &caller,
                    &conversation,
                    state.settings.limits.max_message_chars,
                ) else {
                    continue;
                };
                items.push(json!({
                    "kind": "canned",
                    "id": reply.id,
                    "title": reply.title.clone().unwrap_or_else(|| format!("/{}", reply.shortcut)),
                    "shortcut": format!("/{}", reply.shortcut),
                    "text": text,
                    "score": hit.score,
                }));
            }
            Source::Article(id) => {
                let Some(article) = articles.iter().find(|a| a.id == id) else {
                    continue;
                };
                items.push(json!({
                    "kind": "article",
                    "id": article.id,
                    "title": article.question,
                    "text": article.answer,
                    "score": hit.score,
                }));
            }
        }
    }
    Ok(HttpResponse::Ok().json(json!({ "query": last.text, "suggestions": items })))
}
