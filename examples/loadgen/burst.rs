//! `--mode burst`: every socket says hello, optionally sends `--events N` page views (each
//! socket then sends a frame the server must refuse; the refusal proves every event before it
//! was processed), then sends `--messages N` messages one after another, all sockets at once.
//! Flags: `--sockets N` (100), `--messages N` (5), `--events N` (0). With `--server-pid` it
//! also prints what the server wrote to disk per acknowledged message during the message
//! phase (`write_bytes` and `syscw` of `/proc/PID/io`, read before and after it).

use crate::common::{Args, ms, next_json, open_sockets, percentile};
use futures_util::SinkExt;
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

/// How often one message is sent again after the server said it could not store it.
const MAX_RETRIES: u32 = 8;

/// Runs the burst: open, optional events, then every socket's messages at once.
pub async fn run(args: Arc<Args>) -> Result<(), String> {
    args.need_site()?;
    let sockets_wanted: usize = args.num("sockets", 100)?;
    let messages: usize = args.num("messages", 5)?;
    let events: usize = args.num("events", 0)?;
    let rss_before = args.server_rss_kib();

    // Phase 1: open every socket (a few at a time, like shoppers arriving), keep them open.
    let started = Instant::now();
    let (mut sockets, mut connect_times, failures) = open_sockets(&args, sockets_wanted).await?;
    let connect_secs = started.elapsed().as_secs_f64();
    let rss_connected = args.server_rss_kib();

    // Phase 2 (optional): browsing events, which run the site's trigger rules. Each socket
    // sends its events without waiting, then a frame the server must refuse; the refusal
    // proves every event before it was processed.
    if events > 0 {
        let started = Instant::now();
        let tasks: Vec<_> = sockets
            .into_iter()
            .enumerate()
            .map(|(i, mut ws)| {
                let origin = args.origin.clone();
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
        let total = ok * events;
        println!(
            "events: {total} processed by {ok} sockets in {secs:.2} s = {:.0} events/s",
            total as f64 / secs
        );
        sockets = kept;
    }

    // Phase 3: every socket sends its messages one after another, all sockets at once.
    let io_before = server_io(&args);
    let started = Instant::now();
    let tasks: Vec<_> = sockets
        .into_iter()
        .enumerate()
        .map(|(i, mut ws)| {
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
    let io_after = server_io(&args);
    let rss_after = args.server_rss_kib();
    for mut ws in open {
        let _ = ws.close(None).await;
    }

    connect_times.sort();
    acks.sort();
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
    if let (Some(before), Some(after)) = (io_before, io_after) {
        let acked = acks.len().max(1) as f64;
        let bytes = after.write_bytes.saturating_sub(before.write_bytes);
        let calls = after.syscw.saturating_sub(before.syscw);
        println!(
            "server disk writes during messages: {bytes} bytes in {calls} write calls = {:.0} bytes and {:.1} write calls per acknowledged message",
            bytes as f64 / acked,
            calls as f64 / acked
        );
    }
    if let (Some(before), Some(connected), Some(after)) = (rss_before, rss_connected, rss_after) {
        let per_socket =
            (connected.saturating_sub(before)) as f64 / connect_times.len().max(1) as f64;
        println!(
            "server RSS: {before} KiB idle, {connected} KiB with sockets open ({per_socket:.1} KiB/socket), {after} KiB after messages"
        );
    }
    Ok(())
}

/// The server's I/O counters: bytes it caused to be written to storage, and write calls.
struct ServerIo {
    write_bytes: u64,
    syscw: u64,
}

/// Reads `/proc/PID/io` of `--server-pid` (Linux; the same user or root can read it).
fn server_io(args: &Args) -> Option<ServerIo> {
    let text = std::fs::read_to_string(format!("/proc/{}/io", args.server_pid?)).ok()?;
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.trim().parse::<u64>().ok())
    };
    Some(ServerIo {
        write_bytes: field("write_bytes:")?,
        syscw: field("syscw:")?,
    })
}
