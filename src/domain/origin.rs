//! Web origins (`scheme://host[:port]`), the unit of the shopper socket's allowlist.
//!
//! Both the allowlist entries and the browser's `Origin` header go through [`Origin::parse`],
//! so the comparison is between two normalised values and a match is exact: no wildcard, no
//! suffix match (`https://shop.example.evil` is not `https://shop.example`).

use std::fmt;

/// Why a text is not an origin.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum OriginError {
    /// Not a URL at all.
    #[error("`{0}` is not a URL")]
    NotAUrl(String),
    /// Only web origins make sense for a widget.
    #[error("`{0}` must use http or https")]
    Scheme(String),
    /// An origin is scheme, host and port; a path would never match a browser's header.
    #[error("`{0}` must be only scheme://host[:port], without path, query or user")]
    NotBare(String),
}

/// A normalised web origin, such as `https://shop.example` or `http://localhost:8080`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Origin(String);

impl Origin {
    /// Parses and normalises (lower-case host, default port dropped). A single trailing slash
    /// is tolerated because people paste origins from the address bar.
    pub fn parse(text: &str) -> Result<Self, OriginError> {
        let trimmed = text.trim();
        let url = url::Url::parse(trimmed).map_err(|_| OriginError::NotAUrl(short(trimmed)))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(OriginError::Scheme(short(trimmed)));
        }
        let bare = url.path() == "/"
            && url.query().is_none()
            && url.fragment().is_none()
            && url.username().is_empty()
            && url.password().is_none()
            && url.host_str().is_some()
            && !trimmed.ends_with("//");
        let without_slash = trimmed.strip_suffix('/').unwrap_or(trimmed);
        if !bare || without_slash.matches('/').count() != 2 {
            return Err(OriginError::NotBare(short(trimmed)));
        }
        Ok(Origin(url.origin().ascii_serialization()))
    }

    /// The serialised origin, as a browser would send it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn short(text: &str) -> String {
    text.chars().take(100).collect()
}

impl TryFrom<String> for Origin {
    type Error = OriginError;
    fn try_from(value: String) -> Result<Self, OriginError> {
        Origin::parse(&value)
    }
}

impl From<Origin> for String {
    fn from(o: Origin) -> String {
        o.0
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_case_default_port_and_trailing_slash() {
        let a = Origin::parse("HTTPS://Shop.Example:443/").unwrap();
        assert_eq!(a.as_str(), "https://shop.example");
        assert_eq!(
            Origin::parse("http://localhost:8080").unwrap().as_str(),
            "http://localhost:8080"
        );
    }

    #[test]
    fn lookalikes_differ() {
        let allowed = Origin::parse("https://shop.example").unwrap();
        for other in [
            "https://shop.example.evil",
            "http://shop.example",
            "https://shop.example:8443",
            "https://evilshop.example",
        ] {
            assert_ne!(Origin::parse(other).unwrap(), allowed, "{other}");
        }
    }

    #[test]
    fn refuses_paths_schemes_and_junk() {
        assert!(matches!(
            Origin::parse("https://shop.example/shop"),
            Err(OriginError::NotBare(_))
        ));
        assert!(matches!(
            Origin::parse("https://u:p@shop.example"),
            Err(OriginError::NotBare(_))
        ));
        assert!(matches!(
            Origin::parse("ftp://shop.example"),
            Err(OriginError::Scheme(_))
        ));
        assert!(matches!(
            Origin::parse("null"),
            Err(OriginError::NotAUrl(_))
        ));
        assert!(Origin::parse("*").is_err());
    }
}
