//! A shopper's own data checked against the schemas: the visitor profile (pages, cart,
//! purchases, the verified customer), the transcript with a note, the privacy export (with
//! browsing state, rule history, notes and the shop's records), the erasure and the audit.

use super::answers::{body_of, check, check_request};
use super::served;
use crate::privacy::{ANN, export_holding, identity_secret};
use reqwest::Method;
use serde_json::{Value, json};
use shopchat::auth::identity_hash;

const QUESTION: &str = "My parcel never arrived";

#[tokio::test]
async fn the_visitor_transcript_and_privacy_schemas_describe_what_the_routes_answer() {
    let (app, owner) = crate::helpers::spawn_app_as_owner().await;
    let doc = served(&app).await;
    let secret = identity_secret(&app, &owner).await;
    // The shop's records for Ann, so the export holds a customer and an order.
    let (_, key) = crate::commerce_push::new_key(&app, &owner, "sync").await;
    let t = 1_700_000_000_000_i64;
    let customer = json!({ "email": ANN, "name": "Ann", "created_at": t, "updated_at": t });
    let pushed = app
        .request(
            Method::PUT,
            "/api/v1/commerce/customers/cust-1",
            &key,
            Some(customer),
        )
        .await;
    body_of(pushed, 201).await;
    let order = crate::commerce_push::order("o-1", "processing", t);
    let pushed = app
        .request(
            Method::PUT,
            "/api/v1/commerce/orders/o-1",
            &key,
            Some(order),
        )
        .await;
    body_of(pushed, 201).await;

    // Ann browses, fills her cart, buys, is identified by the shop and asks.
    let mut shopper = app.shopper().await;
    let welcome = shopper
        .hello(json!({ "page": { "url": "https://shop.example/", "title": "Home" } }))
        .await;
    let visitor = welcome["visitor_id"].as_str().unwrap().to_owned();
    for event in [
        json!({ "type": "event", "name": "page_view",
                "props": { "url": "https://shop.example/p/jacket", "title": "Jacket", "type": "product" } }),
        json!({ "type": "event", "name": "add_to_cart", "props": { "sku": "J-1", "price": 99.5, "name": "Jacket" } }),
        json!({ "type": "event", "name": "purchase", "props": { "order_id": "B-1", "total": 99.5, "currency": "EUR" } }),
        json!({ "type": "event", "name": "identify", "props": { "email": ANN, "hash": identity_hash(&secret, ANN) } }),
        json!({ "type": "message", "client_msg_id": "m-1", "text": QUESTION }),
    ] {
        shopper.send(event).await;
    }
    let (ack, _) = shopper.recv_type("ack").await;
    let conversation = ack["conversation_id"].as_str().unwrap().to_owned();
    shopper.drain().await;

    let profile = app
        .get_json(&app.site_path(&format!("/visitors/{visitor}")), &owner)
        .await;
    assert!(profile["customer"].is_object(), "{profile}");
    assert!(
        !profile["orders"].as_array().unwrap().is_empty(),
        "{profile}"
    );
    assert!(profile["current_page"].is_object() && profile["last_event"].is_object());
    check(
        &doc,
        "/api/v1/sites/{site_id}/visitors/{visitor_id}",
        "get",
        200,
        &profile,
    );

    app.agent_says(&owner, &conversation, "Let me look.").await;
    let conv = "/api/v1/sites/{site_id}/conversations/{conversation_id}";
    let note = json!({ "text": "Parcel lost: refund it" });
    check_request(&doc, &format!("{conv}/notes"), "post", &note);
    let noted = app
        .created(
            &app.site_path(&format!("/conversations/{conversation}/notes")),
            &owner,
            note,
        )
        .await;
    check(&doc, &format!("{conv}/notes"), "post", 201, &noted);
    let transcript = app.conversation(&owner, &conversation).await;
    let kinds: Vec<&Value> = transcript["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["kind"])
        .collect();
    assert!(
        kinds.contains(&&json!("message")) && kinds.contains(&&json!("note")),
        "{transcript}"
    );
    check(&doc, &format!("{conv}/transcript"), "get", 200, &transcript);

    shopper.close().await;
    let subject = json!({ "email": ANN });
    let export_path = "/api/v1/sites/{site_id}/privacy/export";
    check_request(&doc, export_path, "post", &subject);
    let export = export_holding(&app, &owner, QUESTION).await;
    let visitors = export["visitors"].as_array().unwrap();
    assert!(
        visitors
            .iter()
            .any(|v| v["browsing"]["triggers"].is_object()),
        "{export}"
    );
    let noted = visitors
        .iter()
        .flat_map(|v| v["conversations"].as_array().unwrap())
        .any(|c| !c["notes"].as_array().unwrap().is_empty());
    assert!(noted, "{export}");
    assert!(
        !export["customers"].as_array().unwrap().is_empty(),
        "{export}"
    );
    assert!(!export["orders"].as_array().unwrap().is_empty(), "{export}");
    check(&doc, export_path, "post", 200, &export);

    let erase_path = "/api/v1/sites/{site_id}/privacy/erase";
    check_request(&doc, erase_path, "post", &subject);
    let erased = app
        .post(&app.site_path("/privacy/erase"), &owner, subject)
        .await;
    check(&doc, erase_path, "post", 200, &body_of(erased, 200).await);
    let audit = app.get_json(&app.site_path("/privacy/audit"), &owner).await;
    assert_eq!(audit["entries"].as_array().unwrap().len(), 2, "{audit}");
    check(
        &doc,
        "/api/v1/sites/{site_id}/privacy/audit",
        "get",
        200,
        &audit,
    );
    app.stop().await;
}
