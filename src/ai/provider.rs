//! A site's own language model: the OpenAI-compatible endpoint, model and key an owner
//! chose for the shop, used instead of the server's. Checked once when an owner saves it.
//! The key is a secret: `Debug` leaves it out, and the API shows only whether one is set.

use serde::{Deserialize, Serialize};

/// Longest model name accepted.
const MAX_MODEL: usize = 100;
/// Longest API key accepted.
const MAX_KEY: usize = 500;

/// A site's own provider.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteProvider {
    /// The API's base URL (`https://…/v1`), without a trailing slash.
    pub base_url: String,
    /// The model to ask.
    pub model: String,
    /// The provider's API key, sent as a Bearer token (never shown back).
    pub api_key: Option<String>,
}

impl std::fmt::Debug for SiteProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SiteProvider")
            .field("base_url", &self.base_url)
            .field("model", &self.model)
            .field("api_key", &self.api_key.as_ref().map(|_| "…"))
            .finish()
    }
}

impl SiteProvider {
    /// The provider with its URL normalised, or the field at fault and why. Only `https`
    /// unless `allow_http` (the server lets owners' URLs be plain http, as for webhooks):
    /// the key travels in every request.
    pub fn checked(
        base_url: &str,
        model: &str,
        api_key: Option<String>,
        allow_http: bool,
    ) -> Result<SiteProvider, (&'static str, String)> {
        let base_url = base_url.trim().trim_end_matches('/').to_owned();
        let parsed = url::Url::parse(&base_url).map_err(|e| ("base_url", e.to_string()))?;
        match parsed.scheme() {
            "https" => {}
            "http" if allow_http => {}
            _ => return Err(("base_url", "must be an https URL".into())),
        }
        if parsed.host_str().is_none()
            || !parsed.username().is_empty()
            || parsed.password().is_some()
        {
            return Err((
                "base_url",
                "must name a host, without a user or password".into(),
            ));
        }
        let model = model.trim().to_owned();
        if model.is_empty() || model.chars().count() > MAX_MODEL {
            return Err(("model", format!("must be 1 to {MAX_MODEL} characters")));
        }
        if let Some(key) = &api_key
            && (key.is_empty() || key.len() > MAX_KEY || key.chars().any(char::is_control))
        {
            return Err((
                "api_key",
                format!("must be 1 to {MAX_KEY} printable characters"),
            ));
        }
        Ok(SiteProvider {
            base_url,
            model,
            api_key,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::SiteProvider;

    #[test]
    fn an_owners_provider_is_checked_and_its_key_never_printed() {
        let ok = SiteProvider::checked(
            " https://api.example.com/v1/ ",
            " m ",
            Some("sk-1".into()),
            false,
        )
        .unwrap();
        assert_eq!(
            (ok.base_url.as_str(), ok.model.as_str()),
            ("https://api.example.com/v1", "m")
        );
        assert!(!format!("{ok:?}").contains("sk-1"));
        for (url, model, key, field) in [
            ("http://10.0.0.1/v1", "m", None, "base_url"),
            ("ftp://x/v1", "m", None, "base_url"),
            ("https://user:pw@x/v1", "m", None, "base_url"),
            ("not a url", "m", None, "base_url"),
            ("https://x/v1", " ", None, "model"),
            ("https://x/v1", "m", Some("a\nb".to_owned()), "api_key"),
        ] {
            assert_eq!(
                SiteProvider::checked(url, model, key, false).unwrap_err().0,
                field,
                "{url}"
            );
        }
        assert!(SiteProvider::checked("http://127.0.0.1:11434/v1", "m", None, true).is_ok());
    }
}
