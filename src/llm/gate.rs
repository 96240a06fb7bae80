//! The bounds on model calls, checked before a call is made: at most `max_concurrent` in
//! flight on this node (one more is refused at once rather than queued: its fallback is
//! ready now), and at most `daily_requests` per site per UTC day on this node.

use crate::domain::{SiteId, Timestamp};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Why a call may not be made now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Closed {
    /// All slots are taken.
    Busy,
    /// The site's calls for today are spent.
    OverBudget,
}

/// Slots and daily counts for one node.
pub struct Gate {
    slots: Arc<Semaphore>,
    daily_limit: u32,
    /// Per site: the day number and the calls counted on it.
    days: Mutex<HashMap<SiteId, (i64, u32)>>,
}

/// A call's slot, released when dropped.
pub struct Pass {
    _slot: OwnedSemaphorePermit,
}

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

impl Gate {
    /// A gate with `max_concurrent` slots and `daily_limit` calls per site per day.
    pub fn new(max_concurrent: usize, daily_limit: u32) -> Gate {
        Gate {
            slots: Arc::new(Semaphore::new(max_concurrent)),
            daily_limit,
            days: Mutex::default(),
        }
    }

    /// A slot for one call for `site` at `now`, counted against its day; or why not.
    pub fn enter(&self, site: &SiteId, now: Timestamp) -> Result<Pass, Closed> {
        let slot = self
            .slots
            .clone()
            .try_acquire_owned()
            .map_err(|_| Closed::Busy)?;
        let day = now.0 / DAY_MS;
        let mut days = self
            .days
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // Yesterday's counts are dropped as soon as any site calls today: the map stays as
        // small as the sites that called today.
        days.retain(|_, (d, _)| *d == day);
        let count = days.entry(site.clone()).or_insert((day, 0));
        if count.1 >= self.daily_limit {
            return Err(Closed::OverBudget);
        }
        count.1 += 1;
        Ok(Pass { _slot: slot })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_and_the_daily_budget_bound_calls_before_they_are_made() {
        let gate = Gate::new(1, 2);
        let site = SiteId::generate();
        let first = gate.enter(&site, Timestamp(0)).unwrap();
        assert!(matches!(gate.enter(&site, Timestamp(0)), Err(Closed::Busy)));
        drop(first);
        drop(gate.enter(&site, Timestamp(1)).unwrap());
        assert!(matches!(
            gate.enter(&site, Timestamp(2)),
            Err(Closed::OverBudget)
        ));
        // Another site has its own budget; the next day starts afresh.
        drop(gate.enter(&SiteId::generate(), Timestamp(3)).unwrap());
        drop(gate.enter(&site, Timestamp(DAY_MS)).unwrap());
    }
}
