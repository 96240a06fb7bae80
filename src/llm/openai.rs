//! The OpenAI-compatible client: `POST {base_url}/chat/completions` with a Bearer key, a
//! timeout on the whole call, and the answer read into a [`Completion`]. The key is never
//! logged; errors name the status or the failure, not the request.

use super::{ChatModel, ModelError};
use crate::ai::wire::{ChatRequest, Completion, parse_completion};
use crate::config::AiSettings;
use async_trait::async_trait;
use std::time::Duration;

/// Largest answer body read: a draft is a few hundred tokens; a server that sends more is
/// not giving a draft.
const MAX_BODY: usize = 256 * 1024;

/// A provider at a base URL.
pub struct OpenAiCompatible {
    http: reqwest::Client,
    url: String,
    api_key: Option<String>,
    timeout: Duration,
}

impl OpenAiCompatible {
    /// The client for the server's configured provider, or `None` when AI is off.
    pub fn from_settings(settings: &AiSettings) -> Option<OpenAiCompatible> {
        let base = settings.base_url.as_ref()?;
        OpenAiCompatible::new(base, settings.api_key.clone(), settings.timeout)
    }

    /// A client for the API at `base` (`…/v1`) with `api_key`, each call bounded by
    /// `timeout`; `None` if no HTTP client can be built (no TLS roots on the machine).
    pub fn new(base: &str, api_key: Option<String>, timeout: Duration) -> Option<OpenAiCompatible> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(5)))
            // An owner's URL may not bounce the key elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .ok()?;
        Some(OpenAiCompatible {
            http,
            url: format!("{base}/chat/completions"),
            api_key,
            timeout,
        })
    }
}

#[async_trait]
impl ChatModel for OpenAiCompatible {
    async fn complete(&self, request: &ChatRequest) -> Result<Completion, ModelError> {
        let call = async {
            let mut builder = self.http.post(&self.url).json(request);
            if let Some(key) = &self.api_key {
                builder = builder.bearer_auth(key);
            }
            let response = builder.send().await.map_err(transport)?;
            let status = response.status();
            if !status.is_success() {
                return Err(ModelError::Status(status.as_u16()));
            }
            if response
                .content_length()
                .is_some_and(|n| n > MAX_BODY as u64)
            {
                return Err(ModelError::Malformed("answer too large".into()));
            }
            let body = response.bytes().await.map_err(transport)?;
            if body.len() > MAX_BODY {
                return Err(ModelError::Malformed("answer too large".into()));
            }
            parse_completion(&body).map_err(ModelError::Malformed)
        };
        // reqwest's own timeout covers the whole call too; this one makes the bound explicit.
        tokio::time::timeout(self.timeout, call)
            .await
            .unwrap_or(Err(ModelError::Timeout))
    }
}

fn transport(e: reqwest::Error) -> ModelError {
    if e.is_timeout() {
        ModelError::Timeout
    } else {
        ModelError::Unreachable(e.without_url().to_string())
    }
}
