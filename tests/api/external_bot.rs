//! The shop's own bot behind a webhook: it answers for the site, hands off when it says so,
//! and its failures (an error, no answer in time) hand off too.

use crate::common::http_peer::{header, read_request};
use crate::common::spawn_app_with;
use serde_json::{Value, json};

/// A request the fake external bot received.
struct BotCall {
    timestamp: String,
    signature: String,
    body: Value,
}

/// A tiny HTTP server standing in for a shop's bot: it answers by the shopper's words —
/// "hello" gets text, "refund" text and a handoff, "boom" a 500, "slow" no answer at all.
async fn fake_bot() -> (String, tokio::sync::mpsc::Receiver<BotCall>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/bot", listener.local_addr().unwrap());
    let (tx, rx) = tokio::sync::mpsc::channel(16);
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let tx = tx.clone();
            tokio::spawn(async move {
                let Some((head, body)) = read_request(&mut socket).await else {
                    return;
                };
                let header = |name: &str| header(&head, name);
                let body: Value = serde_json::from_str(&body).unwrap();
                let said = body["message"]["text"].as_str().unwrap_or("").to_owned();
                let _ = tx
                    .send(BotCall {
                        timestamp: header("x-shopchat-timestamp"),
                        signature: header("x-shopchat-signature"),
                        body,
                    })
                    .await;
                let (status, reply) = if said.contains("slow") {
                    // Never answers: the connection stays open until the test ends.
                    let _ = socket.read(&mut [0u8; 64]).await;
                    return;
                } else if said.contains("boom") {
                    ("500 Internal Server Error", "{}".to_owned())
                } else if said.contains("refund") {
                    (
                        "200 OK",
                        json!({ "text": "Let me get a colleague for that.", "handoff": true })
                            .to_string(),
                    )
                } else {
                    (
                        "200 OK",
                        json!({ "text": "Hi from the shop's bot!" }).to_string(),
                    )
                };
                let response = format!(
                    "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{reply}",
                    reply.len()
                );
                let _ = socket.write_all(response.as_bytes()).await;
            });
        }
    });
    (url, rx)
}

#[tokio::test]
async fn the_external_bot_answers_hands_off_and_its_failures_hand_off_too() {
    let app = spawn_app_with(|s| s.allow_http_webhooks = true).await;
    let owner = app.owner_token().await;
    let (url, mut calls) = fake_bot().await;
    app.chat_settings(
        &owner,
        json!({ "bot_webhook_url": url, "bot_webhook_timeout_ms": 300, "bot_name": "Shopbot" }),
    )
    .await;
    let site: Value = app
        .get_json(&format!("/api/v1/sites/{}", app.seed.site_id), &owner)
        .await;
    let secret = site["identity_secret"].as_str().unwrap().to_owned();

    // It answers: the reply is the bot's, labelled as such; the call was signed.
    let mut shopper = app.shopper().await;
    shopper.hello(json!({})).await;
    shopper
        .send(json!({ "type": "message", "client_msg_id": "h", "text": "hello there" }))
        .await;
    let reply = loop {
        let (m, _) = shopper.recv_type("message").await;
        if m["author"]["kind"] == "bot" {
            break m;
        }
    };
    assert_eq!(reply["text"], "Hi from the shop's bot!");
    assert_eq!(reply["author"]["name"], "Shopbot");
    let call = calls.recv().await.unwrap();
    assert_eq!(call.body["message"]["text"], "hello there");
    assert_eq!(call.body["conversation"]["id"], reply["conversation_id"]);
    let signed = format!("{}.{}", call.timestamp, call.body);
    assert_eq!(
        call.signature,
        shopchat::webhooks::signature(&secret, &signed),
        "HMAC-SHA256 over `timestamp.body`"
    );

    // It hands off (with its text first), fails, or says nothing in time: each goes to people.
    for (text, says) in [
        ("I want a refund", Some("Let me get a colleague for that.")),
        ("boom", None),
        ("slow answer please", None),
    ] {
        let mut shopper = app.shopper().await;
        shopper.hello(json!({})).await;
        shopper
            .send(json!({ "type": "message", "client_msg_id": "x", "text": text }))
            .await;
        let mut bot_lines = Vec::new();
        let status = loop {
            let frame = shopper.recv().await;
            if frame["type"] == "message" && frame["author"]["kind"] == "bot" {
                bot_lines.push(frame["text"].as_str().unwrap().to_owned());
            }
            if frame["type"] == "status" && frame["state"] == "queued" {
                break frame;
            }
        };
        assert_eq!(
            bot_lines,
            says.map(str::to_owned).into_iter().collect::<Vec<_>>(),
            "{text}"
        );
        let id = status["conversation_id"].as_str().unwrap();
        let stored = app.conversation(&owner, id).await;
        assert_eq!(
            stored["conversation"]["handoff_reason"], "external_bot",
            "{text}"
        );
        calls.recv().await.unwrap();
    }
    app.stop().await;
}
