//! The pre-chat form: the welcome tells the widget what to ask (and only when the site asks
//! it now), the answers come with the first message and are checked before anything is
//! stored, and good answers tag the chat with its topic, send it to the topic's team, give it
//! the address to answer at and the visitor its name.

use crate::common::{PASSWORD, Shopper, TestApp, spawn_app_as_owner};
use serde_json::{Value, json};

fn form(when: &str) -> Value {
    json!({
        "enabled": true,
        "when": when,
        "name": "optional",
        "email": "required",
        "topics": [
            { "id": "orders", "label": "Order & delivery", "team": "logistics" },
            { "id": "advice", "label": "Product advice" }
        ]
    })
}

async fn with_form(app: &TestApp, owner: &str, prechat: Value) {
    app.edit_chat_settings(owner, |s| s["prechat"] = prechat)
        .await;
}

async fn conversation_count(app: &TestApp, owner: &str) -> usize {
    let list = app.get_json(&app.site_path("/conversations"), owner).await;
    list["conversations"].as_array().expect("a list").len()
}

/// Sends the first message with `prechat` answers; its ack or the error refusing it.
async fn first_message(shopper: &mut Shopper, prechat: Value) -> Value {
    shopper
        .send(json!({ "type": "message", "client_msg_id": "m-1", "text": "Hello?", "prechat": prechat }))
        .await;
    shopper
        .until(|f| f["type"] == "ack" || f["type"] == "error")
        .await
}

#[tokio::test]
async fn the_welcome_carries_the_form_only_when_the_site_asks_it_now() {
    let (app, owner) = spawn_app_as_owner().await;
    let mut shopper = app.shopper().await;
    let welcome = shopper.hello(json!({})).await;
    assert!(welcome["appearance"].get("prechat").is_none(), "{welcome}");

    with_form(&app, &owner, form("always")).await;
    let mut shopper = app.shopper().await;
    let welcome = shopper.hello(json!({})).await;
    let spec = &welcome["appearance"]["prechat"];
    assert_eq!(spec["name"], "optional", "{welcome}");
    assert_eq!(spec["email"], "required");
    assert_eq!(
        spec["topics"][0],
        json!({ "id": "orders", "label": "Order & delivery" })
    );
    assert!(
        !welcome.to_string().contains("logistics"),
        "teams stay on the server: {welcome}"
    );

    // `offline`: shown while nobody is online, not while an agent is.
    with_form(&app, &owner, form("offline")).await;
    let mut shopper = app.shopper().await;
    let welcome = shopper.hello(json!({})).await;
    assert!(welcome["appearance"]["prechat"].is_object(), "{welcome}");
    let (_agent_ws, _) = app.agent(&owner).await;
    let mut shopper = app.shopper().await;
    let welcome = shopper.hello(json!({})).await;
    assert!(welcome["appearance"].get("prechat").is_none(), "{welcome}");
    app.stop().await;
}

#[tokio::test]
async fn each_bad_answer_is_refused_by_field_and_stores_nothing() {
    let (app, owner) = spawn_app_as_owner().await;
    with_form(&app, &owner, form("always")).await;
    let mut shopper = app.shopper().await;
    shopper.hello(json!({})).await;
    let long_name = "n".repeat(81);
    let cases = [
        (json!({ "topic": "orders" }), "prechat.email"),
        (
            json!({ "email": "not an address", "topic": "orders" }),
            "prechat.email",
        ),
        (
            json!({ "email": "Ann <ann@example.com>", "topic": "orders" }),
            "prechat.email",
        ),
        (json!({ "email": "ann@example.com" }), "prechat.topic"),
        (
            json!({ "email": "ann@example.com", "topic": "refunds" }),
            "prechat.topic",
        ),
        (
            json!({ "name": long_name, "email": "ann@example.com", "topic": "orders" }),
            "prechat.name",
        ),
    ];
    for (answers, field) in cases {
        let frame = first_message(&mut shopper, answers.clone()).await;
        assert_eq!(frame["type"], "error", "{answers} → {frame}");
        assert_eq!(frame["code"], "invalid_field", "{frame}");
        assert_eq!(frame["field"], field, "{answers} → {frame}");
    }
    assert_eq!(
        conversation_count(&app, &owner).await,
        0,
        "no refused answer opened a chat"
    );
    // The same message with good answers goes through on the same socket.
    let ack = first_message(
        &mut shopper,
        json!({ "email": "ann@example.com", "topic": "advice" }),
    )
    .await;
    assert_eq!(ack["type"], "ack", "{ack}");
    assert_eq!(ack["seq"], 1);
    app.stop().await;
}

#[tokio::test]
async fn good_answers_tag_route_and_identify() {
    let (app, owner) = spawn_app_as_owner().await;
    // No bot: the chat goes straight to people, where the topic's team matters.
    app.edit_chat_settings(&owner, |s| {
        s["bot_enabled"] = json!(false);
        s["prechat"] = form("always");
    })
    .await;
    // Ann (the owner, no skills) and Bob (logistics) are both online.
    let bob_id = app.agent_id(&owner, "bob@shop.example").await;
    let response = app
        .patch(
            &format!("/api/v1/sites/{}/agents/{bob_id}", app.seed.site_id),
            &owner,
            json!({ "skills": ["logistics"] }),
        )
        .await;
    assert_eq!(response.status(), 200);
    let bob = app.login(&app.seed.agent_email, PASSWORD).await;
    let (_ann_ws, _) = app.agent(&owner).await;
    let (mut bob_ws, _) = app.agent(&bob).await;

    let mut shopper = app.shopper().await;
    let welcome = shopper.hello(json!({})).await;
    let visitor = welcome["visitor_id"].as_str().unwrap().to_owned();
    let ack = first_message(
        &mut shopper,
        json!({ "name": "  Ana Lima ", "email": "Ana@Example.com", "topic": "orders" }),
    )
    .await;
    assert_eq!(ack["type"], "ack", "{ack}");
    let conversation = ack["conversation_id"].as_str().unwrap().to_owned();

    let routed = bob_ws.until(|f| f["type"] == "routed").await;
    assert_eq!(routed["conversation_id"], conversation.as_str(), "{routed}");
    let stored = app.conversation(&owner, &conversation).await;
    let header = &stored["conversation"];
    assert_eq!(header["skill"], "logistics", "{stored}");
    assert_eq!(header["agent"], bob_id.as_str());
    assert_eq!(header["contact_email"], "ana@example.com");
    assert!(
        header["tags"]
            .as_array()
            .unwrap()
            .contains(&json!("topic-orders")),
        "{stored}"
    );

    // The visitor's name and typed address, beside the chat; typed, so not identified.
    let path = format!("/api/v1/sites/{}/visitors/{visitor}", app.seed.site_id);
    let state = app.get_json(&path, &owner).await;
    assert_eq!(state["attributes"]["name"], "Ana Lima", "{state}");
    assert_eq!(state["attributes"]["contact_email"], "ana@example.com");
    assert_eq!(state["identified"], false);
    app.stop().await;
}

#[tokio::test]
async fn an_owner_is_told_which_part_of_the_form_is_wrong() {
    let (app, owner) = spawn_app_as_owner().await;
    let mut settings = app.get_json(&app.site_path("/chat-settings"), &owner).await;
    let mut bad = form("always");
    bad["topics"][1]["id"] = json!("orders");
    settings["prechat"] = bad;
    let response = app
        .put(&app.site_path("/chat-settings"), &owner, settings.clone())
        .await;
    let body = crate::common::json_of(response, 400).await;
    assert!(body.to_string().contains("prechat.topics[1].id"), "{body}");
    let mut bad = form("sometimes");
    bad["when"] = json!("sometimes");
    settings["prechat"] = bad;
    let response = app
        .put(&app.site_path("/chat-settings"), &owner, settings)
        .await;
    assert_eq!(response.status(), 400);
    // Nothing was saved.
    let now = app.get_json(&app.site_path("/chat-settings"), &owner).await;
    assert_eq!(now["prechat"]["enabled"], false, "{now}");
    app.stop().await;
}

#[tokio::test]
async fn the_topics_team_holds_when_the_bot_hands_the_chat_over() {
    let (app, owner) = spawn_app_as_owner().await;
    // A knowledge base: the bot has the chat first.
    app.add_article(&owner, "How long does shipping take?", "2 to 5 days.")
        .await;
    with_form(&app, &owner, form("always")).await;
    let bob_id = app.agent_id(&owner, "bob@shop.example").await;
    let response = app
        .patch(
            &format!("/api/v1/sites/{}/agents/{bob_id}", app.seed.site_id),
            &owner,
            json!({ "skills": ["logistics"] }),
        )
        .await;
    assert_eq!(response.status(), 200);
    let bob = app.login(&app.seed.agent_email, PASSWORD).await;
    let (_ann_ws, _) = app.agent(&owner).await;
    let (mut bob_ws, _) = app.agent(&bob).await;

    let mut shopper = app.shopper().await;
    shopper.hello(json!({})).await;
    let ack = first_message(
        &mut shopper,
        json!({ "email": "ana@example.com", "topic": "orders" }),
    )
    .await;
    assert_eq!(ack["type"], "ack", "{ack}");
    let conversation = ack["conversation_id"].as_str().unwrap().to_owned();
    shopper.send(json!({ "type": "handoff" })).await;
    let routed = bob_ws.until(|f| f["type"] == "routed").await;
    assert_eq!(routed["conversation_id"], conversation.as_str(), "{routed}");
    let stored = app.conversation(&owner, &conversation).await;
    assert_eq!(stored["conversation"]["skill"], "logistics", "{stored}");
    assert_eq!(stored["conversation"]["agent"], bob_id.as_str(), "{stored}");
    app.stop().await;
}
