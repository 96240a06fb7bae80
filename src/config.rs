//! Typed settings. Every setting can come from built-in defaults, an optional `shopchat.toml`,
//! a `SHOPCHAT_*` environment variable or a command-line flag; later ones win in that order.
//! One struct ([`SettingsArgs`]) is both the clap flag set and the file format, so the three
//! sources cannot drift apart.

use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Why the settings could not be assembled.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The config file could not be read.
    #[error("cannot read config file {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The config file is not valid TOML or has unknown keys.
    #[error("invalid config file {path}: {message}")]
    Parse {
        /// The file.
        path: String,
        /// The parser's message, which names the key.
        message: String,
    },
    /// A value is out of its range.
    #[error("setting `{field}` {problem}")]
    Invalid {
        /// The setting's name as in the file.
        field: &'static str,
        /// What is wrong.
        problem: String,
    },
}

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Readable lines for a terminal.
    #[default]
    Human,
    /// One JSON object per line, for log collectors.
    Json,
}

/// Every setting, each optional: the flags/env layer and the file layer share this shape.
#[derive(Debug, Clone, Default, Deserialize, clap::Args)]
#[serde(deny_unknown_fields)]
pub struct SettingsArgs {
    /// Address to listen on [default: 127.0.0.1:8080]
    #[arg(long, global = true, env = "SHOPCHAT_BIND")]
    pub bind: Option<String>,
    /// Directory for the database and secrets [default: ./data]
    #[arg(long, global = true, env = "SHOPCHAT_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// URL at which browsers reach this server, used in snippets [default: http://BIND]
    #[arg(long, global = true, env = "SHOPCHAT_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Log format [default: human]
    #[arg(long, global = true, env = "SHOPCHAT_LOG_FORMAT", value_enum)]
    pub log_format: Option<LogFormat>,
    /// Secret for agent JWTs; generated and kept in the data dir when not set
    #[arg(
        long,
        global = true,
        env = "SHOPCHAT_JWT_SECRET",
        hide_env_values = true
    )]
    pub jwt_secret: Option<String>,
    /// JWT issuer [default: shopchat]
    #[arg(long, global = true, env = "SHOPCHAT_JWT_ISSUER")]
    pub jwt_issuer: Option<String>,
    /// JWT audience [default: shopchat-agents]
    #[arg(long, global = true, env = "SHOPCHAT_JWT_AUDIENCE")]
    pub jwt_audience: Option<String>,
    /// Agent token lifetime in seconds [default: 43200]
    #[arg(long, global = true, env = "SHOPCHAT_TOKEN_TTL_SECS")]
    pub token_ttl_secs: Option<u64>,
    /// Largest WebSocket frame accepted, in bytes [default: 16384]
    #[arg(long, global = true, env = "SHOPCHAT_MAX_FRAME_BYTES")]
    pub max_frame_bytes: Option<usize>,
    /// Longest chat message, in characters [default: 4000]
    #[arg(long, global = true, env = "SHOPCHAT_MAX_MESSAGE_CHARS")]
    pub max_message_chars: Option<usize>,
    /// Frames per second a shopper socket may send on average [default: 20]
    #[arg(long, global = true, env = "SHOPCHAT_RATE_PER_SEC")]
    pub rate_per_sec: Option<u32>,
    /// Frames a shopper socket may send in a burst [default: 40]
    #[arg(long, global = true, env = "SHOPCHAT_RATE_BURST")]
    pub rate_burst: Option<u32>,
    /// Refused frames in a row before a flooding socket is closed [default: 50]
    #[arg(long, global = true, env = "SHOPCHAT_RATE_STRIKES")]
    pub rate_strikes: Option<u32>,
    /// Frames queued for one socket before it counts as too slow and is closed [default: 256]
    #[arg(long, global = true, env = "SHOPCHAT_OUTBOX_CAPACITY")]
    pub outbox_capacity: Option<usize>,
    /// Milliseconds between server pings [default: 15000]
    #[arg(long, global = true, env = "SHOPCHAT_PING_INTERVAL_MS")]
    pub ping_interval_ms: Option<u64>,
    /// Milliseconds of silence after which a socket is closed [default: 45000]
    #[arg(long, global = true, env = "SHOPCHAT_IDLE_TIMEOUT_MS")]
    pub idle_timeout_ms: Option<u64>,
    /// Milliseconds an agent may be offline before its chats go back to the queue [default: 60000]
    #[arg(long, global = true, env = "SHOPCHAT_AGENT_GRACE_MS")]
    pub agent_grace_ms: Option<u64>,
    /// Deliver webhooks to plain-http URLs too (development only) [default: false]
    #[arg(long, global = true, env = "SHOPCHAT_ALLOW_HTTP_WEBHOOKS")]
    pub allow_http_webhooks: Option<bool>,
    /// HTTP worker threads [default: number of cores]
    #[arg(long, global = true, env = "SHOPCHAT_WORKERS")]
    pub workers: Option<usize>,
    /// Redis for running several nodes, `redis://[:PASSWORD@]HOST[:PORT][/DB]`; checked, but
    /// not used by the server yet (the Redis store is still to come)
    #[arg(
        long = "redis",
        global = true,
        env = "SHOPCHAT_REDIS_URL",
        hide_env_values = true
    )]
    pub redis_url: Option<String>,
    /// Prefix of every Redis key and channel, so deployments sharing a Redis stay apart [default: shopchat:]
    #[arg(long, global = true, env = "SHOPCHAT_REDIS_PREFIX")]
    pub redis_prefix: Option<String>,
    /// Milliseconds a shopper socket may stay open without saying `hello` [default: 10000]
    #[arg(long, global = true, env = "SHOPCHAT_HELLO_TIMEOUT_MS")]
    pub hello_timeout_ms: Option<u64>,
    /// Sockets one client address may hold before saying `hello` or authenticating [default: 64]
    #[arg(long, global = true, env = "SHOPCHAT_MAX_PENDING_SOCKETS_PER_ADDR")]
    pub max_pending_sockets_per_addr: Option<usize>,
    /// Proxies whose X-Forwarded-For names the client (repeat or comma-separate) [default: none]
    #[arg(
        long = "trusted-proxy",
        global = true,
        env = "SHOPCHAT_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    pub trusted_proxies: Option<Vec<String>>,
    /// Days a shopper's session token stays valid; an older one starts a new visitor [default: 90]
    #[arg(long, global = true, env = "SHOPCHAT_SESSION_TTL_DAYS")]
    pub session_ttl_days: Option<u64>,
    /// New anonymous visitors one client address may start per minute [default: 60]
    #[arg(long, global = true, env = "SHOPCHAT_NEW_VISITORS_PER_ADDR_PER_MIN")]
    pub new_visitors_per_addr_per_min: Option<u32>,
    /// New conversations one client address may open per minute [default: 20]
    #[arg(
        long,
        global = true,
        env = "SHOPCHAT_NEW_CONVERSATIONS_PER_ADDR_PER_MIN"
    )]
    pub new_conversations_per_addr_per_min: Option<u32>,
    /// Password hashes computed at once; more waiting logins get 503 [default: number of cores]
    #[arg(long, global = true, env = "SHOPCHAT_PASSWORD_JOBS")]
    pub password_jobs: Option<usize>,
    /// Login attempts per client address per minute [default: 30]
    #[arg(long, global = true, env = "SHOPCHAT_LOGIN_PER_ADDR_PER_MIN")]
    pub login_per_addr_per_min: Option<u32>,
    /// Login attempts per email from one client address per minute [default: 10]
    #[arg(long, global = true, env = "SHOPCHAT_LOGIN_PER_EMAIL_ADDR_PER_MIN")]
    pub login_per_email_addr_per_min: Option<u32>,
    /// Login attempts per email from all addresses together per minute [default: 100]
    #[arg(long, global = true, env = "SHOPCHAT_LOGIN_PER_EMAIL_PER_MIN")]
    pub login_per_email_per_min: Option<u32>,
    /// Milliseconds between sweeps that close conversations idle longer than their site's
    /// `idle_close_secs` [default: 15000]
    #[arg(long, global = true, env = "SHOPCHAT_IDLE_SWEEP_MS")]
    pub idle_sweep_ms: Option<u64>,
}

/// Budgets that keep a stranger from exhausting a node. Each acts before the work it guards:
/// a socket is refused before it is upgraded, a login before its password is hashed.
#[derive(Debug, Clone)]
pub struct Guards {
    /// A shopper socket that has not said `hello` by then is closed (1008).
    pub hello_timeout: Duration,
    /// Sockets one client address may hold before `hello` / `auth`; more are refused (429).
    pub max_pending_sockets_per_addr: usize,
    /// Peers whose `X-Forwarded-For` names the real client (a load balancer in front).
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// A shopper session token older than this starts a new visitor.
    pub session_ttl: Duration,
    /// New anonymous visitors per client address per minute.
    pub new_visitors_per_addr_per_min: u32,
    /// New conversations per client address per minute.
    pub new_conversations_per_addr_per_min: u32,
    /// Password hashes (argon2id, ~19 MiB each) computed at once.
    pub password_jobs: usize,
    /// Login attempts per client address per minute.
    pub login_per_addr_per_min: u32,
    /// Login attempts per email and client address per minute.
    pub login_per_email_addr_per_min: u32,
    /// Login attempts per email from everywhere per minute: looser, so a stranger cannot lock
    /// a real user out, but still a ceiling on distributed guessing.
    pub login_per_email_per_min: u32,
}

impl Default for Guards {
    fn default() -> Self {
        Guards {
            hello_timeout: Duration::from_secs(10),
            max_pending_sockets_per_addr: 64,
            trusted_proxies: Vec::new(),
            session_ttl: Duration::from_secs(90 * 24 * 3600),
            new_visitors_per_addr_per_min: 60,
            new_conversations_per_addr_per_min: 20,
            password_jobs: std::thread::available_parallelism().map_or(2, |n| n.get()),
            login_per_addr_per_min: 30,
            login_per_email_addr_per_min: 10,
            login_per_email_per_min: 100,
        }
    }
}

/// Socket limits; each bounds one queue, buffer or rate.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest WebSocket frame, bytes; larger closes the socket with 1009.
    pub max_frame_bytes: usize,
    /// Longest message text, characters.
    pub max_message_chars: usize,
    /// Average frames per second per shopper socket.
    pub rate_per_sec: u32,
    /// Burst of frames per shopper socket.
    pub rate_burst: u32,
    /// Refused frames in a row before closing the socket.
    pub rate_strikes: u32,
    /// Frames waiting for one socket before it is closed as too slow.
    pub outbox_capacity: usize,
    /// Interval of server pings.
    pub ping_interval: Duration,
    /// Silence after which a socket is closed.
    pub idle_timeout: Duration,
    /// How long an agent may be offline (disconnected, or status offline) before its
    /// assigned chats go back to the queue: long enough for a page reload or a network blip.
    pub agent_grace: Duration,
    /// How often each node looks for conversations idle past their site's `idle_close_secs`
    /// and closes them; a chat closes at most this much later than its setting says.
    pub idle_sweep: Duration,
}

/// The resolved settings the server runs with.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Listen address (`host:port`; port 0 picks a free one).
    pub bind: String,
    /// Data directory.
    pub data_dir: PathBuf,
    /// Public URL, if set.
    pub public_url: Option<String>,
    /// Log format.
    pub log_format: LogFormat,
    /// Configured JWT secret, if any.
    pub jwt_secret: Option<String>,
    /// JWT issuer.
    pub jwt_issuer: String,
    /// JWT audience.
    pub jwt_audience: String,
    /// Agent token lifetime.
    pub token_ttl_secs: u64,
    /// Socket limits.
    pub limits: Limits,
    /// HTTP worker threads; `None` means one per core.
    pub workers: Option<usize>,
    /// Webhooks to plain-http URLs are delivered (development and tests only).
    pub allow_http_webhooks: bool,
    /// Redis URL for several nodes, checked to be usable by the Redis client. Not used by
    /// the server yet: a Redis bus needs the Redis store beside it.
    pub redis_url: Option<String>,
    /// Prefix of Redis keys and channels.
    pub redis_prefix: String,
    /// Per-address and per-job budgets.
    pub guards: Guards,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            bind: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("./data"),
            public_url: None,
            log_format: LogFormat::Human,
            jwt_secret: None,
            jwt_issuer: "shopchat".into(),
            jwt_audience: "shopchat-agents".into(),
            token_ttl_secs: 12 * 3600,
            limits: Limits {
                max_frame_bytes: 16 * 1024,
                max_message_chars: 4000,
                rate_per_sec: 20,
                rate_burst: 40,
                rate_strikes: 50,
                outbox_capacity: 256,
                ping_interval: Duration::from_secs(15),
                idle_timeout: Duration::from_secs(45),
                agent_grace: Duration::from_secs(60),
                idle_sweep: Duration::from_secs(15),
            },
            workers: None,
            allow_http_webhooks: false,
            redis_url: None,
            redis_prefix: crate::bus::redis::DEFAULT_PREFIX.into(),
            guards: Guards::default(),
        }
    }
}

/// Default config file, read when present and no other is named.
pub const DEFAULT_CONFIG_FILE: &str = "shopchat.toml";

impl SettingsArgs {
    /// Reads a config file. A missing default file is fine; a missing named file is an error.
    pub fn from_file(path: Option<&Path>) -> Result<SettingsArgs, ConfigError> {
        let (path, required) = match path {
            Some(p) => (p.to_path_buf(), true),
            None => (PathBuf::from(DEFAULT_CONFIG_FILE), false),
        };
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(SettingsArgs::default());
            }
            Err(source) => {
                return Err(ConfigError::Read {
                    path: path.display().to_string(),
                    source,
                });
            }
        };
        toml::from_str(&text).map_err(|e| ConfigError::Parse {
            path: path.display().to_string(),
            message: e.to_string(),
        })
    }
}

fn positive<T: PartialOrd + Default + std::fmt::Display>(
    field: &'static str,
    value: T,
) -> Result<T, ConfigError> {
    if value > T::default() {
        Ok(value)
    } else {
        Err(ConfigError::Invalid {
            field,
            problem: format!("must be positive, got {value}"),
        })
    }
}

/// A Redis URL the client accepts (scheme, host, port, database), checked at start-up so a
/// typo is a config error and not a node that cannot reach its peers.
fn redis_url(url: Option<String>) -> Result<Option<String>, ConfigError> {
    use ::redis::IntoConnectionInfo;
    let Some(url) = url else { return Ok(None) };
    match url.as_str().into_connection_info() {
        // The client's message names what is wrong; the URL is not repeated, it may hold a
        // password.
        Err(e) => Err(ConfigError::Invalid {
            field: "redis_url",
            problem: format!(
                "is not a usable Redis URL (expected redis://[:PASSWORD@]HOST[:PORT][/DB]): {e}"
            ),
        }),
        Ok(_) => Ok(Some(url)),
    }
}

/// A prefix that needs no quoting anywhere: in key names, channel names and patterns.
fn redis_prefix(prefix: String) -> Result<String, ConfigError> {
    let fine = |c: char| c.is_ascii_alphanumeric() || matches!(c, ':' | '_' | '-' | '.');
    if (1..=64).contains(&prefix.len()) && prefix.chars().all(fine) {
        Ok(prefix)
    } else {
        Err(ConfigError::Invalid {
            field: "redis_prefix",
            problem: "must be 1 to 64 characters of A-Z a-z 0-9 : _ - .".into(),
        })
    }
}

/// Parses the trusted proxies' addresses; a typo is a config error, not a silently open door.
fn trusted_proxies(list: Vec<String>) -> Result<Vec<std::net::IpAddr>, ConfigError> {
    list.iter()
        .map(|a| a.trim())
        .filter(|a| !a.is_empty())
        .map(|a| {
            a.parse().map_err(|_| ConfigError::Invalid {
                field: "trusted_proxies",
                problem: format!("`{a}` is not an IP address"),
            })
        })
        .collect()
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_win_over_file_and_file_over_defaults() {
        let cli = SettingsArgs {
            bind: Some("0.0.0.0:1".into()),
            ..Default::default()
        };
        let file = SettingsArgs {
            bind: Some("0.0.0.0:2".into()),
            max_message_chars: Some(10),
            ..Default::default()
        };
        let s = Settings::resolve(cli, file).unwrap();
        assert_eq!(s.bind, "0.0.0.0:1");
        assert_eq!(s.limits.max_message_chars, 10);
        assert_eq!(s.limits.max_frame_bytes, 16 * 1024);
    }

    #[test]
    fn a_named_file_is_read_and_must_exist() {
        let dir = tempfile::TempDir::new().unwrap();
        let path = dir.path().join("shopchat.toml");
        std::fs::write(&path, "bind = \"0.0.0.0:9000\"\nrate_burst = 7\n").unwrap();
        let file = SettingsArgs::from_file(Some(&path)).unwrap();
        let s = Settings::resolve(SettingsArgs::default(), file).unwrap();
        assert_eq!((s.bind.as_str(), s.limits.rate_burst), ("0.0.0.0:9000", 7));
        let missing = SettingsArgs::from_file(Some(&dir.path().join("nope.toml")));
        assert!(matches!(missing, Err(ConfigError::Read { .. })));
        std::fs::write(&path, "rate_burst = \"many\"").unwrap();
        let bad = SettingsArgs::from_file(Some(&path));
        assert!(
            matches!(bad, Err(ConfigError::Parse { ref message, .. }) if message.contains("rate_burst"))
        );
    }

    #[test]
    fn redis_settings_are_checked_and_name_the_setting() {
        let s = Settings::resolve(SettingsArgs::default(), SettingsArgs::default()).unwrap();
        assert_eq!((s.redis_url, s.redis_prefix.as_str()), (None, "shopchat:"));
        let file = toml::from_str::<SettingsArgs>(
            "redis_url = \"redis://:pw@cache.internal:6380/2\"\nredis_prefix = \"shop-a:\"",
        )
        .unwrap();
        let s = Settings::resolve(SettingsArgs::default(), file).unwrap();
        assert_eq!(
            s.redis_url.as_deref(),
            Some("redis://:pw@cache.internal:6380/2")
        );
        assert_eq!(s.redis_prefix, "shop-a:");
        for url in [
            "localhost:6379",
            "http://cache:6379",
            "redis://cache:notaport",
        ] {
            let bad = SettingsArgs {
                redis_url: Some(url.into()),
                ..Default::default()
            };
            let err = Settings::resolve(bad, SettingsArgs::default()).unwrap_err();
            assert!(
                matches!(
                    err,
                    ConfigError::Invalid {
                        field: "redis_url",
                        ..
                    }
                ),
                "{url}: {err}"
            );
            assert!(err.to_string().contains("redis_url"), "{err}");
        }
        for prefix in ["", "has space", "glob*"] {
            let bad = SettingsArgs {
                redis_prefix: Some(prefix.into()),
                ..Default::default()
            };
            assert!(matches!(
                Settings::resolve(bad, SettingsArgs::default()),
                Err(ConfigError::Invalid {
                    field: "redis_prefix",
                    ..
                })
            ));
        }
    }

    #[test]
    fn file_rejects_unknown_keys_and_bad_ranges() {
        assert!(toml::from_str::<SettingsArgs>("bnd = \"x\"").is_err());
        let bad = SettingsArgs {
            max_frame_bytes: Some(10),
            ..Default::default()
        };
        assert!(matches!(
            Settings::resolve(bad, SettingsArgs::default()),
            Err(ConfigError::Invalid {
                field: "max_frame_bytes",
                ..
            })
        ));
    }
}
