//! The language model as a service shopchat calls: any OpenAI-compatible chat-completions
//! endpoint (`openai.rs`), behind bounds that act before a call is made (`gate.rs`: calls in
//! flight on this node, calls per site per day). Infrastructure: the use cases in
//! `chat/ai/` decide what to ask and fall back to keyword ranking whenever this says no.

pub mod gate;
pub mod openai;

use crate::ai::wire::{ChatRequest, Completion};
use async_trait::async_trait;

/// Why a model call gave no completion. Every case falls back; none is the shopper's or the
/// agent's problem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModelError {
    /// No answer within the timeout.
    #[error("the model did not answer in time")]
    Timeout,
    /// The provider answered with an error status (429 over its quota, 5xx down…).
    #[error("the model's server answered {0}")]
    Status(u16),
    /// The answer is not a chat completion.
    #[error("the model's answer is malformed: {0}")]
    Malformed(String),
    /// No connection (refused, DNS, TLS).
    #[error("the model's server is unreachable: {0}")]
    Unreachable(String),
}

impl ModelError {
    /// A short label for metrics and logs.
    pub fn label(&self) -> &'static str {
        match self {
            ModelError::Timeout => "timeout",
            ModelError::Status(_) => "status",
            ModelError::Malformed(_) => "malformed",
            ModelError::Unreachable(_) => "unreachable",
        }
    }
}

/// A chat-completions endpoint. A trait so the service holds one, whichever provider.
#[async_trait]
pub trait ChatModel: Send + Sync + 'static {
    /// Asks the model; the completion or why there is none.
    async fn complete(&self, request: &ChatRequest) -> Result<Completion, ModelError>;
}
