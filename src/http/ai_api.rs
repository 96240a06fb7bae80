//! The agents' language-model helpers that are not drafts — translation between an agent and
//! a shopper who write different languages — and, for owners, the model's use today. Decodes, authorises (a member of the site),
//! calls the chat service and encodes; the service decides whether the model may be used.

use super::docs::{ConversationPath, ErrorResponse, MemberOnly, OwnerOnly, SitePath};
use super::{ApiError, OwnerScope, SiteScope, json};
use crate::chat::{TranslateSource, TranslateTarget};
use crate::state::AppState;
use crate::triggers::FieldError;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

/// The routes, under `/api/v1`.
pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/sites/{site_id}/conversations/{conversation_id}/translate",
        web::post().to(translate),
    )
    .route("/sites/{site_id}/ai-usage", web::get().to(ai_usage));
}

/// What to translate and into what.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct TranslateBody {
    /// A message of the conversation by its `seq` (a shopper's message to read)…
    #[serde(default)]
    seq: Option<u64>,
    /// …or text (the agent's reply to send); exactly one of the two.
    #[serde(default)]
    text: Option<String>,
    /// A language tag (`en`, `pt-BR`: the agent's), or `"shopper"`: the shopper's browser
    /// language.
    to: String,
}

#[utoipa::path(post, path = "/api/v1/sites/{site_id}/conversations/{conversation_id}/translate", tag = "canned replies", params(ConversationPath), request_body = TranslateBody, security(("bearer" = [])), responses((status = 200, description = "`{text, from, to, fallback}`: the translation by the language model (nothing is sent), or empty with `fallback` saying why (`ai_off`, `site_off`, `busy`, `over_budget`, `timeout`, `status`, `unreachable`, `malformed`, `invented_order`, `language_unknown`)", body = Object), (status = 400, description = "Malformed JSON or a field of the wrong type", body = ErrorResponse), MemberOnly, (status = 404, description = "No such conversation on this site", body = ErrorResponse), (status = 422, description = "Neither or both of `seq` and `text`, no such message, empty or too long text, or `to` not a language tag; `errors[].path` names the field", body = ErrorResponse)))]
pub(super) async fn translate(
    state: web::Data<AppState>,
    scope: SiteScope,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let body: TranslateBody = json::parse(&body)?;
    let source = match (body.seq, body.text) {
        (Some(seq), None) => TranslateSource::Message(seq),
        (None, Some(text)) => TranslateSource::Text(text),
        _ => return Err(invalid("seq", "give either seq or text")),
    };
    let target = if body.to == "shopper" {
        TranslateTarget::Shopper
    } else {
        TranslateTarget::Language(body.to)
    };
    let conversation = scope.conversation(&state.chat, &path.1).await?;
    let translated = state
        .chat
        .translate(&conversation, source, target)
        .await?
        .map_err(|e| invalid(e.field, e.message))?;
    Ok(HttpResponse::Ok().json(json!({
        "text": translated.text,
        "from": translated.from,
        "to": translated.to,
        "fallback": translated.fallback,
    })))
}

fn invalid(field: &str, message: &str) -> ApiError {
    ApiError::invalid(
        "the translation request",
        vec![FieldError::new(field, message)],
    )
}

#[utoipa::path(get, path = "/api/v1/sites/{site_id}/ai-usage", tag = "sites", params(SitePath), security(("bearer" = [])), responses((status = 200, description = "`{model, daily_requests, used_today}`: the server's language model, the site's daily budget of calls and the calls counted today (UTC, all nodes); `model` null when the server has none", body = Object), OwnerOnly))]
pub(super) async fn ai_usage(
    state: web::Data<AppState>,
    scope: OwnerScope,
) -> Result<HttpResponse, ApiError> {
    let usage = state.chat.ai_usage(&scope.site).await?;
    Ok(HttpResponse::Ok().json(match usage {
        Some(u) => json!({ "model": u.model, "daily_requests": u.daily_requests, "used_today": u.used_today }),
        None => json!({ "model": null, "daily_requests": 0, "used_today": 0 }),
    }))
}
