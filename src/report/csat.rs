//! Customer satisfaction (CSAT) from the shoppers' ratings: the share of ratings that are
//! 4 or 5 stars, per UTC day, per agent, per team, per trigger rule, and for chats only the
//! bot answered against chats people had. The stores give ratings grouped by what they
//! count for; this folds the groups into the report's rows. Pure.

use super::days_between;
use crate::conversation::rating::SATISFIED_FROM;
use crate::domain::{AgentId, RuleId, Timestamp};

/// Ratings that share a day, a score and what they count for, as the stores return them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RatingGroup {
    /// `YYYY-MM-DD` (UTC) of the rating.
    pub date: String,
    /// 1 to 5.
    pub score: u8,
    /// The agent who last had the chat; `None` when only the bot answered.
    pub agent: Option<AgentId>,
    /// The chat's team, if it had one.
    pub team: Option<String>,
    /// The trigger rule whose message opened the chat, if one did.
    pub rule: Option<RuleId>,
    /// How many.
    pub count: u64,
}

/// Ratings counted together.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CsatCount {
    /// Ratings.
    pub ratings: u64,
    /// Of those, 4s and 5s.
    pub satisfied: u64,
    /// Sum of the scores (for the average).
    pub score_sum: u64,
}

impl CsatCount {
    fn add(&mut self, group: &RatingGroup) {
        self.ratings += group.count;
        self.score_sum += u64::from(group.score) * group.count;
        if group.score >= SATISFIED_FROM {
            self.satisfied += group.count;
        }
    }

    /// Percentage of 4s and 5s (0–100, one decimal); `None` without ratings.
    pub fn csat(&self) -> Option<f64> {
        (self.ratings > 0)
            .then(|| (self.satisfied as f64 * 1000.0 / self.ratings as f64).round() / 10.0)
    }

    /// Average score (two decimals); `None` without ratings.
    pub fn average(&self) -> Option<f64> {
        (self.ratings > 0)
            .then(|| (self.score_sum as f64 * 100.0 / self.ratings as f64).round() / 100.0)
    }
}

/// The CSAT part of the owners' report.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Csat {
    /// Every rating in the window.
    pub totals: CsatCount,
    /// Every day of the window, oldest first, zeros where nobody rated.
    pub days: Vec<(String, CsatCount)>,
    /// Per agent who had rated chats.
    pub agents: Vec<(AgentId, CsatCount)>,
    /// Per team of rated chats.
    pub teams: Vec<(String, CsatCount)>,
    /// Per trigger rule that opened rated chats.
    pub rules: Vec<(RuleId, CsatCount)>,
    /// Chats only the bot answered.
    pub bot: CsatCount,
    /// Chats a person had.
    pub people: CsatCount,
}

fn bump<K: PartialEq + Clone>(rows: &mut Vec<(K, CsatCount)>, key: &K, group: &RatingGroup) {
    match rows.iter_mut().find(|(k, _)| k == key) {
        Some((_, c)) => c.add(group),
        None => {
            let mut c = CsatCount::default();
            c.add(group);
            rows.push((key.clone(), c));
        }
    }
}

/// Folds the groups of ratings given from `from` to `to` into the report's rows.
pub fn fold(from: Timestamp, to: Timestamp, groups: &[RatingGroup]) -> Csat {
    let mut csat = Csat {
        days: days_between(from, to)
            .into_iter()
            .map(|d| (d, CsatCount::default()))
            .collect(),
        ..Csat::default()
    };
    for group in groups {
        csat.totals.add(group);
        if let Some((_, c)) = csat.days.iter_mut().find(|(d, _)| *d == group.date) {
            c.add(group);
        }
        match &group.agent {
            Some(agent) => {
                csat.people.add(group);
                bump(&mut csat.agents, agent, group);
            }
            None => csat.bot.add(group),
        }
        if let Some(team) = &group.team {
            bump(&mut csat.teams, team, group);
        }
        if let Some(rule) = &group.rule {
            bump(&mut csat.rules, rule, group);
        }
    }
    csat
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-03-10 15:30 UTC.
    const NOW: Timestamp = Timestamp(1_773_156_600_000);

    fn group(date: &str, score: u8, agent: Option<&AgentId>, count: u64) -> RatingGroup {
        RatingGroup {
            date: date.into(),
            score,
            agent: agent.cloned(),
            team: agent.map(|_| "returns".to_owned()),
            rule: None,
            count,
        }
    }

    #[test]
    fn csat_is_the_share_of_fours_and_fives_per_day_agent_and_bot() {
        let ann = AgentId::generate();
        let (from, to) = super::super::window(NOW, 3);
        let groups = [
            group("2026-03-08", 5, Some(&ann), 2),
            group("2026-03-08", 2, Some(&ann), 1),
            group("2026-03-10", 4, None, 1),
            group("2026-03-10", 1, None, 1),
        ];
        let csat = fold(from, to, &groups);
        assert_eq!(csat.totals.ratings, 5);
        assert_eq!(csat.totals.csat(), Some(60.0));
        let days: Vec<(&str, u64)> = csat
            .days
            .iter()
            .map(|(d, c)| (d.as_str(), c.ratings))
            .collect();
        assert_eq!(
            days,
            [("2026-03-08", 3), ("2026-03-09", 0), ("2026-03-10", 2)]
        );
        assert_eq!(csat.days[0].1.csat(), Some(66.7));
        assert_eq!(csat.days[1].1.csat(), None);
        assert_eq!(csat.agents.len(), 1);
        assert_eq!(csat.agents[0].0, ann);
        assert_eq!(csat.agents[0].1.average(), Some(4.0));
        assert_eq!(csat.teams[0].0, "returns");
        assert_eq!((csat.bot.ratings, csat.bot.csat()), (2, Some(50.0)));
        assert_eq!(csat.people.ratings, 3);
        assert!(csat.rules.is_empty());
    }
}
