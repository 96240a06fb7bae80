//! The bus for several nodes: events go through Redis pub/sub, and every node (this one
//! included — there is no local shortcut) delivers what it receives to its own node's [`Delivery`].
//!
//! Channels: one per site, `{prefix}bus:{site_id}`, and each node pattern-subscribes to
//! `{prefix}bus:*`. Every node needs every site's events today (a site's agents and visitors
//! can be on any node), which one shared channel would also give; per-site channels cost
//! nothing extra on one pattern per node, show in `PUBSUB`/`MONITOR` which shop is busy,
//! and leave room to subscribe only to the sites a node has sockets for (or to move to
//! sharded pub/sub on a Redis cluster) without changing what publishers send.
//!
//! Publishing uses a [`ConnectionManager`], which reconnects by itself; each publish is
//! bounded by a timeout so a caller never hangs on a dead Redis. Subscribing uses its own
//! connection, watched by [`subscriber`], which resubscribes with backoff after a loss and
//! reports [`BusHealth`] so sockets can resync what pub/sub dropped meanwhile.

mod subscriber;

use super::Delivery;
use super::{Bus, BusError, BusEvent, BusHealth, WireEvent};
use crate::domain::Timestamp;
use ::redis::aio::{ConnectionManager, ConnectionManagerConfig};
use ::redis::{AsyncCommands, Client, RedisError};
use async_trait::async_trait;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio_util::sync::{CancellationToken, DropGuard};

/// The key and channel prefix used when none is configured: config's, so it is written once.
pub use crate::config::DEFAULT_REDIS_PREFIX as DEFAULT_PREFIX;

/// How a Redis bus behaves; the defaults suit production, tests shorten the timings.
#[derive(Debug, Clone)]
pub struct RedisBusConfig {
    /// Put before every channel name, so several deployments (or test runs) can share one
    /// Redis server without hearing each other.
    pub prefix: String,
    /// Longest a publish may take before it fails; also bounds each Redis reply.
    pub publish_timeout: Duration,
    /// Longest a connection attempt (and the first subscription in `connect`) may take.
    pub connect_timeout: Duration,
    /// How often the subscriber pings Redis, so a silently dead connection (a half-open
    /// TCP socket sends no error) is noticed and replaced.
    pub ping_interval: Duration,
    /// First wait before resubscribing after a failure; doubles up to `backoff_max`.
    pub backoff_min: Duration,
    /// Longest wait between resubscription attempts.
    pub backoff_max: Duration,
}

impl RedisBusConfig {
    /// Default timings with this prefix.
    pub fn with_prefix(prefix: &str) -> Self {
        RedisBusConfig {
            prefix: prefix.to_owned(),
            publish_timeout: Duration::from_secs(2),
            connect_timeout: Duration::from_secs(5),
            ping_interval: Duration::from_secs(5),
            backoff_min: Duration::from_millis(100),
            backoff_max: Duration::from_secs(5),
        }
    }
}

impl Default for RedisBusConfig {
    fn default() -> Self {
        RedisBusConfig::with_prefix(DEFAULT_PREFIX)
    }
}

/// [`Bus`] over Redis pub/sub, for several nodes sharing one Redis.
pub struct RedisBus {
    publisher: ConnectionManager,
    prefix: String,
    publish_timeout: Duration,
    health: watch::Receiver<BusHealth>,
    // Dropping the bus stops its subscriber task.
    _subscriber: DropGuard,
}

/// The channel of a site's events.
fn channel(prefix: &str, site: &crate::domain::SiteId) -> String {
    format!("{prefix}bus:{}", site.as_str())
}

/// The pattern matching every site's channel. The prefix is escaped so that a prefix with
/// glob characters matches only itself.
fn pattern(prefix: &str) -> String {
    let mut out = String::with_capacity(prefix.len() + 8);
    for c in prefix.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push_str("bus:*");
    out
}

/// A publish failed in a way that the connection manager answers by reconnecting, so one
/// more try (within the same deadline) is likely to succeed.
fn worth_retrying(e: &RedisError) -> bool {
    e.is_unrecoverable_error() || e.is_connection_dropped() || e.is_io_error()
}

impl RedisBus {
    /// Connects to Redis at `url` with default timings, subscribes, and delivers everything
    /// published under `prefix` to `delivery`. Fails if Redis cannot be reached or the
    /// subscription is not confirmed within the connect timeout.
    pub async fn connect(
        url: &str,
        prefix: &str,
        delivery: Arc<dyn Delivery>,
    ) -> Result<RedisBus, BusError> {
        RedisBus::connect_with(url, RedisBusConfig::with_prefix(prefix), delivery).await
    }

    /// [`RedisBus::connect`] with explicit timings.
    pub async fn connect_with(
        url: &str,
        config: RedisBusConfig,
        delivery: Arc<dyn Delivery>,
    ) -> Result<RedisBus, BusError> {
        let client = Client::open(url).map_err(BusError::Url)?;
        let addr = client.get_connection_info().addr().to_string();
        let manager_config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(config.connect_timeout))
            .set_response_timeout(Some(config.publish_timeout))
            .set_min_delay(config.backoff_min)
            .set_max_delay(config.backoff_max);
        // One plain attempt first: the manager below retries a refused connection with
        // backoff, which would turn "nothing listens there" into a slow, vague timeout.
        match tokio::time::timeout(
            config.connect_timeout,
            client.get_multiplexed_async_connection(),
        )
        .await
        {
            Ok(Ok(_probe)) => {}
            Ok(Err(source)) => return Err(BusError::Connect { addr, source }),
            Err(_) => {
                return Err(BusError::ConnectTimeout {
                    addr,
                    after: config.connect_timeout,
                });
            }
        }
        let publisher = match tokio::time::timeout(
            config.connect_timeout,
            ConnectionManager::new_with_config(client.clone(), manager_config),
        )
        .await
        {
            Ok(Ok(manager)) => manager,
            Ok(Err(source)) => return Err(BusError::Connect { addr, source }),
            Err(_) => {
                return Err(BusError::ConnectTimeout {
                    addr,
                    after: config.connect_timeout,
                });
            }
        };

        let (health_tx, health) = watch::channel(BusHealth::Down {
            since: Timestamp::now(),
            generation: 0,
        });
        let stop = CancellationToken::new();
        let pattern = pattern(&config.prefix);
        let task = subscriber::Subscriber {
            client,
            pattern: pattern.clone(),
            delivery,
            health: health_tx,
            config: config.clone(),
        };
        tokio::spawn(task.run(stop.clone()));
        let guard = stop.drop_guard();

        // Events published after `connect` returns must reach this node: wait for the
        // subscription. Dropping `guard` on failure stops the task.
        let mut watcher = health.clone();
        match tokio::time::timeout(config.connect_timeout, watcher.wait_for(BusHealth::is_up)).await
        {
            Ok(Ok(_)) => {}
            _ => {
                return Err(BusError::Subscribe {
                    pattern,
                    addr,
                    after: config.connect_timeout,
                });
            }
        }
        Ok(RedisBus {
            publisher,
            prefix: config.prefix,
            publish_timeout: config.publish_timeout,
            health,
            _subscriber: guard,
        })
    }

    async fn publish_bytes(&self, channel: &str, payload: &[u8]) -> Result<(), RedisError> {
        let mut conn = self.publisher.clone();
        match conn.publish::<_, _, usize>(channel, payload).await {
            Ok(_) => Ok(()),
            Err(e) if worth_retrying(&e) => {
                conn.publish::<_, _, usize>(channel, payload).await?;
                Ok(())
            }
            Err(e) => Err(e),
        }
    }
}

#[async_trait]
impl Bus for RedisBus {
    async fn publish(&self, event: BusEvent) -> Result<(), BusError> {
        let channel = channel(&self.prefix, &event.site_id);
        let payload = WireEvent::from(&event).to_bytes();
        match tokio::time::timeout(self.publish_timeout, self.publish_bytes(&channel, &payload))
            .await
        {
            Ok(Ok(())) => Ok(()),
            Ok(Err(source)) => Err(BusError::Publish { channel, source }),
            Err(_) => Err(BusError::Timeout {
                channel,
                after: self.publish_timeout,
            }),
        }
    }

    fn health(&self) -> watch::Receiver<BusHealth> {
        self.health.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pattern_matches_only_this_prefix() {
        assert_eq!(pattern("shopchat:"), "shopchat:bus:*");
        assert_eq!(pattern("a*b[1]?\\:"), "a\\*b\\[1\\]\\?\\\\:bus:*");
        let site = crate::domain::SiteId::generate();
        assert_eq!(channel("p:", &site), format!("p:bus:{}", site.as_str()));
    }
}
