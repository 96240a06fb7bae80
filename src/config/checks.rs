//! Each setting's range or syntax, checked when the settings are resolved so a typo is a
//! start-up error naming the setting, never a server that runs wrongly.

use super::ConfigError;

pub(super) fn positive<T: PartialOrd + Default + std::fmt::Display>(
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
pub(super) fn redis_url(url: Option<String>) -> Result<Option<String>, ConfigError> {
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
pub(super) fn redis_prefix(prefix: String) -> Result<String, ConfigError> {
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
pub(super) fn trusted_proxies(list: Vec<String>) -> Result<Vec<std::net::IpAddr>, ConfigError> {
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
