//! The async HTTP client for calls to other people's servers (webhooks, the external bot):
//! one reqwest client per use, no redirects followed (a receiver cannot bounce a signed
//! request elsewhere), and an answer body read only up to a limit, so a receiver cannot make
//! a node buffer megabytes it never wanted.

use std::time::Duration;

/// A client whose every request times out after `timeout`; an error when the TLS
/// configuration cannot be built.
pub fn client(timeout: Duration) -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(5)))
        .redirect(reqwest::redirect::Policy::none())
        .build()
}

/// The answer's body, at most `limit` bytes; an error past it.
pub async fn body_up_to(mut response: reqwest::Response, limit: usize) -> Result<Vec<u8>, String> {
    if response.content_length().is_some_and(|n| n > limit as u64) {
        return Err(format!("answer larger than {limit} bytes"));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| e.to_string())? {
        if body.len() + chunk.len() > limit {
            return Err(format!("answer larger than {limit} bytes"));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}
