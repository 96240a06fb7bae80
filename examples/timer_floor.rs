//! The floor for proactive timers: a bare tokio WebSocket server that, like shopchat's shopper
//! socket, answers a `hello` with `welcome`, arms one timer for `--delay` seconds and sends a
//! `message` when it fires — no rules, no store, no hub. `loadgen --mode timers --bare 1`
//! measures it exactly as it measures shopchat, so README quotes both from the same run.
//!
//! ```sh
//! cargo run --release --example timer_floor -- --bind 127.0.0.1:8148 --delay 5 &
//! cargo run --release --example loadgen -- --mode timers --bare 1 --addr 127.0.0.1:8148 \
//!     --site x --origin https://load.example --sockets 10000 --delay 5
//! ```
//!
//! It also prints, every `--report` (10) seconds when there were firings, how late its own
//! timers woke (the server-side part of the lateness, without the socket write).
//! `--workers N` sets the worker threads (default: one per core, as the server's default).

// Examples fail loudly by design: a panic on `unwrap` is the failure message.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use futures_util::{SinkExt, StreamExt};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

fn main() {
    let mut bind = "127.0.0.1:8148".to_string();
    let mut delay = 5u64;
    let mut report = 10u64;
    let mut workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().expect("every flag takes a value");
        match flag.as_str() {
            "--bind" => bind = value,
            "--delay" => delay = value.parse().expect("--delay: seconds"),
            "--report" => report = value.parse().expect("--report: seconds"),
            "--workers" => workers = value.parse().expect("--workers: a number"),
            other => panic!("unknown flag {other}"),
        }
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .unwrap();
    let wakes: Arc<Mutex<Vec<Duration>>> = Arc::default();
    runtime.spawn(reporter(wakes.clone(), Duration::from_secs(report)));
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(&bind).await.unwrap();
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                continue;
            };
            let _ = tcp.set_nodelay(true);
            let wakes = wakes.clone();
            tokio::spawn(async move {
                let Ok(mut ws) = tokio_tungstenite::accept_async(tcp).await else {
                    return;
                };
                // The first text frame is the hello.
                loop {
                    match ws.next().await {
                        Some(Ok(m)) if m.is_text() => break,
                        Some(Ok(_)) => continue,
                        _ => return,
                    }
                }
                if ws
                    .send(Message::text(r#"{"type":"welcome"}"#))
                    .await
                    .is_err()
                {
                    return;
                }
                let due = Instant::now() + Duration::from_secs(delay);
                tokio::time::sleep_until(due.into()).await;
                let late = due.elapsed();
                let frame = r#"{"type":"message","message":{"text":"Need a hand?"}}"#;
                let _ = ws.send(Message::text(frame)).await;
                wakes.lock().unwrap().push(late);
                // Keep the socket until the client closes it, as a shop page would.
                while let Some(Ok(_)) = ws.next().await {}
            });
        }
    });
}

/// Prints the server-side lateness of the timers that fired since the last report.
async fn reporter(wakes: Arc<Mutex<Vec<Duration>>>, every: Duration) {
    loop {
        tokio::time::sleep(every).await;
        let mut batch = std::mem::take(&mut *wakes.lock().unwrap());
        if batch.is_empty() {
            continue;
        }
        batch.sort();
        let at =
            |p: f64| batch[((batch.len() - 1) as f64 * p).round() as usize].as_secs_f64() * 1e3;
        println!(
            "timers fired: {}, woke + sent late by p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            batch.len(),
            at(0.5),
            at(0.99),
            at(1.0)
        );
    }
}
