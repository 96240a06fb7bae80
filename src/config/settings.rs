//! The resolved settings the server runs with, and the defaults each one starts from.

use super::{Guards, Limits};
use serde::Deserialize;
use std::path::PathBuf;

/// The Redis key and channel prefix used when none is configured. Config owns it, and the bus
/// and store use it, so a setting's default is written once, beside the setting.
pub const DEFAULT_REDIS_PREFIX: &str = "shopchat:";

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
    /// The wait before a failed webhook delivery's first retry (later ones are longer).
    pub webhook_retry: std::time::Duration,
    /// Redis URL for several nodes, checked to be usable by the Redis client. Not used by
    /// the server yet: a Redis bus needs the Redis store beside it.
    pub redis_url: Option<String>,
    /// Prefix of Redis keys and channels.
    pub redis_prefix: String,
    /// Per-address and per-job budgets.
    pub guards: Guards,
    /// Email: the SMTP relay, addresses, DKIM, the inbound paths.
    pub mail: super::MailSettings,
    /// The language model behind agents' drafts, and its bounds.
    pub ai: super::AiSettings,
    /// Where attachments are kept: the data dir or an S3-compatible bucket.
    pub files: super::FilesSettings,
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
            limits: Limits::default(),
            workers: None,
            allow_http_webhooks: false,
            webhook_retry: std::time::Duration::from_secs(5),
            redis_url: None,
            redis_prefix: DEFAULT_REDIS_PREFIX.into(),
            guards: Guards::default(),
            mail: super::MailSettings::default(),
            files: super::FilesSettings::default(),
            ai: super::AiSettings::default(),
        }
    }
}
