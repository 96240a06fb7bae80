//! Language-model help for agents (issue 18): drafts grounded in the shop's own data, with
//! the keyword-ranked suggestion as the fallback whenever the model is off, busy, over the
//! site's budget, slow, failing or answering something that is not a safe draft.

mod answer;
mod draft;
mod summary;
mod triage;

pub use draft::{DraftReply, DraftSource};
pub use summary::HandoffSummary;

use crate::ai::wire::{ChatRequest, Completion};
use crate::chat::ChatService;
use crate::domain::{SiteId, Timestamp};
use crate::llm::gate::Closed;

use crate::config::AiSettings;
use crate::llm::ChatModel;
use crate::llm::gate::Gate;
use std::sync::Arc;

/// The node's model client with its bounds.
pub struct Assistant {
    /// The provider.
    pub(crate) model: Arc<dyn ChatModel>,
    /// The model's name, as requests carry it.
    pub(crate) model_name: String,
    /// Calls in flight and per site per day.
    pub(crate) gate: Gate,
}

impl Assistant {
    /// The assistant for the configured provider, or `None` when AI is off.
    pub fn from_settings(settings: &AiSettings) -> Option<Assistant> {
        let client = crate::llm::openai::OpenAiCompatible::from_settings(settings)?;
        Some(Assistant {
            model: Arc::new(client),
            model_name: settings.model.clone(),
            gate: Gate::new(settings.max_concurrent, settings.daily_requests),
        })
    }
}

impl ChatService {
    /// Whether `site`'s chats may go to the model at all (`ai_off`: the server has none;
    /// `site_off`: the owners switched it off). Asked before any grounding is read, so a
    /// site without AI costs no store reads.
    pub(crate) async fn model_allowed(&self, site: &SiteId) -> Result<(), &'static str> {
        if self.ai.is_none() {
            return Err("ai_off");
        }
        if !self.settings(site).await.ai_assist {
            return Err("site_off");
        }
        Ok(())
    }

    /// One model call for `site`, within the node's bounds and the site's choice; the
    /// completion, or the reason for the fallback (`ai_off`, `site_off`, `busy`,
    /// `over_budget`, or the call's failure). Counted in the `shopchat_ai_*` metrics.
    pub(crate) async fn ask_model(
        &self,
        site: &SiteId,
        request: impl FnOnce(&str) -> ChatRequest,
    ) -> Result<Completion, &'static str> {
        self.model_allowed(site).await?;
        let Some(ai) = &self.ai else {
            return Err("ai_off");
        };
        let pass = ai.gate.enter(site, Timestamp::now()).map_err(|closed| {
            let why = match closed {
                Closed::Busy => "busy",
                Closed::OverBudget => "over_budget",
            };
            metrics::counter!("shopchat_ai_fallbacks_total", "reason" => why).increment(1);
            why
        })?;
        let request = request(&ai.model_name);
        let started = std::time::Instant::now();
        let answer = ai.model.complete(&request).await;
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

/// Counts a completed call's outcome: `ok`, or why its answer was not used.
pub(crate) fn count_outcome(outcome: &'static str) {
    metrics::counter!("shopchat_ai_calls_total", "result" => outcome).increment(1);
    if outcome != "ok" {
        metrics::counter!("shopchat_ai_fallbacks_total", "reason" => outcome).increment(1);
    }
}
