//! A site sends shopper intents to teams (`intent_teams` in the chat settings): a chat whose
//! intent is detected before a person has it — by the order keywords, or by the model's
//! triage — waits for an agent with that skill, and the routing gives it to one.

use crate::common::llm::{Answer, Provider};
use crate::common::{PASSWORD, Shopper, TestApp, spawn_app_as_owner, spawn_app_with};
use serde_json::{Value, json};

/// The owner Ann online without skills, and Bob online with `skill`; their sockets and
/// Bob's id.
async fn ann_and_bob(app: &TestApp, owner: &str, skill: &str) -> (Shopper, Shopper, String) {
    let bob = app.login(&app.seed.agent_email, PASSWORD).await;
    let bob_id = app.agent_id(owner, "bob@shop.example").await;
    let response = app
        .patch(
            &format!("/api/v1/sites/{}/agents/{bob_id}", app.seed.site_id),
            owner,
            json!({ "skills": [skill] }),
        )
        .await;
    assert_eq!(response.status(), 200);
    let (ann_ws, _) = app.agent(owner).await;
    let (bob_ws, _) = app.agent(&bob).await;
    (ann_ws, bob_ws, bob_id)
}

async fn settings_with_teams(app: &TestApp, owner: &str, teams: Value) {
    let mut settings = app.get_json(&app.site_path("/chat-settings"), owner).await;
    settings["intent_teams"] = teams;
    app.chat_settings(owner, settings).await;
}

#[tokio::test]
async fn an_order_question_goes_to_the_orders_team() {
    let (app, owner) = spawn_app_as_owner().await;
    settings_with_teams(&app, &owner, json!({ "where_is_my_order": "orders" })).await;
    let (_ann_ws, mut bob_ws, bob_id) = ann_and_bob(&app, &owner, "orders").await;
    let mut shopper = app.shopper().await;
    shopper.hello(json!({})).await;
    shopper
        .send(json!({ "type": "message", "client_msg_id": "m-1", "text": "Where is my order? It's late." }))
        .await;
    shopper.send(json!({ "type": "handoff" })).await;
    let routed = bob_ws.until(|f| f["type"] == "routed").await;
    let conversation = routed["conversation_id"].as_str().unwrap();
    let stored = app.conversation(&owner, conversation).await;
    assert_eq!(stored["conversation"]["skill"], "orders", "{stored}");
    assert_eq!(stored["conversation"]["agent"], bob_id.as_str());
    assert!(stored["conversation"]["tags"].to_string().contains("wismo"));
    app.stop().await;
}

#[tokio::test]
async fn the_models_triage_sends_a_sizing_question_to_the_fit_team() {
    let provider = Provider::start().await;
    let ai = provider.settings(std::time::Duration::from_secs(15));
    let app = spawn_app_with(move |s| {
        s.ai = ai;
    })
    .await;
    let owner = app.owner_token().await;
    settings_with_teams(&app, &owner, json!({ "sizing": "fit" })).await;
    // The bot has an article, so the chat starts with it and the triage lands before people.
    app.add_article(&owner, "How long does shipping take?", "2 to 5 days.")
        .await;
    let (_ann_ws, mut bob_ws, bob_id) = ann_and_bob(&app, &owner, "fit").await;
    provider.script([Answer::Completion(
        json!({ "summary": "Unsure which size to take.", "intent": "sizing", "tone": "calm" })
            .to_string(),
    )]);
    let mut shopper = app.shopper().await;
    shopper.hello(json!({})).await;
    shopper
        .send(json!({ "type": "message", "client_msg_id": "m-1", "text": "The jacket runs small, should I take an L?" }))
        .await;
    let (ack, _) = shopper.recv_type("ack").await;
    let conversation = ack["conversation_id"].as_str().unwrap().to_owned();
    let until = std::time::Instant::now() + crate::common::DEADLINE;
    while app.conversation(&owner, &conversation).await["conversation"]["skill"] != "fit" {
        assert!(
            std::time::Instant::now() < until,
            "the triage never set the team"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    shopper.send(json!({ "type": "handoff" })).await;
    let routed = bob_ws.until(|f| f["type"] == "routed").await;
    assert_eq!(routed["conversation_id"], conversation.as_str());
    let stored = app.conversation(&owner, &conversation).await;
    assert_eq!(stored["conversation"]["agent"], bob_id.as_str());
    assert!(
        stored["conversation"]["tags"]
            .to_string()
            .contains("intent:sizing")
    );
    app.stop().await;
}

#[tokio::test]
async fn an_unknown_intent_or_a_bad_team_is_named() {
    let (app, owner) = spawn_app_as_owner().await;
    let settings = app.get_json(&app.site_path("/chat-settings"), &owner).await;
    assert_eq!(settings["intent_teams"], json!({}), "none by default");
    for (teams, field) in [
        (json!({ "weather": "orders" }), "intent_teams.weather"),
        (json!({ "return": "Returns Team" }), "intent_teams.return"),
    ] {
        let mut body = settings.clone();
        body["intent_teams"] = teams;
        let response = app
            .put(&app.site_path("/chat-settings"), &owner, body)
            .await;
        assert_eq!(response.status(), 400);
        let error: Value = response.json().await.unwrap();
        assert_eq!(error["error"]["field"], field, "{error}");
    }
    app.stop().await;
}
