//! A new user's first day with the binary: the first start's log is plain text off a
//! terminal (so `grep password=` finds the password), names the absolute data dir and the
//! dashboard's address; `/` leads to the dashboard; and a lost password has a way back
//! (`shopchat agent reset-password`), which signs the account out everywhere.

use crate::common::DEADLINE;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

fn shopchat(data_dir: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_shopchat"));
    cmd.arg("--data-dir").arg(data_dir);
    for (key, _) in std::env::vars().filter(|(k, _)| k.starts_with("SHOPCHAT_") || k == "RUST_LOG")
    {
        cmd.env_remove(key);
    }
    cmd.env_remove("NO_COLOR");
    cmd
}

/// Starts the server with its stderr read line by line on a thread of its own.
fn start(
    cmd: &mut Command,
) -> (
    std::process::Child,
    tokio::sync::mpsc::UnboundedReceiver<String>,
) {
    let mut server = cmd.stderr(Stdio::piped()).spawn().unwrap();
    let stderr = server.stderr.take().unwrap();
    let (tx, lines) = tokio::sync::mpsc::unbounded_channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    (server, lines)
}

/// The server's stderr lines until `until` matches one; all of them.
async fn lines_until(
    lines: &mut tokio::sync::mpsc::UnboundedReceiver<String>,
    until: impl Fn(&str) -> bool,
) -> Vec<String> {
    let mut seen = Vec::new();
    loop {
        let line = tokio::time::timeout(DEADLINE, lines.recv())
            .await
            .unwrap_or_else(|_| panic!("no such log line; saw {seen:#?}"))
            .expect("server running");
        let done = until(&line);
        seen.push(line);
        if done {
            return seen;
        }
    }
}

/// The value of `key=` in a human log line.
fn field<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    let start = line.find(&format!("{key}="))? + key.len() + 1;
    line[start..].split_whitespace().next()
}

fn login_body(email: &str, password: &str) -> Value {
    json!({ "email": email, "password": password })
}

#[tokio::test]
async fn the_first_start_log_is_plain_and_says_where_to_go_and_a_lost_password_can_be_reset() {
    let dir = tempfile::TempDir::new().unwrap();
    let (mut server, mut lines) = start(shopchat(dir.path()).args(["--bind", "127.0.0.1:0"]));
    let log = lines_until(&mut lines, |l| l.contains("dashboard=")).await;
    assert!(
        log.iter().all(|l| !l.contains('\u{1b}')),
        "no colour codes off a terminal: {log:#?}"
    );
    let password = log
        .iter()
        .find_map(|l| field(l, "password"))
        .expect("the password is on a plain line")
        .to_owned();
    let listening = log
        .iter()
        .find(|l| l.contains("shopchat listening"))
        .unwrap();
    let port: u16 = field(listening, "port").unwrap().parse().unwrap();
    let absolute = std::fs::canonicalize(dir.path()).unwrap();
    assert_eq!(
        field(listening, "data_dir"),
        Some(absolute.to_str().unwrap()),
        "{listening}"
    );
    let links = log.last().unwrap();
    assert_eq!(
        field(links, "dashboard"),
        Some(format!("http://127.0.0.1:{port}/agent/").as_str())
    );
    assert_eq!(
        field(links, "demo_shop"),
        Some(format!("http://127.0.0.1:{port}/demo/").as_str())
    );

    // `/` leads to the dashboard.
    let base = format!("http://127.0.0.1:{port}");
    let plain = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let root = plain.get(format!("{base}/")).send().await.unwrap();
    assert_eq!(root.status(), 302);
    assert_eq!(root.headers()["location"], "/agent/");

    // Signed in with the first password; then the password is "lost" and reset.
    let http = reqwest::Client::new();
    let login = |password: String| {
        let http = http.clone();
        let url = format!("{base}/api/v1/auth/login");
        async move {
            http.post(url)
                .json(&login_body("owner@shopchat.local", &password))
                .send()
                .await
                .unwrap()
        }
    };
    let first = login(password.clone()).await;
    assert_eq!(first.status(), 200);
    let old_token = first.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let reset = shopchat(dir.path())
        .args([
            "agent",
            "reset-password",
            "--email",
            "Owner@shopchat.local",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(reset.status.success(), "{reset:?}");
    let printed: Value = serde_json::from_slice(&reset.stdout).unwrap();
    let new_password = printed["password"].as_str().unwrap().to_owned();
    assert_ne!(new_password, password);
    assert_eq!(
        login(password).await.status(),
        401,
        "the old password is gone"
    );
    let me = http
        .get(format!("{base}/api/v1/me"))
        .bearer_auth(&old_token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 401, "sessions opened before are signed out");
    let again = login(new_password).await;
    assert_eq!(again.status(), 200);
    let body: Value = again.json().await.unwrap();
    assert_eq!(
        body["agent"]["must_change_password"], true,
        "a generated password is replaced at the first login"
    );

    // A chosen password from stdin is the account's own; an unknown login is named.
    let mut chosen = shopchat(dir.path())
        .args([
            "agent",
            "reset-password",
            "--email",
            "owner@shopchat.local",
            "--password-stdin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    chosen
        .stdin
        .take()
        .unwrap()
        .write_all(b"a brand new long passphrase\n")
        .unwrap();
    let chosen = chosen.wait_with_output().unwrap();
    assert!(chosen.status.success());
    assert!(!String::from_utf8_lossy(&chosen.stdout).contains("a brand new long passphrase"));
    let own = login("a brand new long passphrase".into()).await;
    assert_eq!(
        own.json::<Value>().await.unwrap()["agent"]["must_change_password"],
        false
    );
    let unknown = shopchat(dir.path())
        .args(["agent", "reset-password", "--email", "nobody@shop.example"])
        .output()
        .unwrap();
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("--email"));
    server.kill().unwrap();
    let _ = server.wait();
}

#[test]
fn help_is_true_and_each_subcommand_shows_its_own_options() {
    let help = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_shopchat"))
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    let top = help(&["--help"]);
    assert!(
        top.contains("--max-frame-bytes") && top.contains("--redis"),
        "{top}"
    );
    assert!(!top.contains("not used by the server yet"), "{top}");
    for sub in [
        &["site", "create", "--help"][..],
        &["agent", "reset-password", "--help"],
        &["privacy", "export", "--help"],
    ] {
        let text = help(sub);
        // What a set-up command needs (where the data is) and its own options; no server
        // tuning flags.
        assert!(
            text.contains("--data-dir") && text.contains("--redis"),
            "{text}"
        );
        assert!(
            !text.contains("--max-frame-bytes") && !text.contains("--rate-burst"),
            "{text}"
        );
        assert!(
            text.lines().count() < 80,
            "{sub:?}: {} lines",
            text.lines().count()
        );
    }
}

#[tokio::test]
async fn the_access_log_names_the_route_and_never_the_ids_or_tokens_sent() {
    let dir = tempfile::TempDir::new().unwrap();
    let (mut server, mut lines) =
        start(shopchat(dir.path()).args(["--bind", "127.0.0.1:0", "--log-format", "json"]));
    let log = lines_until(&mut lines, |l| l.contains("shopchat listening")).await;
    let listening: Value = serde_json::from_str(log.last().unwrap()).unwrap();
    let port = listening["fields"]["port"].as_u64().unwrap();
    let answer = reqwest::Client::new()
        .get(format!(
            "http://127.0.0.1:{port}/api/v1/sites/site_Secret0Site0Id00/conversations?token=tok_in_query_secret"
        ))
        .bearer_auth("bearer-secret-value")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 401);
    let access = lines_until(&mut lines, |l| l.contains("shopchat::access")).await;
    let line = access.last().unwrap();
    let entry: Value = serde_json::from_str(line).unwrap();
    assert_eq!(entry["fields"]["method"], "GET", "{line}");
    assert_eq!(
        entry["fields"]["route"], "/api/v1/sites/{site_id}/conversations",
        "{line}"
    );
    assert_eq!(entry["fields"]["status"], 401, "{line}");
    for secret in [
        "site_Secret0Site0Id00",
        "tok_in_query_secret",
        "bearer-secret-value",
    ] {
        assert!(!line.contains(secret), "{secret} logged: {line}");
    }
    server.kill().unwrap();
    let _ = server.wait();
}

#[tokio::test]
async fn with_json_logs_the_one_time_password_is_in_an_owner_only_file_and_never_logged() {
    let dir = tempfile::TempDir::new().unwrap();
    let json_server = || {
        let mut cmd = shopchat(dir.path());
        cmd.args(["--bind", "127.0.0.1:0", "--log-format", "json"]);
        cmd
    };
    let (mut server, mut lines) = start(&mut json_server());
    let log = lines_until(&mut lines, |l| l.contains("open the dashboard")).await;
    let entries: Vec<Value> = log
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let first = entries
        .iter()
        .find(|e| e["fields"]["email"] == "owner@shopchat.local")
        .expect("the first start names the owner's login");
    let file = std::path::PathBuf::from(first["fields"]["password_file"].as_str().unwrap());
    assert_eq!(file, dir.path().join("first-owner-password"));
    assert!(
        entries
            .iter()
            .all(|e| e["fields"].get("password").is_none()),
        "{log:#?}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "only the server's user reads the password");
    }
    let password = crate::common::first_owner_password(&file);
    let written = std::fs::read_to_string(&file).unwrap();
    assert!(written.contains("email=owner@shopchat.local"), "{written}");
    assert!(
        log.iter().all(|l| !l.contains(&password)),
        "the password is in no log line"
    );

    // The file's password signs in; once the owner sets their own, the next start removes it.
    let port = entries
        .iter()
        .find_map(|e| e["fields"]["port"].as_u64())
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let login = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&login_body("owner@shopchat.local", &password))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);
    let token = login.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    server.kill().unwrap();
    let _ = server.wait();
    // A restart while the one-time password is still the owner's keeps the file.
    let (mut server, mut lines) = start(&mut json_server());
    let log = lines_until(&mut lines, |l| l.contains("open the dashboard")).await;
    assert!(file.exists(), "still needed: {log:#?}");
    let port = log
        .iter()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find_map(|e| e["fields"]["port"].as_u64())
        .unwrap();
    let changed = http
        .post(format!("http://127.0.0.1:{port}/api/v1/auth/password"))
        .bearer_auth(&token)
        .json(
            &json!({ "current_password": password, "new_password": "pale-orbit-Tundra-41-kettle" }),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), 200, "{:?}", changed.text().await);
    server.kill().unwrap();
    let _ = server.wait();
    let (mut server, mut lines) = start(&mut json_server());
    let log = lines_until(&mut lines, |l| l.contains("open the dashboard")).await;
    assert!(
        !file.exists(),
        "removed once the owner has their own password"
    );
    assert!(
        log.iter().any(|l| l.contains("removed the first owner")),
        "{log:#?}"
    );
    server.kill().unwrap();
    let _ = server.wait();
}
