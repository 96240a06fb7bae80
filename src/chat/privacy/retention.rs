//! Retention: each site's periods, and the sweep that enforces them. Every node runs the
//! sweep on a timer; each removal re-checks its own condition in the store's atomic step
//! (SQLite's writer, a Redis script), so two nodes sweeping at once remove each record once
//! and a shopper who comes back during a sweep keeps their visitor.

use crate::chat::{ChatError, ChatService};
use crate::domain::{SiteId, Timestamp};
use crate::privacy::{RetentionSettings, cutoff};
use crate::store::StoreError;
use crate::store::prelude::*;
use std::time::Duration;

/// How often each node sweeps: retention is counted in days, an hour late is nothing.
const SWEEP_EVERY: Duration = Duration::from_secs(60 * 60);
/// Records removed per store call.
const BATCH: usize = 200;
/// Calls per kind, site and sweep, so a site with a backlog cannot hold the sweep for long;
/// the rest waits for the next sweep.
const MAX_BATCHES: usize = 50;

/// What one sweep removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct SweepReport {
    /// Browsing states past their site's period.
    pub visitors: u64,
    /// Closed conversations past their site's period.
    pub conversations: u64,
}

/// A site's retention periods (the defaults until an owner saves some).
pub(crate) async fn settings(
    store: &dyn Store,
    site: &SiteId,
) -> Result<RetentionSettings, StoreError> {
    Ok(store.retention(site).await?.unwrap_or_default())
}

/// Applies one site's periods at `now`, in bounded batches; `stop` ends it between batches.
pub(crate) async fn sweep_site(
    store: &dyn Store,
    site: &SiteId,
    now: Timestamp,
    stop: &(dyn Fn() -> bool + Sync),
) -> Result<SweepReport, StoreError> {
    let periods = settings(store, site).await?;
    let mut report = SweepReport::default();
    let visitors_before = cutoff(now, periods.browsing_days);
    for _ in 0..MAX_BATCHES {
        let n = store.expire_visitors(site, visitors_before, BATCH).await?;
        report.visitors += n;
        if n < BATCH as u64 || stop() {
            break;
        }
    }
    let conversations_before = cutoff(now, periods.closed_conversation_days);
    for _ in 0..MAX_BATCHES {
        let n = store
            .expire_conversations(site, conversations_before, BATCH)
            .await?;
        report.conversations += n;
        if n < BATCH as u64 || stop() {
            break;
        }
    }
    Ok(report)
}

/// One pass over every site at `now`.
pub async fn sweep(
    store: &dyn Store,
    now: Timestamp,
    stop: &(dyn Fn() -> bool + Sync),
) -> Result<SweepReport, StoreError> {
    let mut total = SweepReport::default();
    for site in store.list_sites().await? {
        if stop() {
            break;
        }
        match sweep_site(store, &site.id, now, stop).await {
            Ok(r) => {
                total.visitors += r.visitors;
                total.conversations += r.conversations;
            }
            Err(e) => tracing::warn!(error = %e, site = %site.id, "retention sweep failed"),
        }
    }
    Ok(total)
}

impl ChatService {
    /// Starts this node's retention sweep, hourly from start, until shutdown.
    pub fn start_retention(&self) {
        let service = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(SWEEP_EVERY);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = service.shutdown.cancelled() => return,
                    _ = tick.tick() => {
                        let stop = || service.shutdown.is_cancelled();
                        match sweep(service.store.as_ref(), Timestamp::now(), &stop).await {
                            Ok(r) if r.visitors + r.conversations > 0 => tracing::info!(
                                visitors = r.visitors,
                                conversations = r.conversations,
                                "retention: removed data past its period"
                            ),
                            Ok(_) => {}
                            Err(e) => tracing::warn!(error = %e, "retention sweep failed"),
                        }
                        match service.sweep_files().await {
                            Ok(n) if n > 0 => tracing::info!(removed = n, "retention: removed files"),
                            Ok(_) => {}
                            Err(e) => tracing::warn!(error = %e, "file sweep failed"),
                        }
                    }
                }
            }
        });
    }

    /// The site's retention periods.
    pub async fn retention_settings(&self, site: &SiteId) -> Result<RetentionSettings, ChatError> {
        Ok(settings(self.store.as_ref(), site).await?)
    }

    /// Saves the site's retention periods after checking both.
    pub async fn set_retention_settings(
        &self,
        site: &SiteId,
        periods: RetentionSettings,
    ) -> Result<RetentionSettings, ChatError> {
        periods
            .validate()
            .map_err(|(field, message)| ChatError::Invalid { field, message })?;
        self.store.put_retention(site, &periods).await?;
        Ok(periods)
    }
}
