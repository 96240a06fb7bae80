//! The widget's look comes from the site's chat settings, and `identify` names a customer
//! only with the hash the shop's server computed.

use crate::common::spawn_app_as_owner;
use serde_json::{Value, json};
use shopchat::auth::identity_hash;

#[tokio::test]
async fn welcome_carries_the_sites_colour_greeting_and_language() {
    let (app, owner) = spawn_app_as_owner().await;
    let mut shopper = app.shopper().await;
    let welcome = shopper.hello(json!({})).await;
    assert_eq!(welcome["appearance"]["color"], "#1f6feb", "defaults first");
    app.chat_settings(
        &owner,
        json!({ "color": "#aa3300", "greeting": "Moin! Wie können wir helfen?", "languages": ["de"] }),
    )
    .await;
    let mut next = app.shopper().await;
    let welcome = next.hello(json!({})).await;
    assert_eq!(welcome["appearance"]["color"], "#aa3300");
    assert_eq!(
        welcome["appearance"]["greeting"],
        "Moin! Wie können wir helfen?"
    );
    assert_eq!(welcome["appearance"]["language"], "de");
    assert_eq!(welcome["appearance"]["bot_name"], "Shop assistant");
    let path = format!("/api/v1/sites/{}/chat-settings", app.seed.site_id);
    let bad = app.put(&path, &owner, json!({ "color": "red" })).await;
    assert_eq!(bad.status(), 400);
    let body: Value = bad.json().await.unwrap();
    assert_eq!(body["error"]["field"], "color");
    app.stop().await;
}

#[tokio::test]
async fn identify_names_a_customer_only_with_a_valid_hash() {
    let (app, owner) = spawn_app_as_owner().await;
    let site: Value = app
        .get_json(&format!("/api/v1/sites/{}", app.seed.site_id), &owner)
        .await;
    let secret = site["identity_secret"].as_str().unwrap().to_owned();
    let visitor_state = |visitor: String| {
        let app = &app;
        let owner = owner.clone();
        async move {
            let path = format!("/api/v1/sites/{}/visitors/{visitor}", app.seed.site_id);
            app.get(&path, &owner).await.json::<Value>().await.unwrap()
        }
    };

    // Forged from the browser console: refused as that customer, kept as anonymous data.
    let mut forger = app.shopper().await;
    let welcome = forger.hello(json!({})).await;
    forger
        .send(json!({ "type": "event", "name": "identify", "props": { "user_id": "42", "name": "Mallory", "hash": "deadbeef" } }))
        .await;
    let (err, _) = forger.recv_type("error").await;
    assert_eq!(err["field"], "props.hash");
    forger.drain().await;
    let state = visitor_state(welcome["visitor_id"].as_str().unwrap().to_owned()).await;
    assert_eq!(state["identified"], false);
    assert!(state["attributes"].get("user_id").is_none(), "{state}");
    assert!(state["attributes"].get("hash").is_none());
    assert_eq!(state["attributes"]["name"], "Mallory");

    // Signed by the shop's server: this is customer 42.
    let mut customer = app.shopper().await;
    let welcome = customer.hello(json!({})).await;
    customer
        .send(json!({ "type": "event", "name": "identify", "props": { "user_id": "42", "name": "Eva", "hash": identity_hash(&secret, "42") } }))
        .await;
    let frames = customer.drain().await;
    assert!(frames.iter().all(|f| f["type"] != "error"), "{frames:?}");
    let state = visitor_state(welcome["visitor_id"].as_str().unwrap().to_owned()).await;
    assert_eq!(state["identified"], true);
    assert_eq!(state["attributes"]["user_id"], "42");
    assert!(
        state["attributes"].get("hash").is_none(),
        "the hash is never stored"
    );
    app.stop().await;
}
