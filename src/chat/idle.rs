//! Idle conversations close by themselves: a proactive message nobody answered, or a chat the
//! shopper walked away from, must not stay open forever (it would keep later rules quiet and
//! hold an agent's slot). Every node sweeps on a timer; each close is an ordinary
//! compare-and-set through [`change`], so when several nodes find the same conversation one
//! closes it and the others see it closed (or changed) and leave it.

use super::{ChatError, ChatService, apply};
use crate::conversation::{Closer, ConversationFilter, Event};
use crate::domain::{SiteId, Timestamp};

/// Conversations closed per site and query; the sweep asks again while it keeps finding some.
const BATCH: u32 = 200;
/// Batches per site and sweep, so one site with a backlog cannot hold the sweep for long; the
/// rest waits for the next sweep.
const MAX_BATCHES: usize = 10;

impl ChatService {
    /// Starts this node's idle sweep, every `limits.idle_sweep`, until shutdown.
    pub fn start_idle_sweep(&self) {
        let service = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(service.settings.limits.idle_sweep);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = service.shutdown.cancelled() => return,
                    _ = tick.tick() => service.sweep().await,
                }
            }
        });
    }
}

impl ChatService {
    /// One pass over every site.
    async fn sweep(&self) {
        let sites = match self.store.list_sites().await {
            Ok(sites) => sites,
            Err(e) => {
                tracing::warn!(error = %e, "idle sweep: cannot list sites");
                return;
            }
        };
        for site in sites {
            if let Err(e) = self.sweep_site(&site.id).await {
                tracing::warn!(error = %e, site = %site.id, "idle sweep failed");
            }
            // Chats waiting too long are told to the team on the same round.
            if let Err(e) = self.notice_waiting(&site.id).await {
                tracing::warn!(error = %e, site = %site.id, "queue alert failed");
            }
        }
    }

    /// Closes the site's open conversations idle past its `idle_close_secs`.
    async fn sweep_site(&self, site: &SiteId) -> Result<(), ChatError> {
        let idle_ms = self
            .settings(site)
            .await
            .idle_close_secs
            .saturating_mul(1000)
            .min(i64::MAX as u64) as i64;
        for _ in 0..MAX_BATCHES {
            let cutoff = Timestamp(Timestamp::now().0.saturating_sub(idle_ms));
            let idle = self
                .store
                .find_conversations(&ConversationFilter {
                    site: Some(site.clone()),
                    stages: vec!["bot", "queued", "assigned"],
                    active_before: Some(cutoff),
                    limit: BATCH,
                    ..ConversationFilter::default()
                })
                .await?;
            let found = idle.len();
            for conv in idle {
                // A sweep under way when the server stops ends here, before the store closes
                // under it: what it did not close it closes at the next start.
                if self.shutdown.is_cancelled() {
                    return Ok(());
                }
                // Judged again on a fresh load: a message may have come meanwhile, or another
                // node may have closed it; either way nothing is written.
                let closed = self
                    .change(&conv.id, |c, now| {
                        if !c.is_open() || now.millis_since(c.updated_at) < idle_ms {
                            return Ok(None);
                        }
                        Ok(Some(apply(c, &Event::Close(Closer::System), now, 0)?))
                    })
                    .await;
                match closed {
                    Ok((c, Some(_))) => {
                        tracing::info!(conversation = %c.id, site = %site, "closed after inactivity");
                        metrics::counter!("shopchat_conversations_idle_closed_total").increment(1);
                    }
                    Ok((_, None)) => {}
                    // Closed or changed by someone else first: theirs stands.
                    Err(ChatError::Transition(_)) | Err(ChatError::NotFound(_)) => {}
                    Err(e) => {
                        tracing::warn!(error = %e, conversation = %conv.id, "idle close failed")
                    }
                }
            }
            if found < BATCH as usize {
                break;
            }
        }
        Ok(())
    }
}
