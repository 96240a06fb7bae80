use crate::common::{JWT_SECRET, PASSWORD, spawn_app, spawn_app_as_owner};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::KeyInit;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use std::time::{SystemTime, UNIX_EPOCH};

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// The id of the seeded owner, read through a real login.
async fn owner_id(app: &crate::common::TestApp) -> String {
    let token = app.owner_token().await;
    let me: Value = app.get_json("/api/v1/me", &token).await;
    me["agent"]["id"].as_str().unwrap().to_owned()
}

/// The algorithms the tests forge tokens with.
#[derive(Clone, Copy)]
enum Algorithm {
    HS256,
    HS384,
}

/// A JWT built by hand (RFC 7519: base64url header, claims and HMAC), so a test can make
/// tokens the server's own library would refuse to sign.
fn forge(claims: Value, alg: Algorithm, secret: &[u8]) -> String {
    let name = match alg {
        Algorithm::HS256 => "HS256",
        Algorithm::HS384 => "HS384",
    };
    let header = URL_SAFE_NO_PAD.encode(json!({ "typ": "JWT", "alg": name }).to_string());
    let body = URL_SAFE_NO_PAD.encode(claims.to_string());
    let message = format!("{header}.{body}");
    let signature = match alg {
        Algorithm::HS256 => {
            let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret).unwrap();
            mac.update(message.as_bytes());
            mac.finalize().into_bytes().to_vec()
        }
        Algorithm::HS384 => {
            let mut mac = Hmac::<sha2::Sha384>::new_from_slice(secret).unwrap();
            mac.update(message.as_bytes());
            mac.finalize().into_bytes().to_vec()
        }
    };
    format!("{message}.{}", URL_SAFE_NO_PAD.encode(signature))
}

#[tokio::test]
async fn login_gives_a_token_that_opens_the_api() {
    let app = spawn_app().await;
    let token = app.owner_token().await;
    let sites: Value = app.get_json("/api/v1/sites", &token).await;
    let sites = sites["sites"].as_array().unwrap();
    assert_eq!(sites.len(), 1, "an owner sees only its own site");
    assert_eq!(sites[0]["id"], app.seed.site_id.as_str());
    assert!(
        sites[0]["identity_secret"].is_string(),
        "owners see the identity secret"
    );
    app.stop().await;
}

#[tokio::test]
async fn wrong_password_and_unknown_email_are_refused_alike() {
    let app = spawn_app().await;
    for (email, password) in [
        (app.seed.owner_email.as_str(), "wrong password!"),
        ("nobody@shop.example", PASSWORD),
    ] {
        let response = app
            .http
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({ "email": email, "password": password }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401, "{email}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["message"], "wrong email or password");
    }
    app.stop().await;
}

#[tokio::test]
async fn malformed_login_bodies_name_the_field() {
    let app = spawn_app().await;
    let cases = [
        (json!({ "email": "a@b.c" }), "missing_field", "password"),
        (
            json!({ "email": "a@b.c", "password": 5 }),
            "invalid_field",
            "password",
        ),
        (
            json!({ "email": "not an email", "password": "x" }),
            "invalid_field",
            "email",
        ),
    ];
    for (body, code, field) in cases {
        let response = app
            .http
            .post(app.url("/api/v1/auth/login"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{body}");
        let error: Value = response.json().await.unwrap();
        assert_eq!(error["error"]["code"], code, "{body}");
        assert_eq!(error["error"]["field"], field, "{body}");
    }
    let garbage = app
        .http
        .post(app.url("/api/v1/auth/login"))
        .body("{oops")
        .send()
        .await
        .unwrap();
    assert_eq!(garbage.status(), 400);
    assert_eq!(
        garbage.json::<Value>().await.unwrap()["error"]["code"],
        "bad_json"
    );
    app.stop().await;
}

#[tokio::test]
async fn tokens_with_wrong_key_alg_expiry_audience_or_issuer_are_refused() {
    let app = spawn_app().await;
    let sub = owner_id(&app).await;
    let good = json!({ "sub": sub, "iss": "shopchat", "aud": "shopchat-agents", "exp": now() + 600, "iat": now() });
    let secret = JWT_SECRET.as_bytes();

    // The forged-but-valid token works, so each refusal below is down to the one change.
    let valid = forge(good.clone(), Algorithm::HS256, secret);
    assert_eq!(app.get("/api/v1/me", &valid).await.status(), 200);

    let with = |key: &str, value: Value| {
        let mut claims = good.clone();
        claims[key] = value;
        claims
    };
    let without = |key: &str| {
        let mut claims = good.clone();
        claims.as_object_mut().unwrap().remove(key);
        claims
    };
    let unsigned = {
        use base64::Engine;
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        format!(
            "{}.{}.",
            b64.encode(r#"{"alg":"none","typ":"JWT"}"#),
            b64.encode(good.to_string())
        )
    };
    let cases = [
        (
            "wrong key",
            forge(
                good.clone(),
                Algorithm::HS256,
                b"another-secret-another-secret-another",
            ),
        ),
        (
            "other algorithm",
            forge(good.clone(), Algorithm::HS384, secret),
        ),
        ("alg none", unsigned),
        (
            "expired",
            forge(with("exp", json!(now() - 3600)), Algorithm::HS256, secret),
        ),
        (
            "wrong audience",
            forge(with("aud", json!("someone-else")), Algorithm::HS256, secret),
        ),
        (
            "wrong issuer",
            forge(with("iss", json!("evil")), Algorithm::HS256, secret),
        ),
        ("no expiry", forge(without("exp"), Algorithm::HS256, secret)),
        (
            "no audience",
            forge(without("aud"), Algorithm::HS256, secret),
        ),
        ("garbage", "not.a.token".to_owned()),
    ];
    for (name, token) in cases {
        let response = app.get("/api/v1/me", &token).await;
        assert_eq!(response.status(), 401, "{name}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "unauthorized", "{name}");
    }
    let missing = app.http.get(app.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(missing.status(), 401);
    app.stop().await;
}

#[tokio::test]
async fn an_agent_of_another_site_is_refused_on_every_site_route() {
    let app = spawn_app().await;
    let outsider = app.login(&app.seed.outsider_email, PASSWORD).await;
    let site = &app.seed.site_id;

    // A real conversation on the site, so the refusals are about membership, not absence.
    let mut shopper = app.shopper().await;
    shopper.hello(json!({})).await;
    shopper
        .send(json!({ "type": "message", "client_msg_id": "m1", "text": "hello?" }))
        .await;
    let (ack, _) = shopper.recv_type("ack").await;
    let conversation = ack["conversation_id"].as_str().unwrap();

    for path in [
        format!("/api/v1/sites/{site}"),
        format!("/api/v1/sites/{site}/conversations"),
        format!("/api/v1/sites/{site}/conversations/{conversation}/messages"),
    ] {
        let response = app.get(&path, &outsider).await;
        assert_eq!(response.status(), 403, "{path}");
        assert_eq!(
            response.json::<Value>().await.unwrap()["error"]["code"],
            "forbidden"
        );
    }
    let post = app
        .post(
            &format!("/api/v1/sites/{site}/conversations/{conversation}/messages"),
            &outsider,
            json!({ "text": "hijack" }),
        )
        .await;
    assert_eq!(post.status(), 403);

    // Its own site's path with the other site's conversation id is a 404, not a leak.
    let other = &app.seed.other_site_id;
    let sideways = app
        .get(
            &format!("/api/v1/sites/{other}/conversations/{conversation}/messages"),
            &outsider,
        )
        .await;
    assert_eq!(sideways.status(), 404);

    // The owner of the site does get in.
    let owner = app.owner_token().await;
    let ok = app
        .get(
            &format!("/api/v1/sites/{site}/conversations/{conversation}/messages"),
            &owner,
        )
        .await;
    assert_eq!(ok.status(), 200);
    app.stop().await;
}

#[tokio::test]
async fn password_change_needs_the_current_password() {
    let app = spawn_app().await;
    let token = app.owner_token().await;
    let wrong = app
        .post(
            "/api/v1/auth/password",
            &token,
            json!({ "current_password": "nope", "new_password": "a new long password" }),
        )
        .await;
    assert_eq!(wrong.status(), 403);
    let short = app
        .post(
            "/api/v1/auth/password",
            &token,
            json!({ "current_password": PASSWORD, "new_password": "short" }),
        )
        .await;
    assert_eq!(short.status(), 400);
    assert_eq!(
        short.json::<Value>().await.unwrap()["error"]["field"],
        "new_password"
    );
    let ok = app
        .post(
            "/api/v1/auth/password",
            &token,
            json!({ "current_password": PASSWORD, "new_password": "a new long password" }),
        )
        .await;
    assert_eq!(ok.status(), 200);
    app.login(&app.seed.owner_email, "a new long password")
        .await;
    app.stop().await;
}

#[tokio::test]
async fn owners_change_a_sites_origins_and_the_socket_follows() {
    let (app, owner) = spawn_app_as_owner().await;
    let site = format!("/api/v1/sites/{}", app.seed.site_id);
    let bad = app
        .patch(
            &site,
            &owner,
            json!({ "origins": ["https://new.example", "not an origin"] }),
        )
        .await;
    assert_eq!(bad.status(), 400);
    assert_eq!(
        bad.json::<Value>().await.unwrap()["error"]["field"],
        "origins[1]"
    );
    let outsider = app.login(&app.seed.outsider_email, PASSWORD).await;
    assert_eq!(
        app.patch(&site, &outsider, json!({ "name": "mine now" }))
            .await
            .status(),
        403
    );

    let ok = app
        .patch(
            &site,
            &owner,
            json!({ "name": "Shop 2", "origins": ["https://new.example/"] }),
        )
        .await;
    assert_eq!(ok.status(), 200);
    let body: Value = ok.json().await.unwrap();
    assert_eq!(
        (body["name"].as_str(), body["origins"].clone()),
        (Some("Shop 2"), json!(["https://new.example"]))
    );

    let url = app.ws_url(&app.seed.public_key);
    crate::common::Shopper::connect(&url, Some("https://new.example"))
        .await
        .expect("the new origin is allowed");
    assert!(
        crate::common::Shopper::connect(&url, Some(crate::common::SHOP_ORIGIN))
            .await
            .is_err(),
        "the old one is not"
    );
    app.stop().await;
}

#[tokio::test]
async fn password_guessing_is_limited_per_email_across_workers() {
    let app = crate::common::spawn_app_with(|s| s.workers = Some(2)).await;
    let attempt = || async {
        // A new client each time: a new connection, which the server may give to either worker.
        reqwest::Client::new()
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({ "email": app.seed.owner_email, "password": "a wrong guess" }))
            .send()
            .await
            .unwrap()
            .status()
    };
    for _ in 0..10 {
        assert_eq!(attempt().await, 401);
    }
    assert_eq!(
        attempt().await,
        429,
        "the eleventh guess within a minute is refused"
    );
    // Another account is not affected.
    let other = app.login(&app.seed.outsider_email, PASSWORD).await;
    assert!(!other.is_empty());
    app.stop().await;
}
