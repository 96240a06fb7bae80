//! A site's team managed by its owners over real HTTP: inviting new and existing accounts,
//! duplicates and bad input named by field, roles and the last-owner guard, removal and the
//! removed agent losing the site at once; the invited account's one-time password.

use crate::common::{PASSWORD, TestApp, json_of, spawn_app_as_owner};
use serde_json::{Value, json};

fn agents_path(app: &TestApp) -> String {
    format!("/api/v1/sites/{}/agents", app.seed.site_id)
}

async fn listed(app: &TestApp, token: &str) -> Vec<Value> {
    let body = json_of(app.get(&agents_path(app), token).await, 200).await;
    body["agents"].as_array().unwrap().clone()
}

#[tokio::test]
async fn an_invited_new_account_gets_a_one_time_password_it_must_change() {
    let (app, owner) = spawn_app_as_owner().await;
    let created = app
        .created(
            &agents_path(&app),
            &owner,
            json!({ "email": "Nina@Shop.example", "name": " Nina ", "role": "agent",
                    "capacity": 5, "skills": ["de", "returns"] }),
        )
        .await;
    let agent = &created["agent"];
    assert_eq!(agent["name"], "Nina");
    assert_eq!(agent["role"], "agent");
    assert_eq!(agent["capacity"], 5);
    assert_eq!(agent["skills"], json!(["de", "returns"]));
    assert_eq!(agent["status"], "offline");
    let email = agent["email"].as_str().unwrap().to_owned();
    // The answer is one row of the list, as the list shows it.
    let rows = listed(&app, &owner).await;
    let row = rows
        .iter()
        .find(|a| a["id"] == agent["id"])
        .expect("listed");
    assert_eq!(row, agent);
    assert_eq!(row.as_object().unwrap().len(), 7, "{row}");

    let password = created["one_time_password"].as_str().expect("a password");
    assert!(password.len() >= 10, "{password}");
    let token = app.login(&email, password).await;
    let site = format!("/api/v1/sites/{}", app.seed.site_id);
    let refused = json_of(app.get(&site, &token).await, 403).await;
    assert_eq!(refused["error"]["code"], "password_change_required");
    let me = json_of(app.get("/api/v1/me", &token).await, 200).await;
    assert_eq!(me["agent"]["must_change_password"], true);
    assert_eq!(me["memberships"][0]["site_id"], app.seed.site_id.as_str());
    // Reading the account is open to it; renaming it waits for a password of its own.
    let rename = app
        .patch("/api/v1/me", &token, json!({ "display_name": "Not yet" }))
        .await;
    let refused = json_of(rename, 403).await;
    assert_eq!(refused["error"]["code"], "password_change_required");
    let changed = app
        .post(
            "/api/v1/auth/password",
            &token,
            json!({ "current_password": password, "new_password": "violet harbor lantern 7" }),
        )
        .await;
    assert_eq!(changed.status(), 200);
    let token = app.login(&email, "violet harbor lantern 7").await;
    let site = json_of(app.get(&site, &token).await, 200).await;
    assert_eq!(site["role"], "agent");
    app.stop().await;
}

#[tokio::test]
async fn an_existing_account_is_added_and_a_member_is_a_conflict() {
    let (app, owner) = spawn_app_as_owner().await;
    let outsider = app.login(&app.seed.outsider_email, PASSWORD).await;
    let site = format!("/api/v1/sites/{}", app.seed.site_id);
    assert_eq!(app.get(&site, &outsider).await.status(), 403);

    let added = app
        .created(
            &agents_path(&app),
            &owner,
            json!({ "email": app.seed.outsider_email, "name": "Ignored", "role": "owner" }),
        )
        .await;
    // The answer looks like a new account's (see the test below); the account keeps its
    // own name and password.
    assert!(added["one_time_password"].is_string(), "{added}");
    assert_eq!(added["agent"]["role"], "owner");
    let row = listed(&app, &owner)
        .await
        .into_iter()
        .find(|a| a["id"] == added["agent"]["id"])
        .expect("listed");
    assert_eq!(
        row["name"], "outsider",
        "an existing account keeps its name"
    );
    // The same token now opens the site: memberships are read on every request.
    let now = json_of(app.get(&site, &outsider).await, 200).await;
    assert_eq!(now["role"], "owner");
    // And the other site is still theirs.
    let mine = json_of(app.get("/api/v1/sites", &outsider).await, 200).await;
    assert_eq!(mine["sites"].as_array().unwrap().len(), 2);

    for email in [&app.seed.agent_email, &app.seed.outsider_email] {
        let again = json_of(
            app.post(
                &agents_path(&app),
                &owner,
                json!({ "email": email, "name": "X", "role": "agent" }),
            )
            .await,
            409,
        )
        .await;
        assert_eq!(again["error"]["code"], "conflict");
        assert_eq!(again["error"]["field"], "email");
    }
    assert_eq!(listed(&app, &owner).await.len(), 3);
    app.stop().await;
}

#[tokio::test]
async fn bad_invitations_name_the_field_and_only_owners_may_invite() {
    let (app, owner) = spawn_app_as_owner().await;
    let agent = app.login(&app.seed.agent_email, PASSWORD).await;
    let good = json!({ "email": "x@shop.example", "name": "X", "role": "agent" });
    let with = |key: &str, value: Value| {
        let mut body = good.clone();
        body[key] = value;
        body
    };
    let cases = [
        (with("email", json!("not-an-email")), "email"),
        (with("name", json!("  ")), "name"),
        (with("name", json!("n".repeat(101))), "name"),
        (with("role", json!("boss")), "role"),
        (with("capacity", json!(0)), "capacity"),
        (with("capacity", json!(51)), "capacity"),
        (
            with(
                "skills",
                json!((0..21).map(|i| format!("s{i}")).collect::<Vec<_>>()),
            ),
            "skills",
        ),
        (with("skills", json!(["Bad Skill"])), "skills[0]"),
        (json!({ "email": "x@shop.example", "name": "X" }), "role"),
    ];
    for (body, field) in cases {
        let refused = json_of(
            app.post(&agents_path(&app), &owner, body.clone()).await,
            400,
        )
        .await;
        assert_eq!(refused["error"]["field"], field, "{body}");
    }
    let forbidden = json_of(
        app.post(&agents_path(&app), &agent, good.clone()).await,
        403,
    )
    .await;
    assert_eq!(forbidden["error"]["code"], "forbidden");
    assert_eq!(listed(&app, &owner).await.len(), 2, "nothing was created");
    // The same body from the owner works: the refusals were about the field or the caller.
    app.created(&agents_path(&app), &owner, good).await;
    app.stop().await;
}

#[tokio::test]
async fn roles_change_but_the_last_owner_stays_an_owner() {
    let (app, owner) = spawn_app_as_owner().await;
    let owner_id = app.agent_id(&owner, &app.seed.owner_email).await;
    let bob_id = app.agent_id(&owner, &app.seed.agent_email).await;
    let path = |id: &str| format!("{}/{id}", agents_path(&app));

    let last = json_of(
        app.patch(&path(&owner_id), &owner, json!({ "role": "agent" }))
            .await,
        409,
    )
    .await;
    assert_eq!(last["error"]["field"], "role");
    let bad = json_of(
        app.patch(&path(&bob_id), &owner, json!({ "role": "admin" }))
            .await,
        400,
    )
    .await;
    assert_eq!(bad["error"]["field"], "role");

    let promoted = json_of(
        app.patch(&path(&bob_id), &owner, json!({ "role": "owner" }))
            .await,
        200,
    )
    .await;
    assert_eq!(promoted["role"], "owner");
    assert_eq!(promoted["capacity"], 3, "the profile is kept");
    // With two owners, the first may step down; then Bob is the last one.
    let stepped = json_of(
        app.patch(
            &path(&owner_id),
            &owner,
            json!({ "role": "agent", "capacity": 4 }),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(stepped["role"], "agent");
    assert_eq!(stepped["capacity"], 4);
    let roles: Vec<(String, String)> = listed(&app, &owner)
        .await
        .iter()
        .map(|a| {
            (
                a["email"].as_str().unwrap().into(),
                a["role"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert!(roles.contains(&(app.seed.owner_email.clone(), "agent".into())));
    assert!(roles.contains(&(app.seed.agent_email.clone(), "owner".into())));
    // No longer an owner: the next change is refused.
    let refused = app
        .patch(&path(&bob_id), &owner, json!({ "role": "agent" }))
        .await;
    assert_eq!(refused.status(), 403);
    let bob = app.login(&app.seed.agent_email, PASSWORD).await;
    let last = json_of(
        app.patch(&path(&bob_id), &bob, json!({ "role": "agent" }))
            .await,
        409,
    )
    .await;
    assert_eq!(last["error"]["field"], "role");
    app.stop().await;
}

#[tokio::test]
async fn a_removed_agent_loses_the_site_at_once_and_the_last_owner_stays() {
    let (app, owner) = spawn_app_as_owner().await;
    let bob = app.login(&app.seed.agent_email, PASSWORD).await;
    let owner_id = app.agent_id(&owner, &app.seed.owner_email).await;
    let bob_id = app.agent_id(&owner, &app.seed.agent_email).await;
    let path = |id: &str| format!("{}/{id}", agents_path(&app));
    let site = format!("/api/v1/sites/{}", app.seed.site_id);
    assert_eq!(app.get(&site, &bob).await.status(), 200);

    assert_eq!(app.delete(&path(&owner_id), &bob).await.status(), 403);
    let last = json_of(app.delete(&path(&owner_id), &owner).await, 409).await;
    assert_eq!(last["error"]["code"], "conflict");
    assert_eq!(app.delete(&path(&bob_id), &owner).await.status(), 204);

    // Bob's still valid token no longer opens the site or its conversations.
    assert_eq!(app.get(&site, &bob).await.status(), 403);
    assert_eq!(
        app.get(&format!("{site}/conversations"), &bob)
            .await
            .status(),
        403
    );
    let me = json_of(app.get("/api/v1/me", &bob).await, 200).await;
    assert_eq!(me["memberships"], json!([]), "the account itself stays");
    let emails: Vec<Value> = listed(&app, &owner)
        .await
        .iter()
        .map(|a| a["email"].clone())
        .collect();
    assert_eq!(emails, [json!(app.seed.owner_email)]);
    let gone = json_of(app.delete(&path(&bob_id), &owner).await, 404).await;
    assert_eq!(gone["error"]["code"], "not_found");
    // Invited again, Bob is back with his old account and no new password.
    let back = app
        .created(
            &agents_path(&app),
            &owner,
            json!({ "email": app.seed.agent_email, "name": "Bob", "role": "agent" }),
        )
        .await;
    assert_eq!(back["agent"]["id"], bob_id.as_str());
    assert_eq!(app.get(&site, &bob).await.status(), 200);
    // The one-time password in the answer is not his: his own still works.
    app.login(&app.seed.agent_email, PASSWORD).await;
    let once = back["one_time_password"].as_str().unwrap();
    let refused = app
        .http
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({ "email": app.seed.agent_email, "password": once }))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);
    app.stop().await;
}

#[tokio::test]
async fn a_removed_agents_open_socket_reconnects_without_the_site_and_its_chat_is_requeued() {
    let (app, owner) = spawn_app_as_owner().await;
    let bob = app.login(&app.seed.agent_email, PASSWORD).await;
    let bob_id = app.agent_id(&owner, &app.seed.agent_email).await;
    let (mut bob_socket, ready) = app.agent(&bob).await;
    assert_eq!(
        ready["sites"][0]["id"],
        app.seed.site_id.as_str(),
        "{ready}"
    );

    // Bob is the only agent online, so routing gives him the shopper's chat.
    let mut shopper = app.shopper().await;
    shopper.hello(json!({})).await;
    shopper
        .send(json!({ "type": "message", "client_msg_id": "m1", "text": "Hello" }))
        .await;
    shopper.send(json!({ "type": "handoff" })).await;
    let routed = loop {
        let frame = bob_socket.recv().await;
        if frame["type"] == "routed" {
            break frame;
        }
    };
    let conversation = routed["conversation_id"].as_str().unwrap().to_owned();

    let path = format!("{}/{bob_id}", agents_path(&app));
    assert_eq!(app.delete(&path, &owner).await.status(), 204);
    // His open socket is told to reconnect (1012) instead of going on with the old sites…
    let close = bob_socket.closed().await.expect("a close frame");
    assert_eq!(u16::from(close.code), 1012, "{close:?}");
    // …and when it does, the site is gone from what it sees and may act on.
    let (mut again, ready) = app.agent(&bob).await;
    assert_eq!(ready["sites"], json!([]), "{ready}");
    again
        .send(json!({ "type": "take", "conversation_id": conversation, "ref": "t" }))
        .await;
    let refused = again.recv_type("error").await.0;
    assert_eq!(refused["code"], "not_found", "{refused}");
    // The chat he had waits for someone who can still answer it.
    let transcript = app.conversation(&owner, &conversation).await;
    assert_eq!(
        transcript["conversation"]["state"], "queued",
        "{transcript}"
    );
    app.stop().await;
}

/// Site A's owner invites site B's agent and sets its capacity and skills on A: B's routing
/// profile of the agent stays as it was (read by the agent on B), routing on A counts A's
/// capacity against A's chats only, and the invitation tells A's owner nothing about the
/// account: the same answer as for a new email, without its name, presence or other sites.
#[tokio::test]
async fn an_owner_sets_routing_for_their_own_site_only_and_learns_nothing_of_others() {
    let (app, owner) = spawn_app_as_owner().await;
    let outsider = app.login(&app.seed.outsider_email, PASSWORD).await;
    let b_agents = format!("/api/v1/sites/{}/agents", app.seed.other_site_id);
    let profile_on_b = |rows: Value| {
        let row = rows["agents"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["email"] == app.seed.outsider_email.as_str())
            .cloned()
            .expect("listed on b");
        (
            row["capacity"].clone(),
            row["skills"].clone(),
            row["name"].clone(),
        )
    };
    let before = profile_on_b(json_of(app.get(&b_agents, &outsider).await, 200).await);
    assert_eq!(before, (json!(3), json!([]), json!("outsider")));
    // The outsider is online on B, so an invitation answer built from the account would
    // say so.
    let (mut socket, _) = app.agent(&outsider).await;

    let path = agents_path(&app);
    let invite = |email: &str| {
        app.post(
            &path,
            &owner,
            json!({ "email": email, "name": "Invited", "role": "agent",
                    "capacity": 1, "skills": ["vip"] }),
        )
    };
    let existing = json_of(invite(&app.seed.outsider_email).await, 201).await;
    let new = json_of(invite("brand-new@shop.example").await, 201).await;
    let shape = |v: &Value| {
        let agent = v["agent"].as_object().unwrap();
        let mut keys: Vec<&String> = agent.keys().collect();
        keys.sort();
        (
            keys.into_iter().cloned().collect::<Vec<_>>(),
            v["one_time_password"].is_string(),
            agent["name"].clone(),
            agent["status"].clone(),
            agent["capacity"].clone(),
            agent["skills"].clone(),
        )
    };
    assert_eq!(shape(&existing), shape(&new), "{existing} vs {new}");
    let text = existing.to_string();
    for secret in [
        "outsider\"",
        &app.seed.other_site_id,
        "Other shop",
        "online",
    ] {
        assert!(
            !text.contains(secret),
            "the answer reveals {secret}: {text}"
        );
    }
    let id = existing["agent"]["id"].as_str().unwrap().to_owned();

    let changed = json_of(
        app.patch(
            &format!("{}/{id}", agents_path(&app)),
            &owner,
            json!({ "capacity": 1, "skills": ["de"] }),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(changed["skills"], json!(["de"]));
    let a_row = listed(&app, &owner)
        .await
        .into_iter()
        .find(|a| a["id"] == id.as_str())
        .unwrap();
    assert_eq!(
        (&a_row["capacity"], &a_row["skills"]),
        (&json!(1), &json!(["de"]))
    );
    // B sees its own profile of the agent, untouched by A's owner; the password is its own.
    let after = profile_on_b(json_of(app.get(&b_agents, &outsider).await, 200).await);
    assert_eq!(after, before);
    app.login(&app.seed.outsider_email, PASSWORD).await;

    // The invitation made the socket reconnect; the new one sees each site's own profile.
    assert!(socket.closed().await.is_some());
    let (mut socket, ready) = app.agent(&outsider).await;
    let site_view = |id: &str| {
        ready["sites"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("{ready}"))
    };
    let (on_a, on_b) = (
        site_view(&app.seed.site_id),
        site_view(&app.seed.other_site_id),
    );
    assert_eq!(
        (&on_a["capacity"], &on_a["skills"]),
        (&json!(1), &json!(["de"]))
    );
    assert_eq!(
        (&on_b["capacity"], &on_b["skills"]),
        (&json!(3), &json!([]))
    );

    // A chat on B is routed to the agent (B's capacity 3)…
    let b_url = app.ws_url(&app.seed.other_public_key);
    let mut b_shopper = crate::common::Shopper::connect(&b_url, Some("https://other.example"))
        .await
        .unwrap();
    b_shopper.hello(json!({})).await;
    b_shopper
        .send(json!({ "type": "message", "client_msg_id": "b1", "text": "Hello B" }))
        .await;
    b_shopper.send(json!({ "type": "handoff" })).await;
    routed_on(&mut socket, &app.seed.other_site_id).await;
    // …and does not count against A's capacity of 1: A's chat is routed too.
    let mut a_shopper = app.shopper().await;
    a_shopper.hello(json!({})).await;
    a_shopper
        .send(json!({ "type": "message", "client_msg_id": "a1", "text": "Hello A" }))
        .await;
    a_shopper.send(json!({ "type": "handoff" })).await;
    let routed = routed_on(&mut socket, &app.seed.site_id).await;
    let conversation = routed["conversation_id"].as_str().unwrap();
    let transcript = app.conversation(&owner, conversation).await;
    assert_eq!(
        transcript["conversation"]["agent"],
        id.as_str(),
        "{transcript}"
    );
    app.stop().await;
}

/// The next `routed` frame for a chat of `site`, skipping the rest.
async fn routed_on(socket: &mut crate::common::Shopper, site: &str) -> Value {
    loop {
        let frame = socket.recv().await;
        if frame["type"] == "routed" && frame["site_id"] == site {
            return frame;
        }
    }
}

/// The dashboard shows "n/capacity chats" from its `ready`: a changed profile reaches an open
/// dashboard at once (its socket is asked to reconnect and the fresh `ready` carries it).
#[tokio::test]
async fn a_changed_capacity_reaches_the_agents_open_dashboard() {
    let (app, owner) = spawn_app_as_owner().await;
    let bob = app.login(&app.seed.agent_email, PASSWORD).await;
    let bob_id = app.agent_id(&owner, &app.seed.agent_email).await;
    let (mut bob_socket, ready) = app.agent(&bob).await;
    assert_ne!(ready["sites"][0]["capacity"], 7, "{ready}");
    let path = format!("/api/v1/sites/{}/agents/{bob_id}", app.seed.site_id);
    json_of(
        app.patch(&path, &owner, json!({ "capacity": 7 })).await,
        200,
    )
    .await;
    let close = bob_socket.closed().await.expect("a close frame");
    assert_eq!(u16::from(close.code), 1012, "{close:?}");
    let (_, ready) = app.agent(&bob).await;
    assert_eq!(ready["sites"][0]["capacity"], 7, "{ready}");
}
