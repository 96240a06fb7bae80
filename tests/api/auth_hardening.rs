//! Issue 12's login, token, password and header findings: a login spray is refused before
//! the password work and the rest of the node stays responsive; per-address and per-email
//! budgets; a password change revokes earlier tokens; the password rules; API answers are
//! never cached or sniffed.

use crate::common::{DEADLINE, PASSWORD, TestApp, spawn_app, spawn_app_with};
use serde_json::{Value, json};
use std::time::Instant;

/// One login attempt as seen by a client behind a trusted proxy (`X-Forwarded-For: from`),
/// or directly when `from` is `None`; a fresh connection each time.
async fn attempt(app: &TestApp, from: Option<&str>, email: &str, password: &str) -> Answer {
    let mut request = reqwest::Client::new()
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({ "email": email, "password": password }));
    if let Some(from) = from {
        request = request.header("X-Forwarded-For", from);
    }
    Answer::of(request.send().await.unwrap()).await
}

/// What a refused or accepted request came back with.
#[derive(Debug)]
struct Answer {
    status: u16,
    retry_after: Option<u64>,
    body: Value,
}

impl Answer {
    async fn of(response: reqwest::Response) -> Answer {
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok());
        let body = response.json().await.unwrap_or(Value::Null);
        Answer {
            status,
            retry_after,
            body,
        }
    }
}

/// `n` logins with unknown emails, never the same twice, sent at once, each on its own
/// connection.
fn spray(app: &TestApp, n: usize) -> tokio::task::JoinSet<Answer> {
    let mut set = tokio::task::JoinSet::new();
    let batch = shopchat::domain::random_token(8).to_lowercase();
    for i in 0..n {
        let url = app.url("/api/v1/auth/login");
        let email = format!("nobody-{batch}-{i}@spray.example");
        set.spawn(async move {
            let response = reqwest::Client::new()
                .post(url)
                .json(&json!({ "email": email, "password": "guess-guess-guess" }))
                .send()
                .await
                .unwrap();
            Answer::of(response).await
        });
    }
    set
}

#[tokio::test]
async fn a_login_spray_is_refused_beyond_budget_and_jobs_while_a_shopper_still_chats() {
    let app = spawn_app_with(|s| s.guards.password_jobs = 2).await;
    let budget = app_budget();
    let mut spraying = spray(&app, 100);

    // Side by side with the spray: a shopper says hello and gets its message acknowledged,
    // and the health check answers. Measured and printed, not asserted on time.
    let started = Instant::now();
    let mut shopper = app.shopper().await;
    shopper.hello(json!({})).await;
    let sent = Instant::now();
    shopper
        .send(json!({ "type": "message", "client_msg_id": "during-spray", "text": "Is this jacket warm?" }))
        .await;
    let (ack, _) = shopper.recv_type("ack").await;
    let ack_latency = sent.elapsed();
    let chat_latency = started.elapsed();
    assert_eq!(ack["client_msg_id"], "during-spray", "{ack}");
    let asked = Instant::now();
    let health = app.http.get(app.url("/healthz")).send().await.unwrap();
    let health_latency = asked.elapsed();
    assert_eq!(health.status(), 200);
    let still_spraying = !spraying.is_empty();

    let mut answers = Vec::new();
    while let Some(answer) = tokio::time::timeout(DEADLINE, spraying.join_next())
        .await
        .expect("the spray is answered before the deadline")
    {
        answers.push(answer.unwrap());
    }
    println!(
        "during a spray of 100 logins: shopper connect+hello+ack {chat_latency:?} (message to ack {ack_latency:?}), /healthz {health_latency:?}, spray still running then: {still_spraying}"
    );

    let count = |status: u16| answers.iter().filter(|a| a.status == status).count();
    let (worked, limited, busy) = (count(401), count(429), count(503));
    println!("spray answers: {worked} × 401 (hashed), {limited} × 429, {busy} × 503");
    assert_eq!(
        worked + limited + busy,
        100,
        "only 401, 429 or 503: {answers:?}"
    );
    assert!(
        worked <= budget,
        "at most the address's budget ({budget}) reached the password work, not {worked}"
    );
    assert!(limited + busy >= 100 - budget, "{answers:?}");
    for refused in answers.iter().filter(|a| a.status != 401) {
        assert!(refused.retry_after.is_some_and(|s| s >= 1), "{refused:?}");
        let code = refused.body["error"]["code"].as_str().unwrap_or_default();
        assert!(code == "rate_limited" || code == "busy", "{refused:?}");
    }
    app.stop().await;
}

/// The default per-address login budget (what a test server runs with).
fn app_budget() -> usize {
    shopchat::config::Guards::default().login_per_addr_per_min as usize
}

#[tokio::test]
async fn password_jobs_beyond_the_bound_are_answered_503_busy_at_once() {
    let app = spawn_app_with(|s| {
        s.guards.password_jobs = 1;
        s.guards.login_per_addr_per_min = 100_000;
    })
    .await;
    // Waves of 40 logins at once against one job slot (and one waiter's place): some find
    // both taken. Repeated until one does, within the deadline.
    let deadline = Instant::now() + DEADLINE;
    let busy = loop {
        assert!(
            Instant::now() < deadline,
            "no login was ever refused as busy"
        );
        let mut wave = spray(&app, 40);
        let mut found = None;
        while let Some(answer) = wave.join_next().await {
            let answer = answer.unwrap();
            assert!(matches!(answer.status, 401 | 503), "{answer:?}");
            if answer.status == 503 {
                found = Some(answer);
            }
        }
        if let Some(answer) = found {
            break answer;
        }
    };
    assert_eq!(busy.body["error"]["code"], "busy", "{busy:?}");
    assert!(busy.body["error"]["message"].is_string());
    assert_eq!(busy.retry_after, Some(1));
    // Once the spray is over, a real login goes through.
    app.owner_token().await;
    app.stop().await;
}

#[tokio::test]
async fn the_per_address_login_budget_trips_with_429_and_retry_after() {
    let app = spawn_app_with(|s| {
        s.guards.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
        s.guards.login_per_addr_per_min = 5;
    })
    .await;
    let spray_from = Some("203.0.113.7");
    for i in 0..5 {
        let email = format!("nobody-{i}@spray.example");
        let answer = attempt(&app, spray_from, &email, "guess-guess-guess").await;
        assert_eq!(answer.status, 401, "{answer:?}");
    }
    let refused = attempt(&app, spray_from, "nobody-5@spray.example", "guess").await;
    assert_eq!(refused.status, 429, "{refused:?}");
    assert_eq!(refused.body["error"]["code"], "rate_limited");
    assert!(
        refused.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("address"),
        "{refused:?}"
    );
    // 5 a minute: one attempt comes back every 12 s.
    assert_eq!(refused.retry_after, Some(12));
    // The same address is refused for a real account too; another address is not.
    let known = attempt(&app, spray_from, &app.seed.owner_email, PASSWORD).await;
    assert_eq!(known.status, 429);
    let elsewhere = attempt(&app, Some("198.51.100.9"), &app.seed.owner_email, PASSWORD).await;
    assert_eq!(elsewhere.status, 200, "{elsewhere:?}");
    app.stop().await;
}

#[tokio::test]
async fn one_address_guessing_an_email_does_not_lock_its_owner_out() {
    let app = spawn_app_with(|s| {
        s.guards.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
    })
    .await;
    let owner = app.seed.owner_email.clone();
    let attacker = Some("203.0.113.7");
    for _ in 0..10 {
        assert_eq!(
            attempt(&app, attacker, &owner, "a wrong guess")
                .await
                .status,
            401
        );
    }
    let locked = attempt(&app, attacker, &owner, "a wrong guess").await;
    assert_eq!(locked.status, 429, "{locked:?}");
    assert_eq!(
        locked.retry_after,
        Some(6),
        "10 a minute: one back every 6 s"
    );
    // The same refusal for an email nobody has: the budget says nothing about accounts.
    for _ in 0..10 {
        attempt(&app, attacker, "nobody@shop.example", "a wrong guess").await;
    }
    let unknown = attempt(&app, attacker, "nobody@shop.example", "a wrong guess").await;
    assert_eq!(unknown.status, 429);
    assert_eq!(unknown.body, locked.body);
    // The real user, from their own address, logs in.
    let real = attempt(&app, Some("198.51.100.9"), &owner, PASSWORD).await;
    assert_eq!(real.status, 200, "{real:?}");
    app.stop().await;
}

#[tokio::test]
async fn a_looser_per_email_cap_holds_across_addresses() {
    let app = spawn_app_with(|s| {
        s.guards.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
        s.guards.login_per_email_per_min = 4;
    })
    .await;
    let owner = app.seed.owner_email.clone();
    for i in 0..4 {
        let from = format!("203.0.113.{i}");
        let answer = attempt(&app, Some(&from), &owner, "a wrong guess").await;
        assert_eq!(answer.status, 401, "{answer:?}");
    }
    let capped = attempt(&app, Some("203.0.113.99"), &owner, "a wrong guess").await;
    assert_eq!(capped.status, 429, "{capped:?}");
    assert_eq!(capped.retry_after, Some(15));
    assert_eq!(
        capped.body["error"]["message"],
        "too many login attempts for this account; wait a minute"
    );
    // Another account is not affected.
    let other = attempt(&app, Some("203.0.113.99"), &app.seed.agent_email, PASSWORD).await;
    assert_eq!(other.status, 200);
    app.stop().await;
}

#[tokio::test]
async fn a_password_change_revokes_earlier_tokens_and_closes_open_dashboards() {
    let app = spawn_app().await;
    let stolen = app.owner_token().await;
    let mine = app.owner_token().await;
    let (mut dashboard, _) = app.agent(&stolen).await;
    assert_eq!(app.get("/api/v1/me", &stolen).await.status(), 200);

    let changed = app
        .post(
            "/api/v1/auth/password",
            &mine,
            json!({ "current_password": PASSWORD, "new_password": "pale-orbit-Tundra-41-kettle" }),
        )
        .await;
    let changed = Answer::of(changed).await;
    assert_eq!(changed.status, 200, "{changed:?}");
    let fresh = changed.body["token"].as_str().unwrap().to_owned();
    assert!(changed.body["expires_at"].is_u64());

    // Every token issued before is refused, the one that asked included…
    for old in [&stolen, &mine] {
        let refused = Answer::of(app.get("/api/v1/me", old).await).await;
        assert_eq!(refused.status, 401, "{refused:?}");
        assert_eq!(refused.body["error"]["code"], "unauthorized");
    }
    assert_eq!(app.get("/api/v1/me", &fresh).await.status(), 200);
    // …the open dashboard is told to reconnect, and its old token opens no socket.
    let close = dashboard.closed().await.expect("a close frame");
    assert_eq!(u16::from(close.code), 1012, "{close:?}");
    let url = format!("ws://127.0.0.1:{}/ws/agent", app.port);
    let mut again = crate::common::Shopper::connect(&url, None).await.unwrap();
    again.send(json!({ "type": "auth", "token": stolen })).await;
    let (refused, _) = again.recv_type("error").await;
    assert_eq!(refused["code"], "unauthorized", "{refused}");
    let close = again.closed().await.expect("a close frame");
    assert_eq!(u16::from(close.code), 1008, "{close:?}");
    let (_, ready) = app.agent(&fresh).await;
    assert_eq!(ready["type"], "ready");
    // The new password logs in; the old one no longer does.
    app.login(&app.seed.owner_email, "pale-orbit-Tundra-41-kettle")
        .await;
    let old = attempt(&app, None, &app.seed.owner_email, PASSWORD).await;
    assert_eq!(old.status, 401);
    app.stop().await;
}

#[tokio::test]
async fn weak_email_like_and_overlong_passwords_are_refused_with_the_reason() {
    let app = spawn_app().await;
    let token = app.owner_token().await;
    let long = "Zq8!".repeat(15_000);
    let cases: [(&str, &str); 6] = [
        ("aaaaaaaaaa", "too easy to guess"),
        ("          ", "too easy to guess"),
        ("password1234", "too easy to guess"),
        ("owner@shop.example", "email"),
        ("Owner-Of-The-Shop-1987", "email"),
        (&long, "at most 128 characters"),
    ];
    for (password, why) in cases {
        let refused = app
            .post(
                "/api/v1/auth/password",
                &token,
                json!({ "current_password": PASSWORD, "new_password": password }),
            )
            .await;
        let refused = Answer::of(refused).await;
        let shown: String = password.chars().take(24).collect();
        assert_eq!(refused.status, 400, "{shown}: {refused:?}");
        assert_eq!(refused.body["error"]["code"], "invalid_field");
        assert_eq!(refused.body["error"]["field"], "new_password");
        let message = refused.body["error"]["message"].as_str().unwrap();
        assert!(message.contains(why), "{shown}: {message}");
    }
    // A weak one is told what would help (the estimator's hint), not just "no".
    let weak = app
        .post(
            "/api/v1/auth/password",
            &token,
            json!({ "current_password": PASSWORD, "new_password": "aaaaaaaaaa" }),
        )
        .await;
    let weak = Answer::of(weak).await;
    let message = weak.body["error"]["message"].as_str().unwrap();
    assert!(
        message.len() > "password is too easy to guess: ".len() + 10,
        "{message}"
    );
    // Nothing changed: the old password and token still work.
    assert_eq!(app.get("/api/v1/me", &token).await.status(), 200);
    app.owner_token().await;
    // A 60,000-character login is an ordinary wrong password, answered without the work.
    let overlong = attempt(&app, None, &app.seed.owner_email, &long).await;
    assert_eq!(overlong.status, 401);
    app.stop().await;
}

#[tokio::test]
async fn api_answers_are_never_cached_or_sniffed() {
    let app = spawn_app().await;
    let login = app
        .http
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({ "email": app.seed.owner_email, "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    let token = {
        assert_eq!(login.status(), 200);
        check_headers("login", &login);
        let body: Value = login.json().await.unwrap();
        body["token"].as_str().unwrap().to_owned()
    };
    let ok = app.get("/api/v1/sites", &token).await;
    assert_eq!(ok.status(), 200);
    check_headers("sites", &ok);
    let unauthorized = app.http.get(app.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(unauthorized.status(), 401);
    check_headers("401", &unauthorized);
    let missing = app.get("/api/v1/no-such-route", &token).await;
    assert_eq!(missing.status(), 404);
    check_headers("404", &missing);
    let malformed = app
        .http
        .post(app.url("/api/v1/auth/login"))
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(malformed.status(), 400);
    check_headers("400", &malformed);
    app.stop().await;
}

fn check_headers(what: &str, response: &reqwest::Response) {
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    assert_eq!(
        header("cache-control").as_deref(),
        Some("no-store"),
        "{what}"
    );
    assert_eq!(
        header("x-content-type-options").as_deref(),
        Some("nosniff"),
        "{what}"
    );
}
