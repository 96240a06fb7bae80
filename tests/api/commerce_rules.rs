//! The shop's data in rules and routing: `customer.*` / `last_order.*` facts and
//! `{{ order.* }}` / `{{ customer.* }}` in rule messages for a shopper the shop verified (and
//! for nobody else, whatever they put in `identify`), order questions tagging the chat, and a
//! valued customer's chat tagged `vip` and queued first.

use crate::commerce_push::{new_key, push};
use crate::common::{Shopper, TestApp, spawn_app_as_owner};
use reqwest::Method;
use serde_json::{Value, json};
use shopchat::auth::identity_hash;
use std::time::Instant;

/// A push key and the site's identity secret, with a valued customer `cust-9` (shop tag
/// `VIP`, €900 spent) whose newest order `#5001` is in transit.
async fn shop_with_a_valued_customer(app: &TestApp, owner: &str) -> String {
    let (_, key) = new_key(app, owner, "sync").await;
    let customer = json!({
        "id": "cust-9", "email": "vera@example.com", "name": "Vera", "tags": ["VIP"],
        "orders_count": 7, "total_spent": { "amount": "900.00", "currency": "EUR" },
        "created_at": 1_600_000_000_000_i64, "updated_at": 1_700_000_000_000_i64
    });
    let response = push(
        app,
        Method::PUT,
        "/api/v1/commerce/customers/cust-9",
        &key,
        &customer,
    )
    .await;
    assert!(response.status().is_success(), "{}", response.status());
    let order = json!({
        "id": "o-5001", "number": "#5001", "customer_id": "cust-9", "status": "processing",
        "fulfillment_status": "fulfilled", "currency": "EUR", "total": "120.00",
        "items": [{ "name": "Alpine jacket", "quantity": 1, "price": "120.00" }],
        "created_at": 1_700_000_000_000_i64, "updated_at": 1_700_000_100_000_i64,
        "shipments": [{ "id": "p-1", "carrier": "DHL", "status": "in_transit",
            "tracking_url": "https://track.example/p-1",
            "created_at": 1_700_000_050_000_i64, "updated_at": 1_700_000_100_000_i64 }]
    });
    let response = push(
        app,
        Method::PUT,
        "/api/v1/commerce/orders/o-5001",
        &key,
        &order,
    )
    .await;
    assert!(response.status().is_success(), "{}", response.status());
    let site: Value = app
        .get_json(&format!("/api/v1/sites/{}", app.seed.site_id), owner)
        .await;
    site["identity_secret"].as_str().unwrap().to_owned()
}

/// Sends a message and waits for its ack: every frame sent before it has been handled.
async fn barrier(shopper: &mut Shopper, id: &str) -> Value {
    shopper
        .send(json!({ "type": "message", "client_msg_id": id, "text": "hello" }))
        .await;
    shopper.recv_type("ack").await.0
}

#[tokio::test]
async fn rules_read_the_shops_facts_for_a_verified_shopper_only() {
    let (app, owner) = spawn_app_as_owner().await;
    let secret = shop_with_a_valued_customer(&app, &owner).await;
    let rule = app
        .create_rule(
            &owner,
            json!({
                "name": "Valued customer with a parcel on its way",
                "when": "identify",
                "conditions": { "all": [
                    { "fact": "customer.tags", "op": "contains", "value": "vip" },
                    { "fact": "customer.total_spent", "op": "gte", "value": 500 },
                    { "fact": "last_order.status", "op": "eq", "value": "processing" },
                    { "fact": "last_order.fulfillment_status", "op": "in", "value": ["fulfilled", "partial"] }
                ] },
                "actions": [{ "type": "message",
                    "text": "Hi {{ customer.name }}! Order {{ order.number }} is {{ order.status }} with {{ order.carrier }}: {{ order.tracking_url }} ({{ customer.total_spent }} with us)" }],
                "frequency": { "once_per": "visitor" }
            }),
        )
        .await;

    // Someone claiming to be cust-9 from the browser console: not vouched for, no facts.
    let mut forger = app.shopper().await;
    forger.hello(json!({})).await;
    forger
        .send(json!({ "type": "event", "name": "identify", "props": { "user_id": "cust-9", "hash": "00" } }))
        .await;
    // A verified customer of the shop, but someone else: their own (empty) facts only, even
    // with cust-9's email beside their verified id.
    let mut other = app.shopper().await;
    other.hello(json!({})).await;
    other
        .send(json!({ "type": "event", "name": "identify", "props": {
            "user_id": "cust-2", "email": "vera@example.com", "hash": identity_hash(&secret, "cust-2") } }))
        .await;
    for (shopper, id) in [(&mut forger, "f"), (&mut other, "o")] {
        barrier(shopper, id).await;
        let frames = shopper.drain().await;
        assert!(
            frames.iter().all(|f| f["type"] != "proactive"),
            "{frames:?}"
        );
    }
    assert_eq!(app.rule_report(&owner, &rule).await["shown"]["fired"], 0);

    // The real cust-9, identified by the shop: the rule fires with the shop's data in it.
    let mut vera = app.shopper().await;
    vera.hello(json!({})).await;
    vera.send(json!({ "type": "event", "name": "identify", "props": {
            "user_id": "cust-9", "name": "Vera", "hash": identity_hash(&secret, "cust-9") } }))
        .await;
    let (proactive, before) = vera.recv_type("proactive").await;
    assert_eq!(proactive["rule_id"], rule.as_str());
    let message = before.iter().find(|f| f["type"] == "message").unwrap();
    assert_eq!(
        message["text"],
        "Hi Vera! Order #5001 is in transit with DHL: https://track.example/p-1 (€900.00 with us)",
        "{message}"
    );
    assert_eq!(app.rule_report(&owner, &rule).await["shown"]["fired"], 1);
    app.stop().await;
}

/// Waits until the conversation as the owner reads it satisfies `test`.
async fn conversation_until(
    app: &TestApp,
    owner: &str,
    id: &str,
    test: impl Fn(&Value) -> bool,
) -> Value {
    let started = Instant::now();
    loop {
        let conv = app.conversation(owner, id).await["conversation"].clone();
        if test(&conv) {
            return conv;
        }
        assert!(started.elapsed() < app.deadline, "never: {conv}");
        tokio::task::yield_now().await;
    }
}

#[tokio::test]
async fn order_questions_tag_the_chat_and_a_valued_customer_is_queued_first() {
    let (app, owner) = spawn_app_as_owner().await;
    let secret = shop_with_a_valued_customer(&app, &owner).await;

    // An anonymous shopper asks where their order is: tagged, normal priority.
    let mut anon = app.shopper().await;
    anon.hello(json!({})).await;
    anon.send(json!({ "type": "message", "client_msg_id": "a", "text": "Hi, where is my order?" }))
        .await;
    let (ack, _) = anon.recv_type("ack").await;
    let anon_id = ack["conversation_id"].as_str().unwrap().to_owned();
    let conv = conversation_until(&app, &owner, &anon_id, |c| {
        c["tags"]
            .as_array()
            .is_some_and(|t| t.contains(&json!("wismo")))
    })
    .await;
    assert!(!conv["tags"].as_array().unwrap().contains(&json!("vip")));
    anon.send(json!({ "type": "handoff" })).await;
    anon.until(|f| f["type"] == "status").await;

    // The valued customer wants to send something back and asks for a person: tagged
    // `return` and `vip`, with a high priority.
    let mut vera = app.shopper().await;
    vera.hello(json!({})).await;
    vera.send(json!({ "type": "event", "name": "identify", "props": {
            "user_id": "cust-9", "hash": identity_hash(&secret, "cust-9") } }))
        .await;
    vera.send(
        json!({ "type": "message", "client_msg_id": "v", "text": "I'd like to return the jacket" }),
    )
    .await;
    let (ack, _) = vera.recv_type("ack").await;
    let vera_id = ack["conversation_id"].as_str().unwrap().to_owned();
    vera.send(json!({ "type": "handoff" })).await;
    let conv = conversation_until(&app, &owner, &vera_id, |c| c["priority"] == 5).await;
    let tags = conv["tags"].as_array().unwrap();
    assert!(
        tags.contains(&json!("return")) && tags.contains(&json!("vip")),
        "{conv}"
    );

    let anon_conv = app.conversation(&owner, &anon_id).await;
    assert_eq!(
        anon_conv["conversation"]["priority"], 0,
        "an anonymous shopper is not valued"
    );

    // One agent with room for one chat comes online: routing gives her Vera's chat, though
    // the anonymous shopper has waited longer.
    let me = app.my_agent_id(&owner).await;
    let path = format!(
        "/api/v1/sites/{}/agents/{}",
        app.seed.site_id,
        me.as_str().unwrap()
    );
    assert_eq!(
        app.patch(&path, &owner, json!({ "capacity": 1 }))
            .await
            .status(),
        200
    );
    let (mut ws, _) = app.agent(&owner).await;
    let routed = ws.until(|f| f["type"] == "routed").await;
    assert_eq!(routed["conversation_id"], vera_id.as_str());
    app.stop().await;
}
