//! Erasure on several nodes on one Redis: an owner erases a shopper through one node while
//! the shopper's tab is on another. The tab sees its chat closed, the other node forgets the
//! browsing state it holds live (so it does not save the erased pages back when the tab
//! leaves), and what it saves afterwards holds only what came after the erasure.

use crate::cluster::{Cluster, until};
use crate::common::DEADLINE;
use crate::redis_server::RedisServer;
use serde_json::{Value, json};

/// The visitor as `node` shows it to agents (its live state there, if the tab is on it).
async fn visitor_on(cluster: &Cluster, node: usize, visitor: &str) -> Value {
    let url = cluster.nodes[node].url(&format!(
        "/api/v1/sites/{}/visitors/{visitor}",
        cluster.site.id
    ));
    let response = cluster
        .http
        .get(url)
        .bearer_auth(&cluster.owner)
        .send()
        .await
        .unwrap();
    response.json().await.unwrap()
}

async fn privacy(cluster: &Cluster, node: usize, action: &str, body: Value) -> Value {
    let url = cluster.nodes[node].url(&format!(
        "/api/v1/sites/{}/privacy/{action}",
        cluster.site.id
    ));
    let response = cluster
        .http
        .post(url)
        .bearer_auth(&cluster.owner)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{action}");
    response.json().await.unwrap()
}

#[tokio::test]
async fn an_erasure_on_one_node_resets_the_shoppers_live_state_on_another() {
    let cluster = Cluster::start_with(RedisServer::start().await, &[]).await;
    let sites: Value = cluster
        .http
        .get(cluster.nodes[0].url("/api/v1/sites"))
        .bearer_auth(&cluster.owner)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let origin = sites["sites"][0]["origins"][0].as_str().unwrap().to_owned();
    let mut shopper = cluster.nodes[0].shopper(&cluster.site).await;
    let welcome = shopper
        .hello(json!({ "page": { "url": format!("{origin}/account/orders/secret") } }))
        .await;
    let visitor = welcome["visitor_id"].as_str().unwrap().to_owned();
    shopper
        .send(json!({ "type": "message", "client_msg_id": "m1", "text": "Erase me please" }))
        .await;
    let ack = until(&mut shopper, "ack", |f| f["type"] == "ack").await;
    let conversation = ack["conversation_id"].as_str().unwrap().to_owned();
    let before = visitor_on(&cluster, 0, &visitor).await;
    assert!(
        before["trail"]
            .to_string()
            .contains("/account/orders/secret"),
        "{before}"
    );

    let erased = privacy(&cluster, 1, "erase", json!({ "visitor_id": visitor })).await;
    assert_eq!(erased["erased"]["conversations"], 1, "{erased}");
    until(&mut shopper, "the erased chat closed", |f| {
        f["type"] == "status" && f["state"] == "closed" && f["conversation_id"] == conversation
    })
    .await;
    // Node 0 forgets the live state when the erasure reaches it over the bus.
    let deadline = tokio::time::Instant::now() + DEADLINE;
    loop {
        let live = visitor_on(&cluster, 0, &visitor).await;
        if live["trail"] == json!([]) && live["current_page"].is_null() {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "node 0 kept {live}");
        tokio::task::yield_now().await;
    }

    // The shopper browses on and leaves: node 0 saves only what came after.
    shopper
        .send(json!({ "type": "event", "name": "page_view",
                      "props": { "url": format!("{origin}/after") } }))
        .await;
    shopper.close().await;
    let deadline = tokio::time::Instant::now() + DEADLINE;
    let saved = loop {
        let doc = privacy(&cluster, 2, "export", json!({ "visitor_id": visitor })).await;
        let browsing = doc["visitors"][0]["browsing"].clone();
        if !browsing.is_null() && browsing.to_string().contains("/after") {
            break browsing;
        }
        assert!(tokio::time::Instant::now() < deadline, "never saved: {doc}");
        tokio::task::yield_now().await;
    };
    assert!(!saved.to_string().contains("secret"), "{saved}");
}
