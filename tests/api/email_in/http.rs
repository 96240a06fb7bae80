//! The HTTP endpoint: what an MTA pipe or a provider's webhook posts, and what becomes of it.

use super::*;
use crate::common::json_of;
use serde_json::{Value, json};

#[tokio::test]
async fn a_reply_to_the_plus_address_appears_once_stripped_and_live() {
    let t = threaded(None).await;
    let mut agent = t.agent().await;
    let raw = t.reply("Yes, M please. Can it ship by Friday?");
    assert_eq!(t.deliver(raw.clone()).await, "appended");
    let live = heard(&mut agent, "Yes, M please. Can it ship by Friday?").await;
    assert_eq!(live["message"]["conversation_id"], t.conversation.as_str());
    assert_eq!(live["message"]["author"]["kind"], "shopper");

    // The MTA or the provider retries the same mail: nothing new.
    assert_eq!(t.deliver(raw).await, "duplicate");
    let lines = t.shopper_lines().await;
    assert_eq!(
        lines,
        [
            "Do you have the jacket in M?",
            "Yes, M please. Can it ship by Friday?"
        ]
    );

    // Agents can see it came by email, from whom, and the whole original.
    let emails = t.emails().await;
    let record = &emails["emails"][0];
    assert_eq!(emails["emails"].as_array().unwrap().len(), 1);
    assert_eq!(record["from"], CONTACT);
    assert_eq!(record["other_sender"], false);
    assert_eq!(record["subject"], "Re: Your question");
    assert!(
        record["original"]
            .as_str()
            .unwrap()
            .contains("> We have it in M and L.")
    );
    assert_eq!(emails["undeliverable"], Value::Null);
    t.app.stop().await;
}

#[tokio::test]
async fn a_reply_threaded_only_by_in_reply_to_is_appended() {
    let t = threaded(None).await;
    let mut agent = t.agent().await;
    let id = format!("<sc.{}.3@mail.shop.example>", t.token);
    let raw = mail(
        CONTACT,
        &format!("To: help@shop.example\nSubject: Re: x\nIn-Reply-To: {id}\nReferences: {id}"),
        "Thanks, that works.\n\nSent from my iPhone\n",
    );
    assert_eq!(t.deliver(raw).await, "appended");
    heard(&mut agent, "Thanks, that works.").await;
    t.app.stop().await;
}

#[tokio::test]
async fn mail_without_a_valid_thread_or_secret_is_refused_and_appends_nothing() {
    let t = threaded(None).await;
    let before = t.shopper_lines().await;
    let refusals = || async {
        crate::commerce_shopify::metric(&t.app, "shopchat_inbound_mail_total", &["no_thread"]).await
            + crate::commerce_shopify::metric(
                &t.app,
                "shopchat_inbound_mail_total",
                &["unknown_thread"],
            )
            .await
    };
    let counted = refusals().await;
    // No token anywhere.
    let raw = mail(CONTACT, "To: help@shop.example\nSubject: hello", "Hi there");
    let refused = json_of(t.post(raw, Some(SECRET)).await, 422).await;
    assert_eq!(refused["error"]["field"], "to");
    // A token of the right shape that no thread has.
    let stranger = "a".repeat(26);
    let raw = mail(
        CONTACT,
        &format!("To: reply+{stranger}@mail.shop.example\nSubject: Re: x"),
        "Let me in",
    );
    let refused = json_of(t.post(raw, Some(SECRET)).await, 422).await;
    assert_eq!(refused["error"]["code"], "unthreaded");
    // Both counted in /metrics (at least: other tests count beside this one).
    assert!(refusals().await >= counted + 2.0);
    // The right thread, but no or a wrong secret.
    let status = |r: reqwest::Response| r.status().as_u16();
    assert_eq!(status(t.post(t.reply("sneaky"), None).await), 401);
    assert_eq!(
        status(
            t.post(t.reply("sneaky"), Some("wrong-secret-wrong-secret-00"))
                .await
        ),
        401
    );
    // Larger than the bound: refused before it is read whole.
    let big = t.reply(&"x".repeat(MAX_MAIL));
    assert_eq!(status(t.post(big, Some(SECRET)).await), 413);
    assert_eq!(t.shopper_lines().await, before);
    t.app.stop().await;
}

#[tokio::test]
async fn the_endpoint_is_off_without_a_secret() {
    let app = spawn_app_with(|_| {}).await;
    let response = app
        .http
        .post(app.url("/api/v1/mail/inbound"))
        .bearer_auth(SECRET)
        .body("From: a@b.example\r\n\r\nhi")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 404);
    app.stop().await;
}

#[tokio::test]
async fn a_reply_from_another_address_is_flagged_to_the_agents() {
    let t = threaded(None).await;
    let mut agent = t.agent().await;
    let raw = mail(
        "partner@example.org",
        &format!("To: {}\nSubject: Re: x", t.reply_address()),
        "I am writing for Kari: M is right.",
    );
    assert_eq!(t.deliver(raw).await, "appended");
    heard(&mut agent, "I am writing for Kari: M is right.").await;
    let note = agent.until_named("note", |f| f["type"] == "note").await;
    let text = note["note"]["text"].as_str().unwrap();
    assert!(text.contains("partner@example.org"), "{text}");
    let emails = t.emails().await;
    assert_eq!(emails["emails"][0]["other_sender"], true);
    assert_eq!(emails["emails"][0]["from"], "partner@example.org");
    t.app.stop().await;
}

#[tokio::test]
async fn auto_replies_and_quote_only_replies_are_not_messages() {
    let t = threaded(None).await;
    let before = t.shopper_lines().await;
    let raw = mail(
        CONTACT,
        &format!(
            "To: {}\nSubject: Automatic reply: Your question\nAuto-Submitted: auto-replied",
            t.reply_address()
        ),
        "I am out of the office until Monday.",
    );
    assert_eq!(t.deliver(raw).await, "ignored");
    let raw = mail(
        CONTACT,
        &format!("To: {}\nSubject: Re: x", t.reply_address()),
        "> We have it in M and L.\n",
    );
    assert_eq!(t.deliver(raw).await, "ignored");
    assert_eq!(t.shopper_lines().await, before);
    t.app.stop().await;
}

#[tokio::test]
async fn a_hard_bounce_marks_the_contact_undeliverable_and_tells_the_agents() {
    let t = threaded(None).await;
    let mut agent = t.agent().await;
    let before = t.shopper_lines().await;
    assert_eq!(t.deliver(hard_bounce(&t.token)).await, "bounce");
    let note = agent.until_named("note", |f| f["type"] == "note").await;
    let text = note["note"]["text"].as_str().unwrap();
    assert!(text.contains(CONTACT) && text.contains("5.1.1"), "{text}");
    let emails = t.emails().await;
    assert_eq!(emails["undeliverable"]["email"], CONTACT);
    assert_eq!(emails["undeliverable"]["reason"], "bounced");
    assert_eq!(t.shopper_lines().await, before);
    t.app.stop().await;
}

#[tokio::test]
async fn an_html_only_reply_becomes_text() {
    let t = threaded(None).await;
    let mut agent = t.agent().await;
    let raw = mail(
        CONTACT,
        &format!(
            "To: {}\nSubject: Re: x\nContent-Type: text/html; charset=utf-8",
            t.reply_address()
        ),
        "<html><head><style>p{color:red}</style></head><body><p>Blue, <b>size M</b></p><script>alert(1)</script></body></html>",
    );
    assert_eq!(t.deliver(raw).await, "appended");
    let live = agent
        .until_named("html reply", |f| {
            f["type"] == "message" && f["message"]["author"]["kind"] == "shopper"
        })
        .await;
    let text = live["message"]["text"].as_str().unwrap();
    assert!(text.contains("Blue, size M"), "{text}");
    assert!(
        !text.contains('<') && !text.contains("alert") && !text.contains("color"),
        "{text}"
    );
    t.app.stop().await;
}

#[tokio::test]
async fn a_reply_to_a_closed_conversation_reopens_it_like_a_widget_message() {
    let t = threaded(None).await;
    let mut agent = t.agent().await;
    agent.until_named("routed", |f| f["type"] == "routed").await;
    agent
        .send(json!({ "type": "close", "conversation_id": t.conversation, "ref": "c" }))
        .await;
    let ok = agent.until(|f| f["ref"] == "c").await;
    assert_eq!(ok["type"], "ok", "{ok}");
    assert_eq!(
        t.deliver(t.reply("One more question: gift wrap?")).await,
        "appended"
    );
    let live = heard(&mut agent, "One more question: gift wrap?").await;
    assert_eq!(live["message"]["conversation_id"], t.conversation.as_str());
    let conversation = &t.transcript().await["conversation"];
    // Reopened and back with the agent who had it, as a widget message would.
    assert_eq!(conversation["state"], "assigned", "{conversation}");
    assert_eq!(
        conversation["agent"], conversation["last_agent"],
        "{conversation}"
    );
    t.app.stop().await;
}
