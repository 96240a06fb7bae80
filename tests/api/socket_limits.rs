//! Limits that keep a stranger from exhausting a node through its sockets: frame lengths
//! refused on what the header declares, text that is not UTF-8, sockets that never say who
//! they are, and budgets per client address for new visitors and conversations.

use crate::common::{DEADLINE, SHOP_ORIGIN, Shopper, TestApp, spawn_app, spawn_app_with};
use serde_json::json;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

/// A WebSocket client written by hand, so it can send what no well-behaved library would:
/// a header declaring 4 GiB, fragments past the limit, text that is not UTF-8.
struct RawSocket {
    tcp: TcpStream,
}

impl RawSocket {
    /// Upgrades `path` on the app, optionally from an `Origin`; panics unless it gets 101.
    async fn open(app: &TestApp, path: &str, origin: Option<&str>) -> RawSocket {
        let mut tcp = TcpStream::connect(("127.0.0.1", app.port)).await.unwrap();
        let origin = origin.map_or(String::new(), |o| format!("Origin: {o}\r\n"));
        let request = format!(
            "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nUpgrade: websocket\r\n\
             Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
             Sec-WebSocket-Version: 13\r\n{origin}\r\n",
            app.port
        );
        tcp.write_all(request.as_bytes()).await.unwrap();
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            let n = tokio::time::timeout(DEADLINE, tcp.read(&mut byte))
                .await
                .expect("handshake answer before deadline")
                .unwrap();
            assert_eq!(n, 1, "connection closed during the handshake");
            head.push(byte[0]);
        }
        let head = String::from_utf8_lossy(&head);
        assert!(head.starts_with("HTTP/1.1 101"), "{head}");
        RawSocket { tcp }
    }

    /// A masked frame header (the mask is zero, so payload bytes go as they are).
    fn header(fin: bool, opcode: u8, len: u64) -> Vec<u8> {
        let mut h = vec![if fin { 0x80 } else { 0 } | opcode];
        match len {
            0..=125 => h.push(0x80 | len as u8),
            126..=0xffff => {
                h.push(0x80 | 126);
                h.extend_from_slice(&(len as u16).to_be_bytes());
            }
            _ => {
                h.push(0x80 | 127);
                h.extend_from_slice(&len.to_be_bytes());
            }
        }
        h.extend_from_slice(&[0, 0, 0, 0]);
        h
    }

    async fn frame(&mut self, fin: bool, opcode: u8, payload: &[u8]) {
        let mut bytes = Self::header(fin, opcode, payload.len() as u64);
        bytes.extend_from_slice(payload);
        self.tcp.write_all(&bytes).await.unwrap();
    }

    /// The close code the server answers with (see [`close_code`]).
    async fn close_code(&mut self) -> Option<u16> {
        close_code(&mut self.tcp).await
    }
}

/// Reads server frames until a close frame and returns its code; `None` if the connection
/// ends without one. Fails after the deadline.
async fn close_code(read: &mut (impl tokio::io::AsyncRead + Unpin)) -> Option<u16> {
    let until = tokio::time::Instant::now() + DEADLINE;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        // Skip whole frames (pings, errors) until a close frame is complete.
        while buf.len() >= 2 {
            let (start, len) = match buf[1] & 0x7f {
                126 if buf.len() >= 4 => (4, usize::from(u16::from_be_bytes([buf[2], buf[3]]))),
                126 => break,
                n => (2, usize::from(n)),
            };
            if buf.len() < start + len {
                break;
            }
            if buf[0] & 0x0f == 0x8 {
                return (len >= 2).then(|| u16::from_be_bytes([buf[start], buf[start + 1]]));
            }
            buf.drain(..start + len);
        }
        let n = match tokio::time::timeout_at(until, read.read(&mut chunk)).await {
            Ok(Ok(n)) => n,
            Ok(Err(_)) => return None,
            Err(_) => panic!("no close frame before the deadline"),
        };
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// Declares a 4 GiB text frame and streams up to 64 MiB of its payload while waiting for the
/// server's close: it must come on the header, long before the payload could all arrive.
async fn stream_a_huge_frame(socket: RawSocket) -> Option<u16> {
    let (mut read, mut write) = socket.tcp.into_split();
    let writer = tokio::spawn(async move {
        if write
            .write_all(&RawSocket::header(true, 0x1, 4 << 30))
            .await
            .is_err()
        {
            return;
        }
        let block = vec![b'x'; 64 * 1024];
        for _ in 0..1024 {
            if write.write_all(&block).await.is_err() {
                return;
            }
        }
    });
    let code = close_code(&mut read).await;
    writer.abort();
    code
}

#[tokio::test]
async fn a_frame_declaring_more_than_the_limit_is_refused_on_its_header() {
    let app = spawn_app().await;
    // The agent socket needs neither a token nor an Origin to be upgraded.
    let socket = RawSocket::open(&app, "/ws/agent", None).await;
    assert_eq!(
        stream_a_huge_frame(socket).await,
        Some(1009),
        "agent socket"
    );
    let path = format!("/ws/shopper?site={}", app.seed.public_key);
    let socket = RawSocket::open(&app, &path, Some(SHOP_ORIGIN)).await;
    assert_eq!(
        stream_a_huge_frame(socket).await,
        Some(1009),
        "shopper socket"
    );
    // The node is fine.
    let mut shopper = app.shopper().await;
    shopper.hello(json!({})).await;
}

#[tokio::test]
async fn fragments_adding_up_past_the_limit_close_with_1009() {
    let app = spawn_app().await;
    let mut socket = RawSocket::open(&app, "/ws/agent", None).await;
    // 10 KiB + 10 KiB of one text message: each fragment fits, the message does not.
    let part = vec![b'a'; 10 * 1024];
    socket.frame(false, 0x1, &part).await;
    socket.frame(false, 0x0, &part).await;
    assert_eq!(socket.close_code().await, Some(1009));
}

#[tokio::test]
async fn text_that_is_not_utf8_closes_with_1007() {
    let app = spawn_app().await;
    let path = format!("/ws/shopper?site={}", app.seed.public_key);
    let mut socket = RawSocket::open(&app, &path, Some(SHOP_ORIGIN)).await;
    socket
        .frame(true, 0x1, b"{\"type\":\"hello\xff\xfe\"}")
        .await;
    assert_eq!(socket.close_code().await, Some(1007));
    // Split across fragments, too.
    let mut socket = RawSocket::open(&app, "/ws/agent", None).await;
    socket.frame(false, 0x1, b"{\"type\":\"auth\"").await;
    socket.frame(true, 0x0, b"\xc3\x28}").await;
    assert_eq!(socket.close_code().await, Some(1007));
}

#[tokio::test]
async fn a_shopper_socket_that_never_says_hello_is_closed_on_time() {
    let app = spawn_app_with(|s| s.guards.hello_timeout = Duration::from_millis(300)).await;
    let mut silent = app.shopper().await;
    // tungstenite answers the server's pings: only the missing `hello` can close it.
    let close = silent.closed().await.expect("a close frame");
    assert_eq!(close.code, CloseCode::Away, "{close:?}");
    assert!(close.reason.contains("hello"), "{close:?}");
    // One that says hello in time stays.
    let mut talker = app.shopper().await;
    talker.hello(json!({})).await;
    talker
        .send(json!({ "type": "typing", "active": true }))
        .await;
    assert!(talker.drain().await.is_empty());
}

#[tokio::test]
async fn one_address_holds_only_a_few_unidentified_sockets() {
    let app = spawn_app_with(|s| s.guards.max_pending_sockets_per_addr = 3).await;
    let url = app.ws_url(&app.seed.public_key);
    let mut held = Vec::new();
    for _ in 0..2 {
        held.push(app.shopper().await);
    }
    // Agent sockets waiting for `auth` count too.
    let agent_url = format!("ws://127.0.0.1:{}/ws/agent", app.port);
    let agent = Shopper::connect(&agent_url, None)
        .await
        .expect("third socket");
    let refused = Shopper::connect(&url, Some(SHOP_ORIGIN)).await;
    match refused {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 429);
        }
        other => panic!("expected 429, got {:?}", other.map(|_| "a socket")),
    }
    // Saying hello frees the place; so does closing.
    held[0].hello(json!({})).await;
    let mut fourth = app.shopper().await;
    agent.close().await;
    // The agent socket's place comes back once the server has seen it go.
    let until = tokio::time::Instant::now() + DEADLINE;
    let mut fifth = loop {
        if let Ok(s) = Shopper::connect(&url, Some(SHOP_ORIGIN)).await {
            break s;
        }
        assert!(tokio::time::Instant::now() < until, "place not given back");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    fourth.hello(json!({})).await;
    fifth.hello(json!({})).await;
}

#[tokio::test]
async fn an_expired_session_starts_a_new_visitor_cleanly() {
    let app = spawn_app_with(|s| s.guards.session_ttl = Duration::from_millis(1)).await;
    let mut first = app.shopper().await;
    let welcome = first.hello(json!({})).await;
    first.close().await;
    // Any later hello is past a 1 ms lifetime.
    let mut again = app.shopper().await;
    again.send(json!({ "type": "hello", "visitor_id": welcome["visitor_id"], "session": welcome["session"] })).await;
    let answer = again.recv().await;
    assert_eq!(answer["type"], "welcome", "{answer}");
    assert_ne!(answer["visitor_id"], welcome["visitor_id"]);
    assert_ne!(answer["session"], welcome["session"]);
}

#[tokio::test]
async fn one_address_starts_only_so_many_new_visitors_a_minute() {
    let app = spawn_app_with(|s| s.guards.new_visitors_per_addr_per_min = 3).await;
    let mut welcomes = Vec::new();
    for _ in 0..3 {
        let mut shopper = app.shopper().await;
        welcomes.push(shopper.hello(json!({})).await);
        shopper.close().await;
    }
    let mut fourth = app.shopper().await;
    fourth.send(json!({ "type": "hello" })).await;
    let refused = fourth.recv().await;
    assert_eq!(refused["code"], "rate_limited", "{refused}");
    let close = fourth.closed().await.expect("a close frame");
    assert_eq!(close.code, CloseCode::Again);
    // A visitor the server knows still comes back.
    let mut known = app.shopper().await;
    let resumed = known
        .hello(
            json!({ "visitor_id": welcomes[0]["visitor_id"], "session": welcomes[0]["session"] }),
        )
        .await;
    assert_eq!(resumed["visitor_id"], welcomes[0]["visitor_id"]);
}

#[tokio::test]
async fn one_address_opens_only_so_many_new_conversations_a_minute() {
    let app = spawn_app_with(|s| s.guards.new_conversations_per_addr_per_min = 1).await;
    let mut first = app.shopper().await;
    first.hello(json!({})).await;
    first
        .send(json!({ "type": "message", "client_msg_id": "m1", "text": "hello?" }))
        .await;
    let (ack, _) = first.recv_type("ack").await;
    // The open conversation takes more messages.
    first
        .send(json!({ "type": "message", "client_msg_id": "m2", "text": "anyone?" }))
        .await;
    let (second_ack, _) = first.recv_type("ack").await;
    assert_eq!(second_ack["conversation_id"], ack["conversation_id"]);
    // Another visitor from the same address cannot open one now; nothing is stored.
    let mut other = app.shopper().await;
    other.hello(json!({})).await;
    other
        .send(json!({ "type": "message", "client_msg_id": "x1", "text": "me too" }))
        .await;
    let refused = other.recv().await;
    assert_eq!(refused["code"], "rate_limited", "{refused}");
    let owner = app.owner_token().await;
    let listed: serde_json::Value = app
        .get_json(
            &format!("/api/v1/sites/{}/conversations", app.seed.site_id),
            &owner,
        )
        .await;
    let count = listed["conversations"].as_array().map_or(0, Vec::len);
    assert_eq!(count, 1, "{listed}");
}
