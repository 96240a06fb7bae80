//! Routing with agents online: a full agent is given nothing more, and the moment a slot
//! frees up the waiting chat goes to them (routing skips reading the queue while everyone
//! online is full, so this checks it still reads it once someone has room).

use crate::common::spawn_app_as_owner;
use serde_json::json;

#[tokio::test]
async fn a_full_agent_gets_no_more_chats_until_one_closes_then_the_waiting_one() {
    let (app, owner) = spawn_app_as_owner().await;
    let me = app.my_agent_id(&owner).await;
    let path = format!(
        "/api/v1/sites/{}/agents/{}",
        app.seed.site_id,
        me.as_str().unwrap()
    );
    let patched = app.patch(&path, &owner, json!({ "capacity": 1 })).await;
    assert_eq!(patched.status(), 200);
    let (mut ws, _) = app.agent(&owner).await;

    // The first chat fills the owner's one seat.
    let mut first = app.shopper().await;
    first.hello(json!({})).await;
    first.send(json!({ "type": "handoff" })).await;
    let routed = ws.until(|f| f["type"] == "routed").await;
    let first_id = routed["conversation_id"].as_str().unwrap().to_owned();

    // The second waits: its handoff (routing included) is done once its socket answers a
    // later frame, and the owner was given nothing.
    let mut second = app.shopper().await;
    second.hello(json!({})).await;
    second.send(json!({ "type": "handoff" })).await;
    let (status, _) = second.recv_type("status").await;
    assert_eq!(status["state"], "queued", "{status}");
    let second_id = status["conversation_id"].as_str().unwrap().to_owned();
    second.drain().await;

    // Closing the first frees the seat: the waiting chat is routed to the owner, and nothing
    // was routed before the close.
    ws.send(json!({ "type": "close", "conversation_id": first_id, "ref": "c1" }))
        .await;
    let (ok, before) = ws.recv_type("ok").await;
    assert_eq!(ok["ref"], "c1", "{ok}");
    assert!(
        !before.iter().any(|f| f["type"] == "routed"),
        "a full agent was given another chat: {before:?}"
    );
    let routed = ws.until(|f| f["type"] == "routed").await;
    assert_eq!(routed["conversation_id"], second_id.as_str());
    let (status, _) = second.recv_type("status").await;
    assert_eq!(status["state"], "assigned", "{status}");
    app.stop().await;
}
