//! Layering: flags and environment over the file over the defaults, then every value checked.

use super::checks::{positive, redis_prefix, redis_url, trusted_proxies};
use super::{ConfigError, Guards, Limits, Settings, SettingsArgs};
use std::time::Duration;

/// The two places a setting may be given, flags/environment first.
struct Layers<'a> {
    cli: &'a SettingsArgs,
    file: &'a SettingsArgs,
}

/// The value of `layers.field` from the flags or environment, else the file, else `default`.
macro_rules! pick {
    ($layers:ident . $field:ident, $default:expr) => {
        $layers
            .cli
            .$field
            .clone()
            .or($layers.file.$field.clone())
            .unwrap_or($default)
    };
}

impl Settings {
    /// Layers flags/env over the file over the defaults, then checks ranges.
    pub fn resolve(cli: SettingsArgs, file: SettingsArgs) -> Result<Settings, ConfigError> {
        let d = Settings::default();
        let l = Layers {
            cli: &cli,
            file: &file,
        };
        let limits = resolve_limits(&l, &d.limits)?;
        let guards = resolve_guards(&l, &d.guards)?;
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
            bind: pick!(l.bind, d.bind),
            data_dir: pick!(l.data_dir, d.data_dir),
            public_url: cli.public_url.clone().or(file.public_url.clone()),
            log_format: pick!(l.log_format, d.log_format),
            jwt_secret,
            jwt_issuer: pick!(l.jwt_issuer, d.jwt_issuer),
            jwt_audience: pick!(l.jwt_audience, d.jwt_audience),
            token_ttl_secs: positive("token_ttl_secs", pick!(l.token_ttl_secs, d.token_ttl_secs))?,
            limits,
            workers: cli.workers.or(file.workers).map(|w| w.max(1)),
            allow_http_webhooks: pick!(l.allow_http_webhooks, false),
            webhook_retry: positive_ms(
                "webhook_retry_ms",
                pick!(l.webhook_retry_ms, d.webhook_retry.as_millis() as u64),
            )?,
            redis_url: redis_url(cli.redis_url.clone().or(file.redis_url.clone()))?,
            redis_prefix: redis_prefix(pick!(l.redis_prefix, d.redis_prefix))?,
            guards,
            mail: super::MailSettings::resolve(&cli, &file)?,
            ai: super::AiSettings::resolve(&cli, &file)?,
            files: super::FilesSettings::resolve(&cli, &file)?,
        })
    }
}

/// A duration given in milliseconds, which must be positive.
fn positive_ms(field: &'static str, ms: u64) -> Result<Duration, ConfigError> {
    positive(field, ms).map(Duration::from_millis)
}

/// The socket and message limits, each positive, the frame size in range and the idle
/// timeout longer than the ping interval (else every quiet socket would be dropped).
fn resolve_limits(l: &Layers<'_>, d: &Limits) -> Result<Limits, ConfigError> {
    let limits = Limits {
        max_frame_bytes: pick!(l.max_frame_bytes, d.max_frame_bytes),
        max_message_chars: positive(
            "max_message_chars",
            pick!(l.max_message_chars, d.max_message_chars),
        )?,
        rate_per_sec: positive("rate_per_sec", pick!(l.rate_per_sec, d.rate_per_sec))?,
        rate_burst: positive("rate_burst", pick!(l.rate_burst, d.rate_burst))?,
        rate_strikes: positive("rate_strikes", pick!(l.rate_strikes, d.rate_strikes))?,
        outbox_capacity: positive(
            "outbox_capacity",
            pick!(l.outbox_capacity, d.outbox_capacity),
        )?,
        ping_interval: positive_ms(
            "ping_interval_ms",
            pick!(l.ping_interval_ms, d.ping_interval.as_millis() as u64),
        )?,
        idle_timeout: positive_ms(
            "idle_timeout_ms",
            pick!(l.idle_timeout_ms, d.idle_timeout.as_millis() as u64),
        )?,
        agent_grace: positive_ms(
            "agent_grace_ms",
            pick!(l.agent_grace_ms, d.agent_grace.as_millis() as u64),
        )?,
        idle_sweep: positive_ms(
            "idle_sweep_ms",
            pick!(l.idle_sweep_ms, d.idle_sweep.as_millis() as u64),
        )?,
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
    Ok(limits)
}

/// The abuse guards (timeouts, per-address budgets, trusted proxies), each positive.
fn resolve_guards(l: &Layers<'_>, g: &Guards) -> Result<Guards, ConfigError> {
    Ok(Guards {
        hello_timeout: positive_ms(
            "hello_timeout_ms",
            pick!(l.hello_timeout_ms, g.hello_timeout.as_millis() as u64),
        )?,
        max_pending_sockets_per_addr: positive(
            "max_pending_sockets_per_addr",
            pick!(
                l.max_pending_sockets_per_addr,
                g.max_pending_sockets_per_addr
            ),
        )?,
        trusted_proxies: trusted_proxies(pick!(l.trusted_proxies, Vec::new()))?,
        session_ttl: Duration::from_secs(
            positive(
                "session_ttl_days",
                pick!(l.session_ttl_days, g.session_ttl.as_secs() / 86_400),
            )?
            .saturating_mul(86_400),
        ),
        new_visitors_per_addr_per_min: positive(
            "new_visitors_per_addr_per_min",
            pick!(
                l.new_visitors_per_addr_per_min,
                g.new_visitors_per_addr_per_min
            ),
        )?,
        new_conversations_per_addr_per_min: positive(
            "new_conversations_per_addr_per_min",
            pick!(
                l.new_conversations_per_addr_per_min,
                g.new_conversations_per_addr_per_min
            ),
        )?,
        password_jobs: positive("password_jobs", pick!(l.password_jobs, g.password_jobs))?,
        login_per_addr_per_min: positive(
            "login_per_addr_per_min",
            pick!(l.login_per_addr_per_min, g.login_per_addr_per_min),
        )?,
        login_per_email_addr_per_min: positive(
            "login_per_email_addr_per_min",
            pick!(
                l.login_per_email_addr_per_min,
                g.login_per_email_addr_per_min
            ),
        )?,
        login_per_email_per_min: positive(
            "login_per_email_per_min",
            pick!(l.login_per_email_per_min, g.login_per_email_per_min),
        )?,
    })
}
