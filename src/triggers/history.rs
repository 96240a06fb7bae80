//! What rules have done to one visitor, kept with the visitor's state and saved before any
//! message is shown, so tabs, reconnects and restarts all see the same counts.

use super::rule::{Frequency, Limit};
use crate::domain::{RuleId, Timestamp};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, VecDeque};

/// Firings remembered per rule for sliding-window caps.
const MAX_RECENT: usize = 1000;
/// Rules remembered per visitor; the oldest entry goes first beyond this.
const MAX_RULES: usize = 500;

/// One rule's record for one visitor.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RuleRecord {
    /// Firings ever (shown or held out).
    pub total: u32,
    /// Session (by its start) of the last firing.
    #[schema(value_type = Option<i64>)]
    pub session: Option<Timestamp>,
    /// Last firing.
    #[schema(value_type = Option<i64>)]
    pub last_at: Option<Timestamp>,
    /// Recent firings, oldest first, for `AtMost` caps.
    #[schema(value_type = Vec<i64>)]
    pub recent: VecDeque<Timestamp>,
    /// Dismissed by the shopper; not shown again before this.
    #[schema(value_type = Option<i64>)]
    pub dismissed_until: Option<Timestamp>,
}

/// A stage of a rule's funnel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FunnelStage {
    /// The rule fired (shown, or counted for a held-out visitor).
    Fired,
    /// The shopper opened the widget afterwards.
    Opened,
    /// The shopper wrote a message afterwards.
    Replied,
    /// The shopper bought within the attribution window.
    Converted,
}

impl FunnelStage {
    /// Every stage in funnel order.
    pub const ALL: [FunnelStage; 4] = [
        FunnelStage::Fired,
        FunnelStage::Opened,
        FunnelStage::Replied,
        FunnelStage::Converted,
    ];

    /// The stage's name in storage and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            FunnelStage::Fired => "fired",
            FunnelStage::Opened => "opened",
            FunnelStage::Replied => "replied",
            FunnelStage::Converted => "converted",
        }
    }
}

/// The last rule that fired for a visitor, and how far the visitor went after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Attribution {
    /// The rule.
    #[schema(value_type = String)]
    pub rule: RuleId,
    /// Whether the visitor was in the control group.
    pub held_out: bool,
    /// When it fired.
    #[schema(value_type = i64)]
    pub at: Timestamp,
    /// Stages already counted for this firing.
    pub reached: Vec<FunnelStage>,
}

/// Trigger history of one visitor.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TriggerHistory {
    /// Each rule's record, by rule id.
    rules: BTreeMap<String, RuleRecord>,
    /// The firing later stages are credited to.
    #[serde(default)]
    last: Option<Attribution>,
    /// Times proactive messages were shown, newest last, bounded by the fatigue budget.
    #[schema(value_type = Vec<i64>)]
    shown: VecDeque<Timestamp>,
    /// Proactive messages shown ever.
    shown_total: u32,
}

/// The site-wide limit on proactive messages per visitor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fatigue {
    /// Messages allowed per window.
    pub max: u32,
    /// The sliding window.
    pub window_ms: i64,
}

impl Default for Fatigue {
    /// One proactive message per visitor per hour.
    fn default() -> Self {
        Fatigue {
            max: 1,
            window_ms: 3_600_000,
        }
    }
}

impl TriggerHistory {
    /// Proactive messages this visitor has been shown.
    pub fn proactive_total(&self) -> u32 {
        self.shown_total
    }

    /// The record of a rule, if it ever fired or was dismissed.
    pub fn rule(&self, rule: &RuleId) -> Option<&RuleRecord> {
        self.rules.get(rule.as_str())
    }

    /// The first moment the rule may fire again (`now` if it may now); `None` if never again
    /// (once per visitor) or not in this session (once per session).
    pub fn rule_available_from(
        &self,
        rule: &RuleId,
        frequency: &Frequency,
        session: Timestamp,
        now: Timestamp,
    ) -> Option<Timestamp> {
        let Some(record) = self.rules.get(rule.as_str()) else {
            return Some(now);
        };
        let mut from = now;
        if let Some(until) = record.dismissed_until {
            from = from.max(until);
        }
        match frequency.limit {
            Limit::OncePerVisitor if record.total > 0 => return None,
            Limit::OncePerSession if record.session == Some(session) => return None,
            Limit::AtMost { max, period_ms } => {
                let in_window: Vec<&Timestamp> = record
                    .recent
                    .iter()
                    .filter(|t| t.0 > now.0 - period_ms)
                    .collect();
                if in_window.len() >= max as usize {
                    let oldest = in_window[in_window.len() - max as usize];
                    from = from.max(Timestamp(oldest.0 + period_ms));
                }
            }
            _ => {}
        }
        if let Some(last) = record.last_at {
            from = from.max(Timestamp(last.0 + frequency.cooldown_ms));
        }
        Some(from)
    }

    /// The first moment the fatigue budget allows another proactive message.
    pub fn fatigue_available_from(&self, fatigue: &Fatigue, now: Timestamp) -> Timestamp {
        if fatigue.max == 0 {
            return Timestamp(i64::MAX);
        }
        let in_window: Vec<&Timestamp> = self
            .shown
            .iter()
            .filter(|t| t.0 > now.0 - fatigue.window_ms)
            .collect();
        if in_window.len() < fatigue.max as usize {
            return now;
        }
        let oldest = in_window[in_window.len() - fatigue.max as usize];
        Timestamp(oldest.0 + fatigue.window_ms).max(now)
    }

    /// Records a firing. A held-out visitor saw nothing, and a rule without a proactive
    /// action shows nothing, so only the others count against the fatigue budget.
    pub fn record(
        &mut self,
        rule: &RuleId,
        session: Timestamp,
        now: Timestamp,
        held_out: bool,
        proactive: bool,
        fatigue: &Fatigue,
    ) {
        if !self.rules.contains_key(rule.as_str()) && self.rules.len() >= MAX_RULES {
            let oldest = self
                .rules
                .iter()
                .min_by_key(|(_, r)| r.last_at)
                .map(|(k, _)| k.clone());
            if let Some(key) = oldest {
                self.rules.remove(&key);
            }
        }
        let record = self.rules.entry(rule.to_string()).or_default();
        record.total = record.total.saturating_add(1);
        record.session = Some(session);
        record.last_at = Some(now);
        if record.recent.len() == MAX_RECENT {
            record.recent.pop_front();
        }
        record.recent.push_back(now);
        self.last = Some(Attribution {
            rule: rule.clone(),
            held_out,
            at: now,
            reached: vec![FunnelStage::Fired],
        });
        if proactive && !held_out {
            self.shown_total = self.shown_total.saturating_add(1);
            self.shown.push_back(now);
            while self.shown.len() > fatigue.max.max(1) as usize {
                self.shown.pop_front();
            }
        }
    }

    /// Credits a later stage to the last firing, once, within `window_ms` of it; returns the
    /// rule and group to count, or `None` if there is nothing (new) to credit.
    pub fn reach(
        &mut self,
        stage: FunnelStage,
        now: Timestamp,
        window_ms: i64,
    ) -> Option<(RuleId, bool)> {
        let last = self.last.as_mut()?;
        if last.reached.contains(&stage) || now.0 - last.at.0 > window_ms {
            return None;
        }
        last.reached.push(stage);
        Some((last.rule.clone(), last.held_out))
    }

    /// The shopper dismissed a rule's message: not again before `until`.
    pub fn dismiss(&mut self, rule: &RuleId, until: Timestamp) {
        let record = self.rules.entry(rule.to_string()).or_default();
        record.dismissed_until = Some(record.dismissed_until.map_or(until, |d| d.max(until)));
    }

    /// Shown times inside the fatigue window, for tests and reports.
    pub fn shown_in_window(&self, fatigue: &Fatigue, now: Timestamp) -> usize {
        self.shown
            .iter()
            .filter(|t| t.0 > now.0 - fatigue.window_ms)
            .count()
    }

    /// Takes in another device's history of the same customer, so every cap counts what
    /// either device was shown. Idempotent and order-free (firings are a union by time,
    /// counts the larger of the two): merging the same device again on its next page changes
    /// nothing, and two firings of a rule at one instant count once.
    pub fn merge(&mut self, other: &TriggerHistory) {
        for (rule, theirs) in &other.rules {
            let mine = self.rules.entry(rule.clone()).or_default();
            if theirs.last_at > mine.last_at {
                mine.session = theirs.session;
                mine.last_at = theirs.last_at;
            }
            mine.total = mine.total.max(theirs.total);
            mine.recent = union(&mine.recent, &theirs.recent, MAX_RECENT);
            mine.dismissed_until = mine.dismissed_until.max(theirs.dismissed_until);
        }
        while self.rules.len() > MAX_RULES {
            let oldest = self
                .rules
                .iter()
                .min_by_key(|(_, r)| r.last_at)
                .map(|(k, _)| k.clone());
            match oldest {
                Some(key) => self.rules.remove(&key),
                None => break,
            };
        }
        if other.last.as_ref().map(|l| l.at) > self.last.as_ref().map(|l| l.at) {
            self.last.clone_from(&other.last);
        }
        let keep = self.shown.len().max(other.shown.len());
        self.shown = union(&self.shown, &other.shown, keep);
        self.shown_total = self.shown_total.max(other.shown_total);
    }
}

/// The times in either list, once each, oldest first, the newest `keep` of them.
fn union(a: &VecDeque<Timestamp>, b: &VecDeque<Timestamp>, keep: usize) -> VecDeque<Timestamp> {
    let mut all: Vec<Timestamp> = a.iter().chain(b).copied().collect();
    all.sort();
    all.dedup();
    let skip = all.len().saturating_sub(keep);
    all.into_iter().skip(skip).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fired(rule: &RuleId, at: i64) -> TriggerHistory {
        let mut h = TriggerHistory::default();
        h.record(
            rule,
            Timestamp(at),
            Timestamp(at),
            false,
            true,
            &Fatigue::default(),
        );
        h
    }

    #[test]
    fn a_merged_device_history_caps_the_rule_and_merging_again_changes_nothing() {
        let rule = RuleId::generate();
        let once = Frequency {
            limit: Limit::OncePerVisitor,
            cooldown_ms: 0,
        };
        let mut customer = TriggerHistory::default();
        let device = fired(&rule, 100);
        assert!(
            customer
                .rule_available_from(&rule, &once, Timestamp(0), Timestamp(200))
                .is_some()
        );
        customer.merge(&device);
        assert_eq!(
            customer.rule_available_from(&rule, &once, Timestamp(0), Timestamp(200)),
            None,
            "fired on the other device: not again"
        );
        assert_eq!(customer.proactive_total(), 1);
        let merged = customer.clone();
        customer.merge(&device);
        assert_eq!(customer, merged, "idempotent");
        // Both devices fired it at different times: both firings count for `AtMost` caps.
        let mut both = fired(&rule, 300);
        both.merge(&device);
        assert_eq!(both.rule(&rule).map(|r| r.recent.len()), Some(2));
        assert_eq!(
            both.rule(&rule).and_then(|r| r.last_at),
            Some(Timestamp(300))
        );
    }
}
