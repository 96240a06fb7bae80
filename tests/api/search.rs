//! Conversation search (`GET …/conversations?q=`) over real sockets and HTTP, on the SQLite
//! store's full-text index: words in any order, case and accents ignored, the last word as a
//! prefix; FTS5 syntax taken as text; one site's search never reaching another's chats; an
//! erased chat gone from it; and a database from before the index found after the upgrade.

use crate::common::{
    PASSWORD, SHOP_ORIGIN, Socket, TestApp, spawn_app, spawn_app_as_owner, start, test_settings,
};
use serde_json::{Value, json};

/// A new shopper on the site with `public_key` says `text`; returns the socket, its visitor
/// id and the conversation id.
async fn says(
    app: &TestApp,
    public_key: &str,
    origin: &str,
    text: &str,
) -> (Socket, String, String) {
    let mut shopper = Socket::connect(&app.ws_url(public_key), Some(origin))
        .await
        .unwrap()
        .with_deadline(app.deadline);
    let welcome = shopper.hello(json!({})).await;
    shopper
        .send(json!({ "type": "message", "client_msg_id": "m1", "text": text }))
        .await;
    let (ack, _) = shopper.recv_type("ack").await;
    let visitor = welcome["visitor_id"].as_str().unwrap().to_owned();
    let conversation = ack["conversation_id"].as_str().unwrap().to_owned();
    (shopper, visitor, conversation)
}

/// The ids the site's list answers for `q` (sorted), after checking it answered 200.
async fn search(app: &TestApp, token: &str, site: &str, q: &str) -> Vec<String> {
    let response = app
        .http
        .get(app.url(&format!("/api/v1/sites/{site}/conversations")))
        .query(&[("q", q)])
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, 200, "q={q}: {body}");
    let mut ids: Vec<String> = body["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

/// Waits (within the deadline) until the site's list answers `want` for `q`: the index takes
/// a new message a moment after its `ack` (the writer indexes right after the commit), in the
/// order messages were stored, so once the newest message is found every earlier one is too.
async fn found_soon(app: &TestApp, token: &str, site: &str, q: &str, want: &[String]) {
    let until = tokio::time::Instant::now() + app.deadline;
    loop {
        let found = search(app, token, site, q).await;
        if found == want {
            return;
        }
        assert!(
            tokio::time::Instant::now() < until,
            "q={q}: still {found:?}, not {want:?}"
        );
        tokio::task::yield_now().await;
    }
}

fn sorted(ids: &[&String]) -> Vec<String> {
    let mut ids: Vec<String> = ids.iter().map(|s| (*s).clone()).collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn words_match_in_any_order_ignoring_case_and_accents_and_the_last_as_typed_so_far() {
    let (app, owner) = spawn_app_as_owner().await;
    let site = app.seed.site_id.clone();
    let key = app.seed.public_key.clone();
    let (_a, _, dessert) = says(&app, &key, SHOP_ORIGIN, "Une crème brûlée pour Noël, merci").await;
    let (_b, _, order) = says(&app, &key, SHOP_ORIGIN, "Where is my ORDER 4417?").await;
    let (_c, _, shop) = says(&app, &key, SHOP_ORIGIN, "Nice shop, merci beaucoup").await;
    found_soon(&app, &owner, &site, "beaucoup", std::slice::from_ref(&shop)).await;

    for q in ["creme", "CRÈME", "noel brulee", "brû", "Crème Brûlée Pour"] {
        assert_eq!(
            search(&app, &owner, &site, q).await,
            std::slice::from_ref(&dessert),
            "{q}"
        );
    }
    for q in ["order", "ord", "4417", "order where", "my ORDER 44"] {
        assert_eq!(
            search(&app, &owner, &site, q).await,
            std::slice::from_ref(&order),
            "{q}"
        );
    }
    assert_eq!(
        search(&app, &owner, &site, "merci").await,
        sorted(&[&dessert, &shop]),
        "a word in two chats"
    );
    assert_eq!(search(&app, &owner, &site, "shop nice").await, [shop]);
    assert!(
        search(&app, &owner, &site, "where shoes").await.is_empty(),
        "every word"
    );
    assert!(
        search(&app, &owner, &site, "rder").await.is_empty(),
        "words, not inner parts"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_query_full_of_fts_syntax_is_answered_and_taken_as_text() {
    let (app, owner) = spawn_app_as_owner().await;
    let site = app.seed.site_id.clone();
    let key = app.seed.public_key.clone();
    let odd = r#"I typed "shoes" OR NEAR(boots, 2) AND NOT -red * ^text: {x}"#;
    let (_a, _, literal) = says(&app, &key, SHOP_ORIGIN, odd).await;
    let (_b, _, shoes) = says(&app, &key, SHOP_ORIGIN, "shoes and boots, in red").await;
    found_soon(&app, &owner, &site, "in red", std::slice::from_ref(&shoes)).await;

    // Each of these as FTS5 syntax would be an error, or match the plain chat too.
    for q in [
        odd,
        r#""shoes" OR"#,
        "shoes OR",
        "NEAR(boots",
        "shoes NOT",
        "AND NOT",
        "^text",
        "text:",
        r#""typed"#,
        r#"""#,
        "*",
        "-",
        "{x}",
        "typed \"\"\" shoes",
    ] {
        assert_eq!(
            search(&app, &owner, &site, q).await,
            std::slice::from_ref(&literal),
            "{q}"
        );
    }
    // Plain words still find both.
    assert_eq!(
        search(&app, &owner, &site, "boots shoes").await,
        sorted(&[&literal, &shoes])
    );
    // Short queries (one or two characters) search as typed, inside words too.
    assert_eq!(
        search(&app, &owner, &site, "ts").await,
        sorted(&[&literal, &shoes])
    );
    assert_eq!(search(&app, &owner, &site, "%").await, Vec::<String>::new());
    app.stop().await;
}

#[tokio::test]
async fn one_site_never_finds_another_sites_conversation() {
    let (app, owner) = spawn_app_as_owner().await;
    let outsider = app.login(&app.seed.outsider_email, PASSWORD).await;
    let (_a, _, theirs) = says(
        &app,
        &app.seed.other_public_key,
        "https://other.example",
        "my parcel 8812 is late",
    )
    .await;
    let (_b, _, ours) = says(
        &app,
        &app.seed.public_key,
        SHOP_ORIGIN,
        "where is the parcel",
    )
    .await;
    found_soon(&app, &owner, &app.seed.site_id, "parcel", &[ours]).await;
    assert!(
        search(&app, &owner, &app.seed.site_id, "8812")
            .await
            .is_empty()
    );
    assert_eq!(
        search(&app, &outsider, &app.seed.other_site_id, "parcel").await,
        [theirs],
        "found on its own site"
    );
    app.stop().await;
}

#[tokio::test]
async fn an_erased_conversation_is_no_longer_found() {
    let (app, owner) = spawn_app_as_owner().await;
    let site = app.seed.site_id.clone();
    let key = app.seed.public_key.clone();
    let (ann, visitor, erased) = says(&app, &key, SHOP_ORIGIN, "My parcel never arrived").await;
    let (_bob, _, kept) = says(&app, &key, SHOP_ORIGIN, "Is my parcel insured?").await;
    found_soon(&app, &owner, &site, "parcel", &sorted(&[&erased, &kept])).await;
    ann.close().await;
    let response = app
        .post(
            &app.site_path("/privacy/erase"),
            &owner,
            json!({ "visitor_id": visitor }),
        )
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(search(&app, &owner, &site, "parcel").await, [kept]);
    assert!(search(&app, &owner, &site, "arrived").await.is_empty());
    app.stop().await;
}

/// A database as the binary before the index left it (the index's tables and triggers gone,
/// the schema two versions back: the index, then its deferral) is indexed when the new binary opens it: old messages are
/// found, and new ones too.
#[tokio::test]
async fn a_database_from_before_the_index_is_back_filled_when_opened() {
    let app = spawn_app().await;
    let site = app.seed.site_id.clone();
    let key = app.seed.public_key.clone();
    let (old, _, before) = says(&app, &key, SHOP_ORIGIN, "Une crème pour les mains").await;
    old.close().await;
    let seed = app.seed.clone();
    let dir = app.stop().await.unwrap();

    let db = dir.path().join(shopchat::store::sqlite::DB_FILE);
    let conn = rusqlite::Connection::open(&db).unwrap();
    // Back to the schema before the index, wherever later migrations put it: they run again
    // (those that add a column see it there and skip).
    let version = shopchat::store::sqlite::schema_version_before_search();
    conn.execute_batch(&format!(
        "DROP TRIGGER messages_fts_delete;
         DROP TRIGGER messages_fts_update;
         DROP TABLE messages_fts;
         DROP TABLE messages_fts_state;
         PRAGMA user_version = {version};"
    ))
    .unwrap();
    drop(conn);

    let app = start(test_settings(dir.path()), seed).await;
    let owner = app.owner_token().await;
    assert_eq!(
        search(&app, &owner, &site, "creme main").await,
        std::slice::from_ref(&before)
    );
    let (_new, _, after) = says(&app, &key, SHOP_ORIGIN, "Une autre crème, svp").await;
    found_soon(&app, &owner, &site, "crème", &sorted(&[&before, &after])).await;
    app.stop().await;
}
