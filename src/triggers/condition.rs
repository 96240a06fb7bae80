//! Conditions: nested `all` / `any` / `not` over fact tests, compiled once from JSON (regexes
//! and globs included) and evaluated against [`Facts`]. Also answers the planner's question:
//! if nothing but time changes, when does this condition first become true?

use super::FieldError;
use super::facts::{Clock, FACT_NAMES, Fact, FactValue, Facts, Kind};
use crate::domain::Timestamp;
use serde_json::{Map, Value};

/// Deepest nesting accepted; deeper trees are surely mistakes and would cost stack.
const MAX_DEPTH: usize = 8;
/// Most tests in one rule.
const MAX_TESTS: usize = 50;

/// A literal a fact is compared with.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// Number.
    Number(f64),
    /// Text.
    Text(String),
    /// Boolean.
    Bool(bool),
}

/// A comparison, with its operand compiled.
#[derive(Debug, Clone)]
pub enum Op {
    /// Equal.
    Eq(Literal),
    /// Not equal.
    Ne(Literal),
    /// Less than.
    Lt(f64),
    /// Less or equal.
    Lte(f64),
    /// Greater than.
    Gt(f64),
    /// Greater or equal.
    Gte(f64),
    /// Text contains, or a list holds.
    Contains(String),
    /// Text starts with.
    StartsWith(String),
    /// Text matches a glob (`/products/**`).
    Glob(globset::GlobMatcher),
    /// Text matches a regular expression.
    Regex(regex::Regex),
    /// Value is one of.
    In(Vec<Literal>),
    /// Fact is known (or not).
    Exists(bool),
}

/// One fact test.
#[derive(Debug, Clone)]
pub struct Test {
    /// The fact.
    pub fact: Fact,
    /// The comparison.
    pub op: Op,
    /// How the owner wrote it (`time_on_page gte 40`), for explanations.
    pub label: String,
}

/// A compiled condition tree.
#[derive(Debug, Clone)]
pub enum Condition {
    /// Every child holds (true when empty).
    All(Vec<Condition>),
    /// Some child holds (false when empty).
    Any(Vec<Condition>),
    /// The child does not hold.
    Not(Box<Condition>),
    /// A fact test.
    Test(Test),
}

const OPS: &str = "eq, ne, lt, lte, gt, gte, contains, starts_with, matches, in, exists";

struct Compiler<'e> {
    errors: &'e mut Vec<FieldError>,
    tests: usize,
}

impl Compiler<'_> {
    fn error(&mut self, path: &str, message: impl Into<String>) {
        self.errors.push(FieldError {
            path: path.to_owned(),
            message: message.into(),
        });
    }

    fn condition(&mut self, value: &Value, path: &str, depth: usize) -> Option<Condition> {
        if depth > MAX_DEPTH {
            self.error(
                path,
                format!("conditions nest deeper than {MAX_DEPTH} levels"),
            );
            return None;
        }
        let Some(obj) = value.as_object() else {
            self.error(path, "must be an object with `all`, `any`, `not` or `fact`");
            return None;
        };
        let keys: Vec<&str> = ["all", "any", "not", "fact"]
            .into_iter()
            .filter(|k| obj.contains_key(*k))
            .collect();
        match keys.as_slice() {
            ["all"] | ["any"] => {
                let key = keys[0];
                let Some(list) = obj[key].as_array() else {
                    self.error(&format!("{path}.{key}"), "must be a list of conditions");
                    return None;
                };
                let children: Vec<Option<Condition>> = list
                    .iter()
                    .enumerate()
                    .map(|(i, c)| self.condition(c, &format!("{path}.{key}[{i}]"), depth + 1))
                    .collect();
                let children: Option<Vec<Condition>> = children.into_iter().collect();
                children.map(|c| {
                    if key == "all" {
                        Condition::All(c)
                    } else {
                        Condition::Any(c)
                    }
                })
            }
            ["not"] => self
                .condition(&obj["not"], &format!("{path}.not"), depth + 1)
                .map(|c| Condition::Not(Box::new(c))),
            ["fact"] => self.test(obj, path),
            [] => {
                self.error(path, "must have one of `all`, `any`, `not` or `fact`");
                None
            }
            _ => {
                self.error(
                    path,
                    format!(
                        "has more than one of {}; nest them instead",
                        keys.join(", ")
                    ),
                );
                None
            }
        }
    }

    fn test(&mut self, obj: &Map<String, Value>, path: &str) -> Option<Condition> {
        self.tests += 1;
        if self.tests == MAX_TESTS + 1 {
            self.error(path, format!("a rule may hold at most {MAX_TESTS} tests"));
        }
        for key in obj.keys() {
            if !matches!(key.as_str(), "fact" | "op" | "value" | "glob" | "regex") {
                self.error(&format!("{path}.{key}"), "unknown key");
            }
        }
        // Both the fact and the operator are checked before giving up, so one pass reports
        // every mistake the owner made in this test.
        let fact = self.fact(obj, path);
        let op_path = format!("{path}.op");
        let Some(op_name) = obj.get("op").and_then(Value::as_str) else {
            self.error(&op_path, format!("must be one of {OPS}"));
            return None;
        };
        let fact = fact?;
        let op = self.op(obj, path, op_name, fact.kind())?;
        let operand = obj
            .get("regex")
            .or(obj.get("glob"))
            .or(obj.get("value"))
            .map_or(String::new(), |v| format!(" {v}"));
        let label = format!(
            "{} {op_name}{operand}",
            obj.get("fact").and_then(Value::as_str).unwrap_or("?")
        );
        Some(Condition::Test(Test { fact, op, label }))
    }

    /// The test's `fact`, a known fact name.
    fn fact(&mut self, obj: &Map<String, Value>, path: &str) -> Option<Fact> {
        let fact_path = format!("{path}.fact");
        let Some(name) = obj.get("fact").and_then(Value::as_str) else {
            self.error(&fact_path, "must be a fact name");
            return None;
        };
        let fact = Fact::parse(name);
        if fact.is_none() {
            self.error(
                &fact_path,
                format!("unknown fact \"{name}\"; known: {}", FACT_NAMES.join(", ")),
            );
        }
        fact
    }

    /// The operator named `op_name`, with its operand compiled and checked against the
    /// fact's kind.
    fn op(
        &mut self,
        obj: &Map<String, Value>,
        path: &str,
        op_name: &str,
        kind: Kind,
    ) -> Option<Op> {
        let op_path = format!("{path}.op");
        let value_path = format!("{path}.value");
        let value = obj.get("value");
        match op_name {
            "eq" | "ne" => {
                let literal = self.literal(value, kind, &value_path)?;
                Some(if op_name == "eq" {
                    Op::Eq(literal)
                } else {
                    Op::Ne(literal)
                })
            }
            "lt" | "lte" | "gt" | "gte" => self.order(op_name, kind, value, path),
            "contains" | "starts_with" => self.text(op_name, kind, value, path),
            "matches" => {
                if !matches!(kind, Kind::Text | Kind::Any) {
                    self.error(&op_path, "`matches` needs a text fact");
                    return None;
                }
                self.pattern(obj, path)
            }
            "in" => {
                let Some(list) = value.and_then(Value::as_array) else {
                    self.error(&value_path, "must be a list");
                    return None;
                };
                let item_kind = if kind == Kind::List { Kind::Text } else { kind };
                let literals: Option<Vec<Literal>> = list
                    .iter()
                    .enumerate()
                    .map(|(i, v)| self.literal(Some(v), item_kind, &format!("{value_path}[{i}]")))
                    .collect();
                Some(Op::In(literals?))
            }
            "exists" => match value {
                None => Some(Op::Exists(true)),
                Some(Value::Bool(b)) => Some(Op::Exists(*b)),
                Some(_) => {
                    self.error(&value_path, "must be true or false");
                    None
                }
            },
            other => {
                self.error(
                    &op_path,
                    format!("unknown operator \"{other}\"; expected one of {OPS}"),
                );
                None
            }
        }
    }

    /// `lt`, `lte`, `gt`, `gte`: a number fact against a number.
    fn order(
        &mut self,
        op_name: &str,
        kind: Kind,
        value: Option<&Value>,
        path: &str,
    ) -> Option<Op> {
        if !matches!(kind, Kind::Number | Kind::Any) {
            self.error(
                &format!("{path}.op"),
                format!("`{op_name}` needs a number fact"),
            );
            return None;
        }
        let Some(n) = value.and_then(Value::as_f64) else {
            self.error(&format!("{path}.value"), "must be a number");
            return None;
        };
        Some(match op_name {
            "lt" => Op::Lt(n),
            "lte" => Op::Lte(n),
            "gt" => Op::Gt(n),
            _ => Op::Gte(n),
        })
    }

    /// `contains` (text or list facts) and `starts_with` (text facts) against a text.
    fn text(&mut self, op_name: &str, kind: Kind, value: Option<&Value>, path: &str) -> Option<Op> {
        let fits =
            matches!(kind, Kind::Text | Kind::Any) || (op_name == "contains" && kind == Kind::List);
        if !fits {
            self.error(
                &format!("{path}.op"),
                format!("`{op_name}` needs a text fact"),
            );
            return None;
        }
        let Some(s) = value.and_then(Value::as_str) else {
            self.error(&format!("{path}.value"), "must be text");
            return None;
        };
        Some(if op_name == "contains" {
            Op::Contains(s.to_owned())
        } else {
            Op::StartsWith(s.to_owned())
        })
    }

    /// `matches`: exactly one of a regular expression (`regex`, size-limited) or a glob
    /// (`glob`, or `value`), compiled now so a bad pattern is refused when the rule is saved.
    fn pattern(&mut self, obj: &Map<String, Value>, path: &str) -> Option<Op> {
        match (obj.get("regex"), obj.get("glob").or(obj.get("value"))) {
            (Some(Value::String(re)), None) => {
                match regex::RegexBuilder::new(re).size_limit(1 << 20).build() {
                    Ok(r) => Some(Op::Regex(r)),
                    Err(e) => {
                        self.error(
                            &format!("{path}.regex"),
                            format!("invalid regular expression: {e}"),
                        );
                        None
                    }
                }
            }
            (None, Some(Value::String(glob))) => match globset::Glob::new(glob) {
                Ok(g) => Some(Op::Glob(g.compile_matcher())),
                Err(e) => {
                    self.error(&format!("{path}.glob"), format!("invalid glob: {e}"));
                    None
                }
            },
            _ => {
                self.error(
                    path,
                    "`matches` takes exactly one of `glob` (or `value`) and `regex`, as text",
                );
                None
            }
        }
    }

    fn literal(&mut self, value: Option<&Value>, kind: Kind, path: &str) -> Option<Literal> {
        let literal = match value {
            Some(Value::Number(n)) => n.as_f64().map(Literal::Number),
            Some(Value::String(s)) => Some(Literal::Text(s.clone())),
            Some(Value::Bool(b)) => Some(Literal::Bool(*b)),
            _ => None,
        };
        let fits = match (&literal, kind) {
            (None, _) => false,
            (_, Kind::Any) => true,
            (Some(Literal::Number(_)), Kind::Number) => true,
            (Some(Literal::Text(_)), Kind::Text | Kind::List) => true,
            (Some(Literal::Bool(_)), Kind::Bool) => true,
            _ => false,
        };
        if !fits {
            let want = match kind {
                Kind::Number => "a number",
                Kind::Text | Kind::List => "text",
                Kind::Bool => "true or false",
                Kind::Any => "a number, text or boolean",
            };
            self.error(path, format!("must be {want} for this fact"));
            return None;
        }
        literal
    }
}

/// Compiles a condition tree; every problem is added to `errors` with its path.
pub(super) fn compile(
    value: &Value,
    path: &str,
    errors: &mut Vec<FieldError>,
) -> Option<Condition> {
    Compiler { errors, tests: 0 }.condition(value, path, 0)
}

fn literal_matches(literal: &Literal, value: &FactValue<'_>) -> bool {
    match (literal, value) {
        (Literal::Number(a), FactValue::Number(b)) => a == b,
        (Literal::Text(a), FactValue::Text(b)) => a == b,
        (Literal::Bool(a), FactValue::Bool(b)) => a == b,
        (Literal::Number(a), FactValue::Json(j)) => j.as_f64() == Some(*a),
        (Literal::Text(a), FactValue::Json(j)) => j.as_str() == Some(a.as_str()),
        (Literal::Bool(a), FactValue::Json(j)) => j.as_bool() == Some(*a),
        _ => false,
    }
}

fn number(value: &FactValue<'_>) -> Option<f64> {
    match value {
        FactValue::Number(n) => Some(*n),
        FactValue::Json(j) => j.as_f64(),
        _ => None,
    }
}

fn as_text<'v>(value: &'v FactValue<'_>) -> Option<&'v str> {
    match value {
        FactValue::Text(t) => Some(t),
        FactValue::Json(j) => j.as_str(),
        _ => None,
    }
}

impl Test {
    /// Whether the test holds for these facts.
    pub fn holds(&self, facts: &Facts<'_>) -> bool {
        let value = facts.value(&self.fact);
        if let Op::Exists(want) = self.op {
            return !matches!(value, FactValue::Missing) == want;
        }
        if matches!(value, FactValue::Missing) {
            return matches!(self.op, Op::Ne(_));
        }
        match &self.op {
            Op::Eq(l) => literal_matches(l, &value),
            Op::Ne(l) => !literal_matches(l, &value),
            Op::Lt(n) => number(&value).is_some_and(|v| v < *n),
            Op::Lte(n) => number(&value).is_some_and(|v| v <= *n),
            Op::Gt(n) => number(&value).is_some_and(|v| v > *n),
            Op::Gte(n) => number(&value).is_some_and(|v| v >= *n),
            Op::Contains(s) => match &value {
                FactValue::Items(items) => items.iter().any(|i| &i.sku == s),
                FactValue::Tags(tags) => tags.iter().any(|t| t.eq_ignore_ascii_case(s)),
                other => as_text(other).is_some_and(|t| t.contains(s.as_str())),
            },
            Op::StartsWith(s) => as_text(&value).is_some_and(|t| t.starts_with(s.as_str())),
            Op::Glob(g) => as_text(&value).is_some_and(|t| g.is_match(t)),
            Op::Regex(r) => as_text(&value).is_some_and(|t| r.is_match(t)),
            Op::In(list) => match &value {
                FactValue::Items(items) => items.iter().any(|i| {
                    list.iter()
                        .any(|l| matches!(l, Literal::Text(s) if s == &i.sku))
                }),
                FactValue::Tags(tags) => tags.iter().any(|t| {
                    list.iter()
                        .any(|l| matches!(l, Literal::Text(s) if s.eq_ignore_ascii_case(t)))
                }),
                other => list.iter().any(|l| literal_matches(l, other)),
            },
            Op::Exists(_) => false,
        }
    }

    /// For a test on a clock that only becomes true as time passes, the first moment it
    /// holds; for any other test, `now` if it holds and `None` if time alone cannot make it.
    fn earliest(&self, facts: &Facts<'_>) -> Option<Timestamp> {
        if self.holds(facts) {
            return Some(facts.now);
        }
        let clock: Clock = self.fact.clock()?;
        let start = facts.clock_start(clock)?;
        let at = |secs: f64, strictly: bool| {
            let ms = (secs * 1000.0).ceil() as i64 + i64::from(strictly);
            Timestamp(start.0.saturating_add(ms.max(0)))
        };
        match self.op {
            Op::Gte(n) => Some(at(n, false)),
            Op::Gt(n) => Some(at(n, true)),
            _ => None,
        }
    }
}

impl Condition {
    /// Whether the condition holds for these facts.
    pub fn holds(&self, facts: &Facts<'_>) -> bool {
        match self {
            Condition::All(children) => children.iter().all(|c| c.holds(facts)),
            Condition::Any(children) => children.iter().any(|c| c.holds(facts)),
            Condition::Not(child) => !child.holds(facts),
            Condition::Test(test) => test.holds(facts),
        }
    }

    /// If only time moves on from `facts.now`, the first moment the condition holds; `None`
    /// when time alone will not make it hold. A `not` is only planned when it holds now,
    /// because a rule that waits for something to stop being true has no fixed moment.
    pub fn earliest(&self, facts: &Facts<'_>) -> Option<Timestamp> {
        match self {
            Condition::All(children) => children.iter().try_fold(facts.now, |latest, c| {
                c.earliest(facts).map(|t| t.max(latest))
            }),
            Condition::Any(children) => children.iter().filter_map(|c| c.earliest(facts)).min(),
            Condition::Not(child) => (!child.holds(facts)).then_some(facts.now),
            Condition::Test(test) => test.earliest(facts),
        }
    }

    /// Counts the tests that hold and describes those that do not (`device eq "mobile"
    /// (is "desktop")`), for explaining why a rule did not fire.
    pub fn explain(&self, facts: &Facts<'_>, passed: &mut usize, failing: &mut Vec<String>) {
        match self {
            Condition::All(c) | Condition::Any(c) => {
                c.iter().for_each(|c| c.explain(facts, passed, failing))
            }
            Condition::Not(c) => {
                if c.holds(facts) {
                    failing.push("a `not` condition: its inner condition holds".into());
                } else {
                    *passed += 1;
                }
            }
            Condition::Test(t) if t.holds(facts) => *passed += 1,
            Condition::Test(t) => {
                let actual = match facts.value(&t.fact) {
                    FactValue::Missing => "unknown".to_owned(),
                    FactValue::Number(n) => format!("{n}"),
                    FactValue::Text(s) => format!("{s:?}"),
                    FactValue::Bool(b) => b.to_string(),
                    FactValue::Items(items) => format!(
                        "{:?}",
                        items.iter().map(|i| i.sku.as_str()).collect::<Vec<_>>()
                    ),
                    FactValue::Json(j) => j.to_string(),
                    FactValue::Tags(tags) => format!("{tags:?}"),
                };
                failing.push(format!("{} (is {actual})", t.label));
            }
        }
    }

    /// Whether the condition tests a clock, so the rule needs timers.
    pub fn uses_clock(&self) -> bool {
        match self {
            Condition::All(c) | Condition::Any(c) => c.iter().any(Condition::uses_clock),
            Condition::Not(c) => c.uses_clock(),
            Condition::Test(t) => t.fact.clock().is_some(),
        }
    }
}
