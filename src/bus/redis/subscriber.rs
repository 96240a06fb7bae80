//! The subscriber task of a Redis bus: holds one pub/sub connection, delivers every envelope
//! to the node's delivery as it arrives, and when the connection is lost (closed, or silent past a ping)
//! reports Down, resubscribes with backoff and reports Up with a new generation. It never
//! gives up: a node must not stay deaf because Redis restarted.
//!
//! Delivery is inline: a [`Delivery`] never waits (full socket outboxes are closed as
//! too slow), so there is no queue between this task and the sockets. The client library reads
//! the socket in its own task into an internal queue that this task drains as fast as the
//! delivery accepts, which is far faster than Redis sends.

use super::RedisBusConfig;
use crate::bus::Delivery;
use crate::bus::{BusHealth, WireEvent};
use crate::domain::Timestamp;
use ::redis::aio::PubSub;
use ::redis::{Client, RedisError};
use futures_util::StreamExt;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

/// Why there is no subscription (any more).
#[derive(Debug, thiserror::Error)]
enum LinkError {
    /// Redis refused or dropped the connection.
    #[error(transparent)]
    Redis(#[from] RedisError),
    /// Redis did not answer in time.
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    /// The server closed the connection.
    #[error("connection closed")]
    Closed,
}

/// How a subscription ended.
enum Ended {
    /// The bus was dropped.
    Stopped,
    /// The connection was lost; subscribe again.
    Lost(LinkError),
}

/// Everything the task needs; moved into it.
pub(super) struct Subscriber {
    pub(super) client: Client,
    pub(super) pattern: String,
    pub(super) delivery: Arc<dyn Delivery>,
    pub(super) health: watch::Sender<BusHealth>,
    pub(super) config: RedisBusConfig,
}

impl Subscriber {
    /// Runs until `stop` is cancelled.
    pub(super) async fn run(self, stop: CancellationToken) {
        let mut generation = 0u64;
        let mut delay = self.config.backoff_min;
        loop {
            let attempt = tokio::select! {
                _ = stop.cancelled() => return,
                attempt = self.subscribe() => attempt,
            };
            match attempt {
                Ok(pubsub) => {
                    generation += 1;
                    delay = self.config.backoff_min;
                    self.health.send_replace(BusHealth::Up { generation });
                    metrics::gauge!("shopchat_bus_up").set(1.0);
                    metrics::counter!("shopchat_bus_subscriptions_total").increment(1);
                    tracing::info!(pattern = %self.pattern, generation, "bus: subscribed");
                    let ended = self.listen(pubsub, &stop).await;
                    self.health.send_replace(BusHealth::Down {
                        since: Timestamp::now(),
                        generation,
                    });
                    metrics::gauge!("shopchat_bus_up").set(0.0);
                    match ended {
                        Ended::Stopped => return,
                        Ended::Lost(e) => {
                            tracing::warn!(pattern = %self.pattern, error = %e, "bus: subscription lost; events published until it is back do not reach this node");
                        }
                    }
                }
                Err(e) => {
                    tracing::warn!(pattern = %self.pattern, error = %e, retry_in = ?delay, "bus: cannot subscribe");
                }
            }
            // Jitter, so that every node of a cluster does not knock on a restarted Redis at
            // the same instant.
            let wait = delay.mul_f64(rand::random_range(0.5..1.0));
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = tokio::time::sleep(wait) => {}
            }
            delay = (delay * 2).min(self.config.backoff_max);
        }
    }

    /// A fresh pub/sub connection subscribed to every site's channel.
    async fn subscribe(&self) -> Result<PubSub, LinkError> {
        let connect = async {
            let mut pubsub = self.client.get_async_pubsub().await?;
            pubsub.psubscribe(&self.pattern).await?;
            Ok::<_, LinkError>(pubsub)
        };
        tokio::time::timeout(self.config.connect_timeout, connect)
            .await
            .map_err(|_| LinkError::Timeout(self.config.connect_timeout))?
    }

    /// Delivers until the connection is lost or the bus stops.
    async fn listen(&self, pubsub: PubSub, stop: &CancellationToken) -> Ended {
        let (mut sink, mut stream) = pubsub.split();
        let (every, answer_within) = (self.config.ping_interval, self.config.publish_timeout);
        let pinger = async move {
            let mut ticker = tokio::time::interval(every);
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            ticker.tick().await; // the first tick is immediate; just subscribed, no need
            loop {
                ticker.tick().await;
                match tokio::time::timeout(answer_within, sink.ping::<::redis::Value>()).await {
                    Ok(Ok(_)) => {}
                    Ok(Err(e)) => return LinkError::Redis(e),
                    Err(_) => return LinkError::Timeout(answer_within),
                }
            }
        };
        tokio::pin!(pinger);
        loop {
            tokio::select! {
                _ = stop.cancelled() => return Ended::Stopped,
                e = &mut pinger => return Ended::Lost(e),
                msg = stream.next() => match msg {
                    Some(msg) => self.deliver(msg.get_payload_bytes()),
                    None => return Ended::Lost(LinkError::Closed),
                },
            }
        }
    }

    fn deliver(&self, bytes: &[u8]) {
        match WireEvent::from_bytes(bytes) {
            Ok(event) => {
                self.delivery.deliver(&event);
                metrics::counter!("shopchat_bus_received_total").increment(1);
            }
            Err(e) => {
                // Another version's node, or something else publishing on our channels:
                // skip it, the connection is fine.
                metrics::counter!("shopchat_bus_bad_envelopes_total").increment(1);
                tracing::warn!(error = %e, "bus: skipped an envelope");
            }
        }
    }
}
