//! `shopchat backup` and `shopchat restore`, run as the real binary against a real server's
//! data dir, and the data dir's file permissions.

use crate::common::{DEADLINE, PASSWORD, Seed, Socket, seed, start, test_settings};
use serde_json::{Value, json};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Instant;

/// The binary on `data_dir`, with no `SHOPCHAT_*` setting from the environment.
fn shopchat(data_dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_shopchat"));
    cmd.arg("--data-dir").arg(data_dir);
    for (key, _) in std::env::vars().filter(|(k, _)| k.starts_with("SHOPCHAT_") || k == "RUST_LOG")
    {
        cmd.env_remove(key);
    }
    cmd
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn succeeds(command: &mut Command) -> String {
    let out = command.output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    text(&out)
}

fn fails(command: &mut Command) -> String {
    let out = command.output().unwrap();
    assert!(!out.status.success(), "should fail: {}", text(&out));
    text(&out)
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// The shopper messages a resumed shopper is replayed, in order.
async fn replayed_texts(app: &crate::common::TestApp, welcome: &Value) -> Vec<String> {
    let mut shopper = app.shopper().await;
    let resumed = shopper
        .hello(json!({ "visitor_id": welcome["visitor_id"], "session": welcome["session"] }))
        .await;
    assert_eq!(resumed["visitor_id"], welcome["visitor_id"]);
    let frames = shopper.drain().await;
    frames
        .iter()
        .filter(|f| f["type"] == "message" && f["author"]["kind"] == "shopper")
        .filter_map(|f| f["text"].as_str().map(str::to_owned))
        .collect()
}

async fn say(shopper: &mut Socket, n: usize) -> String {
    let text = format!("message {n}");
    shopper
        .send(json!({ "type": "message", "client_msg_id": format!("m{n}"), "text": text }))
        .await;
    let (ack, _) = shopper.recv_type("ack").await;
    assert!(ack["seq"].as_u64().is_some(), "{ack}");
    text
}

#[tokio::test]
async fn a_backup_taken_while_a_shopper_writes_restores_everything_into_a_fresh_data_dir() {
    let dir = tempfile::TempDir::new().unwrap();
    let seeded: Seed = seed(dir.path()).await;
    let mut settings = test_settings(dir.path());
    // Messages as fast as acks come back: the rate guard is not what this test is about.
    settings.limits.rate_per_sec = 10_000;
    settings.limits.rate_burst = 10_000;
    let app = start(settings, seeded.clone()).await;
    let owner = app.owner_token().await;
    let rule = app
        .create_rule(
            &owner,
            json!({ "name": "Kept", "when": "product_view", "actions": [{ "type": "open_widget" }] }),
        )
        .await;

    let mut shopper = app.shopper().await;
    let welcome = shopper.hello(json!({})).await;
    let mut acked = Vec::new();
    for n in 0..10 {
        acked.push(say(&mut shopper, n).await);
    }
    let before = acked.len();

    // The backup runs while the shopper keeps writing: the server commits beside it.
    let backups = tempfile::TempDir::new().unwrap();
    let file = backups.path().join("shop.db");
    let mut backup = shopchat(dir.path())
        .args(["backup", "--to"])
        .arg(&file)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let mut n = before;
    while backup.try_wait().unwrap().is_none() {
        assert!(started.elapsed() < DEADLINE, "backup finishes");
        acked.push(say(&mut shopper, n).await);
        n += 1;
    }
    let out = backup.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let printed = text(&out);
    assert!(printed.contains("Backed up"), "{printed}");
    assert!(printed.contains("messages"), "{printed}");
    assert!(file.is_file());
    #[cfg(unix)]
    assert_eq!(mode(&file), 0o600, "a backup holds secrets: owner-only");
    // No temporary file left beside it.
    assert_eq!(std::fs::read_dir(backups.path()).unwrap().count(), 1);

    // Writing more after the backup: none of it may appear in the restored copy.
    for m in n..n + 3 {
        say(&mut shopper, m).await;
    }
    shopper.close().await;
    let _ = app.stop().await;

    let fresh = tempfile::TempDir::new().unwrap();
    let target = fresh.path().join("data");
    let printed = succeeds(shopchat(&target).args(["restore", "--from"]).arg(&file));
    assert!(printed.contains("Restored"), "{printed}");
    assert!(printed.contains("no database to replace"), "{printed}");

    let app = start(test_settings(&target), seeded.clone()).await;
    // Accounts: the seeded owner logs in with the same password; sites and rules are there.
    let owner = app.login(&seeded.owner_email, PASSWORD).await;
    let sites = app.get_json("/api/v1/sites", &owner).await;
    let ids: Vec<&str> = sites["sites"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["id"].as_str())
        .collect();
    assert!(ids.contains(&seeded.site_id.as_str()), "{sites}");
    let rules = app.get_json(&app.site_path("/rules"), &owner).await;
    assert!(rules.to_string().contains(&rule), "{rules}");
    // Messages: every one acknowledged before the backup began, then a consistent prefix of
    // those written during it, and nothing written after it.
    let restored = replayed_texts(&app, &welcome).await;
    assert!(restored.len() >= before, "{restored:?}");
    assert!(restored.len() <= acked.len(), "{restored:?}");
    assert_eq!(restored, acked[..restored.len()], "a consistent snapshot");
    app.stop().await;
}

#[tokio::test]
async fn restore_is_refused_while_a_server_uses_the_data_dir_and_keeps_the_old_database() {
    let dir = tempfile::TempDir::new().unwrap();
    let seeded = seed(dir.path()).await;
    let app = start(test_settings(dir.path()), seeded.clone()).await;
    let backups = tempfile::TempDir::new().unwrap();
    let file = backups.path().join("shop.db");
    succeeds(shopchat(dir.path()).args(["backup", "--to"]).arg(&file));
    // A second backup to the same file is refused without --force, and allowed with it.
    let refused = fails(shopchat(dir.path()).args(["backup", "--to"]).arg(&file));
    assert!(refused.contains("--force"), "{refused}");
    succeeds(
        shopchat(dir.path())
            .args(["backup", "--force", "--to"])
            .arg(&file),
    );

    let refused = fails(shopchat(dir.path()).args(["restore", "--from"]).arg(&file));
    assert!(refused.contains("in use"), "{refused}");
    let kept = |dir: &Path| {
        std::fs::read_dir(dir)
            .unwrap()
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().contains("before-restore"))
            .count()
    };
    assert_eq!(kept(dir.path()), 0, "nothing was touched");
    // The server still serves from its database.
    let owner = app.owner_token().await;
    let _ = app.get_json("/api/v1/sites", &owner).await;

    let _ = app.stop().await;
    let printed = succeeds(shopchat(dir.path()).args(["restore", "--from"]).arg(&file));
    assert!(printed.contains("kept as"), "{printed}");
    assert!(kept(dir.path()) >= 1, "the replaced database is kept");
    let app = start(test_settings(dir.path()), seeded).await;
    let _ = app.owner_token().await;
    app.stop().await;
}

#[tokio::test]
async fn restore_refuses_a_file_that_is_not_a_shopchat_database_or_has_a_newer_schema() {
    let work = tempfile::TempDir::new().unwrap();
    let source = work.path().join("source");
    succeeds(shopchat(&source).args(["site", "list"]));
    let good = work.path().join("good.db");
    succeeds(shopchat(&source).args(["backup", "--to"]).arg(&good));
    let target = work.path().join("target");

    let junk = work.path().join("notes.txt");
    std::fs::write(&junk, "not a database at all, just some text ".repeat(200)).unwrap();
    let refused = fails(shopchat(&target).args(["restore", "--from"]).arg(&junk));
    assert!(refused.contains("not a SQLite database"), "{refused}");

    let other = work.path().join("other.db");
    rusqlite::Connection::open(&other)
        .unwrap()
        .execute_batch("CREATE TABLE things (id INTEGER); PRAGMA user_version = 3;")
        .unwrap();
    let refused = fails(shopchat(&target).args(["restore", "--from"]).arg(&other));
    assert!(refused.contains("not a shopchat database"), "{refused}");

    let newer = work.path().join("newer.db");
    std::fs::copy(&good, &newer).unwrap();
    rusqlite::Connection::open(&newer)
        .unwrap()
        .pragma_update(None, "user_version", 100_000)
        .unwrap();
    let refused = fails(shopchat(&target).args(["restore", "--from"]).arg(&newer));
    assert!(refused.contains("newer than this binary"), "{refused}");
    assert!(!target.join("shopchat.db").exists(), "nothing restored");

    let missing = work.path().join("missing.db");
    fails(shopchat(&target).args(["restore", "--from"]).arg(&missing));
    // The good one restores.
    succeeds(shopchat(&target).args(["restore", "--from"]).arg(&good));
    assert!(target.join("shopchat.db").is_file());
}

#[tokio::test]
async fn backup_and_restore_with_redis_point_to_redis_tools() {
    let work = tempfile::TempDir::new().unwrap();
    let file = work.path().join("x.db");
    for args in [["backup", "--to"], ["restore", "--from"]] {
        let said = fails(
            shopchat(work.path())
                .args(["--redis", "redis://127.0.0.1:1/"])
                .args(args)
                .arg(&file),
        );
        assert!(said.contains("BGSAVE"), "{said}");
    }
}

#[cfg(unix)]
#[tokio::test]
async fn the_data_dir_is_owner_only_and_an_older_install_is_tightened_at_start() {
    use std::io::{BufRead, BufReader};
    use std::os::unix::fs::PermissionsExt;
    let work = tempfile::TempDir::new().unwrap();
    let dir = work.path().join("data");
    succeeds(shopchat(&dir).args(["site", "list"]));
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(mode(&dir.join("shopchat.db")), 0o600);
    assert_eq!(mode(&dir.join("shopchat.lock")), 0o600);

    // An install made before: readable by everyone.
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(
        dir.join("shopchat.db"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    let mut server = shopchat(&dir)
        .args(["--bind", "127.0.0.1:0", "--log-format", "json"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = server.stderr.take().unwrap();
    let (lines_tx, mut lines) = tokio::sync::mpsc::unbounded_channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = lines_tx.send(line);
        }
    });
    let mut tightened = Vec::new();
    loop {
        let line = tokio::time::timeout(DEADLINE, lines.recv())
            .await
            .expect("log line")
            .expect("server running");
        if line.contains("tightened permissions") {
            tightened.push(line.clone());
        }
        if line.contains("shopchat listening") {
            break;
        }
    }
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(mode(&dir.join("shopchat.db")), 0o600);
    for side in ["shopchat.db-wal", "shopchat.db-shm"] {
        if dir.join(side).exists() {
            assert_eq!(mode(&dir.join(side)), 0o600, "{side}");
        }
    }
    assert_eq!(
        tightened.len(),
        2,
        "one line per file tightened: {tightened:?}"
    );
    assert!(tightened.iter().any(|l| l.contains("755")), "{tightened:?}");
    server.kill().unwrap();
    server.wait().unwrap();
}
