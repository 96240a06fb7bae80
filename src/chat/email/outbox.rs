//! The durable outbox's sender: every `mail.outbox_poll` (and at once when a row due now is
//! queued) it claims the due rows with a lease, composes each as it is now, sends it through
//! the relay a few at a time, and records how it went. A row is written before it is owed
//! and finished only after the relay answered, so a restart or a crash loses no email: a row
//! whose lease runs out is claimed again. A reply marks its thread emailed before the row
//! is finished, so a resend after a crash in between finds nothing left to send.

use super::super::ChatService;
use super::compose::Composition;
use crate::domain::Timestamp;
use crate::email::{EmailLogEntry, EmailOutcome, OutboxEmail};
use crate::mailer::SendError;
use futures_util::StreamExt;
use std::time::{Duration, Instant};

/// Rows claimed per round.
const CLAIM_BATCH: usize = 16;
/// Emails sent at once by this node.
const SEND_CONCURRENCY: usize = 4;
/// How long a node holds a claimed row before another may take it.
const LEASE: Duration = Duration::from_secs(120);
/// Attempts before a temporary failure is given up.
const MAX_ATTEMPTS: u32 = 8;
/// Log entries kept per site.
pub(crate) const LOG_KEEP: usize = 500;
/// How long a row that ended is kept: its key stops a repeat of the same email, and owners
/// may look at it; after that the outbox must not keep shoppers' addresses.
const KEEP_ENDED: Duration = Duration::from_secs(30 * 86_400);
/// How often a node prunes rows that ended long ago.
const PRUNE_EVERY: Duration = Duration::from_secs(3_600);
/// Rows pruned per store call, and calls per prune, so a backlog is worked off in bounded
/// steps between sends.
const PRUNE_BATCH: usize = 500;
const PRUNE_CALLS: usize = 20;

fn ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

impl ChatService {
    /// Starts the outbox's loop on this node if the server can send; it stops at shutdown.
    pub fn start_outbox(&self) -> Option<tokio::task::JoinHandle<()>> {
        if !self.can_send_email() {
            return None;
        }
        let service = self.clone();
        Some(tokio::spawn(async move { service.outbox_loop().await }))
    }

    /// Looks at the outbox now rather than at the next poll.
    pub(crate) fn wake_outbox(&self) {
        self.mail_wake.notify_one();
    }

    async fn outbox_loop(&self) {
        let poll = self.settings.mail.outbox_poll;
        let mut last_prune: Option<Instant> = None;
        loop {
            tokio::select! {
                () = self.shutdown.cancelled() => break,
                () = tokio::time::sleep(poll) => {}
                () = self.mail_wake.notified() => {}
            }
            // A full batch means more may be due: go again without waiting.
            while self.outbox_round().await >= CLAIM_BATCH && !self.shutdown.is_cancelled() {}
            if let Ok(n) = self.store.pending_emails().await {
                metrics::gauge!("shopchat_email_outbox_pending").set(n as f64);
            }
            if last_prune.is_none_or(|at| at.elapsed() >= PRUNE_EVERY) {
                last_prune = Some(Instant::now());
                self.prune_outbox().await;
            }
        }
        tracing::debug!("email outbox stopped");
    }

    /// Removes rows that ended more than [`KEEP_ENDED`] ago, in bounded steps.
    async fn prune_outbox(&self) {
        let before = Timestamp(Timestamp::now().0.saturating_sub(ms(KEEP_ENDED)));
        for _ in 0..PRUNE_CALLS {
            match self.store.prune_emails(before, PRUNE_BATCH).await {
                Ok(n) => {
                    metrics::counter!("shopchat_email_pruned_total").increment(n);
                    if n < PRUNE_BATCH as u64 || self.shutdown.is_cancelled() {
                        return;
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "email outbox: prune failed");
                    return;
                }
            }
        }
    }

    /// One claim and its sends; how many rows were claimed.
    async fn outbox_round(&self) -> usize {
        let now = Timestamp::now();
        let lease = Timestamp(now.0 + ms(LEASE));
        let rows = match self.store.claim_emails(now, lease, CLAIM_BATCH).await {
            Ok(rows) => rows,
            Err(e) => {
                tracing::warn!(error = %e, "email outbox: claim failed");
                return 0;
            }
        };
        let claimed = rows.len();
        futures_util::stream::iter(rows)
            .for_each_concurrent(SEND_CONCURRENCY, |row| async move {
                self.deliver_email(row).await;
            })
            .await;
        claimed
    }

    /// Composes, sends and finishes one claimed row.
    async fn deliver_email(&self, row: OutboxEmail) {
        let (outcome, detail) = self.attempt_email(&row).await;
        let result = match &outcome {
            EmailOutcome::Sent { .. } => "sent",
            EmailOutcome::Retry { .. } => "retry",
            EmailOutcome::Failed => "failed",
            EmailOutcome::Skipped => "skipped",
        };
        metrics::counter!("shopchat_email_sent_total", "kind" => row.kind.as_str(), "result" => result)
            .increment(1);
        if let (EmailOutcome::Sent { up_to_seq }, Some(conv)) = (&outcome, &row.conversation_id)
            && *up_to_seq > 0
            && let Err(e) = self.store.mark_emailed(conv, *up_to_seq).await
        {
            tracing::warn!(error = %e, "email outbox: cannot mark the thread emailed");
        }
        let entry = EmailLogEntry {
            site_id: row.site_id.clone(),
            email_id: row.id.clone(),
            kind: row.kind,
            to: row.to.clone(),
            conversation_id: row.conversation_id.clone(),
            attempt: row.attempts,
            outcome,
            detail: detail.map(|d| d.chars().take(300).collect()),
            at: Timestamp::now(),
        };
        if let Err(e) = self.store.finish_email(&row.id, &entry, LOG_KEEP).await {
            // The lease runs out and the row is tried again.
            tracing::warn!(error = %e, email = %row.id, "email outbox: cannot record the attempt");
        }
    }

    /// The outcome of one attempt and what the log says about it.
    async fn attempt_email(&self, row: &OutboxEmail) -> (EmailOutcome, Option<String>) {
        let Some(mailer) = self.mailer.clone() else {
            return (EmailOutcome::Skipped, Some("no SMTP relay".into()));
        };
        let composition = match self.compose_due(row).await {
            Ok(c) => c,
            Err(e) => return (self.retry_or_fail(row), Some(format!("compose: {e}"))),
        };
        let (email, up_to_seq) = match composition {
            Composition::Skip(reason) => return (EmailOutcome::Skipped, Some(reason)),
            Composition::Send { email, up_to_seq } => (email, up_to_seq),
        };
        let started = Instant::now();
        let sent = mailer.send(&email).await;
        metrics::histogram!("shopchat_email_send_seconds").record(started.elapsed().as_secs_f64());
        match sent {
            Ok(answer) => (EmailOutcome::Sent { up_to_seq }, Some(answer)),
            Err(SendError::Temporary(e)) => (self.retry_or_fail(row), Some(e)),
            Err(SendError::Permanent(e)) => (EmailOutcome::Failed, Some(e)),
        }
    }

    /// A temporary failure: again after `mail.retry` doubled per attempt, until the last.
    fn retry_or_fail(&self, row: &OutboxEmail) -> EmailOutcome {
        if row.attempts >= MAX_ATTEMPTS {
            return EmailOutcome::Failed;
        }
        let step = 1_i64 << row.attempts.saturating_sub(1).min(10);
        let wait = ms(self.settings.mail.retry).saturating_mul(step);
        EmailOutcome::Retry {
            next_at: Timestamp(Timestamp::now().0.saturating_add(wait)),
        }
    }

    /// The row composed now, unless the site switched email off or the shopper's address was
    /// suppressed since it was queued.
    async fn compose_due(&self, row: &OutboxEmail) -> Result<Composition, super::super::ChatError> {
        let settings = self.site_email_settings(&row.site_id).await?;
        if !settings.enabled {
            return Ok(Composition::Skip("the site has email switched off".into()));
        }
        if row.kind.to_shopper()
            && let Some(s) = self.store.suppression(&row.site_id, &row.to).await?
        {
            return Ok(Composition::Skip(format!(
                "the address is suppressed ({})",
                serde_json::to_value(s.reason)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default()
            )));
        }
        self.compose(row).await
    }
}
