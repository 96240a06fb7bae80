//! The push API over real HTTP: keys (owners create, list and revoke them; the secret is
//! shown once; agents and other sites' owners cannot), idempotent upserts keyed by the shop's
//! ids, updates applied in `updated_at` order, bad payloads refused naming the field, and a
//! back-fill of a few thousand orders in batches. Results are read back through the owners'
//! look-up routes.

use crate::common::{Account, PASSWORD, SeedPlan, TestApp, json_of, spawn_seeded};
use reqwest::Method;
use serde_json::{Value, json};

/// Owner of the neighbours' site.
pub const OTHER_OWNER: &str = "owner@other.example";

/// The standard seed plus an owner of the other site.
pub async fn app() -> TestApp {
    let other_owner = Account {
        email: OTHER_OWNER,
        name: "Olga",
        on_other_site: true,
        owner: true,
    };
    spawn_seeded(&SeedPlan::standard_and(vec![other_owner]), |_| {}).await
}

/// A new push key of the seeded site (as its owner): `(id, secret)`.
pub async fn new_key(app: &TestApp, owner: &str, name: &str) -> (String, String) {
    let created = app
        .created(&app.site_path("/api-keys"), owner, json!({ "name": name }))
        .await;
    (
        created["id"].as_str().unwrap().to_owned(),
        created["secret"].as_str().unwrap().to_owned(),
    )
}

/// An order in the model's JSON, placed at `updated_at` ms.
pub fn order(id: &str, status: &str, updated_at: i64) -> Value {
    json!({
        "id": id,
        "number": format!("#{id}"),
        "customer_id": "cust-1",
        "email": "ann@example.com",
        "status": status,
        "currency": "EUR",
        "items": [{ "sku": "TS-1", "name": "Trail shoe", "quantity": 2, "price": "59.90" }],
        "total": "119.80",
        "created_at": 1_700_000_000_000_i64,
        "updated_at": updated_at,
    })
}

/// `method` on `path` with the push key `key` and a JSON body.
pub async fn push(
    app: &TestApp,
    method: Method,
    path: &str,
    key: &str,
    body: &Value,
) -> reqwest::Response {
    app.request(method, path, key, Some(body.clone())).await
}

/// The stored order as the owner reads it back (status and body).
pub async fn stored_order(app: &TestApp, owner: &str, id: &str) -> (u16, Value) {
    let response = app
        .get(&app.site_path(&format!("/commerce/orders/{id}")), owner)
        .await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn owners_create_list_and_revoke_keys_and_only_a_live_key_pushes() {
    let app = app().await;
    let owner = app.owner_token().await;
    let keys = app.site_path("/api-keys");

    let created = app
        .created(&keys, &owner, json!({ "name": " ERP sync " }))
        .await;
    let secret = created["secret"].as_str().unwrap().to_owned();
    assert!(
        secret.starts_with("shk_") && secret.len() == 44,
        "{created}"
    );
    assert_eq!(created["name"], "ERP sync");
    assert!(secret.starts_with(created["prefix"].as_str().unwrap()));
    assert!(created.get("secret_hash").is_none());

    let listed = json_of(app.get(&keys, &owner).await, 200).await;
    let listed = listed["api_keys"].as_array().unwrap().clone();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["id"], created["id"]);
    let text = listed[0].to_string();
    assert!(
        !text.contains(&secret[4..]) && !text.contains("secret"),
        "{text}"
    );

    // Agents and other sites' owners neither see nor make keys.
    let agent = app.login(&app.seed.agent_email, PASSWORD).await;
    assert_eq!(app.get(&keys, &agent).await.status(), 403);
    assert_eq!(
        app.post(&keys, &agent, json!({ "name": "x" }))
            .await
            .status(),
        403
    );
    let other = app.login(OTHER_OWNER, PASSWORD).await;
    assert_eq!(app.get(&keys, &other).await.status(), 403);
    let key_path = format!("{keys}/{}", created["id"].as_str().unwrap());
    assert_eq!(app.delete(&key_path, &other).await.status(), 403);
    assert_eq!(
        app.post(&keys, &owner, json!({ "name": "" }))
            .await
            .status(),
        400
    );

    // The key pushes; an agent's token does not; the key opens no dashboard route.
    let path = "/api/v1/commerce/orders/1001";
    let body = order("1001", "processing", 1_700_000_100_000);
    assert_eq!(
        push(&app, Method::PUT, path, &secret, &body).await.status(),
        201
    );
    assert_eq!(
        push(&app, Method::PUT, path, &owner, &body).await.status(),
        401
    );
    assert_eq!(app.get(&keys, &secret).await.status(), 401);
    let unknown = format!("shk_{}", "a".repeat(40));
    assert_eq!(
        push(&app, Method::PUT, path, &unknown, &body)
            .await
            .status(),
        401
    );
    let anonymous = app
        .http
        .put(app.url(path))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);

    // Revoked: refused at once, and gone from the list.
    assert_eq!(app.delete(&key_path, &owner).await.status(), 204);
    assert_eq!(
        push(&app, Method::PUT, path, &secret, &body).await.status(),
        401
    );
    assert_eq!(app.delete(&key_path, &owner).await.status(), 404);
    let listed = json_of(app.get(&keys, &owner).await, 200).await;
    assert_eq!(listed["api_keys"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn upserts_say_what_happened_and_an_older_update_never_overwrites_a_newer_one() {
    let app = app().await;
    let owner = app.owner_token().await;
    let (_, key) = new_key(&app, &owner, "sync").await;
    let path = "/api/v1/commerce/orders/2001";

    let first = order("2001", "processing", 2_000);
    let created = json_of(push(&app, Method::PUT, path, &key, &first).await, 201).await;
    assert_eq!(created, json!({ "id": "2001", "result": "created" }));
    let again = json_of(push(&app, Method::PUT, path, &key, &first).await, 200).await;
    assert_eq!(again["result"], "unchanged");

    let newer = order("2001", "completed", 3_000);
    let updated = json_of(push(&app, Method::PUT, path, &key, &newer).await, 200).await;
    assert_eq!(updated["result"], "updated");
    // A late copy from before the completion arrives last: it changes nothing.
    let late = order("2001", "on_hold", 2_500);
    let late = json_of(push(&app, Method::PUT, path, &key, &late).await, 200).await;
    assert_eq!(late["result"], "unchanged");
    let (status, stored) = stored_order(&app, &owner, "2001").await;
    assert_eq!(status, 200, "{stored}");
    assert_eq!(stored["status"], "completed");
    assert_eq!(stored["updated_at"], 3_000);
    assert_eq!(stored["total"], "119.80");

    // The path fills a missing id; a different one is refused naming `id`.
    let mut without = order("x", "processing", 1_000);
    without.as_object_mut().unwrap().remove("id");
    let filled = push(
        &app,
        Method::PUT,
        "/api/v1/commerce/orders/2002",
        &key,
        &without,
    )
    .await;
    assert_eq!(json_of(filled, 201).await["id"], "2002");
    let other = push(
        &app,
        Method::PUT,
        "/api/v1/commerce/orders/2003",
        &key,
        &first,
    )
    .await;
    assert_eq!(json_of(other, 422).await["error"]["field"], "id");

    // Customers the same way; the owners of another site read nothing of it.
    let customer = json!({ "email": "Ann@Example.com", "name": "Ann", "tags": ["vip"],
        "orders_count": 2, "total_spent": { "amount": "239.60", "currency": "EUR" },
        "created_at": 1_000, "updated_at": 2_000 });
    let c = push(
        &app,
        Method::PUT,
        "/api/v1/commerce/customers/cust-1",
        &key,
        &customer,
    )
    .await;
    assert_eq!(json_of(c, 201).await["result"], "created");
    let read = app
        .get_json(&app.site_path("/commerce/customers/cust-1"), &owner)
        .await;
    assert_eq!(read["email"], "ann@example.com");
    let other = app.login(OTHER_OWNER, PASSWORD).await;
    let theirs = format!(
        "/api/v1/sites/{}/commerce/orders/2001",
        app.seed.other_site_id
    );
    assert_eq!(app.get(&theirs, &other).await.status(), 404);
}

#[tokio::test]
async fn bad_payloads_are_refused_naming_the_field_and_store_nothing() {
    let app = app().await;
    let owner = app.owner_token().await;
    let (_, key) = new_key(&app, &owner, "sync").await;
    let path = "/api/v1/commerce/orders/3001";
    let cases: Vec<(Value, u16, &str)> = vec![
        (
            json!({ "items": [{ "name": "Shoe", "quantity": 1, "price": "abc" }] }),
            400,
            "items[0].price",
        ),
        (json!({ "currency": "EURO" }), 400, "currency"),
        (json!({ "status": "teleported" }), 400, "status"),
        (
            json!({ "shipments": [{ "id": "p1", "status": "in_transit", "tracking_url": "javascript:alert(1)",
                "created_at": 1, "updated_at": 1 }] }),
            422,
            "shipments[0].tracking_url",
        ),
        (
            json!({ "items": [{ "name": " ", "quantity": 1, "price": "1" }] }),
            422,
            "items[0].name",
        ),
        (json!({ "status_url": "/relative" }), 422, "status_url"),
    ];
    for (patch, status, field) in cases {
        let mut body = order("3001", "processing", 1_000);
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        let refused = json_of(push(&app, Method::PUT, path, &key, &body).await, status).await;
        assert_eq!(refused["error"]["field"], field, "{refused}");
    }
    let mut missing = order("3001", "processing", 1_000);
    missing.as_object_mut().unwrap().remove("total");
    let refused = json_of(push(&app, Method::PUT, path, &key, &missing).await, 400).await;
    assert_eq!(refused["error"]["code"], "missing_field");
    assert_eq!(refused["error"]["field"], "total");
    let not_json = app
        .http
        .put(app.url(path))
        .bearer_auth(&key)
        .body("{nope")
        .send()
        .await
        .unwrap();
    assert_eq!(json_of(not_json, 400).await["error"]["code"], "bad_json");
    assert_eq!(stored_order(&app, &owner, "3001").await.0, 404);
}

#[tokio::test]
async fn parcels_go_onto_stored_orders_only() {
    let app = app().await;
    let owner = app.owner_token().await;
    let (_, key) = new_key(&app, &owner, "sync").await;
    let parcel = json!({ "carrier": "DHL", "tracking_number": "JD01",
        "tracking_url": "https://dhl.example/JD01", "status": "in_transit",
        "created_at": 5_000, "updated_at": 5_000 });
    let path = "/api/v1/commerce/orders/4001/shipments/p-1";
    let early = push(&app, Method::PUT, path, &key, &parcel).await;
    assert_eq!(json_of(early, 404).await["error"]["code"], "not_found");
    let placed = push(
        &app,
        Method::PUT,
        "/api/v1/commerce/orders/4001",
        &key,
        &order("4001", "processing", 1_000),
    )
    .await;
    assert_eq!(placed.status(), 201);
    let added = json_of(push(&app, Method::PUT, path, &key, &parcel).await, 200).await;
    assert_eq!(added["result"], "updated");
    let again = json_of(push(&app, Method::PUT, path, &key, &parcel).await, 200).await;
    assert_eq!(again["result"], "unchanged");
    let (_, stored) = stored_order(&app, &owner, "4001").await;
    assert_eq!(stored["shipments"][0]["id"], "p-1");
    assert_eq!(
        stored["shipments"][0]["tracking_url"],
        "https://dhl.example/JD01"
    );
}

#[tokio::test]
async fn a_backfill_of_three_thousand_orders_in_batches_reports_its_counts() {
    let app = app().await;
    let owner = app.owner_token().await;
    let (_, key) = new_key(&app, &owner, "backfill").await;
    let batch = |from: usize| -> Value {
        let orders: Vec<Value> = (from..from + 1_000)
            .map(|i| order(&format!("B{i}"), "completed", 10_000))
            .collect();
        json!({ "orders": orders })
    };
    for from in [0, 1_000, 2_000] {
        let body = if from == 0 {
            let mut b = batch(0);
            b["customers"] = json!([{ "id": "cust-1", "created_at": 1, "updated_at": 1 }]);
            // 1,000 orders and a customer: one over the bound.
            let refused = push(&app, Method::POST, "/api/v1/commerce/import", &key, &b).await;
            assert_eq!(json_of(refused, 422).await["error"]["field"], "orders");
            batch(0)
        } else {
            batch(from)
        };
        let report = push(&app, Method::POST, "/api/v1/commerce/import", &key, &body).await;
        let report = json_of(report, 200).await;
        assert_eq!(
            report["orders"],
            json!({ "created": 1000, "updated": 0, "unchanged": 0 })
        );
    }
    // The same batch again (a back-fill restarted): nothing changes.
    let again = push(
        &app,
        Method::POST,
        "/api/v1/commerce/import",
        &key,
        &batch(1_000),
    )
    .await;
    assert_eq!(json_of(again, 200).await["orders"]["unchanged"], 1000);
    // One bad record refuses its batch, naming it.
    let mut bad = batch(3_000);
    bad["orders"][7]["currency"] = json!("EURO");
    let refused = push(&app, Method::POST, "/api/v1/commerce/import", &key, &bad).await;
    assert_eq!(
        json_of(refused, 400).await["error"]["field"],
        "orders[7].currency"
    );
    assert_eq!(stored_order(&app, &owner, "B3000").await.0, 404);
    for id in ["B0", "B1999", "B2999"] {
        let (status, stored) = stored_order(&app, &owner, id).await;
        assert_eq!(
            (status, stored["status"].clone()),
            (200, json!("completed")),
            "{id}"
        );
    }
}

#[tokio::test]
async fn owners_set_platform_secrets_and_never_read_them_back() {
    let app = app().await;
    let owner = app.owner_token().await;
    let path = app.site_path("/commerce/settings");
    let start = json_of(app.get(&path, &owner).await, 200).await;
    assert_eq!(start["shopify_secret_set"], false);
    assert_eq!(start["stuck_after_days"], 5);
    let set = app
        .put(
            &path,
            &owner,
            json!({ "shopify_secret": "shpss_abc123", "stuck_after_days": 7 }),
        )
        .await;
    let set = json_of(set, 200).await;
    assert_eq!(set["shopify_secret_set"], true);
    assert_eq!(set["woocommerce_secret_set"], false);
    let read = app.get(&path, &owner).await.text().await.unwrap();
    assert!(!read.contains("shpss_abc123"), "{read}");
    let bad = app
        .put(&path, &owner, json!({ "stuck_after_days": 0 }))
        .await;
    assert_eq!(
        json_of(bad, 400).await["error"]["field"],
        "stuck_after_days"
    );
    let cleared = app
        .put(&path, &owner, json!({ "shopify_secret": null }))
        .await;
    assert_eq!(json_of(cleared, 200).await["shopify_secret_set"], false);
    let agent = app.login(&app.seed.agent_email, PASSWORD).await;
    assert_eq!(app.get(&path, &agent).await.status(), 403);
    assert_eq!(app.put(&path, &agent, json!({})).await.status(), 403);
}

#[tokio::test]
async fn the_push_api_and_the_webhooks_are_documented() {
    let app = app().await;
    let doc: Value = app
        .http
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for (path, method) in [
        ("/api/v1/commerce/orders/{order_id}", "put"),
        ("/api/v1/commerce/customers/{customer_id}", "put"),
        (
            "/api/v1/commerce/orders/{order_id}/shipments/{shipment_id}",
            "put",
        ),
        ("/api/v1/commerce/import", "post"),
        ("/api/v1/sites/{site_id}/api-keys", "post"),
        ("/api/v1/sites/{site_id}/commerce/settings", "put"),
        ("/hooks/shopify/{site_id}", "post"),
        ("/hooks/woocommerce/{site_id}", "post"),
    ] {
        assert!(
            doc["paths"][path][method].is_object(),
            "{method} {path} is documented"
        );
    }
    assert_eq!(
        doc["components"]["securitySchemes"]["push_key"]["scheme"],
        "bearer"
    );
}
