//! Login and password change.

use super::docs::{ErrorResponse, SignedIn};
use super::{ApiError, Caller, json};
use crate::auth::{PasswordError, check_new_password};
use crate::chat::AccountError;
use crate::domain::Email;
use crate::guards::ClientAddr;
use crate::state::AppState;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::json;
use std::sync::OnceLock;

/// 503 `busy` for password work beyond the bound; other password errors are the server's.
pub(super) fn password_failure(e: PasswordError) -> ApiError {
    match e {
        PasswordError::Busy => ApiError::busy(e.to_string()),
        other => ApiError::internal(other),
    }
}

/// Checks the signed-in caller's own password before a change a stolen session alone must not
/// make (a new password, a new login email): 403 naming `current_password` when it is wrong.
pub(super) async fn verify_current_password(
    state: &AppState,
    caller: &Caller,
    password: String,
) -> Result<(), ApiError> {
    let creds = state
        .chat
        .credentials(&caller.agent.email)
        .await?
        .ok_or_else(|| ApiError::unauthorized("account no longer exists"))?;
    if state
        .passwords
        .verify(password, creds.password_hash)
        .await
        .map_err(password_failure)?
    {
        Ok(())
    } else {
        Err(ApiError::forbidden("current password is wrong").with_field("current_password"))
    }
}

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/auth/login", web::post().to(login))
        .route("/auth/password", web::post().to(change_password))
        .service(
            web::resource("/me")
                .route(web::get().to(me))
                .route(web::patch().to(super::profile_api::update_me)),
        )
        .service(
            web::resource("/me/avatar")
                .route(web::put().to(super::profile_api::set_avatar))
                .route(web::delete().to(super::profile_api::remove_avatar)),
        );
}

#[derive(Deserialize, utoipa::ToSchema)]
pub(super) struct LoginRequest {
    email: String,
    password: String,
}

/// A hash to verify against when the email is unknown, so a login for an unknown email takes
/// as long as one with a wrong password and does not reveal which accounts exist. Made once,
/// at start-up (see `startup`), so the first unknown-email login is not slower than the rest.
pub fn dummy_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| {
        use argon2::password_hash::{PasswordHasher, SaltString, rand_core::OsRng};
        let salt = SaltString::generate(&mut OsRng);
        argon2::Argon2::default()
            .hash_password(b"not-a-password", &salt)
            .map(|h| h.to_string())
            .unwrap_or_default()
    })
}

#[utoipa::path(post, path = "/api/v1/auth/login", operation_id = "login", tag = "auth", request_body = LoginRequest, responses((status = 200, description = "A token, its expiry (s since epoch) and the account", body = super::docs::LoginAnswer), (status = 400, description = "Malformed body; `field` names it", body = ErrorResponse), SignedIn, (status = 429, description = "Too many attempts from this address, or for this email (from this address, or from everywhere); `Retry-After` says when to try again", body = ErrorResponse), (status = 503, description = "`busy`: every password job is in use; retry after `Retry-After`", body = ErrorResponse)))]
async fn login(
    state: web::Data<AppState>,
    http: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let budgets = &state.logins;
    let addr = ClientAddr::from_request(&http, &state.settings.guards.trusted_proxies);
    if !budgets.per_addr.allow(&addr) {
        return Err(
            ApiError::too_many("too many login attempts from this address; wait a minute")
                .with_retry_after(budgets.retry[0]),
        );
    }
    let req: LoginRequest = json::parse(&body)?;
    let refused = || ApiError::unauthorized("wrong email or password");
    let email = Email::parse(&req.email)
        .map_err(|e| ApiError::bad_request("invalid_field", e.to_string()).with_field("email"))?;
    let key = email.to_string();
    if !budgets.per_email_addr.allow(&(key.clone(), addr)) {
        return Err(ApiError::too_many(
            "too many login attempts for this account from this address; wait a minute",
        )
        .with_retry_after(budgets.retry[1]));
    }
    if !budgets.per_email.allow(&key) {
        return Err(
            ApiError::too_many("too many login attempts for this account; wait a minute")
                .with_retry_after(budgets.retry[2]),
        );
    }
    // The job slot is taken before the account is looked up: "busy" must not depend on
    // whether the email exists.
    let job = state.passwords.reserve().await.map_err(password_failure)?;
    let found = state.chat.credentials(&email).await?;
    let hash = match &found {
        Some(creds) => creds.password_hash.clone(),
        None => tokio::task::spawn_blocking(|| dummy_hash().to_owned())
            .await
            .map_err(ApiError::internal)?,
    };
    let ok = job
        .verify(req.password, hash)
        .await
        .map_err(password_failure)?;
    let creds = found.filter(|_| ok).ok_or_else(refused)?;
    // Deleted meanwhile: the same answer as a wrong password.
    let issued = state
        .chat
        .issue_token(&creds.agent.id)
        .await
        .map_err(|e| match e {
            AccountError::Gone => refused(),
            other => other.into(),
        })?;
    Ok(HttpResponse::Ok().json(json!({
        "token": issued.token,
        "expires_at": issued.expires_at,
        "agent": creds.agent,
    })))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub(super) struct PasswordChange {
    current_password: String,
    new_password: String,
}

#[utoipa::path(post, path = "/api/v1/auth/password", operation_id = "change_password", tag = "auth", request_body = PasswordChange, security(("bearer" = [])), responses((status = 200, description = "Changed. Every token issued before (this one too) stops working and open dashboards are closed; the answer carries a new `token` and its `expires_at`", body = super::docs::NewToken), (status = 400, description = "`invalid_field`, `field: new_password`: too short, too long (over 128 characters), contains the account's email, or too easy to guess (the message says why)", body = ErrorResponse), SignedIn, (status = 403, description = "Current password wrong", body = ErrorResponse), (status = 503, description = "`busy`: every password job is in use; retry after `Retry-After`", body = ErrorResponse)))]
async fn change_password(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let req: PasswordChange = json::parse(&body)?;
    // The new password's rules first: cheap, and a refused one costs no hashing at all.
    check_new_password(&req.new_password, &caller.agent.email).map_err(|e| {
        ApiError::bad_request("invalid_field", e.to_string()).with_field("new_password")
    })?;
    verify_current_password(&state, &caller, req.current_password).await?;
    let hash = state
        .passwords
        .hash(req.new_password)
        .await
        .map_err(password_failure)?;
    // The old tokens are dead now; open sockets learn it when they re-authenticate, which
    // the reconnect makes them do at once (any site reaches all of the agent's sockets).
    let any_site = caller.memberships.first().map(|m| &m.site_id);
    let issued = state
        .chat
        .password_changed(&caller.agent.id, any_site, hash)
        .await?;
    Ok(HttpResponse::Ok().json(json!({ "token": issued.token, "expires_at": issued.expires_at })))
}

#[utoipa::path(get, path = "/api/v1/me", operation_id = "get_me", tag = "auth", security(("bearer" = [])), responses((status = 200, description = "The account and its site memberships", body = super::docs::MeAnswer), SignedIn))]
async fn me(caller: Caller) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "agent": caller.agent, "memberships": caller.memberships }))
}
