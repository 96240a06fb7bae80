//! Language-model help for agents (issue 18): drafts grounded in the shop's own data, with
//! the keyword-ranked suggestion as the fallback whenever the model is off, busy, over the
//! site's budget, slow, failing or answering something that is not a safe draft.

mod draft;

pub use draft::{DraftReply, DraftSource};

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
