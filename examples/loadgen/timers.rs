//! `--mode timers`: how late proactive messages arrive when many shoppers arm their timers
//! at the same moment.
//!
//! The owner (`--owner-email`, `--password`) saves a rule that sends a message `--delay S`
//! (5) seconds after a page view (once per session; the site's other rules are left as they
//! are, so run it on a site without any). `--sockets N` (10000) shopper sockets connect first,
//! then all say hello at once; each waits for the rule's message and measures how late it came
//! after it was due (`welcome` + delay; also from `hello` sent + delay, which adds the time
//! the server took to answer the hello). `--bare 1` skips the rule and the site (`--site x
//! --origin x` will do) for the floor: `examples/timer_floor.rs` answers the same hello the
//! same way with a bare tokio timer.

use crate::common::{Args, Ws, ms, next_json, percentile};
use futures_util::SinkExt;
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

/// Runs the timers mode.
pub async fn run(args: Arc<Args>) -> Result<(), String> {
    args.need_site()?;
    let sockets: usize = args.num("sockets", 10_000)?;
    let delay: u64 = args.num("delay", 5)?;
    let bare: u8 = args.num("bare", 0)?;
    if bare == 0 {
        let (http, api, token, site) = crate::chats::owner_api(&args).await?;
        let rule = json!({
            "name": format!("loadgen timer {delay}s"),
            "when": ["page_view"],
            "conditions": { "all": [{ "fact": "time_on_page", "op": "gte", "value": delay }] },
            "actions": [{ "type": "message", "text": "Need a hand?" }],
            "frequency": { "once_per": "session" }
        });
        let r = http
            .post(format!("{api}/sites/{site}/rules"))
            .bearer_auth(&token)
            .json(&rule)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if !r.status().is_success() {
            return Err(format!(
                "saving the rule: {} {:?}",
                r.status(),
                r.text().await
            ));
        }
    }

    // Connect every socket first (100 at a time), hello nobody yet.
    let started = Instant::now();
    let mut open = Vec::with_capacity(sockets);
    for chunk in 0..sockets.div_ceil(100) {
        let batch: Vec<_> = (0..(sockets - chunk * 100).min(100))
            .map(|_| {
                let a = args.clone();
                tokio::spawn(async move { raw_connect(&a).await })
            })
            .collect();
        for t in batch {
            open.push(t.await.map_err(|e| e.to_string())??);
        }
    }
    println!(
        "sockets: {} connected in {:.1} s",
        open.len(),
        started.elapsed().as_secs_f64()
    );

    // All say hello at once; each then waits for its proactive message.
    let due_in = Duration::from_secs(delay);
    let go = Arc::new(tokio::sync::Barrier::new(open.len()));
    let tasks: Vec<_> = open
        .into_iter()
        .map(|ws| {
            let go = go.clone();
            let origin = args.origin.clone();
            tokio::spawn(async move { hello_and_wait(ws, go, origin, due_in).await })
        })
        .collect();
    let mut from_welcome = Vec::new();
    let mut from_hello = Vec::new();
    let mut welcomes = Vec::new();
    let mut failed = 0usize;
    for t in tasks {
        match t.await.map_err(|e| e.to_string())? {
            Ok((w, h, welcome)) => {
                from_welcome.push(w);
                from_hello.push(h);
                welcomes.push(welcome);
            }
            Err(e) => {
                failed += 1;
                if failed <= 3 {
                    eprintln!("socket failed: {e}");
                }
            }
        }
    }
    from_welcome.sort();
    from_hello.sort();
    welcomes.sort();
    let what = if bare == 0 { "shopchat" } else { "bare" };
    println!(
        "{what}: {} proactive messages, {failed} sockets failed; hello→welcome p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        from_welcome.len(),
        ms(percentile(&welcomes, 0.5)),
        ms(percentile(&welcomes, 0.99)),
        ms(percentile(&welcomes, 1.0))
    );
    for (name, v) in [("welcome", &from_welcome), ("hello sent", &from_hello)] {
        println!(
            "{what}: lateness after {name} + {delay} s: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            ms(percentile(v, 0.5)),
            ms(percentile(v, 0.99)),
            ms(percentile(v, 1.0))
        );
    }
    Ok(())
}

async fn raw_connect(args: &Args) -> Result<Ws, String> {
    let url = format!("ws://{}/ws/shopper?site={}", args.addr, args.site);
    let mut request = url.into_client_request().map_err(|e| e.to_string())?;
    request
        .headers_mut()
        .insert("Origin", args.origin.parse().map_err(|_| "bad origin")?);
    let (ws, _) = tokio_tungstenite::connect_async_with_config(request, None, true)
        .await
        .map_err(|e| e.to_string())?;
    Ok(ws)
}

/// Says hello when every socket is ready; returns lateness after welcome + delay, lateness
/// after hello sent + delay, and hello → welcome.
async fn hello_and_wait(
    mut ws: Ws,
    go: Arc<tokio::sync::Barrier>,
    origin: String,
    due_in: Duration,
) -> Result<(Duration, Duration, Duration), String> {
    go.wait().await;
    let hello = json!({ "type": "hello", "page": { "url": format!("{origin}/products/1") } });
    let sent = Instant::now();
    ws.send(Message::text(hello.to_string()))
        .await
        .map_err(|e| e.to_string())?;
    let welcome = loop {
        let f = next_json(&mut ws).await?;
        if f["type"] == "welcome" {
            break Instant::now();
        }
    };
    loop {
        let f = next_json(&mut ws).await?;
        // The rule's message (as the bot) comes first, then `proactive`.
        if f["type"] == "message" {
            let now = Instant::now();
            let _ = ws.close(None).await;
            return Ok((
                now.saturating_duration_since(welcome + due_in),
                now.saturating_duration_since(sent + due_in),
                welcome - sent,
            ));
        }
    }
}
