//! Load generator for the shopper socket: opens many shopper sockets against a running
//! server, has each say hello and send messages, and reports connect and ack latencies,
//! message throughput and (given the server's pid) its resident memory.
//!
//! ```sh
//! cargo run --release -- --data-dir /tmp/load site create --name load --origin https://load.example --json
//! # every socket comes from 127.0.0.1: lift the per-address budgets meant for strangers
//! cargo run --release -- --data-dir /tmp/load --bind 127.0.0.1:8090 \
//!     --new-visitors-per-addr-per-min 1000000 --new-conversations-per-addr-per-min 1000000 \
//!     --max-pending-sockets-per-addr 100000 &
//! cargo run --release --example loadgen -- --addr 127.0.0.1:8090 --site pk_... \
//!     --origin https://load.example --sockets 2000 --messages 5 --server-pid $!
//! ```
//!
//! Only loopback targets make sense here; every loop is bounded in count and time.

// Benchmarks and examples fail loudly by design: a panic on `unwrap` is the failure message, helpers are `pub`
// for the test modules only, and a long scenario reads best as one function.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::too_many_lines,
    unreachable_pub,
    missing_docs
)]

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

struct Args {
    addr: String,
    site: String,
    origin: String,
    sockets: usize,
    messages: usize,
    events: usize,
    server_pid: Option<u32>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        addr: "127.0.0.1:8080".into(),
        site: String::new(),
        origin: String::new(),
        sockets: 100,
        messages: 5,
        events: 0,
        server_pid: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or(format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--addr" => args.addr = value,
            "--site" => args.site = value,
            "--origin" => args.origin = value,
            "--sockets" => args.sockets = value.parse().map_err(|e| format!("--sockets: {e}"))?,
            "--messages" => {
                args.messages = value.parse().map_err(|e| format!("--messages: {e}"))?
            }
            "--events" => args.events = value.parse().map_err(|e| format!("--events: {e}"))?,
            "--server-pid" => {
                args.server_pid = Some(value.parse().map_err(|e| format!("--server-pid: {e}"))?)
            }
            other => return Err(format!("unknown flag {other}")),
        }
    }
    if args.site.is_empty() || args.origin.is_empty() {
        return Err("--site and --origin are required".into());
    }
    Ok(args)
}

fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// How often one message is sent again after the server said it could not store it.
const MAX_RETRIES: u32 = 8;

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn next_json(ws: &mut Ws) -> Result<Value, String> {
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

async fn connect(args: &Args) -> Result<(Ws, Duration), String> {
    let url = format!("ws://{}/ws/shopper?site={}", args.addr, args.site);
    let mut request = url.into_client_request().map_err(|e| e.to_string())?;
    request
        .headers_mut()
        .insert("Origin", args.origin.parse().map_err(|_| "bad origin")?);
    let started = Instant::now();
    let (mut ws, _) = tokio_tungstenite::connect_async(request)
        .await
        .map_err(|e| e.to_string())?;
    ws.send(Message::text(
        json!({ "type": "hello", "page": { "url": format!("{}/p/1", args.origin) } }).to_string(),
    ))
    .await
    .map_err(|e| e.to_string())?;
    let welcome = next_json(&mut ws).await?;
    if welcome["type"] != "welcome" {
        return Err(format!("expected welcome, got {welcome}"));
    }
    Ok((ws, started.elapsed()))
}

#[tokio::main]
async fn main() -> Result<(), String> {
    let args = std::sync::Arc::new(parse_args()?);
    let rss_before = args.server_pid.and_then(rss_kib);

    // Phase 1: open every socket (a few at a time, like shoppers arriving), keep them open.
    let started = Instant::now();
    let mut sockets = Vec::with_capacity(args.sockets);
    let mut connect_times = Vec::with_capacity(args.sockets);
    let mut failures = 0usize;
    for chunk in 0..args.sockets.div_ceil(100) {
        let n = (args.sockets - chunk * 100).min(100);
        let batch: Vec<_> = (0..n)
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
    let connect_secs = started.elapsed().as_secs_f64();
    let rss_connected = args.server_pid.and_then(rss_kib);

    // Phase 2 (optional): browsing events, which run the site's trigger rules. Each socket
    // sends its events without waiting, then a frame the server must refuse; the refusal
    // proves every event before it was processed.
    if args.events > 0 {
        let started = Instant::now();
        let tasks: Vec<_> = sockets
            .into_iter()
            .enumerate()
            .map(|(i, mut ws)| {
                let (events, origin) = (args.events, args.origin.clone());
                tokio::spawn(async move {
                    for e in 0..events {
                        let page = json!({ "type": "event", "name": "page_view",
                            "props": { "url": format!("{origin}/products/{}", (i + e) % 50), "type": "product" } });
                        if ws.send(Message::text(page.to_string())).await.is_err() {
                            return (ws, false);
                        }
                    }
                    if ws.send(Message::text(r#"{"type":"barrier"}"#)).await.is_err() {
                        return (ws, false);
                    }
                    loop {
                        match next_json(&mut ws).await {
                            Ok(f) if f["type"] == "error" => return (ws, f["code"] == "unknown_type"),
                            Ok(_) => continue,
                            Err(_) => return (ws, false),
                        }
                    }
                })
            })
            .collect();
        let mut kept = Vec::with_capacity(tasks.len());
        let mut ok = 0usize;
        for t in tasks {
            let (ws, fine) = t.await.map_err(|e| e.to_string())?;
            ok += usize::from(fine);
            kept.push(ws);
        }
        let secs = started.elapsed().as_secs_f64();
        let total = ok * args.events;
        println!(
            "events: {total} processed by {ok} sockets in {secs:.2} s = {:.0} events/s",
            total as f64 / secs
        );
        sockets = kept;
    }

    // Phase 3: every socket sends its messages one after another, all sockets at once.
    let started = Instant::now();
    let tasks: Vec<_> = sockets
        .into_iter()
        .enumerate()
        .map(|(i, mut ws)| {
            let messages = args.messages;
            tokio::spawn(async move {
                let mut latencies = Vec::with_capacity(messages);
                let mut retries = 0usize;
                for m in 0..messages {
                    let frame = json!({ "type": "message", "client_msg_id": format!("s{i}m{m}"), "text": "Does this jacket run small?" });
                    let sent = Instant::now();
                    // As the widget does: a message the server could not store (`internal`,
                    // e.g. the store timed out under the burst) is sent again with the same
                    // id, at most MAX_RETRIES times; the latency counts from the first send.
                    'attempts: for attempt in 0..=MAX_RETRIES {
                        if ws.send(Message::text(frame.to_string())).await.is_err() {
                            return (latencies, retries, Some("send failed".into()), ws);
                        }
                        loop {
                            match next_json(&mut ws).await {
                                Ok(f) if f["type"] == "ack" => break 'attempts,
                                Ok(f) if f["type"] == "error" && f["code"] == "internal" => {
                                    if attempt == MAX_RETRIES {
                                        return (latencies, retries, Some("gave up".into()), ws);
                                    }
                                    retries += 1;
                                    tokio::time::sleep(Duration::from_millis(250 << attempt.min(4))).await;
                                    continue 'attempts;
                                }
                                Ok(_) => continue,
                                Err(e) => return (latencies, retries, Some(e), ws),
                            }
                        }
                    }
                    latencies.push(sent.elapsed());
                }
                (latencies, retries, None, ws)
            })
        })
        .collect();
    let mut acks = Vec::new();
    let mut errors = 0usize;
    let mut retried = 0usize;
    let mut open = Vec::new();
    for t in tasks {
        let (latencies, retries, error, ws) = t.await.map_err(|e| e.to_string())?;
        acks.extend(latencies);
        retried += retries;
        if error.is_some() {
            errors += 1;
        }
        open.push(ws);
    }
    let send_secs = started.elapsed().as_secs_f64();
    let rss_after = args.server_pid.and_then(rss_kib);
    for mut ws in open {
        let _ = ws.close(None).await;
    }

    connect_times.sort();
    acks.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "sockets: {} opened, {} failed, in {:.2} s",
        connect_times.len(),
        failures,
        connect_secs
    );
    println!(
        "connect+hello→welcome: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        ms(percentile(&connect_times, 0.5)),
        ms(percentile(&connect_times, 0.99)),
        ms(percentile(&connect_times, 1.0))
    );
    println!(
        "messages: {} acknowledged, {} sockets failed, {} sends retried after `internal`, in {:.2} s = {:.0} msg/s",
        acks.len(),
        errors,
        retried,
        send_secs,
        acks.len() as f64 / send_secs
    );
    println!(
        "message→ack: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        ms(percentile(&acks, 0.5)),
        ms(percentile(&acks, 0.99)),
        ms(percentile(&acks, 1.0))
    );
    if let (Some(before), Some(connected), Some(after)) = (rss_before, rss_connected, rss_after) {
        let per_socket =
            (connected.saturating_sub(before)) as f64 / connect_times.len().max(1) as f64;
        println!(
            "server RSS: {before} KiB idle, {connected} KiB with sockets open ({per_socket:.1} KiB/socket), {after} KiB after messages"
        );
    }
    Ok(())
}
