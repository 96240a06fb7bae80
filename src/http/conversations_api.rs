//! Conversations for agents over REST: list and filter, transcript with internal notes,
//! notes, the site's chat settings, and its agents' routing profiles. Every route checks the
//! caller's membership of the site in the path, then that the conversation or agent it names
//! belongs to that site (404 otherwise, never a leak).

use super::docs::{
    ConversationList, ConversationPath, ErrorResponse, MemberOnly, OwnerOnly, SitePath,
};
use super::error::conflict_on;
use super::{ApiError, OwnerScope, SiteScope, json};
use crate::chat::{MemberChange, TranscriptEntry};
use crate::conversation::lifecycle::Stage;
use crate::conversation::settings::valid_tag;
use crate::conversation::{ChatSettings, ConversationFilter};
use crate::domain::{AgentId, MessageText, Role, Timestamp, VisitorId};
use crate::protocol::agent::AgentStatus;
use crate::state::AppState;
use crate::store::{RoutingProfile, SiteAgent};
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/sites/{site_id}/conversations",
        web::get().to(list_conversations),
    )
    .route(
        "/sites/{site_id}/conversations/{conversation_id}/transcript",
        web::get().to(transcript),
    )
    .route(
        "/sites/{site_id}/conversations/{conversation_id}/notes",
        web::post().to(add_note),
    )
    .route(
        "/sites/{site_id}/chat-settings",
        web::get().to(get_settings),
    )
    .route(
        "/sites/{site_id}/chat-settings",
        web::put().to(put_settings),
    )
    .route("/sites/{site_id}/agents", web::get().to(list_agents))
    .route(
        "/sites/{site_id}/agents/{agent_id}",
        web::patch().to(update_agent),
    );
}

#[derive(Deserialize)]
struct ListQuery {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    agent: Option<String>,
    #[serde(default)]
    tag: Option<String>,
    #[serde(default)]
    from: Option<i64>,
    #[serde(default)]
    to: Option<i64>,
    #[serde(default)]
    q: Option<String>,
    #[serde(default)]
    visitor: Option<String>,
    #[serde(default)]
    limit: Option<u32>,
}

#[utoipa::path(get, path = "/api/v1/sites/{site_id}/conversations", operation_id = "list_conversations", tag = "conversations", params(SitePath, ("status" = Option<String>, Query, description = "bot, queued, assigned, closed, or open (not closed); comma-separated"), ("agent" = Option<String>, Query, description = "Assigned to this agent id, or `me`"), ("tag" = Option<String>, Query, description = "With this tag"), ("from" = Option<i64>, Query, description = "Created at or after (ms since the epoch)"), ("to" = Option<i64>, Query, description = "Created before (ms since the epoch)"), ("q" = Option<String>, Query, description = "A message holds these words, in any order, ignoring case and accents, the last one as a prefix; 1 or 2 characters: this text anywhere in a message"), ("visitor" = Option<String>, Query, description = "Only this visitor's (v_…)"), ("limit" = Option<u32>, Query, description = "1 to 200, default 50")), security(("bearer" = [])), responses((status = 200, description = "Most recently active first", body = ConversationList), (status = 400, description = "A bad filter, named", body = ErrorResponse), MemberOnly))]
async fn list_conversations(
    state: web::Data<AppState>,
    scope: SiteScope,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let bad = |field: &str, message: &str| {
        ApiError::bad_request("invalid_field", message.to_owned()).with_field(field)
    };
    let mut stages = Vec::new();
    if let Some(status) = &query.status {
        for s in status.split(',').map(str::trim) {
            match s {
                "open" => stages.extend(["bot", "queued", "assigned"]),
                other => stages.push(Stage::is_name(other).ok_or_else(|| {
                    bad("status", "must be bot, queued, assigned, closed or open")
                })?),
            }
        }
    }
    let agent = match query.agent.as_deref() {
        None => None,
        Some("me") => Some(scope.caller.agent.id.clone()),
        Some(a) => Some(AgentId::parse(a).map_err(|e| bad("agent", &e.to_string()))?),
    };
    if let Some(tag) = &query.tag
        && !valid_tag(tag)
    {
        return Err(bad("tag", "a tag is 1 to 40 of a-z, 0-9, `_`, `-`"));
    }
    let text = match query.q.as_deref().map(str::trim) {
        Some(q) if q.chars().count() > 200 => return Err(bad("q", "at most 200 characters")),
        Some("") | None => None,
        Some(q) => Some(q.to_owned()),
    };
    let visitor = query
        .visitor
        .as_deref()
        .map(VisitorId::parse)
        .transpose()
        .map_err(|e| bad("visitor", &e.to_string()))?;
    let filter = ConversationFilter {
        site: Some(scope.site.clone()),
        visitor,
        stages,
        agent,
        tag: query.tag.clone(),
        from: query.from.map(Timestamp),
        to: query.to.map(Timestamp),
        text,
        limit: query.limit.unwrap_or(50).clamp(1, 200),
        active_before: None,
    };
    let conversations = state.chat.find_conversations(&filter).await?;
    Ok(HttpResponse::Ok().json(json!({ "conversations": conversations })))
}

#[utoipa::path(get, path = "/api/v1/sites/{site_id}/conversations/{conversation_id}/transcript", operation_id = "get_transcript", tag = "conversations", params(ConversationPath), security(("bearer" = [])), responses((status = 200, description = "The conversation, then messages and internal notes in time order (`kind`: message or note)", body = super::docs::Transcript), MemberOnly, (status = 404, description = "No such conversation on this site", body = ErrorResponse)))]
async fn transcript(
    state: web::Data<AppState>,
    scope: SiteScope,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let conv = scope.conversation(&state.chat, &path.1).await?;
    let entries: Vec<serde_json::Value> = state
        .chat
        .transcript(&conv)
        .await?
        .into_iter()
        .map(|entry| {
            let (v, kind) = match entry {
                TranscriptEntry::Message(m) => (serde_json::to_value(m), "message"),
                TranscriptEntry::Note(n) => (serde_json::to_value(n), "note"),
            };
            let mut v = v.unwrap_or_default();
            v["kind"] = json!(kind);
            v
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({ "conversation": conv, "entries": entries })))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct NewNote {
    text: String,
}

#[utoipa::path(post, path = "/api/v1/sites/{site_id}/conversations/{conversation_id}/notes", operation_id = "add_note", tag = "conversations", params(ConversationPath), request_body = NewNote, security(("bearer" = [])), responses((status = 201, description = "The note; agents see it live, the shopper never", body = super::docs::NoteAnswer), (status = 400, description = "Bad text", body = ErrorResponse), MemberOnly, (status = 404, description = "No such conversation on this site", body = ErrorResponse)))]
async fn add_note(
    state: web::Data<AppState>,
    scope: SiteScope,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let conv = scope.conversation(&state.chat, &path.1).await?;
    let req: NewNote = json::parse(&body)?;
    let text = MessageText::parse(&req.text, state.settings.limits.max_message_chars)
        .map_err(|e| ApiError::bad_request("invalid_field", e.to_string()).with_field("text"))?;
    let note = state.chat.note(&conv, &scope.caller.agent.id, text).await?;
    Ok(HttpResponse::Created().json(json!({ "note": note })))
}

#[utoipa::path(get, path = "/api/v1/sites/{site_id}/chat-settings", operation_id = "get_chat_settings", tag = "conversations", params(SitePath), security(("bearer" = [])), responses((status = 200, description = "Bot, routing, reopen window, keyword rules", body = ChatSettings), MemberOnly))]
async fn get_settings(
    state: web::Data<AppState>,
    scope: SiteScope,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.chat.chat_settings(&scope.site).await?))
}

#[utoipa::path(put, path = "/api/v1/sites/{site_id}/chat-settings", operation_id = "put_chat_settings", tag = "conversations", params(SitePath), request_body = ChatSettings, security(("bearer" = [])), responses((status = 200, description = "Saved", body = ChatSettings), (status = 400, description = "A bad setting, named", body = ErrorResponse), OwnerOnly))]
async fn put_settings(
    state: web::Data<AppState>,
    scope: OwnerScope,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let settings: ChatSettings = json::parse(&body)?;
    settings
        .validate(state.settings.allow_http_webhooks)
        .map_err(|e| ApiError::bad_request("invalid_field", e.message).with_field(e.field))?;
    state
        .chat
        .save_chat_settings(&scope.site, &settings)
        .await?;
    Ok(HttpResponse::Ok().json(settings))
}

#[utoipa::path(get, path = "/api/v1/sites/{site_id}/agents", operation_id = "list_agents", tag = "agents", params(SitePath), security(("bearer" = [])), responses((status = 200, description = "The site's agents with role, capacity, skills and live status", body = super::docs::TeamList), MemberOnly))]
async fn list_agents(
    state: web::Data<AppState>,
    scope: SiteScope,
) -> Result<HttpResponse, ApiError> {
    let agents: Vec<_> = state
        .chat
        .team(&scope.site)
        .await?
        .iter()
        .map(|(m, status)| agent_view(m, *status))
        .collect();
    Ok(HttpResponse::Ok().json(json!({ "agents": agents })))
}

/// An agent of a site as `GET /sites/{id}/agents` lists it; the invitation answers with the
/// same shape so a dashboard can add the new row without reloading the list.
pub(super) fn agent_view(m: &SiteAgent, status: AgentStatus) -> serde_json::Value {
    json!({
        "id": m.agent.id,
        "name": m.agent.display_name,
        "email": m.agent.email,
        "role": m.role,
        "capacity": m.profile.capacity,
        "skills": m.profile.skills,
        "status": status,
    })
}

/// 400 unless a routing profile is in range: capacity 1 to 50, at most 20 skills, each a tag.
pub(super) fn check_profile(capacity: u32, skills: &[String]) -> Result<(), ApiError> {
    if !(1..=50).contains(&capacity) {
        return Err(
            ApiError::bad_request("invalid_field", "must be from 1 to 50").with_field("capacity"),
        );
    }
    if skills.len() > 20 {
        return Err(
            ApiError::bad_request("invalid_field", "at most 20 skills").with_field("skills")
        );
    }
    for (i, s) in skills.iter().enumerate() {
        if !valid_tag(s) {
            return Err(ApiError::bad_request(
                "invalid_field",
                "a skill is 1 to 40 of a-z, 0-9, `_`, `-`",
            )
            .with_field(format!("skills[{i}]")));
        }
    }
    Ok(())
}

/// Parses a role from a request body, naming the field when it is neither `agent` nor `owner`.
pub(super) fn parse_role(text: &str) -> Result<Role, ApiError> {
    Role::parse(text)
        .map_err(|e| ApiError::bad_request("invalid_field", e.to_string()).with_field("role"))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct AgentProfile {
    #[serde(default)]
    capacity: Option<u32>,
    #[serde(default)]
    skills: Option<Vec<String>>,
    /// `agent` or `owner`; the site's last owner cannot be demoted (409).
    #[serde(default)]
    role: Option<String>,
}

#[utoipa::path(patch, path = "/api/v1/sites/{site_id}/agents/{agent_id}", operation_id = "update_agent", tag = "agents", params(SitePath, ("agent_id" = String, Path, description = "Agent id (ag_…)")), request_body = AgentProfile, security(("bearer" = [])), responses((status = 200, description = "Saved", body = super::docs::MemberUpdated), (status = 400, description = "A bad value, named", body = ErrorResponse), OwnerOnly, (status = 404, description = "No such agent on this site", body = ErrorResponse), (status = 409, description = "Would demote the site's last owner (`field`: role)", body = ErrorResponse)))]
async fn update_agent(
    state: web::Data<AppState>,
    scope: OwnerScope,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let agent = AgentId::parse(&path.1).map_err(|_| ApiError::not_found("agent"))?;
    let member = state.chat.member(&scope.site, &agent).await?;
    let req: AgentProfile = json::parse(&body)?;
    // The profile of this membership only: the agent's other sites keep theirs.
    let capacity = req.capacity.unwrap_or(member.profile.capacity);
    let skills = req.skills.unwrap_or_else(|| member.profile.skills.clone());
    check_profile(capacity, &skills)?;
    let role = req.role.as_deref().map(parse_role).transpose()?;
    let change = MemberChange {
        role,
        profile: RoutingProfile {
            capacity,
            skills: skills.clone(),
        },
    };
    let role = state
        .chat
        .update_member(&scope.site, &member, change)
        .await
        .map_err(conflict_on("role"))?;
    Ok(HttpResponse::Ok().json(json!({
        "id": agent,
        "capacity": capacity,
        "skills": skills,
        "role": role,
    })))
}
