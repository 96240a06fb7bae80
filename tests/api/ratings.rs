//! A shopper rates a closed chat over the real shopper socket: bad input, another visitor's
//! or an open conversation refused, a second rating refused, the rating's line in the
//! transcript (live to agents), and the CSAT in the owners' report per agent, bot and rule.

use crate::common::{Shopper, TestApp, json_of, spawn_app_as_owner};
use serde_json::{Value, json};

/// A shopper whose chat an agent took, answered and closed; returns the shopper (the
/// `closed` status read) and the conversation id.
async fn closed_chat(app: &TestApp, owner: &str, agent: &mut Shopper) -> (Shopper, String) {
    let mut shopper = app.shopper().await;
    shopper.hello(json!({})).await;
    shopper.send(json!({ "type": "handoff" })).await;
    let (status, _) = shopper.recv_type("status").await;
    let id = status["conversation_id"].as_str().unwrap().to_owned();
    agent
        .send(json!({ "type": "take", "conversation_id": id, "ref": "t" }))
        .await;
    agent.until(|f| f["ref"] == "t").await;
    app.agent_says(owner, &id, "Happy to help!").await;
    agent
        .send(json!({ "type": "close", "conversation_id": id, "ref": "c" }))
        .await;
    let closed = agent.until(|f| f["ref"] == "c").await;
    assert_eq!(closed["type"], "ok", "{closed}");
    shopper
        .until(|f| f["type"] == "status" && f["state"] == "closed")
        .await;
    (shopper, id)
}

/// A chat the agent closed and the shopper rated `score`.
async fn rated_chat(app: &TestApp, owner: &str, agent: &mut Shopper, score: u8) {
    let (mut shopper, id) = closed_chat(app, owner, agent).await;
    shopper
        .send(json!({ "type": "rate", "conversation_id": id, "score": score }))
        .await;
    shopper.recv_type("rated").await;
}

/// Sends `frame` and returns the `error` that answers it.
async fn refused(shopper: &mut Shopper, frame: Value) -> Value {
    shopper.send(frame).await;
    shopper.recv_type("error").await.0
}

#[tokio::test]
async fn a_shopper_rates_their_closed_chat_once_and_bad_ratings_are_refused() {
    let (app, owner) = spawn_app_as_owner().await;
    app.chat_settings(&owner, json!({ "auto_assign": false }))
        .await;
    let (mut agent, _) = app.agent(&owner).await;
    let (mut shopper, id) = closed_chat(&app, &owner, &mut agent).await;

    // Bad input, each named, and the socket keeps working.
    let bad = refused(
        &mut shopper,
        json!({ "type": "rate", "conversation_id": id, "score": 0 }),
    )
    .await;
    assert_eq!(
        (&bad["code"], &bad["field"]),
        (&json!("invalid_field"), &json!("score"))
    );
    let bad = refused(
        &mut shopper,
        json!({ "type": "rate", "conversation_id": id, "score": 6 }),
    )
    .await;
    assert_eq!(bad["field"], "score", "{bad}");
    let bad = refused(
        &mut shopper,
        json!({ "type": "rate", "conversation_id": id, "score": "five" }),
    )
    .await;
    assert_eq!(
        (&bad["code"], &bad["field"]),
        (&json!("invalid_field"), &json!("score"))
    );
    let bad = refused(&mut shopper, json!({ "type": "rate", "score": 4 })).await;
    assert_eq!(
        (&bad["code"], &bad["field"]),
        (&json!("missing_field"), &json!("conversation_id"))
    );
    let long = "x".repeat(1001);
    let bad = refused(
        &mut shopper,
        json!({ "type": "rate", "conversation_id": id, "score": 4, "comment": long }),
    )
    .await;
    assert_eq!(
        (&bad["code"], &bad["field"]),
        (&json!("text_too_long"), &json!("comment"))
    );
    let bad = refused(
        &mut shopper,
        json!({ "type": "rate", "conversation_id": "c_nope", "score": 4 }),
    )
    .await;
    assert_eq!(bad["code"], "unknown_conversation", "{bad}");

    // Another shopper cannot rate this chat, and cannot rate their own open one.
    let mut other = app.shopper().await;
    other.hello(json!({})).await;
    let bad = refused(
        &mut other,
        json!({ "type": "rate", "conversation_id": id, "score": 1 }),
    )
    .await;
    assert_eq!(
        (&bad["code"], &bad["field"]),
        (&json!("unknown_conversation"), &json!("conversation_id"))
    );
    other.send(json!({ "type": "handoff" })).await;
    let (status, _) = other.recv_type("status").await;
    let open = status["conversation_id"].as_str().unwrap();
    let bad = refused(
        &mut other,
        json!({ "type": "rate", "conversation_id": open, "score": 5 }),
    )
    .await;
    assert_eq!(
        (&bad["code"], &bad["field"]),
        (&json!("not_allowed"), &json!("conversation_id"))
    );

    // The rating: acknowledged, its line in the transcript, live to the site's agents.
    shopper
        .send(json!({ "type": "rate", "conversation_id": id, "score": 5, "comment": "  Quick and kind <b>!</b> " }))
        .await;
    // The shopper's tabs get the `rated` answer and the line, in either order.
    let (mut rated, mut echoed) = (None, None);
    while rated.is_none() || echoed.is_none() {
        let frame = shopper.recv().await;
        match frame["type"].as_str() {
            Some("rated") => rated = Some(frame),
            Some("message") => echoed = Some(frame),
            _ => {}
        }
    }
    assert_eq!(
        rated.unwrap(),
        json!({ "type": "rated", "conversation_id": id, "score": 5 })
    );
    let line = "The shopper rated this chat 5/5 ★★★★★: “Quick and kind <b>!</b>”";
    assert_eq!(echoed.unwrap()["text"], line);
    let seen = agent
        .until(|f| {
            f["type"] == "message"
                && f["message"]["conversation_id"] == id.as_str()
                && f["message"]["text"]
                    .as_str()
                    .is_some_and(|t| t.starts_with("The shopper rated"))
        })
        .await;
    assert_eq!(seen["message"]["text"], line);
    assert_eq!(seen["message"]["author"]["kind"], "system");
    let transcript = app.conversation(&owner, &id).await;
    let entries = transcript["entries"].as_array().unwrap();
    assert_eq!(entries.last().unwrap()["text"], line, "{transcript}");
    assert_eq!(transcript["conversation"]["state"], "closed");

    // Rating twice is refused: the first rating stands.
    let again = refused(
        &mut shopper,
        json!({ "type": "rate", "conversation_id": id, "score": 1 }),
    )
    .await;
    assert_eq!(again["code"], "already_rated", "{again}");
    let report_path = app.site_path("/report?days=1");
    let report = json_of(app.get(&report_path, &owner).await, 200).await;
    assert_eq!(report["csat"]["totals"]["ratings"], 1, "{report}");
    app.stop().await;
}

#[tokio::test]
async fn the_report_shows_csat_per_day_agent_team_rule_and_bot_against_people() {
    let (app, owner) = spawn_app_as_owner().await;
    app.chat_settings(&owner, json!({ "auto_assign": false }))
        .await;
    let report_path = app.site_path("/report?days=7");
    let empty = json_of(app.get(&report_path, &owner).await, 200).await;
    assert_eq!(
        empty["csat"]["totals"],
        json!({ "ratings": 0, "satisfied": 0, "csat": null, "average": null })
    );
    assert_eq!(empty["csat"]["days"].as_array().unwrap().len(), 7);

    let (mut agent, _) = app.agent(&owner).await;
    // Two chats a person had: a 5 and a 2.
    for score in [5, 2] {
        rated_chat(&app, &owner, &mut agent, score).await;
    }
    // A chat a trigger rule's bot message opened, closed with only the bot in it: a 4.
    app.add_article(&owner, "Do you ship abroad?", "Yes, to all of Europe.")
        .await;
    let rule = app
        .create_rule(
            &owner,
            json!({
                "name": "Product help",
                "when": "page_view",
                "conditions": { "all": [{ "fact": "page.type", "op": "eq", "value": "product" }] },
                "actions": [{ "type": "message", "text": "Questions about this product?" }]
            }),
        )
        .await;
    let mut browser = app.shopper().await;
    browser
        .hello(json!({ "page": { "url": "https://shop.example/p/jacket", "title": "Jacket", "type": "product" } }))
        .await;
    let (proactive, _) = browser.recv_type("proactive").await;
    let opened = proactive["conversation_id"].as_str().unwrap().to_owned();
    agent
        .send(json!({ "type": "close", "conversation_id": opened, "ref": "bc" }))
        .await;
    let closed = agent.until(|f| f["ref"] == "bc").await;
    assert_eq!(closed["type"], "ok", "{closed}");
    browser
        .until(|f| f["type"] == "status" && f["state"] == "closed")
        .await;
    browser
        .send(json!({ "type": "rate", "conversation_id": opened, "score": 4, "comment": "ok" }))
        .await;
    browser.recv_type("rated").await;

    let report = json_of(app.get(&report_path, &owner).await, 200).await;
    let csat = &report["csat"];
    assert_eq!(
        csat["totals"],
        json!({ "ratings": 3, "satisfied": 2, "csat": 66.7, "average": 3.67 }),
        "{csat}"
    );
    let days = csat["days"].as_array().unwrap();
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    assert_eq!(days.last().unwrap()["date"], today.as_str());
    assert_eq!(days.last().unwrap()["ratings"], 3);
    assert_eq!(days[0]["ratings"], 0);
    let me = app.my_agent_id(&owner).await;
    let agents = csat["agents"].as_array().unwrap();
    assert_eq!(agents.len(), 1, "{csat}");
    assert_eq!(agents[0]["agent_id"], me);
    assert!(agents[0]["name"].is_string());
    assert_eq!(
        (&agents[0]["ratings"], &agents[0]["csat"]),
        (&json!(2), &json!(50.0))
    );
    assert_eq!(csat["people"]["ratings"], 2);
    assert_eq!(
        (&csat["bot"]["ratings"], &csat["bot"]["csat"]),
        (&json!(1), &json!(100.0))
    );
    assert_eq!(
        csat["rules"],
        json!([{ "rule_id": rule, "name": "Product help", "ratings": 1, "satisfied": 1, "csat": 100.0, "average": 4.0 }])
    );
    assert_eq!(csat["teams"], json!([]));
    app.stop().await;
}

/// Any member sees their own ratings beside the site's people (owners see everyone's in the
/// site report); a site they are not on answers nothing.
#[tokio::test]
async fn an_agent_sees_their_own_csat_beside_the_sites_people() {
    let (app, owner) = spawn_app_as_owner().await;
    app.chat_settings(&owner, json!({ "auto_assign": false }))
        .await;
    let (mut agent, _) = app.agent(&owner).await;
    for score in [5, 2] {
        rated_chat(&app, &owner, &mut agent, score).await;
    }
    let path = app.site_path("/report/mine?days=7");
    let mine = json_of(app.get(&path, &owner).await, 200).await;
    assert_eq!(
        mine["mine"]["totals"],
        json!({ "ratings": 2, "satisfied": 1, "csat": 50.0, "average": 3.5 })
    );
    let days = mine["mine"]["days"].as_array().unwrap();
    assert_eq!(days.len(), 7);
    assert_eq!(days[6]["ratings"], 2, "{mine}");
    assert_eq!(mine["people"]["ratings"], 2);

    // Another member, who had none of those chats: nothing of theirs, the same people.
    let colleague = app
        .login(&app.seed.agent_email, crate::common::PASSWORD)
        .await;
    let theirs = json_of(app.get(&path, &colleague).await, 200).await;
    assert_eq!(theirs["mine"]["totals"]["ratings"], 0, "{theirs}");
    assert_eq!(theirs["people"]["ratings"], 2);
    // The site report stays the owners'.
    assert_eq!(
        app.get(&app.site_path("/report"), &colleague)
            .await
            .status(),
        403
    );
    let bad = json_of(
        app.get(&app.site_path("/report/mine?days=0"), &owner).await,
        400,
    )
    .await;
    assert_eq!(bad["error"]["field"], "days");
    app.stop().await;
}
