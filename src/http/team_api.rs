//! A site's team, managed by its owners: invite someone by email (a new account with a
//! one-time password, or an existing account added to the site, indistinguishably to the
//! inviter) and remove a member. Role, capacity and skills changes (per site: they belong to
//! the membership) are `PATCH …/agents/{agent_id}` in `conversations_api`.
//!
//! Every route checks ownership of the site in the path before reading the body, so another
//! site's agent learns nothing, not even whether an email has an account.

use super::conversations_api::{check_profile, parse_role};
use super::docs::{ErrorResponse, OwnerOnly, SitePath};
use super::error::conflict_on;
use super::{ApiError, OwnerScope, json};
use crate::auth::generate_password;
use crate::chat::Invitation as Invite;
use crate::domain::{AgentId, Email};
use crate::protocol::agent::AgentStatus;
use crate::state::AppState;
use crate::store::RoutingProfile;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/sites/{site_id}/agents", web::post().to(invite_agent))
        .route(
            "/sites/{site_id}/agents/{agent_id}",
            web::delete().to(remove_agent),
        );
}

/// Someone to add to the site's team.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct Invitation {
    /// Login email; an existing account with it is added to the site (keeping its password,
    /// name and other sites).
    email: String,
    /// Name shown to shoppers (1 to 100 characters); an existing account keeps its own.
    name: String,
    /// `agent` or `owner`.
    role: String,
    /// Chats of this site at once, 1 to 50 (default 3).
    #[serde(default)]
    capacity: Option<u32>,
    /// Teams and skills on this site, at most 20.
    #[serde(default)]
    skills: Option<Vec<String>>,
}

#[utoipa::path(post, path = "/api/v1/sites/{site_id}/agents", operation_id = "invite_agent", tag = "agents", params(SitePath), request_body = Invitation, security(("bearer" = [])), responses((status = 201, description = "`{agent, one_time_password}`, the same shape whether or not the email already has an account (the answer does not tell): `agent` as the invitation describes it (id, name, email, role, capacity, skills, status), `one_time_password` to hand over; a new account must change it at first login, an existing account signs in with its own password and the one-time password does nothing", body = super::docs::Invited), (status = 400, description = "A bad email, name, role, capacity or skill; `field` names it", body = ErrorResponse), OwnerOnly, (status = 409, description = "Already a member (`field`: email)", body = ErrorResponse)))]
async fn invite_agent(
    state: web::Data<AppState>,
    scope: OwnerScope,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let req: Invitation = json::parse(&body)?;
    let email = Email::parse(&req.email)
        .map_err(|e| ApiError::bad_request("invalid_field", e.to_string()).with_field("email"))?;
    let name = req.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(
            ApiError::bad_request("invalid_field", "must be 1 to 100 characters")
                .with_field("name"),
        );
    }
    let role = parse_role(&req.role)?;
    let profile = RoutingProfile {
        capacity: req.capacity.unwrap_or(RoutingProfile::DEFAULT_CAPACITY),
        skills: req.skills.unwrap_or_default(),
    };
    check_profile(profile.capacity, &profile.skills)?;
    // A password is generated and hashed whether or not the email has an account, so the
    // answer has the same shape (and takes as long) either way: the inviter cannot learn
    // whether someone has an account elsewhere. An existing account keeps its own password
    // (the generated one is dropped), its name and everything it has on other sites.
    let password = generate_password();
    let hash = state
        .passwords
        .hash(password.clone())
        .await
        .map_err(|e| match e {
            crate::auth::PasswordError::Busy => ApiError::busy(e.to_string()),
            other => ApiError::internal(other),
        })?;
    let invitation = Invite {
        email: email.clone(),
        name: name.to_owned(),
        role,
        profile: profile.clone(),
        password_hash: hash,
    };
    let agent = state
        .chat
        .invite(&scope.site, invitation)
        .await
        .map_err(conflict_on("email"))?;
    // Built from the invitation, not from the account: an existing account's name and
    // presence (which its other sites see) would tell the inviter that it exists.
    Ok(HttpResponse::Created().json(json!({
        "agent": {
            "id": agent,
            "name": name,
            "email": email,
            "role": role,
            "capacity": profile.capacity,
            "skills": profile.skills,
            "status": AgentStatus::Offline,
        },
        "one_time_password": password,
    })))
}

#[utoipa::path(delete, path = "/api/v1/sites/{site_id}/agents/{agent_id}", operation_id = "remove_agent", tag = "agents", params(SitePath, ("agent_id" = String, Path, description = "Agent id (ag_…)")), security(("bearer" = [])), responses((status = 204, description = "Removed from the site; the account stays for its other sites"), OwnerOnly, (status = 404, description = "Not a member of this site", body = ErrorResponse), (status = 409, description = "The site's last owner (`field`: agent_id)", body = ErrorResponse)))]
async fn remove_agent(
    state: web::Data<AppState>,
    scope: OwnerScope,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let agent = AgentId::parse(&path.1).map_err(|_| ApiError::not_found("agent"))?;
    state
        .chat
        .remove_member(&scope.site, &agent)
        .await
        .map_err(conflict_on("agent_id"))?;
    Ok(HttpResponse::NoContent().finish())
}
