//! Every limit of a site's attachments, each refused with the field named: a body larger
//! than allowed (by its declared length before a byte is read, and by counting a body sent
//! without one), a type the site does not take, a type lied about, too many files on one
//! message, attachments switched off.

use super::{agent_sends, agent_token, chatting, exe, pdf, png, token_response, upload, uploaded};
use crate::common::{json_of, spawn_app_as_owner};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The `error` object of a refusal with `status`.
async fn refused(response: reqwest::Response, status: u16) -> Value {
    json_of(response, status).await["error"].clone()
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused_before_it_is_read() {
    let (app, owner) = spawn_app_as_owner().await;
    let (_shopper, conv) = chatting(&app).await;
    let token = agent_token(&app, &owner, &conv).await;

    // 10 MiB + 1 declared, 5 bytes sent: the answer comes without the server waiting for
    // the rest (a server reading the body first would wait until the client gave up).
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", app.port))
        .await
        .unwrap();
    let head = format!(
        "POST /uploads?filename=big.png HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\nContent-Type: image/png\r\nContent-Length: 10485761\r\n\r\nhello"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    tokio::time::timeout(app.deadline, async {
        while !String::from_utf8_lossy(&answer).contains("}}") {
            let n = stream.read(&mut buf).await.unwrap();
            assert!(n > 0, "closed without an answer");
            answer.extend_from_slice(&buf[..n]);
        }
    })
    .await
    .expect("answered before the body was sent");
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains(r#""field":"body""#), "{answer}");
    assert!(answer.contains(r#""code":"too_large""#), "{answer}");

    // Without a declared length (chunked), the body is counted as it streams.
    app.chat_settings(&owner, json!({ "attachments": { "max_bytes": 1000 } }))
        .await;
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        (0..20).map(|_| Ok(vec![7u8; 100])).collect();
    let response = app
        .http
        .post(app.url("/uploads"))
        .bearer_auth(&token)
        .body(reqwest::Body::wrap_stream(futures_util::stream::iter(
            chunks,
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(refused(response, 413).await["field"], "body");
    // At the limit it is taken (as far as size goes: 1000 bytes of PNG).
    let mut exactly = png();
    exactly.resize(1000, 0);
    let response = upload(&app, &token, "a.png", "image/png", exactly).await;
    assert_ne!(response.status(), 413);
    app.stop().await;
}

#[tokio::test]
async fn types_are_sniffed_and_only_the_sites_are_taken() {
    let (app, owner) = spawn_app_as_owner().await;
    let (_shopper, conv) = chatting(&app).await;
    let token = agent_token(&app, &owner, &conv).await;

    // An executable declared as a PNG is what its bytes say, and refused.
    let error = refused(
        upload(&app, &token, "cat.png", "image/png", exe()).await,
        415,
    )
    .await;
    assert_eq!(error["field"], "type");
    assert!(
        error["message"].as_str().unwrap().contains("executable"),
        "{error}"
    );
    // Plain text is refused too (not an accepted type).
    let error = refused(
        upload(&app, &token, "a.txt", "image/png", b"hi".to_vec()).await,
        415,
    )
    .await;
    assert_eq!(error["field"], "type");

    // A site that takes PNG only refuses a PDF.
    app.chat_settings(&owner, json!({ "attachments": { "types": ["image/png"] } }))
        .await;
    let error = refused(
        upload(&app, &token, "a.pdf", "application/pdf", pdf()).await,
        415,
    )
    .await;
    assert_eq!(error["field"], "type");
    uploaded(&app, &token, "a.png", png()).await;

    // A type outside what any site may allow is refused in the settings, naming it.
    let response = app
        .put(
            &app.site_path("/chat-settings"),
            &owner,
            json!({ "attachments": { "types": ["text/html"] } }),
        )
        .await;
    assert_eq!(
        refused(response, 400).await["field"],
        "attachments.types[0]"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_message_carries_at_most_the_sites_count_and_switched_off_means_no_tokens() {
    let (app, owner) = spawn_app_as_owner().await;
    app.chat_settings(&owner, json!({ "attachments": { "max_per_message": 2 } }))
        .await;
    let (_shopper, conv) = chatting(&app).await;
    // The widget learns from `welcome` whether to offer the paper clip.
    assert!(welcome_offers_files(&app).await);
    let token = agent_token(&app, &owner, &conv).await;
    let mut ids = Vec::new();
    for i in 0..3 {
        let file = uploaded(&app, &token, &format!("{i}.png"), png()).await;
        ids.push(file["id"].as_str().unwrap().to_owned());
    }
    let all: Vec<&str> = ids.iter().map(String::as_str).collect();
    let error = refused(agent_sends(&app, &owner, &conv, "three", &all).await, 400).await;
    assert_eq!(error["field"], "attachments");
    let sent = json_of(agent_sends(&app, &owner, &conv, "", &all[..2]).await, 201).await;
    assert_eq!(sent["message"]["attachments"].as_array().unwrap().len(), 2);
    // A file is on one message only.
    let error = refused(
        agent_sends(&app, &owner, &conv, "again", &all[1..]).await,
        400,
    )
    .await;
    assert_eq!(error["field"], "attachments");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("attachments[0]"),
        "{error}"
    );

    // Switched off: no token, and a token issued before stops working.
    app.chat_settings(&owner, json!({ "attachments": { "enabled": false } }))
        .await;
    let error = refused(token_response(&app, &owner, &conv).await, 403).await;
    assert_eq!(error["field"], "attachments");
    let response = upload(&app, &token, "a.png", "image/png", png()).await;
    // The widget uploads from the shop's origin: the refusal is readable there.
    assert_eq!(response.headers()["access-control-allow-origin"], "*");
    let error = refused(response, 403).await;
    assert_eq!(error["code"], "attachments_disabled");
    assert!(!welcome_offers_files(&app).await);
    app.stop().await;
}

/// `appearance.attachments` in a new shopper's `welcome`.
async fn welcome_offers_files(app: &crate::common::TestApp) -> bool {
    let mut shopper = app.shopper().await;
    let welcome = shopper.hello(json!({})).await;
    welcome["appearance"]["attachments"]
        .as_bool()
        .unwrap_or_else(|| panic!("no appearance.attachments: {welcome}"))
}

/// A node reads at most 8 uploads at once (each is held in memory while it is checked): a
/// ninth is refused with 503 and `Retry-After` before its body is read, and once one of the
/// eight ends, uploads are taken again.
#[tokio::test]
async fn uploads_in_flight_are_bounded_per_node() {
    let (app, owner) = spawn_app_as_owner().await;
    let (_shopper, conv) = chatting(&app).await;
    let token = agent_token(&app, &owner, &conv).await;
    let mut slow = Vec::new();
    for _ in 0..8 {
        let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", app.port))
            .await
            .unwrap();
        let head = format!(
            "POST /uploads HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\nContent-Length: 1000\r\n\r\n%PDF-"
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        slow.push(stream);
    }
    // The eight hold their slots while their bodies trickle (the node says so); the ninth
    // is turned away.
    let deadline = std::time::Instant::now() + app.deadline;
    loop {
        let metrics = app.http.get(app.url("/metrics")).send().await.unwrap();
        let text = metrics.text().await.unwrap();
        if text.contains("shopchat_uploads_in_flight 8") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "eight uploads never in flight"
        );
        tokio::task::yield_now().await;
    }
    let refused_one = upload(&app, &token, "a.png", "image/png", png()).await;
    assert_eq!(refused_one.status(), 503);
    assert_eq!(refused_one.headers()["retry-after"], "1");
    assert_eq!(refused(refused_one, 503).await["code"], "busy");
    drop(slow);
    let deadline = std::time::Instant::now() + app.deadline;
    loop {
        let response = upload(&app, &token, "a.png", "image/png", png()).await;
        if response.status() == 201 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "slots never came back"
        );
        tokio::task::yield_now().await;
    }
    app.stop().await;
}
