//! Automatic drafts: with `ai_auto_draft` on, a shopper message in a chat people have gets a
//! model draft delivered to the agent as a `draft` frame (never sent by itself); none in the
//! bot stage or with the setting off; none, and no call, when the gate is closed.

use crate::ai_draft_counts::{drafts_today, reply, send, shopper_writes, with_model};
use crate::common::TestApp;
use crate::common::llm::{Answer, Provider};
use crate::common::socket::Socket;
use serde_json::{Value, json};

async fn auto_draft(app: &TestApp, owner: &str, on: bool) {
    let path = app.site_path("/chat-settings");
    let mut settings = app.get_json(&path, owner).await;
    assert!(
        settings["ai_auto_draft"].is_boolean(),
        "the setting is there: {settings}"
    );
    settings["ai_auto_draft"] = json!(on);
    app.chat_settings(owner, settings).await;
}

/// The shopper writes `text` in their chat; the message's seq.
async fn writes(shopper: &mut Socket, key: &str, text: &str) -> u64 {
    shopper
        .send(json!({ "type": "message", "client_msg_id": key, "text": text }))
        .await;
    let ack = shopper
        .until_named("the ack", |f| {
            f["type"] == "ack" && f["client_msg_id"] == key
        })
        .await;
    ack["seq"]
        .as_u64()
        .or_else(|| ack["message"]["seq"].as_u64())
        .unwrap_or_else(|| panic!("no seq: {ack}"))
}

async fn next_draft(agent: &mut Socket) -> Value {
    agent.until_named("a draft", |f| f["type"] == "draft").await
}

#[tokio::test]
async fn a_shopper_message_in_a_chat_people_have_is_drafted_for_its_agent_when_the_site_asks() {
    let provider = Provider::start().await;
    let app = with_model(&provider, |_| {}).await;
    let owner = app.owner_token().await;
    assert!(
        !app.get_json(&app.site_path("/chat-settings"), &owner).await["ai_auto_draft"]
            .as_bool()
            .unwrap(),
        "off by default"
    );
    auto_draft(&app, &owner, true).await;
    // An article: the bot answers the first message (no automatic draft in the bot stage).
    app.add_article(&owner, "How long does shipping take?", "3 to 5 days.")
        .await;
    let (mut shopper, conversation) = shopper_writes(&app, "How long does shipping take?").await;
    provider.received(1).await; // the triage (unscripted: 500, ignored)
    let (mut agent, _) = app.agent(&owner).await;
    agent
        .send(json!({ "type": "take", "conversation_id": conversation }))
        .await;
    agent.recv_type("ok").await;

    provider.script([reply("It left our warehouse today; 3 to 5 days.")]);
    let seq = writes(&mut shopper, "m-2", "And has my parcel left yet?").await;
    let frame = next_draft(&mut agent).await;
    assert_eq!(frame["conversation_id"], conversation.as_str(), "{frame}");
    assert_eq!(frame["for_seq"], seq, "{frame}");
    assert_eq!(frame["text"], "It left our warehouse today; 3 to 5 days.");
    let requests = provider.requests();
    assert_eq!(
        requests.len(),
        2,
        "the triage and this draft, none for the bot's turn"
    );
    let data = requests[1]["messages"][1]["content"].as_str().unwrap();
    assert!(data.contains("has my parcel left yet"), "{data}");
    // Nothing was sent by itself: the shopper got no agent line.
    let transcript = app.conversation(&owner, &conversation).await;
    assert!(
        !transcript["entries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["author"]["kind"] == "agent"),
        "{transcript}"
    );
    // Sent as drafted, with its token: counted.
    let token = frame["draft_token"].as_str().unwrap();
    let text = frame["text"].as_str().unwrap();
    send(&mut agent, &conversation, "a-1", text, Some(token)).await;
    let totals = drafts_today(&app, &owner).await;
    assert_eq!(
        totals,
        json!({ "drafted": 1, "sent": 1, "sent_unchanged": 1, "sent_edited": 0 })
    );

    // Switched off: the next message gets no draft (decided before the shopper's ack, so
    // no call can follow); on again, the one after does, and it is the next draft frame.
    auto_draft(&app, &owner, false).await;
    writes(&mut shopper, "m-3", "Hello?").await;
    auto_draft(&app, &owner, true).await;
    provider.script([reply("Sorry for the wait: what else can I help with?")]);
    let seq = writes(&mut shopper, "m-4", "Anyone there?").await;
    let frame = next_draft(&mut agent).await;
    assert_eq!(
        frame["for_seq"], seq,
        "no draft for the message sent while off: {frame}"
    );
    assert_eq!(provider.requests().len(), 3);
    app.stop().await;
}

/// The value of a counter on `/metrics` (0 when absent).
async fn counter(app: &TestApp, line: &str) -> f64 {
    let metrics = app
        .http
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    metrics
        .lines()
        .find_map(|l| l.strip_prefix(line))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0.0)
}

#[tokio::test]
async fn a_queued_chat_is_drafted_for_the_sites_agents_and_a_closed_gate_drafts_nothing() {
    let provider = Provider::start().await;
    // Two calls today for the site: the first chat's triage and its draft.
    let app = with_model(&provider, |s| s.ai.daily_requests = 2).await;
    let owner = app.owner_token().await;
    auto_draft(&app, &owner, true).await;
    let (mut agent, _) = app.agent(&owner).await;
    // No bot: the chat opens in the queue. Its triage and its draft ask at once, so each gets
    // an answer that reads as either.
    let both = Answer::Completion(
        json!({ "reply": "Yes, size M is in stock.", "summary": "Asks about size M.",
                "intent": "sizing", "tone": "calm", "orders": [], "articles": [] })
        .to_string(),
    );
    provider.script([both.clone(), both]);
    let (mut shopper, conversation) = shopper_writes(&app, "Do you have size M?").await;
    let frame = next_draft(&mut agent).await;
    assert_eq!(frame["conversation_id"], conversation.as_str(), "{frame}");
    assert_eq!(frame["text"], "Yes, size M is in stock.");
    provider.received(2).await;

    // The day's budget is spent: the next message is not drafted, and nothing is queued.
    let skipped = "shopchat_ai_auto_drafts_total{result=\"over_budget\"}";
    let before = counter(&app, skipped).await;
    writes(&mut shopper, "m-2", "And in blue?").await;
    let until = std::time::Instant::now() + crate::common::DEADLINE;
    while counter(&app, skipped).await < before + 1.0 {
        assert!(
            std::time::Instant::now() < until,
            "the draft was never skipped"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let pending = agent.drain().await;
    assert!(
        !pending.iter().any(|f| f["type"] == "draft"),
        "no draft past the budget: {pending:?}"
    );
    assert_eq!(provider.requests().len(), 2, "no call past the budget");
    app.stop().await;
}

#[tokio::test]
async fn a_newer_shopper_message_supersedes_the_draft_still_being_written() {
    let provider = Provider::start().await;
    let app = with_model(&provider, |_| {}).await;
    let owner = app.owner_token().await;
    auto_draft(&app, &owner, true).await;
    app.add_article(&owner, "How long does shipping take?", "3 to 5 days.")
        .await;
    let (mut shopper, conversation) = shopper_writes(&app, "How long does shipping take?").await;
    provider.received(1).await; // the triage (unscripted: 500, ignored)
    let (mut agent, _) = app.agent(&owner).await;
    agent
        .send(json!({ "type": "take", "conversation_id": conversation }))
        .await;
    agent.recv_type("ok").await;

    // The draft for "Where is it now?" is still being written when the shopper writes again.
    let held = json!({ "reply": "It is in Leipzig.", "orders": [] }).to_string();
    provider.script([Answer::Held(held), reply("Here is your tracking link.")]);
    writes(&mut shopper, "m-2", "Where is it now?").await;
    provider.received(2).await;
    let newer = writes(
        &mut shopper,
        "m-3",
        "Actually, just send me the tracking link.",
    )
    .await;
    let frame = next_draft(&mut agent).await;
    assert_eq!(frame["for_seq"], newer, "{frame}");
    assert_eq!(frame["text"], "Here is your tracking link.");

    // The older draft arrives after all: dropped, never delivered.
    let superseded = "shopchat_ai_auto_drafts_total{result=\"superseded\"}";
    let before = counter(&app, superseded).await;
    provider.release();
    let until = std::time::Instant::now() + crate::common::DEADLINE;
    while counter(&app, superseded).await < before + 1.0 {
        assert!(
            std::time::Instant::now() < until,
            "the older draft was never dropped"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let pending = agent.drain().await;
    assert!(
        !pending.iter().any(|f| f["type"] == "draft"),
        "the superseded draft is not delivered: {pending:?}"
    );
    app.stop().await;
}
