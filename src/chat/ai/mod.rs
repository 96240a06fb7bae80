//! Language-model help for agents (issue 18): drafts grounded in the shop's own data, with
//! the keyword-ranked suggestion as the fallback whenever the model is off, busy, over the
//! site's budget, slow, failing or answering something that is not a safe draft.

mod answer;
mod auto;
mod draft;
mod provider;
mod sent;
mod summary;
mod translate;
mod triage;

pub use draft::{DraftReply, DraftSource};
pub use provider::{ProviderChange, ProviderView};
pub use summary::HandoffSummary;
pub use translate::{TranslateInputError, TranslateSource, TranslateTarget, Translated};

use crate::ai::wire::{ChatRequest, Completion};
use crate::chat::ChatService;
use crate::domain::{SiteId, Timestamp};

use crate::config::AiSettings;
use crate::llm::ChatModel;
use crate::llm::gate::Gate;
use std::sync::Arc;

/// A model to ask: the client, and the model name its requests carry.
#[derive(Clone)]
pub(crate) struct ModelChoice {
    /// The provider's client.
    pub(crate) client: Arc<dyn ChatModel>,
    /// The model's name.
    pub(crate) name: String,
}

/// The node's access to language models: the server's model, if it has one (sites may bring
/// their own, see `provider.rs`), and the bounds every call passes.
pub struct Assistant {
    /// The server's model.
    pub(crate) server: Option<ModelChoice>,
    /// Calls in flight on this node.
    pub(crate) gate: Gate,
    /// Calls per site per UTC day, for all nodes together (counted in the store).
    pub(crate) daily_requests: u32,
    /// How long any call may take (sites' providers too).
    pub(crate) timeout: std::time::Duration,
    /// The key of draft tokens, read from the store the first time a draft needs it.
    pub(crate) draft_key: tokio::sync::OnceCell<crate::ai::token::DraftKey>,
}

/// The model a site uses and its use of it today (UTC).
#[derive(Debug, Clone)]
pub struct AiUsage {
    /// The model requests name.
    pub model: String,
    /// Whether it is the site's own provider rather than the server's.
    pub own_provider: bool,
    /// Calls per site per UTC day.
    pub daily_requests: u32,
    /// Calls counted today for the site, on all nodes.
    pub used_today: u32,
}

impl Assistant {
    /// The node's assistant: the server's provider when configured, and the bounds.
    pub fn from_settings(settings: &AiSettings) -> Assistant {
        let server = crate::llm::openai::OpenAiCompatible::from_settings(settings).map(|client| {
            ModelChoice {
                client: Arc::new(client),
                name: settings.model.clone(),
            }
        });
        Assistant {
            server,
            gate: Gate::new(settings.max_concurrent),
            daily_requests: settings.daily_requests,
            timeout: settings.timeout,
            draft_key: tokio::sync::OnceCell::new(),
        }
    }
}

impl ChatService {
    /// Whether `site`'s agents may use a language model (its own or the server's, and the
    /// owners did not switch it off): the dashboard offers what only the model can do,
    /// translation, only then.
    pub async fn model_available(&self, site: &SiteId) -> bool {
        self.model_allowed(site).await.is_ok()
    }

    /// The model the server has and how much of the site's daily budget is used today, for
    /// owners; `None` when the server has no model.
    pub async fn ai_usage(&self, site: &SiteId) -> Result<Option<AiUsage>, crate::chat::ChatError> {
        let Some((choice, own_provider)) = self.model_for(site).await else {
            return Ok(None);
        };
        let day = Timestamp::now().utc_day();
        Ok(Some(AiUsage {
            model: choice.name,
            own_provider,
            daily_requests: self.ai.daily_requests,
            used_today: self.store.ai_calls(site, day).await?,
        }))
    }

    /// The model `site`'s chats may go to, or why none (`ai_off`: neither the site nor the
    /// server has one; `site_off`: the owners switched it off). Asked before any grounding
    /// is read; answered from this node's caches, so a site without AI costs no store reads.
    pub(crate) async fn model_allowed(&self, site: &SiteId) -> Result<ModelChoice, &'static str> {
        let Some((choice, _)) = self.model_for(site).await else {
            return Err("ai_off");
        };
        if !self.settings(site).await.ai_assist {
            return Err("site_off");
        }
        Ok(choice)
    }

    /// One model call for `site`, within the node's bounds and the site's choice; the
    /// completion, or the reason for the fallback (`ai_off`, `site_off`, `busy`,
    /// `over_budget`, `store` (the count could not be kept), or the call's failure).
    /// Counted in the `shopchat_ai_*` metrics.
    pub(crate) async fn ask_model(
        &self,
        site: &SiteId,
        request: impl FnOnce(&str) -> ChatRequest,
    ) -> Result<Completion, &'static str> {
        let choice = self.model_allowed(site).await?;
        let ai = &self.ai;
        let Ok(pass) = ai.gate.enter() else {
            return Err(fallback("busy"));
        };
        // Counted before the call, for every node together: a call that fails still cost.
        let day = Timestamp::now().utc_day();
        match self.store.take_ai_call(site, day, ai.daily_requests).await {
            Ok(true) => {}
            Ok(false) => return Err(fallback("over_budget")),
            Err(e) => {
                // Without the count the budget cannot be kept: no call (fail closed).
                tracing::warn!(site = %site, error = %e, "model budget unreadable; fallback");
                return Err(fallback("store"));
            }
        }
        let request = request(&choice.name);
        let started = std::time::Instant::now();
        let answer = choice.client.complete(&request).await;
        drop(pass);
        metrics::histogram!("shopchat_ai_call_seconds").record(started.elapsed().as_secs_f64());
        match answer {
            Ok(completion) => {
                metrics::counter!("shopchat_ai_tokens_total", "kind" => "prompt")
                    .increment(completion.prompt_tokens);
                metrics::counter!("shopchat_ai_tokens_total", "kind" => "completion")
                    .increment(completion.completion_tokens);
                Ok(completion)
            }
            Err(e) => {
                tracing::warn!(site = %site, error = %e, "model call failed; fallback");
                metrics::counter!("shopchat_ai_calls_total", "result" => e.label()).increment(1);
                metrics::counter!("shopchat_ai_fallbacks_total", "reason" => e.label())
                    .increment(1);
                Err(e.label())
            }
        }
    }
}

/// Counts a fallback taken before any call, and names it.
fn fallback(why: &'static str) -> &'static str {
    metrics::counter!("shopchat_ai_fallbacks_total", "reason" => why).increment(1);
    why
}

/// Counts a completed call's outcome: `ok`, or why its answer was not used.
pub(crate) fn count_outcome(outcome: &'static str) {
    metrics::counter!("shopchat_ai_calls_total", "result" => outcome).increment(1);
    if outcome != "ok" {
        metrics::counter!("shopchat_ai_fallbacks_total", "reason" => outcome).increment(1);
    }
}
