//! The agent socket's own hygiene: how a token is presented, what an unauthenticated or
//! malformed frame gets, and that the socket keeps working after a refusal.

use crate::common::{PASSWORD, Shopper, spawn_app, spawn_app_as_owner};
use futures_util::StreamExt;
use serde_json::json;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

#[tokio::test]
async fn the_token_may_come_in_the_subprotocol_header_and_the_server_names_its_protocol() {
    let app = spawn_app().await;
    let token = app.owner_token().await;
    let mut request = format!("ws://127.0.0.1:{}/ws/agent", app.port)
        .into_client_request()
        .unwrap();
    request.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        format!("shopchat.agent.v1, bearer.{token}")
            .parse()
            .unwrap(),
    );
    let (mut ws, response) = tokio_tungstenite::connect_async(request).await.unwrap();
    assert_eq!(
        response.headers()["sec-websocket-protocol"],
        "shopchat.agent.v1",
        "the token is never echoed back"
    );
    let ready = tokio::time::timeout(crate::common::DEADLINE, ws.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let ready: serde_json::Value = serde_json::from_str(ready.to_text().unwrap()).unwrap();
    assert_eq!(ready["type"], "ready");
    assert_eq!(ready["sites"][0]["id"], app.seed.site_id.as_str());
    app.stop().await;
}

#[tokio::test]
async fn without_a_valid_token_nothing_is_served_and_a_bad_one_closes_the_socket() {
    let app = spawn_app().await;
    // A token in the query string is not read.
    let token = app.owner_token().await;
    let url = format!("ws://127.0.0.1:{}/ws/agent?token={token}", app.port);
    let mut agent = Shopper::connect(&url, None).await.unwrap();
    agent
        .send(json!({ "type": "status", "status": "online", "ref": "s" }))
        .await;
    let refused = agent.recv().await;
    assert_eq!(refused["code"], "unauthorized", "{refused}");
    assert_eq!(refused["ref"], "s");
    // Malformed frames are answered and the socket stays usable.
    agent
        .send_raw(tokio_tungstenite::tungstenite::Message::text("{not json"))
        .await;
    assert_eq!(agent.recv().await["code"], "bad_json");
    agent.send(json!({ "type": "take" })).await;
    let missing = agent.recv().await;
    assert_eq!(missing["code"], "missing_field");
    assert_eq!(missing["field"], "conversation_id");
    agent
        .send(json!({ "type": "auth", "token": "not-a-jwt" }))
        .await;
    let bad = agent.recv().await;
    assert_eq!(bad["code"], "unauthorized");
    let close = agent.closed().await.expect("a close frame");
    assert_eq!(close.code, CloseCode::Policy);

    // The right token in a first frame works.
    let (_, ready) = app.agent(&token).await;
    assert_eq!(ready["agent"]["name"], "owner");
    app.stop().await;
}

#[tokio::test]
async fn an_agent_sets_its_status_and_other_agents_of_the_site_see_it() {
    let (app, owner) = spawn_app_as_owner().await;
    let bob = app.login(&app.seed.agent_email, PASSWORD).await;
    let (mut ann_ws, _) = app.agent(&owner).await;
    let (mut bob_ws, _) = app.agent(&bob).await;
    bob_ws
        .send(json!({ "type": "status", "status": "away", "ref": "a" }))
        .await;
    let answer = bob_ws.recv_type("ok").await.0;
    assert_eq!(answer["ref"], "a");
    loop {
        let (presence, _) = ann_ws.recv_type("presence").await;
        if presence["status"] == "away" {
            break;
        }
    }
    let agents: serde_json::Value = app
        .get_json(
            &format!("/api/v1/sites/{}/agents", app.seed.site_id),
            &owner,
        )
        .await;
    let bob_row = agents["agents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["email"] == "bob@shop.example")
        .cloned()
        .unwrap();
    assert_eq!(bob_row["status"], "away");
    assert_eq!(bob_row["capacity"], 3);
    // Owners set capacity and skills; a bad skill is named.
    let path = format!(
        "/api/v1/sites/{}/agents/{}",
        app.seed.site_id,
        bob_row["id"].as_str().unwrap()
    );
    let response = app
        .patch(
            &path,
            &owner,
            json!({ "capacity": 5, "skills": ["de", "Returns!"] }),
        )
        .await;
    assert_eq!(response.status(), 400);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["field"], "skills[1]");
    let response = app.patch(&path, &bob, json!({ "capacity": 50 })).await;
    assert_eq!(
        response.status(),
        403,
        "agents do not set their own capacity"
    );
    app.stop().await;
}
