//! Rule simulation: replay a journey (timed events of one visitor) through each rule and say
//! when it would fire, or, if it would not, which tests failed at the moment it came closest.
//! Each rule is simulated alone, as if it were the site's only rule, so one rule's firing does
//! not hide another's behaviour behind the fatigue budget.

use super::engine::{RuleSet, Wake};
use super::facts::Facts;
use super::history::Fatigue;
use super::rule::Rule;
use super::visitor::VisitorRecord;
use crate::domain::{BrowsingEvent, Timestamp, VisitorId};
use serde::Serialize;

/// One step of a journey.
#[derive(Debug, Clone)]
pub struct Step {
    /// Milliseconds from the start of the journey.
    pub at_ms: i64,
    /// The event.
    pub event: BrowsingEvent,
}

/// What the journey does to one rule.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = SimulationOutcome)]
pub struct Outcome {
    /// The rule.
    pub rule_id: String,
    /// Its name.
    pub name: String,
    /// When it first fires, ms from the start; `None` if it does not.
    pub fires_at_ms: Option<i64>,
    /// When it came closest to firing (most tests passing), if it did not fire.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub closest_at_ms: Option<i64>,
    /// The tests that failed then.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub failed: Vec<String>,
}

/// How long after the last step timers are still followed (a dwell after the last page).
pub const TAIL_MS: i64 = 30 * 60 * 1000;

/// Simulates each rule alone over the journey.
pub fn simulate(rules: &[Rule], steps: &[Step], online_agents: usize) -> Vec<Outcome> {
    let agents: Vec<crate::domain::AgentId> = (0..online_agents)
        .map(|_| crate::domain::AgentId::generate())
        .collect();
    rules
        .iter()
        .map(|rule| simulate_one(rule, steps, &agents))
        .collect()
}

fn simulate_one(rule: &Rule, steps: &[Step], agents: &[crate::domain::AgentId]) -> Outcome {
    let mut rule = rule.clone();
    rule.enabled = true;
    // Frequency and budget do not matter for the first firing; holdout is ignored.
    rule.holdout_percent = 0;
    let set = RuleSet::new(
        vec![rule.clone()],
        Fatigue {
            max: u32::MAX,
            window_ms: 1,
        },
    );
    let visitor = VisitorId::generate();
    let mut state = VisitorRecord::first_visit(Timestamp(0));
    let mut best: Option<(usize, i64, Vec<String>)> = None;
    let mut consider = |state: &VisitorRecord, now: i64| {
        let (mut passed, mut failing) = (0, Vec::new());
        rule.conditions
            .explain(&facts_at(state, now, agents), &mut passed, &mut failing);
        if best.as_ref().is_none_or(|(p, _, _)| passed >= *p) {
            best = Some((passed, now, failing));
        }
    };
    let mut now = 0i64;
    let end = steps
        .iter()
        .map(|s| s.at_ms)
        .max()
        .unwrap_or(0)
        .saturating_add(TAIL_MS);
    let mut queue: Vec<&Step> = steps.iter().collect();
    queue.sort_by_key(|s| s.at_ms);
    let mut queue = queue.into_iter().peekable();
    loop {
        let next_step = queue.peek().map(|s| s.at_ms.max(now));
        let timer = set.next_wake(&facts_at(&state, now, agents)).map(|t| t.0);
        match (timer, next_step) {
            (Some(t), step) if t <= step.unwrap_or(end) && t <= end => {
                now = t;
                if set
                    .evaluate(Wake::Timer, &facts_at(&state, now, agents), &visitor, false)
                    .is_some()
                {
                    return fired(&rule, now);
                }
                consider(&state, now);
            }
            (_, Some(at)) => {
                now = at;
                let Some(step) = queue.next() else { break };
                state.apply(&step.event, Timestamp(now));
                let wake = Wake::Event(step.event.name());
                if set
                    .evaluate(wake, &facts_at(&state, now, agents), &visitor, false)
                    .is_some()
                {
                    return fired(&rule, now);
                }
                consider(&state, now);
            }
            _ => break,
        }
    }
    let (closest, failed) = best.map_or((None, Vec::new()), |(_, at, f)| (Some(at), f));
    Outcome {
        rule_id: rule.id.to_string(),
        name: rule.name.clone(),
        fires_at_ms: None,
        closest_at_ms: closest,
        failed,
    }
}

fn facts_at<'a>(
    state: &'a VisitorRecord,
    now: i64,
    agents: &'a [crate::domain::AgentId],
) -> Facts<'a> {
    Facts {
        now: Timestamp(now),
        visitor: state,
        online_agents: agents,
        business_hours: true,
        in_conversation: false,
        shop: None,
    }
}

fn fired(rule: &Rule, at: i64) -> Outcome {
    Outcome {
        rule_id: rule.id.to_string(),
        name: rule.name.clone(),
        fires_at_ms: Some(at),
        closest_at_ms: None,
        failed: Vec::new(),
    }
}
