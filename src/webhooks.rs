//! Outbound webhooks for rule actions: a bounded queue drained by a few workers, each
//! delivery signed with the site's identity secret (`X-Shopchat-Signature: sha256=HEX` over
//! the body), tried up to three times, never holding up a shopper's socket.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::fmt::Write;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Semaphore, mpsc};

/// Deliveries waiting; beyond this new ones are dropped (and logged) rather than queued.
const QUEUE: usize = 1024;
/// Deliveries in flight at once.
const IN_FLIGHT: usize = 4;
/// Time allowed for one attempt.
const TIMEOUT: Duration = Duration::from_secs(5);
/// Waits before the second and third attempts.
const BACKOFF: [Duration; 2] = [Duration::from_secs(1), Duration::from_secs(4)];

struct Delivery {
    url: String,
    body: String,
    signature: String,
}

/// Handle to the webhook queue.
#[derive(Clone)]
pub struct Webhooks {
    tx: mpsc::Sender<Delivery>,
    allow_http: bool,
}

/// `sha256=` and the hex HMAC of `body` under `secret`.
pub fn signature(secret: &str, body: &str) -> String {
    // HMAC takes keys of any length, so keying cannot fail.
    #[allow(clippy::expect_used)]
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC accepts keys of any length");
    mac.update(body.as_bytes());
    let mut out = String::from("sha256=");
    for byte in mac.finalize().into_bytes() {
        let _ = write!(out, "{byte:02x}");
    }
    out
}

impl Webhooks {
    /// Starts the workers. `allow_http` permits plain-http URLs (development and tests only).
    pub fn start(allow_http: bool) -> Webhooks {
        let (tx, mut rx) = mpsc::channel::<Delivery>(QUEUE);
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(TIMEOUT))
            .build()
            .into();
        let slots = Arc::new(Semaphore::new(IN_FLIGHT));
        tokio::spawn(async move {
            while let Some(delivery) = rx.recv().await {
                let Ok(permit) = slots.clone().acquire_owned().await else {
                    return;
                };
                let agent = agent.clone();
                tokio::spawn(async move {
                    deliver(agent, delivery).await;
                    drop(permit);
                });
            }
        });
        Webhooks { tx, allow_http }
    }

    /// Queues a delivery; returns false (and logs) if it is refused or the queue is full.
    pub fn send(&self, url: &str, payload: &serde_json::Value, secret: &str) -> bool {
        if url.starts_with("http://") && !self.allow_http {
            tracing::warn!(
                url,
                "webhook refused: plain http is only allowed with --allow-http-webhooks"
            );
            return false;
        }
        let body = payload.to_string();
        let delivery = Delivery {
            url: url.to_owned(),
            signature: signature(secret, &body),
            body,
        };
        match self.tx.try_send(delivery) {
            Ok(()) => true,
            Err(_) => {
                tracing::warn!(url, "webhook queue full; delivery dropped");
                false
            }
        }
    }
}

async fn deliver(agent: ureq::Agent, delivery: Delivery) {
    let delivery = Arc::new(delivery);
    for attempt in 0..=BACKOFF.len() {
        let (agent, d) = (agent.clone(), delivery.clone());
        let result = tokio::task::spawn_blocking(move || {
            agent
                .post(&d.url)
                .header("Content-Type", "application/json")
                .header("X-Shopchat-Signature", &d.signature)
                .send(d.body.as_bytes())
                .map(|_| ())
        })
        .await;
        match result {
            Ok(Ok(())) => {
                metrics::counter!("shopchat_webhook_deliveries_total", "result" => "delivered")
                    .increment(1);
                return;
            }
            Ok(Err(e)) => {
                tracing::warn!(url = %delivery.url, attempt, error = %e, "webhook delivery failed")
            }
            Err(e) => {
                tracing::warn!(url = %delivery.url, attempt, error = %e, "webhook task failed")
            }
        }
        if let Some(wait) = BACKOFF.get(attempt) {
            tokio::time::sleep(*wait).await;
        }
    }
    metrics::counter!("shopchat_webhook_deliveries_total", "result" => "failed").increment(1);
    tracing::error!(url = %delivery.url, "webhook given up after 3 attempts");
}
