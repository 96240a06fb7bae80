//! Owner routes for trigger rules: CRUD, enable/disable, simulate, funnel report, and the
//! site's trigger settings. A rule is validated before it is stored; a bad one is refused
//! with 422 listing each bad field by path.

use super::docs::{ErrorResponse, OwnerOnly, SitePath};
use super::{ApiError, OwnerScope, json};
use crate::domain::{BrowsingEvent, RuleId};
use crate::state::AppState;
use crate::store::{FunnelCounts, StoredRule, TriggerSettings};
use crate::triggers::simulate::{Step, simulate};
use crate::triggers::{FieldError, FunnelStage, Rule};
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::{Map, Value, json};

/// Most steps in a simulated journey.
const MAX_STEPS: usize = 500;

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/sites/{site_id}/rules", web::get().to(list))
        .route("/sites/{site_id}/rules", web::post().to(create))
        .route(
            "/sites/{site_id}/rules/simulate",
            web::post().to(simulate_journey),
        )
        .route("/sites/{site_id}/rules/{rule_id}", web::get().to(get))
        .route("/sites/{site_id}/rules/{rule_id}", web::put().to(replace))
        .route("/sites/{site_id}/rules/{rule_id}", web::delete().to(delete))
        .route(
            "/sites/{site_id}/rules/{rule_id}/enable",
            web::post().to(enable),
        )
        .route(
            "/sites/{site_id}/rules/{rule_id}/disable",
            web::post().to(disable),
        )
        .route(
            "/sites/{site_id}/rules/{rule_id}/report",
            web::get().to(report),
        )
        .route(
            "/sites/{site_id}/trigger-settings",
            web::get().to(get_settings),
        )
        .route(
            "/sites/{site_id}/trigger-settings",
            web::put().to(put_settings),
        );
}

fn rule_id(text: &str) -> Result<RuleId, ApiError> {
    RuleId::parse(text)
        .map_err(|e| ApiError::bad_request("invalid_field", e.to_string()).with_field("rule_id"))
}

fn view(rule: &StoredRule) -> Value {
    let mut v = rule.spec.clone();
    if v.get("enabled").is_none() {
        v["enabled"] = json!(true);
    }
    v["id"] = json!(rule.id);
    v["created_at"] = json!(rule.created_at);
    v["updated_at"] = json!(rule.updated_at);
    v
}

/// The request body as JSON, or 400 `bad_json`.
fn spec(body: &[u8]) -> Result<Value, ApiError> {
    serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request("bad_json", format!("body is not valid JSON: {e}")))
}

#[utoipa::path(get, path = "/api/v1/sites/{site_id}/rules", operation_id = "list_rules", tag = "rules", params(SitePath), security(("bearer" = [])), responses((status = 200, description = "The site's rules", body = Object), OwnerOnly))]
async fn list(state: web::Data<AppState>, scope: OwnerScope) -> Result<HttpResponse, ApiError> {
    let rules: Vec<Value> = state
        .chat
        .rules(&scope.site)
        .await?
        .iter()
        .map(view)
        .collect();
    Ok(HttpResponse::Ok().json(json!({ "rules": rules })))
}

#[utoipa::path(post, path = "/api/v1/sites/{site_id}/rules", operation_id = "create_rule", tag = "rules", params(SitePath), request_body(content = Object, description = "A rule (see README, Trigger rules)"), security(("bearer" = [])), responses((status = 201, description = "Created", body = Object), (status = 400, description = "The body is not JSON", body = ErrorResponse), OwnerOnly, (status = 409, description = "Too many rules", body = ErrorResponse), (status = 422, description = "Invalid rule; `errors` lists each field by path", body = ErrorResponse)))]
async fn create(
    state: web::Data<AppState>,
    scope: OwnerScope,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let rule = state.chat.create_rule(&scope.site, || spec(&body)).await?;
    Ok(HttpResponse::Created().json(view(&rule)))
}

#[utoipa::path(get, path = "/api/v1/sites/{site_id}/rules/{rule_id}", operation_id = "get_rule", tag = "rules", params(SitePath, ("rule_id" = String, Path, description = "Rule id (r_…)")), security(("bearer" = [])), responses((status = 200, description = "The rule", body = Object), (status = 400, description = "The rule id does not parse (`field`: rule_id)", body = ErrorResponse), OwnerOnly, (status = 404, description = "No such rule", body = ErrorResponse)))]
async fn get(
    state: web::Data<AppState>,
    scope: OwnerScope,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let rule = state.chat.rule(&scope.site, &rule_id(&path.1)?).await?;
    Ok(HttpResponse::Ok().json(view(&rule)))
}

#[utoipa::path(put, path = "/api/v1/sites/{site_id}/rules/{rule_id}", operation_id = "replace_rule", tag = "rules", params(SitePath, ("rule_id" = String, Path, description = "Rule id (r_…)")), request_body(content = Object, description = "The whole rule"), security(("bearer" = [])), responses((status = 200, description = "Replaced", body = Object), (status = 400, description = "The body is not JSON, or the rule id does not parse (`field`: rule_id)", body = ErrorResponse), OwnerOnly, (status = 404, description = "No such rule", body = ErrorResponse), (status = 422, description = "Invalid rule; `errors` lists each field by path", body = ErrorResponse)))]
async fn replace(
    state: web::Data<AppState>,
    scope: OwnerScope,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let id = rule_id(&path.1)?;
    state.chat.rule(&scope.site, &id).await?;
    let rule = state
        .chat
        .save_rule(&scope.site, &id, &spec(&body)?)
        .await?;
    Ok(HttpResponse::Ok().json(view(&rule)))
}

#[utoipa::path(delete, path = "/api/v1/sites/{site_id}/rules/{rule_id}", operation_id = "delete_rule", tag = "rules", params(SitePath, ("rule_id" = String, Path, description = "Rule id (r_…)")), security(("bearer" = [])), responses((status = 204, description = "Deleted with its funnel"), (status = 400, description = "The rule id does not parse (`field`: rule_id)", body = ErrorResponse), OwnerOnly, (status = 404, description = "No such rule", body = ErrorResponse)))]
async fn delete(
    state: web::Data<AppState>,
    scope: OwnerScope,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let id = rule_id(&path.1)?;
    state.chat.delete_rule(&scope.site, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}

async fn set_enabled(
    state: &AppState,
    scope: &OwnerScope,
    path: &(String, String),
    enabled: bool,
) -> Result<HttpResponse, ApiError> {
    let id = rule_id(&path.1)?;
    let rule = state
        .chat
        .set_rule_enabled(&scope.site, &id, enabled)
        .await?;
    Ok(HttpResponse::Ok().json(view(&rule)))
}

#[utoipa::path(post, path = "/api/v1/sites/{site_id}/rules/{rule_id}/enable", operation_id = "enable_rule", tag = "rules", params(SitePath, ("rule_id" = String, Path, description = "Rule id (r_…)")), security(("bearer" = [])), responses((status = 200, description = "Enabled", body = Object), (status = 400, description = "The rule id does not parse (`field`: rule_id)", body = ErrorResponse), OwnerOnly, (status = 404, description = "No such rule", body = ErrorResponse)))]
async fn enable(
    state: web::Data<AppState>,
    scope: OwnerScope,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    set_enabled(&state, &scope, &path, true).await
}

#[utoipa::path(post, path = "/api/v1/sites/{site_id}/rules/{rule_id}/disable", operation_id = "disable_rule", tag = "rules", params(SitePath, ("rule_id" = String, Path, description = "Rule id (r_…)")), security(("bearer" = [])), responses((status = 200, description = "Disabled", body = Object), (status = 400, description = "The rule id does not parse (`field`: rule_id)", body = ErrorResponse), OwnerOnly, (status = 404, description = "No such rule", body = ErrorResponse)))]
async fn disable(
    state: web::Data<AppState>,
    scope: OwnerScope,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    set_enabled(&state, &scope, &path, false).await
}

#[derive(Deserialize, utoipa::ToSchema)]
pub(super) struct JourneyStep {
    /// Seconds from the start of the journey.
    at: f64,
    event: String,
    /// The event's properties, as the widget sends them.
    #[serde(default)]
    #[schema(value_type = HashMap<String, Value>)]
    props: Map<String, Value>,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub(super) struct Journey {
    steps: Vec<JourneyStep>,
    /// Rules to try instead of the stored ones (drafts not saved yet).
    #[serde(default)]
    #[schema(value_type = Option<Vec<HashMap<String, Value>>>)]
    rules: Option<Vec<Value>>,
    #[serde(default)]
    agents_online: usize,
}

#[utoipa::path(post, path = "/api/v1/sites/{site_id}/rules/simulate", operation_id = "simulate_journey", tag = "rules", params(SitePath), request_body = Journey, security(("bearer" = [])), responses((status = 200, description = "Per rule: fires_at_ms, or closest_at_ms and the failed tests", body = super::docs::SimulationAnswer), (status = 400, description = "The body is not JSON or has a bad field, or more steps than allowed; `field` names it", body = ErrorResponse), OwnerOnly, (status = 422, description = "Invalid rule; `errors` lists each field by path", body = ErrorResponse)))]
async fn simulate_journey(
    state: web::Data<AppState>,
    scope: OwnerScope,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let journey: Journey = json::parse(&body)?;
    if journey.steps.len() > MAX_STEPS {
        return Err(
            ApiError::bad_request("invalid_field", format!("at most {MAX_STEPS} steps"))
                .with_field("steps"),
        );
    }
    let mut steps = Vec::with_capacity(journey.steps.len());
    let mut errors = Vec::new();
    for (i, step) in journey.steps.into_iter().enumerate() {
        if !(step.at.is_finite() && (0.0..=86_400.0 * 7.0).contains(&step.at)) {
            errors.push(FieldError::new(
                &format!("steps[{i}].at"),
                "must be seconds from 0 to a week",
            ));
            continue;
        }
        match BrowsingEvent::parse(&step.event, step.props) {
            Ok(event) => steps.push(Step {
                at_ms: (step.at * 1000.0) as i64,
                event,
            }),
            Err((field, reason)) => {
                let path = if field == "name" {
                    format!("steps[{i}].event")
                } else {
                    format!("steps[{i}].props.{field}")
                };
                errors.push(FieldError::new(&path, reason));
            }
        }
    }
    let rules: Vec<Rule> =
        match journey.rules {
            Some(drafts) => drafts
                .iter()
                .enumerate()
                .filter_map(|(i, spec)| {
                    Rule::from_json(RuleId::generate(), spec)
                        .map_err(|e| {
                            errors.extend(e.into_iter().map(|f| {
                                FieldError::new(&format!("rules[{i}].{}", f.path), f.message)
                            }))
                        })
                        .ok()
                })
                .collect(),
            None => state
                .chat
                .site_rules(&scope.site)
                .await?
                .set
                .rules()
                .to_vec(),
        };
    if !errors.is_empty() {
        return Err(ApiError::invalid("the journey", errors));
    }
    let outcomes = simulate(&rules, &steps, journey.agents_online);
    Ok(HttpResponse::Ok().json(json!({ "rules": outcomes })))
}

fn group(counts: &[u64; 4]) -> Value {
    let rate = |n: u64| {
        if counts[0] == 0 {
            None
        } else {
            Some(n as f64 / counts[0] as f64)
        }
    };
    let mut v = json!({ "conversion_rate": rate(counts[3]) });
    for (i, stage) in FunnelStage::ALL.iter().enumerate() {
        v[stage.as_str()] = json!(counts[i]);
    }
    v
}

#[utoipa::path(get, path = "/api/v1/sites/{site_id}/rules/{rule_id}/report", operation_id = "get_rule_report", tag = "rules", params(SitePath, ("rule_id" = String, Path, description = "Rule id (r_…)")), security(("bearer" = [])), responses((status = 200, description = "Funnel for shown and held-out visitors, conversion rates and uplift", body = super::docs::RuleReport), (status = 400, description = "The rule id does not parse (`field`: rule_id)", body = ErrorResponse), OwnerOnly, (status = 404, description = "No such rule", body = ErrorResponse)))]
async fn report(
    state: web::Data<AppState>,
    scope: OwnerScope,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let id = rule_id(&path.1)?;
    let counts = state.chat.rule_funnel(&scope.site, &id).await?;
    let mut report = funnel_view(&counts);
    report["rule_id"] = json!(id);
    Ok(HttpResponse::Ok().json(report))
}

/// A rule's funnel as its report shows it: `shown`, `held_out` and the `uplift` between their
/// conversion rates. The site report lists every rule with exactly this, so both agree.
pub(super) fn funnel_view(counts: &FunnelCounts) -> Value {
    let FunnelCounts { shown, held_out } = counts;
    let rate = |c: &[u64; 4]| (c[0] > 0).then(|| c[3] as f64 / c[0] as f64);
    let uplift = rate(shown).zip(rate(held_out)).map(|(s, h)| s - h);
    json!({
        "shown": group(shown),
        "held_out": group(held_out),
        "uplift": uplift,
    })
}

/// A stored rule's name and whether it is on, as the rule list shows them.
pub(super) fn name_and_enabled(rule: &StoredRule) -> (Value, bool) {
    let v = view(rule);
    (
        v.get("name").cloned().unwrap_or(Value::Null),
        v.get("enabled").and_then(Value::as_bool).unwrap_or(true),
    )
}

#[utoipa::path(get, path = "/api/v1/sites/{site_id}/trigger-settings", operation_id = "get_trigger_settings", tag = "rules", params(SitePath), security(("bearer" = [])), responses((status = 200, description = "Fatigue budget, attribution window, business hours", body = crate::store::TriggerSettings), OwnerOnly))]
async fn get_settings(
    state: web::Data<AppState>,
    scope: OwnerScope,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.chat.trigger_settings(&scope.site).await?))
}

#[utoipa::path(put, path = "/api/v1/sites/{site_id}/trigger-settings", operation_id = "put_trigger_settings", tag = "rules", params(SitePath), request_body = crate::store::TriggerSettings, security(("bearer" = [])), responses((status = 200, description = "Saved", body = crate::store::TriggerSettings), (status = 400, description = "A value out of range; `field` names it", body = ErrorResponse), OwnerOnly))]
async fn put_settings(
    state: web::Data<AppState>,
    scope: OwnerScope,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let settings: TriggerSettings = json::parse(&body)?;
    if settings.fatigue_window_secs == 0 || settings.fatigue_window_secs > 30 * 86_400 {
        return Err(
            ApiError::bad_request("invalid_field", "must be 1 s to 30 days")
                .with_field("fatigue_window_secs"),
        );
    }
    if settings.attribution_window_secs == 0 || settings.attribution_window_secs > 90 * 86_400 {
        return Err(
            ApiError::bad_request("invalid_field", "must be 1 s to 90 days")
                .with_field("attribution_window_secs"),
        );
    }
    if let Some(hours) = &settings.business_hours
        && let Err((field, message)) = hours.validate()
    {
        return Err(ApiError::bad_request("invalid_field", message)
            .with_field(format!("business_hours.{field}")));
    }
    state
        .chat
        .save_trigger_settings(&scope.site, &settings)
        .await?;
    Ok(HttpResponse::Ok().json(settings))
}
