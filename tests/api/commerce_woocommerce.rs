//! WooCommerce's webhooks over real HTTP, with resources in the shape of the WooCommerce REST
//! API v3 (`tests/fixtures/woocommerce/`), signed as WooCommerce signs them (base64
//! HMAC-SHA256 of the raw body under the webhook's secret): the ping when an owner saves the
//! webhook, order and customer updates, bad signatures and replays.

use super::commerce_push::{app, stored_order};
use crate::common::{TestApp, json_of};
use serde_json::{Value, json};
use shopchat::commerce::platform::signature_of;

const SECRET: &str = "wc-webhook-secret";
const ORDER: &str = include_str!("../fixtures/woocommerce/order_updated.json");
const CUSTOMER: &str = include_str!("../fixtures/woocommerce/customer_updated.json");

async fn deliver(
    app: &TestApp,
    topic: &str,
    id: &str,
    body: &str,
    secret: &str,
) -> reqwest::Response {
    app.http
        .post(app.url(&format!("/hooks/woocommerce/{}", app.seed.site_id)))
        .header("content-type", "application/json")
        .header("x-wc-webhook-source", "https://shop.example/")
        .header("x-wc-webhook-topic", topic)
        .header("x-wc-webhook-resource", topic.split('.').next().unwrap())
        .header("x-wc-webhook-event", topic.split('.').nth(1).unwrap())
        .header("x-wc-webhook-delivery-id", id)
        .header(
            "x-wc-webhook-signature",
            signature_of(secret, body.as_bytes()),
        )
        .body(body.to_owned())
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_ping_then_signed_orders_and_customers_are_stored() {
    let app = app().await;
    let owner = app.owner_token().await;
    // WooCommerce pings when the owner saves the webhook, before any secret matters.
    let ping = app
        .http
        .post(app.url(&format!("/hooks/woocommerce/{}", app.seed.site_id)))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("webhook_id=12")
        .send()
        .await
        .unwrap();
    assert_eq!(json_of(ping, 200).await["result"], "ping");
    // Without a secret, a signed order is refused.
    assert_eq!(
        deliver(&app, "order.updated", "1", ORDER, SECRET)
            .await
            .status(),
        401
    );
    let set = app
        .put(
            &app.site_path("/commerce/settings"),
            &owner,
            json!({ "woocommerce_secret": SECRET }),
        )
        .await;
    assert_eq!(set.status(), 200);

    let created = deliver(&app, "order.created", "1", ORDER, SECRET).await;
    assert_eq!(json_of(created, 200).await["result"], "created");
    let (_, order) = stored_order(&app, &owner, "727").await;
    assert_eq!(order["number"], "727");
    assert_eq!(order["status"], "processing");
    assert_eq!(order["total"], "29.35");
    assert_eq!(order["customer_id"], "25");
    assert_eq!(order["shipments"][0]["carrier"], "DHL Express");
    assert_eq!(order["shipments"][0]["tracking_number"], "JD0146000012");

    // Completed later: a newer date_modified_gmt replaces it.
    let mut done: Value = serde_json::from_str(ORDER).unwrap();
    done["status"] = json!("completed");
    done["date_modified_gmt"] = json!("2026-11-05T10:00:00");
    let updated = deliver(&app, "order.updated", "2", &done.to_string(), SECRET).await;
    assert_eq!(json_of(updated, 200).await["result"], "updated");
    assert_eq!(
        stored_order(&app, &owner, "727").await.1["status"],
        "completed"
    );
    // The earlier delivery once more (WooCommerce retried it): a replay.
    let replay = deliver(&app, "order.created", "1", ORDER, SECRET).await;
    assert_eq!(json_of(replay, 200).await["result"], "replay");
    assert_eq!(
        stored_order(&app, &owner, "727").await.1["status"],
        "completed"
    );

    let customer = deliver(&app, "customer.updated", "3", CUSTOMER, SECRET).await;
    assert_eq!(json_of(customer, 200).await["result"], "created");
    let stored = app
        .get_json(&app.site_path("/commerce/customers/25"), &owner)
        .await;
    assert_eq!(stored["name"], "John Doe");
    assert_eq!(stored["email"], "john.doe@example.com");
    let deleted = deliver(&app, "order.deleted", "4", r#"{"id":727}"#, SECRET).await;
    assert_eq!(json_of(deleted, 200).await["result"], "ignored");
}

#[tokio::test]
async fn a_bad_signature_stores_nothing() {
    let app = app().await;
    let owner = app.owner_token().await;
    let set = app
        .put(
            &app.site_path("/commerce/settings"),
            &owner,
            json!({ "woocommerce_secret": SECRET }),
        )
        .await;
    assert_eq!(set.status(), 200);
    let wrong = deliver(&app, "order.created", "1", ORDER, "not-the-secret").await;
    assert_eq!(wrong.status(), 401);
    let unsigned = app
        .http
        .post(app.url(&format!("/hooks/woocommerce/{}", app.seed.site_id)))
        .header("x-wc-webhook-topic", "order.created")
        .body(ORDER)
        .send()
        .await
        .unwrap();
    assert_eq!(unsigned.status(), 401);
    assert_eq!(stored_order(&app, &owner, "727").await.0, 404);
    let genuine = deliver(&app, "order.created", "1", ORDER, SECRET).await;
    assert_eq!(json_of(genuine, 200).await["result"], "created");
}
