//! `--mode chats`: steady chat traffic and how fast it reaches the agents.
//!
//! 1. Logs in `--agents N` (2) of the site's agents, all sharing `--password`, with the owner
//!    `--owner-email` (the same password) listing them; with `--capacity N` the owner first
//!    sets each one's routing capacity. Their dashboards connect to `--agent-addr` (default
//!    `--addr`: on two nodes over Redis, agents on node A and shoppers on node B).
//! 2. Opening phase: `--chats N` (1000) shopper sockets say hello, then each asks for a person
//!    (`handoff`), 100 at a time, with the agents online; the server's CPU time before and
//!    after (`--server-pid`; with `--agent-server-pid` the other node's too) divided by the
//!    conversations opened is the cost of opening and routing one.
//! 3. Steady phase: every chat sends messages at an even share of `--rate` (3000) msg/s for
//!    `--seconds` (20); each message carries its send time, so every agent socket measures
//!    shopper-send → agent-receives latency; the shopper measures send → ack.

use crate::common::{
    Args, Ws, agent_socket, connect, cpu_time, login, ms, next_json, percentile, site_id,
};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

/// Runs the chats mode.
pub async fn run(args: Arc<Args>) -> Result<(), String> {
    args.need_site()?;
    let agents_wanted: usize = args.num("agents", 2)?;
    let chats: usize = args.num("chats", 1000)?;
    let rate: f64 = args.num("rate", 3000.0)?;
    let seconds: f64 = args.num("seconds", 20.0)?;
    let capacity: u32 = args.num("capacity", 0)?;
    let agent_addr = args.text("agent-addr", &args.addr);
    let agent_pid: Option<u32> = args
        .extra
        .get("agent-server-pid")
        .and_then(|p| p.parse().ok());
    let owner = args.text("owner-email", "");
    let password = args.text("password", "");
    if owner.is_empty() || password.is_empty() {
        return Err("--owner-email and --password are required".into());
    }

    // Agents: the owner lists the site's team; each of the first N logs in and connects.
    let http = reqwest::Client::new();
    let api = format!("http://{agent_addr}/api/v1");
    let owner_token = login(&http, &api, &owner, &password).await?;
    let site_id = site_id(&http, &api, &owner_token, &args.site).await?;
    let team: Value = http
        .get(format!("{api}/sites/{site_id}/agents"))
        .bearer_auth(&owner_token)
        .send()
        .await
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())?;
    let members: Vec<Value> = team["agents"].as_array().cloned().unwrap_or_default();
    if members.len() < agents_wanted {
        return Err(format!(
            "the site has {} agents, --agents wants {agents_wanted}",
            members.len()
        ));
    }
    let epoch = Instant::now();
    let mut agent_tasks = Vec::new();
    let stop = Arc::new(tokio::sync::Notify::new());
    for member in members.iter().take(agents_wanted) {
        let id = member["id"].as_str().unwrap_or_default();
        if capacity > 0 {
            let r = http
                .patch(format!("{api}/sites/{site_id}/agents/{id}"))
                .bearer_auth(&owner_token)
                .json(&json!({ "capacity": capacity }))
                .send()
                .await
                .map_err(|e| e.to_string())?;
            if !r.status().is_success() {
                return Err(format!("setting capacity: {}", r.status()));
            }
        }
        let email = member["email"].as_str().unwrap_or_default();
        let token = login(&http, &api, email, &password).await?;
        let ws = agent_socket(&agent_addr, &token).await?;
        agent_tasks.push(tokio::spawn(agent_reader(ws, epoch, stop.clone())));
    }
    println!("agents: {agents_wanted} online on {agent_addr}");

    // Opening phase: every chat says hello and asks for a person, 100 at a time.
    let cpu_before = args.server_pid.and_then(cpu_time);
    let agent_cpu_before = agent_pid.and_then(cpu_time);
    let started = Instant::now();
    let mut shoppers = Vec::with_capacity(chats);
    let mut failures = 0usize;
    for chunk in 0..chats.div_ceil(100) {
        let batch: Vec<_> = (0..(chats - chunk * 100).min(100))
            .map(|_| {
                let a = args.clone();
                tokio::spawn(async move { open_chat(&a).await })
            })
            .collect();
        for t in batch {
            match t.await.map_err(|e| e.to_string())? {
                Ok(ws) => shoppers.push(ws),
                Err(e) => {
                    failures += 1;
                    if failures <= 3 {
                        eprintln!("opening a chat failed: {e}");
                    }
                }
            }
        }
    }
    let open_secs = started.elapsed().as_secs_f64();
    // The server may still be routing what it acknowledged: wait until its CPU stops moving.
    let cpu_after = settle(args.server_pid).await;
    let agent_cpu_after = settle(agent_pid).await;
    let opened = shoppers.len();
    println!("chats: {opened} opened (handoff → queued), {failures} failed, in {open_secs:.2} s");
    if let (Some(b), Some(a)) = (cpu_before, cpu_after) {
        let mut cpu = a.saturating_sub(b);
        if let (Some(b2), Some(a2)) = (agent_cpu_before, agent_cpu_after) {
            cpu += a2.saturating_sub(b2);
        }
        println!(
            "opening + routing: server CPU {:.2} s = {:.3} ms per conversation",
            cpu.as_secs_f64(),
            ms(cpu) / opened.max(1) as f64
        );
    }

    // Steady phase: each chat sends at rate / chats, spread evenly over the interval.
    let per_chat = rate / opened.max(1) as f64;
    let interval = Duration::from_secs_f64(1.0 / per_chat);
    let cpu_before = args.server_pid.and_then(cpu_time);
    let started = Instant::now();
    let deadline = started + Duration::from_secs_f64(seconds);
    let tasks: Vec<_> = shoppers
        .into_iter()
        .enumerate()
        .map(|(i, ws)| {
            let offset = interval.mul_f64(i as f64 / opened.max(1) as f64);
            tokio::spawn(chat_sender(
                ws,
                i,
                epoch,
                started + offset,
                interval,
                deadline,
            ))
        })
        .collect();
    let mut acks = Vec::new();
    let mut sent = 0usize;
    for t in tasks {
        let (n, mut a) = t.await.map_err(|e| e.to_string())?;
        sent += n;
        acks.append(&mut a);
    }
    let cpu_after = args.server_pid.and_then(cpu_time);
    let cpu_secs = started.elapsed().as_secs_f64();
    let secs = seconds;
    // Let the last frames arrive, then stop the agents' readers.
    tokio::time::sleep(Duration::from_secs(2)).await;
    stop.notify_waiters();
    let mut delivered = Vec::new();
    for t in agent_tasks {
        delivered.append(&mut t.await.map_err(|e| e.to_string())?);
    }
    acks.sort();
    delivered.sort();
    println!(
        "steady: {sent} messages sent, {} acknowledged, in {secs:.1} s = {:.0} msg/s",
        acks.len(),
        sent as f64 / secs
    );
    if let (Some(b), Some(a)) = (cpu_before, cpu_after) {
        println!(
            "steady: server CPU {:.0} % of one core (until the last ack)",
            a.saturating_sub(b).as_secs_f64() / cpu_secs * 100.0
        );
    }
    print_latency("send→ack", &acks);
    print_latency(
        &format!("shopper send→agent receives ({agents_wanted} agents)"),
        &delivered,
    );
    Ok(())
}

fn print_latency(what: &str, sorted: &[Duration]) {
    println!(
        "{what}: n {}, p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        sorted.len(),
        ms(percentile(sorted, 0.5)),
        ms(percentile(sorted, 0.99)),
        ms(percentile(sorted, 1.0))
    );
}

/// Waits until the process's CPU time stops growing (at most 30 s) and returns it.
async fn settle(pid: Option<u32>) -> Option<Duration> {
    let pid = pid?;
    let mut last = cpu_time(pid)?;
    for _ in 0..60 {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let now = cpu_time(pid)?;
        // Idle sockets cost a tick now and then: under 20 ms in 0.5 s is settled.
        if now.saturating_sub(last) < Duration::from_millis(20) {
            return Some(now);
        }
        last = now;
    }
    Some(last)
}

/// Owner login and the site id, for modes that set things up through the REST API.
pub async fn owner_api(args: &Args) -> Result<(reqwest::Client, String, String, String), String> {
    let http = reqwest::Client::new();
    let api = format!("http://{}/api/v1", args.addr);
    let owner = args.text("owner-email", "");
    let password = args.text("password", "");
    let token = login(&http, &api, &owner, &password).await?;
    let site = site_id(&http, &api, &token, &args.site).await?;
    Ok((http, api, token, site))
}

/// Reads an agent socket until told to stop; returns the latency of every shopper message
/// that carried a send time (`lt:<µs since epoch>`).
async fn agent_reader(mut ws: Ws, epoch: Instant, stop: Arc<tokio::sync::Notify>) -> Vec<Duration> {
    let mut out = Vec::new();
    let stopped = stop.notified();
    tokio::pin!(stopped);
    loop {
        tokio::select! {
            _ = &mut stopped => return out,
            frame = ws.next() => match frame {
                Some(Ok(Message::Text(t))) => {
                    // Cheap check first: most frames are messages, every one is parsed anyway.
                    let Ok(f) = serde_json::from_str::<Value>(&t) else { continue };
                    if f["type"] != "message" {
                        continue;
                    }
                    if let Some(us) = f["message"]["text"].as_str().and_then(|t| t.strip_prefix("lt:")).and_then(|s| s.split(' ').next()).and_then(|s| s.parse::<u64>().ok()) {
                        out.push(epoch.elapsed().saturating_sub(Duration::from_micros(us)));
                    }
                }
                Some(Ok(_)) => {}
                _ => return out,
            }
        }
    }
}

/// A shopper who said hello and asked for a person; its conversation is queued (and routed).
async fn open_chat(args: &Args) -> Result<Ws, String> {
    let (mut ws, _) = connect(args).await?;
    ws.send(Message::text(r#"{"type":"handoff"}"#))
        .await
        .map_err(|e| e.to_string())?;
    loop {
        let f = next_json(&mut ws).await?;
        if f["type"] == "status" {
            return Ok(ws);
        }
        if f["type"] == "error" {
            return Err(format!("handoff refused: {f}"));
        }
    }
}

/// Sends one message per `interval` from `first` until `deadline`; returns how many were
/// sent and each one's send → ack time.
async fn chat_sender(
    ws: Ws,
    chat: usize,
    epoch: Instant,
    first: Instant,
    interval: Duration,
    deadline: Instant,
) -> (usize, Vec<Duration>) {
    let (mut sink, mut stream) = ws.split();
    // Acks land in a shared list, so those read before the reader is stopped all count.
    let acks = Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = acks.clone();
    let reader = tokio::spawn(async move {
        while let Some(Ok(frame)) = stream.next().await {
            let Message::Text(t) = frame else { continue };
            let Ok(f) = serde_json::from_str::<Value>(&t) else {
                continue;
            };
            if f["type"] != "ack" {
                continue;
            }
            // The key is `c<chat>-<µs since epoch>`.
            if let Some(us) = f["client_msg_id"]
                .as_str()
                .and_then(|k| k.rsplit('-').next())
                .and_then(|s| s.parse::<u64>().ok())
            {
                let took = epoch.elapsed().saturating_sub(Duration::from_micros(us));
                seen.lock().unwrap().push(took);
            }
        }
    });
    let mut ticker = tokio::time::interval_at(first.into(), interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut sent = 0usize;
    loop {
        ticker.tick().await;
        if Instant::now() >= deadline {
            break;
        }
        let us = epoch.elapsed().as_micros();
        let frame = json!({ "type": "message", "client_msg_id": format!("c{chat}-{us}"),
            "text": format!("lt:{us} Does this jacket run small?") });
        if sink.send(Message::text(frame.to_string())).await.is_err() {
            break;
        }
        sent += 1;
    }
    // Acks still in flight: wait for them (at most 10 s), then stop reading.
    let until = Instant::now() + Duration::from_secs(10);
    while acks.lock().unwrap().len() < sent && Instant::now() < until {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    reader.abort();
    let _ = sink.close().await;
    let acks = std::mem::take(&mut *acks.lock().unwrap());
    (sent, acks)
}
