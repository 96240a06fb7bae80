//! The bounds on model calls act before a call is made: one call more than the node's slots
//! gets the fallback at once (`busy`), and past the site's daily budget every use falls back
//! (`over_budget`) without reaching the provider; a busy refusal costs no budget.

use crate::common::llm::{Answer, MODEL, Provider};
use crate::common::{TestApp, spawn_app_with};
use serde_json::{Value, json};

async fn draft(app: &TestApp, owner: &str, conversation: &str) -> Value {
    let response = app
        .post(
            &app.site_path(&format!("/conversations/{conversation}/draft")),
            owner,
            json!({}),
        )
        .await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

#[tokio::test]
async fn a_call_past_the_slots_is_busy_and_past_the_daily_budget_is_over_budget() {
    let provider = Provider::start().await;
    let ai = provider.settings(std::time::Duration::from_secs(2));
    let app = spawn_app_with(move |s| {
        s.ai = ai;
        s.ai.max_concurrent = 1;
        s.ai.daily_requests = 3;
    })
    .await;
    let owner = app.owner_token().await;
    let mut shopper = app.shopper().await;
    shopper.hello(json!({})).await;
    shopper
        .send(
            json!({ "type": "message", "client_msg_id": "m-1", "text": "Do you ship to Norway?" }),
        )
        .await;
    let (ack, _) = shopper.recv_type("ack").await;
    let conversation = ack["conversation_id"].as_str().unwrap().to_owned();
    provider.received(1).await; // the triage: call 1 of 3, its slot now free

    // Call 2 hangs in the only slot; a draft asked meanwhile is refused at once.
    provider.script([Answer::Silent]);
    let (slow, busy) = tokio::join!(draft(&app, &owner, &conversation), async {
        provider.received(2).await;
        draft(&app, &owner, &conversation).await
    });
    assert_eq!(busy["fallback"], "busy", "{busy}");
    assert_eq!(slow["fallback"], "timeout", "{slow}");

    // Call 3 — the busy refusal cost nothing — then the budget is spent.
    provider.script([Answer::Completion(
        json!({ "reply": "Yes, we ship to Norway." }).to_string(),
    )]);
    assert_eq!(draft(&app, &owner, &conversation).await["source"], "model");
    let over = draft(&app, &owner, &conversation).await;
    assert_eq!(over["fallback"], "over_budget", "{over}");
    assert_eq!(
        provider.requests().len(),
        3,
        "nothing past the budget reached the provider"
    );
    // Owners see it.
    let usage = app.get_json(&app.site_path("/ai-usage"), &owner).await;
    assert_eq!(
        usage,
        json!({ "model": MODEL, "own_provider": false, "daily_requests": 3, "used_today": 3 })
    );
    app.stop().await;
}
