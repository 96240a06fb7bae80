//! The shop's data for agents: the context pane beside a chat (`GET
//! …/conversations/{id}/customer`), canned replies filled from the shop's orders and customer,
//! and suggestions ranked with the latest order's state. The shop's records are written into
//! the data dir before the server starts, as a back-fill would have left them.

use crate::common::seed::{SeedPlan, seed_plan};
use crate::common::{PASSWORD, Shopper, TestApp, json_of, start, test_settings};
use serde_json::{Value, json};
use shopchat::auth::identity_hash;
use shopchat::commerce::{Customer, Order, OrderRequest, RequestKind, RequestStatus};
use shopchat::domain::{ConversationId, RequestId, SiteId, Timestamp, VisitorId};
use shopchat::store::prelude::*;
use shopchat::store::sqlite::SqliteStore;
use tempfile::TempDir;

const DAY: i64 = 24 * 60 * 60 * 1000;
/// Eva's tracking link: the one the pane and the canned reply must show.
const TRACKING: &str = "https://track.example/dhl/1Z999";

/// A server whose store already holds the shop's records; the dir lives as long as it.
pub(crate) struct ShopApp {
    pub(crate) app: TestApp,
    pub(crate) _dir: TempDir,
}

fn now() -> i64 {
    Timestamp::now().0
}

/// Eva (customer `c-42`, verified by the shop) and Kari (`c-77`, known only by email).
fn customers() -> Vec<Customer> {
    let t = now();
    [
        json!({ "id": "c-42", "email": "eva@example.com", "name": "Eva Example", "tags": ["vip", "newsletter"],
                "orders_count": 3, "total_spent": { "amount": "420.5", "currency": "EUR" },
                "created_at": t - 400 * DAY, "updated_at": t - DAY }),
        json!({ "id": "c-77", "email": "kari@example.no", "name": "Kari", "orders_count": 1,
                "total_spent": { "amount": "35", "currency": "NOK" },
                "created_at": t - 30 * DAY, "updated_at": t - 30 * DAY }),
    ]
    .into_iter()
    .map(|c| serde_json::from_value(c).unwrap())
    .collect()
}

/// Eva's three orders (one in transit, one paid and not shipped for 20 days, one delivered,
/// partly refunded and being returned) and Kari's one.
fn orders() -> Vec<Order> {
    let t = now();
    [
        json!({ "id": "o-1002", "number": "#1002", "customer_id": "c-42", "email": "eva@example.com",
            "status": "processing", "financial_status": "paid", "fulfillment_status": "fulfilled",
            "currency": "EUR", "total": "119.90",
            "items": [{ "sku": "TS-1", "name": "Trail Shoe", "quantity": 2, "price": "59.95" }],
            "shipments": [{ "id": "f-1", "carrier": "DHL", "tracking_number": "1Z999",
                "tracking_url": TRACKING, "status": "in_transit",
                "estimated_delivery": t + 2 * DAY,
                "events": [
                    { "at": t - 2 * DAY, "status": "confirmed", "description": "Label created" },
                    { "at": t - DAY, "status": "in_transit", "description": "Arrived at sort facility", "location": "Leipzig" }
                ],
                "created_at": t - 2 * DAY, "updated_at": t - DAY }],
            "created_at": t - 3 * DAY, "updated_at": t - DAY }),
        json!({ "id": "o-1001", "number": "#1001", "customer_id": "c-42", "status": "processing",
            "financial_status": "paid", "currency": "EUR", "total": "89",
            "items": [{ "name": "Rain Jacket", "quantity": 1, "price": "89" }],
            "created_at": t - 20 * DAY, "updated_at": t - 20 * DAY }),
        json!({ "id": "o-1000", "number": "#1000", "customer_id": "c-42", "status": "completed",
            "financial_status": "partially_refunded", "fulfillment_status": "fulfilled",
            "currency": "EUR", "total": "211.6",
            "items": [{ "name": "Tent", "quantity": 1, "price": "211.6" }],
            "shipments": [{ "id": "f-0", "carrier": "UPS", "status": "delivered",
                "created_at": t - 58 * DAY, "updated_at": t - 55 * DAY }],
            "refunds": [{ "id": "r-1", "amount": "10", "note": "dented box", "created_at": t - 50 * DAY }],
            "returns": [{ "id": "ret-1", "status": "requested", "created_at": t - 49 * DAY, "updated_at": t - 49 * DAY }],
            "created_at": t - 60 * DAY, "updated_at": t - 49 * DAY }),
        json!({ "id": "o-2001", "number": "#2001", "email": "kari@example.no", "status": "completed",
            "fulfillment_status": "fulfilled", "currency": "NOK", "total": "35",
            "items": [{ "name": "Socks", "quantity": 1, "price": "35" }],
            "created_at": t - 30 * DAY, "updated_at": t - 30 * DAY }),
    ]
    .into_iter()
    .map(|o| serde_json::from_value(o).unwrap())
    .collect()
}

/// The standard seed plus the shop's records (and an open return request on Eva's #1000),
/// then the server.
pub(crate) async fn shop_app() -> ShopApp {
    let dir = TempDir::new().unwrap();
    let seed = seed_plan(dir.path(), &SeedPlan::standard()).await;
    let store = SqliteStore::open(dir.path()).unwrap();
    let site = SiteId::parse(&seed.site_id).unwrap();
    for customer in customers() {
        store.upsert_customer(&site, customer).await.unwrap();
    }
    for order in orders() {
        store.upsert_order(&site, order).await.unwrap();
    }
    store
        .create_request(&OrderRequest {
            id: RequestId::generate(),
            site_id: site.clone(),
            order_id: shopchat::commerce::ExternalId::parse("o-1000").unwrap(),
            order_number: "#1000".into(),
            kind: RequestKind::Return,
            reason: Some("too small".into()),
            conversation_id: ConversationId::generate(),
            visitor_id: VisitorId::generate(),
            status: RequestStatus::Open,
            created_at: Timestamp(now() - 2 * DAY),
        })
        .await
        .unwrap();
    store.close().await;
    let app = start(test_settings(dir.path()), seed).await;
    ShopApp { app, _dir: dir }
}

/// A shopper the shop signed in as customer `user_id`, who has written `text`; returns the
/// socket and the conversation's id.
pub(crate) async fn verified_shopper(
    app: &TestApp,
    owner: &str,
    user_id: &str,
    text: &str,
) -> (Shopper, String) {
    let site = app
        .get_json(&format!("/api/v1/sites/{}", app.seed.site_id), owner)
        .await;
    let secret = site["identity_secret"].as_str().unwrap();
    let mut shopper = app.shopper().await;
    shopper.hello(json!({})).await;
    shopper
        .send(json!({ "type": "event", "name": "identify",
                      "props": { "user_id": user_id, "hash": identity_hash(secret, user_id) } }))
        .await;
    let conversation = says(&mut shopper, text).await;
    (shopper, conversation)
}

/// The shopper writes `text`; returns the conversation once every frame before was handled.
async fn says(shopper: &mut Shopper, text: &str) -> String {
    shopper
        .send(json!({ "type": "message", "client_msg_id": "m1", "text": text }))
        .await;
    let (ack, _) = shopper.recv_type("ack").await;
    shopper.drain().await;
    ack["conversation_id"].as_str().unwrap().to_owned()
}

fn pane_path(site: &str, conversation: &str) -> String {
    format!("/api/v1/sites/{site}/conversations/{conversation}/customer")
}

#[tokio::test]
async fn a_verified_shoppers_pane_shows_profile_orders_parcels_requests_and_what_is_stuck() {
    let ShopApp { app, _dir } = shop_app().await;
    let owner = app.owner_token().await;
    let (shopper, conversation) = verified_shopper(&app, &owner, "c-42", "Hello").await;
    // A plain agent of the site reads it as the owner does.
    let bob = app.login(&app.seed.agent_email, PASSWORD).await;
    let pane = json_of(
        app.get(&pane_path(&app.seed.site_id, &conversation), &bob)
            .await,
        200,
    )
    .await;

    assert_eq!(pane["link"], "verified");
    let c = &pane["customer"];
    assert_eq!(c["name"], "Eva Example");
    assert_eq!(c["email"], "eva@example.com");
    assert_eq!(c["orders_count"], 3);
    assert_eq!(c["total_spent"], "€420.50");
    assert_eq!(c["tags"], json!(["vip", "newsletter"]));
    assert!(c["since"].as_str().unwrap().len() >= 10, "{c}");

    let orders = pane["orders"].as_array().unwrap();
    let numbers: Vec<&str> = orders
        .iter()
        .map(|o| o["number"].as_str().unwrap())
        .collect();
    assert_eq!(
        numbers,
        ["#1002", "#1001", "#1000"],
        "Eva's only, newest first"
    );

    let transit = &orders[0];
    assert_eq!(transit["status"], "in transit");
    assert_eq!(transit["order_status"], "processing");
    assert_eq!(transit["financial_status"], "paid");
    assert_eq!(transit["fulfillment_status"], "fulfilled");
    assert_eq!(transit["total"], "€119.90");
    assert_eq!(
        transit["items"],
        json!([{ "name": "Trail Shoe", "sku": "TS-1", "quantity": 2, "price": "€59.95", "total": "€119.90" }])
    );
    let parcel = &transit["shipments"][0];
    assert_eq!(parcel["carrier"], "DHL");
    assert_eq!(parcel["tracking_number"], "1Z999");
    assert_eq!(parcel["tracking_url"], TRACKING);
    assert_eq!(parcel["status"], "in transit");
    assert!(parcel["estimated_delivery"].is_string(), "{parcel}");
    assert_eq!(
        parcel["events"][0]["description"], "Arrived at sort facility",
        "newest first"
    );
    assert_eq!(parcel["events"][0]["location"], "Leipzig");
    assert!(
        transit["stuck"].is_null(),
        "moving parcels are not stuck: {transit}"
    );

    let waiting = &orders[1];
    assert_eq!(waiting["status"], "being prepared");
    assert_eq!(waiting["stuck"], "placed 20 days ago and not shipped yet");
    assert_eq!(waiting["stuck_reason"]["kind"], "not_shipped");

    let delivered = &orders[2];
    assert_eq!(delivered["status"], "delivered");
    assert_eq!(delivered["refunded"], "€10.00");
    assert_eq!(delivered["refunds"][0]["amount"], "€10.00");
    assert_eq!(delivered["refunds"][0]["note"], "dented box");
    assert_eq!(delivered["returns"][0]["status"], "requested");
    let request = &delivered["requests"][0];
    assert_eq!(request["kind"], "return");
    assert_eq!(request["reason"], "too small");
    assert!(delivered["stuck"].is_null());

    // The neighbours' agent: 404 for this conversation under their own site, 403 on ours.
    let outsider = app.login(&app.seed.outsider_email, PASSWORD).await;
    let theirs = app
        .get(
            &pane_path(&app.seed.other_site_id, &conversation),
            &outsider,
        )
        .await;
    assert_eq!(theirs.status(), 404);
    let ours = app
        .get(&pane_path(&app.seed.site_id, &conversation), &outsider)
        .await;
    assert_eq!(ours.status(), 403);
    let bad = app.get(&pane_path(&app.seed.site_id, "nope"), &bob).await;
    assert_eq!(json_of(bad, 400).await["error"]["field"], "conversation_id");
    shopper.close().await;
    app.stop().await;
}

#[tokio::test]
async fn a_contact_email_match_is_marked_unverified_and_fills_no_canned_reply() {
    let ShopApp { app, _dir } = shop_app().await;
    let owner = app.owner_token().await;
    let reply = app
        .created(
            &app.site_path("/canned-replies"),
            &owner,
            json!({ "shortcut": "num", "body": "[{{ order.number }}]" }),
        )
        .await;
    // Nobody online: the shopper leaves the address Kari's orders were placed with.
    let mut shopper = app.shopper().await;
    shopper.hello(json!({})).await;
    let conversation = says(&mut shopper, "Where is my order?").await;
    shopper
        .send(json!({ "type": "contact", "email": "Kari@Example.no" }))
        .await;
    shopper.recv_type("message").await;
    shopper.drain().await;

    let pane = json_of(
        app.get(&pane_path(&app.seed.site_id, &conversation), &owner)
            .await,
        200,
    )
    .await;
    assert_eq!(pane["link"], "contact_email", "{pane}");
    assert_eq!(pane["customer"]["name"], "Kari");
    assert_eq!(pane["customer"]["total_spent"], "35.00 NOK");
    assert_eq!(pane["orders"][0]["number"], "#2001");
    assert_eq!(pane["orders"].as_array().unwrap().len(), 1);

    // What goes to the shopper is filled only from a link the shop vouched for.
    let preview = format!(
        "/api/v1/sites/{}/conversations/{conversation}/canned-replies/{}/preview",
        app.seed.site_id,
        reply["id"].as_str().unwrap()
    );
    let text = json_of(app.post(&preview, &owner, json!({})).await, 200).await;
    assert_eq!(text["text"], "[]");
    shopper.close().await;
    app.stop().await;
}

#[tokio::test]
async fn a_shopper_the_shop_does_not_know_has_an_empty_pane() {
    let ShopApp { app, _dir } = shop_app().await;
    let owner = app.owner_token().await;
    let empty = json!({ "link": null, "customer": null, "orders": [] });
    let mut anonymous = app.shopper().await;
    anonymous.hello(json!({})).await;
    let conversation = says(&mut anonymous, "Hi").await;
    let pane = json_of(
        app.get(&pane_path(&app.seed.site_id, &conversation), &owner)
            .await,
        200,
    )
    .await;
    assert_eq!(pane, empty);
    // Verified, but the shop has no record of this customer.
    let (stranger, conversation) = verified_shopper(&app, &owner, "c-999", "Hi").await;
    let pane = json_of(
        app.get(&pane_path(&app.seed.site_id, &conversation), &owner)
            .await,
        200,
    )
    .await;
    assert_eq!(pane, empty);
    anonymous.close().await;
    stranger.close().await;
    app.stop().await;
}

#[tokio::test]
async fn canned_replies_are_filled_from_the_shops_latest_order_and_the_customer() {
    let ShopApp { app, _dir } = shop_app().await;
    let owner = app.owner_token().await;
    let reply = app
        .created(
            &app.site_path("/canned-replies"),
            &owner,
            json!({ "shortcut": "track", "body": "Order {{ order.number }} is {{ order.status }} with {{ order.carrier }}: {{ order.tracking_url }} (expected {{ order.estimated_delivery }}; {{ order.items }}). You have {{ customer.orders_count }} orders, {{ customer.total_spent }} in all." }),
        )
        .await;
    let (mut shopper, conversation) = verified_shopper(&app, &owner, "c-42", "Hello").await;
    // The browser reported a purchase too: the shop's own order wins.
    shopper
        .send(json!({ "type": "event", "name": "purchase", "props": { "order_id": "B-1", "total": 5, "currency": "EUR" } }))
        .await;
    shopper.drain().await;
    let preview = format!(
        "/api/v1/sites/{}/conversations/{conversation}/canned-replies/{}/preview",
        app.seed.site_id,
        reply["id"].as_str().unwrap()
    );
    let got = json_of(app.post(&preview, &owner, json!({})).await, 200).await;
    let text = got["text"].as_str().unwrap();
    assert!(
        text.starts_with(&format!(
            "Order #1002 is in transit with DHL: {TRACKING} (expected "
        )),
        "{text}"
    );
    assert!(
        text.ends_with("; 2 × Trail Shoe). You have 3 orders, €420.50 in all."),
        "{text}"
    );
    shopper.close().await;
    app.stop().await;
}

#[tokio::test]
async fn suggestions_put_the_tracking_reply_first_while_the_parcel_is_in_transit() {
    let ShopApp { app, _dir } = shop_app().await;
    let owner = app.owner_token().await;
    for (shortcut, body) in [
        ("size", "Our sizes run small: take one size up."),
        (
            "hours",
            "We answer chats from 9 to 5; where we are is on the contact page.",
        ),
        (
            "track",
            "Your parcel is with {{ order.carrier }}: {{ order.tracking_url }}",
        ),
    ] {
        app.created(
            &app.site_path("/canned-replies"),
            &owner,
            json!({ "shortcut": shortcut, "body": body }),
        )
        .await;
    }
    let path = |conversation: &str| {
        format!(
            "/api/v1/sites/{}/conversations/{conversation}/suggestions",
            app.seed.site_id
        )
    };
    // Without an order, "where" matches the opening-hours reply by its words alone.
    let mut anonymous = app.shopper().await;
    anonymous.hello(json!({})).await;
    let conversation = says(&mut anonymous, "where is it?").await;
    let got = json_of(app.get(&path(&conversation), &owner).await, 200).await;
    let first = got["suggestions"].as_array().unwrap().first().cloned();
    assert_ne!(
        first.map(|f| f["shortcut"].clone()),
        Some(json!("/track")),
        "{got}"
    );

    // Eva's parcel is in transit: the tracking reply comes first, filled in.
    let (shopper, conversation) = verified_shopper(&app, &owner, "c-42", "where is it?").await;
    let got = json_of(app.get(&path(&conversation), &owner).await, 200).await;
    let first = &got["suggestions"][0];
    assert_eq!(first["shortcut"], "/track", "{got}");
    assert_eq!(
        first["text"],
        format!("Your parcel is with DHL: {TRACKING}")
    );
    anonymous.close().await;
    shopper.close().await;
    app.stop().await;
}

/// The pane's answer is plain JSON with the documented keys (what the dashboard reads).
#[tokio::test]
async fn the_route_is_in_the_openapi_document() {
    let ShopApp { app, _dir } = shop_app().await;
    let doc: Value = app
        .http
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        doc["paths"]["/api/v1/sites/{site_id}/conversations/{conversation_id}/customer"]["get"]
            .is_object()
    );
    app.stop().await;
}
