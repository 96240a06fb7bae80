//! Email in over HTTP: `POST /api/v1/mail/inbound` takes one raw RFC 822 mail from an MTA
//! pipe (Postfix `pipe` + `curl --data-binary @-`) or a provider's inbound webhook that
//! forwards raw MIME, behind `Authorization: Bearer <mail.inbound_secret>` (the route
//! answers 404 while no secret is configured). The secret is checked before a byte of the
//! body is read, and the body is read only up to `mail.max_inbound_bytes`. Agents read a
//! conversation's emails (sender, subject, the whole original) at
//! `GET /api/v1/sites/{site_id}/conversations/{conversation_id}/emails`.

use super::docs::{ConversationPath, ErrorResponse, MemberOnly};
use super::{ApiError, SiteScope};
use crate::chat::{InboundOutcome, InboundRefusal};
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::StreamExt;
use serde_json::json;
use subtle::ConstantTimeEq;

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/mail/inbound", web::post().to(inbound)).route(
        "/sites/{site_id}/conversations/{conversation_id}/emails",
        web::get().to(emails),
    );
}

/// An error in the API's shape (`{"error": {code, message, field}}`) for the statuses
/// `ApiError` has no constructor for.
fn refusal(status: StatusCode, code: &str, message: &str, field: Option<&str>) -> HttpResponse {
    let mut error = json!({ "code": code, "message": message });
    if let Some(field) = field {
        error["field"] = json!(field);
    }
    HttpResponse::build(status).json(json!({ "error": error }))
}

fn too_large(max: usize) -> HttpResponse {
    refusal(
        StatusCode::PAYLOAD_TOO_LARGE,
        "too_large",
        &format!("the mail is larger than {max} bytes"),
        Some("body"),
    )
}

/// Whether the request carries the configured secret (compared in constant time).
fn authorised(req: &HttpRequest, secret: &str) -> bool {
    let given = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    given.as_bytes().ct_eq(secret.as_bytes()).into()
}

#[utoipa::path(post, path = "/api/v1/mail/inbound", operation_id = "receive_inbound_mail", tag = "email", params(("Authorization" = String, Header, description = "`Bearer <--inbound-mail-secret>`")), request_body(content = String, content_type = "message/rfc822", description = "One raw RFC 822 mail (also application/octet-stream)"), responses((status = 202, description = "`{result: appended | duplicate | bounce | ignored}`", body = super::docs::InboundAnswer), (status = 401, description = "Missing or wrong secret: nothing read", body = ErrorResponse), (status = 404, description = "No inbound secret configured: the endpoint is off", body = ErrorResponse), (status = 413, description = "Larger than --max-inbound-mail-bytes", body = ErrorResponse), (status = 422, description = "Not threaded to a conversation that takes mail (no or unknown token, email off) or not a mail; `field` names why", body = ErrorResponse)))]
async fn inbound(
    state: web::Data<AppState>,
    req: HttpRequest,
    mut payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let Some(secret) = state.settings.mail.inbound_secret.as_deref() else {
        return Err(ApiError::not_found("route"));
    };
    if !authorised(&req, secret) {
        return Err(ApiError::unauthorized(
            "a valid inbound mail secret is needed",
        ));
    }
    let max = state.settings.mail.max_inbound_bytes;
    let declared = req
        .headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > max) {
        return Ok(too_large(max));
    }
    let mut raw = web::BytesMut::with_capacity(declared.unwrap_or(8192).min(max));
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| ApiError::bad_request("invalid_body", e.to_string()))?;
        if raw.len() + chunk.len() > max {
            return Ok(too_large(max));
        }
        raw.extend_from_slice(&chunk);
    }
    let outcome = state.chat.receive_email(&raw).await?;
    let (message, field) = match outcome {
        InboundOutcome::Refused(InboundRefusal::TooLarge) => return Ok(too_large(max)),
        InboundOutcome::Refused(InboundRefusal::Unreadable) => ("the body is not a mail", "body"),
        InboundOutcome::Refused(InboundRefusal::NoThread) => (
            "no thread token in the recipients, In-Reply-To or References",
            "to",
        ),
        InboundOutcome::Refused(InboundRefusal::UnknownThread) => {
            ("the thread token names no conversation", "to")
        }
        InboundOutcome::Refused(InboundRefusal::EmailOff) => {
            ("the site has switched email off", "to")
        }
        other => {
            return Ok(HttpResponse::Accepted().json(json!({ "result": other.as_str() })));
        }
    };
    Ok(refusal(
        StatusCode::UNPROCESSABLE_ENTITY,
        outcome_code(field),
        message,
        Some(field),
    ))
}

/// The error code of a 422.
fn outcome_code(field: &str) -> &'static str {
    if field == "body" {
        "unreadable"
    } else {
        "unthreaded"
    }
}

#[utoipa::path(get, path = "/api/v1/sites/{site_id}/conversations/{conversation_id}/emails", operation_id = "list_conversation_emails", tag = "email", params(ConversationPath), security(("bearer" = [])), responses((status = 200, description = "`{emails: [InboundRecord], undeliverable: Suppression | null}`: the shopper's emails that became messages (sender, `other_sender`, subject, the whole original) oldest first, and whether the contact address bounced", body = super::docs::ConversationEmails), MemberOnly, (status = 404, description = "No such conversation on this site", body = ErrorResponse)))]
async fn emails(
    state: web::Data<AppState>,
    scope: SiteScope,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let conv = scope.conversation(&state.chat, &path.1).await?;
    let (emails, undeliverable) = state.chat.conversation_emails(&conv).await?;
    Ok(HttpResponse::Ok().json(json!({ "emails": emails, "undeliverable": undeliverable })))
}
