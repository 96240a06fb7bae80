//! The file sweep that runs with the retention sweep (at start, then hourly): a
//! conversation the CLI erased (the CLI reaches the store, not the file back end) loses its
//! files when the server next sweeps.

use super::{agent_sends, agent_token, png, uploaded};
use crate::common::{DEADLINE, json_of, spawn_app_as_owner, start, test_settings};
use std::process::Command;

#[tokio::test]
async fn files_of_a_conversation_the_cli_erased_go_with_the_next_sweep() {
    let (app, owner) = spawn_app_as_owner().await;
    let (shopper, conv, welcome) = super::chatting_welcomed(&app).await;
    let token = agent_token(&app, &owner, &conv).await;
    let id = uploaded(&app, &token, "a.png", png()).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    json_of(agent_sends(&app, &owner, &conv, "", &[&id]).await, 201).await;
    shopper.close().await;
    let (site, seed) = (app.seed.site_id.clone(), app.seed.clone());
    let dir = app.stop().await.expect("the server's data dir");
    let file = dir.path().join("files").join(&site).join(&conv).join(&id);
    assert!(file.exists(), "stored in the data dir under ids only");

    let visitor = welcome["visitor_id"].as_str().unwrap();
    let mut cli = Command::new(env!("CARGO_BIN_EXE_shopchat"));
    for (key, _) in std::env::vars().filter(|(k, _)| k.starts_with("SHOPCHAT_")) {
        cli.env_remove(key);
    }
    let out = cli
        .arg("--data-dir")
        .arg(dir.path())
        .args(["privacy", "erase", "--site", &site, "--visitor", visitor])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(file.exists(), "the CLI does not reach the file back end");

    let app = start(test_settings(dir.path()), seed).await;
    let deadline = std::time::Instant::now() + DEADLINE;
    while file.exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "the sweep left the file"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(!file.with_extension("json").exists(), "and its metadata");
    app.stop().await;
}
