//! Outbound webhooks: a bounded queue drained by a few workers, each delivery signed by the
//! Standard Webhooks convention ([`sign`]), retried with backoff a bounded number of times,
//! never holding up a shopper's or an agent's action. Two kinds go through it: a site's
//! outbound events to the endpoints its owners registered (each attempt written to the
//! site's delivery log in the store), and the `webhook` action of trigger rules (keyed by the
//! site's identity secret, which also signs the legacy `X-Shopchat-Signature` header kept for
//! one release so existing receivers do not break).

pub mod client;
mod deliver;
pub mod sign;

use crate::domain::{EndpointId, SiteId, random_token};
use crate::store::Store;
use hmac::KeyInit;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc};

/// Deliveries queued or waiting for a retry; beyond this new ones are dropped (and counted)
/// rather than queued, so a dead receiver cannot grow the node's memory.
const PENDING: usize = 4096;
/// Attempts in flight at once.
const IN_FLIGHT: usize = 8;
/// Time allowed for one attempt.
const TIMEOUT: Duration = Duration::from_secs(5);
/// Attempts per delivery, the first included.
pub const ATTEMPTS: u32 = 5;
/// The wait before each retry, in multiples of the configured first wait: with the default
/// 5 s, retries come 5 s, 30 s, 2.5 min and 5 min after the attempt before (about 8.5 min).
const BACKOFF: [u32; 4] = [1, 6, 30, 60];

/// `sha256=` and the hex HMAC of `body` under `secret`: the legacy `X-Shopchat-Signature` of
/// rule webhooks, and the external bot's signature.
pub fn signature(secret: &str, body: &str) -> String {
    // HMAC takes keys of any length, so keying cannot fail.
    #[allow(clippy::expect_used)]
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC accepts keys of any length");
    mac.update(body.as_bytes());
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// A fresh `webhook-id`: unique per message, the same on each of its attempts.
pub fn new_message_id() -> String {
    format!("msg_{}", random_token(24))
}

/// Where an attempt is written in the delivery log (events to registered endpoints).
#[derive(Debug, Clone)]
pub struct LogTarget {
    /// The site whose log it is.
    pub site: SiteId,
    /// The endpoint delivered to.
    pub endpoint: EndpointId,
    /// The event type.
    pub event_type: String,
}

/// One message to deliver.
#[derive(Debug, Clone)]
pub struct Outgoing {
    /// Where it is POSTed.
    pub url: String,
    /// The JSON body, sent byte for byte as signed.
    pub body: String,
    /// The `webhook-id`.
    pub id: String,
    /// The HMAC key (an endpoint's decoded secret, or a site's identity secret as bytes).
    pub key: Vec<u8>,
    /// The legacy `X-Shopchat-Signature` value, for rule webhooks only.
    pub legacy_signature: Option<String>,
    /// Where each attempt is logged, if anywhere.
    pub log: Option<LogTarget>,
}

/// Why a delivery was not queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// A plain-http URL while the server does not allow them.
    #[error("plain http is only allowed with --allow-http-webhooks")]
    PlainHttp,
    /// The queue is full.
    #[error("the webhook queue is full")]
    Full,
}

/// A queued delivery with the attempt it is at; its pending slot is freed when it is done.
struct Job {
    out: Arc<Outgoing>,
    attempt: u32,
    _pending: OwnedSemaphorePermit,
}

/// Handle to the webhook queue (a clone is a reference).
#[derive(Clone)]
pub struct Webhooks {
    tx: mpsc::Sender<Job>,
    pending: Arc<Semaphore>,
    allow_http: bool,
}

impl Webhooks {
    /// Starts the workers. `allow_http` permits plain-http URLs (development and tests only);
    /// `first_wait` is the wait before the first retry (later ones are longer, see
    /// [`BACKOFF`]); attempts at logged deliveries are written to `store`.
    pub fn start(
        allow_http: bool,
        first_wait: Duration,
        store: Arc<dyn Store>,
    ) -> Result<Webhooks, reqwest::Error> {
        let http = client::client(TIMEOUT)?;
        // The channel holds every pending job at once, so a retry re-queued after its wait
        // never finds it full: admission is bounded by `pending`, not by the channel.
        let (tx, rx) = mpsc::channel::<Job>(PENDING);
        let worker = deliver::Worker {
            http,
            slots: Arc::new(Semaphore::new(IN_FLIGHT)),
            first_wait,
            store,
            tx: tx.clone(),
        };
        tokio::spawn(worker.run(rx));
        Ok(Webhooks {
            tx,
            pending: Arc::new(Semaphore::new(PENDING)),
            allow_http,
        })
    }

    /// Whether `url` may be delivered to on this server.
    pub fn allows(&self, url: &str) -> bool {
        !url.starts_with("http://") || self.allow_http
    }

    /// Queues a delivery without waiting for it. Refused (and counted) when the URL is plain
    /// http on a server that does not allow it, or when the queue is full.
    pub fn queue(&self, out: Outgoing) -> Result<(), Refused> {
        if !self.allows(&out.url) {
            return Err(Refused::PlainHttp);
        }
        let Ok(slot) = self.pending.clone().try_acquire_owned() else {
            metrics::counter!("shopchat_webhook_dropped_total", "reason" => "queue_full")
                .increment(1);
            return Err(Refused::Full);
        };
        let job = Job {
            out: Arc::new(out),
            attempt: 1,
            _pending: slot,
        };
        self.tx.try_send(job).map_err(|_| {
            metrics::counter!("shopchat_webhook_dropped_total", "reason" => "queue_full")
                .increment(1);
            Refused::Full
        })
    }

    /// A rule's `webhook` action: the Standard Webhooks headers keyed by the site's identity
    /// secret (its UTF-8 bytes), plus the legacy `X-Shopchat-Signature`. Returns false (and
    /// logs) if it is refused.
    pub fn send(&self, url: &str, payload: &serde_json::Value, secret: &str) -> bool {
        let body = payload.to_string();
        let out = Outgoing {
            url: url.to_owned(),
            legacy_signature: Some(signature(secret, &body)),
            body,
            id: new_message_id(),
            key: secret.as_bytes().to_vec(),
            log: None,
        };
        match self.queue(out) {
            Ok(()) => true,
            Err(e) => {
                tracing::warn!(url, error = %e, "webhook not sent");
                false
            }
        }
    }
}
