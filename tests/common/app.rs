//! A test server: the real application on a free port (or a chosen one) with a temp data dir,
//! seeded before it starts, and the HTTP calls and socket openings tests make against it.

use super::seed::{Seed, SeedPlan, seed_plan};
use super::socket::Socket;
use super::{DEADLINE, JWT_SECRET, PASSWORD, SHOP_ORIGIN};
use reqwest::Method;
use serde_json::{Value, json};
use shopchat::config::Settings;
use shopchat::startup::Application;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tempfile::TempDir;

/// Stops a running server; a closure so the harness names no type but `Application`.
type Stopper = Box<dyn Fn() + Send + Sync>;

/// A running test server and what tests need to reach it.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`, what `url` prefixes.
    pub address: String,
    /// The port it listens on (sockets and raw requests name it).
    pub port: u16,
    /// What was seeded before it started: ids, keys and logins.
    pub seed: Seed,
    /// One client for the test, as a browser keeps one connection pool.
    pub http: reqwest::Client,
    /// How long a wait on this server (its sockets, its stop) may take.
    pub deadline: Duration,
    stop: Stopper,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
    /// The settings it runs with, bound to its actual port: what `restart` starts again.
    settings: Settings,
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

/// A server with the standard seed and default test settings.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// A server with the standard seed and its owner's token: how most tests begin.
pub async fn spawn_app_as_owner() -> (TestApp, String) {
    let app = spawn_app().await;
    let owner = app.owner_token().await;
    (app, owner)
}

/// A server with the standard seed whose settings `tweak` adjusts.
pub async fn spawn_app_with(tweak: impl FnOnce(&mut Settings)) -> TestApp {
    spawn_seeded(&SeedPlan::standard(), tweak).await
}

/// A server seeded with `plan` whose settings `tweak` adjusts; it owns its temp data dir.
pub async fn spawn_seeded(plan: &SeedPlan, tweak: impl FnOnce(&mut Settings)) -> TestApp {
    let dir = Arc::new(TempDir::new().expect("temp dir"));
    let seed = seed_plan(dir.path(), plan).await;
    let mut settings = test_settings(dir.path());
    tweak(&mut settings);
    let mut app = start(settings, seed).await;
    app._dir = Some(dir);
    app
}

/// Starts a server with these settings on an already seeded data dir.
pub async fn start(mut settings: Settings, seed: Seed) -> TestApp {
    let application = Application::build(settings.clone())
        .await
        .expect("build app");
    let port = application.port();
    // A restart binds the same port, so clients find the server where they left it.
    settings.bind = format!("127.0.0.1:{port}");
    let (stop, server) = run(application);
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        port,
        seed,
        http: reqwest::Client::new(),
        deadline: DEADLINE,
        stop,
        server,
        settings,
        _dir: None,
    }
}

/// The JSON body of a response that must have `status`; the panic shows the body.
pub async fn json_of(response: reqwest::Response, status: u16) -> Value {
    let actual = response.status().as_u16();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    assert_eq!(actual, status, "{body}");
    body
}

/// Runs a built application in the background.
fn run(application: Application) -> (Stopper, tokio::task::JoinHandle<std::io::Result<()>>) {
    let shutdown = application.shutdown_handle();
    let server = tokio::spawn(application.run_until_stopped());
    (Box::new(move || shutdown.trigger()), server)
}

impl TestApp {
    /// The same server with every wait allowed `deadline` (a browser is slower than a socket).
    pub fn with_deadline(mut self, deadline: Duration) -> TestApp {
        self.deadline = deadline;
        self
    }

    /// Stops the server and waits until its store is closed; returns the temp dir so the
    /// caller can start a new server on the same data.
    pub async fn stop(self) -> Option<Arc<TempDir>> {
        (self.stop)();
        tokio::time::timeout(self.deadline, self.server)
            .await
            .expect("server stops in time")
            .expect("server task")
            .expect("server result");
        self._dir
    }

    /// Stops the server (every socket closes) and starts it again on the same port and data.
    pub async fn restart(&mut self) {
        (self.stop)();
        let server = std::mem::replace(&mut self.server, tokio::spawn(async { Ok(()) }));
        // How the old server ended is not what a restart test is about; the new one must start.
        let _ = tokio::time::timeout(self.deadline, server).await;
        let application = Application::build(self.settings.clone())
            .await
            .expect("rebuild app on the same port");
        (self.stop, self.server) = run(application);
    }

    /// The absolute URL of `path` on this server.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// `/api/v1/sites/{seeded site}{rest}`.
    pub fn site_path(&self, rest: &str) -> String {
        format!("/api/v1/sites/{}{rest}", self.seed.site_id)
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

    /// The seeded owner's token.
    pub async fn owner_token(&self) -> String {
        self.login(&self.seed.owner_email, PASSWORD).await
    }

    /// `method` on `path` as the holder of `token`, with a JSON `body` when given: the one
    /// request every helper below makes, and what a table of routes calls.
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> reqwest::Response {
        let mut request = self.http.request(method, self.url(path)).bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.unwrap()
    }

    /// GET as the holder of `token`.
    pub async fn get(&self, path: &str, token: &str) -> reqwest::Response {
        self.request(Method::GET, path, token, None).await
    }

    /// The JSON body of a GET, whatever its status (the caller asserts on the body).
    pub async fn get_json(&self, path: &str, token: &str) -> Value {
        self.get(path, token).await.json().await.unwrap()
    }

    /// POST a JSON body as the holder of `token`.
    pub async fn post(&self, path: &str, token: &str, body: Value) -> reqwest::Response {
        self.request(Method::POST, path, token, Some(body)).await
    }

    /// PUT a JSON body as the holder of `token`.
    pub async fn put(&self, path: &str, token: &str, body: Value) -> reqwest::Response {
        self.request(Method::PUT, path, token, Some(body)).await
    }

    /// PATCH with a JSON body as the holder of `token`.
    pub async fn patch(&self, path: &str, token: &str, body: Value) -> reqwest::Response {
        self.request(Method::PATCH, path, token, Some(body)).await
    }

    /// DELETE as the holder of `token`.
    pub async fn delete(&self, path: &str, token: &str) -> reqwest::Response {
        self.request(Method::DELETE, path, token, None).await
    }

    /// Creates something with a POST that must answer 201; returns what was created.
    pub async fn created(&self, path: &str, token: &str, body: Value) -> Value {
        json_of(self.post(path, token, body).await, 201).await
    }

    /// An agent message into a conversation through the REST API.
    pub async fn agent_says(&self, token: &str, conversation: &str, text: &str) -> Value {
        let path = self.site_path(&format!("/conversations/{conversation}/messages"));
        let response = self.post(&path, token, json!({ "text": text })).await;
        assert_eq!(response.status(), 201);
        response.json().await.unwrap()
    }

    /// The id of an agent of the seeded site, by email, as `GET /sites/{id}/agents` lists it.
    pub async fn agent_id(&self, token: &str, email: &str) -> String {
        let agents = self.get_json(&self.site_path("/agents"), token).await;
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

    /// The agent id of `token`'s holder, as `GET /me` shows it (and agent frames name it).
    pub async fn my_agent_id(&self, token: &str) -> Value {
        self.get_json("/api/v1/me", token).await["agent"]["id"].clone()
    }

    /// Replaces the seeded site's chat settings (as its owner).
    pub async fn chat_settings(&self, owner: &str, settings: Value) {
        let response = self
            .put(&self.site_path("/chat-settings"), owner, settings)
            .await;
        assert_eq!(response.status(), 200, "{:?}", response.text().await);
    }

    /// Reads the seeded site's chat settings, lets `edit` change them, and saves them (as
    /// its owner): a test changes the fields it is about and keeps the rest.
    pub async fn edit_chat_settings(&self, owner: &str, edit: impl FnOnce(&mut Value)) {
        let mut settings = self
            .get_json(&self.site_path("/chat-settings"), owner)
            .await;
        edit(&mut settings);
        self.chat_settings(owner, settings).await;
    }

    /// A conversation of the seeded site as the REST API shows it.
    pub async fn conversation(&self, token: &str, id: &str) -> Value {
        let path = self.site_path(&format!("/conversations/{id}/transcript"));
        let response = self.get(&path, token).await;
        assert_eq!(response.status(), 200);
        response.json().await.unwrap()
    }

    /// Saves a trigger rule on the seeded site and returns its id.
    pub async fn create_rule(&self, token: &str, spec: Value) -> String {
        let response = self.post(&self.site_path("/rules"), token, spec).await;
        assert_eq!(response.status(), 201, "{:?}", response.text().await);
        response.json::<Value>().await.unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// A rule's report (shown, converted, holdout) on the seeded site.
    pub async fn rule_report(&self, token: &str, rule: &str) -> Value {
        let path = self.site_path(&format!("/rules/{rule}/report"));
        self.get_json(&path, token).await
    }

    /// A knowledge-base article for the bot on the seeded site.
    pub async fn add_article(&self, token: &str, question: &str, answer: &str) {
        let response = self
            .post(
                &self.site_path("/articles"),
                token,
                json!({ "question": question, "answer": answer }),
            )
            .await;
        assert_eq!(response.status(), 201, "{:?}", response.text().await);
    }

    /// Opens an agent socket, authenticates with a first `auth` frame, and returns it with
    /// the `ready` frame.
    pub async fn agent(&self, token: &str) -> (Socket, Value) {
        let url = format!("ws://127.0.0.1:{}/ws/agent", self.port);
        let mut agent = Socket::connect(&url, None)
            .await
            .expect("agent connects")
            .with_deadline(self.deadline);
        agent.send(json!({ "type": "auth", "token": token })).await;
        let ready = agent.recv().await;
        assert_eq!(ready["type"], "ready", "{ready}");
        (agent, ready)
    }

    /// The shopper socket's URL for the site with `public_key` (any site, not only the seeded).
    pub fn ws_url(&self, public_key: &str) -> String {
        format!("ws://127.0.0.1:{}/ws/shopper?site={public_key}", self.port)
    }

    /// Opens a shopper socket to the seeded site from its standard allowed origin.
    pub async fn shopper(&self) -> Socket {
        self.shopper_from(SHOP_ORIGIN).await
    }

    /// Opens a shopper socket to the seeded site from `origin`.
    pub async fn shopper_from(&self, origin: &str) -> Socket {
        Socket::connect(&self.ws_url(&self.seed.public_key), Some(origin))
            .await
            .expect("shopper connects")
            .with_deadline(self.deadline)
    }
}
