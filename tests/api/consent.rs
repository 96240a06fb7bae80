//! `hello` with `consent: false` (the widget's consent mode before the shopper consents): the
//! server reads no page, refuses browsing events with `no_consent`, runs no trigger rule and
//! saves no browsing state for the new visitor — while the chat itself works.

use crate::common::{DEADLINE, spawn_app_as_owner};
use serde_json::{Value, json};

fn page() -> Value {
    json!({ "url": "https://shop.example/p/tent", "title": "Trail tent" })
}

#[tokio::test]
async fn without_consent_no_page_no_event_no_rule_and_nothing_saved_but_the_chat_works() {
    let (app, owner) = spawn_app_as_owner().await;
    app.create_rule(
        &owner,
        json!({ "name": "Hi", "when": "page_view", "actions": [{ "type": "message", "text": "Need help?" }] }),
    )
    .await;

    // With consent (no field: a shop without consent mode) the rule fires: it is a live rule.
    let mut consented = app.shopper().await;
    consented.hello(json!({ "page": page() })).await;
    consented.recv_type("proactive").await;
    consented.close().await;

    let mut shopper = app.shopper().await;
    let welcome = shopper
        .hello(json!({ "consent": false, "page": page() }))
        .await;
    let visitor = welcome["visitor_id"].as_str().unwrap().to_owned();
    shopper
        .send(json!({ "type": "event", "name": "add_to_cart", "props": { "sku": "TENT-2" } }))
        .await;
    let (refused, before) = shopper.recv_type("error").await;
    assert_eq!(refused["code"], "no_consent", "{refused}");
    assert_eq!(refused["field"], "name");
    assert!(
        before.iter().all(|f| f["type"] != "proactive"),
        "no rule ran on the hello's page: {before:?}"
    );
    // `identify` is the shop saying who is chatting: taken without consent.
    shopper
        .send(json!({ "type": "event", "name": "identify", "props": { "name": "Ann" } }))
        .await;
    shopper
        .send(json!({ "type": "message", "client_msg_id": "m-1", "text": "Is it waterproof?" }))
        .await;
    let (ack, before) = shopper.recv_type("ack").await;
    assert_eq!(ack["client_msg_id"], "m-1");
    assert!(
        before
            .iter()
            .all(|f| f["type"] != "error" && f["type"] != "proactive"),
        "{before:?}"
    );

    // Live, the agents see a visitor without a page or cart.
    let path = format!("/api/v1/sites/{}/visitors/{visitor}", app.seed.site_id);
    let state: Value = app.get_json(&path, &owner).await;
    assert!(state["current_page"].is_null(), "{state}");
    assert!(state["cart"].is_null(), "{state}");
    assert_eq!(state["attributes"]["name"], "Ann", "{state}");

    // Gone, nothing of its browsing was saved.
    shopper.close().await;
    let until = std::time::Instant::now() + DEADLINE;
    loop {
        let response = app
            .http
            .get(app.url(&path))
            .bearer_auth(&owner)
            .send()
            .await
            .unwrap();
        if response.status() == 404 {
            break;
        }
        let state: Value = response.json().await.unwrap();
        assert!(state["current_page"].is_null(), "{state}");
        if state["online"] == false {
            assert!(
                state["trail"].as_array().is_none_or(Vec::is_empty),
                "{state}"
            );
            break;
        }
        assert!(std::time::Instant::now() < until, "{state}");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    app.stop().await;
}
