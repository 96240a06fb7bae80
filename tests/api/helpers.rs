//! Test harness: the real server on a free port with a temp data dir, a real HTTP client and a
//! real WebSocket client. Waiting is always for a condition with a deadline, never a sleep.

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use shopchat::auth::hash_password;
use shopchat::config::Settings;
use shopchat::domain::{Email, Origin, Role};
use shopchat::startup::{Application, Shutdown};
use shopchat::store::sqlite::SqliteStore;
use shopchat::store::{NewAgent, NewSite, prelude::*};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tempfile::TempDir;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// How long any single wait in a test may take before it fails.
pub const DEADLINE: Duration = Duration::from_secs(10);
/// The JWT secret test servers run with, so tests can forge tokens.
pub const JWT_SECRET: &str = "test-secret-test-secret-test-secret-0123";
/// The allowed origin of the seeded shop.
pub const SHOP_ORIGIN: &str = "https://shop.example";
/// Password of every seeded account.
pub const PASSWORD: &str = "correct horse battery staple";

/// Accounts and sites seeded before the server starts.
#[derive(Clone, Debug)]
pub struct Seed {
    pub site_id: String,
    pub public_key: String,
    pub other_site_id: String,
    pub other_public_key: String,
    /// Owner of `site_id`.
    pub owner_email: String,
    /// Agent of `other_site_id` only.
    pub outsider_email: String,
    /// A plain agent (not an owner) of `site_id`.
    pub agent_email: String,
}

pub struct TestApp {
    pub address: String,
    pub port: u16,
    pub seed: Seed,
    pub http: reqwest::Client,
    shutdown: Shutdown,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
    _dir: Option<Arc<TempDir>>,
}

/// Settings for a test server on `data_dir`.
pub fn test_settings(data_dir: &Path) -> Settings {
    let mut settings = Settings {
        bind: "127.0.0.1:0".into(),
        data_dir: data_dir.to_path_buf(),
        jwt_secret: Some(JWT_SECRET.into()),
        workers: Some(1),
        ..Settings::default()
    };
    settings.limits.ping_interval = Duration::from_secs(5);
    settings.limits.idle_timeout = Duration::from_secs(30);
    settings
}

/// Two sites and two accounts, written before the server starts.
pub async fn seed(data_dir: &Path) -> Seed {
    let store = SqliteStore::open(data_dir).expect("open store");
    let site = store
        .create_site(NewSite {
            name: "Shop".into(),
            origins: vec![Origin::parse(SHOP_ORIGIN).unwrap()],
        })
        .await
        .unwrap();
    let other = store
        .create_site(NewSite {
            name: "Other shop".into(),
            origins: vec![Origin::parse("https://other.example").unwrap()],
        })
        .await
        .unwrap();
    let hash = hash_password(PASSWORD.into()).await.unwrap();
    for (email, site_id, role) in [
        ("owner@shop.example", &site.id, Role::Owner),
        ("outsider@other.example", &other.id, Role::Agent),
        ("bob@shop.example", &site.id, Role::Agent),
    ] {
        store
            .create_agent(NewAgent {
                email: Email::parse(email).unwrap(),
                display_name: email.split('@').next().unwrap().into(),
                password_hash: hash.clone(),
                must_change_password: false,
                memberships: vec![(site_id.clone(), role)],
            })
            .await
            .unwrap();
    }
    store.close().await;
    Seed {
        site_id: site.id.to_string(),
        public_key: site.public_key,
        other_site_id: other.id.to_string(),
        other_public_key: other.public_key,
        owner_email: "owner@shop.example".into(),
        outsider_email: "outsider@other.example".into(),
        agent_email: "bob@shop.example".into(),
    }
}

/// A seeded server with default test settings.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// A seeded server whose settings `tweak` adjusts.
pub async fn spawn_app_with(tweak: impl FnOnce(&mut Settings)) -> TestApp {
    let dir = Arc::new(TempDir::new().expect("temp dir"));
    let seed = seed(dir.path()).await;
    let mut settings = test_settings(dir.path());
    tweak(&mut settings);
    let mut app = start(settings, seed).await;
    app._dir = Some(dir);
    app
}

/// Starts a server with these settings on an already seeded data dir.
pub async fn start(settings: Settings, seed: Seed) -> TestApp {
    let application = Application::build(settings).await.expect("build app");
    let port = application.port();
    let shutdown = application.shutdown_handle();
    let server = tokio::spawn(application.run_until_stopped());
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        port,
        seed,
        http: reqwest::Client::new(),
        shutdown,
        server,
        _dir: None,
    }
}

impl TestApp {
    /// Stops the server and waits until its store is closed; returns the temp dir so the
    /// caller can start a new server on the same data.
    pub async fn stop(self) -> Option<Arc<TempDir>> {
        self.shutdown.trigger();
        tokio::time::timeout(DEADLINE, self.server)
            .await
            .expect("server stops in time")
            .expect("server task")
            .expect("server result");
        self._dir
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// Logs in and returns the token.
    pub async fn login(&self, email: &str, password: &str) -> String {
        let response = self
            .http
            .post(self.url("/api/v1/auth/login"))
            .json(&json!({ "email": email, "password": password }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "login of {email}");
        let body: Value = response.json().await.unwrap();
        body["token"].as_str().unwrap().to_owned()
    }

    pub async fn get(&self, path: &str, token: &str) -> reqwest::Response {
        self.http
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> reqwest::Response {
        self.http
            .post(self.url(path))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    /// An agent message into a conversation through the REST API.
    pub async fn agent_says(&self, token: &str, conversation: &str, text: &str) -> Value {
        let path = format!(
            "/api/v1/sites/{}/conversations/{conversation}/messages",
            self.seed.site_id
        );
        let response = self.post(&path, token, json!({ "text": text })).await;
        assert_eq!(response.status(), 201);
        response.json().await.unwrap()
    }

    /// Opens an agent socket, authenticates with a first `auth` frame, and returns it with
    /// the `ready` frame.
    pub async fn agent(&self, token: &str) -> (Shopper, Value) {
        let url = format!("ws://127.0.0.1:{}/ws/agent", self.port);
        let mut agent = Shopper::connect(&url, None).await.expect("agent connects");
        agent.send(json!({ "type": "auth", "token": token })).await;
        let ready = agent.recv().await;
        assert_eq!(ready["type"], "ready", "{ready}");
        (agent, ready)
    }

    pub async fn put(&self, path: &str, token: &str, body: Value) -> reqwest::Response {
        self.http
            .put(self.url(path))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    /// The id of an agent of the seeded site, by email, as `GET /sites/{id}/agents` lists it.
    pub async fn agent_id(&self, token: &str, email: &str) -> String {
        let agents: Value = self
            .get(
                &format!("/api/v1/sites/{}/agents", self.seed.site_id),
                token,
            )
            .await
            .json()
            .await
            .unwrap();
        agents["agents"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["email"] == email)
            .unwrap_or_else(|| panic!("no agent {email}: {agents}"))["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// Replaces the seeded site's chat settings (as its owner).
    pub async fn chat_settings(&self, owner: &str, settings: Value) {
        let path = format!("/api/v1/sites/{}/chat-settings", self.seed.site_id);
        let response = self.put(&path, owner, settings).await;
        assert_eq!(response.status(), 200, "{:?}", response.text().await);
    }

    /// A conversation of the seeded site as the REST API shows it.
    pub async fn conversation(&self, token: &str, id: &str) -> Value {
        let path = format!(
            "/api/v1/sites/{}/conversations/{id}/transcript",
            self.seed.site_id
        );
        let response = self.get(&path, token).await;
        assert_eq!(response.status(), 200);
        response.json().await.unwrap()
    }

    /// Saves a trigger rule on the seeded site and returns its id.
    pub async fn create_rule(&self, token: &str, spec: Value) -> String {
        let path = format!("/api/v1/sites/{}/rules", self.seed.site_id);
        let response = self.post(&path, token, spec).await;
        assert_eq!(response.status(), 201, "{:?}", response.text().await);
        response.json::<Value>().await.unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    pub fn ws_url(&self, public_key: &str) -> String {
        format!("ws://127.0.0.1:{}/ws/shopper?site={public_key}", self.port)
    }

    /// Opens a shopper socket to the seeded site from its allowed origin.
    pub async fn shopper(&self) -> Shopper {
        Shopper::connect(&self.ws_url(&self.seed.public_key), Some(SHOP_ORIGIN))
            .await
            .expect("shopper connects")
    }
}

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A shopper's WebSocket.
pub struct Shopper {
    ws: Ws,
}

impl Shopper {
    pub async fn connect(url: &str, origin: Option<&str>) -> Result<Shopper, tungstenite::Error> {
        let mut request = url.into_client_request()?;
        if let Some(origin) = origin {
            request
                .headers_mut()
                .insert("Origin", origin.parse().unwrap());
        }
        let (ws, _) = tokio_tungstenite::connect_async(request).await?;
        Ok(Shopper { ws })
    }

    pub async fn send(&mut self, frame: Value) {
        self.ws
            .send(Message::text(frame.to_string()))
            .await
            .unwrap();
    }

    pub async fn send_raw(&mut self, message: Message) {
        self.ws.send(message).await.unwrap();
    }

    /// The next JSON frame; fails on close or after the deadline.
    pub async fn recv(&mut self) -> Value {
        // One deadline for the whole wait: server pings must not extend it.
        let until = tokio::time::Instant::now() + DEADLINE;
        loop {
            let next = tokio::time::timeout_at(until, self.ws.next())
                .await
                .expect("frame before deadline");
            match next {
                Some(Ok(Message::Text(text))) => return serde_json::from_str(&text).unwrap(),
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                other => panic!("expected a text frame, got {other:?}"),
            }
        }
    }

    /// The next frame of a type, returning the frames skipped on the way.
    pub async fn recv_type(&mut self, kind: &str) -> (Value, Vec<Value>) {
        let mut skipped = Vec::new();
        loop {
            let frame = self.recv().await;
            if frame["type"] == kind {
                return (frame, skipped);
            }
            skipped.push(frame);
        }
    }

    /// Reads frames until one matches, within one deadline; the panic lists what came instead.
    pub async fn until(&mut self, what: impl Fn(&Value) -> bool) -> Value {
        let mut seen = Vec::new();
        let found = tokio::time::timeout(DEADLINE, async {
            loop {
                let frame = self.recv().await;
                if what(&frame) {
                    return frame;
                }
                seen.push(frame);
            }
        })
        .await;
        match found {
            Ok(frame) => frame,
            Err(_) => panic!("no matching frame before the deadline; saw {seen:?}"),
        }
    }

    /// Reads until the server has pinged `n` times; tungstenite answers each with a pong.
    pub async fn pings(&mut self, n: usize) {
        let mut seen = 0;
        while seen < n {
            let next = tokio::time::timeout(DEADLINE, self.ws.next())
                .await
                .expect("ping before deadline");
            match next {
                Some(Ok(Message::Ping(_))) => seen += 1,
                Some(Ok(_)) => continue,
                other => panic!("expected a ping, got {other:?}"),
            }
        }
    }

    /// Sends a `hello` and returns the `welcome`.
    pub async fn hello(&mut self, hello: Value) -> Value {
        let mut frame = hello;
        frame["type"] = json!("hello");
        self.send(frame).await;
        let welcome = self.recv().await;
        assert_eq!(welcome["type"], "welcome", "{welcome}");
        welcome
    }

    /// Waits for the server to close the socket and returns the close frame.
    pub async fn closed(&mut self) -> Option<CloseFrame> {
        // One deadline for the whole wait: server pings must not extend it.
        let until = tokio::time::Instant::now() + DEADLINE;
        loop {
            let next = tokio::time::timeout_at(until, self.ws.next())
                .await
                .expect("close before deadline");
            match next {
                Some(Ok(Message::Close(frame))) => return frame,
                Some(Ok(_)) => continue,
                Some(Err(e)) => panic!("socket failed before a close frame: {e}"),
                None => return None,
            }
        }
    }

    /// Sends a frame the server always answers with an error, and returns everything it sent
    /// before that answer: a barrier that proves nothing else is in flight.
    pub async fn drain(&mut self) -> Vec<Value> {
        self.send(json!({ "type": "barrier" })).await;
        let (_, before) = self.recv_type("error").await;
        before
    }

    pub async fn close(mut self) {
        let _ = self.ws.close(None).await;
    }
}
