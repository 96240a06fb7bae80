//! The delivery worker: takes queued jobs, runs at most a few attempts at once, logs each
//! attempt where the job says, and puts a failed one back in the queue after its backoff
//! (holding no in-flight slot while it waits).

use super::sign::sign;
use super::{ATTEMPTS, BACKOFF, Job};
use crate::domain::Timestamp;
use crate::store::prelude::*;
use crate::store::{DeliveryOutcome, DeliveryRecord};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Semaphore, mpsc};

/// Entries of the delivery log kept per site.
pub(crate) const LOG_KEEP: usize = 200;

/// What the worker holds.
pub(super) struct Worker {
    pub(super) http: reqwest::Client,
    pub(super) slots: Arc<Semaphore>,
    pub(super) first_wait: Duration,
    pub(super) store: Arc<dyn Store>,
    pub(super) tx: mpsc::Sender<Job>,
}

/// How one attempt ended: the receiver's status, or why there was none.
type Answer = Result<u16, String>;

impl Worker {
    /// Drains the queue until every sender is gone.
    pub(super) async fn run(self, mut rx: mpsc::Receiver<Job>) {
        let this = Arc::new(self);
        while let Some(job) = rx.recv().await {
            let Ok(slot) = this.slots.clone().acquire_owned().await else {
                return;
            };
            let worker = this.clone();
            tokio::spawn(async move {
                let answer = worker.attempt(&job).await;
                drop(slot);
                worker.after(job, answer).await;
            });
        }
    }

    /// One POST with this attempt's timestamp and signature; its status, or why none.
    /// The client's timeout bounds it; no redirect is followed.
    async fn attempt(&self, job: &Job) -> Answer {
        let out = &job.out;
        let timestamp = Timestamp::now().0 / 1000;
        let signature = sign(&out.key, &out.id, timestamp, out.body.as_bytes());
        let mut request = self
            .http
            .post(&out.url)
            .header("Content-Type", "application/json")
            .header("webhook-id", &out.id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature);
        if let Some(legacy) = &out.legacy_signature {
            request = request.header("X-Shopchat-Signature", legacy);
        }
        request
            .body(out.body.clone())
            .send()
            .await
            .map(|response| response.status().as_u16())
            .map_err(|e| e.without_url().to_string())
    }

    /// Counts and logs the attempt, then retries after the backoff or lets the job go.
    async fn after(&self, mut job: Job, answer: Answer) {
        let outcome = match &answer {
            Ok(200..=299) => DeliveryOutcome::Delivered,
            _ if job.attempt >= ATTEMPTS => DeliveryOutcome::Failed,
            _ => DeliveryOutcome::Retrying,
        };
        let result = match outcome {
            DeliveryOutcome::Delivered => "delivered",
            DeliveryOutcome::Retrying => "retrying",
            DeliveryOutcome::Failed => "failed",
        };
        metrics::counter!("shopchat_webhook_deliveries_total", "result" => result).increment(1);
        if outcome == DeliveryOutcome::Failed {
            tracing::warn!(url = %job.out.url, id = %job.out.id, "webhook given up after {ATTEMPTS} attempts");
        }
        self.log(&job, &answer, outcome).await;
        if outcome != DeliveryOutcome::Retrying {
            return;
        }
        let step = BACKOFF
            .get(job.attempt as usize - 1)
            .copied()
            .unwrap_or(BACKOFF[BACKOFF.len() - 1]);
        let wait = self.first_wait.saturating_mul(step);
        job.attempt += 1;
        let tx = self.tx.clone();
        tokio::spawn(async move {
            tokio::time::sleep(wait).await;
            // The channel has room for every pending job (see `Webhooks::start`); it is only
            // closed when the server is going away.
            let _ = tx.send(job).await;
        });
    }

    async fn log(&self, job: &Job, answer: &Answer, outcome: DeliveryOutcome) {
        let Some(target) = &job.out.log else {
            return;
        };
        let (status, error) = match answer {
            Ok(status) => (Some(*status), None),
            Err(e) => (None, Some(e.chars().take(300).collect())),
        };
        let entry = DeliveryRecord {
            site_id: target.site.clone(),
            endpoint_id: target.endpoint.clone(),
            url: job.out.url.clone(),
            event_type: target.event_type.clone(),
            message_id: job.out.id.clone(),
            attempt: job.attempt,
            status,
            error,
            outcome,
            at: Timestamp::now(),
        };
        if let Err(e) = self.store.record_delivery(&entry, LOG_KEEP).await {
            tracing::warn!(error = %e, "cannot write the webhook delivery log");
        }
    }
}
