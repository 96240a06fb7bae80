//! Emails a shopper asks for and notices the team gets, against a real SMTP server
//! (aiosmtpd in its own process): the transcript on request — every line, the bot labelled,
//! HTML escaped, threaded, once per request — and on close when the site enables it; a
//! one-time code that proves an address and lets the bot list the orders placed with it;
//! the team told of a message left while nobody was online and of a chat waiting too long.

use crate::commerce_push::{new_key, order, push};
use crate::common::smtp::{Received, SmtpServer};
use crate::common::{Socket, TestApp, spawn_app_with};
use reqwest::Method;
use serde_json::{Value, json};
use shopchat::config::Settings;
use std::time::Duration;

/// Emails go out as soon as they are owed here; the deadline covers a slow CI machine.
const MAIL_WAIT: Duration = Duration::from_secs(20);

fn relay(settings: &mut Settings, smtp: &SmtpServer) {
    smtp.relay(settings);
    settings.mail.inbound_secret = Some("inbound-secret-inbound-secret".into());
    settings.public_url = Some("https://chat.example".into());
}

async fn email_app(smtp: &SmtpServer, email: Value) -> (TestApp, String) {
    let app = spawn_app_with(|s| {
        relay(s, smtp);
        s.limits.idle_sweep = Duration::from_millis(100);
    })
    .await;
    let owner = app.owner_token().await;
    let saved = app.put(&app.site_path("/email"), &owner, email).await;
    assert_eq!(saved.status(), 200, "{:?}", saved.text().await);
    (app, owner)
}

/// A shopper who wrote `text` and waits in the queue with nobody online.
async fn waiting_shopper(app: &TestApp, text: &str) -> (Socket, String) {
    let mut shopper = app.shopper().await;
    shopper.hello(json!({})).await;
    shopper
        .send(json!({ "type": "message", "client_msg_id": "q1", "text": text }))
        .await;
    let status = shopper
        .until(|f| f["type"] == "status" && f["nobody_online"] == true)
        .await;
    let conversation = status["conversation_id"].as_str().unwrap().to_owned();
    (shopper, conversation)
}

fn subjects(smtp: &SmtpServer) -> Vec<String> {
    smtp.messages().iter().map(Received::subject).collect()
}

#[tokio::test]
async fn a_transcript_asked_for_arrives_once_with_every_line_threaded_and_escaped() {
    let smtp = SmtpServer::start();
    let (app, owner) = email_app(&smtp, json!({})).await;
    let (mut shopper, conversation) = waiting_shopper(&app, "Do you ship <i>abroad</i>?").await;
    app.agent_says(&owner, &conversation, "Yes, to all of the EU.")
        .await;
    shopper
        .until(|f| f["type"] == "message" && f["text"] == "Yes, to all of the EU.")
        .await;

    let ask = json!({ "type": "transcript", "conversation_id": conversation, "email": "Kari@Example.no" });
    shopper.send(ask.clone()).await;
    let emailed = shopper.until(|f| f["type"] == "emailed").await;
    assert_eq!(emailed["what"], "transcript");
    assert_eq!(emailed["to"], "kari@example.no");
    let mail = smtp
        .wait_for_mail(|m| m.subject() == "Your conversation with Shop", MAIL_WAIT)
        .await;
    let to = mail.header("To").unwrap();
    assert!(to.contains("kari@example.no"), "{to}");
    let text = mail.text();
    for line in [
        "You (",
        "Do you ship <i>abroad</i>?",
        "Yes, to all of the EU.",
    ] {
        assert!(text.contains(line), "{line:?} missing from {text}");
    }
    let html = mail.html().expect("an HTML part");
    assert!(
        html.contains("Do you ship &lt;i&gt;abroad&lt;/i&gt;?"),
        "{html}"
    );
    assert!(!html.contains("<i>abroad"));
    // Threaded: a reply to it comes back into this conversation.
    assert!(mail.header("Reply-To").unwrap().starts_with("reply+"));
    assert!(mail.header("List-Unsubscribe").is_some());
    // The address given became the conversation's contact email, for agents.
    let conv = app.conversation(&owner, &conversation).await;
    assert_eq!(
        conv["conversation"]["contact_email"], "kari@example.no",
        "{conv}"
    );

    // The same request again (a double click) is the same email: nothing more is sent.
    // After a new message a request is a new transcript, which must then be the second.
    shopper.send(ask.clone()).await;
    shopper.until(|f| f["type"] == "emailed").await;
    app.agent_says(&owner, &conversation, "Anything else?")
        .await;
    shopper
        .until(|f| f["type"] == "message" && f["text"] == "Anything else?")
        .await;
    shopper.send(ask).await;
    shopper.until(|f| f["type"] == "emailed").await;
    smtp.wait_for_mail(|m| m.text().contains("Anything else?"), MAIL_WAIT)
        .await;
    assert_eq!(
        subjects(&smtp),
        vec!["Your conversation with Shop", "Your conversation with Shop"]
    );
}

#[tokio::test]
async fn a_transcript_needs_an_address_and_a_site_with_email_on() {
    let smtp = SmtpServer::start();
    let (app, owner) = email_app(&smtp, json!({})).await;
    let (mut shopper, _) = waiting_shopper(&app, "Hello?").await;
    shopper.send(json!({ "type": "transcript" })).await;
    let refused = shopper.until(|f| f["type"] == "error").await;
    assert_eq!(refused["code"], "invalid_field", "{refused}");
    assert_eq!(refused["field"], "email", "{refused}");
    shopper
        .send(json!({ "type": "transcript", "email": "not an address" }))
        .await;
    let refused = shopper.until(|f| f["type"] == "error").await;
    assert_eq!(refused["field"], "email", "{refused}");

    let off = app
        .put(
            &app.site_path("/email"),
            &owner,
            json!({ "enabled": false }),
        )
        .await;
    assert_eq!(off.status(), 200);
    shopper
        .send(json!({ "type": "transcript", "email": "kari@example.no" }))
        .await;
    let refused = shopper.until(|f| f["type"] == "error").await;
    assert_eq!(refused["code"], "not_allowed", "{refused}");
    // The socket keeps working, and nothing was sent.
    shopper
        .send(json!({ "type": "message", "client_msg_id": "q2", "text": "Still there?" }))
        .await;
    shopper.until(|f| f["type"] == "ack").await;
    assert!(smtp.messages().is_empty());
}

#[tokio::test]
async fn the_transcript_goes_out_on_close_when_the_site_sends_it() {
    let smtp = SmtpServer::start();
    let (app, owner) = email_app(&smtp, json!({ "transcript_on_close": true })).await;
    let (mut shopper, conversation) = waiting_shopper(&app, "Is the blue one in stock?").await;
    shopper
        .send(json!({ "type": "contact", "email": "ola@example.no" }))
        .await;
    shopper
        .until(|f| f["type"] == "message" && f["text"].as_str().unwrap_or("").contains("ola@"))
        .await;
    let (mut agent, _) = app.agent(&owner).await;
    agent
        .send(json!({ "type": "take", "conversation_id": conversation }))
        .await;
    app.agent_says(&owner, &conversation, "It is, in every size.")
        .await;
    agent
        .send(json!({ "type": "close", "conversation_id": conversation }))
        .await;
    let mail = smtp
        .wait_for_mail(|m| m.subject() == "Your conversation with Shop", MAIL_WAIT)
        .await;
    assert!(mail.header("To").unwrap().contains("ola@example.no"));
    let text = mail.text();
    assert!(text.contains("Is the blue one in stock?"), "{text}");
    assert!(text.contains("It is, in every size."), "{text}");
}

#[tokio::test]
async fn a_code_by_email_proves_the_address_and_the_bot_lists_its_orders() {
    let smtp = SmtpServer::start();
    let (app, owner) = email_app(&smtp, json!({})).await;
    let (_, key) = new_key(&app, &owner, "ERP").await;
    let placed = push(
        &app,
        Method::PUT,
        "/api/v1/commerce/orders/5001",
        &key,
        &order("5001", "processing", 1_700_000_100_000),
    )
    .await;
    assert_eq!(placed.status(), 201);

    let mut shopper = app.shopper().await;
    shopper.hello(json!({})).await;
    shopper
        .send(json!({ "type": "email_code", "email": "ann@example.com" }))
        .await;
    let emailed = shopper.until(|f| f["type"] == "emailed").await;
    assert_eq!(emailed["what"], "code");
    let mail = smtp
        .wait_for_mail(
            |m| m.subject().ends_with("is your code for Shop"),
            MAIL_WAIT,
        )
        .await;
    let code: String = mail.subject().chars().take(6).collect();
    assert!(code.chars().all(|c| c.is_ascii_digit()), "{code}");
    assert_eq!(
        mail.header("Auto-Submitted").as_deref(),
        Some("auto-generated")
    );

    // A wrong code is refused naming the field; another address's code proves nothing.
    let wrong = if code == "000000" { "111111" } else { "000000" };
    shopper
        .send(json!({ "type": "verify_code", "email": "ann@example.com", "code": wrong }))
        .await;
    let refused = shopper.until(|f| f["type"] == "error").await;
    assert_eq!(refused["field"], "code", "{refused}");
    shopper
        .send(json!({ "type": "verify_code", "email": "bob@example.com", "code": code }))
        .await;
    let refused = shopper.until(|f| f["type"] == "error").await;
    assert_eq!(refused["field"], "code", "{refused}");

    shopper
        .send(json!({ "type": "verify_code", "email": "ann@example.com", "code": code }))
        .await;
    let verified = shopper.until(|f| f["type"] == "verified").await;
    assert_eq!(verified["email"], "ann@example.com");
    let orders = shopper.until(|f| f["type"] == "orders").await;
    assert_eq!(orders["orders"][0]["number"], "#5001", "{orders}");

    // Used once: the same code again is refused.
    shopper
        .send(json!({ "type": "verify_code", "email": "ann@example.com", "code": code }))
        .await;
    let refused = shopper.until(|f| f["type"] == "error").await;
    assert_eq!(refused["field"], "code", "{refused}");
}

#[tokio::test]
async fn the_team_hears_of_a_message_left_while_nobody_was_online_and_of_a_long_wait() {
    let smtp = SmtpServer::start();
    let (app, _owner) = email_app(
        &smtp,
        json!({ "team_address": "team@shop.example", "queue_alert_secs": 1 }),
    )
    .await;
    let (mut shopper, conversation) = waiting_shopper(&app, "My parcel <b>never</b> came").await;
    shopper
        .send(json!({ "type": "contact", "email": "ola@example.no" }))
        .await;
    let left = smtp
        .wait_for_mail(
            |m| m.subject() == "[Shop] A shopper is waiting for an answer",
            MAIL_WAIT,
        )
        .await;
    assert!(left.header("To").unwrap().contains("team@shop.example"));
    assert_eq!(
        left.header("Auto-Submitted").as_deref(),
        Some("auto-generated")
    );
    let text = left.text();
    assert!(text.contains("ola@example.no"), "{text}");
    assert!(text.contains("My parcel <b>never</b> came"), "{text}");
    assert!(
        text.contains("Shopper ("),
        "the team reads the shopper as such: {text}"
    );
    assert!(
        text.contains(&format!(
            "https://chat.example/agent/#/inbox/{conversation}"
        )),
        "{text}"
    );
    assert!(
        left.html()
            .unwrap()
            .contains("My parcel &lt;b&gt;never&lt;/b&gt; came")
    );

    // Still nobody after a second: the sweep tells the team, once for this wait.
    let waited = smtp
        .wait_for_mail(
            |m| m.subject().starts_with("[Shop] A chat has waited"),
            MAIL_WAIT,
        )
        .await;
    assert!(waited.text().contains(&conversation));
    // Another shopper's wait is a second notice, and by then the sweep has passed the first
    // conversation many times: it was told once.
    let (_other, second) = waiting_shopper(&app, "Hello?").await;
    smtp.wait_for_mail(
        |m| m.text().contains(&second) && m.subject().contains("waited"),
        MAIL_WAIT,
    )
    .await;
    let waits: Vec<_> = smtp
        .messages()
        .into_iter()
        .filter(|m| m.subject().contains("waited") && m.text().contains(&conversation))
        .collect();
    assert_eq!(waits.len(), 1);
}

#[tokio::test]
async fn a_sites_own_reply_address_carries_the_thread_and_replies_to_it_come_back() {
    let smtp = SmtpServer::start();
    let (app, owner) = email_app(&smtp, json!({ "reply_address": "support@shop.example" })).await;
    let bad = app
        .put(
            &app.site_path("/email"),
            &owner,
            json!({ "reply_address": "support@shop.example>, x@y.example" }),
        )
        .await;
    assert_eq!(bad.status(), 400);
    assert_eq!(
        bad.json::<Value>().await.unwrap()["error"]["field"],
        "reply_address"
    );

    let (mut shopper, conversation) = waiting_shopper(&app, "Can I pay by invoice?").await;
    shopper
        .send(json!({ "type": "transcript", "email": "kari@example.no" }))
        .await;
    let mail = smtp
        .wait_for_mail(|m| m.subject() == "Your conversation with Shop", MAIL_WAIT)
        .await;
    let reply_to = mail.header("Reply-To").unwrap();
    let token = reply_to
        .strip_prefix("support+")
        .and_then(|r| r.strip_suffix("@shop.example"))
        .unwrap_or_else(|| panic!("not the site's reply address: {reply_to}"))
        .to_owned();
    let raw = format!(
        "From: kari@example.no\r\nTo: support+{token}@shop.example\r\nSubject: Re: transcript\r\n\
         Message-ID: <r1@example.no>\r\n\r\nAnd by card?\r\n"
    );
    let posted = app
        .http
        .post(app.url("/api/v1/mail/inbound"))
        .bearer_auth("inbound-secret-inbound-secret")
        .body(raw)
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), 202);
    shopper
        .until(|f| f["type"] == "message" && f["text"] == "And by card?")
        .await;
    let conv = app.conversation(&owner, &conversation).await;
    assert!(
        conv["entries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["text"] == "And by card?")
    );
}

#[tokio::test]
async fn one_client_address_may_ask_for_only_a_few_emails_a_minute() {
    let smtp = SmtpServer::start();
    let (app, _owner) = email_app(&smtp, json!({})).await;
    let (mut shopper, _) = waiting_shopper(&app, "Hello?").await;
    let per_minute = shopchat::chat::EMAIL_REQUESTS_PER_ADDR_PER_MIN;
    for n in 0..per_minute {
        shopper
            .send(json!({ "type": "email_code", "email": format!("kari{n}@example.no") }))
            .await;
        shopper.until(|f| f["type"] == "emailed").await;
    }
    // One more is refused before anything is queued; the socket keeps working.
    shopper
        .send(json!({ "type": "email_code", "email": "one.more@example.no" }))
        .await;
    let refused = shopper.until(|f| f["type"] == "error").await;
    assert_eq!(refused["code"], "rate_limited", "{refused}");
    smtp.wait_for_mail(
        |m| {
            m.header("To")
                .is_some_and(|t| t.contains(&format!("kari{}", per_minute - 1)))
        },
        MAIL_WAIT,
    )
    .await;
    assert!(
        smtp.messages()
            .iter()
            .all(|m| !m.header("To").unwrap_or_default().contains("one.more"))
    );
    shopper
        .send(json!({ "type": "message", "client_msg_id": "q2", "text": "Still there?" }))
        .await;
    shopper.until(|f| f["type"] == "ack").await;
}
