//! Login and password change.

use super::{ApiError, Caller, json};
use crate::auth::{hash_password, verify_password};
use crate::domain::Email;
use crate::startup::AppState;
use actix_web::{HttpResponse, web};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use serde::Deserialize;
use serde_json::json;
use std::num::NonZeroU32;
use std::sync::{Arc, OnceLock};

/// Login attempts per email per minute; slows password guessing to a crawl.
const LOGINS_PER_MINUTE: u32 = 10;
/// Tracked emails before old entries are swept; bounds the limiter's memory.
const MAX_TRACKED: usize = 10_000;

/// The login limiter, one per server. It lives in the application state, not in the route
/// set-up: that runs once per worker thread and would give each worker its own budget.
pub fn login_limiter() -> Arc<DefaultKeyedRateLimiter<String>> {
    let per_minute = NonZeroU32::new(LOGINS_PER_MINUTE).unwrap_or(NonZeroU32::MIN);
    Arc::new(RateLimiter::keyed(Quota::per_minute(per_minute)))
}

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/auth/login", web::post().to(login))
        .route("/auth/password", web::post().to(change_password))
        .route("/me", web::get().to(me));
}

#[derive(Deserialize, utoipa::ToSchema)]
pub(super) struct LoginRequest {
    email: String,
    password: String,
}

/// A hash to verify against when the email is unknown, so a login for an unknown email takes
/// as long as one with a wrong password and does not reveal which accounts exist.
fn dummy_hash() -> &'static str {
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

#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest, responses((status = 200, description = "A token, its expiry (s since epoch) and the account", body = Object), (status = 400, description = "Malformed body; `field` names it", body = crate::http::openapi::ErrorResponse), (status = 401, description = "No valid token", body = crate::http::openapi::ErrorResponse), (status = 429, description = "Too many attempts for this email", body = crate::http::openapi::ErrorResponse)))]
async fn login(state: web::Data<AppState>, body: web::Bytes) -> Result<HttpResponse, ApiError> {
    let limiter = &state.login_limiter;
    let req: LoginRequest = json::parse(&body)?;
    let refused = || ApiError::unauthorized("wrong email or password");
    let email = Email::parse(&req.email)
        .map_err(|e| ApiError::bad_request("invalid_field", e.to_string()).with_field("email"))?;
    if limiter.len() > MAX_TRACKED {
        limiter.retain_recent();
    }
    if limiter.check_key(&email.to_string()).is_err() {
        return Err(ApiError::too_many(
            "too many login attempts for this account; wait a minute",
        ));
    }
    let found = state.store.agent_credentials(&email).await?;
    let hash = match &found {
        Some(creds) => creds.password_hash.clone(),
        None => tokio::task::spawn_blocking(|| dummy_hash().to_owned())
            .await
            .map_err(ApiError::internal)?,
    };
    let ok = verify_password(req.password, hash)
        .await
        .map_err(ApiError::internal)?;
    let creds = found.filter(|_| ok).ok_or_else(refused)?;
    let (token, expires_at) = state
        .jwt
        .issue(&creds.agent.id)
        .map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok().json(json!({
        "token": token,
        "expires_at": expires_at,
        "agent": creds.agent,
    })))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub(super) struct PasswordChange {
    current_password: String,
    new_password: String,
}

#[utoipa::path(post, path = "/api/v1/auth/password", tag = "auth", request_body = PasswordChange, security(("bearer" = [])), responses((status = 204, description = "Changed"), (status = 400, description = "New password too short", body = crate::http::openapi::ErrorResponse), (status = 401, description = "No valid token", body = crate::http::openapi::ErrorResponse), (status = 403, description = "Current password wrong", body = crate::http::openapi::ErrorResponse)))]
async fn change_password(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let req: PasswordChange = json::parse(&body)?;
    let creds = state
        .store
        .agent_credentials(&caller.agent.email)
        .await?
        .ok_or_else(|| ApiError::unauthorized("account no longer exists"))?;
    if !verify_password(req.current_password, creds.password_hash)
        .await
        .map_err(ApiError::internal)?
    {
        return Err(ApiError::forbidden("current password is wrong").with_field("current_password"));
    }
    let hash = hash_password(req.new_password).await.map_err(|e| match e {
        crate::auth::PasswordError::TooShort(_) => {
            ApiError::bad_request("invalid_field", e.to_string()).with_field("new_password")
        }
        other => ApiError::internal(other),
    })?;
    state.store.set_password(&caller.agent.id, hash).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(get, path = "/api/v1/me", tag = "auth", security(("bearer" = [])), responses((status = 200, description = "The account and its site memberships", body = Object), (status = 401, description = "No valid token", body = crate::http::openapi::ErrorResponse)))]
async fn me(caller: Caller) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "agent": caller.agent, "memberships": caller.memberships }))
}
