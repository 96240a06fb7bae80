//! The owners' site report, the parts that are arithmetic rather than SQL: which window
//! `days=N` means, and one entry per UTC day including the days nothing happened, so a
//! dashboard can draw the chart without guessing at gaps. Pure: the clock is passed in.

pub mod csat;

use crate::conversation::HandoffReason;
use crate::domain::Timestamp;
use chrono::{DateTime, Duration, NaiveDate, Utc};

/// A site's conversation numbers over a time window, as the owners' report shows them.
/// Plain counts from the store; the HTTP layer fills in days without conversations.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SiteStats {
    /// Per UTC day that had conversations (`YYYY-MM-DD`), oldest first.
    pub days: Vec<DayStats>,
    /// Conversations per handoff reason.
    pub handoff_reasons: Vec<(HandoffReason, u64)>,
    /// Conversations created in the window.
    pub conversations: u64,
    /// Never handed to people and never written to by an agent.
    pub bot_only: u64,
    /// An agent wrote in them.
    pub with_agent: u64,
    /// Conversations with a first agent reply after they went to people.
    pub responses: u64,
    /// Median time to that first reply (nearest rank), ms.
    pub median_response_ms: Option<i64>,
    /// 90th percentile of it (nearest rank), ms.
    pub p90_response_ms: Option<i64>,
}

/// One UTC day of a [`SiteStats`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayStats {
    /// `YYYY-MM-DD`, UTC.
    pub date: String,
    /// Conversations created that day.
    pub conversations: u64,
    /// Of those, the ones that went to people (they have a handoff reason).
    pub handed_off: u64,
}

/// One UTC day of the AI-draft figures: drafts the model made and messages agents sent from
/// them, unchanged or edited. Counted as they happen (not from the conversations held), and
/// kept [`DRAFT_DAYS_KEPT`] days.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DraftDay {
    /// `YYYY-MM-DD`, UTC.
    pub date: String,
    /// Model drafts made (on the agent's click or automatically).
    pub drafted: u64,
    /// Messages sent exactly as the model drafted them.
    pub sent_unchanged: u64,
    /// Messages sent from a model draft the agent changed first.
    pub sent_edited: u64,
}

/// How long the stores keep the per-day draft figures: longer than the longest report window.
pub const DRAFT_DAYS_KEPT: i64 = 100;

/// The UTC day (`YYYY-MM-DD`) of a time, as the draft figures are keyed.
pub fn day_key(at: Timestamp) -> String {
    utc_date(at).format("%Y-%m-%d").to_string()
}

/// The first day whose draft figures are still kept at `now`.
pub fn oldest_kept_day(now: Timestamp) -> String {
    (utc_date(now) - Duration::days(DRAFT_DAYS_KEPT - 1))
        .format("%Y-%m-%d")
        .to_string()
}

/// Every day from `from`'s to `to`'s (UTC), oldest first, as `YYYY-MM-DD`.
pub fn days_between(from: Timestamp, to: Timestamp) -> Vec<String> {
    let (first, last) = (utc_date(from), utc_date(to));
    first
        .iter_days()
        .take_while(|d| *d <= last)
        .map(|d| d.format("%Y-%m-%d").to_string())
        .collect()
}

/// Every day of the window with the draft figures the store found and zeros elsewhere.
pub fn fill_draft_days(from: Timestamp, to: Timestamp, found: &[DraftDay]) -> Vec<DraftDay> {
    days_between(from, to)
        .into_iter()
        .map(|date| {
            found
                .iter()
                .find(|f| f.date == date)
                .cloned()
                .unwrap_or(DraftDay {
                    date,
                    ..DraftDay::default()
                })
        })
        .collect()
}

/// Longest report window, days.
pub const MAX_DAYS: u32 = 90;
/// The window when none is asked for, days.
pub const DEFAULT_DAYS: u32 = 14;

/// The window of a `days`-day report ending at `now`: from the start (UTC midnight) of the
/// day `days - 1` days before today up to `now`, so today counts as the last of the days.
pub fn window(now: Timestamp, days: u32) -> (Timestamp, Timestamp) {
    let today = utc_date(now);
    let first = today - Duration::days(i64::from(days.max(1)) - 1);
    let from = first
        .and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc().timestamp_millis())
        .unwrap_or(0);
    (Timestamp(from), now)
}

fn utc_date(at: Timestamp) -> NaiveDate {
    DateTime::<Utc>::from_timestamp_millis(at.0)
        .unwrap_or_default()
        .date_naive()
}

/// Every day from `from`'s to `to`'s (UTC), oldest first, with the counts the store found
/// and zeros for the days it found nothing.
pub fn fill_days(from: Timestamp, to: Timestamp, found: &[DayStats]) -> Vec<DayStats> {
    let (first, last) = (utc_date(from), utc_date(to));
    first
        .iter_days()
        .take_while(|d| *d <= last)
        .map(|day| {
            let date = day.format("%Y-%m-%d").to_string();
            found
                .iter()
                .find(|f| f.date == date)
                .cloned()
                .unwrap_or(DayStats {
                    date,
                    conversations: 0,
                    handed_off: 0,
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-03-10 15:30 UTC.
    const NOW: Timestamp = Timestamp(1_773_156_600_000);

    #[test]
    fn the_window_starts_at_midnight_and_today_is_its_last_day() {
        let (from, to) = window(NOW, 3);
        assert_eq!(to, NOW);
        let start = DateTime::<Utc>::from_timestamp_millis(from.0).unwrap();
        assert_eq!(start.to_rfc3339(), "2026-03-08T00:00:00+00:00");
        let (from, _) = window(NOW, 1);
        let start = DateTime::<Utc>::from_timestamp_millis(from.0).unwrap();
        assert_eq!(start.to_rfc3339(), "2026-03-10T00:00:00+00:00");
    }

    #[test]
    fn days_without_conversations_are_zeros_in_order() {
        let (from, to) = window(NOW, 4);
        let found = vec![DayStats {
            date: "2026-03-08".into(),
            conversations: 3,
            handed_off: 1,
        }];
        let days = fill_days(from, to, &found);
        let dates: Vec<&str> = days.iter().map(|d| d.date.as_str()).collect();
        assert_eq!(
            dates,
            ["2026-03-07", "2026-03-08", "2026-03-09", "2026-03-10"]
        );
        assert_eq!(days[1], found[0]);
        assert!(
            days.iter()
                .enumerate()
                .all(|(i, d)| i == 1 || d.conversations == 0)
        );
        assert_eq!(fill_days(from, to, &[]).len(), 4);
    }
}
