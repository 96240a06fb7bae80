//! A site's library: knowledge-base articles (what the bot answers from; canned replies are
//! in `canned_api.rs`), plus what helps an agent answer one conversation: the preview of a
//! canned reply filled in for it, suggestions, drafts and summaries. Every member of a site may read; only owners may change. Each handler checks
//! the site first, then that the article, reply or conversation belongs to that site, so an
//! id from another shop is a 404 and never a leak.

use super::docs::{ConversationPath, ErrorResponse, MemberOnly, OwnerOnly, SitePath};
use super::library_versions::versions;
use super::{ApiError, OwnerScope, SiteScope, json};
use crate::chat::{DraftSource, Suggestion};
use crate::domain::{ArticleId, CannedId};
use crate::state::AppState;
use crate::store::{ArticleText, NewArticle};
use crate::triggers::FieldError;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;

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
            "/sites/{site_id}/conversations/{conversation_id}/canned-replies/{canned_id}/preview",
            web::post().to(preview_canned),
        )
        .route(
            "/sites/{site_id}/conversations/{conversation_id}/suggestions",
            web::get().to(suggestions),
        )
        .route(
            "/sites/{site_id}/conversations/{conversation_id}/draft",
            web::post().to(draft),
        )
        .route(
            "/sites/{site_id}/conversations/{conversation_id}/summary",
            web::post().to(summary),
        );
}

fn article_id(text: &str) -> Result<ArticleId, ApiError> {
    ArticleId::parse(text)
        .map_err(|e| ApiError::bad_request("invalid_field", e.to_string()).with_field("article_id"))
}

pub(super) fn canned_id(text: &str) -> Result<CannedId, ApiError> {
    CannedId::parse(text)
        .map_err(|e| ApiError::bad_request("invalid_field", e.to_string()).with_field("canned_id"))
}

/// 422 naming the one bad field.
pub(super) fn invalid(what: &str, field: &str, message: impl Into<String>) -> ApiError {
    ApiError::invalid(what, vec![FieldError::new(field, message)]).with_field(field)
}

/// Trimmed text of 1 to `max` characters, or 422 naming the field.
pub(super) fn required_text(
    what: &str,
    field: &str,
    value: &str,
    max: usize,
) -> Result<String, ApiError> {
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
    /// Versions in other languages, by language code (`{"fr": {"question", "answer"}}`, at
    /// most 20; `fr-CA` is stored as `fr`): a shopper in that language gets that version.
    /// Absent when replacing an article: its versions stay as they are.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    translations: Option<BTreeMap<String, ArticleTextBody>>,
}

/// An article's question and answer in one more language.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct ArticleTextBody {
    /// 1 to 300 characters.
    question: String,
    /// 1 to 4000 characters.
    answer: String,
}

/// The article in `body`, and whether it named its versions (`translations`).
fn new_article(body: &[u8]) -> Result<(NewArticle, bool), ApiError> {
    const WHAT: &str = "the article";
    let body: ArticleBody = json::parse(body)?;
    let given = body.translations.is_some();
    let given_versions = body.translations.unwrap_or_default();
    let translations = versions(WHAT, &given_versions, |field, text| {
        Ok(ArticleText {
            question: required_text(
                WHAT,
                &format!("{field}.question"),
                &text.question,
                MAX_QUESTION,
            )?,
            answer: required_text(WHAT, &format!("{field}.answer"), &text.answer, MAX_ANSWER)?,
        })
    })?;
    let article = NewArticle {
        question: required_text(WHAT, "question", &body.question, MAX_QUESTION)?,
        answer: required_text(WHAT, "answer", &body.answer, MAX_ANSWER)?,
        translations,
    };
    Ok((article, given))
}

#[utoipa::path(get, path = "/api/v1/sites/{site_id}/articles", operation_id = "list_articles", tag = "knowledge base", params(SitePath), security(("bearer" = [])), responses((status = 200, description = "The site's articles, oldest first: `{articles: [...]}`", body = super::docs::ArticleList), MemberOnly))]
async fn list_articles(
    state: web::Data<AppState>,
    scope: SiteScope,
) -> Result<HttpResponse, ApiError> {
    let articles = state.chat.articles(&scope.site).await?;
    Ok(HttpResponse::Ok().json(json!({ "articles": articles })))
}

#[utoipa::path(post, path = "/api/v1/sites/{site_id}/articles", operation_id = "create_article", tag = "knowledge base", params(SitePath), request_body = ArticleBody, security(("bearer" = [])), responses((status = 201, description = "Created", body = crate::store::Article), (status = 400, description = "Malformed JSON or a missing field", body = ErrorResponse), OwnerOnly, (status = 422, description = "Empty or too long; `field` names it", body = ErrorResponse)))]
async fn create_article(
    state: web::Data<AppState>,
    scope: OwnerScope,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let (new, _) = new_article(&body)?;
    let article = state.chat.create_article(&scope.site, new).await?;
    Ok(HttpResponse::Created().json(article))
}

#[utoipa::path(get, path = "/api/v1/sites/{site_id}/articles/{article_id}", operation_id = "get_article", tag = "knowledge base", params(SitePath, ("article_id" = String, Path, description = "Article id (art_…)")), security(("bearer" = [])), responses((status = 200, description = "The article", body = crate::store::Article), MemberOnly, (status = 404, description = "No such article on this site", body = ErrorResponse)))]
async fn get_article(
    state: web::Data<AppState>,
    scope: SiteScope,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let article = state
        .chat
        .article(&scope.site, &article_id(&path.1)?)
        .await?;
    Ok(HttpResponse::Ok().json(article))
}

#[utoipa::path(put, path = "/api/v1/sites/{site_id}/articles/{article_id}", operation_id = "replace_article", tag = "knowledge base", params(SitePath, ("article_id" = String, Path, description = "Article id (art_…)")), request_body = ArticleBody, security(("bearer" = [])), responses((status = 200, description = "Replaced", body = crate::store::Article), (status = 400, description = "Malformed JSON or a missing field", body = ErrorResponse), OwnerOnly, (status = 404, description = "No such article on this site", body = ErrorResponse), (status = 422, description = "Empty or too long; `field` names it", body = ErrorResponse)))]
async fn replace_article(
    state: web::Data<AppState>,
    scope: OwnerScope,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let id = article_id(&path.1)?;
    let (mut new, given) = new_article(&body)?;
    if !given {
        // A client that knows nothing of languages keeps the article's versions.
        new.translations = state.chat.article(&scope.site, &id).await?.translations;
    }
    let article = state.chat.update_article(&scope.site, &id, new).await?;
    Ok(HttpResponse::Ok().json(article))
}

#[utoipa::path(delete, path = "/api/v1/sites/{site_id}/articles/{article_id}", operation_id = "delete_article", tag = "knowledge base", params(SitePath, ("article_id" = String, Path, description = "Article id (art_…)")), security(("bearer" = [])), responses((status = 204, description = "Deleted"), OwnerOnly, (status = 404, description = "No such article on this site", body = ErrorResponse)))]
async fn delete_article(
    state: web::Data<AppState>,
    scope: OwnerScope,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let id = article_id(&path.1)?;
    state.chat.delete_article(&scope.site, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(post, path = "/api/v1/sites/{site_id}/conversations/{conversation_id}/canned-replies/{canned_id}/preview", operation_id = "preview_canned", tag = "canned replies", params(ConversationPath, ("canned_id" = String, Path, description = "Canned reply id (cr_…)")), security(("bearer" = [])), responses((status = 200, description = "`{text, canned_id, shortcut}`: the reply filled in with this conversation's shopper, cart, product, order and the calling agent", body = super::docs::CannedPreview), MemberOnly, (status = 404, description = "No such conversation or canned reply on this site", body = ErrorResponse), (status = 422, description = "The template failed to render (`field`: body)", body = ErrorResponse)))]
async fn preview_canned(
    state: web::Data<AppState>,
    scope: SiteScope,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, ApiError> {
    let conversation = scope.conversation(&state.chat, &path.1).await?;
    let reply = state
        .chat
        .canned_reply(&scope.site, &canned_id(&path.2)?)
        .await?;
    let text = state
        .chat
        .preview_canned(&conversation, &reply, &scope.caller.agent)
        .await?
        .map_err(|e| invalid("the canned reply", "body", format!("cannot render: {e}")))?;
    Ok(HttpResponse::Ok().json(json!({
        "text": text,
        "canned_id": reply.id,
        "shortcut": format!("/{}", reply.shortcut),
    })))
}

#[utoipa::path(get, path = "/api/v1/sites/{site_id}/conversations/{conversation_id}/suggestions", operation_id = "get_suggestions", tag = "canned replies", params(ConversationPath), security(("bearer" = [])), responses((status = 200, description = "`{query, suggestions: [{kind: canned|article, id, title, shortcut?, text, score}]}`: up to 5 canned replies (rendered for this conversation) and articles ranked against the shopper's last message; empty without one", body = super::docs::Suggestions), MemberOnly, (status = 404, description = "No such conversation on this site", body = ErrorResponse)))]
async fn suggestions(
    state: web::Data<AppState>,
    scope: SiteScope,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let conversation = scope.conversation(&state.chat, &path.1).await?;
    let Some((query, found)) = state
        .chat
        .suggestions(&conversation, &scope.caller.agent)
        .await?
    else {
        return Ok(HttpResponse::Ok().json(json!({ "query": null, "suggestions": [] })));
    };
    let items: Vec<Value> = found.iter().map(suggestion_view).collect();
    Ok(HttpResponse::Ok().json(json!({ "query": query, "suggestions": items })))
}

#[utoipa::path(post, path = "/api/v1/sites/{site_id}/conversations/{conversation_id}/draft", operation_id = "draft_reply", tag = "canned replies", params(ConversationPath), security(("bearer" = [])), responses((status = 200, description = "`{text, source: model|suggestion|none, articles: [{id, title}], orders: [number], fallback, draft_token}`: a draft for the composer (never sent by itself) from the language model grounded in this conversation, the best-matching articles and canned replies, the shopper's page and cart and the customer's orders; the best keyword suggestion when the model is off, busy, over budget, failing or its answer is unsafe (`fallback` says why). A model draft's `draft_token`, sent with the agent's message, counts it in the owners' report as sent unchanged or edited", body = super::docs::DraftAnswer), MemberOnly, (status = 404, description = "No such conversation on this site", body = ErrorResponse)))]
async fn draft(
    state: web::Data<AppState>,
    scope: SiteScope,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let conversation = scope.conversation(&state.chat, &path.1).await?;
    let draft = state
        .chat
        .draft_reply(&conversation, &scope.caller.agent)
        .await?;
    let source = match draft.source {
        DraftSource::Model => "model",
        DraftSource::Suggestion => "suggestion",
        DraftSource::None => "none",
    };
    let articles: Vec<Value> = draft
        .articles
        .iter()
        .map(|(id, title)| json!({ "id": id, "title": title }))
        .collect();
    Ok(HttpResponse::Ok().json(json!({
        "text": draft.text,
        "source": source,
        "articles": articles,
        "orders": draft.orders,
        "fallback": draft.fallback,
        "draft_token": draft.token,
    })))
}

#[utoipa::path(post, path = "/api/v1/sites/{site_id}/conversations/{conversation_id}/summary", operation_id = "summarise_conversation", tag = "canned replies", params(ConversationPath), security(("bearer" = [])), responses((status = 200, description = "`{text, intent, tone, orders, fallback}`: for the agent taking the chat over, a short summary, the shopper's intent (where_is_my_order, return, cancel, sizing, pre_sale, complaint, other), their tone (calm, upset, angry) and the order numbers meant, from the language model grounded as drafts are; empty with `fallback` saying why when there is none", body = super::docs::SummaryAnswer), MemberOnly, (status = 404, description = "No such conversation on this site", body = ErrorResponse)))]
async fn summary(
    state: web::Data<AppState>,
    scope: SiteScope,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let conversation = scope.conversation(&state.chat, &path.1).await?;
    let summary = state
        .chat
        .summarize(&conversation, &scope.caller.agent)
        .await?;
    Ok(HttpResponse::Ok().json(json!({
        "text": summary.text,
        "intent": summary.intent,
        "tone": summary.tone,
        "orders": summary.orders,
        "fallback": summary.fallback,
    })))
}

/// A suggestion as the dashboard lists it: a canned reply titled by its title (or shortcut)
/// with its rendered text, or an article titled by its question.
fn suggestion_view(suggestion: &Suggestion) -> Value {
    match suggestion {
        Suggestion::Canned { reply, text, score } => json!({
            "kind": "canned",
            "id": reply.id,
            "title": reply.title.clone().unwrap_or_else(|| format!("/{}", reply.shortcut)),
            "shortcut": format!("/{}", reply.shortcut),
            "text": text,
            "score": score,
        }),
        Suggestion::Article { article, score } => json!({
            "kind": "article",
            "id": article.id,
            "title": article.question,
            "text": article.answer,
            "score": score,
        }),
    }
}
