//! A site's own language model: owners set an OpenAI-compatible endpoint, model and key for
//! their shop on a server that has none (or instead of the server's); drafts then go there
//! with the site's key; the key is never shown back; a change reaches the next call; bad
//! values are named by field; agents cannot read or set it.

use crate::common::llm::{API_KEY, Answer, MODEL, Provider};
use crate::common::{PASSWORD, TestApp, spawn_app_with};
use serde_json::{Value, json};

async fn draft(app: &TestApp, token: &str, conversation: &str) -> Value {
    let response = app
        .post(
            &app.site_path(&format!("/conversations/{conversation}/draft")),
            token,
            json!({}),
        )
        .await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

async fn put_provider(app: &TestApp, owner: &str, body: Value) -> (u16, Value) {
    let response = app.put(&app.site_path("/ai-provider"), owner, body).await;
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    assert!(
        !text.contains(API_KEY),
        "the key is never shown back: {text}"
    );
    (status, serde_json::from_str(&text).unwrap())
}

#[tokio::test]
async fn a_shop_brings_its_own_model_and_its_key_stays_secret() {
    let provider = Provider::start().await;
    // A server with no model of its own that lets owners use plain-http URLs (as the
    // stand-in is); a real one would want https.
    let app = spawn_app_with(|s| s.allow_http_webhooks = true).await;
    let owner = app.owner_token().await;
    let mut shopper = app.shopper().await;
    shopper.hello(json!({})).await;
    shopper
        .send(json!({ "type": "message", "client_msg_id": "m-1", "text": "Can I pay by invoice?" }))
        .await;
    let (ack, _) = shopper.recv_type("ack").await;
    let conversation = ack["conversation_id"].as_str().unwrap().to_owned();
    assert_eq!(
        draft(&app, &owner, &conversation).await["fallback"],
        "ai_off"
    );
    let none = app.get_json(&app.site_path("/ai-provider"), &owner).await;
    assert_eq!(
        none,
        json!({ "base_url": null, "model": null, "api_key_set": false })
    );

    let (status, set) = put_provider(
        &app,
        &owner,
        json!({ "base_url": format!("{}/", provider.base_url), "model": MODEL, "api_key": API_KEY }),
    )
    .await;
    assert_eq!(status, 200, "{set}");
    assert_eq!(
        set,
        json!({ "base_url": provider.base_url, "model": MODEL, "api_key_set": true })
    );
    provider.script([Answer::Completion(
        json!({ "reply": "Yes, invoices are fine for orders up to 500 EUR." }).to_string(),
    )]);
    let drafted = draft(&app, &owner, &conversation).await;
    assert_eq!(
        drafted["source"], "model",
        "the site's key and model were used: {drafted}"
    );
    let usage = app.get_json(&app.site_path("/ai-usage"), &owner).await;
    assert_eq!(
        (usage["model"].as_str(), usage["own_provider"].as_bool()),
        (Some(MODEL), Some(true))
    );

    // Another model without a key field keeps the key; a null key removes it (the stand-in
    // then refuses the call, and the draft falls back).
    let (_, kept) = put_provider(
        &app,
        &owner,
        json!({ "base_url": provider.base_url, "model": MODEL }),
    )
    .await;
    assert_eq!(kept["api_key_set"], true);
    let (_, removed) = put_provider(
        &app,
        &owner,
        json!({ "base_url": provider.base_url, "model": MODEL, "api_key": null }),
    )
    .await;
    assert_eq!(removed["api_key_set"], false);
    assert_eq!(
        draft(&app, &owner, &conversation).await["fallback"],
        "status"
    );
    let before = provider.requests().len();

    // Back to the server's model: there is none.
    let (_, cleared) = put_provider(&app, &owner, json!({ "base_url": null })).await;
    assert_eq!(cleared, none);
    assert_eq!(
        draft(&app, &owner, &conversation).await["fallback"],
        "ai_off"
    );
    assert_eq!(provider.requests().len(), before, "no call without a model");
    app.stop().await;
}

#[tokio::test]
async fn a_bad_provider_is_named_by_field_and_only_owners_may_see_it() {
    let app = spawn_app_with(|_| {}).await;
    let owner = app.owner_token().await;
    for (body, field) in [
        (
            json!({ "base_url": "http://10.0.0.7/v1", "model": "m" }),
            "base_url",
        ),
        (json!({ "base_url": "https://api.example.com/v1" }), "model"),
        (
            json!({ "base_url": "https://api.example.com/v1", "model": "m", "api_key": 42 }),
            "api_key",
        ),
        (
            json!({ "base_url": "https://api.example.com/v1", "model": "m", "key": "x" }),
            "key",
        ),
    ] {
        let (status, error) = put_provider(&app, &owner, body.clone()).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(error["error"]["field"], field, "{body} → {error}");
    }
    let bob = app.login(&app.seed.agent_email, PASSWORD).await;
    let response = app.get(&app.site_path("/ai-provider"), &bob).await;
    assert_eq!(response.status(), 403);
    let response = app
        .put(
            &app.site_path("/ai-provider"),
            &bob,
            json!({ "base_url": "https://api.example.com/v1", "model": "m" }),
        )
        .await;
    assert_eq!(response.status(), 403);
    app.stop().await;
}
