//! The shop-data answers checked against their schemas: push-API keys, commerce settings,
//! pushed customers, orders and parcels (created, then unchanged), a back-fill, the stored
//! records read back, a platform webhook, and the agent's customer pane. The bodies sent are
//! checked against the documented request schemas too.

use super::answers::{body_of, check, check_request};
use super::served;
use crate::commerce_push::{app, order};
use reqwest::Method;
use serde_json::json;
use shopchat::commerce::platform::signature_of;

const DAY: i64 = 24 * 60 * 60 * 1000;

#[tokio::test]
async fn the_commerce_schemas_describe_what_the_routes_answer() {
    let app = app().await;
    let owner = app.owner_token().await;
    let doc = served(&app).await;

    let keys = "/api/v1/sites/{site_id}/api-keys";
    let name = json!({ "name": "ERP sync" });
    check_request(&doc, keys, "post", &name);
    let created = app.created(&app.site_path("/api-keys"), &owner, name).await;
    check(&doc, keys, "post", 201, &created);
    let key = created["secret"].as_str().unwrap().to_owned();
    let listed = app.get_json(&app.site_path("/api-keys"), &owner).await;
    assert_eq!(listed["api_keys"].as_array().unwrap().len(), 1, "{listed}");
    check(&doc, keys, "get", 200, &listed);

    let settings = "/api/v1/sites/{site_id}/commerce/settings";
    let change = json!({ "woocommerce_secret": "wc-secret", "stuck_after_days": 7,
                         "vip_total_spent": "500", "vip_tags": ["vip"], "self_service": true });
    check_request(&doc, settings, "put", &change);
    let put = app
        .put(&app.site_path("/commerce/settings"), &owner, change)
        .await;
    let put = body_of(put, 200).await;
    assert_eq!(put["woocommerce_secret_set"], true, "{put}");
    check(&doc, settings, "put", 200, &put);
    let got = app
        .get_json(&app.site_path("/commerce/settings"), &owner)
        .await;
    check(&doc, settings, "get", 200, &got);

    let t = 1_700_000_000_000_i64;
    let customer_path = "/api/v1/commerce/customers/{customer_id}";
    let customer = json!({ "email": "ann@example.com", "name": "Ann", "tags": ["vip"],
        "orders_count": 2, "total_spent": { "amount": "120.50", "currency": "EUR" },
        "created_at": t, "updated_at": t });
    check_request(&doc, customer_path, "put", &customer);
    for status in [201, 200] {
        let pushed = app
            .request(
                Method::PUT,
                "/api/v1/commerce/customers/cust-1",
                &key,
                Some(customer.clone()),
            )
            .await;
        check(
            &doc,
            customer_path,
            "put",
            status,
            &body_of(pushed, status).await,
        );
    }

    let order_path = "/api/v1/commerce/orders/{order_id}";
    let mut placed = order("o-1", "processing", t + DAY);
    placed["refunds"] =
        json!([{ "id": "r-1", "amount": "10", "note": "dented", "created_at": t + DAY }]);
    placed["returns"] = json!([{ "id": "ret-1", "status": "requested", "created_at": t + DAY, "updated_at": t + DAY }]);
    placed["status_url"] = json!("https://shop.example/orders/o-1");
    check_request(&doc, order_path, "put", &placed);
    for status in [201, 200] {
        let pushed = app
            .request(
                Method::PUT,
                "/api/v1/commerce/orders/o-1",
                &key,
                Some(placed.clone()),
            )
            .await;
        check(
            &doc,
            order_path,
            "put",
            status,
            &body_of(pushed, status).await,
        );
    }

    let parcel_path = "/api/v1/commerce/orders/{order_id}/shipments/{shipment_id}";
    let parcel = json!({ "carrier": "DHL", "tracking_number": "1Z9", "tracking_url": "https://track.example/1Z9",
        "status": "in_transit", "estimated_delivery": t + 3 * DAY,
        "events": [{ "at": t + 2 * DAY, "status": "in_transit", "description": "Sorted", "location": "Leipzig" }],
        "created_at": t + 2 * DAY, "updated_at": t + 2 * DAY });
    check_request(&doc, parcel_path, "put", &parcel);
    // A new parcel updates the stored order; the same parcel again changes nothing.
    for result in ["updated", "unchanged"] {
        let pushed = app
            .request(
                Method::PUT,
                "/api/v1/commerce/orders/o-1/shipments/s-1",
                &key,
                Some(parcel.clone()),
            )
            .await;
        let pushed = body_of(pushed, 200).await;
        assert_eq!(pushed["result"], result);
        check(&doc, parcel_path, "put", 200, &pushed);
    }

    let batch = json!({
        "customers": [{ "id": "cust-2", "name": "Bo", "created_at": t, "updated_at": t }],
        "orders": [order("o-2", "completed", t)],
    });
    check_request(&doc, "/api/v1/commerce/import", "post", &batch);
    let imported = app
        .request(Method::POST, "/api/v1/commerce/import", &key, Some(batch))
        .await;
    let imported = body_of(imported, 200).await;
    assert_eq!(imported["orders"]["created"], 1, "{imported}");
    check(&doc, "/api/v1/commerce/import", "post", 200, &imported);

    let stored = app
        .get_json(&app.site_path("/commerce/orders/o-1"), &owner)
        .await;
    assert_eq!(
        stored["shipments"][0]["events"].as_array().unwrap().len(),
        1,
        "{stored}"
    );
    check(
        &doc,
        "/api/v1/sites/{site_id}/commerce/orders/{order_id}",
        "get",
        200,
        &stored,
    );
    let stored = app
        .get_json(&app.site_path("/commerce/customers/cust-1"), &owner)
        .await;
    check(
        &doc,
        "/api/v1/sites/{site_id}/commerce/customers/{customer_id}",
        "get",
        200,
        &stored,
    );

    // A platform's webhook: WooCommerce's signed customer update.
    let resource = include_str!("../../fixtures/woocommerce/customer_updated.json");
    let hooked = app
        .http
        .post(app.url(&format!("/hooks/woocommerce/{}", app.seed.site_id)))
        .header("content-type", "application/json")
        .header("x-wc-webhook-topic", "customer.updated")
        .header("x-wc-webhook-delivery-id", "d-1")
        .header(
            "x-wc-webhook-signature",
            signature_of("wc-secret", resource.as_bytes()),
        )
        .body(resource)
        .send()
        .await
        .unwrap();
    let hooked = body_of(hooked, 200).await;
    assert_eq!(hooked["result"], "created", "{hooked}");
    check(&doc, "/hooks/woocommerce/{site_id}", "post", 200, &hooked);
    app.stop().await;
}

#[tokio::test]
async fn the_customer_pane_schema_describes_a_full_pane() {
    let crate::commerce_pane::ShopApp { app, _dir } = crate::commerce_pane::shop_app().await;
    let owner = app.owner_token().await;
    let doc = served(&app).await;
    let (_shopper, conversation) =
        crate::commerce_pane::verified_shopper(&app, &owner, "c-42", "Hello").await;
    let pane = app
        .get_json(
            &app.site_path(&format!("/conversations/{conversation}/customer")),
            &owner,
        )
        .await;
    // Everything the pane can hold is there to be checked: a parcel with scans, a refund, a
    // return, an open request and a stuck order.
    let orders = pane["orders"].as_array().unwrap();
    assert!(
        orders.iter().any(|o| o["stuck_reason"].is_object()),
        "{pane}"
    );
    assert!(
        orders
            .iter()
            .any(|o| !o["requests"].as_array().unwrap().is_empty())
    );
    assert!(
        orders
            .iter()
            .any(|o| !o["refunds"].as_array().unwrap().is_empty())
    );
    assert!(
        orders
            .iter()
            .any(|o| !o["returns"].as_array().unwrap().is_empty())
    );
    assert!(orders.iter().any(|o| {
        !o["shipments"][0]["events"]
            .as_array()
            .is_none_or(Vec::is_empty)
    }));
    assert!(pane["customer"].is_object(), "{pane}");
    check(
        &doc,
        "/api/v1/sites/{site_id}/conversations/{conversation_id}/customer",
        "get",
        200,
        &pane,
    );
    app.stop().await;
}
