//! Layering: flags and environment over the file over the defaults, then every value checked.

use super::checks::{positive, redis_prefix, redis_url, trusted_proxies};
use super::{ConfigError, Guards, Limits, Settings, SettingsArgs};
use std::time::Duration;

impl Settings {
    /// Layers flags/env over the file over the defaults, then checks ranges.
    pub fn resolve(cli: SettingsArgs, file: SettingsArgs) -> Result<Settings, ConfigError> {
        let d = Settings::default();
        macro_rules! pick {
            ($field:ident, $default:expr) => {
                cli.$field
                    .clone()
                    .or(file.$field.clone())
                    .unwrap_or($default)
            };
        }
        let limits = Limits {
            max_frame_bytes: pick!(max_frame_bytes, d.limits.max_frame_bytes),
            max_message_chars: positive(
                "max_message_chars",
                pick!(max_message_chars, d.limits.max_message_chars),
            )?,
            rate_per_sec: positive("rate_per_sec", pick!(rate_per_sec, d.limits.rate_per_sec))?,
            rate_burst: positive("rate_burst", pick!(rate_burst, d.limits.rate_burst))?,
            rate_strikes: positive("rate_strikes", pick!(rate_strikes, d.limits.rate_strikes))?,
            outbox_capacity: positive(
                "outbox_capacity",
                pick!(outbox_capacity, d.limits.outbox_capacity),
            )?,
            ping_interval: Duration::from_millis(positive(
                "ping_interval_ms",
                pick!(ping_interval_ms, d.limits.ping_interval.as_millis() as u64),
            )?),
            idle_timeout: Duration::from_millis(positive(
                "idle_timeout_ms",
                pick!(idle_timeout_ms, d.limits.idle_timeout.as_millis() as u64),
            )?),
            agent_grace: Duration::from_millis(positive(
                "agent_grace_ms",
                pick!(agent_grace_ms, d.limits.agent_grace.as_millis() as u64),
            )?),
            idle_sweep: Duration::from_millis(positive(
                "idle_sweep_ms",
                pick!(idle_sweep_ms, d.limits.idle_sweep.as_millis() as u64),
            )?),
        };
        if !(1024..=1024 * 1024).contains(&limits.max_frame_bytes) {
            return Err(ConfigError::Invalid {
                field: "max_frame_bytes",
                problem: format!(
                    "must be between 1024 and 1048576, got {}",
                    limits.max_frame_bytes
                ),
            });
        }
        if limits.idle_timeout <= limits.ping_interval {
            return Err(ConfigError::Invalid {
                field: "idle_timeout_ms",
                problem: "must be longer than ping_interval_ms".into(),
            });
        }
        let g = &d.guards;
        let guards = Guards {
            hello_timeout: Duration::from_millis(positive(
                "hello_timeout_ms",
                pick!(hello_timeout_ms, g.hello_timeout.as_millis() as u64),
            )?),
            max_pending_sockets_per_addr: positive(
                "max_pending_sockets_per_addr",
                pick!(max_pending_sockets_per_addr, g.max_pending_sockets_per_addr),
            )?,
            trusted_proxies: trusted_proxies(pick!(trusted_proxies, Vec::new()))?,
            session_ttl: Duration::from_secs(
                positive(
                    "session_ttl_days",
                    pick!(session_ttl_days, g.session_ttl.as_secs() / 86_400),
                )?
                .saturating_mul(86_400),
            ),
            new_visitors_per_addr_per_min: positive(
                "new_visitors_per_addr_per_min",
                pick!(
                    new_visitors_per_addr_per_min,
                    g.new_visitors_per_addr_per_min
                ),
            )?,
            new_conversations_per_addr_per_min: positive(
                "new_conversations_per_addr_per_min",
                pick!(
                    new_conversations_per_addr_per_min,
                    g.new_conversations_per_addr_per_min
                ),
            )?,
            password_jobs: positive("password_jobs", pick!(password_jobs, g.password_jobs))?,
            login_per_addr_per_min: positive(
                "login_per_addr_per_min",
                pick!(login_per_addr_per_min, g.login_per_addr_per_min),
            )?,
            login_per_email_addr_per_min: positive(
                "login_per_email_addr_per_min",
                pick!(login_per_email_addr_per_min, g.login_per_email_addr_per_min),
            )?,
            login_per_email_per_min: positive(
                "login_per_email_per_min",
                pick!(login_per_email_per_min, g.login_per_email_per_min),
            )?,
        };
        let jwt_secret = cli.jwt_secret.clone().or(file.jwt_secret.clone());
        if let Some(secret) = &jwt_secret
            && secret.len() < 32
        {
            return Err(ConfigError::Invalid {
                field: "jwt_secret",
                problem: "must be at least 32 characters".into(),
            });
        }
        Ok(Settings {
            bind: pick!(bind, d.bind),
            data_dir: pick!(data_dir, d.data_dir),
            public_url: cli.public_url.clone().or(file.public_url.clone()),
            log_format: pick!(log_format, d.log_format),
            jwt_secret,
            jwt_issuer: pick!(jwt_issuer, d.jwt_issuer),
            jwt_audience: pick!(jwt_audience, d.jwt_audience),
            token_ttl_secs: positive("token_ttl_secs", pick!(token_ttl_secs, d.token_ttl_secs))?,
            limits,
            workers: cli.workers.or(file.workers).map(|w| w.max(1)),
            allow_http_webhooks: pick!(allow_http_webhooks, false),
            redis_url: redis_url(cli.redis_url.clone().or(file.redis_url.clone()))?,
            redis_prefix: redis_prefix(pick!(redis_prefix, d.redis_prefix))?,
            guards,
        })
    }
}
