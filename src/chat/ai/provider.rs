//! A site's own language model: owners choose an OpenAI-compatible endpoint, model and key
//! for their shop, used instead of the server's (which stays the default). The key is
//! written, never read back: owners see only whether one is set. Each node keeps the site's
//! client in its caches, dropped with the chat settings' invalidation when owners change it.

use super::ModelChoice;
use crate::ai::provider::SiteProvider;
use crate::bus::SiteData;
use crate::chat::{ChatError, ChatService};
use crate::domain::SiteId;
use crate::llm::openai::OpenAiCompatible;
use std::sync::Arc;

/// A site's provider as owners see it: never the key.
#[derive(Debug, Clone)]
pub struct ProviderView {
    /// The API's base URL.
    pub base_url: String,
    /// The model.
    pub model: String,
    /// Whether a key is stored.
    pub api_key_set: bool,
}

/// What an owner asks to change: the URL and model (both, or `None` to go back to the
/// server's model), and the key (`None`: keep the stored one; `Some(None)`: remove it).
#[derive(Debug, Clone)]
pub struct ProviderChange {
    /// `(base_url, model)`, or `None` to remove the site's provider.
    pub endpoint: Option<(String, String)>,
    /// The key change.
    pub api_key: Option<Option<String>>,
}

impl ChatService {
    /// The model `site` uses — its own provider, else the server's — and whether it is its
    /// own; `None` when there is neither. Through this node's cache: one store read per
    /// site until owners change it. A store failure falls back to the server's model.
    pub(crate) async fn model_for(&self, site: &SiteId) -> Option<(ModelChoice, bool)> {
        let timeout = self.ai.timeout;
        let own = self
            .caches
            .models
            .get_or_load(site, || async {
                Ok(self.store.site_provider(site).await?.and_then(|p| {
                    let client = OpenAiCompatible::new(&p.base_url, p.api_key, timeout)?;
                    Some(ModelChoice {
                        client: Arc::new(client),
                        name: p.model,
                    })
                }))
            })
            .await;
        match own {
            Ok(own) => match own.as_ref() {
                Some(choice) => Some((choice.clone(), true)),
                None => self.ai.server.clone().map(|c| (c, false)),
            },
            Err(e) => {
                tracing::warn!(site = %site, error = %e, "site's model provider unreadable; the server's used");
                self.ai.server.clone().map(|c| (c, false))
            }
        }
    }

    /// The site's own provider, for its owners.
    pub async fn site_provider(&self, site: &SiteId) -> Result<Option<ProviderView>, ChatError> {
        Ok(self.store.site_provider(site).await?.map(|p| ProviderView {
            base_url: p.base_url,
            model: p.model,
            api_key_set: p.api_key.is_some(),
        }))
    }

    /// An owner sets or removes the site's own provider; `Ok(Err((field, why)))` names what
    /// is wrong. Every node drops its client for the site.
    pub async fn set_site_provider(
        &self,
        site: &SiteId,
        change: ProviderChange,
    ) -> Result<Result<Option<ProviderView>, (&'static str, String)>, ChatError> {
        let provider = match change.endpoint {
            None => None,
            Some((base_url, model)) => {
                let key = match change.api_key {
                    Some(key) => key,
                    None => self
                        .store
                        .site_provider(site)
                        .await?
                        .and_then(|p| p.api_key),
                };
                match SiteProvider::checked(
                    &base_url,
                    &model,
                    key,
                    self.settings.allow_http_webhooks,
                ) {
                    Ok(p) => Some(p),
                    Err(bad) => return Ok(Err(bad)),
                }
            }
        };
        self.store
            .set_site_provider(site, provider.as_ref())
            .await?;
        // The client is cached beside the chat settings and dropped with them.
        self.site_changed(site, &[SiteData::ChatSettings]).await;
        Ok(Ok(self.site_provider(site).await?))
    }
}
