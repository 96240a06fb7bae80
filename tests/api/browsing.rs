use crate::common::{PASSWORD, spawn_app_as_owner};
use serde_json::{Value, json};

#[tokio::test]
async fn browsing_events_update_the_visitors_state_that_agents_see() {
    let (app, owner) = spawn_app_as_owner().await;
    let mut shopper = app.shopper().await;
    let welcome = shopper
        .hello(json!({ "page": { "url": "https://shop.example/", "title": "Home" } }))
        .await;
    let visitor = welcome["visitor_id"].as_str().unwrap();
    shopper
        .send(json!({ "type": "event", "name": "page_view",
            "props": { "url": "https://shop.example/p/jacket?c=red", "title": "Jacket", "type": "product" } }))
        .await;
    shopper
        .send(json!({ "type": "event", "name": "add_to_cart", "props": { "sku": "J-1" } }))
        .await;
    shopper.drain().await; // every event above has been handled

    let path = format!("/api/v1/sites/{}/visitors/{visitor}", app.seed.site_id);
    let state: Value = app.get_json(&path, &owner).await;
    assert_eq!(state["online"], true);
    assert_eq!(state["visits"], 1);
    assert_eq!(state["returning"], false);
    assert_eq!(state["pages_this_session"], 2);
    assert_eq!(state["current_page"]["path"], "/p/jacket");
    assert_eq!(state["current_page"]["type"], "product");
    assert_eq!(state["last_event"]["name"], "add_to_cart");
    assert_eq!(state["trail"].as_array().unwrap().len(), 2);

    // After the socket closes, the state is kept in the store.
    shopper.close().await;
    let deadline = std::time::Instant::now() + crate::common::DEADLINE;
    let stored = loop {
        let state: Value = app.get_json(&path, &owner).await;
        if state["online"] == false {
            break state;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "visitor never went offline"
        );
        tokio::task::yield_now().await;
    };
    assert_eq!(stored["pages_this_session"], 2);
    assert_eq!(stored["current_page"]["path"], "/p/jacket");

    // The outsider cannot read this visitor.
    let outsider = app.login(&app.seed.outsider_email, PASSWORD).await;
    assert_eq!(app.get(&path, &outsider).await.status(), 403);
    app.stop().await;
}
