//! The owners' site report: conversations per day, why chats went to people, how fast people
//! answered, bot-only versus agent chats, AI drafts made and sent (unchanged or edited),
//! every trigger rule's funnel and the shoppers' ratings (CSAT), in one response for
//! the dashboard's overview. The numbers come from the store (`site_stats`, `funnel`); this
//! handler only picks the window and shapes the JSON.

use super::docs::{ErrorResponse, OwnerOnly, SitePath};
use super::rules_api::{funnel_view, name_and_enabled};
use super::{ApiError, OwnerScope};
use crate::conversation::HandoffReason;
use crate::domain::Timestamp;
use crate::report::csat::{Csat, CsatCount};
use crate::report::{DEFAULT_DAYS, DraftDay, MAX_DAYS, fill_days, fill_draft_days, window};
use crate::state::AppState;
use crate::store::StoredRule;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::{Map, Value, json};

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/sites/{site_id}/report", web::get().to(site_report))
        .route("/sites/{site_id}/report/mine", web::get().to(my_report));
}

#[derive(Deserialize)]
struct ReportQuery {
    /// Kept as text so a bad value is our 400 naming `days`, not a generic query error.
    #[serde(default)]
    days: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/sites/{site_id}/report", operation_id = "get_site_report", tag = "reports", params(SitePath, ("days" = Option<u32>, Query, description = "1 to 90 days ending today (UTC), default 14")), security(("bearer" = [])), responses((status = 200, description = "`{from, to, days: [{date, conversations, handed_off}], handoff_reasons, first_response: {count, median_ms, p90_ms}, totals: {conversations, bot_only, with_agent}, ai_drafts: {days: [{date, drafted, sent_unchanged, sent_edited}], totals: {drafted, sent, sent_unchanged, sent_edited}}, csat: {totals, days: [{date, ratings, satisfied, csat, average}], agents: [{agent_id, name, …}], teams: [{team, …}], rules: [{rule_id, name, …}], bot, people}, rules: [{rule_id, name, enabled, shown, held_out, uplift}]}`", body = super::docs::SiteReport), (status = 400, description = "A bad `days`", body = ErrorResponse), OwnerOnly))]
async fn site_report(
    state: web::Data<AppState>,
    scope: OwnerScope,
    query: web::Query<ReportQuery>,
) -> Result<HttpResponse, ApiError> {
    let (from, to) = window(Timestamp::now(), days_of(&query)?);
    let report = state.chat.site_report(&scope.site, from, to).await?;
    let stats = &report.stats;
    let mut reasons = Map::new();
    for reason in [
        HandoffReason::ShopperAsked,
        HandoffReason::BotMissed,
        HandoffReason::Trigger,
        HandoffReason::ExternalBot,
        HandoffReason::OrderHelp,
    ] {
        let n = stats
            .handoff_reasons
            .iter()
            .find(|(r, _)| *r == reason)
            .map_or(0, |(_, n)| *n);
        reasons.insert(reason.as_str().to_owned(), json!(n));
    }
    let mut rules = Vec::new();
    for (rule, funnel) in &report.rules {
        let mut entry = funnel_view(funnel);
        let (name, enabled) = name_and_enabled(rule);
        entry["rule_id"] = json!(rule.id);
        entry["name"] = name;
        entry["enabled"] = json!(enabled);
        rules.push(entry);
    }
    let days: Vec<Value> = fill_days(from, to, &stats.days)
        .into_iter()
        .map(|d| {
            json!({ "date": d.date, "conversations": d.conversations, "handed_off": d.handed_off })
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({
        "from": from,
        "to": to,
        "days": days,
        "handoff_reasons": reasons,
        "first_response": {
            "count": stats.responses,
            "median_ms": stats.median_response_ms,
            "p90_ms": stats.p90_response_ms,
        },
        "totals": {
            "conversations": stats.conversations,
            "bot_only": stats.bot_only,
            "with_agent": stats.with_agent,
        },
        "ai_drafts": drafts_view(&fill_draft_days(from, to, &report.drafts)),
        "csat": csat_view(&report.csat, &report.agent_names, &report.rules),
        "rules": rules,
    })))
}

/// The window's length from the query: 1 to [`MAX_DAYS`], [`DEFAULT_DAYS`] without one.
fn days_of(query: &ReportQuery) -> Result<u32, ApiError> {
    match query.days.as_deref() {
        None => Ok(DEFAULT_DAYS),
        Some(text) => text
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|d| (1..=MAX_DAYS).contains(d))
            .ok_or_else(|| {
                ApiError::bad_request("invalid_field", format!("must be 1 to {MAX_DAYS}"))
                    .with_field("days")
            }),
    }
}

/// An agent's own ratings: what any member of the site may see of the report (owners see
/// everyone's in the site report).
#[utoipa::path(get, path = "/api/v1/sites/{site_id}/report/mine", operation_id = "get_my_report", tag = "reports", params(SitePath, ("days" = Option<u32>, Query, description = "1 to 90 days ending today (UTC), default 14")), security(("bearer" = [])), responses((status = 200, description = "`{from, to, mine: {totals, days: [{date, ratings, satisfied, csat, average}]}, people: {ratings, satisfied, csat, average}}`: the caller's CSAT (chats they last had) and the site's people as a whole", body = super::docs::MyReport), (status = 400, description = "A bad `days`", body = ErrorResponse), super::docs::MemberOnly))]
async fn my_report(
    state: web::Data<AppState>,
    scope: super::SiteScope,
    query: web::Query<ReportQuery>,
) -> Result<HttpResponse, ApiError> {
    let (from, to) = window(Timestamp::now(), days_of(&query)?);
    let (mine, people) = state
        .chat
        .my_csat(&scope.site, &scope.caller.agent.id, from, to)
        .await?;
    let days: Vec<Value> = mine
        .days
        .iter()
        .map(|(date, c)| {
            let mut row = count_view(c);
            row["date"] = json!(date);
            row
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({
        "from": from.0,
        "to": to.0,
        "mine": { "totals": count_view(&mine.totals), "days": days },
        "people": count_view(&people),
    })))
}

/// The AI-draft figures: per day, and summed over the window.
fn drafts_view(days: &[DraftDay]) -> Value {
    let sum = |f: fn(&DraftDay) -> u64| days.iter().map(f).sum::<u64>();
    let (unchanged, edited) = (sum(|d| d.sent_unchanged), sum(|d| d.sent_edited));
    let days: Vec<Value> = days
        .iter()
        .map(|d| {
            json!({ "date": d.date, "drafted": d.drafted,
                    "sent_unchanged": d.sent_unchanged, "sent_edited": d.sent_edited })
        })
        .collect();
    json!({
        "days": days,
        "totals": {
            "drafted": sum(|d| d.drafted),
            "sent": unchanged + edited,
            "sent_unchanged": unchanged,
            "sent_edited": edited,
        },
    })
}

/// One CSAT row's numbers: ratings, 4s and 5s, the share of those (percent) and the average.
fn count_view(c: &CsatCount) -> Value {
    json!({ "ratings": c.ratings, "satisfied": c.satisfied, "csat": c.csat(), "average": c.average() })
}

/// The CSAT figures: per day (every day of the window), per agent (by name), team and rule
/// (by name; a deleted rule by id), and the bot against people.
fn csat_view(
    csat: &Csat,
    names: &[(crate::domain::AgentId, String)],
    rules: &[(StoredRule, crate::store::FunnelCounts)],
) -> Value {
    let with = |mut row: Value, key: &str, value: Value| {
        row[key] = value;
        row
    };
    let days: Vec<Value> = csat
        .days
        .iter()
        .map(|(date, c)| with(count_view(c), "date", json!(date)))
        .collect();
    let agents: Vec<Value> = csat
        .agents
        .iter()
        .map(|(id, c)| {
            let name = names
                .iter()
                .find(|(a, _)| a == id)
                .map_or_else(|| id.to_string(), |(_, n)| n.clone());
            with(
                with(count_view(c), "agent_id", json!(id)),
                "name",
                json!(name),
            )
        })
        .collect();
    let teams: Vec<Value> = csat
        .teams
        .iter()
        .map(|(team, c)| with(count_view(c), "team", json!(team)))
        .collect();
    let rule_rows: Vec<Value> = csat
        .rules
        .iter()
        .map(|(id, c)| {
            let name = rules
                .iter()
                .find(|(r, _)| &r.id == id)
                .map_or(Value::Null, |(r, _)| name_and_enabled(r).0);
            with(with(count_view(c), "rule_id", json!(id)), "name", name)
        })
        .collect();
    json!({
        "totals": count_view(&csat.totals),
        "days": days,
        "agents": agents,
        "teams": teams,
        "rules": rule_rows,
        "bot": count_view(&csat.bot),
        "people": count_view(&csat.people),
    })
}
