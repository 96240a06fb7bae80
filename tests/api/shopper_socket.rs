use crate::common::{DEADLINE, SHOP_ORIGIN, Shopper, spawn_app, spawn_app_with};
use serde_json::json;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

fn refused_status(result: Result<Shopper, WsError>) -> u16 {
    match result {
        Err(WsError::Http(response)) => response.status().as_u16(),
        Err(other) => panic!("expected an HTTP refusal, got {other}"),
        Ok(_) => panic!("expected a refusal, but the socket opened"),
    }
}

#[tokio::test]
async fn only_the_sites_exact_origins_may_open_the_socket() {
    let app = spawn_app().await;
    let url = app.ws_url(&app.seed.public_key);
    for origin in [
        None,
        Some("https://evil.example"),
        Some("https://shop.example.evil"),
        Some("http://shop.example"),
        Some("https://shop.example:8443"),
        Some("null"),
        Some("https://other.example"), // allowed for the other site, not this one
    ] {
        assert_eq!(
            refused_status(Shopper::connect(&url, origin).await),
            403,
            "{origin:?}"
        );
    }
    // The allowed origin, also written with a trailing-slash-free upper-case host, connects.
    Shopper::connect(&url, Some(SHOP_ORIGIN))
        .await
        .expect("allowed origin");
    Shopper::connect(&url, Some("https://SHOP.example"))
        .await
        .expect("origin hosts are case-insensitive");

    let unknown = format!(
        "ws://127.0.0.1:{}/ws/shopper?site=pk_doesnotexist",
        app.port
    );
    assert_eq!(
        refused_status(Shopper::connect(&unknown, Some(SHOP_ORIGIN)).await),
        404
    );
    let no_site = format!("ws://127.0.0.1:{}/ws/shopper", app.port);
    assert_eq!(
        refused_status(Shopper::connect(&no_site, Some(SHOP_ORIGIN)).await),
        400
    );
    app.stop().await;
}

#[tokio::test]
async fn hello_gets_a_welcome_with_visitor_and_session() {
    let app = spawn_app().await;
    let mut shopper = app.shopper().await;
    let welcome = shopper.hello(json!({ "v": 1 })).await;
    assert!(welcome["visitor_id"].as_str().unwrap().starts_with("v_"));
    assert!(welcome["session"].as_str().unwrap().len() > 20);
    assert_eq!(welcome["v"], 1);
    assert_eq!(welcome["conversations"], json!([]));

    shopper.send(json!({ "type": "hello" })).await;
    assert_eq!(shopper.recv().await["code"], "already_hello");
    app.stop().await;
}

#[tokio::test]
async fn frames_before_hello_and_unsupported_versions_are_refused_and_the_socket_stays_open() {
    let app = spawn_app().await;
    let mut shopper = app.shopper().await;
    shopper
        .send(json!({ "type": "message", "client_msg_id": "a", "text": "hi" }))
        .await;
    assert_eq!(shopper.recv().await["code"], "hello_required");
    shopper.send(json!({ "type": "hello", "v": 99 })).await;
    let error = shopper.recv().await;
    assert_eq!(
        (error["code"].as_str(), error["field"].as_str()),
        (Some("unsupported_version"), Some("v"))
    );
    shopper.hello(json!({})).await;
    app.stop().await;
}

#[tokio::test]
async fn malformed_frames_get_error_frames_naming_the_problem_and_the_socket_stays_open() {
    let app = spawn_app_with(|s| s.limits.max_message_chars = 50).await;
    let mut shopper = app.shopper().await;
    shopper.hello(json!({})).await;
    let cases = [
        ("{not json", "bad_json", None),
        ("[1,2]", "bad_json", None),
        (r#"{"text":"no type"}"#, "missing_field", Some("type")),
        (r#"{"type":"dance"}"#, "unknown_type", Some("type")),
        (
            r#"{"type":"message","client_msg_id":"a1"}"#,
            "missing_field",
            Some("text"),
        ),
        (
            r#"{"type":"message","client_msg_id":"a1","text":42}"#,
            "invalid_field",
            Some("text"),
        ),
        (
            r#"{"type":"message","client_msg_id":"has space","text":"hi"}"#,
            "invalid_field",
            Some("client_msg_id"),
        ),
        (
            r#"{"type":"message","client_msg_id":"a2","text":"   "}"#,
            "invalid_field",
            Some("text"),
        ),
        (
            r#"{"type":"event","name":"Bad Name"}"#,
            "invalid_field",
            Some("name"),
        ),
        (
            r#"{"type":"event","name":"page_view","props":{"url":"javascript:alert(1)"}}"#,
            "invalid_field",
            Some("props.url"),
        ),
        (
            r#"{"type":"read","conversation_id":"c_nothere1234","seq":1}"#,
            "unknown_conversation",
            Some("conversation_id"),
        ),
    ];
    for (raw, code, field) in cases {
        shopper.send_raw(Message::text(raw)).await;
        let error = shopper.recv().await;
        assert_eq!(error["type"], "error", "{raw}");
        assert_eq!(error["code"], code, "{raw}: {error}");
        assert_eq!(error["field"].as_str(), field, "{raw}: {error}");
        assert!(!error["message"].as_str().unwrap().is_empty());
    }
    let too_long = json!({ "type": "message", "client_msg_id": "a3", "text": "x".repeat(51) });
    shopper.send(too_long).await;
    let error = shopper.recv().await;
    assert_eq!(
        (error["code"].as_str(), error["field"].as_str()),
        (Some("text_too_long"), Some("text"))
    );

    shopper.send_raw(Message::binary(vec![1u8, 2, 3])).await;
    assert_eq!(shopper.recv().await["code"], "bad_json");

    // Still open and working: a valid message is stored and acknowledged.
    shopper
        .send(json!({ "type": "message", "client_msg_id": "ok", "text": "x".repeat(50) }))
        .await;
    let (ack, _) = shopper.recv_type("ack").await;
    assert_eq!(ack["seq"], 1);
    app.stop().await;
}

#[tokio::test]
async fn a_frame_over_the_size_limit_closes_with_1009() {
    let app = spawn_app().await;
    let mut shopper = app.shopper().await;
    shopper.hello(json!({})).await;
    let big = json!({ "type": "message", "client_msg_id": "big", "text": "x".repeat(17 * 1024) });
    shopper.send(big).await;
    let close = shopper.closed().await.expect("a close frame");
    assert_eq!(close.code, CloseCode::Size);
    app.stop().await;
}

#[tokio::test]
async fn a_flooding_shopper_is_told_to_slow_down_then_closed() {
    let app = spawn_app_with(|s| {
        s.limits.rate_per_sec = 2;
        s.limits.rate_burst = 5;
        s.limits.rate_strikes = 30;
    })
    .await;
    let mut shopper = app.shopper().await;
    shopper.hello(json!({})).await;
    for _ in 0..100 {
        shopper
            .send(json!({ "type": "typing", "active": true }))
            .await;
    }
    let (limited, _) = shopper.recv_type("error").await;
    assert_eq!(limited["code"], "rate_limited");
    let close = shopper.closed().await.expect("a close frame");
    assert_eq!(close.code, CloseCode::Policy);

    // Other shoppers are unaffected.
    let mut calm = app.shopper().await;
    calm.hello(json!({})).await;
    app.stop().await;
}

#[tokio::test]
async fn the_server_pings_and_closes_a_silent_socket() {
    let app = spawn_app_with(|s| {
        s.limits.ping_interval = Duration::from_millis(100);
        s.limits.idle_timeout = Duration::from_millis(400);
    })
    .await;

    // A raw client that completes the handshake and then never answers anything.
    let mut tcp = tokio::net::TcpStream::connect(("127.0.0.1", app.port))
        .await
        .unwrap();
    let request = upgrade_request(&app.seed.public_key);
    tcp.write_all(request.as_bytes()).await.unwrap();
    let mut seen = Vec::new();
    let mut buf = [0u8; 1024];
    let outcome = tokio::time::timeout(DEADLINE, async {
        loop {
            let n = tcp.read(&mut buf).await.unwrap();
            if n == 0 {
                return;
            }
            seen.extend_from_slice(&buf[..n]);
            // 0x88 is an unmasked close frame; its payload starts with the code 1001 (0x03e9).
            if seen.windows(2).any(|w| w == [0x03, 0xe9]) && seen.contains(&0x88) {
                return;
            }
        }
    })
    .await;
    assert!(
        outcome.is_ok(),
        "the silent socket is closed before the deadline"
    );
    let text = String::from_utf8_lossy(&seen);
    assert!(text.starts_with("HTTP/1.1 101"), "{text}");
    assert!(
        seen.contains(&0x89),
        "the server pinged (0x89) before giving up"
    );
    let at = seen.iter().rposition(|&b| b == 0x88).unwrap();
    assert_eq!(
        &seen[at + 2..at + 4],
        &[0x03, 0xe9],
        "close code 1001 (going away)"
    );

    // A client that answers pings outlives several idle timeouts.
    let mut alive = app.shopper().await;
    alive.hello(json!({})).await;
    alive.pings(10).await;
    alive
        .send(json!({ "type": "message", "client_msg_id": "x", "text": "still here" }))
        .await;
    alive.recv_type("ack").await;
    app.stop().await;
}

#[tokio::test]
async fn stopping_the_server_closes_sockets_with_service_restart() {
    let app = spawn_app().await;
    let mut shopper = app.shopper().await;
    shopper.hello(json!({})).await;
    let stopping = tokio::spawn(app.stop());
    let close = shopper.closed().await.expect("a close frame");
    assert_eq!(close.code, CloseCode::Restart);
    stopping.await.unwrap();
}

/// A WebSocket upgrade request from the shop's origin, for raw-socket tests that must not
/// answer pings or must not read.
fn upgrade_request(public_key: &str) -> String {
    format!(
        "GET /ws/shopper?site={public_key} HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: {SHOP_ORIGIN}\r\n\
         Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
         Sec-WebSocket-Version: 13\r\n\r\n"
    )
}

/// A masked client text frame, written by hand for a raw socket.
fn client_text_frame(text: &str) -> Vec<u8> {
    let payload = text.as_bytes();
    let mut frame = vec![0x81];
    if payload.len() < 126 {
        frame.push(0x80 | payload.len() as u8);
    } else {
        frame.push(0x80 | 126);
        frame.extend_from_slice(&(payload.len() as u16).to_be_bytes());
    }
    let mask = [0x12, 0x34, 0x56, 0x78];
    frame.extend_from_slice(&mask);
    frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
    frame
}

#[tokio::test]
async fn a_shopper_too_slow_to_read_is_dropped_and_others_are_not_held_up() {
    use serde_json::Value;
    let app = spawn_app_with(|s| s.limits.outbox_capacity = 4).await;
    let owner = app.owner_token().await;

    // A raw client with a tiny receive buffer that says hello, writes once, and never reads.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let mut slow = socket
        .connect(([127, 0, 0, 1], app.port).into())
        .await
        .unwrap();
    let request = upgrade_request(&app.seed.public_key);
    slow.write_all(request.as_bytes()).await.unwrap();
    slow.write_all(&client_text_frame(r#"{"type":"hello"}"#))
        .await
        .unwrap();
    slow.write_all(&client_text_frame(
        r#"{"type":"message","client_msg_id":"s1","text":"hi"}"#,
    ))
    .await
    .unwrap();

    // Find the slow shopper's conversation through the API once its message is stored.
    let conversations = format!("/api/v1/sites/{}/conversations", app.seed.site_id);
    let deadline = std::time::Instant::now() + DEADLINE;
    let (conversation, visitor) = loop {
        let listed: Value = app.get_json(&conversations, &owner).await;
        if let Some(c) = listed["conversations"].as_array().and_then(|a| a.first()) {
            break (
                c["id"].as_str().unwrap().to_owned(),
                c["visitor_id"].as_str().unwrap().to_owned(),
            );
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the slow shopper's message was never stored"
        );
        tokio::task::yield_now().await;
    };

    // Large agent replies until the server gives up on the slow reader (bounded attempts).
    let visitor_path = format!("/api/v1/sites/{}/visitors/{visitor}", app.seed.site_id);
    let big = "\u{1F9E5}".repeat(4000); // 16 KB of coats per message
    let mut dropped = false;
    for i in 0..2000 {
        app.agent_says(&owner, &conversation, &big).await;
        if i % 10 == 9 {
            let state: Value = app.get_json(&visitor_path, &owner).await;
            if state["online"] == false {
                dropped = true;
                break;
            }
        }
    }
    assert!(dropped, "the server kept a reader that never reads");

    // Everything sent to the slow shopper is still stored for its reconnect, and a normal
    // shopper is served as usual.
    let mut calm = app.shopper().await;
    calm.hello(json!({})).await;
    calm.send(json!({ "type": "message", "client_msg_id": "c", "text": "hello" }))
        .await;
    calm.recv_type("ack").await;
    drop(slow);
    app.stop().await;
}
