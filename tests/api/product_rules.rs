//! Product rules that used to break in ordinary use (issue 12): rule messages from an agent
//! persona, idle rules and `{{ page.path }}`, unanswered proactive messages (no chat, no
//! agent's slot, closed when idle), and the cart value of chats opened without the bot.

use crate::common::{DEADLINE, PASSWORD, TestApp, spawn_app_as_owner, spawn_app_with};
use serde_json::{Value, json};
use std::time::Duration;

/// A fatigue budget loose enough that only the behaviour under test holds rules back.
async fn loose_budget(app: &TestApp, owner: &str) {
    let path = format!("/api/v1/sites/{}/trigger-settings", app.seed.site_id);
    let budget =
        json!({ "fatigue_max": 100, "fatigue_window_secs": 3600, "attribution_window_secs": 3600 });
    let saved = app.put(&path, owner, budget).await;
    assert_eq!(saved.status(), 200);
}

fn page(path: &str) -> Value {
    json!({ "url": format!("https://shop.example{path}"), "title": "Page" })
}

#[tokio::test]
async fn a_rule_message_as_an_online_agent_is_delivered_as_that_agent() {
    let (app, owner) = spawn_app_as_owner().await;
    let bob = app.login(&app.seed.agent_email, PASSWORD).await;
    let bob_id = app.agent_id(&owner, &app.seed.agent_email).await;
    let rule = app.create_rule(&owner,
        json!({
            "name": "Bob says hi",
            "when": "page_view",
            "actions": [{ "type": "message", "as": "agent", "agent_id": bob_id, "text": "Hi, I'm Bob from the shop" }],
            "frequency": { "once_per": "visitor" }
        }),
    )
    .await;
    let (mut bob_ws, _) = app.agent(&bob).await;

    let mut shopper = app.shopper().await;
    shopper.hello(json!({ "page": page("/") })).await;
    let (proactive, before) = shopper.recv_type("proactive").await;
    assert_eq!(proactive["rule_id"], rule.as_str());
    let message = before
        .iter()
        .find(|f| f["type"] == "message")
        .unwrap_or_else(|| panic!("the agent's message comes first: {before:?}"));
    assert_eq!(message["author"]["kind"], "agent");
    assert_eq!(message["author"]["name"], "bob");
    assert_eq!(message["text"], "Hi, I'm Bob from the shop");
    // Bob has the chat: the shopper's answer reaches the person who spoke.
    let id = proactive["conversation_id"].as_str().unwrap();
    bob_ws
        .until(|f| {
            f["type"] == "conversation"
                && f["conversation"]["id"] == id
                && f["conversation"]["state"] == "assigned"
                && f["conversation"]["agent"] == bob_id.as_str()
        })
        .await;
    assert_eq!(app.rule_report(&owner, &rule).await["shown"]["fired"], 1);
    app.stop().await;
}

#[tokio::test]
async fn a_rule_message_as_an_offline_agent_is_neither_sent_nor_counted() {
    let (app, owner) = spawn_app_as_owner().await;
    let bob_id = app.agent_id(&owner, &app.seed.agent_email).await;
    let rule = app.create_rule(&owner,
        json!({
            "name": "Bob says hi",
            "when": "page_view",
            "actions": [{ "type": "message", "as": "agent", "agent_id": bob_id, "text": "Hi, I'm Bob" }]
        }),
    )
    .await;
    let mut shopper = app.shopper().await;
    shopper.hello(json!({ "page": page("/") })).await;
    let frames = shopper.drain().await;
    assert!(frames.iter().all(|f| f["type"] != "message"), "{frames:?}");
    assert_eq!(app.rule_report(&owner, &rule).await["shown"]["fired"], 0);
    app.stop().await;
}

#[tokio::test]
async fn a_rule_message_shows_the_page_path() {
    let (app, owner) = spawn_app_as_owner().await;
    app.create_rule(
        &owner,
        json!({
            "name": "Path",
            "when": "page_view",
            "actions": [{ "type": "message", "text": "Questions about {{ page.path }}?" }]
        }),
    )
    .await;
    let mut shopper = app.shopper().await;
    shopper
        .hello(json!({ "page": page("/p/jacket?colour=red") }))
        .await;
    let message = shopper.until(|f| f["type"] == "message").await;
    assert_eq!(message["text"], "Questions about /p/jacket?");
    app.stop().await;
}

#[tokio::test]
async fn an_idle_rule_fires_although_the_widget_keeps_reporting_idle() {
    let (app, owner) = spawn_app_as_owner().await;
    let rule = app
        .create_rule(
            &owner,
            json!({
                "name": "Still there?",
                "conditions": { "fact": "idle_time", "op": "gte", "value": 1 },
                "actions": [{ "type": "message", "text": "Still there?" }],
                "frequency": { "once_per": "visitor" }
            }),
        )
        .await;
    let mut shopper = app.shopper().await;
    shopper.hello(json!({ "page": page("/") })).await;
    // The widget's own `idle` and `visibility` reports keep arriving, several a second: they
    // are not the shopper doing something, so the idle clock runs on and the rule fires.
    let deadline = tokio::time::Instant::now() + DEADLINE;
    let proactive = loop {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the idle rule never fired"
        );
        shopper
            .send(json!({ "type": "event", "name": "idle", "props": { "seconds": 60 } }))
            .await;
        shopper
            .send(json!({ "type": "event", "name": "visibility", "props": { "state": "visible" } }))
            .await;
        let next = tokio::time::timeout(Duration::from_millis(250), async {
            loop {
                let frame = shopper.recv().await;
                if frame["type"] == "proactive" {
                    return frame;
                }
            }
        })
        .await;
        if let Ok(frame) = next {
            break frame;
        }
    };
    assert_eq!(proactive["rule_id"], rule.as_str());
    app.stop().await;
}

#[tokio::test]
async fn a_later_rule_speaks_after_an_unanswered_proactive_message() {
    let (app, owner) = spawn_app_as_owner().await;
    loose_budget(&app, &owner).await;
    let on = |path: &str, text: &str| {
        json!({
            "name": text,
            "when": "page_view",
            "conditions": { "fact": "page.path", "op": "eq", "value": path },
            "actions": [{ "type": "message", "text": text }]
        })
    };
    let first = app.create_rule(&owner, on("/a", "About A?")).await;
    let second = app.create_rule(&owner, on("/b", "About B?")).await;
    let mut shopper = app.shopper().await;
    shopper.hello(json!({ "page": page("/a") })).await;
    let (fired, _) = shopper.recv_type("proactive").await;
    assert_eq!(fired["rule_id"], first.as_str());
    // Nobody answered: the shopper is not chatting, so the next page's rule may speak.
    shopper
        .send(json!({ "type": "event", "name": "page_view", "props": page("/b") }))
        .await;
    let (fired, _) = shopper.recv_type("proactive").await;
    assert_eq!(fired["rule_id"], second.as_str());

    // Once the shopper answers it is a chat, and rules keep quiet.
    shopper
        .send(json!({ "type": "message", "client_msg_id": "m1", "text": "yes" }))
        .await;
    shopper.recv_type("ack").await;
    let third = app.create_rule(&owner, on("/c", "About C?")).await;
    shopper
        .send(json!({ "type": "event", "name": "page_view", "props": page("/c") }))
        .await;
    let frames = shopper.drain().await;
    assert!(
        frames
            .iter()
            .all(|f| f["type"] != "proactive" || f["rule_id"] != third.as_str()),
        "{frames:?}"
    );
    app.stop().await;
}

#[tokio::test]
async fn an_unanswered_proactive_message_takes_no_agents_slot() {
    let (app, owner) = spawn_app_as_owner().await;
    let bob = app.login(&app.seed.agent_email, PASSWORD).await;
    // No articles: chats go straight to people, and so does a proactive message's chat.
    app.create_rule(
        &owner,
        json!({
            "name": "Hello",
            "when": "page_view",
            "conditions": { "fact": "page.path", "op": "eq", "value": "/hello" },
            "actions": [{ "type": "message", "text": "Hello!" }]
        }),
    )
    .await;
    let (mut bob_ws, _) = app.agent(&bob).await;
    let mut greeted = app.shopper().await;
    greeted.hello(json!({ "page": page("/hello") })).await;
    let (proactive, _) = greeted.recv_type("proactive").await;
    let unanswered = proactive["conversation_id"].as_str().unwrap().to_owned();

    // Another shopper writes: routing runs, and gives Bob that chat only.
    let mut writer = app.shopper().await;
    writer.hello(json!({ "page": page("/") })).await;
    writer
        .send(json!({ "type": "message", "client_msg_id": "w1", "text": "Where is my parcel?" }))
        .await;
    let (ack, _) = writer.recv_type("ack").await;
    let routed = bob_ws.until(|f| f["type"] == "routed").await;
    assert_eq!(routed["conversation_id"], ack["conversation_id"]);
    let waiting = app.conversation(&owner, &unanswered).await;
    assert_eq!(waiting["conversation"]["state"], "queued", "{waiting}");

    // When the greeted shopper answers, it is a chat for people like any other.
    greeted
        .send(json!({ "type": "message", "client_msg_id": "g1", "text": "Hi, a question" }))
        .await;
    let routed = bob_ws.until(|f| f["type"] == "routed").await;
    assert_eq!(routed["conversation_id"], unanswered.as_str());
    app.stop().await;
}

#[tokio::test]
async fn an_idle_conversation_closes_by_itself_and_everyone_is_told() {
    let app = spawn_app_with(|s| s.limits.idle_sweep = Duration::from_millis(100)).await;
    let owner = app.owner_token().await;
    let mut settings: Value = app
        .get_json(
            &format!("/api/v1/sites/{}/chat-settings", app.seed.site_id),
            &owner,
        )
        .await;
    settings["idle_close_secs"] = json!(0);
    let path = format!("/api/v1/sites/{}/chat-settings", app.seed.site_id);
    let refused = app.put(&path, &owner, settings.clone()).await;
    assert_eq!(refused.status(), 400);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"]["field"], "idle_close_secs", "{body}");
    settings["idle_close_secs"] = json!(5);
    app.chat_settings(&owner, settings).await;
    app.create_rule(
        &owner,
        json!({
            "name": "Hello",
            "when": "page_view",
            "actions": [{ "type": "message", "text": "Hello!" }]
        }),
    )
    .await;
    let (mut owner_ws, _) = app.agent(&owner).await;
    let mut shopper = app.shopper().await;
    shopper.hello(json!({ "page": page("/") })).await;
    let (proactive, _) = shopper.recv_type("proactive").await;
    let id = proactive["conversation_id"].as_str().unwrap().to_owned();

    // Nobody answers: after the site's idle time the sweep closes it, and says so.
    let status = shopper.until(|f| f["type"] == "status").await;
    assert_eq!(
        (status["conversation_id"].as_str(), status["state"].as_str()),
        (Some(id.as_str()), Some("closed"))
    );
    owner_ws
        .until(|f| {
            f["type"] == "conversation"
                && f["conversation"]["id"] == id.as_str()
                && f["conversation"]["state"] == "closed"
        })
        .await;
    let stored = app.conversation(&owner, &id).await;
    assert_eq!(stored["conversation"]["state"], "closed");
    app.stop().await;
}

#[tokio::test]
async fn a_chat_opened_without_the_bot_keeps_the_cart_value_and_goes_first() {
    let (app, owner) = spawn_app_as_owner().await;
    let bob = app.login(&app.seed.agent_email, PASSWORD).await;
    let bob_id = app.agent_id(&owner, &app.seed.agent_email).await;
    let profile = format!("/api/v1/sites/{}/agents/{bob_id}", app.seed.site_id);
    let patched = app.patch(&profile, &owner, json!({ "capacity": 1 })).await;
    assert_eq!(patched.status(), 200);

    // No articles, nobody online: both chats open straight in the queue; the empty cart
    // first, so only the cart value can put the other ahead.
    let mut empty = app.shopper().await;
    empty.hello(json!({ "page": page("/") })).await;
    empty
        .send(json!({ "type": "message", "client_msg_id": "e1", "text": "Hello?" }))
        .await;
    let (empty_ack, _) = empty.recv_type("ack").await;
    let mut rich = app.shopper().await;
    rich.hello(json!({ "page": page("/cart") })).await;
    rich.send(json!({ "type": "event", "name": "cart_update", "props": { "total": 900, "currency": "EUR", "items": [{ "sku": "tent", "price": 900 }] } }))
        .await;
    rich.send(
        json!({ "type": "message", "client_msg_id": "r1", "text": "Does the tent fit four?" }),
    )
    .await;
    let (rich_ack, _) = rich.recv_type("ack").await;
    let rich_id = rich_ack["conversation_id"].as_str().unwrap();
    let deadline = tokio::time::Instant::now() + DEADLINE;
    loop {
        let stored = app.conversation(&owner, rich_id).await;
        if stored["conversation"]["cart_total"] == 900.0 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the cart value never reached the conversation: {stored}"
        );
        tokio::task::yield_now().await;
    }

    // Bob comes online with room for one: the 900 € cart goes first.
    let (mut bob_ws, _) = app.agent(&bob).await;
    let routed = bob_ws.until(|f| f["type"] == "routed").await;
    assert_eq!(routed["conversation_id"], rich_id);
    let other = app
        .conversation(&owner, empty_ack["conversation_id"].as_str().unwrap())
        .await;
    assert_eq!(other["conversation"]["state"], "queued");
    app.stop().await;
}
