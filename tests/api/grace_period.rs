//! An agent's socket that drops keeps its chats for a grace period, then the chats go back to
//! the queue.

use crate::common::{PASSWORD, Shopper, TestApp, spawn_app_with};
use crate::conversations::{conversation_in, waiting_shopper};
use serde_json::{Value, json};

/// Bob's agent socket, his status set to away (he sees chats but routing passes him by).
async fn bob_watching_away(app: &TestApp) -> Shopper {
    let bob = app.login(&app.seed.agent_email, PASSWORD).await;
    let (mut bob_ws, _) = app.agent(&bob).await;
    bob_ws
        .send(json!({ "type": "status", "status": "away", "ref": "s" }))
        .await;
    bob_ws.until(|f| f["ref"] == "s").await;
    bob_ws
}

#[tokio::test]
async fn an_agent_gone_past_the_grace_period_sends_the_chat_back_to_the_queue() {
    let app =
        spawn_app_with(|s| s.limits.agent_grace = std::time::Duration::from_millis(300)).await;
    let owner = app.owner_token().await;
    // Bob watches but is away, so routing gives the chat to Ann.
    let mut bob_ws = bob_watching_away(&app).await;
    let (mut ann_ws, _) = app.agent(&owner).await;
    let (mut shopper, conversation) = waiting_shopper(&app).await;
    let routed = ann_ws.until(|f| f["type"] == "routed").await;
    assert_eq!(routed["conversation_id"], conversation.as_str());
    let (status, _) = shopper.recv_type("status").await;
    assert_eq!(status["state"], "assigned");

    // Ann's socket drops; after the grace period the chat is queued again.
    ann_ws.close().await;
    // Bob saw it queued once before Ann had it; the requeue is the one that names her.
    let ann_id = app.my_agent_id(&owner).await;
    let queued = conversation_in(&conversation, "queued");
    let requeued = bob_ws
        .until(|f| queued(f) && f["conversation"]["last_agent"] == ann_id)
        .await;
    assert_eq!(requeued["conversation"]["handoff_reason"], "shopper_asked");
    let (status, skipped) = shopper.recv_type("status").await;
    assert_eq!(status["state"], "queued");
    assert!(
        skipped.iter().any(|f| f["text"]
            .as_str()
            .unwrap_or("")
            .contains("no longer available")),
        "{skipped:?}"
    );
    app.stop().await;
}

/// An agent that drops, comes back at once and drops again keeps its chat for a whole grace
/// period after the *second* drop: the timer the first drop armed is void once it came back.
/// Times (grace 2 s): drop at 0, back at once, drop again at 1.3 s; at 2.6 s the chat must
/// still be Ann's (a timer from the first drop would have requeued it at 2 s), then it is
/// requeued (from 3.3 s on).
#[tokio::test]
async fn the_grace_period_runs_from_the_last_disconnection_not_an_earlier_one() {
    use std::time::Duration;
    use tokio::time::{Instant, sleep_until};
    let grace = Duration::from_millis(2000);
    let app = spawn_app_with(|s| s.limits.agent_grace = grace).await;
    let owner = app.owner_token().await;
    // Bob watches (away, so routing gives the chat to Ann) and sees Ann's presence.
    let mut bob_ws = bob_watching_away(&app).await;
    let (mut ann_ws, _) = app.agent(&owner).await;
    let (_shopper, conversation) = waiting_shopper(&app).await;
    let routed = ann_ws.until(|f| f["type"] == "routed").await;
    assert_eq!(routed["conversation_id"], conversation.as_str());
    let ann_id = app.my_agent_id(&owner).await;
    let ann_offline =
        |f: &Value| f["type"] == "presence" && f["agent_id"] == ann_id && f["status"] == "offline";

    let first_drop = Instant::now();
    ann_ws.close().await;
    // The server has seen her go (and armed a grace timer) before she comes back.
    bob_ws.until(ann_offline).await;
    let (ann_ws, _) = app.agent(&owner).await;
    sleep_until(first_drop + Duration::from_millis(1300)).await;
    ann_ws.close().await;
    bob_ws.until(ann_offline).await;

    sleep_until(first_drop + Duration::from_millis(2600)).await;
    let stored = app.conversation(&owner, &conversation).await;
    assert_eq!(
        (
            &stored["conversation"]["state"],
            &stored["conversation"]["agent"]
        ),
        (&json!("assigned"), &ann_id),
        "requeued by the grace timer of the first drop: {stored}"
    );
    // A grace after the last drop, it goes back to the queue.
    let requeued = bob_ws
        .until(|f| {
            conversation_in(&conversation, "queued")(f) && f["conversation"]["last_agent"] == ann_id
        })
        .await;
    assert_eq!(requeued["conversation"]["state"], "queued");
    app.stop().await;
}
