//! The authenticated agent behind a request: a Bearer JWT checked for signature, algorithm,
//! expiry, issuer and audience, then the account and its site memberships loaded, so every
//! site-scoped handler's [`SiteScope`](super::SiteScope) can check membership before touching a
//! site's data.

use super::ApiError;
use crate::domain::{Role, SiteId};
use crate::state::AppState;
use crate::store::{Agent, Membership};
use actix_web::{FromRequest, HttpRequest, dev::Payload, http::header, web};
use std::future::Future;
use std::pin::Pin;

/// An agent or owner with a valid token.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The account.
    pub agent: Agent,
    /// Its sites and roles.
    pub memberships: Vec<Membership>,
}

impl Caller {
    /// The caller's role on a site; 403 if it does not belong to the site.
    pub fn require_site(&self, site: &SiteId) -> Result<Role, ApiError> {
        self.memberships
            .iter()
            .find(|m| &m.site_id == site)
            .map(|m| m.role)
            .ok_or_else(|| ApiError::forbidden("you do not belong to this site"))
    }
}

async fn authenticate(
    state: web::Data<AppState>,
    header: Option<String>,
) -> Result<Caller, ApiError> {
    let header =
        header.ok_or_else(|| ApiError::unauthorized("missing Authorization: Bearer token"))?;
    let token = header
        .strip_prefix("Bearer ")
        .ok_or_else(|| ApiError::unauthorized("Authorization must be `Bearer <token>`"))?;
    // A token outlives nothing: a deleted account's tokens stop working at once, and so do
    // the tokens issued before the account's password changed.
    let agent_id = state.chat.token_holder(token).await.map_err(|e| match e {
        crate::chat::TokenRefused::Store(e) => ApiError::from(e),
        refused => ApiError::unauthorized(refused.to_string()),
    })?;
    let (agent, memberships) = state
        .chat
        .account(&agent_id)
        .await?
        .ok_or_else(|| ApiError::unauthorized("account no longer exists"))?;
    Ok(Caller { agent, memberships })
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Caller, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let header = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|h| h.to_str().ok())
            .map(str::to_owned);
        // A generated one-time password opens only the routes that replace it.
        let path = req.path();
        // Reading the account is fine; changing its name or email waits for a password of its own.
        let may_keep_one_time_password = (path == "/api/v1/me"
            && req.method() == actix_web::http::Method::GET)
            || path == "/api/v1/auth/password";
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::internal("application state missing"))?;
            let caller = authenticate(state, header).await?;
            if caller.agent.must_change_password && !may_keep_one_time_password {
                return Err(ApiError::forbidden_code(
                    "password_change_required",
                    "this account still has its one-time password; set your own with POST /api/v1/auth/password",
                ));
            }
            Ok(caller)
        })
    }
}
