//! Messages sent from a model draft are counted for the owners' report: the draft answer
//! carries a `draft_token`; a message sent with it is counted unchanged or edited; a forged,
//! altered or another chat's token leaves the message sent as usual and uncounted; a retried
//! send counts once; suggestions (no model) carry no token.

use crate::common::llm::{Answer, Provider};
use crate::common::socket::Socket;
use crate::common::{TestApp, spawn_app_with};
use serde_json::{Value, json};

/// A server with the stand-in provider as its model; `tweak` adjusts the rest.
pub(crate) async fn with_model(
    provider: &Provider,
    tweak: impl FnOnce(&mut shopchat::config::Settings) + Send + 'static,
) -> TestApp {
    let ai = provider.settings(std::time::Duration::from_millis(2_000));
    spawn_app_with(move |s| {
        s.ai = ai;
        tweak(s);
    })
    .await
}

/// A model answer for a draft.
pub(crate) fn reply(text: &str) -> Answer {
    Answer::Completion(json!({ "reply": text, "articles": [], "orders": [] }).to_string())
}

/// A shopper who wrote `text` (a new chat: the triage asks the model first); the socket and
/// the conversation id.
pub(crate) async fn shopper_writes(app: &TestApp, text: &str) -> (Socket, String) {
    let mut shopper = app.shopper().await;
    shopper.hello(json!({})).await;
    shopper
        .send(json!({ "type": "message", "client_msg_id": "m-1", "text": text }))
        .await;
    let (ack, _) = shopper.recv_type("ack").await;
    (shopper, ack["conversation_id"].as_str().unwrap().to_owned())
}

async fn draft(app: &TestApp, token: &str, conversation: &str) -> Value {
    let path = app.site_path(&format!("/conversations/{conversation}/draft"));
    let response = app.post(&path, token, json!({})).await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

/// Sends `text` as the agent, with `draft_token` when given; the `ack`.
pub(crate) async fn send(
    agent: &mut Socket,
    conversation: &str,
    key: &str,
    text: &str,
    draft_token: Option<&str>,
) -> Value {
    let mut frame = json!({ "type": "message", "conversation_id": conversation,
        "client_msg_id": key, "text": text });
    if let Some(token) = draft_token {
        frame["draft_token"] = json!(token);
    }
    agent.send(frame).await;
    let ack = agent
        .until_named("the ack", |f| {
            f["type"] == "ack" && f["client_msg_id"] == key
        })
        .await;
    assert_eq!(ack["message"]["text"], text.trim(), "{ack}");
    ack
}

/// Today's AI-draft figures from the owners' report.
pub(crate) async fn drafts_today(app: &TestApp, owner: &str) -> Value {
    let report = app.get_json(&app.site_path("/report?days=1"), owner).await;
    let drafts = &report["ai_drafts"];
    assert_eq!(drafts["days"].as_array().unwrap().len(), 1, "{report}");
    assert_eq!(drafts["days"][0]["drafted"], drafts["totals"]["drafted"]);
    drafts["totals"].clone()
}

#[tokio::test]
async fn messages_sent_from_a_draft_count_unchanged_or_edited_and_bad_tokens_count_nothing() {
    let provider = Provider::start().await;
    let app = with_model(&provider, |_| {}).await;
    let owner = app.owner_token().await;
    // No articles and no bot: the chats go straight to people.
    let (_shopper, conversation) = shopper_writes(&app, "Do you ship to Norway?").await;
    let (_other_shopper, other) = shopper_writes(&app, "Is the blue one in stock?").await;
    provider.received(2).await; // the two chats' triage (unscripted: 500, ignored)
    let (mut agent, _) = app.agent(&owner).await;
    agent
        .send(json!({ "type": "take", "conversation_id": conversation }))
        .await;
    agent.recv_type("ok").await;

    provider.script([
        reply("Yes, we ship to Norway within 5 days."),
        reply("Yes: Norway takes 5 days."),
        reply("The blue one is in stock."),
    ]);
    let first = draft(&app, &owner, &conversation).await;
    assert_eq!(first["source"], "model", "{first}");
    let first_token = first["draft_token"]
        .as_str()
        .expect("a model draft has a token");
    assert!(!first_token.contains("Norway"), "the token carries no text");
    let second = draft(&app, &owner, &conversation).await;
    let second_token = second["draft_token"].as_str().unwrap().to_owned();
    let elsewhere = draft(&app, &owner, &other).await;
    let other_token = elsewhere["draft_token"].as_str().unwrap().to_owned();

    // Sent as drafted (white space aside), and sent after an edit.
    let text = first["text"].as_str().unwrap();
    send(
        &mut agent,
        &conversation,
        "a-1",
        &format!("{text}\n"),
        Some(first_token),
    )
    .await;
    send(
        &mut agent,
        &conversation,
        "a-2",
        "Yes: Norway takes 5 to 7 days.",
        Some(&second_token),
    )
    .await;
    // The first send retried: stored once, counted once.
    send(&mut agent, &conversation, "a-1", text, Some(first_token)).await;
    // Forged, altered and another chat's tokens, and no token: sent all the same, not counted.
    let mut altered = second_token.clone();
    altered.replace_range(5..8, "xyz");
    send(
        &mut agent,
        &conversation,
        "a-3",
        "We ship everywhere.",
        Some(&altered),
    )
    .await;
    send(
        &mut agent,
        &conversation,
        "a-4",
        "We ship everywhere.",
        Some("d1.model.AAAA.BBBB"),
    )
    .await;
    send(
        &mut agent,
        &conversation,
        "a-5",
        "The blue one is in stock.",
        Some(&other_token),
    )
    .await;
    send(&mut agent, &conversation, "a-6", "Anything else?", None).await;

    let totals = drafts_today(&app, &owner).await;
    assert_eq!(
        totals,
        json!({ "drafted": 3, "sent": 2, "sent_unchanged": 1, "sent_edited": 1 }),
    );
    // Every message reached the shopper's transcript.
    let transcript = app.conversation(&owner, &conversation).await;
    let agent_lines = transcript["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["author"]["kind"] == "agent")
        .count();
    assert_eq!(agent_lines, 6, "{transcript}");
    app.stop().await;
}

#[tokio::test]
async fn a_keyword_suggestion_is_no_ai_draft_and_carries_no_token() {
    let provider = Provider::start().await;
    let app = with_model(&provider, |_| {}).await;
    let owner = app.owner_token().await;
    app.add_article(
        &owner,
        "Do you ship to Norway?",
        "We ship to all of Europe.",
    )
    .await;
    let (_shopper, conversation) = shopper_writes(&app, "Do you ship to Norway?").await;
    provider.received(1).await;
    provider.script([Answer::Status(503)]);
    let body = draft(&app, &owner, &conversation).await;
    assert_eq!(body["source"], "suggestion", "{body}");
    assert_eq!(body["draft_token"], Value::Null, "{body}");
    let totals = drafts_today(&app, &owner).await;
    assert_eq!(totals["drafted"], 0, "{totals}");
    app.stop().await;
}
