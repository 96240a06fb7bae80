//! Email over HTTP. For a site's owners ([`OwnerScope`]: agents and other sites' owners get
//! 403): the site's email settings (with what this server can do), the delivery log, the
//! suppression list. For shoppers: the `List-Unsubscribe` link — `GET` shows a small page
//! with a button (a link scanner's `GET` unsubscribes nobody), `POST` is RFC 8058's one-click
//! and the button's target. The page is text escaped into fixed HTML.

use super::docs::{ErrorResponse, OwnerOnly, SitePath};
use super::{ApiError, OwnerScope, json};
use crate::chat::EmailSettingsView;
use crate::email::EmailSettings;
use crate::email::render::escape;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

/// The owners' routes, under `/api/v1`.
pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/sites/{site_id}/email", web::get().to(get_settings))
        .route("/sites/{site_id}/email", web::put().to(put_settings))
        .route("/sites/{site_id}/email/log", web::get().to(delivery_log))
        .route(
            "/sites/{site_id}/email/suppressions",
            web::get().to(suppressions),
        )
        .route(
            "/sites/{site_id}/email/suppressions/{email}",
            web::delete().to(remove_suppression),
        );
}

/// The shoppers' unsubscribe page, at the server's root.
pub(super) fn public_routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/mail/unsubscribe", web::get().to(unsubscribe_page))
        .route("/mail/unsubscribe", web::post().to(unsubscribe));
}

/// The path of a route about one suppressed address (documentation type).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
pub(super) struct SuppressionPath {
    /// Site id (site_…)
    site_id: String,
    /// The address (any case)
    email: String,
}

/// The unsubscribe link's query.
#[derive(Deserialize, utoipa::IntoParams)]
pub(super) struct UnsubscribeQuery {
    /// The signed token from the email's `List-Unsubscribe` link.
    t: String,
}

#[utoipa::path(get, path = "/api/v1/sites/{site_id}/email", operation_id = "get_email_settings", tag = "email", params(SitePath), security(("bearer" = [])), responses((status = 200, description = "The site's email settings and what this server can do (`server.smtp`: it can send; `server.inbound`: `imap`, `http`, `imap+http` or `none`)", body = EmailSettingsView), OwnerOnly))]
async fn get_settings(
    state: web::Data<AppState>,
    scope: OwnerScope,
) -> Result<HttpResponse, ApiError> {
    let view = state.chat.email_settings_view(&scope.site).await?;
    Ok(HttpResponse::Ok().json(view))
}

#[utoipa::path(put, path = "/api/v1/sites/{site_id}/email", operation_id = "put_email_settings", tag = "email", params(SitePath), request_body = EmailSettings, security(("bearer" = [])), responses((status = 200, description = "Saved", body = EmailSettingsView), (status = 400, description = "A field is invalid; `field` names it", body = ErrorResponse), OwnerOnly))]
async fn put_settings(
    state: web::Data<AppState>,
    scope: OwnerScope,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let settings: EmailSettings = json::parse(&body)?;
    let view = state.chat.set_email_settings(&scope.site, settings).await?;
    Ok(HttpResponse::Ok().json(view))
}

#[utoipa::path(get, path = "/api/v1/sites/{site_id}/email/log", operation_id = "get_email_log", tag = "email", params(SitePath), security(("bearer" = [])), responses((status = 200, description = "The delivery log, newest first, the last 200 attempts: `{entries: [...]}`", body = super::docs::EmailLog), OwnerOnly))]
async fn delivery_log(
    state: web::Data<AppState>,
    scope: OwnerScope,
) -> Result<HttpResponse, ApiError> {
    let entries = state.chat.email_log(&scope.site).await?;
    Ok(HttpResponse::Ok().json(json!({ "entries": entries })))
}

#[utoipa::path(get, path = "/api/v1/sites/{site_id}/email/suppressions", operation_id = "list_suppressions", tag = "email", params(SitePath), security(("bearer" = [])), responses((status = 200, description = "Addresses the site does not write to (bounced, unsubscribed), newest first: `{suppressions: [...]}`", body = super::docs::SuppressionList), OwnerOnly))]
async fn suppressions(
    state: web::Data<AppState>,
    scope: OwnerScope,
) -> Result<HttpResponse, ApiError> {
    let list = state.chat.email_suppressions(&scope.site).await?;
    Ok(HttpResponse::Ok().json(json!({ "suppressions": list })))
}

#[utoipa::path(delete, path = "/api/v1/sites/{site_id}/email/suppressions/{email}", operation_id = "remove_suppression", tag = "email", params(SuppressionPath), security(("bearer" = [])), responses((status = 204, description = "The site may write to the address again"), OwnerOnly, (status = 404, description = "The address is not on the list", body = ErrorResponse)))]
async fn remove_suppression(
    state: web::Data<AppState>,
    scope: OwnerScope,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    state.chat.remove_suppression(&scope.site, &path.1).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A small page: a title, a paragraph and, when asking, the button that confirms.
fn page(status: StatusCode, title: &str, text: &str, button: Option<&str>) -> HttpResponse {
    let form = button.map_or(String::new(), |token| {
        format!(
            "<form method=\"post\" action=\"unsubscribe?t={}\"><button type=\"submit\">\
             Unsubscribe</button></form>",
            escape(token)
        )
    });
    let body = format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{title}</title>\
         <meta name=\"viewport\" content=\"width=device-width\"></head>\
         <body style=\"font-family:sans-serif;max-width:32em;margin:3em auto\">\
         <h1 style=\"font-size:1.3em\">{title}</h1><p>{text}</p>{form}</body></html>",
        title = escape(title),
        text = escape(text),
    );
    HttpResponse::build(status)
        .insert_header((
            "Content-Security-Policy",
            "default-src 'none'; form-action 'self'",
        ))
        .insert_header(("Cache-Control", "no-store"))
        .content_type("text/html; charset=utf-8")
        .body(body)
}

fn bad_link() -> HttpResponse {
    page(
        StatusCode::BAD_REQUEST,
        "Unknown link",
        "This unsubscribe link is not valid. Please use the link from the email.",
        None,
    )
}

async fn unsubscribe_page(
    state: web::Data<AppState>,
    query: web::Query<UnsubscribeQuery>,
) -> Result<HttpResponse, ApiError> {
    Ok(match state.chat.unsubscribe_shop(&query.t).await? {
        Some(shop) => page(
            StatusCode::OK,
            "Unsubscribe",
            &format!("Stop emails from {shop}'s chat to this address?"),
            Some(&query.t),
        ),
        None => bad_link(),
    })
}

/// RFC 8058 one-click (`List-Unsubscribe=One-Click` in the body, ignored) and the page's
/// button.
async fn unsubscribe(
    state: web::Data<AppState>,
    query: web::Query<UnsubscribeQuery>,
) -> Result<HttpResponse, ApiError> {
    Ok(match state.chat.unsubscribe(&query.t).await? {
        Some(shop) => page(
            StatusCode::OK,
            "Unsubscribed",
            &format!("You will get no more emails from {shop}'s chat at this address."),
            None,
        ),
        None => bad_link(),
    })
}
