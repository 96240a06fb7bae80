//! A stand-in for an OpenAI-compatible provider at its HTTP boundary: it checks each request
//! as the vendor would (path, method, Bearer key, model, a system message then data) and
//! answers from a script in the vendor's documented shape — a completion, an error status,
//! a malformed body, or no answer at all (the server's timeout then acts).

use super::http_peer::{header, read_request};
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;

/// The key the tests configure.
pub const API_KEY: &str = "sk-test-7f3a9c";
/// The model the tests configure.
pub const MODEL: &str = "shop-draft-1";

/// One scripted answer.
#[derive(Debug, Clone)]
pub enum Answer {
    /// A completion whose message content is this text.
    Completion(String),
    /// An error status with the vendor's error body.
    Status(u16),
    /// 200 with a body that is not a completion.
    Malformed,
    /// Read the request, never answer.
    Silent,
    /// A completion with this content, held back until the test calls `release` (a model
    /// still writing while the test does something else).
    Held(String),
}

/// The provider: its base URL, the requests it received (as JSON) and its script.
pub struct Provider {
    /// `http://127.0.0.1:PORT/v1`, for `--ai-base-url`.
    pub base_url: String,
    requests: Arc<Mutex<Vec<Value>>>,
    script: Arc<Mutex<VecDeque<Answer>>>,
    held: Arc<tokio::sync::Semaphore>,
    routes: Routes,
    task: tokio::task::JoinHandle<()>,
}

/// Scripts for the requests whose system message contains a marker: a use case's answers
/// stay its own when calls race (a new chat's triage and the bot's answer start together).
type Routes = Arc<Mutex<Vec<(String, VecDeque<Answer>)>>>;

/// The routed script's next answer for `request` (a 500 once a matching route runs dry),
/// or `None` when no route's marker is in its system message.
fn routed(routes: &Routes, request: &Value) -> Option<Answer> {
    let system = request["messages"][0]["content"].as_str()?;
    let mut routes = routes.lock().unwrap();
    let (_, answers) = routes
        .iter_mut()
        .find(|(marker, _)| system.contains(marker.as_str()))?;
    Some(answers.pop_front().unwrap_or(Answer::Status(500)))
}

impl Provider {
    /// Starts it on a free port with an empty script (a request then gets 500).
    pub async fn start() -> Provider {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let requests: Arc<Mutex<Vec<Value>>> = Arc::default();
        let script: Arc<Mutex<VecDeque<Answer>>> = Arc::default();
        let held = Arc::new(tokio::sync::Semaphore::new(0));
        let routes: Routes = Arc::default();
        let (seen, answers, gate, routing) = (
            requests.clone(),
            script.clone(),
            held.clone(),
            routes.clone(),
        );
        let task = tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let (seen, answers, gate, routing) =
                    (seen.clone(), answers.clone(), gate.clone(), routing.clone());
                tokio::spawn(async move {
                    let Some((head, body)) = read_request(&mut socket).await else {
                        return;
                    };
                    let request: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
                    let problem = check(&head, &request);
                    // The answer is taken before the request is recorded: a test that waits
                    // for this request and then scripts the next answers never races it.
                    let answer = routed(&routing, &request).unwrap_or_else(|| {
                        answers
                            .lock()
                            .unwrap()
                            .pop_front()
                            .unwrap_or(Answer::Status(500))
                    });
                    seen.lock().unwrap().push(request);
                    let (status, body) = match (problem, answer) {
                        (Some(problem), _) => (400, error_body(&problem)),
                        (None, Answer::Completion(content)) => (200, completion(&content)),
                        (None, Answer::Held(content)) => {
                            gate.acquire().await.unwrap().forget();
                            (200, completion(&content))
                        }
                        (None, Answer::Status(code)) => (code, error_body("scripted failure")),
                        (None, Answer::Malformed) => (200, "<html>gateway</html>".to_owned()),
                        (None, Answer::Silent) => {
                            std::future::pending::<()>().await;
                            return;
                        }
                    };
                    let response = format!(
                        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = socket.write_all(response.as_bytes()).await;
                });
            }
        });
        Provider {
            base_url: format!("http://127.0.0.1:{port}/v1"),
            requests,
            script,
            held,
            routes,
            task,
        }
    }

    /// Lets one held answer go.
    pub fn release(&self) {
        self.held.add_permits(1);
    }

    /// The server's model settings pointing at this stand-in (its key and model), a call
    /// given `timeout` to be answered: what every test server with a model starts from.
    pub fn settings(&self, timeout: std::time::Duration) -> shopchat::config::AiSettings {
        shopchat::config::AiSettings {
            base_url: Some(self.base_url.clone()),
            model: MODEL.into(),
            api_key: Some(API_KEY.into()),
            timeout,
            ..shopchat::config::AiSettings::default()
        }
    }

    /// Queues the next answers.
    pub fn script(&self, answers: impl IntoIterator<Item = Answer>) {
        self.script.lock().unwrap().extend(answers);
    }

    /// Queues the next answers for requests whose system message contains `marker` (they
    /// never take from [`Provider::script`]; past these, a 500).
    pub fn script_for(&self, marker: &str, answers: impl IntoIterator<Item = Answer>) {
        let mut routes = self.routes.lock().unwrap();
        match routes.iter_mut().find(|(m, _)| m == marker) {
            Some((_, queue)) => queue.extend(answers),
            None => routes.push((marker.to_owned(), answers.into_iter().collect())),
        }
    }

    /// The requests received so far whose system message contains `marker`.
    pub fn requests_for(&self, marker: &str) -> Vec<Value> {
        self.requests()
            .into_iter()
            .filter(|r| {
                r["messages"][0]["content"]
                    .as_str()
                    .is_some_and(|s| s.contains(marker))
            })
            .collect()
    }

    /// The requests received so far.
    pub fn requests(&self) -> Vec<Value> {
        self.requests.lock().unwrap().clone()
    }

    /// Waits (polling, with a deadline) until `n` requests have come: a new conversation's
    /// background triage asks first, and a test scripts what follows only after it.
    pub async fn received(&self, n: usize) {
        let until = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
        while self.requests.lock().unwrap().len() < n {
            assert!(
                tokio::time::Instant::now() < until,
                "the provider never got {n} requests"
            );
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    }
}

impl Drop for Provider {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// What the vendor would refuse: wrong path or method, missing key, another model, or not
/// a system message followed by the data.
fn check(head: &str, request: &Value) -> Option<String> {
    if !head.starts_with("POST /v1/chat/completions ") {
        return Some(format!(
            "unexpected request line: {}",
            head.lines().next().unwrap_or("")
        ));
    }
    if header(head, "authorization") != format!("Bearer {API_KEY}") {
        return Some("missing or wrong API key".into());
    }
    if request["model"] != MODEL {
        return Some(format!("unknown model {}", request["model"]));
    }
    let Some(messages) = request["messages"].as_array() else {
        return Some("no messages".into());
    };
    if messages.len() != 2 || messages[0]["role"] != "system" || messages[1]["role"] != "user" {
        return Some("expected a system message then the data".into());
    }
    None
}

fn completion(content: &str) -> String {
    json!({
        "id": "chatcmpl-test", "object": "chat.completion", "created": 1, "model": MODEL,
        "choices": [{ "index": 0, "message": { "role": "assistant", "content": content }, "finish_reason": "stop" }],
        "usage": { "prompt_tokens": 120, "completion_tokens": 30, "total_tokens": 150 }
    })
    .to_string()
}

fn error_body(message: &str) -> String {
    json!({ "error": { "message": message, "type": "invalid_request_error", "code": null } })
        .to_string()
}
