//! The owners' daily model budget on several nodes on one Redis: it is one budget for the
//! site, counted in the store, so spreading requests over nodes does not multiply it.

use crate::cluster::Cluster;
use crate::common::llm::{API_KEY, Answer, MODEL, Provider};
use crate::redis_server::RedisServer;
use serde_json::{Value, json};

async fn draft(cluster: &Cluster, node: usize, conversation: &str) -> Value {
    let url = cluster.nodes[node].url(&format!(
        "/api/v1/sites/{}/conversations/{conversation}/draft",
        cluster.site.id
    ));
    let response = cluster
        .http
        .post(url)
        .bearer_auth(&cluster.owner)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

#[tokio::test]
async fn three_calls_a_day_are_three_for_the_whole_cluster() {
    let provider = Provider::start().await;
    let args: Vec<String> = [
        "--ai-base-url",
        &provider.base_url,
        "--ai-model",
        MODEL,
        "--ai-api-key",
        API_KEY,
        "--ai-daily-requests",
        "3",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    let cluster = Cluster::start_with(RedisServer::start().await, &args).await;
    let chat = cluster
        .routed_chat("Where can I see your size chart?")
        .await;
    provider.received(1).await; // the new chat's triage: the first of the three
    let reply = json!({ "reply": "Our size chart is under every product's photos." }).to_string();
    provider.script([Answer::Completion(reply.clone()), Answer::Completion(reply)]);
    let first = draft(&cluster, 0, &chat.conversation).await;
    assert_eq!(first["source"], "model", "{first}");
    let second = draft(&cluster, 1, &chat.conversation).await;
    assert_eq!(second["source"], "model", "{second}");
    for node in [0, 1] {
        let over = draft(&cluster, node, &chat.conversation).await;
        assert_eq!(over["fallback"], "over_budget", "node {node}: {over}");
    }
    assert_eq!(provider.requests().len(), 3, "no call past the budget");
}
