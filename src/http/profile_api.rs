//! `PATCH /api/v1/me`: an account changes its own display name (what shoppers see) and login
//! email. Decodes and checks the body, verifies the password for an email change, and hands
//! the change to the application layer. `PUT`/`DELETE /api/v1/me/avatar`: its picture.

use super::auth_routes::verify_current_password;
use super::docs::{ErrorResponse, SignedIn};
use super::error::conflict_on;
use super::{ApiError, Caller, json};
use crate::domain::{Email, display_name};
use crate::state::AppState;
use crate::store::AccountChange;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

/// The fields an account may change about itself; an absent field stays as it is.
#[derive(Deserialize, utoipa::ToSchema)]
pub(super) struct ProfileChange {
    /// 1 to 60 characters once trimmed, no control characters.
    display_name: Option<String>,
    /// The new login email; needs `current_password`.
    email: Option<String>,
    /// The account's password, required to change the email (a stolen session alone must
    /// not be enough to take the account over through a password reset to a new address).
    current_password: Option<String>,
}

#[utoipa::path(patch, path = "/api/v1/me", operation_id = "update_me", tag = "auth", request_body = ProfileChange, security(("bearer" = [])), responses((status = 200, description = "Changed (or nothing to change): the account as it now is and its site memberships. Shoppers see the new name from the next message or status frame on", body = super::docs::MeAnswer), (status = 400, description = "`invalid_field`: `display_name` empty, over 60 characters or with a control character; `email` not an address; `current_password` missing for an email change", body = ErrorResponse), SignedIn, (status = 403, description = "`current_password` is wrong, or the account still has its one-time password (`password_change_required`)", body = ErrorResponse), (status = 409, description = "`conflict`, `field: email`: another account has this email", body = ErrorResponse), (status = 503, description = "`busy`: every password job is in use; retry after `Retry-After`", body = ErrorResponse)))]
pub(super) async fn update_me(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let req: ProfileChange = json::parse(&body)?;
    let invalid = |field: &'static str, message: String| {
        ApiError::bad_request("invalid_field", message).with_field(field)
    };
    let mut change = AccountChange::default();
    if let Some(name) = &req.display_name {
        change.display_name =
            Some(display_name(name).map_err(|e| invalid("display_name", e.to_string()))?);
    }
    if let Some(email) = &req.email {
        let email = Email::parse(email).map_err(|e| invalid("email", e.to_string()))?;
        // The same address (in any case) is no change and needs no password.
        if email != caller.agent.email {
            change.email = Some(email);
        }
    }
    if change.email.is_some() {
        let password = req.current_password.ok_or_else(|| {
            invalid(
                "current_password",
                "changing the email needs current_password".into(),
            )
        })?;
        verify_current_password(&state, &caller, password).await?;
    }
    let agent = state
        .chat
        .update_account(&caller.agent.id, change)
        .await
        .map_err(conflict_on("email"))?;
    Ok(HttpResponse::Ok().json(json!({ "agent": agent, "memberships": caller.memberships })))
}

/// Sets the caller's avatar from the body's bytes (JPEG, PNG or WebP, at most 512 KiB).
#[utoipa::path(put, path = "/api/v1/me/avatar", operation_id = "set_my_avatar", tag = "auth", request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "The picture's bytes; the type is sniffed from them"), security(("bearer" = [])), responses((status = 200, description = "The account with its new `avatar` path; shoppers see it from the next status frame on", body = super::docs::MeAnswer), (status = 400, description = "An image that does not parse", body = ErrorResponse), SignedIn, (status = 413, description = "Larger than 512 KiB (refused before the body is read when Content-Length says so)", body = ErrorResponse), (status = 415, description = "Not a JPEG, PNG or WebP", body = ErrorResponse), (status = 503, description = "Every upload slot of this node is in use; retry after `Retry-After`", body = ErrorResponse)))]
pub(super) async fn set_avatar(
    state: web::Data<AppState>,
    caller: Caller,
    req: actix_web::HttpRequest,
    mut body: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let max = crate::chat::AVATAR_MAX_BYTES;
    let too_large = || ApiError::from(crate::chat::UploadRefused::TooLarge { max });
    let (bytes, _slot) =
        super::files_api::read_capped(&state, &req, &mut body, max, too_large).await?;
    let agent = state.chat.set_avatar(&caller.agent.id, bytes).await?;
    Ok(HttpResponse::Ok().json(json!({ "agent": agent, "memberships": caller.memberships })))
}

/// Takes the caller's avatar away.
#[utoipa::path(delete, path = "/api/v1/me/avatar", operation_id = "remove_my_avatar", tag = "auth", security(("bearer" = [])), responses((status = 200, description = "The account without `avatar`; the old picture's path is 404 from now on", body = super::docs::MeAnswer), SignedIn))]
pub(super) async fn remove_avatar(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let agent = state.chat.remove_avatar(&caller.agent.id).await?;
    Ok(HttpResponse::Ok().json(json!({ "agent": agent, "memberships": caller.memberships })))
}
