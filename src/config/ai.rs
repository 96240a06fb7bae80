//! The server's language-model settings: an OpenAI-compatible chat-completions endpoint
//! (a hosted provider or a local server), and the bounds that keep it from costing or
//! blocking more than a shop expects. Off until a base URL is set: everything AI does then
//! falls back to keyword ranking. The API key is never printed: `Debug` leaves it out.

use super::ConfigError;
use super::SettingsArgs;
use std::time::Duration;

/// Where the model is and how much of it one node may use.
#[derive(Clone, PartialEq, Eq)]
pub struct AiSettings {
    /// The API's base URL, without a trailing slash (`…/v1`); `None`: AI off.
    pub base_url: Option<String>,
    /// The model to ask.
    pub model: String,
    /// The provider's API key (never printed).
    pub api_key: Option<String>,
    /// How long a call may take before its fallback is used.
    pub timeout: Duration,
    /// Calls in flight on this node at once.
    pub max_concurrent: usize,
    /// Calls per site per UTC day, all nodes together (counted in the store).
    pub daily_requests: u32,
}

impl std::fmt::Debug for AiSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AiSettings")
            .field("base_url", &self.base_url)
            .field("model", &self.model)
            .field("api_key", &self.api_key.as_ref().map(|_| "…"))
            .field("timeout", &self.timeout)
            .field("max_concurrent", &self.max_concurrent)
            .field("daily_requests", &self.daily_requests)
            .finish()
    }
}

impl Default for AiSettings {
    fn default() -> Self {
        AiSettings {
            base_url: None,
            model: String::new(),
            api_key: None,
            timeout: Duration::from_secs(15),
            max_concurrent: 4,
            daily_requests: 500,
        }
    }
}

impl AiSettings {
    /// The AI settings from the flags/env over the file over the defaults, each checked.
    pub(super) fn resolve(cli: &SettingsArgs, file: &SettingsArgs) -> Result<Self, ConfigError> {
        let d = AiSettings::default();
        let pick = |a: &Option<String>, b: &Option<String>| a.clone().or(b.clone());
        let base_url = pick(&cli.ai_base_url, &file.ai_base_url)
            .map(|u| u.trim().trim_end_matches('/').to_owned())
            .filter(|u| !u.is_empty());
        if let Some(url) = &base_url
            && !(url.starts_with("https://") || url.starts_with("http://"))
        {
            return Err(invalid("ai_base_url", "must be an http(s) URL"));
        }
        let model = pick(&cli.ai_model, &file.ai_model).unwrap_or_default();
        if base_url.is_some() && model.trim().is_empty() {
            return Err(invalid("ai_model", "is needed with ai_base_url"));
        }
        let timeout = super::checks::positive(
            "ai_timeout_ms",
            cli.ai_timeout_ms
                .or(file.ai_timeout_ms)
                .unwrap_or(d.timeout.as_millis() as u64),
        )?;
        Ok(AiSettings {
            base_url,
            model: model.trim().to_owned(),
            api_key: pick(&cli.ai_api_key, &file.ai_api_key).filter(|k| !k.is_empty()),
            timeout: Duration::from_millis(timeout),
            max_concurrent: super::checks::positive(
                "ai_max_concurrent",
                cli.ai_max_concurrent
                    .or(file.ai_max_concurrent)
                    .unwrap_or(d.max_concurrent),
            )?,
            daily_requests: super::checks::positive(
                "ai_daily_requests",
                cli.ai_daily_requests
                    .or(file.ai_daily_requests)
                    .unwrap_or(d.daily_requests),
            )?,
        })
    }
}

fn invalid(field: &'static str, problem: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        field,
        problem: problem.into(),
    }
}
