//! What every mode shares: arguments, the server's RSS, percentiles, opening a shopper socket.

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

/// The flags every mode has, plus the mode's own (`--name value`) in `extra`.
pub struct Args {
    pub mode: String,
    pub addr: String,
    pub site: String,
    pub origin: String,
    pub server_pid: Option<u32>,
    /// Every other `--flag value`, read by the mode that knows it.
    pub extra: HashMap<String, String>,
}

impl Args {
    pub fn parse() -> Result<Args, String> {
        let mut args = Args {
            mode: "burst".into(),
            addr: "127.0.0.1:8080".into(),
            site: String::new(),
            origin: String::new(),
            server_pid: None,
            extra: HashMap::new(),
        };
        let mut it = std::env::args().skip(1);
        while let Some(flag) = it.next() {
            let value = it.next().ok_or(format!("{flag} needs a value"))?;
            match flag.as_str() {
                "--mode" => args.mode = value,
                "--addr" => args.addr = value,
                "--site" => args.site = value,
                "--origin" => args.origin = value,
                "--server-pid" => {
                    args.server_pid = Some(value.parse().map_err(|e| format!("--server-pid: {e}"))?)
                }
                other => {
                    let name = other
                        .strip_prefix("--")
                        .ok_or(format!("unexpected argument {other}"))?;
                    args.extra.insert(name.to_string(), value);
                }
            }
        }
        Ok(args)
    }

    /// A numeric mode flag, `default` when absent.
    pub fn num<T: std::str::FromStr>(&self, name: &str, default: T) -> Result<T, String>
    where
        T::Err: std::fmt::Display,
    {
        match self.extra.get(name) {
            None => Ok(default),
            Some(v) => v.parse().map_err(|e| format!("--{name}: {e}")),
        }
    }

    /// A text mode flag, `default` when absent.
    pub fn text(&self, name: &str, default: &str) -> String {
        self.extra
            .get(name)
            .cloned()
            .unwrap_or_else(|| default.to_string())
    }

    /// Fails unless the shopper-socket flags are there.
    pub fn need_site(&self) -> Result<(), String> {
        if self.site.is_empty() || self.origin.is_empty() {
            return Err("--site and --origin are required".into());
        }
        Ok(())
    }

    /// The server's resident memory now, if `--server-pid` was given.
    pub fn server_rss_kib(&self) -> Option<u64> {
        self.server_pid.and_then(rss_kib)
    }
}

/// A process's resident memory in KiB.
pub fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// A process's CPU time so far (user + system), from /proc.
pub fn cpu_time(pid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which may hold spaces) start after the last ')'.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    // Linux reports in USER_HZ, 100 on every platform this runs on.
    Some(Duration::from_millis(ticks * 10))
}

/// The `p` quantile (0..=1) of sorted durations.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// Milliseconds, for printing.
pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

pub type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The next text frame as JSON (pings and pongs skipped), within 30 s.
pub async fn next_json(ws: &mut Ws) -> Result<Value, String> {
    loop {
        match tokio::time::timeout(Duration::from_secs(30), ws.next()).await {
            Err(_) => return Err("timed out".into()),
            Ok(Some(Ok(Message::Text(t)))) => {
                return serde_json::from_str(&t).map_err(|e| e.to_string());
            }
            Ok(Some(Ok(_))) => continue,
            Ok(other) => return Err(format!("socket ended: {other:?}")),
        }
    }
}

/// Opens a shopper socket and says hello; returns it with the time to `welcome`.
pub async fn connect(args: &Args) -> Result<(Ws, Duration), String> {
    let url = format!("ws://{}/ws/shopper?site={}", args.addr, args.site);
    let mut request = url.into_client_request().map_err(|e| e.to_string())?;
    request
        .headers_mut()
        .insert("Origin", args.origin.parse().map_err(|_| "bad origin")?);
    let started = Instant::now();
    let (mut ws, _) = tokio_tungstenite::connect_async_with_config(request, None, true)
        .await
        .map_err(|e| e.to_string())?;
    say_hello(&mut ws, args).await?;
    Ok((ws, started.elapsed()))
}

/// Says hello from a product page of `--origin` and waits for `welcome`.
pub async fn say_hello(ws: &mut Ws, args: &Args) -> Result<(), String> {
    ws.send(Message::text(
        json!({ "type": "hello", "page": { "url": format!("{}/p/1", args.origin) } }).to_string(),
    ))
    .await
    .map_err(|e| e.to_string())?;
    let welcome = next_json(ws).await?;
    if welcome["type"] != "welcome" {
        return Err(format!("expected welcome, got {welcome}"));
    }
    Ok(())
}

/// Opens `n` shopper sockets, 100 at a time (like shoppers arriving), and keeps them open.
/// Returns the sockets, their times to `welcome` and how many failed.
pub async fn open_sockets(
    args: &std::sync::Arc<Args>,
    n: usize,
) -> Result<(Vec<Ws>, Vec<Duration>, usize), String> {
    let mut sockets = Vec::with_capacity(n);
    let mut connect_times = Vec::with_capacity(n);
    let mut failures = 0usize;
    for chunk in 0..n.div_ceil(100) {
        let batch_size = (n - chunk * 100).min(100);
        let batch: Vec<_> = (0..batch_size)
            .map(|_| {
                let a = args.clone();
                tokio::spawn(async move { connect(&a).await })
            })
            .collect();
        for t in batch {
            match t.await.map_err(|e| e.to_string())? {
                Ok((ws, took)) => {
                    sockets.push(ws);
                    connect_times.push(took);
                }
                Err(e) => {
                    failures += 1;
                    if failures <= 3 {
                        eprintln!("connect failed: {e}");
                    }
                }
            }
        }
    }
    Ok((sockets, connect_times, failures))
}

/// Logs an account in over the REST API; returns its token.
pub async fn login(
    http: &reqwest::Client,
    api: &str,
    email: &str,
    password: &str,
) -> Result<String, String> {
    let r = http
        .post(format!("{api}/auth/login"))
        .json(&json!({ "email": email, "password": password }))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if !r.status().is_success() {
        return Err(format!("login of {email}: {}", r.status()));
    }
    let body: Value = r.json().await.map_err(|e| e.to_string())?;
    body["token"]
        .as_str()
        .map(str::to_owned)
        .ok_or(format!("login of {email}: no token"))
}

/// Opens an agent socket with `token` and waits for `ready`.
pub async fn agent_socket(addr: &str, token: &str) -> Result<Ws, String> {
    let (mut ws, _) =
        tokio_tungstenite::connect_async_with_config(format!("ws://{addr}/ws/agent"), None, true)
            .await
            .map_err(|e| e.to_string())?;
    ws.send(Message::text(
        json!({ "type": "auth", "token": token }).to_string(),
    ))
    .await
    .map_err(|e| e.to_string())?;
    loop {
        let f = next_json(&mut ws).await?;
        if f["type"] == "ready" {
            return Ok(ws);
        }
        if f["type"] == "error" {
            return Err(format!("agent socket refused: {f}"));
        }
    }
}

/// The site id of the site whose public key is `key`, among the owner's sites.
pub async fn site_id(
    http: &reqwest::Client,
    api: &str,
    token: &str,
    key: &str,
) -> Result<String, String> {
    let sites: Value = http
        .get(format!("{api}/sites"))
        .bearer_auth(token)
        .send()
        .await
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())?;
    let list = sites
        .as_array()
        .or_else(|| sites["sites"].as_array())
        .cloned()
        .unwrap_or_default();
    list.iter()
        .find(|s| s["public_key"] == key)
        .and_then(|s| s["id"].as_str())
        .map(str::to_owned)
        .ok_or(format!("no site with public key {key} for this owner"))
}
