//! `--mode soak`: a steady, moderate load for a long time, to see whether the server's memory
//! settles. `--concurrent N` shopper slots (200) each run one shopper after another: connect,
//! `hello`, page views and messages interleaved at the slot's share of `--rate` msg/s (100) and
//! `--events-rate` events/s (400), then close; a new shopper takes the slot at once. Each shopper
//! sends `--messages` (2) messages, each waited for until its `ack`, and as many page views as
//! keep the two rates in proportion. Shoppers come from `--addresses N` (1) loopback addresses
//! (127.0.0.1 upwards) in turn, so per-address state on the server sees clients come and go.
//! Optionally `--agents N` agents (logged in with
//! `--agent-email a@x,b@x` and `--agent-password`) answer each chat's first shopper message.
//!
//! Prints every `--report-secs` (60): elapsed minutes, server RSS, achieved rates, ack p99 and
//! errors in the window; at the end the RSS at `--reference-min` (10, or the run's half when
//! shorter) beside the final RSS and their ratio. Runs `--minutes M` (10).

use crate::common::{Args, Ws, agent_socket, login, ms, next_json, percentile, say_hello};
use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

/// What the slots count, read and reset by the reporter each window.
#[derive(Default)]
struct Tally {
    shoppers: AtomicU64,
    events: AtomicU64,
    acked: AtomicU64,
    agent_replies: AtomicU64,
    errors: AtomicU64,
    acks: Mutex<Vec<Duration>>,
}

/// Runs the soak until `--minutes` have passed, then prints the RSS comparison.
pub async fn run(args: Arc<Args>) -> Result<(), String> {
    args.need_site()?;
    let rate: f64 = args.num("rate", 100.0)?;
    let events_rate: f64 = args.num("events-rate", 400.0)?;
    let minutes: f64 = args.num("minutes", 10.0)?;
    let concurrent: usize = args.num("concurrent", 200)?;
    let report_secs: u64 = args.num("report-secs", 60)?;
    let messages: usize = args.num("messages", 2)?;
    let agents: usize = args.num("agents", 0)?;
    let addresses: u64 = args.num("addresses", 1)?.clamp(1, 1 << 23);
    let reference_min: f64 = args.num("reference-min", 10.0f64.min(minutes / 2.0))?;
    if rate <= 0.0 || concurrent == 0 || messages == 0 {
        return Err("--rate, --concurrent and --messages must be positive".into());
    }
    // Page views per shopper so that events and messages keep the asked proportion.
    let pages = ((messages as f64) * events_rate / rate).round() as usize;
    // Each slot sends its share of all frames, one every `gap`.
    let gap = Duration::from_secs_f64(concurrent as f64 / (rate + events_rate));
    println!(
        "soak: {concurrent} shopper slots, {messages} messages + {pages} page views per shopper, one frame per {:.0} ms per slot, {minutes} min",
        ms(gap)
    );

    let tally = Arc::new(Tally::default());
    let stop = Arc::new(AtomicBool::new(false));
    let mut agent_tasks = Vec::new();
    for n in 0..agents {
        let socket = soak_agent(&args, n).await?;
        agent_tasks.push(tokio::spawn(answer(
            socket,
            (n, agents),
            tally.clone(),
            stop.clone(),
        )));
    }
    let slots: Vec<_> = (0..concurrent)
        .map(|slot| {
            let (args, tally, stop) = (args.clone(), tally.clone(), stop.clone());
            tokio::spawn(async move {
                let mut serial = 0u64;
                // Slots start spread over one gap, so frames arrive evenly; each keeps its own
                // schedule across its shoppers, so connecting costs no rate.
                let mut next =
                    tokio::time::Instant::now() + gap.mul_f64(slot as f64 / concurrent as f64);
                while !stop.load(Relaxed) {
                    serial += 1;
                    let id = format!("k{slot}x{serial}");
                    // Shoppers come from `--addresses` loopback addresses in turn, so the
                    // server's per-address state sees many clients come and go.
                    let n = (slot as u64 + serial * concurrent as u64) % addresses;
                    let source = std::net::Ipv4Addr::from(0x7f00_0001 + n as u32);
                    if let Err(e) = shopper(
                        &args,
                        &id,
                        (pages, messages),
                        (&mut next, gap),
                        source,
                        &tally,
                    )
                    .await
                    {
                        if tally.errors.fetch_add(1, Relaxed) < 5 {
                            eprintln!("shopper {id}: {e}");
                        }
                        tokio::time::sleep(Duration::from_millis(200)).await;
                    }
                }
            })
        })
        .collect();

    let started = Instant::now();
    let total = Duration::from_secs_f64(minutes * 60.0);
    let reference_at = Duration::from_secs_f64(reference_min * 60.0);
    let mut reference_rss = None;
    let mut tick = tokio::time::interval(Duration::from_secs(report_secs.max(1)));
    tick.tick().await;
    let mut window_start = Instant::now();
    println!(
        "min      RSS KiB   shoppers/s  events/s  msg/s  agent/s  ack p50 ms  ack p99 ms  errors"
    );
    loop {
        let deadline = tokio::time::Instant::from_std(started + total);
        let done = tokio::select! {
            _ = tick.tick() => false,
            _ = tokio::time::sleep_until(deadline) => true,
        };
        let secs = window_start.elapsed().as_secs_f64();
        window_start = Instant::now();
        let mut acks = std::mem::take(&mut *tally.acks.lock().unwrap());
        acks.sort();
        let rss = args.server_rss_kib();
        if reference_rss.is_none() && started.elapsed() >= reference_at {
            reference_rss = rss;
        }
        println!(
            "{:5.1}  {:>10}  {:>10.1}  {:>8.0}  {:>5.0}  {:>7.0}  {:>10.1}  {:>10.1}  {}",
            started.elapsed().as_secs_f64() / 60.0,
            rss.map_or("-".to_string(), |r| r.to_string()),
            tally.shoppers.swap(0, Relaxed) as f64 / secs,
            tally.events.swap(0, Relaxed) as f64 / secs,
            tally.acked.swap(0, Relaxed) as f64 / secs,
            tally.agent_replies.swap(0, Relaxed) as f64 / secs,
            ms(percentile(&acks, 0.5)),
            ms(percentile(&acks, 0.99)),
            tally.errors.swap(0, Relaxed),
        );
        if done {
            break;
        }
    }
    stop.store(true, Relaxed);
    let final_rss = args.server_rss_kib();
    for t in slots {
        let _ = tokio::time::timeout(Duration::from_secs(30), t).await;
    }
    for t in agent_tasks {
        t.abort();
    }
    if let (Some(reference), Some(end)) = (reference_rss, final_rss) {
        println!(
            "server RSS: {reference} KiB at {reference_min} min, {end} KiB at the end ({minutes} min): ratio {:.3}",
            end as f64 / reference as f64
        );
    }
    Ok(())
}

/// One shopper's visit: hello, page views and messages interleaved one per `gap`, close.
async fn shopper(
    args: &Args,
    id: &str,
    (pages, messages): (usize, usize),
    (next, gap): (&mut tokio::time::Instant, Duration),
    source: std::net::Ipv4Addr,
    tally: &Tally,
) -> Result<(), String> {
    if *next < tokio::time::Instant::now() - gap * 10 {
        // Far behind (the server was slow): start afresh rather than send a burst.
        *next = tokio::time::Instant::now();
    }
    let (mut ws, _) = connect_from(args, source).await?;
    tally.shoppers.fetch_add(1, Relaxed);
    let frames = pages + messages;
    for f in 0..frames {
        *next += gap;
        tokio::time::sleep_until(*next).await;
        // Messages spread evenly among the page views, the last frame always a message.
        let is_message = (f + 1) * messages / frames != f * messages / frames;
        if is_message {
            let frame = json!({ "type": "message", "client_msg_id": format!("{id}m{f}"),
                "text": "Does this jacket run small?" });
            let sent = Instant::now();
            ws.send(Message::text(frame.to_string()))
                .await
                .map_err(|e| e.to_string())?;
            loop {
                let reply = next_json(&mut ws).await?;
                match reply["type"].as_str() {
                    Some("ack") => break,
                    Some("error") => return Err(format!("message refused: {reply}")),
                    _ => continue,
                }
            }
            tally.acks.lock().unwrap().push(sent.elapsed());
            tally.acked.fetch_add(1, Relaxed);
        } else {
            let page = json!({ "type": "event", "name": "page_view",
                "props": { "url": format!("{}/products/{}", args.origin, f % 50), "type": "product" } });
            ws.send(Message::text(page.to_string()))
                .await
                .map_err(|e| e.to_string())?;
            tally.events.fetch_add(1, Relaxed);
        }
    }
    // Close, and read until the server's close in the background, so the socket ends
    // cleanly on both sides while the slot's next shopper arrives.
    tokio::spawn(async move {
        let _ = ws.close(None).await;
        let _ = tokio::time::timeout(Duration::from_secs(5), async {
            while let Some(Ok(_)) = ws.next().await {}
        })
        .await;
    });
    Ok(())
}

/// Opens a shopper socket from the local address `source` and says hello.
async fn connect_from(args: &Args, source: std::net::Ipv4Addr) -> Result<(Ws, Duration), String> {
    let url = format!("ws://{}/ws/shopper?site={}", args.addr, args.site);
    let mut request = url.into_client_request().map_err(|e| e.to_string())?;
    request
        .headers_mut()
        .insert("Origin", args.origin.parse().map_err(|_| "bad origin")?);
    let started = Instant::now();
    let socket = tokio::net::TcpSocket::new_v4().map_err(|e| e.to_string())?;
    socket
        .bind((source, 0).into())
        .map_err(|e| format!("bind {source}: {e}"))?;
    let server: std::net::SocketAddr = args.addr.parse().map_err(|e| format!("--addr: {e}"))?;
    let stream = socket.connect(server).await.map_err(|e| e.to_string())?;
    stream.set_nodelay(true).map_err(|e| e.to_string())?;
    let (mut ws, _) =
        tokio_tungstenite::client_async(request, tokio_tungstenite::MaybeTlsStream::Plain(stream))
            .await
            .map_err(|e| e.to_string())?;
    say_hello(&mut ws, args).await?;
    Ok((ws, started.elapsed()))
}

/// Logs agent `n` in (over HTTP) and opens its authenticated socket.
async fn soak_agent(args: &Args, n: usize) -> Result<Ws, String> {
    let emails = args.text("agent-email", "");
    let email = emails
        .split(',')
        .nth(n)
        .filter(|e| !e.is_empty())
        .ok_or(format!("--agents needs an --agent-email for agent {n}"))?;
    let http = reqwest::Client::new();
    let api = format!("http://{}/api/v1", args.addr);
    let token = login(&http, &api, email, &args.text("agent-password", "")).await?;
    agent_socket(&args.addr, &token).await
}

/// Agent `n` answers the first shopper message of each chat it is shown, until the soak stops.
/// With several agents each answers only the conversations that hash to it, so none twice.
async fn answer(mut ws: Ws, (n, of): (usize, usize), tally: Arc<Tally>, stop: Arc<AtomicBool>) {
    let mut serial = 0u64;
    while !stop.load(Relaxed) {
        let frame = match tokio::time::timeout(Duration::from_secs(1), ws.next()).await {
            Err(_) => continue,
            Ok(Some(Ok(Message::Text(t)))) => match serde_json::from_str::<serde_json::Value>(&t) {
                Ok(f) => f,
                Err(_) => continue,
            },
            Ok(Some(Ok(_))) => continue,
            Ok(_) => {
                eprintln!("agent {n}: socket ended");
                return;
            }
        };
        let message = &frame["message"];
        // Only a chat's first shopper message is answered, which keeps each agent within the
        // socket's rate limit (`--rate-per-sec`, 20) at moderate load.
        if frame["type"] != "message"
            || message["author"]["kind"] != "shopper"
            || message["seq"] != 1
        {
            continue;
        }
        let Some(conversation) = message["conversation_id"].as_str() else {
            continue;
        };
        let mine = conversation.bytes().map(usize::from).sum::<usize>() % of == n;
        if !mine {
            continue;
        }
        serial += 1;
        let reply = json!({ "type": "message", "conversation_id": conversation,
            "client_msg_id": format!("a{n}r{serial}"), "text": "It runs true to size." });
        if ws.send(Message::text(reply.to_string())).await.is_err() {
            eprintln!("agent {n}: send failed");
            return;
        }
        tally.agent_replies.fetch_add(1, Relaxed);
    }
}
