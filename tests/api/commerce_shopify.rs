//! Shopify's webhooks over real HTTP, with payloads in the shape of shopify.dev's webhook
//! reference (`tests/fixtures/shopify/`), signed the way Shopify signs them: base64
//! HMAC-SHA256 of the raw body under the app's client secret. A bad or missing signature
//! stores nothing; a replayed delivery is a no-op; a parcel or refund for an order not stored
//! yet is answered with a retryable status and applied when Shopify retries after the order.

use super::commerce_push::{app, stored_order};
use crate::common::{TestApp, json_of};
use serde_json::{Value, json};
use shopchat::commerce::platform::signature_of;

const SECRET: &str = "shpss_test_client_secret";
const ORDER: &str = include_str!("../fixtures/shopify/orders_create.json");
const FULFILLMENT: &str = include_str!("../fixtures/shopify/fulfillments_update.json");
const REFUND: &str = include_str!("../fixtures/shopify/refunds_create.json");
const CUSTOMER: &str = include_str!("../fixtures/shopify/customers_update.json");
const ORDER_ID: &str = "820982911946154508";

/// The value of the first series of `name` whose labels include every one of `labels`
/// (the recorder is process-wide and other tests run beside this one: compare with at least).
pub async fn metric(app: &TestApp, name: &str, labels: &[&str]) -> f64 {
    let text = app
        .http
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .filter(|l| l.starts_with(&format!("{name}{{")))
        .find(|l| labels.iter().all(|label| l.contains(label)))
        .and_then(|l| l.rsplit(' ').next()?.parse().ok())
        .unwrap_or(0.0)
}

/// A delivery to the seeded site's Shopify route, signed under `secret`.
async fn deliver(
    app: &TestApp,
    topic: &str,
    id: &str,
    body: &str,
    secret: &str,
) -> reqwest::Response {
    app.http
        .post(app.url(&format!("/hooks/shopify/{}", app.seed.site_id)))
        .header("content-type", "application/json")
        .header("x-shopify-topic", topic)
        .header("x-shopify-webhook-id", id)
        .header("x-shopify-shop-domain", "shop.myshopify.com")
        .header(
            "x-shopify-hmac-sha256",
            signature_of(secret, body.as_bytes()),
        )
        .body(body.to_owned())
        .send()
        .await
        .unwrap()
}

async fn with_secret() -> (TestApp, String) {
    let app = app().await;
    let owner = app.owner_token().await;
    let set = app
        .put(
            &app.site_path("/commerce/settings"),
            &owner,
            json!({ "shopify_secret": SECRET }),
        )
        .await;
    assert_eq!(set.status(), 200);
    (app, owner)
}

#[tokio::test]
async fn signed_order_fulfillment_refund_and_customer_are_stored() {
    let (app, owner) = with_secret().await;
    let created = deliver(&app, "orders/create", "w-1", ORDER, SECRET).await;
    assert_eq!(json_of(created, 200).await["result"], "created");
    let (_, order) = stored_order(&app, &owner, ORDER_ID).await;
    assert_eq!(order["number"], "#9999");
    assert_eq!(order["total"], "403.00");
    assert_eq!(order["status"], "processing");
    assert_eq!(order["items"][0]["sku"], "IPOD2008PINK");

    let parcel = deliver(&app, "fulfillments/update", "w-2", FULFILLMENT, SECRET).await;
    assert_eq!(json_of(parcel, 200).await["result"], "updated");
    let refund = deliver(&app, "refunds/create", "w-3", REFUND, SECRET).await;
    assert_eq!(json_of(refund, 200).await["result"], "updated");
    let (_, order) = stored_order(&app, &owner, ORDER_ID).await;
    let shipment = &order["shipments"][0];
    assert_eq!(shipment["carrier"], "UPS");
    assert_eq!(shipment["status"], "in_transit");
    assert!(
        shipment["tracking_url"]
            .as_str()
            .unwrap()
            .starts_with("https://www.ups.com/")
    );
    assert_eq!(order["refunds"][0]["amount"], "199.00");

    let customer = deliver(&app, "customers/update", "w-4", CUSTOMER, SECRET).await;
    assert_eq!(json_of(customer, 200).await["result"], "created");
    let path = app.site_path("/commerce/customers/706405506930370084");
    let customer = app.get_json(&path, &owner).await;
    assert_eq!(customer["tags"], json!(["VIP", "wholesale"]));
    assert_eq!(customer["total_spent"]["amount"], "412.50");

    // A topic shopchat does not read is acknowledged, so Shopify stops sending it.
    let product = deliver(&app, "products/create", "w-5", r#"{"id":1}"#, SECRET).await;
    assert_eq!(json_of(product, 200).await["result"], "ignored");
    let labels = [
        "source=\"shopify\"",
        "kind=\"order\"",
        "outcome=\"created\"",
    ];
    assert!(metric(&app, "shopchat_commerce_ingested_total", &labels).await >= 1.0);
}

#[tokio::test]
async fn a_bad_or_missing_signature_or_secret_stores_nothing() {
    let app = app().await;
    let owner = app.owner_token().await;
    // No secret set yet: refused even when "signed".
    let early = deliver(&app, "orders/create", "w-1", ORDER, SECRET).await;
    assert_eq!(early.status(), 401);
    let set = app
        .put(
            &app.site_path("/commerce/settings"),
            &owner,
            json!({ "shopify_secret": SECRET }),
        )
        .await;
    assert_eq!(set.status(), 200);
    let wrong = deliver(&app, "orders/create", "w-1", ORDER, "someone-elses-secret").await;
    assert_eq!(json_of(wrong, 401).await["error"]["code"], "unauthorized");
    // Signed, then one byte changed: the signature covers the raw body.
    let signature = signature_of(SECRET, ORDER.as_bytes());
    let tampered = ORDER.replace("\"403.00\"", "\"0.01\"");
    let forged = app
        .http
        .post(app.url(&format!("/hooks/shopify/{}", app.seed.site_id)))
        .header("x-shopify-topic", "orders/create")
        .header("x-shopify-webhook-id", "w-1")
        .header("x-shopify-hmac-sha256", signature)
        .body(tampered)
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 401);
    let failures = ["source=\"shopify\"", "reason=\"mismatch\""];
    assert!(
        metric(
            &app,
            "shopchat_commerce_signature_failures_total",
            &failures
        )
        .await
            >= 2.0
    );
    let unsigned = app
        .http
        .post(app.url(&format!("/hooks/shopify/{}", app.seed.site_id)))
        .header("x-shopify-topic", "orders/create")
        .body(ORDER)
        .send()
        .await
        .unwrap();
    assert_eq!(unsigned.status(), 401);
    assert_eq!(stored_order(&app, &owner, ORDER_ID).await.0, 404);
    // The refused delivery id was not remembered: the genuine one is applied.
    let genuine = deliver(&app, "orders/create", "w-1", ORDER, SECRET).await;
    assert_eq!(json_of(genuine, 200).await["result"], "created");
    // Another site's route does not take this site's secret.
    let other = app
        .http
        .post(app.url(&format!("/hooks/shopify/{}", app.seed.other_site_id)))
        .header("x-shopify-topic", "orders/create")
        .header(
            "x-shopify-hmac-sha256",
            signature_of(SECRET, ORDER.as_bytes()),
        )
        .body(ORDER)
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 401);
}

#[tokio::test]
async fn a_replayed_delivery_changes_nothing() {
    let (app, owner) = with_secret().await;
    assert_eq!(
        deliver(&app, "orders/create", "w-1", ORDER, SECRET)
            .await
            .status(),
        200
    );
    // The same delivery id again, even with a newer body, is a replay: not applied.
    let mut newer: Value = serde_json::from_str(ORDER).unwrap();
    newer["updated_at"] = json!("2026-11-09T12:00:00-05:00");
    newer["cancelled_at"] = json!("2026-11-09T12:00:00-05:00");
    let replay = deliver(&app, "orders/updated", "w-1", &newer.to_string(), SECRET).await;
    assert_eq!(json_of(replay, 200).await["result"], "replay");
    assert_eq!(
        stored_order(&app, &owner, ORDER_ID).await.1["status"],
        "processing"
    );
    // A new delivery id with the same old body: applied, but as old as stored.
    let same = deliver(&app, "orders/updated", "w-2", ORDER, SECRET).await;
    assert_eq!(json_of(same, 200).await["result"], "unchanged");
    let cancel = deliver(&app, "orders/cancelled", "w-3", &newer.to_string(), SECRET).await;
    assert_eq!(json_of(cancel, 200).await["result"], "updated");
    assert_eq!(
        stored_order(&app, &owner, ORDER_ID).await.1["status"],
        "cancelled"
    );
}

#[tokio::test]
async fn a_fulfillment_before_its_order_is_retried_until_the_order_arrives() {
    let (app, owner) = with_secret().await;
    let early = deliver(&app, "fulfillments/create", "f-1", FULFILLMENT, SECRET).await;
    assert_eq!(early.status(), 409);
    assert!(early.headers().get("retry-after").is_some());
    let refund = deliver(&app, "refunds/create", "r-1", REFUND, SECRET).await;
    assert_eq!(refund.status(), 409);
    assert_eq!(
        deliver(&app, "orders/create", "o-1", ORDER, SECRET)
            .await
            .status(),
        200
    );
    // Shopify retries with the same delivery ids: they were not remembered, so they apply.
    let retried = deliver(&app, "fulfillments/create", "f-1", FULFILLMENT, SECRET).await;
    assert_eq!(json_of(retried, 200).await["result"], "updated");
    let retried = deliver(&app, "refunds/create", "r-1", REFUND, SECRET).await;
    assert_eq!(json_of(retried, 200).await["result"], "updated");
    let (_, order) = stored_order(&app, &owner, ORDER_ID).await;
    assert_eq!(order["shipments"].as_array().unwrap().len(), 1);
    assert_eq!(order["refunds"].as_array().unwrap().len(), 1);
    // A signed payload that is not an order names the field.
    let bad = deliver(
        &app,
        "orders/updated",
        "o-2",
        r#"{"id": 1, "currency": "USD"}"#,
        SECRET,
    )
    .await;
    assert_eq!(json_of(bad, 400).await["error"]["field"], "total_price");
}
