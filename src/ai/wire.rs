//! The OpenAI chat-completions shape (`POST {base}/chat/completions`), the subset shopchat
//! uses: a model, messages, a temperature and JSON output; the answer's first choice and
//! its token counts. Every OpenAI-compatible server (vLLM, llama.cpp, Ollama, LM Studio,
//! Azure OpenAI) speaks it.

use serde::{Deserialize, Serialize};

/// One message of a chat request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatMessage {
    /// `system` (the instructions) or `user` (the data).
    pub role: String,
    /// The text.
    pub content: String,
}

/// A chat-completions request.
#[derive(Debug, Clone, Serialize)]
pub struct ChatRequest {
    /// The model to ask.
    pub model: String,
    /// Instructions, then data.
    pub messages: Vec<ChatMessage>,
    /// Low: a draft should say what the data says, not be creative.
    pub temperature: f32,
    /// Upper bound on the answer's tokens (bounds cost and time).
    pub max_tokens: u32,
    /// `{"type": "json_object"}`: the answer is one JSON object.
    pub response_format: serde_json::Value,
}

/// The answer: the first choice's text and what it cost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    /// The model's text.
    pub content: String,
    /// Tokens read, if the server says.
    pub prompt_tokens: u64,
    /// Tokens written, if the server says.
    pub completion_tokens: u64,
}

#[derive(Deserialize)]
struct Body {
    choices: Vec<Choice>,
    #[serde(default)]
    usage: Option<Usage>,
}

#[derive(Deserialize)]
struct Choice {
    message: Reply,
}

#[derive(Deserialize)]
struct Reply {
    #[serde(default)]
    content: Option<String>,
}

#[derive(Deserialize, Default)]
struct Usage {
    #[serde(default)]
    prompt_tokens: u64,
    #[serde(default)]
    completion_tokens: u64,
}

/// Reads a chat-completions response body; the error says what was wrong with it.
pub fn parse_completion(body: &[u8]) -> Result<Completion, String> {
    let body: Body = serde_json::from_slice(body).map_err(|e| format!("not a completion: {e}"))?;
    let usage = body.usage.unwrap_or_default();
    let content = body
        .choices
        .into_iter()
        .next()
        .and_then(|c| c.message.content)
        .ok_or("no choice with content")?;
    Ok(Completion {
        content,
        prompt_tokens: usage.prompt_tokens,
        completion_tokens: usage.completion_tokens,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_first_choice_and_the_usage() {
        let body = br#"{"id":"x","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":3,"total_tokens":15}}"#;
        let c = parse_completion(body).unwrap();
        assert_eq!(
            (c.content.as_str(), c.prompt_tokens, c.completion_tokens),
            ("hi", 12, 3)
        );
        assert!(parse_completion(br#"{"choices":[]}"#).is_err());
        assert!(parse_completion(b"<html>").is_err());
    }
}
