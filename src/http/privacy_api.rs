//! Data-subject rights and retention over HTTP, for a site's owners only ([`OwnerScope`]:
//! agents get 403, other sites' owners 403): export and erase everything the site holds
//! about one person (`{"visitor_id"|"email"|"customer_id": …}`, exactly one, else 422 naming
//! the field), the audit of who did, and the site's retention periods.

use super::docs::{ErrorResponse, OwnerOnly, SitePath};
use super::{ApiError, OwnerScope, json};
use crate::privacy::{Actor, AuditEntry, Counts, RetentionSettings, SubjectRequest};
use crate::state::AppState;
use crate::triggers::FieldError;
use actix_web::{HttpResponse, web};
use serde_json::json;

/// The owners' routes, under `/api/v1`.
pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/sites/{site_id}/privacy", web::get().to(get_settings))
        .route("/sites/{site_id}/privacy", web::put().to(put_settings))
        .route("/sites/{site_id}/privacy/export", web::post().to(export))
        .route("/sites/{site_id}/privacy/erase", web::post().to(erase))
        .route("/sites/{site_id}/privacy/audit", web::get().to(audit));
}

/// The subject of a request body, or 422 naming the field at fault.
fn subject(body: &[u8]) -> Result<crate::privacy::Subject, ApiError> {
    let request: SubjectRequest = json::parse(body)?;
    request.subject().map_err(|e| {
        ApiError::invalid("the subject", vec![FieldError::new(e.field, e.message)])
            .with_field(e.field)
    })
}

/// Who is asking, for the audit.
fn actor(scope: &OwnerScope) -> Actor {
    Actor::Agent {
        id: scope.caller.agent.id.clone(),
        email: scope.caller.agent.email.as_str().to_owned(),
    }
}

#[utoipa::path(post, path = "/api/v1/sites/{site_id}/privacy/export", operation_id = "export_personal_data", tag = "privacy", params(SitePath), request_body = SubjectRequest, security(("bearer" = [])), responses((status = 200, description = "Everything the site holds about the person, as one JSON document: `visitors` (each with `browsing` state and `conversations` with `messages`, `notes`, `inbound_emails`), `customers`, `orders`, `order_requests`, `emails` (outbox rows), `suppressions`. Audited.", body = super::docs::ExportView), (status = 400, description = "The body is not JSON or has an unknown field", body = ErrorResponse), (status = 422, description = "Not exactly one of `visitor_id`, `email`, `customer_id`, or it does not parse; `field` names it", body = ErrorResponse), OwnerOnly))]
async fn export(
    state: web::Data<AppState>,
    scope: OwnerScope,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let subject = subject(&body)?;
    let doc = state
        .chat
        .privacy_export(&scope.site, &subject, actor(&scope))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((
            "Content-Disposition",
            "attachment; filename=\"shopchat-export.json\"",
        ))
        .json(doc))
}

#[utoipa::path(post, path = "/api/v1/sites/{site_id}/privacy/erase", operation_id = "erase_personal_data", tag = "privacy", params(SitePath), request_body = SubjectRequest, security(("bearer" = [])), responses((status = 200, description = "Erased (idempotent: a second call removes nothing); what went: `{erased: Counts}`. Audited.", body = super::docs::Erased), (status = 400, description = "The body is not JSON or has an unknown field", body = ErrorResponse), (status = 422, description = "Not exactly one of `visitor_id`, `email`, `customer_id`, or it does not parse; `field` names it", body = ErrorResponse), OwnerOnly))]
async fn erase(
    state: web::Data<AppState>,
    scope: OwnerScope,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let subject = subject(&body)?;
    let counts: Counts = state
        .chat
        .privacy_erase(&scope.site, &subject, actor(&scope))
        .await?;
    Ok(HttpResponse::Ok().json(json!({ "erased": counts })))
}

#[utoipa::path(get, path = "/api/v1/sites/{site_id}/privacy/audit", operation_id = "get_privacy_audit", tag = "privacy", params(SitePath), security(("bearer" = [])), responses((status = 200, description = "Exports and erasures, newest first, at most 500: `{entries: [AuditEntry]}` (an email subject only as `sha256:` of `SITE:ADDRESS`)", body = super::docs::AuditList), OwnerOnly))]
async fn audit(state: web::Data<AppState>, scope: OwnerScope) -> Result<HttpResponse, ApiError> {
    let entries: Vec<AuditEntry> = state.chat.privacy_audit(&scope.site).await?;
    Ok(HttpResponse::Ok().json(json!({ "entries": entries })))
}

#[utoipa::path(get, path = "/api/v1/sites/{site_id}/privacy", operation_id = "get_privacy_settings", tag = "privacy", params(SitePath), security(("bearer" = [])), responses((status = 200, description = "The site's retention periods (defaults: browsing 90 days, closed conversations 365 days)", body = RetentionSettings), OwnerOnly))]
async fn get_settings(
    state: web::Data<AppState>,
    scope: OwnerScope,
) -> Result<HttpResponse, ApiError> {
    let periods = state.chat.retention_settings(&scope.site).await?;
    Ok(HttpResponse::Ok().json(periods))
}

#[utoipa::path(put, path = "/api/v1/sites/{site_id}/privacy", operation_id = "put_privacy_settings", tag = "privacy", params(SitePath), request_body = RetentionSettings, security(("bearer" = [])), responses((status = 200, description = "Saved", body = RetentionSettings), (status = 400, description = "Not JSON, a field missing or of the wrong type; `field` names it", body = ErrorResponse), (status = 422, description = "A period is not 1 to 3650 days; `field` names it", body = ErrorResponse), OwnerOnly))]
async fn put_settings(
    state: web::Data<AppState>,
    scope: OwnerScope,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let periods: RetentionSettings = json::parse(&body)?;
    if let Err((field, message)) = periods.validate() {
        return Err(ApiError::invalid(
            "the retention settings",
            vec![FieldError::new(field, message)],
        )
        .with_field(field));
    }
    let saved = state
        .chat
        .set_retention_settings(&scope.site, periods)
        .await?;
    Ok(HttpResponse::Ok().json(saved))
}
