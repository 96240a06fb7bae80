//! Typed settings. Every setting can come from built-in defaults, an optional `shopchat.toml`,
//! a `SHOPCHAT_*` environment variable or a command-line flag; later ones win in that order.
//! One struct ([`SettingsArgs`]) is both the clap flag set and the file format, so the three
//! sources cannot drift apart.
//!
//! One job per file: `args` (the flag/env/file shape and reading the file), `settings` (what
//! the server runs with, and its defaults), `limits` (per-socket bounds), `guards` (per-address
//! and per-job budgets), `resolve` (layering the sources) with `checks` (each value's range),
//! and `error`. Nothing here reaches into other modules: the bus and the store take their
//! defaults from here, not the other way round.

mod ai;
mod args;
mod checks;
mod default_file;
mod error;
mod files;
mod guards;
mod limits;
mod mail;
mod resolve;
mod settings;
#[cfg(test)]
mod tests;

pub use ai::AiSettings;
pub use args::{DEFAULT_CONFIG_FILE, SettingsArgs};
pub use default_file::default_config_file;
pub use error::ConfigError;
pub use files::{ClamdAddress, FilesBackend, FilesBackendName, FilesSettings, S3Settings};
pub use guards::Guards;
pub use limits::Limits;
pub use mail::{Dkim, MailServer, MailSettings, MailTls};
pub use settings::{DEFAULT_REDIS_PREFIX, LogFormat, Settings};
