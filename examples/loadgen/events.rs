//! `--mode events`: browsing events through the whole pipeline (decode, visitor state, presence,
//! trigger rules, timer) against the same frames through a bare echo server, in one run.
//!
//! Every socket says hello, then sends `--events N` `page_view` frames without waiting and then
//! a frame the server must refuse (`barrier`, an unknown type): the refusal proves every event
//! before it was processed, since a socket's frames are handled in order. Prints events/s and,
//! with `--server-pid`, the server's CPU time per event.
//!
//! Flags: `--sockets N` (200), `--events N` (200; start the server with `--rate-burst` and
//! `--rate-per-sec` above it), `--rounds N` (1: repeat the events phase on the same sockets).
//! `--against echo` sends the same frames to `examples/echo.rs` (at `--addr`) and waits for every
//! echo instead of the refusal, so the bare floor comes from the same machine and load.
//! `--rules N` (0) first gives the site N trigger rules shaped like the criterion benchmark's
//! (every tenth woken by page views, testing page type, a path glob and a 40 s dwell; the rest
//! woken by custom events) through the REST API, logged in with `--owner-email` and
//! `--owner-password`; rules the site already has count towards N.

use crate::common::{Args, Ws, connect, cpu_time, login, next_json, site_id};
use futures_util::SinkExt;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Instant;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

/// Runs the events mode.
pub async fn run(args: Arc<Args>) -> Result<(), String> {
    let sockets_wanted: usize = args.num("sockets", 200)?;
    let events: usize = args.num("events", 200)?;
    let rounds: usize = args.num("rounds", 1)?;
    let echo = args.text("against", "shopchat") == "echo";
    if echo {
        if args.origin.is_empty() {
            return Err("--origin is required (the frames name pages on it)".into());
        }
    } else {
        args.need_site()?;
        let rules: usize = args.num("rules", 0)?;
        if rules > 0 {
            ensure_rules(&args, rules).await?;
        }
    }

    let mut sockets = Vec::with_capacity(sockets_wanted);
    for chunk in 0..sockets_wanted.div_ceil(100) {
        let batch: Vec<_> = (0..(sockets_wanted - chunk * 100).min(100))
            .map(|_| {
                let a = args.clone();
                tokio::spawn(async move {
                    if echo {
                        connect_echo(&a).await
                    } else {
                        connect(&a).await.map(|(ws, _)| ws)
                    }
                })
            })
            .collect();
        for t in batch {
            sockets.push(t.await.map_err(|e| e.to_string())??);
        }
    }
    println!(
        "{} sockets open on {} ({})",
        sockets.len(),
        args.addr,
        if echo { "echo" } else { "shopchat" }
    );

    for round in 0..rounds {
        let cpu_before = args.server_pid.and_then(cpu_time);
        let started = Instant::now();
        let tasks: Vec<_> = sockets
            .into_iter()
            .enumerate()
            .map(|(i, ws)| {
                // Built before the clock matters as little as possible: the generator shares
                // the cores with the server.
                let frames = frames(&args.origin, i + round, events);
                tokio::spawn(send_and_wait(ws, frames, echo))
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
        sockets = kept;
        let total = ok * events;
        let cpu = match (cpu_before, args.server_pid.and_then(cpu_time)) {
            (Some(a), Some(b)) => format!(
                ", server CPU {:.2} s = {:.2} µs/event",
                (b - a).as_secs_f64(),
                (b - a).as_secs_f64() * 1e6 / total.max(1) as f64
            ),
            _ => String::new(),
        };
        println!(
            "round {round}: {total} events by {ok} sockets in {secs:.2} s = {:.0} events/s{cpu}",
            total as f64 / secs
        );
    }
    for mut ws in sockets {
        let _ = ws.close(None).await;
    }
    Ok(())
}

/// One socket's `page_view` frames, over 50 product pages.
fn frames(origin: &str, seed: usize, events: usize) -> Vec<String> {
    (0..events)
        .map(|e| {
            json!({ "type": "event", "name": "page_view",
                "props": { "url": format!("{origin}/products/{}", (seed + e) % 50), "type": "product" } })
            .to_string()
        })
        .collect()
}

/// Sends every frame without waiting, then the barrier; waits for the server's refusal of the
/// barrier (or, from an echo server, for the barrier's echo after every event's).
async fn send_and_wait(mut ws: Ws, frames: Vec<String>, echo: bool) -> (Ws, bool) {
    let sent = frames.len();
    for frame in frames {
        if ws.feed(Message::text(frame)).await.is_err() {
            return (ws, false);
        }
    }
    if ws
        .send(Message::text(r#"{"type":"barrier"}"#))
        .await
        .is_err()
    {
        return (ws, false);
    }
    let mut echoed = 0usize;
    loop {
        match next_json(&mut ws).await {
            Ok(f) if echo && f["type"] == "barrier" => return (ws, echoed == sent),
            Ok(f) if echo && f["type"] == "event" => echoed += 1,
            Ok(f) if !echo && f["type"] == "error" && f["code"] == "unknown_type" => {
                return (ws, true);
            }
            Ok(f) if !echo && f["type"] == "error" => {
                eprintln!("refused: {f}");
                return (ws, false);
            }
            Ok(_) => continue,
            Err(_) => return (ws, false),
        }
    }
}

/// Opens a socket on the echo server and checks that it echoes a hello.
async fn connect_echo(args: &Args) -> Result<Ws, String> {
    let url = format!("ws://{}/ws/shopper?site={}", args.addr, args.site);
    let request = url.into_client_request().map_err(|e| e.to_string())?;
    let (mut ws, _) = tokio_tungstenite::connect_async_with_config(request, None, true)
        .await
        .map_err(|e| e.to_string())?;
    ws.send(Message::text(r#"{"type":"hello"}"#))
        .await
        .map_err(|e| e.to_string())?;
    match next_json(&mut ws).await? {
        f if f["type"] == "hello" => Ok(ws),
        other => Err(format!("echo server answered {other}")),
    }
}

/// Gives the site (by its public key) `n` rules, counting those it has.
async fn ensure_rules(args: &Args, n: usize) -> Result<(), String> {
    let base = format!("http://{}/api/v1", args.addr);
    let http = reqwest::Client::new();
    let token = login(
        &http,
        &base,
        &args.text("owner-email", ""),
        &args.text("owner-password", ""),
    )
    .await?;
    let site = site_id(&http, &base, &token, &args.site).await?;
    let get = |url: String| http.get(url).bearer_auth(&token).send();
    let existing: Value = get(format!("{base}/sites/{site}/rules"))
        .await
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())?;
    let have = existing["rules"].as_array().map_or(0, Vec::len);
    for i in have..n {
        let status = http
            .post(format!("{base}/sites/{site}/rules"))
            .bearer_auth(&token)
            .json(&rule(i))
            .send()
            .await
            .map_err(|e| e.to_string())?
            .status();
        if !status.is_success() {
            return Err(format!("creating rule {i}: {status}"));
        }
    }
    println!("site {site}: {} rules (had {have})", n.max(have));
    Ok(())
}

/// Rule `i` of the benchmark's set (benches/hot_path.rs, `rule_set`).
fn rule(i: usize) -> Value {
    if i.is_multiple_of(10) {
        json!({ "name": format!("dwell {i}"), "priority": i, "when": "page_view",
            "conditions": { "all": [
                { "fact": "page.type", "op": "eq", "value": "product" },
                { "fact": "page.path", "op": "matches", "glob": format!("/products/{i}/**") },
                { "fact": "time_on_page", "op": "gte", "value": 40 } ] },
            "actions": [{ "type": "message", "text": "Need help?" }] })
    } else {
        json!({ "name": format!("rule {i}"), "priority": i, "when": format!("custom_{}", i % 7),
            "conditions": { "any": [
                { "fact": "cart.total", "op": "gte", "value": 1000 + i },
                { "fact": "utm.campaign", "op": "eq", "value": format!("c{i}") } ] },
            "actions": [{ "type": "tag", "tag": "t" }] })
    }
}
