//! One customer across devices on several nodes: a phone on node 0 and a laptop on node 2,
//! verified as the same customer at the same moment, end as one customer (one canonical
//! visitor, linked atomically in Redis), and an agent's answer from node 1 reaches both.

use crate::cluster::{Cluster, until};
use crate::common::DEADLINE;
use crate::redis_server::RedisServer;
use serde_json::{Value, json};
use shopchat::auth::identity_hash;

#[tokio::test]
async fn two_devices_of_one_customer_on_two_nodes_share_one_conversation() {
    let cluster = Cluster::start_with(RedisServer::start().await, &[]).await;
    let site = cluster.get(0, "").await;
    let secret = site["identity_secret"].as_str().unwrap().to_owned();
    let (mut agent, ready) = cluster.nodes[1].agent(&cluster.owner).await;
    let agent_id = ready["agent"]["id"].clone();
    // Node 0, where the phone's chat is routed, sees the agent online.
    let until_online = tokio::time::Instant::now() + DEADLINE;
    while !cluster.get(0, "/agents").await["agents"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|a| a["id"] == agent_id && a["status"] == "online")
    {
        assert!(
            tokio::time::Instant::now() < until_online,
            "agent never online on node 0"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }

    let mut phone = cluster.nodes[0].shopper(&cluster.site).await;
    let mut laptop = cluster.nodes[2].shopper(&cluster.site).await;
    let phone_welcome = phone.hello(json!({})).await;
    let laptop_welcome = laptop.hello(json!({})).await;
    // Both verify at once, each on its own node.
    let identify = json!({ "type": "event", "name": "identify",
        "props": { "user_id": "c-5", "hash": identity_hash(&secret, "c-5") } });
    phone.send(identify.clone()).await;
    laptop.send(identify).await;
    phone.drain().await;
    laptop.drain().await;
    let customer_of =
        |welcome: &Value| format!("/visitors/{}", welcome["visitor_id"].as_str().unwrap());
    let of_phone = cluster.get(1, &customer_of(&phone_welcome)).await;
    let of_laptop = cluster.get(1, &customer_of(&laptop_welcome)).await;
    let canonical = of_phone["customer"]["canonical_visitor"].clone();
    assert!(canonical.is_string(), "{of_phone}");
    assert_eq!(of_laptop["customer"]["canonical_visitor"], canonical);

    phone
        .send(
            json!({ "type": "message", "client_msg_id": "p1", "text": "Is my order on its way?" }),
        )
        .await;
    phone.send(json!({ "type": "handoff" })).await;
    let routed = until(&mut agent, "routed", |f| f["type"] == "routed").await;
    let conversation = routed["conversation_id"].as_str().unwrap().to_owned();
    // The laptop, on another node, sees the phone's message live.
    until(&mut laptop, "the phone's message", |f| {
        f["type"] == "message" && f["text"] == "Is my order on its way?"
    })
    .await;
    agent
        .send(json!({ "type": "message", "conversation_id": conversation,
                      "client_msg_id": "a1", "text": "Yes, it left today." }))
        .await;
    for device in [&mut phone, &mut laptop] {
        until(device, "the agent's answer", |f| {
            f["type"] == "message" && f["text"] == "Yes, it left today."
        })
        .await;
    }
    let stored = cluster
        .get(1, &format!("/conversations/{conversation}/transcript"))
        .await;
    assert_eq!(stored["conversation"]["visitor_id"], canonical);
}
