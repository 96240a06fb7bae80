//! Evaluation and timer planning over one site's rules.
//!
//! Rules are sorted by priority once and indexed by the events that wake them, so an event
//! looks only at rules that care about it, in priority order, and stops at the first that
//! fires: at most one firing per evaluation.

use super::facts::Facts;
use super::history::Fatigue;
use super::patterns::{Matched, Patterns};
use super::rule::{Action, Persona, Rule};
use super::visitor::VisitorRecord;
use crate::domain::{RuleId, Timestamp, VisitorId};
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// What woke the engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wake<'a> {
    /// A browsing event with this name.
    Event(&'a str),
    /// A timer the engine asked for.
    Timer,
}

/// A rule fired.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Firing {
    /// Position of the rule in [`RuleSet::rules`].
    pub index: usize,
    /// The rule.
    pub rule_id: RuleId,
    /// The visitor is in the rule's control group: count it, show nothing.
    pub held_out: bool,
}

/// The outcome of one evaluation.
pub type Evaluation = Option<Firing>;

/// One site's rules, ready to evaluate.
#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    rules: Vec<Rule>,
    by_event: HashMap<String, Vec<usize>>,
    any_event: Vec<usize>,
    timed: Vec<usize>,
    fatigue: Fatigue,
    /// Every glob of the rules, one set per fact, matched once per evaluation.
    patterns: Patterns,
}

/// Whether a visitor is in a rule's holdout group: a stable hash of the pair, so the same
/// visitor is always in or out for the same rule, on every node and after every restart.
pub fn in_holdout(visitor: &VisitorId, rule: &RuleId, percent: u8) -> bool {
    if percent == 0 {
        return false;
    }
    let digest = Sha256::new()
        .chain_update(visitor.as_str())
        .chain_update(b":")
        .chain_update(rule.as_str())
        .finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_be_bytes(first) % 100 < u64::from(percent)
}

impl RuleSet {
    /// Indexes the rules; the enabled ones only take part.
    pub fn new(mut rules: Vec<Rule>, fatigue: Fatigue) -> Self {
        rules.sort_by(|a, b| b.priority.cmp(&a.priority).then_with(|| a.id.cmp(&b.id)));
        let mut set = RuleSet {
            fatigue,
            ..RuleSet::default()
        };
        for (i, rule) in rules.iter().enumerate().filter(|(_, r)| r.enabled) {
            if rule.when.is_empty() {
                set.any_event.push(i);
            }
            for event in &rule.when {
                set.by_event.entry(event.clone()).or_default().push(i);
            }
            if rule.conditions.uses_clock() {
                set.timed.push(i);
            }
        }
        set.patterns = Patterns::build(rules.iter_mut().fold(Vec::new(), |mut globs, rule| {
            rule.conditions.globs_mut(&mut globs);
            globs
        }));
        set.rules = rules;
        set
    }

    /// Runs the visitor's facts through every glob of the rules once. The answer is good for
    /// as long as the facts globs test (page, product, attributes…) stay the same: hand it to
    /// [`RuleSet::evaluate_with`] and then [`RuleSet::next_wake_with`], so one event matches
    /// each pattern once instead of once per use.
    pub fn matched(&self, facts: &Facts<'_>) -> Matched {
        self.patterns.matched(facts)
    }

    /// The rules, highest priority first.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The site's fatigue budget.
    pub fn fatigue(&self) -> &Fatigue {
        &self.fatigue
    }

    fn eligible(&self, rule: &Rule, facts: &Facts<'_>, matched: &Matched, typing: bool) -> bool {
        let history = &facts.visitor.triggers;
        let session = facts.visitor.session_started_at;
        let available = history.rule_available_from(&rule.id, &rule.frequency, session, facts.now);
        if available.is_none_or(|t| t > facts.now) {
            return false;
        }
        if rule.is_proactive()
            && (typing
                || facts.in_conversation
                || history.fatigue_available_from(&self.fatigue, facts.now) > facts.now)
        {
            return false;
        }
        // An agent persona speaks only while that agent is here to answer.
        let persona_present = rule.actions.iter().all(|a| match a {
            Action::Message {
                persona: Persona::Agent(agent),
                ..
            } => facts.online_agents.contains(agent),
            _ => true,
        });
        persona_present && rule.conditions.holds_with(facts, Some(matched))
    }

    /// Evaluates the rules `wake` concerns and returns the highest-priority one that fires.
    pub fn evaluate(
        &self,
        wake: Wake<'_>,
        facts: &Facts<'_>,
        visitor: &VisitorId,
        typing: bool,
    ) -> Evaluation {
        self.evaluate_with(&self.matched(facts), wake, facts, visitor, typing)
    }

    /// [`RuleSet::evaluate`] with the globs already matched (by [`RuleSet::matched`], for
    /// these facts).
    pub fn evaluate_with(
        &self,
        matched: &Matched,
        wake: Wake<'_>,
        facts: &Facts<'_>,
        visitor: &VisitorId,
        typing: bool,
    ) -> Evaluation {
        let pick = |i: usize| {
            let rule = &self.rules[i];
            self.eligible(rule, facts, matched, typing).then(|| Firing {
                index: i,
                rule_id: rule.id.clone(),
                held_out: in_holdout(visitor, &rule.id, rule.holdout_percent),
            })
        };
        match wake {
            Wake::Timer => self.timed.iter().find_map(|&i| pick(i)),
            Wake::Event(name) => {
                let named = self.by_event.get(name).map_or(&[][..], Vec::as_slice);
                // Both lists ascend in priority order; walk them merged.
                let (mut a, mut b) = (named.iter().peekable(), self.any_event.iter().peekable());
                loop {
                    let next = match (a.peek(), b.peek()) {
                        (Some(&&x), Some(&&y)) if x <= y => a.next(),
                        (Some(_), Some(_)) => b.next(),
                        (Some(_), None) => a.next(),
                        (None, Some(_)) => b.next(),
                        (None, None) => return None,
                    };
                    if let Some(firing) = next.and_then(|&i| pick(i)) {
                        return Some(firing);
                    }
                }
            }
        }
    }

    /// Records a firing in the visitor's history (before anything is shown).
    pub fn record(&self, firing: &Firing, visitor: &mut VisitorRecord, now: Timestamp) {
        let proactive = self.rules[firing.index].is_proactive();
        let session = visitor.session_started_at;
        visitor.triggers.record(
            &firing.rule_id,
            session,
            now,
            firing.held_out,
            proactive,
            &self.fatigue,
        );
    }

    /// The next moment a time-based rule could fire if nothing but time changes, strictly
    /// after `facts.now`; the connection arms one timer for it.
    pub fn next_wake(&self, facts: &Facts<'_>) -> Option<Timestamp> {
        self.next_wake_with(&self.matched(facts), facts)
    }

    /// [`RuleSet::next_wake`] with the globs already matched (by [`RuleSet::matched`], for
    /// facts that differ from these at most in the trigger history).
    pub fn next_wake_with(&self, matched: &Matched, facts: &Facts<'_>) -> Option<Timestamp> {
        let history = &facts.visitor.triggers;
        let session = facts.visitor.session_started_at;
        self.timed
            .iter()
            .filter_map(|&i| {
                let rule = &self.rules[i];
                let holds_at = rule.conditions.earliest_with(facts, Some(matched))?;
                let allowed_at =
                    history.rule_available_from(&rule.id, &rule.frequency, session, facts.now)?;
                let fatigue_at = if rule.is_proactive() {
                    history.fatigue_available_from(&self.fatigue, facts.now)
                } else {
                    facts.now
                };
                Some(holds_at.max(allowed_at).max(fatigue_at))
            })
            .filter(|t| *t > facts.now)
            .min()
    }
}
