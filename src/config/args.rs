//! Every setting as an optional value: the clap flags (with their `SHOPCHAT_*` variables) and
//! the `shopchat.toml` file share this one shape, and the file is read here.

use super::{ConfigError, LogFormat};
use serde::Deserialize;
use std::path::{Path, PathBuf};

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
    #[arg(long, env = "SHOPCHAT_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,
    /// JWT issuer [default: shopchat]
    #[arg(long, env = "SHOPCHAT_JWT_ISSUER")]
    pub jwt_issuer: Option<String>,
    /// JWT audience [default: shopchat-agents]
    #[arg(long, env = "SHOPCHAT_JWT_AUDIENCE")]
    pub jwt_audience: Option<String>,
    /// Agent token lifetime in seconds [default: 43200]
    #[arg(long, env = "SHOPCHAT_TOKEN_TTL_SECS")]
    pub token_ttl_secs: Option<u64>,
    /// Largest WebSocket frame accepted, in bytes [default: 16384]
    #[arg(long, env = "SHOPCHAT_MAX_FRAME_BYTES")]
    pub max_frame_bytes: Option<usize>,
    /// Longest chat message, in characters [default: 4000]
    #[arg(long, env = "SHOPCHAT_MAX_MESSAGE_CHARS")]
    pub max_message_chars: Option<usize>,
    /// Frames per second a shopper socket may send on average [default: 20]
    #[arg(long, env = "SHOPCHAT_RATE_PER_SEC")]
    pub rate_per_sec: Option<u32>,
    /// Frames a shopper socket may send in a burst [default: 40]
    #[arg(long, env = "SHOPCHAT_RATE_BURST")]
    pub rate_burst: Option<u32>,
    /// Refused frames in a row before a flooding socket is closed [default: 50]
    #[arg(long, env = "SHOPCHAT_RATE_STRIKES")]
    pub rate_strikes: Option<u32>,
    /// Frames queued for one socket before it counts as too slow and is closed [default: 256]
    #[arg(long, env = "SHOPCHAT_OUTBOX_CAPACITY")]
    pub outbox_capacity: Option<usize>,
    /// Milliseconds between server pings [default: 15000]
    #[arg(long, env = "SHOPCHAT_PING_INTERVAL_MS")]
    pub ping_interval_ms: Option<u64>,
    /// Milliseconds of silence after which a socket is closed [default: 45000]
    #[arg(long, env = "SHOPCHAT_IDLE_TIMEOUT_MS")]
    pub idle_timeout_ms: Option<u64>,
    /// Milliseconds an agent may be offline before its chats go back to the queue [default: 60000]
    #[arg(long, env = "SHOPCHAT_AGENT_GRACE_MS")]
    pub agent_grace_ms: Option<u64>,
    /// Deliver webhooks to plain-http URLs too (development only) [default: false]
    #[arg(long, env = "SHOPCHAT_ALLOW_HTTP_WEBHOOKS")]
    pub allow_http_webhooks: Option<bool>,
    /// Milliseconds before a failed webhook delivery is first retried; later retries wait
    /// 6, 30 and 60 times as long (5 attempts in all) [default: 5000]
    #[arg(long, env = "SHOPCHAT_WEBHOOK_RETRY_MS")]
    pub webhook_retry_ms: Option<u64>,
    /// HTTP worker threads [default: number of cores]
    #[arg(long, env = "SHOPCHAT_WORKERS")]
    pub workers: Option<usize>,
    /// Redis for running several nodes: the store and the bus between them instead of the
    /// SQLite file, `redis://[:PASSWORD@]HOST[:PORT][/DB]`
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
    #[arg(long, env = "SHOPCHAT_HELLO_TIMEOUT_MS")]
    pub hello_timeout_ms: Option<u64>,
    /// Sockets one client address may hold before saying `hello` or authenticating [default: 64]
    #[arg(long, env = "SHOPCHAT_MAX_PENDING_SOCKETS_PER_ADDR")]
    pub max_pending_sockets_per_addr: Option<usize>,
    /// Proxies whose X-Forwarded-For names the client (repeat or comma-separate) [default: none]
    #[arg(
        long = "trusted-proxy",
        env = "SHOPCHAT_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    pub trusted_proxies: Option<Vec<String>>,
    /// Days a shopper's session token stays valid; an older one starts a new visitor [default: 90]
    #[arg(long, env = "SHOPCHAT_SESSION_TTL_DAYS")]
    pub session_ttl_days: Option<u64>,
    /// New anonymous visitors one client address may start per minute [default: 60]
    #[arg(long, env = "SHOPCHAT_NEW_VISITORS_PER_ADDR_PER_MIN")]
    pub new_visitors_per_addr_per_min: Option<u32>,
    /// New conversations one client address may open per minute [default: 20]
    #[arg(long, env = "SHOPCHAT_NEW_CONVERSATIONS_PER_ADDR_PER_MIN")]
    pub new_conversations_per_addr_per_min: Option<u32>,
    /// Password hashes computed at once; more waiting logins get 503 [default: number of cores]
    #[arg(long, env = "SHOPCHAT_PASSWORD_JOBS")]
    pub password_jobs: Option<usize>,
    /// Login attempts per client address per minute [default: 30]
    #[arg(long, env = "SHOPCHAT_LOGIN_PER_ADDR_PER_MIN")]
    pub login_per_addr_per_min: Option<u32>,
    /// Login attempts per email from one client address per minute [default: 10]
    #[arg(long, env = "SHOPCHAT_LOGIN_PER_EMAIL_ADDR_PER_MIN")]
    pub login_per_email_addr_per_min: Option<u32>,
    /// Login attempts per email from all addresses together per minute [default: 100]
    #[arg(long, env = "SHOPCHAT_LOGIN_PER_EMAIL_PER_MIN")]
    pub login_per_email_per_min: Option<u32>,
    /// Milliseconds between sweeps that close conversations idle longer than their site's
    /// `idle_close_secs` [default: 15000]
    #[arg(long, env = "SHOPCHAT_IDLE_SWEEP_MS")]
    pub idle_sweep_ms: Option<u64>,
    /// SMTP relay that sends email (replies to shoppers who left, transcripts, team notices,
    /// codes); no email is sent without it [default: none]
    #[arg(long, env = "SHOPCHAT_SMTP_HOST")]
    pub smtp_host: Option<String>,
    /// SMTP port [default: 587, or 465 with --smtp-tls tls]
    #[arg(long, env = "SHOPCHAT_SMTP_PORT")]
    pub smtp_port: Option<u16>,
    /// SMTP transport security: starttls (required), tls (implicit), none (a local relay only) [default: starttls]
    #[arg(long, env = "SHOPCHAT_SMTP_TLS", value_enum)]
    pub smtp_tls: Option<super::mail::MailTls>,
    /// SMTP user name [default: none]
    #[arg(long, env = "SHOPCHAT_SMTP_USER")]
    pub smtp_user: Option<String>,
    /// SMTP password [default: none]
    #[arg(long, env = "SHOPCHAT_SMTP_PASSWORD", hide_env_values = true)]
    pub smtp_password: Option<String>,
    /// PEM file of extra root certificates for the SMTP relay [default: none]
    #[arg(long, env = "SHOPCHAT_SMTP_CA_FILE")]
    pub smtp_ca_file: Option<PathBuf>,
    /// From address when a site sets none (needed with --smtp-host)
    #[arg(long, env = "SHOPCHAT_MAIL_FROM")]
    pub mail_from: Option<String>,
    /// Domains sites may use in their own From address (repeat or comma-separate) [default: none]
    #[arg(long, env = "SHOPCHAT_MAIL_FROM_DOMAINS", value_delimiter = ',')]
    pub mail_from_domains: Option<Vec<String>>,
    /// Address replies come back to; each conversation adds its token (reply+TOKEN@…) [default: none: threading by Message-ID only]
    #[arg(long, env = "SHOPCHAT_MAIL_REPLY_ADDRESS")]
    pub mail_reply_address: Option<String>,
    /// DKIM signing domain (with --dkim-selector and --dkim-key-file) [default: no DKIM]
    #[arg(long, env = "SHOPCHAT_DKIM_DOMAIN")]
    pub dkim_domain: Option<String>,
    /// DKIM selector [default: none]
    #[arg(long, env = "SHOPCHAT_DKIM_SELECTOR")]
    pub dkim_selector: Option<String>,
    /// DKIM private key: RSA in PKCS#1 PEM (`openssl genrsa -traditional`), or Ed25519 as the base64 of its 32 raw bytes [default: none]
    #[arg(long, env = "SHOPCHAT_DKIM_KEY_FILE")]
    pub dkim_key_file: Option<PathBuf>,
    /// IMAP server whose mailbox is polled for shoppers' replies [default: no polling]
    #[arg(long, env = "SHOPCHAT_IMAP_HOST")]
    pub imap_host: Option<String>,
    /// IMAP port [default: 993, or 143 with --imap-tls starttls|none]
    #[arg(long, env = "SHOPCHAT_IMAP_PORT")]
    pub imap_port: Option<u16>,
    /// IMAP transport security [default: tls]
    #[arg(long, env = "SHOPCHAT_IMAP_TLS", value_enum)]
    pub imap_tls: Option<super::mail::MailTls>,
    /// IMAP user name
    #[arg(long, env = "SHOPCHAT_IMAP_USER")]
    pub imap_user: Option<String>,
    /// IMAP password
    #[arg(long, env = "SHOPCHAT_IMAP_PASSWORD", hide_env_values = true)]
    pub imap_password: Option<String>,
    /// PEM file of extra root certificates for the IMAP server [default: none]
    #[arg(long, env = "SHOPCHAT_IMAP_CA_FILE")]
    pub imap_ca_file: Option<PathBuf>,
    /// IMAP folder polled [default: INBOX]
    #[arg(long, env = "SHOPCHAT_IMAP_MAILBOX")]
    pub imap_mailbox: Option<String>,
    /// Milliseconds between IMAP polls [default: 30000]
    #[arg(long, env = "SHOPCHAT_IMAP_POLL_MS")]
    pub imap_poll_ms: Option<u64>,
    /// Secret of the HTTP inbound-mail endpoint (POST /api/v1/mail/inbound, Bearer); at least 24 characters [default: endpoint off]
    #[arg(long, env = "SHOPCHAT_INBOUND_MAIL_SECRET", hide_env_values = true)]
    pub inbound_mail_secret: Option<String>,
    /// Largest inbound mail accepted, bytes [default: 10485760]
    #[arg(long, env = "SHOPCHAT_MAX_INBOUND_MAIL_BYTES")]
    pub max_inbound_mail_bytes: Option<usize>,
    /// Milliseconds before a temporarily refused email is retried; later retries wait longer [default: 30000]
    #[arg(long, env = "SHOPCHAT_MAIL_RETRY_MS")]
    pub mail_retry_ms: Option<u64>,
    /// Milliseconds between looks at the outbox for emails that came due [default: 1000]
    #[arg(long, env = "SHOPCHAT_MAIL_OUTBOX_POLL_MS")]
    pub mail_outbox_poll_ms: Option<u64>,
    /// Base URL of an OpenAI-compatible API (https://api.openai.com/v1, a vLLM, llama.cpp or
    /// Ollama server's …/v1); AI drafts are off without it [default: none]
    #[arg(long, env = "SHOPCHAT_AI_BASE_URL")]
    pub ai_base_url: Option<String>,
    /// The model to ask (needed with --ai-base-url)
    #[arg(long, env = "SHOPCHAT_AI_MODEL")]
    pub ai_model: Option<String>,
    /// The provider's API key, sent as a Bearer token [default: none, for a local server]
    #[arg(long, env = "SHOPCHAT_AI_API_KEY", hide_env_values = true)]
    pub ai_api_key: Option<String>,
    /// Milliseconds a model call may take before its fallback is used [default: 15000]
    #[arg(long, env = "SHOPCHAT_AI_TIMEOUT_MS")]
    pub ai_timeout_ms: Option<u64>,
    /// Model calls in flight on this node at once; one more falls back at once [default: 4]
    #[arg(long, env = "SHOPCHAT_AI_MAX_CONCURRENT")]
    pub ai_max_concurrent: Option<usize>,
    /// Model calls per site per day on this node; past it, the fallback [default: 500]
    #[arg(long, env = "SHOPCHAT_AI_DAILY_REQUESTS")]
    pub ai_daily_requests: Option<u32>,
    /// Where attachments are kept: data_dir (data_dir/files, one node) or s3 (an S3-compatible bucket, several nodes) [default: data_dir]
    #[arg(long, env = "SHOPCHAT_FILES_BACKEND", value_enum)]
    pub files_backend: Option<super::files::FilesBackendName>,
    /// URL of the S3-compatible server (with --files-backend s3)
    #[arg(long, env = "SHOPCHAT_FILES_S3_ENDPOINT")]
    pub files_s3_endpoint: Option<String>,
    /// Bucket for attachments; it must exist (with --files-backend s3)
    #[arg(long, env = "SHOPCHAT_FILES_S3_BUCKET")]
    pub files_s3_bucket: Option<String>,
    /// Region requests are signed for [default: us-east-1]
    #[arg(long, env = "SHOPCHAT_FILES_S3_REGION")]
    pub files_s3_region: Option<String>,
    /// Access key id of the bucket (with --files-backend s3)
    #[arg(long, env = "SHOPCHAT_FILES_S3_ACCESS_KEY_ID")]
    pub files_s3_access_key_id: Option<String>,
    /// Secret access key of the bucket (with --files-backend s3)
    #[arg(
        long,
        env = "SHOPCHAT_FILES_S3_SECRET_ACCESS_KEY",
        hide_env_values = true
    )]
    pub files_s3_secret_access_key: Option<String>,
    /// Allow a plain http:// S3 endpoint (a private network's or a test's) [default: false]
    #[arg(long, env = "SHOPCHAT_FILES_S3_ALLOW_HTTP")]
    pub files_s3_allow_http: Option<bool>,
    /// A clamd that scans every upload before it is kept: host:port or the path of its Unix socket (/run/clamav/clamd.ctl); an upload is refused while it cannot be reached [default: no scanning]
    #[arg(long, env = "SHOPCHAT_FILES_CLAMD")]
    pub files_clamd: Option<String>,
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
