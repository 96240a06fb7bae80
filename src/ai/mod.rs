//! Language-model help for agents, the pure part: what a request to an OpenAI-compatible
//! chat-completions API looks like (`wire`), what a draft reply is grounded in and how its
//! answer is checked (`draft`), what is taken out of text before it leaves (`redact`), and the tokens that
//! recognise a message sent from a draft (`token`).
//! No I/O: the client is in `llm/`, the use case in `chat/ai/`.
//!
//! Prompt injection is handled by construction: the shopper's words (and everything else the
//! model reads) travel as JSON *data* in one user message under fixed instructions, the model
//! sees only this conversation's shopper, its answer is only ever a draft an agent reads, and
//! an answer naming an order the data did not hold is refused.

pub mod answer;
pub mod draft;
pub mod provider;
pub mod redact;
pub mod summary;
pub mod token;
pub mod translate;
pub mod wire;
