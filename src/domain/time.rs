//! Wall-clock time as milliseconds since the Unix epoch: what the wire, the store and the
//! session logic all use, so no layer converts between clocks.

use serde::{Deserialize, Serialize};
use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// The current wall-clock time. A clock set before 1970 reads as the epoch rather than
    /// failing, because no decision here is worth a crash over a broken clock.
    pub fn now() -> Self {
        let ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        Timestamp(ms)
    }

    /// The UTC day this falls on, counted from the Unix epoch (what per-day budgets and
    /// counts are keyed by).
    pub fn utc_day(self) -> i64 {
        self.0.div_euclid(24 * 60 * 60 * 1000)
    }

    /// Milliseconds from `earlier` to `self`, never negative.
    pub fn millis_since(self, earlier: Timestamp) -> i64 {
        (self.0 - earlier.0).max(0)
    }
}
