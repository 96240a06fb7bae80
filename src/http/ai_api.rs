//! The agents' language-model helpers that are not drafts — translation between an agent and
//! a shopper who write different languages — and, for owners, the model's use today. Decodes, authorises (a member of the site),
//! calls the chat service and encodes; the service decides whether the model may be used.

use super::docs::{ConversationPath, ErrorResponse, MemberOnly, OwnerOnly, SitePath};
use super::{ApiError, OwnerScope, SiteScope, json};
use crate::chat::{ProviderChange, ProviderView, TranslateSource, TranslateTarget};
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
    .route("/sites/{site_id}/ai-usage", web::get().to(ai_usage))
    .route("/sites/{site_id}/ai-provider", web::get().to(get_provider))
    .route("/sites/{site_id}/ai-provider", web::put().to(put_provider));
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

#[utoipa::path(post, path = "/api/v1/sites/{site_id}/conversations/{conversation_id}/translate", operation_id = "translate_message", tag = "canned replies", params(ConversationPath), request_body = TranslateBody, security(("bearer" = [])), responses((status = 200, description = "`{text, from, to, fallback}`: the translation by the language model (nothing is sent), or empty with `fallback` saying why (`ai_off`, `site_off`, `busy`, `over_budget`, `timeout`, `status`, `unreachable`, `malformed`, `invented_order`, `language_unknown`)", body = super::docs::TranslationAnswer), (status = 400, description = "Malformed JSON or a field of the wrong type", body = ErrorResponse), MemberOnly, (status = 404, description = "No such conversation on this site", body = ErrorResponse), (status = 422, description = "Neither or both of `seq` and `text`, no such message, empty or too long text, or `to` not a language tag; `errors[].path` names the field", body = ErrorResponse)))]
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

#[utoipa::path(get, path = "/api/v1/sites/{site_id}/ai-usage", operation_id = "get_ai_usage", tag = "sites", params(SitePath), security(("bearer" = [])), responses((status = 200, description = "`{model, own_provider, daily_requests, used_today}`: the language model the site uses (its own provider, else the server's), the daily budget of calls and the calls counted today (UTC, all nodes); `model` null when the server has none", body = super::docs::AiUsageAnswer), OwnerOnly))]
pub(super) async fn ai_usage(
    state: web::Data<AppState>,
    scope: OwnerScope,
) -> Result<HttpResponse, ApiError> {
    let usage = state.chat.ai_usage(&scope.site).await?;
    Ok(HttpResponse::Ok().json(match usage {
        Some(u) => json!({ "model": u.model, "own_provider": u.own_provider, "daily_requests": u.daily_requests, "used_today": u.used_today }),
        None => json!({ "model": null, "own_provider": false, "daily_requests": 0, "used_today": 0 }),
    }))
}

fn provider_json(view: Option<ProviderView>) -> serde_json::Value {
    match view {
        Some(v) => {
            json!({ "base_url": v.base_url, "model": v.model, "api_key_set": v.api_key_set })
        }
        None => json!({ "base_url": null, "model": null, "api_key_set": false }),
    }
}

#[utoipa::path(get, path = "/api/v1/sites/{site_id}/ai-provider", operation_id = "get_ai_provider", tag = "sites", params(SitePath), security(("bearer" = [])), responses((status = 200, description = "`{base_url, model, api_key_set}`: the site's own language model (all null: it uses the server's); never the key", body = super::docs::AiProviderAnswer), OwnerOnly))]
pub(super) async fn get_provider(
    state: web::Data<AppState>,
    scope: OwnerScope,
) -> Result<HttpResponse, ApiError> {
    let view = state.chat.site_provider(&scope.site).await?;
    Ok(HttpResponse::Ok().json(provider_json(view)))
}

#[utoipa::path(put, path = "/api/v1/sites/{site_id}/ai-provider", operation_id = "put_ai_provider", tag = "sites", params(SitePath), request_body(content = super::docs::AiProviderChange, description = "`{base_url, model, api_key}`: an OpenAI-compatible base URL (https, or http when the server allows http webhooks) and model; `api_key` left out keeps the stored key, `null` removes it. `base_url: null` removes the site's provider (the server's model is used again)."), security(("bearer" = [])), responses((status = 200, description = "The provider as it is now (`api_key_set`, never the key)", body = super::docs::AiProviderAnswer), (status = 400, description = "Malformed JSON, an unknown field or a bad value; `field` names it", body = ErrorResponse), OwnerOnly))]
pub(super) async fn put_provider(
    state: web::Data<AppState>,
    scope: OwnerScope,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let change = provider_change(&body)?;
    let view = state
        .chat
        .set_site_provider(&scope.site, change)
        .await?
        .map_err(|(field, why)| ApiError::bad_request("invalid_field", why).with_field(field))?;
    Ok(HttpResponse::Ok().json(provider_json(view)))
}

/// The change an owner's body asks for: `api_key` absent and `null` mean different things,
/// so the body is read as a map.
fn provider_change(body: &[u8]) -> Result<ProviderChange, ApiError> {
    let map: serde_json::Map<String, serde_json::Value> = json::parse(body)?;
    let field_error = |field: &str, why: &str| {
        ApiError::bad_request("invalid_field", why.to_owned()).with_field(field.to_owned())
    };
    if let Some(unknown) = map
        .keys()
        .find(|k| !["base_url", "model", "api_key"].contains(&k.as_str()))
    {
        return Err(field_error(unknown, "is not a field of the provider"));
    }
    let text = |field: &str| -> Result<Option<String>, ApiError> {
        match map.get(field) {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(serde_json::Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(field_error(field, "must be a string or null")),
        }
    };
    let endpoint = match (text("base_url")?, text("model")?) {
        (None, _) => None,
        (Some(url), Some(model)) => Some((url, model)),
        (Some(_), None) => return Err(field_error("model", "is needed with base_url")),
    };
    let api_key = match map.get("api_key") {
        None => None,
        Some(_) => Some(text("api_key")?),
    };
    Ok(ProviderChange { endpoint, api_key })
}
