//! The optional virus scan (`files_clamd`) against a real clamd with a test signature: a
//! clean file is kept, a file carrying the signature is refused as `infected` naming it, and
//! without a verdict (clamd refusing a file too long for it, or not running) nothing is kept
//! (`scanner_unavailable`, fail closed); over TCP and over clamd's Unix socket.

use super::{agent_token, chatting, pdf, png, upload, uploaded};
use crate::common::clamd::{Clamd, SIGNATURE, SIGNATURE_NAME, STREAM_MAX_BYTES};
use crate::common::{TestApp, json_of, spawn_app_with};
use serde_json::Value;
use std::path::PathBuf;

/// A PDF (so it passes the type check) with the test signature inside, across the border of
/// the first two 64 KiB chunks the scan is sent in: found only if clamd gets the chunks
/// whole and in order.
fn infected_pdf() -> Vec<u8> {
    let mut file = pdf();
    file.resize(65_536 - SIGNATURE.len() / 2, b' ');
    file.extend(SIGNATURE);
    file.resize(100_000, b' ');
    file.extend(b"\n%%EOF\n");
    file
}

/// The `error` object of a refusal with `status`.
async fn refused(response: reqwest::Response, status: u16) -> Value {
    json_of(response, status).await["error"].clone()
}

/// `shopchat_uploads_scanned_total` for `result`, as `/metrics` shows it (0 when absent).
/// The recorder is the process's, shared by every test of this binary running at once: a
/// test compares before and after, and only ever asks for at least its own increments.
async fn scanned(app: &TestApp, result: &str) -> u64 {
    let text = app
        .http
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let series = format!("shopchat_uploads_scanned_total{{result=\"{result}\"}} ");
    text.lines()
        .find_map(|l| l.strip_prefix(&series))
        .map_or(0, |n| n.trim().parse().unwrap())
}

/// What the data dir holds for a conversation once the server has stopped: file names.
async fn kept(app: TestApp, conv: &str) -> Vec<String> {
    let site = app.seed.site_id.clone();
    let dir = app.stop().await.expect("the server's data dir");
    let folder: PathBuf = dir.path().join("files").join(site).join(conv);
    let mut names: Vec<String> = std::fs::read_dir(&folder)
        .map(|entries| {
            entries
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// A clean PNG is kept; the infected PDF is refused naming the signature, and only the PNG
/// is in the data dir.
async fn clean_passes_infected_is_refused(app: TestApp) {
    let owner = app.owner_token().await;
    let (_shopper, conv) = chatting(&app).await;
    let token = agent_token(&app, &owner, &conv).await;
    let (clean_before, infected_before) = (
        scanned(&app, "clean").await,
        scanned(&app, "infected").await,
    );

    let clean = uploaded(&app, &token, "a.png", png()).await;
    let clean_id = clean["id"].as_str().unwrap().to_owned();
    let error = refused(
        upload(
            &app,
            &token,
            "invoice.pdf",
            "application/pdf",
            infected_pdf(),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(error["code"], "infected", "{error}");
    assert_eq!(error["field"], "body", "{error}");
    assert!(
        error["message"].as_str().unwrap().contains(SIGNATURE_NAME),
        "the message names the signature: {error}"
    );
    assert!(scanned(&app, "clean").await > clean_before);
    assert!(scanned(&app, "infected").await > infected_before);
    assert_eq!(
        kept(app, &conv).await,
        vec![clean_id.clone(), format!("{clean_id}.json")],
        "the clean file only"
    );
}

#[tokio::test]
async fn a_clean_file_is_kept_and_an_infected_one_refused_over_tcp() {
    let clamd = Clamd::start().await;
    let files = Clamd::settings(clamd.tcp());
    clean_passes_infected_is_refused(spawn_app_with(|s| s.files = files).await).await;
}

#[tokio::test]
async fn a_clean_file_is_kept_and_an_infected_one_refused_over_the_unix_socket() {
    let clamd = Clamd::start().await;
    let files = Clamd::settings(clamd.unix());
    clean_passes_infected_is_refused(spawn_app_with(|s| s.files = files).await).await;
}

/// Without scanning configured, the same infected PDF is kept: the refusal above is the
/// scanner's, not another check's.
#[tokio::test]
async fn without_files_clamd_nothing_is_scanned() {
    let app = spawn_app_with(|_| {}).await;
    let owner = app.owner_token().await;
    let (_shopper, conv) = chatting(&app).await;
    let token = agent_token(&app, &owner, &conv).await;
    let file = uploaded(&app, &token, "invoice.pdf", infected_pdf()).await;
    assert_eq!(file["type"], "application/pdf");
    app.stop().await;
}

/// No verdict, no file: a file longer than clamd takes (it answers an error, not a
/// verdict) and any file while clamd is down (an agent's avatar too) are refused with 503
/// `scanner_unavailable`, and nothing is kept.
#[tokio::test]
async fn without_a_verdict_nothing_is_kept() {
    let mut clamd = Clamd::start().await;
    let files = Clamd::settings(clamd.tcp());
    let app = spawn_app_with(|s| s.files = files).await;
    let owner = app.owner_token().await;
    let (_shopper, conv) = chatting(&app).await;
    let token = agent_token(&app, &owner, &conv).await;
    let errors_before = scanned(&app, "error").await;

    let mut long = pdf();
    long.resize(STREAM_MAX_BYTES + 100_000, b' ');
    let response = upload(&app, &token, "long.pdf", "application/pdf", long).await;
    // 503 and not 201: clamd answered an error, which is no verdict.
    assert_eq!(response.status(), 503);
    assert_eq!(response.headers()["retry-after"], "30");
    let error = refused(response, 503).await;
    assert_eq!(error["code"], "scanner_unavailable", "{error}");

    clamd.stop().await;
    let error = refused(upload(&app, &token, "a.png", "image/png", png()).await, 503).await;
    assert_eq!(error["code"], "scanner_unavailable", "{error}");
    // An agent's new picture is scanned too: no verdict, no avatar.
    let avatar = app
        .http
        .put(app.url("/api/v1/me/avatar"))
        .bearer_auth(&owner)
        .body(png())
        .send()
        .await
        .unwrap();
    let error = refused(avatar, 503).await;
    assert_eq!(error["code"], "scanner_unavailable", "{error}");
    let me: Value = app.get_json("/api/v1/me", &owner).await;
    assert!(me["agent"].get("avatar").is_none(), "{me}");
    assert!(scanned(&app, "error").await >= errors_before + 3);
    assert!(kept(app, &conv).await.is_empty(), "nothing kept");
}
