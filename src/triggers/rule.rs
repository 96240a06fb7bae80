//! A trigger rule: when it wakes, what must hold, what it does, how often. Parsed from the
//! owner's JSON once, with every problem reported by path (`conditions.all[2].op`), so the
//! API can refuse a bad rule with all its mistakes at once.

use super::FieldError;
use super::compile::compile;
use super::condition::Condition;
use super::facts::Facts;
use crate::domain::{AgentId, RuleId};
use serde::Serialize;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// Most actions in one rule.
const MAX_ACTIONS: usize = 10;
/// Longest message or alert template.
const MAX_TEMPLATE: usize = 2000;

/// How often a rule may fire for one visitor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Limit {
    /// Once ever.
    OncePerVisitor,
    /// Once per browsing session.
    OncePerSession,
    /// At most `max` times in any `period_ms`.
    AtMost {
        /// Firings allowed in the period.
        max: u32,
        /// The sliding period.
        period_ms: i64,
    },
}

/// A rule's frequency cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Frequency {
    /// The cap.
    pub limit: Limit,
    /// Quiet time after each firing (and after a dismissal).
    pub cooldown_ms: i64,
}

/// Who a proactive message appears to come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Persona {
    /// The bot, under this name, always labelled as a bot.
    Bot(String),
    /// A real agent, only while that agent is online to answer.
    Agent(AgentId),
}

/// How urgent a routed conversation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Priority {
    /// Normal.
    Normal,
    /// High.
    High,
    /// Urgent.
    Urgent,
}

/// What a rule does when it fires.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// A proactive message (a template over the facts).
    Message {
        /// Template text.
        text: String,
        /// The text in other languages, by language code: a shopper whose widget shows one
        /// of them gets that version (issue 20).
        translations: BTreeMap<String, String>,
        /// Sender.
        persona: Persona,
    },
    /// Open the widget.
    OpenWidget,
    /// Put the visitor in the human queue.
    RouteToHuman(Priority),
    /// Tag the visitor.
    Tag(String),
    /// Alert online agents (a template).
    AlertAgents(String),
    /// POST the firing to a URL.
    Webhook(String),
}

impl Action {
    /// Whether the shopper sees something, so fatigue, typing and chatting gates apply.
    pub fn is_proactive(&self) -> bool {
        matches!(self, Action::Message { .. } | Action::OpenWidget)
    }
}

/// A validated rule.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Id.
    pub id: RuleId,
    /// Owner's name for it.
    pub name: String,
    /// Whether it runs.
    pub enabled: bool,
    /// Higher wins when several match at once.
    pub priority: i32,
    /// Events that wake it; empty means any event.
    pub when: Vec<String>,
    /// What must hold.
    pub conditions: Condition,
    /// What it does.
    pub actions: Vec<Action>,
    /// How often.
    pub frequency: Frequency,
    /// Share of visitors held out as control, 0 to 100.
    pub holdout_percent: u8,
    /// The rule as the owner wrote it, normalised, for the API.
    pub spec: Value,
}

impl Rule {
    /// Whether any action shows the shopper something.
    pub fn is_proactive(&self) -> bool {
        self.actions.iter().any(Action::is_proactive)
    }

    /// Parses and validates a rule; `Err` lists every problem with its path.
    pub fn from_json(id: RuleId, spec: &Value) -> Result<Rule, Vec<FieldError>> {
        let mut errors = Vec::new();
        let Some(obj) = spec.as_object() else {
            return Err(vec![FieldError::new("", "a rule must be a JSON object")]);
        };
        for key in obj.keys() {
            if !matches!(
                key.as_str(),
                "name"
                    | "enabled"
                    | "priority"
                    | "when"
                    | "conditions"
                    | "actions"
                    | "frequency"
                    | "holdout_percent"
                    | "id"
            ) {
                errors.push(FieldError::new(key, "unknown key"));
            }
        }
        let name = match obj.get("name").and_then(Value::as_str).map(str::trim) {
            Some(n) if (1..=100).contains(&n.chars().count()) => n.to_owned(),
            _ => {
                errors.push(FieldError::new(
                    "name",
                    "must be text of 1 to 100 characters",
                ));
                String::new()
            }
        };
        let enabled = match obj.get("enabled") {
            None => true,
            Some(Value::Bool(b)) => *b,
            Some(_) => {
                errors.push(FieldError::new("enabled", "must be true or false"));
                false
            }
        };
        let priority = match obj.get("priority") {
            None => 0,
            Some(v) => match v.as_i64() {
                Some(p) if (-1000..=1000).contains(&p) => p as i32,
                _ => {
                    errors.push(FieldError::new(
                        "priority",
                        "must be a whole number from -1000 to 1000",
                    ));
                    0
                }
            },
        };
        let when = parse_when(obj.get("when"), &mut errors);
        let conditions = match obj.get("conditions") {
            None => Some(Condition::All(Vec::new())),
            Some(c) => compile(c, "conditions", &mut errors),
        };
        let actions = parse_actions(obj.get("actions"), &mut errors);
        let frequency = parse_frequency(obj.get("frequency"), &mut errors);
        let holdout_percent = match obj.get("holdout_percent") {
            None => 0,
            Some(v) => match v.as_u64() {
                Some(p) if p <= 100 => p as u8,
                _ => {
                    errors.push(FieldError::new(
                        "holdout_percent",
                        "must be a whole number from 0 to 100",
                    ));
                    0
                }
            },
        };
        match conditions {
            Some(conditions) if errors.is_empty() => {
                let mut spec = spec.clone();
                spec["id"] = json!(id);
                spec["enabled"] = json!(enabled);
                Ok(Rule {
                    id,
                    name,
                    enabled,
                    priority,
                    when,
                    conditions,
                    actions,
                    frequency,
                    holdout_percent,
                    spec,
                })
            }
            _ => Err(errors),
        }
    }
}

fn valid_event_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'-' | b'.' | b':')
        })
}

fn parse_when(value: Option<&Value>, errors: &mut Vec<FieldError>) -> Vec<String> {
    let names: Vec<(String, &Value)> = match value {
        None => return Vec::new(),
        Some(Value::String(_)) => vec![("when".to_owned(), value.unwrap_or(&Value::Null))],
        Some(Value::Array(list)) => list
            .iter()
            .enumerate()
            .map(|(i, v)| (format!("when[{i}]"), v))
            .collect(),
        Some(_) => {
            errors.push(FieldError::new(
                "when",
                "must be an event name or a list of them",
            ));
            return Vec::new();
        }
    };
    let mut out = Vec::new();
    for (path, v) in names {
        match v.as_str() {
            Some(n) if valid_event_name(n) => out.push(n.to_owned()),
            _ => errors.push(FieldError::new(
                &path,
                "must be an event name (a-z, 0-9, `_-.:`, up to 64)",
            )),
        }
    }
    out
}

fn template(value: Option<&Value>, path: &str, errors: &mut Vec<FieldError>) -> Option<String> {
    let Some(text) = value
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|t| !t.is_empty())
    else {
        errors.push(FieldError::new(path, "must be non-empty text"));
        return None;
    };
    if text.chars().count() > MAX_TEMPLATE {
        errors.push(FieldError::new(
            path,
            format!("is longer than {MAX_TEMPLATE} characters"),
        ));
        return None;
    }
    if let Err(e) = crate::template::check(text) {
        errors.push(FieldError::new(path, format!("template error: {e}")));
        return None;
    }
    Some(text.to_owned())
}

/// A message's versions in other languages (`{"fr": "…"}`, at most
/// [`crate::library::MAX_TRANSLATIONS`]), each a template as the text is; keyed by language
/// code (`fr-CA` is `fr`).
fn message_versions(
    value: Option<&Value>,
    path: &str,
    errors: &mut Vec<FieldError>,
) -> BTreeMap<String, String> {
    let mut versions = BTreeMap::new();
    let field = format!("{path}.translations");
    let map = match value {
        None | Some(Value::Null) => return versions,
        Some(Value::Object(map)) if map.len() <= crate::library::MAX_TRANSLATIONS => map,
        Some(_) => {
            errors.push(FieldError::new(
                &field,
                format!(
                    "must be an object of at most {} language codes and texts",
                    crate::library::MAX_TRANSLATIONS
                ),
            ));
            return versions;
        }
    };
    for (tag, text) in map {
        let here = format!("{field}.{tag}");
        let Some(code) = crate::domain::language_code(tag) else {
            errors.push(FieldError::new(
                &here,
                "must be keyed by a language code like `fr`",
            ));
            continue;
        };
        if let Some(text) = template(Some(text), &here, errors)
            && versions.insert(code, text).is_some()
        {
            errors.push(FieldError::new(&here, "names a language twice"));
        }
    }
    versions
}

fn parse_actions(value: Option<&Value>, errors: &mut Vec<FieldError>) -> Vec<Action> {
    let list = match value {
        Some(Value::Array(list)) if !list.is_empty() && list.len() <= MAX_ACTIONS => list,
        _ => {
            errors.push(FieldError::new(
                "actions",
                format!("must be a list of 1 to {MAX_ACTIONS} actions"),
            ));
            return Vec::new();
        }
    };
    let mut out = Vec::new();
    let mut messages = 0;
    for (i, action) in list.iter().enumerate() {
        let path = format!("actions[{i}]");
        let Some(obj) = action.as_object() else {
            errors.push(FieldError::new(&path, "must be an object with a `type`"));
            continue;
        };
        let parsed = match obj.get("type").and_then(Value::as_str) {
            Some("message") => {
                messages += 1;
                let text = template(obj.get("text"), &format!("{path}.text"), errors);
                let translations = message_versions(obj.get("translations"), &path, errors);
                let persona = parse_persona(obj, &path, errors);
                text.zip(persona).map(|(text, persona)| Action::Message {
                    text,
                    translations,
                    persona,
                })
            }
            Some("open_widget") => Some(Action::OpenWidget),
            Some("route_to_human") => match obj.get("priority").map(|p| p.as_str()) {
                None => Some(Action::RouteToHuman(Priority::Normal)),
                Some(Some("normal")) => Some(Action::RouteToHuman(Priority::Normal)),
                Some(Some("high")) => Some(Action::RouteToHuman(Priority::High)),
                Some(Some("urgent")) => Some(Action::RouteToHuman(Priority::Urgent)),
                _ => {
                    errors.push(FieldError::new(
                        &format!("{path}.priority"),
                        "must be normal, high or urgent",
                    ));
                    None
                }
            },
            Some("tag") => match obj.get("tag").and_then(Value::as_str) {
                Some(t) if (1..=40).contains(&t.chars().count()) => Some(Action::Tag(t.to_owned())),
                _ => {
                    errors.push(FieldError::new(
                        &format!("{path}.tag"),
                        "must be text of 1 to 40 characters",
                    ));
                    None
                }
            },
            Some("alert_agents") => {
                template(obj.get("text"), &format!("{path}.text"), errors).map(Action::AlertAgents)
            }
            Some("webhook") => match obj.get("url").and_then(Value::as_str).map(url::Url::parse) {
                Some(Ok(u)) if matches!(u.scheme(), "https" | "http") && u.host().is_some() => {
                    Some(Action::Webhook(u.into()))
                }
                _ => {
                    errors.push(FieldError::new(
                        &format!("{path}.url"),
                        "must be an https URL",
                    ));
                    None
                }
            },
            Some(other) => {
                errors.push(FieldError::new(
                    &format!("{path}.type"),
                    format!("unknown action \"{other}\"; expected message, open_widget, route_to_human, tag, alert_agents or webhook"),
                ));
                None
            }
            None => {
                errors.push(FieldError::new(&format!("{path}.type"), "is required"));
                None
            }
        };
        out.extend(parsed);
    }
    if messages > 1 {
        errors.push(FieldError::new(
            "actions",
            "at most one message action per rule",
        ));
    }
    out
}

fn parse_persona(
    obj: &Map<String, Value>,
    path: &str,
    errors: &mut Vec<FieldError>,
) -> Option<Persona> {
    match obj.get("as").and_then(Value::as_str).unwrap_or("bot") {
        "bot" => match obj.get("bot_name") {
            None => Some(Persona::Bot("Shop assistant".into())),
            Some(Value::String(n)) if (1..=40).contains(&n.trim().chars().count()) => {
                Some(Persona::Bot(n.trim().into()))
            }
            Some(_) => {
                errors.push(FieldError::new(
                    &format!("{path}.bot_name"),
                    "must be text of 1 to 40 characters",
                ));
                None
            }
        },
        "agent" => match obj
            .get("agent_id")
            .and_then(Value::as_str)
            .map(AgentId::parse)
        {
            Some(Ok(id)) => Some(Persona::Agent(id)),
            _ => {
                errors.push(FieldError::new(
                    &format!("{path}.agent_id"),
                    "must be an agent id (ag_…)",
                ));
                None
            }
        },
        _ => {
            errors.push(FieldError::new(
                &format!("{path}.as"),
                "must be bot or agent",
            ));
            None
        }
    }
}

fn parse_frequency(value: Option<&Value>, errors: &mut Vec<FieldError>) -> Frequency {
    let default = Frequency {
        limit: Limit::OncePerSession,
        cooldown_ms: 0,
    };
    let Some(value) = value else { return default };
    let Some(obj) = value.as_object() else {
        errors.push(FieldError::new("frequency", "must be an object"));
        return default;
    };
    let secs = |key: &str, errors: &mut Vec<FieldError>| -> Option<i64> {
        let v = obj.get(key)?;
        match v.as_u64() {
            Some(s) if s <= 365 * 86_400 => Some(s as i64 * 1000),
            _ => {
                errors.push(FieldError::new(
                    &format!("frequency.{key}"),
                    "must be whole seconds, at most a year",
                ));
                None
            }
        }
    };
    let cooldown_ms = secs("cooldown_secs", errors).unwrap_or(0);
    let limit = match (obj.get("once_per").map(Value::as_str), obj.get("max")) {
        (Some(Some("visitor")), None) => Limit::OncePerVisitor,
        (Some(Some("session")), None) => Limit::OncePerSession,
        (None, Some(max)) => {
            let max = match max.as_u64() {
                Some(m) if (1..=1000).contains(&m) => m as u32,
                _ => {
                    errors.push(FieldError::new(
                        "frequency.max",
                        "must be a whole number from 1 to 1000",
                    ));
                    1
                }
            };
            match secs("period_secs", errors) {
                Some(period_ms) if period_ms > 0 => Limit::AtMost { max, period_ms },
                _ => {
                    errors.push(FieldError::new(
                        "frequency.period_secs",
                        "is required with `max` and must be positive",
                    ));
                    Limit::OncePerSession
                }
            }
        }
        (None, None) => Limit::OncePerSession,
        (Some(_), None) => {
            errors.push(FieldError::new(
                "frequency.once_per",
                "must be visitor or session",
            ));
            Limit::OncePerSession
        }
        (Some(_), Some(_)) => {
            errors.push(FieldError::new(
                "frequency",
                "use either `once_per` or `max` with `period_secs`",
            ));
            Limit::OncePerSession
        }
    };
    for key in obj.keys() {
        if !matches!(
            key.as_str(),
            "once_per" | "max" | "period_secs" | "cooldown_secs"
        ) {
            errors.push(FieldError::new(&format!("frequency.{key}"), "unknown key"));
        }
    }
    Frequency { limit, cooldown_ms }
}

/// The values a message template can use: `{{product.name}}`, `{{cart.total}}`,
/// `{{cart.items}}`, `{{page.title}}`, `{{page.url}}`, `{{page.path}}`, `{{shopper.name}}`.
fn template_context(facts: &Facts<'_>) -> Value {
    let v = facts.visitor;
    let money = |x: f64| {
        if x.fract() == 0.0 {
            format!("{x:.0}")
        } else {
            format!("{x:.2}")
        }
    };
    let product = v.product.as_ref();
    json!({
        "product": {
            "sku": product.and_then(|p| p.sku.clone()),
            "name": product.and_then(|p| p.name.clone()),
            "category": product.and_then(|p| p.category.clone()),
            "price": product.and_then(|p| p.price).map(money),
        },
        "cart": {
            "total": v.cart.as_ref().map(|c| money(c.total)),
            "items": v.cart.as_ref().map(|c| c.item_count()),
            "currency": v.cart.as_ref().and_then(|c| c.currency.clone()),
        },
        "page": {
            "title": v.current_page.as_ref().and_then(|p| p.title.clone()),
            "url": v.current_page.as_ref().map(|p| p.url.clone()),
            "path": v.current_page.as_ref().map(|p| p.path.clone()),
        },
        "shopper": { "name": v.attributes.get("name").and_then(Value::as_str) },
        "order": facts.shop.and_then(|s| s.order_view.clone()),
        "customer": facts.shop.and_then(|s| s.customer_view.clone()),
    })
}

/// Instructions a template may run when rendered (see [`crate::template`]).
pub use crate::template::TEMPLATE_FUEL;

/// Fills a validated template from the facts, cut at `max_chars`. Unknown or missing values
/// render as empty text; a template that fails anyway (it was validated, but perhaps under
/// older rules) falls back to its raw text, cut the same way.
pub fn render(template: &str, facts: &Facts<'_>, max_chars: usize) -> String {
    let mut context = template_context(facts);
    drop_nulls(&mut context);
    crate::template::render_cut(template, &context, max_chars)
        .unwrap_or_else(|_| template.chars().take(max_chars).collect())
}

/// Unknown values are left out rather than set to null, so a template shows nothing for them
/// (or its `or` fallback) instead of the word "none".
fn drop_nulls(value: &mut Value) {
    if let Value::Object(map) = value {
        map.retain(|_, v| !v.is_null());
        map.values_mut().for_each(drop_nulls);
    }
}
