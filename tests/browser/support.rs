//! What only the browser tests need, on top of the shared harness (`tests/common/`): the chat
//! server seeded as a browser test wants it, a shop served from another origin by a tiny static
//! HTTP server, and a headless Chromium driven over WebDriver (chromedriver). Every wait is for
//! a condition with a deadline, never a sleep.

use crate::common::app::spawn_seeded;
use crate::common::seed::SeedPlan;
// What browser tests take from the shared harness, so they import from one place.
pub use crate::common::{OWNER_EMAIL, PASSWORD, Socket, TestApp, free_port};
use fantoccini::{Client, ClientBuilder};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tempfile::TempDir;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, SemaphorePermit};

/// How long any single wait may take before the test fails: longer than the API tests'
/// deadline, as a browser shares the machine's two cores with the server.
pub const DEADLINE: Duration = Duration::from_secs(15);
/// How WebDriver names an element in a script's result (W3C WebDriver, "web element identifier").
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";
/// How often a browser condition is polled while waiting for it.
const POLL: Duration = Duration::from_millis(50);

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

/// At most two browsers at once: a machine with two cores runs each Chromium comfortably.
static BROWSERS: Semaphore = Semaphore::const_new(2);

/// A small JS prelude for `execute`: `$`/`$$` query into the widget's open shadow root.
pub const PRELUDE: &str = "const __host = document.querySelector('#shopchat-root');\
 const __root = __host && __host.shadowRoot;\
 const $ = (s) => __root ? __root.querySelector(s) : null;\
 const $$ = (s) => __root ? Array.from(__root.querySelectorAll(s)) : [];\n";

/// Where screenshots go, independent of `CARGO_TARGET_DIR`.
pub fn screenshot_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/screenshots")
}

// ---------------------------------------------------------------------------------------------
// The chat server

/// The real server with one shop site allowing exactly `origins` and its owner, on a free port.
pub async fn chat_server(origins: &[String]) -> TestApp {
    chat_server_on("Browser shop", origins, 0).await
}

/// The real server with one site named `name` allowing `origins` and its owner, serving on
/// `port` (0: a free one); its waits are a browser test's.
pub async fn chat_server_on(name: &str, origins: &[String], port: u16) -> TestApp {
    spawn_seeded(&SeedPlan::shop(name, origins), |settings| {
        settings.bind = format!("127.0.0.1:{port}");
    })
    .await
    .with_deadline(DEADLINE)
}

/// The widget snippet exactly as an owner pastes it, pointing at `chat`.
pub fn snippet(chat: &TestApp) -> String {
    format!(
        "<script>window.shopchat=window.shopchat||function(){{(shopchat.q=shopchat.q||[]).push(arguments)}};</script>\n\
         <script async src=\"http://127.0.0.1:{}/widget.js\" data-site=\"{}\"></script>",
        chat.port, chat.seed.public_key
    )
}

// ---------------------------------------------------------------------------------------------
// The shop: another origin

/// A tiny static HTTP server on its own port: the shop's origin. Pages are set by path.
pub struct ShopServer {
    /// Its port: the shop's origin differs from the chat server's by it.
    pub port: u16,
    pages: Arc<Mutex<HashMap<String, String>>>,
    /// Extra response header lines per path (a CSP header, say).
    headers: Arc<Mutex<HashMap<String, String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl ShopServer {
    /// Starts serving on a free port, with no pages yet.
    pub async fn start() -> ShopServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let pages: Arc<Mutex<HashMap<String, String>>> = Arc::default();
        let headers: Arc<Mutex<HashMap<String, String>>> = Arc::default();
        let (served, served_headers) = (pages.clone(), headers.clone());
        let task = tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let pages = served.clone();
                tokio::spawn(serve_one(socket, pages, served_headers.clone()));
            }
        });
        ShopServer {
            port,
            pages,
            headers,
            task,
        }
    }

    /// `http://127.0.0.1:PORT`, the origin the chat server must allow.
    pub fn origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The absolute URL of the shop's `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.origin())
    }

    /// Serves `html` at `path` from now on.
    pub fn page(&self, path: &str, html: String) {
        self.pages.lock().unwrap().insert(path.to_owned(), html);
    }

    /// Serves `html` at `path` with an extra response header (`Name: value`).
    pub fn page_with_header(&self, path: &str, header: &str, html: String) {
        self.headers
            .lock()
            .unwrap()
            .insert(path.to_owned(), format!("{header}\r\n"));
        self.page(path, html);
    }
}

impl Drop for ShopServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve_one(
    mut socket: TcpStream,
    pages: Arc<Mutex<HashMap<String, String>>>,
    headers: Arc<Mutex<HashMap<String, String>>>,
) {
    let mut request = Vec::new();
    let mut buf = [0u8; 4096];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
        match socket.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => request.extend_from_slice(&buf[..n]),
        }
        if request.len() > 64 * 1024 {
            return;
        }
    }
    let head = String::from_utf8_lossy(&request);
    let path = head
        .split_whitespace()
        .nth(1)
        .unwrap_or("/")
        .split('?')
        .next()
        .unwrap_or("/")
        .to_owned();
    let page = pages.lock().unwrap().get(&path).cloned();
    let extra = headers
        .lock()
        .unwrap()
        .get(&path)
        .cloned()
        .unwrap_or_default();
    let (status, body) = match page {
        Some(body) => ("200 OK", body),
        None => ("404 Not Found", "not found".to_owned()),
    };
    let answer = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nCache-Control: no-store\r\n\
         {extra}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = socket.write_all(answer.as_bytes()).await;
    let _ = socket.shutdown().await;
}

/// A shop page: the error collector first (so it sees the widget's load), then `head`, then
/// the body with `body` and the snippet right before `</body>`, as an owner pastes it.
pub fn shop_page(chat: &TestApp, head: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Test shop</title>\n{ERROR_COLLECTOR}\n{head}</head>\n<body>\
         <h1>Test shop</h1>\n{body}\n{}\n</body></html>",
        snippet(chat)
    )
}

/// Collects `console.error` calls, uncaught errors and failed resource loads in
/// `window.__errors`; and records every WebSocket's fate in `window.__sockets`.
const ERROR_COLLECTOR: &str = "<script>\
window.__errors = [];\
(function () {\
  var original = console.error;\
  console.error = function () {\
    window.__errors.push(Array.prototype.map.call(arguments, String).join(' '));\
    return original.apply(console, arguments);\
  };\
  window.addEventListener('error', function (e) {\
    var t = e.target;\
    window.__errors.push(t && t !== window && (t.src || t.href) ? 'failed to load ' + (t.src || t.href) : String(e.message));\
  }, true);\
  window.addEventListener('unhandledrejection', function (e) { window.__errors.push('unhandled rejection: ' + String(e.reason)); });\
  window.__sockets = [];\
  var Native = window.WebSocket;\
  function Recorded(url, protocols) {\
    var ws = protocols === undefined ? new Native(url) : new Native(url, protocols);\
    var entry = { url: String(url), events: [] };\
    window.__sockets.push(entry);\
    ['open', 'error', 'close'].forEach(function (name) {\
      ws.addEventListener(name, function (e) { entry.events.push(name === 'close' ? 'close:' + e.code : name); });\
    });\
    return ws;\
  }\
  Recorded.prototype = Native.prototype;\
  ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED'].forEach(function (k) { Recorded[k] = Native[k]; });\
  window.WebSocket = Recorded;\
})();\
</script>";

// ---------------------------------------------------------------------------------------------
// The browser

/// A headless Chromium behind its own chromedriver; both are killed on drop.
pub struct Browser {
    client: Option<Client>,
    driver: Child,
    driver_port: u16,
    _profile: TempDir,
    _permit: SemaphorePermit<'static>,
}

impl Browser {
    /// A new browser with a fresh profile, window `width` × 900.
    pub async fn start(width: u32) -> Browser {
        Browser::start_in(width, None).await
    }

    /// A new browser whose user speaks `language` (`fr`: `navigator.languages` and
    /// `Accept-Language` say so), or Chromium's default with `None`.
    pub async fn start_in(width: u32, language: Option<&str>) -> Browser {
        let permit = BROWSERS.acquire().await.expect("browser slot");
        assert!(
            std::path::Path::new(CHROMEDRIVER).exists() && std::path::Path::new(CHROMIUM).exists(),
            "the browser tests need {CHROMIUM} and {CHROMEDRIVER}: apt-get install -y chromium chromium-driver (.ci/run does)"
        );
        let port = free_port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let profile = TempDir::new().unwrap();
        // Owned by the Browser before the first await that can fail, so Drop ends it.
        let mut browser = Browser {
            client: None,
            driver,
            driver_port: port,
            _profile: profile,
            _permit: permit,
        };
        browser.client = Some(connect(port, &browser._profile, width, language).await);
        browser
    }

    fn client(&self) -> &Client {
        self.client.as_ref().expect("connected")
    }

    /// Navigates to `url`.
    pub async fn goto(&self, url: &str) {
        self.client().goto(url).await.expect("navigate");
    }

    /// Reloads the page, as a shopper pressing F5.
    pub async fn reload(&self) {
        self.client().refresh().await.expect("reload");
    }

    /// Runs `script` (with [`PRELUDE`]) and returns its value.
    pub async fn js(&self, script: &str) -> Value {
        self.client()
            .execute(&format!("{PRELUDE}{script}"), vec![])
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    /// Polls `script` (with [`PRELUDE`]) until it returns something other than null, false, 0
    /// or "", and returns that; fails after the deadline naming `what`.
    pub async fn wait_for(&self, what: &str, script: &str) -> Value {
        let until = tokio::time::Instant::now() + DEADLINE;
        loop {
            let value = self.js(script).await;
            let truthy = match &value {
                Value::Null | Value::Bool(false) => false,
                Value::String(s) => !s.is_empty(),
                Value::Number(n) => n.as_f64() != Some(0.0),
                _ => true,
            };
            if truthy {
                return value;
            }
            if tokio::time::Instant::now() >= until {
                let errors = self.js("return window.__errors || null;").await;
                panic!("timed out waiting for {what} (page errors: {errors})");
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Waits until the widget has rendered its launcher into the shadow root.
    pub async fn widget_ready(&self) {
        self.wait_for(
            "the widget's launcher in #shopchat-root's shadow root",
            "return !!$('[data-role=launcher]');",
        )
        .await;
    }

    /// Opens the chat panel with the launcher (unless it is open already).
    pub async fn open_chat(&self) {
        self.widget_ready().await;
        self.js(
            "const panel = $('[data-role=panel]');\
             const shown = panel && panel.getClientRects().length > 0 && getComputedStyle(panel).visibility !== 'hidden';\
             if (!shown) $('[data-role=launcher]').click();",
        )
        .await;
        self.wait_for(
            "the chat panel to be shown",
            "const p = $('[data-role=panel]'); return !!p && p.getClientRects().length > 0;",
        )
        .await;
    }

    /// Types `text` into the widget's input and presses send.
    pub async fn say(&self, text: &str) {
        self.wait_for(
            "the message input",
            "return !!$('textarea[data-role=input]');",
        )
        .await;
        let script = format!(
            "const input = $('textarea[data-role=input]');\
             input.focus();\
             input.value = {};\
             input.dispatchEvent(new Event('input', {{ bubbles: true }}));\
             $('button[data-role=send]').click();",
            json!(text)
        );
        self.js(&script).await;
    }

    /// Presses the widget's "talk to a person" button once it is shown.
    pub async fn ask_for_a_person(&self) {
        self.wait_for(
            "the handoff button",
            "return !!$('button[data-role=handoff]');",
        )
        .await;
        self.js("$('button[data-role=handoff]').click();").await;
    }

    /// Waits for a message of `kind` whose text contains `needle`; returns `{author, text}`.
    pub async fn message(&self, kind: &str, needle: &str) -> Value {
        let script = format!(
            "const m = $$('[data-role=messages] div[data-kind={kind}]').find(\
               (d) => (d.querySelector('[data-role=text]') || {{}}).textContent?.includes({n}));\
             return m ? {{ author: (m.querySelector('[data-role=author]') || {{}}).textContent || null,\
                          text: m.querySelector('[data-role=text]').textContent }} : null;",
            n = json!(needle)
        );
        self.wait_for(&format!("a {kind} message containing {needle:?}"), &script)
            .await
    }

    /// Errors the page collected so far.
    pub async fn errors(&self) -> Vec<String> {
        let value = self.js("return window.__errors || [];").await;
        serde_json::from_value(value).unwrap_or_default()
    }

    /// What the page logged at level SEVERE (console errors, failed loads, uncaught
    /// exceptions) since the last call, read from chromedriver's log endpoint: unlike an
    /// in-page collector it also sees pages whose CSP forbids injected scripts.
    pub async fn console_errors(&self) -> Vec<String> {
        let session = self
            .client()
            .session_id()
            .await
            .expect("session id")
            .expect("a session");
        let url = format!(
            "http://127.0.0.1:{}/session/{session}/se/log",
            self.driver_port
        );
        let answer: Value = reqwest::Client::new()
            .post(url)
            .json(&json!({ "type": "browser" }))
            .send()
            .await
            .expect("chromedriver log")
            .json()
            .await
            .expect("log JSON");
        answer["value"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|e| e["level"] == "SEVERE")
            .map(|e| e["message"].as_str().unwrap_or_default().to_owned())
            .collect()
    }

    /// Fails when the page logged an error (see [`Browser::console_errors`]); the test shop
    /// serves no favicon, so that one missing file is not one.
    pub async fn assert_no_console_errors(&self) {
        let errors: Vec<String> = self
            .console_errors()
            .await
            .into_iter()
            .filter(|e| !e.contains("/favicon.ico "))
            .collect();
        assert!(errors.is_empty(), "{errors:?}");
    }

    /// Clicks the element `css` matches, as a user would (fails if it is hidden or covered).
    /// A live page may redraw the element between finding and clicking it (an inbox row on a
    /// new message): a stale element is looked up again, as a user's click would land on the
    /// new one, until the deadline.
    pub async fn click(&self, css: &str) {
        let until = tokio::time::Instant::now() + DEADLINE;
        loop {
            match self.element(css).await.click().await {
                Ok(_) => return,
                Err(e)
                    if e.to_string().contains("stale element")
                        && tokio::time::Instant::now() < until =>
                {
                    tokio::time::sleep(POLL).await;
                }
                Err(e) => panic!("click {css}: {e}"),
            }
        }
    }

    /// Types `text` into the element `css` matches with real key presses (`\u{E007}` is Enter).
    pub async fn type_into(&self, css: &str, text: &str) {
        self.element(css)
            .await
            .send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("type into {css}: {e}"));
    }

    /// Presses keys in whatever element has the focus, as a keyboard user does.
    pub async fn press(&self, keys: &str) {
        self.client()
            .active_element()
            .await
            .expect("a focused element")
            .send_keys(keys)
            .await
            .expect("key press");
    }

    /// The element `css` matches, waiting for it to appear.
    pub async fn element(&self, css: &str) -> fantoccini::elements::Element {
        self.client()
            .wait()
            .at_most(DEADLINE)
            .for_element(fantoccini::Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element {css} before the deadline: {e}"))
    }

    /// Saves a PNG under `target/screenshots/NAME.png`.
    pub async fn screenshot(&self, name: &str) {
        let png = self.client().screenshot().await.expect("screenshot");
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
    }

    /// Opens `url` in a new tab from the page (so the new page's `window.opener` is this one)
    /// and brings it to the front: this tab goes to the background (`document.hidden`).
    /// Returns this tab's handle, for [`Browser::back_to`].
    pub async fn open_tab_in_front(&self, url: &str) -> fantoccini::wd::WindowHandle {
        let client = self.client();
        let this = client.window().await.expect("current tab");
        self.js(&format!(
            "window.open({}, '_blank'); return null;",
            json!(url)
        ))
        .await;
        let until = tokio::time::Instant::now() + DEADLINE;
        let other = loop {
            let tabs = client.windows().await.expect("tabs");
            if let Some(other) = tabs.into_iter().find(|t| *t != this) {
                break other;
            }
            assert!(tokio::time::Instant::now() < until, "no new tab opened");
            tokio::time::sleep(POLL).await;
        };
        client
            .switch_to_window(other)
            .await
            .expect("switch to the new tab");
        this
    }

    /// This tab's handle, for [`Browser::back_to`] from another tab.
    pub async fn tab(&self) -> fantoccini::wd::WindowHandle {
        self.client().window().await.expect("current tab")
    }

    /// Chooses `files` in the file input that `script` (with [`PRELUDE`]) returns, as a user
    /// picking them in the file chooser does: WebDriver hands the real files to the input,
    /// which fires its `change`. Works in the widget's shadow root, where CSS locators do not.
    pub async fn choose_files(&self, script: &str, files: &[&std::path::Path]) {
        let found = self.js(script).await;
        let id = found[ELEMENT_KEY]
            .as_str()
            .unwrap_or_else(|| panic!("{script} returned no element: {found}"))
            .to_owned();
        let input =
            fantoccini::elements::Element::from_element_id(self.client().clone(), id.into());
        let paths: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
        input
            .send_keys(&paths.join("\n"))
            .await
            .unwrap_or_else(|e| panic!("choose {paths:?}: {e}"));
    }

    /// Brings the tab `handle` back to the front.
    pub async fn back_to(&self, handle: fantoccini::wd::WindowHandle) {
        self.client()
            .switch_to_window(handle)
            .await
            .expect("switch back");
    }

    /// Resizes the window (a phone's width, say).
    pub async fn resize(&self, width: u32, height: u32) {
        self.client()
            .set_window_size(width, height)
            .await
            .expect("resize");
    }

    /// Ends the WebDriver session; dropping the browser then ends its processes.
    pub async fn close(self) {
        let mut browser = self;
        if let Some(client) = browser.client.take() {
            let _ = client.close().await;
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Chromedriver by its id, then the Chromium processes this browser's own profile
        // directory names (each by its id), in case the session was never closed.
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let profile = self._profile.path().display().to_string();
        for pid in processes_naming(&profile) {
            let _ = Command::new("kill")
                .arg("-KILL")
                .arg(pid.to_string())
                .stderr(Stdio::null())
                .status();
        }
    }
}

/// Ids of the processes whose command line contains `needle`.
fn processes_naming(needle: &str) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .map(|c| String::from_utf8_lossy(&c).contains(needle))
                .unwrap_or(false)
        })
        .filter(|&pid| pid != std::process::id())
        .collect()
}

/// Connects to chromedriver once it listens, starting a headless Chromium session.
async fn connect(port: u16, profile: &TempDir, width: u32, language: Option<&str>) -> Client {
    let mut args = vec![
        "--headless".to_owned(),
        "--no-sandbox".to_owned(),
        "--disable-gpu".to_owned(),
        "--disable-dev-shm-usage".to_owned(),
        "--disable-background-networking".to_owned(),
        "--disable-component-update".to_owned(),
        "--disable-sync".to_owned(),
        "--no-first-run".to_owned(),
        "--no-default-browser-check".to_owned(),
        format!("--window-size={width},900"),
        format!("--user-data-dir={}", profile.path().display()),
    ];
    let mut prefs = json!({ "profile.default_content_setting_values.notifications": 1 });
    if let Some(language) = language {
        // Chromium takes its UI language from the flag and the page's languages from the pref.
        args.push(format!("--lang={language}"));
        prefs["intl.accept_languages"] = json!(format!("{language},en"));
    }
    let mut caps = serde_json::Map::new();
    // Notifications are allowed up front, as an agent who said yes once has them: headless
    // Chromium has no permission prompt to click. Console messages are kept for
    // `console_errors`.
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": CHROMIUM,
            "args": args,
            "prefs": prefs,
        }),
    );
    caps.insert("goog:loggingPrefs".into(), json!({ "browser": "ALL" }));
    let url = format!("http://127.0.0.1:{port}");
    let until = tokio::time::Instant::now() + DEADLINE;
    loop {
        // Refused until chromedriver listens: the condition waited for.
        match ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps.clone())
            .connect(&url)
            .await
        {
            Ok(client) => return client,
            Err(e) if tokio::time::Instant::now() >= until => {
                panic!("chromedriver on port {port} did not start a session: {e}")
            }
            Err(_) => tokio::time::sleep(POLL).await,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// A whole scene

/// A shop on its own origin, a chat server allowing exactly that origin, a browser, and the
/// owner's token. The shop serves `/` as a plain page with the snippet.
pub struct Scene {
    /// The shop's own origin, serving `/`.
    pub shop: ShopServer,
    /// The chat server allowing the shop's origin.
    pub chat: TestApp,
    /// The shopper's browser.
    pub browser: Browser,
    /// The owner's token.
    pub token: String,
}

impl Scene {
    /// Everything started, the browser window `width` wide.
    pub async fn new(width: u32) -> Scene {
        Scene::new_in(width, None).await
    }

    /// Everything started, with a browser whose user speaks `language` (see
    /// [`Browser::start_in`]).
    pub async fn new_in(width: u32, language: Option<&str>) -> Scene {
        let shop = ShopServer::start().await;
        let chat = chat_server(&[shop.origin()]).await;
        shop.page("/", shop_page(&chat, "", "<p>Welcome.</p>"));
        let token = chat.owner_token().await;
        let browser = Browser::start_in(width, language).await;
        Scene {
            shop,
            chat,
            browser,
            token,
        }
    }

    /// Opens the shop's `path` in the browser.
    pub async fn visit(&self, path: &str) {
        self.browser.goto(&self.shop.url(path)).await;
    }

    /// The shopper's stored browsing state (as owners read it) once `ready` holds for it; the
    /// visitor is the one the widget in the browser keeps.
    pub async fn visitor_state(&self, ready: impl Fn(&Value) -> bool) -> Value {
        let key = format!("shopchat:{}", self.chat.seed.public_key);
        let vid = self
            .browser
            .wait_for(
                "the widget's visitor id",
                &format!(
                    "const v = localStorage.getItem({}); return v && JSON.parse(v).vid || null;",
                    json!(key)
                ),
            )
            .await;
        let path = self
            .chat
            .site_path(&format!("/visitors/{}", vid.as_str().unwrap()));
        let until = std::time::Instant::now() + DEADLINE;
        loop {
            let state: Value = self.chat.get_json(&path, &self.token).await;
            if ready(&state) {
                return state;
            }
            assert!(
                std::time::Instant::now() < until,
                "the visitor's state never got there: {state}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    /// Closes the browser and stops the chat server.
    pub async fn finish(self) {
        self.browser.close().await;
        self.chat.stop().await;
    }
}

// ---------------------------------------------------------------------------------------------
// Phones, focus and axe (accessibility tests)

/// Where axe-core's `axe.min.js` is when `AXE_CORE_JS` names no other file: `.ci/run`
/// installs it there, outside the repository.
pub const AXE_CORE_JS: &str = "/opt/shopchat-test/node_modules/axe-core/axe.min.js";

/// The WCAG 2.2 A and AA rules of axe (its tags), the level a shop is held to.
const AXE_TAGS: &str = "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']";

/// Where the focus is, as a short name: `widget:ROLE` inside the widget's shadow root,
/// `page:TAG#ID` on the shop's page, `none` when no element has it (the browser's own
/// controls, between the last and the first element of a modal dialog).
pub const FOCUS_JS: &str = "const a = document.activeElement;\
    if (!a || a === document.body || a === document.documentElement) return 'none';\
    if (a === __host) { const i = __root.activeElement;\
      return 'widget:' + (i ? (i.getAttribute('data-role') || i.className || i.tagName.toLowerCase() + '#' + i.id) : 'host'); }\
    return 'page:' + a.tagName.toLowerCase() + '#' + a.id;";

impl Browser {
    /// A phone's viewport (390 × 812), set after the start because headless Chromium keeps
    /// windows at least ~500 px wide when started narrower; waits until the page sees it.
    pub async fn phone(&self) {
        self.resize(390, 812).await;
        self.wait_for("a phone-width viewport", "return window.innerWidth <= 400;")
            .await;
    }

    /// Presses and releases `key` (`\u{E004}` Tab, `\u{E00C}` Escape) through WebDriver's
    /// actions, which reach the page whatever has the focus, even nothing.
    pub async fn key(&self, key: char) {
        use fantoccini::actions::{InputSource, KeyAction, KeyActions};
        let keys = KeyActions::new("keyboard".to_owned())
            .then(KeyAction::Down { value: key })
            .then(KeyAction::Up { value: key });
        self.client()
            .perform_actions(keys)
            .await
            .expect("key press");
    }

    /// Where the focus is now ([`FOCUS_JS`]).
    pub async fn focus(&self) -> String {
        self.js(FOCUS_JS)
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// axe-core's WCAG 2.2 AA violations inside the widget (its host and shadow tree), once
    /// its animations have ended (a panel fading in is not the colour it settles on). Fails
    /// when axe-core is not installed: the test must not pass by skipping.
    pub async fn axe_violations(&self) -> Vec<Value> {
        let path = std::env::var("AXE_CORE_JS").unwrap_or_else(|_| AXE_CORE_JS.to_owned());
        if self.js("return !!window.axe;").await != json!(true) {
            let source = std::fs::read_to_string(&path).unwrap_or_else(|e| {
                panic!(
                    "axe-core is needed at {path} ({e}): npm install --prefix /opt/shopchat-test axe-core@4 (.ci/run does), or set AXE_CORE_JS"
                )
            });
            self.client()
                .execute(&format!("{source}\n;return !!window.axe;"), vec![])
                .await
                .expect("load axe-core into the page");
        }
        self.wait_for(
            "the widget's animations to end",
            "return document.getAnimations().length + __root.getAnimations().length === 0;",
        )
        .await;
        let script = format!(
            "const done = arguments[arguments.length - 1];\
             axe.run({{ include: [['#shopchat-root']] }}, {{ runOnly: {{ type: 'tag', values: {AXE_TAGS} }} }})\
               .then((r) => done({{\
                 checked: r.passes.concat(r.violations).reduce((n, rule) => n + rule.nodes.length, 0),\
                 violations: r.violations.map((v) => ({{ id: v.id, impact: v.impact, help: v.help,\
                   nodes: v.nodes.map((n) => ({{ target: n.target, summary: n.failureSummary, html: n.html }})) }})) }}),\
                 (e) => done({{ error: String(e) }}));"
        );
        let result = self
            .client()
            .execute_async(&script, vec![])
            .await
            .expect("axe.run");
        assert!(result["error"].is_null(), "axe failed: {result}");
        // axe looked into the shadow root: a run that checked nothing would pass anything.
        assert!(
            result["checked"].as_u64().unwrap_or(0) >= 5,
            "axe checked almost nothing in the widget: {result}"
        );
        result["violations"].as_array().cloned().unwrap_or_default()
    }
}
