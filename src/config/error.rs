//! Why the settings could not be assembled; each variant names the file or setting at fault.

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
