//! `--mode idle`: memory per idle shopper socket. Opens `--sockets N` (10000; keep it ≤ 15000
//! per generator, one process holds ~19.9k open files) shopper sockets that say hello on a
//! product page, waits until the server's RSS settles, prints RSS before and after and the
//! KiB each socket costs, then closes them all.
//!
//! Give the site a rule that waits 60 s on a product page before the run (see README), so each
//! socket also holds its visitor state and a pending timer, as a real shopper's does.
//!
//! `--against echo` opens the same sockets against `examples/echo.rs` instead (any reply to
//! the hello counts as the welcome): the bare floor, printed in the same format.
//! Flags: `--sockets N` (10000), `--against shopchat|echo` (shopchat), `--settle-secs N` (20,
//! the longest wait for RSS to stop moving).

use crate::common::{Args, Ws, next_json};
use futures_util::SinkExt;
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

/// Sockets opened at once (like shoppers arriving).
const BATCH: usize = 200;

/// Opens the sockets, waits for the server's RSS to settle and prints KiB per socket.
pub async fn run(args: Arc<Args>) -> Result<(), String> {
    let wanted: usize = args.num("sockets", 10_000)?;
    let settle: u64 = args.num("settle-secs", 20)?;
    let against = args.text("against", "shopchat");
    if against != "echo" {
        args.need_site()?;
    }
    let pid = args
        .server_pid
        .ok_or("--server-pid is required in idle mode")?;
    let before = settle_rss(pid, settle).await;

    let started = Instant::now();
    let mut sockets: Vec<Ws> = Vec::with_capacity(wanted);
    let mut failures = 0usize;
    for chunk in 0..wanted.div_ceil(BATCH) {
        let size = (wanted - chunk * BATCH).min(BATCH);
        let batch: Vec<_> = (0..size)
            .map(|i| {
                let a = args.clone();
                let echo = against == "echo";
                tokio::spawn(async move { open(&a, chunk * BATCH + i, echo).await })
            })
            .collect();
        for t in batch {
            match t.await.map_err(|e| e.to_string())? {
                Ok(ws) => sockets.push(ws),
                Err(e) => {
                    failures += 1;
                    if failures <= 3 {
                        eprintln!("connect failed: {e}");
                    }
                }
            }
        }
    }
    let opened = sockets.len();
    let open_secs = started.elapsed().as_secs_f64();
    let after = settle_rss(pid, settle).await;
    let per_socket = (after as f64 - before as f64) / opened.max(1) as f64;
    println!(
        "idle against={against} sockets={opened} failed={failures} open_secs={open_secs:.1} \
         rss_before_kib={before} rss_after_kib={after} kib_per_socket={per_socket:.2}"
    );
    for mut ws in sockets {
        let _ = tokio::time::timeout(Duration::from_millis(50), ws.close(None)).await;
    }
    Ok(())
}

/// Opens one socket and waits for the answer to its hello. On shopchat the page is a product
/// page, so a 60 s dwell rule arms the socket's timer.
async fn open(args: &Args, n: usize, echo: bool) -> Result<Ws, String> {
    let url = format!("ws://{}/ws/shopper?site={}", args.addr, args.site);
    let mut request = url.into_client_request().map_err(|e| e.to_string())?;
    if !args.origin.is_empty() {
        request
            .headers_mut()
            .insert("Origin", args.origin.parse().map_err(|_| "bad origin")?);
    }
    let (mut ws, _) = tokio_tungstenite::connect_async_with_config(request, None, true)
        .await
        .map_err(|e| e.to_string())?;
    let page = json!({ "url": format!("{}/products/{}", args.origin, n % 50),
        "title": "Jacket", "type": "product" });
    ws.send(Message::text(
        json!({ "type": "hello", "page": page }).to_string(),
    ))
    .await
    .map_err(|e| e.to_string())?;
    let answer = next_json(&mut ws).await?;
    if !echo && answer["type"] != "welcome" {
        return Err(format!("expected welcome, got {answer}"));
    }
    Ok(ws)
}

/// The server's RSS once it has stopped moving: two readings a second apart within 64 KiB
/// of each other, or whatever it is after `max_secs`.
async fn settle_rss(pid: u32, max_secs: u64) -> u64 {
    let started = Instant::now();
    let mut last = crate::common::rss_kib(pid).unwrap_or(0);
    while started.elapsed() < Duration::from_secs(max_secs) {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let now = crate::common::rss_kib(pid).unwrap_or(0);
        if now.abs_diff(last) <= 64 {
            return now;
        }
        last = now;
    }
    last
}
