//! The owners' reports and outbound webhooks checked against their schemas: a simulated
//! journey (a rule that fires, one that does not), a rule's funnel after it fired, the site
//! report, and the webhook endpoints, a test event and its delivery log.

use super::answers::{body_of, check, check_request};
use super::served;
use crate::common::DEADLINE;
use crate::outbound_events::{app, create_endpoint, receiver};
use serde_json::{Value, json};

/// Tags a visitor who opens a product page.
fn product_rule() -> Value {
    json!({ "name": "Tag product viewers", "when": "page_view",
            "conditions": { "fact": "page.type", "op": "eq", "value": "product" },
            "actions": [{ "type": "tag", "tag": "browsed-products" }],
            "frequency": { "once_per": "visitor" } })
}

#[tokio::test]
async fn the_report_and_webhook_schemas_describe_what_the_routes_answer() {
    let app = app().await;
    let owner = app.owner_token().await;
    let doc = served(&app).await;

    let journey = json!({
        "steps": [
            { "at": 0, "event": "page_view", "props": { "url": "https://shop.example/p/1", "type": "product" } },
            { "at": 12, "event": "cart_update", "props": { "total": 80 } }
        ],
        "rules": [product_rule(), { "name": "Big cart", "when": "cart_update",
            "conditions": { "fact": "cart.total", "op": "gte", "value": 100 },
            "actions": [{ "type": "tag", "tag": "big" }] }],
    });
    let simulate = "/api/v1/sites/{site_id}/rules/simulate";
    check_request(&doc, simulate, "post", &journey);
    let simulated = app
        .post(&app.site_path("/rules/simulate"), &owner, journey)
        .await;
    let simulated = body_of(simulated, 200).await;
    assert!(simulated["rules"][1]["failed"].is_array(), "{simulated}");
    check(&doc, simulate, "post", 200, &simulated);

    let rule = app.create_rule(&owner, product_rule()).await;
    let mut shopper = app.shopper().await;
    shopper.hello(json!({})).await;
    shopper
        .send(json!({ "type": "event", "name": "page_view",
                      "props": { "url": "https://shop.example/p/1", "type": "product" } }))
        .await;
    shopper.drain().await;
    let funnel = app.rule_report(&owner, &rule).await;
    assert_eq!(
        funnel["shown"]["fired"].as_u64().unwrap() + funnel["held_out"]["fired"].as_u64().unwrap(),
        1,
        "{funnel}"
    );
    check(
        &doc,
        "/api/v1/sites/{site_id}/rules/{rule_id}/report",
        "get",
        200,
        &funnel,
    );
    let report = app.get_json(&app.site_path("/report?days=3"), &owner).await;
    assert_eq!(report["days"].as_array().unwrap().len(), 3, "{report}");
    assert_eq!(report["rules"].as_array().unwrap().len(), 1, "{report}");
    check(&doc, "/api/v1/sites/{site_id}/report", "get", 200, &report);

    let hooks = receiver(Vec::new()).await;
    let endpoint = create_endpoint(&app, &owner, &hooks.url, &["conversation.created"]).await;
    let listed = app.get_json(&app.site_path("/webhooks"), &owner).await;
    assert_eq!(listed["endpoints"].as_array().unwrap().len(), 1, "{listed}");
    check(
        &doc,
        "/api/v1/sites/{site_id}/webhooks",
        "get",
        200,
        &listed,
    );
    let id = endpoint["id"].as_str().unwrap();
    let tested = app
        .post(
            &app.site_path(&format!("/webhooks/{id}/test")),
            &owner,
            json!({}),
        )
        .await;
    check(
        &doc,
        "/api/v1/sites/{site_id}/webhooks/{endpoint_id}/test",
        "post",
        202,
        &body_of(tested, 202).await,
    );
    hooks.until("the test event", |d| !d.is_empty()).await;
    // The attempt is logged as it ends, just after the receiver answered.
    let deadline = tokio::time::Instant::now() + DEADLINE;
    let log = loop {
        let log = app
            .get_json(&app.site_path("/webhooks/deliveries"), &owner)
            .await;
        if !log["deliveries"].as_array().unwrap().is_empty() {
            break log;
        }
        assert!(tokio::time::Instant::now() < deadline, "{log}");
        tokio::task::yield_now().await;
    };
    check(
        &doc,
        "/api/v1/sites/{site_id}/webhooks/deliveries",
        "get",
        200,
        &log,
    );
    app.stop().await;
}
