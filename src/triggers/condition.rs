//! Conditions: nested `all` / `any` / `not` over fact tests, compiled once from JSON (regexes
//! and globs included; see `compile`) and evaluated against [`Facts`]. Also answers the
//! planner's question: if nothing but time changes, when does this condition first become
//! true? Globs are read from a rule set's [`Matched`] table when one is given.

use super::facts::{Clock, Fact, FactValue, Facts};
use super::patterns::{GlobTest, Matched};
use crate::domain::Timestamp;

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
    Glob(Box<GlobTest>),
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

/// The text a text operator reads from a value (a custom attribute's JSON string too).
pub(super) fn as_text<'v>(value: &'v FactValue<'_>) -> Option<&'v str> {
    match value {
        FactValue::Text(t) => Some(t),
        FactValue::Json(j) => j.as_str(),
        _ => None,
    }
}

impl Test {
    /// Whether the test holds for these facts.
    pub fn holds(&self, facts: &Facts<'_>) -> bool {
        self.holds_with(facts, None)
    }

    /// Whether the test holds, its glob (if any) read from `matched`.
    fn holds_with(&self, facts: &Facts<'_>, matched: Option<&Matched>) -> bool {
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
            Op::Glob(g) => as_text(&value).is_some_and(|t| g.is_match(t, matched)),
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
    fn earliest(&self, facts: &Facts<'_>, matched: Option<&Matched>) -> Option<Timestamp> {
        if self.holds_with(facts, matched) {
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
        self.holds_with(facts, None)
    }

    /// Whether the condition holds, globs read from `matched` (computed by the rule set that
    /// holds this condition, for these facts) when given.
    pub(super) fn holds_with(&self, facts: &Facts<'_>, matched: Option<&Matched>) -> bool {
        match self {
            Condition::All(children) => children.iter().all(|c| c.holds_with(facts, matched)),
            Condition::Any(children) => children.iter().any(|c| c.holds_with(facts, matched)),
            Condition::Not(child) => !child.holds_with(facts, matched),
            Condition::Test(test) => test.holds_with(facts, matched),
        }
    }

    /// If only time moves on from `facts.now`, the first moment the condition holds; `None`
    /// when time alone will not make it hold. A `not` is only planned when it holds now,
    /// because a rule that waits for something to stop being true has no fixed moment.
    pub fn earliest(&self, facts: &Facts<'_>) -> Option<Timestamp> {
        self.earliest_with(facts, None)
    }

    /// [`Condition::earliest`], globs read from `matched` when given.
    pub(super) fn earliest_with(
        &self,
        facts: &Facts<'_>,
        matched: Option<&Matched>,
    ) -> Option<Timestamp> {
        match self {
            Condition::All(children) => children.iter().try_fold(facts.now, |latest, c| {
                c.earliest_with(facts, matched).map(|t| t.max(latest))
            }),
            Condition::Any(children) => children
                .iter()
                .filter_map(|c| c.earliest_with(facts, matched))
                .min(),
            Condition::Not(child) => (!child.holds_with(facts, matched)).then_some(facts.now),
            Condition::Test(test) => test.earliest(facts, matched),
        }
    }

    /// Every glob test in the tree, with the fact it tests, for the rule set's table.
    pub(super) fn globs_mut<'c>(&'c mut self, out: &mut Vec<(&'c Fact, &'c mut GlobTest)>) {
        match self {
            Condition::All(c) | Condition::Any(c) => c.iter_mut().for_each(|c| c.globs_mut(out)),
            Condition::Not(c) => c.globs_mut(out),
            Condition::Test(Test {
                fact,
                op: Op::Glob(g),
                ..
            }) => out.push((&*fact, g)),
            Condition::Test(_) => {}
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
