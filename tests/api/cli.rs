//! The binary itself: first start, and the set-up commands a shop owner runs.

use crate::common::{DEADLINE, Shopper};
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
    cmd
}

/// Runs `command` with `input` on its standard input; returns its exit status and output.
fn with_stdin(command: &mut Command, input: &str) -> std::process::Output {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// `shopchat site create --name NAME --origin https://jackets.example --json`, which must
/// succeed; returns the printed site.
fn create_site(data_dir: &std::path::Path, name: &str) -> Value {
    json_output(
        shopchat(data_dir)
            .args(["site", "create", "--name", name])
            .args(["--origin", "https://jackets.example", "--json"]),
    )
}

/// Runs a `--json` command that must succeed (the panic shows its stderr); returns its JSON.
fn json_output(command: &mut Command) -> Value {
    let out = command.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[tokio::test]
async fn site_and_agent_commands_set_up_a_shop_the_server_then_serves() {
    let dir = tempfile::TempDir::new().unwrap();
    let site = create_site(dir.path(), "Jackets & Co");
    for key in ["id", "public_key", "origins", "identity_secret"] {
        assert!(!site[key].is_null(), "site JSON has {key}: {site}");
    }
    assert_eq!(site["origins"], json!(["https://jackets.example"]));
    let public_key = site["public_key"].as_str().unwrap();
    assert!(
        site["snippet"]
            .as_str()
            .unwrap()
            .contains(&format!("data-site=\"{public_key}\""))
    );

    let updated = json_output(
        shopchat(dir.path())
            .args(["site", "update", "--site", public_key])
            .args(["--origin", "https://jackets.example"])
            .args(["--origin", "https://www.jackets.example", "--json"]),
    );
    assert_eq!(
        updated["origins"],
        json!(["https://jackets.example", "https://www.jackets.example"])
    );
    let nothing = shopchat(dir.path())
        .args(["site", "update", "--site", public_key])
        .output()
        .unwrap();
    assert!(!nothing.status.success());

    let human = shopchat(dir.path())
        .args(["site", "list"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&human.stdout).contains("Jackets & Co"));

    let out = with_stdin(
        shopchat(dir.path())
            .args(["agent", "create", "--email", "Ann@Jackets.example"])
            .args(["--site", public_key, "--role", "owner"])
            .args(["--password-stdin", "--json"]),
        "a long enough password\n",
    );
    assert!(out.status.success());
    let agent: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(agent["email"], "ann@jackets.example");
    assert!(
        agent.get("password").is_none(),
        "a password from stdin is never echoed"
    );

    // Bad input is refused with a message naming the flag, and nothing is created.
    let bad = shopchat(dir.path())
        .args([
            "site",
            "create",
            "--name",
            "X",
            "--origin",
            "jackets.example/shop",
        ])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--origin"));
    let dup = shopchat(dir.path())
        .args([
            "agent",
            "create",
            "--email",
            "ann@jackets.example",
            "--site",
            public_key,
        ])
        .output()
        .unwrap();
    assert!(!dup.status.success(), "the email is taken");

    // The server on that data dir lets Ann in and sees the site.
    let settings = crate::common::test_settings(dir.path());
    let seed = crate::common::Seed::only(
        site["id"].as_str().unwrap(),
        public_key,
        "ann@jackets.example",
    );
    let app = crate::common::start(settings, seed).await;
    let token = app
        .login("ann@jackets.example", "a long enough password")
        .await;
    let sites: Value = app.get_json("/api/v1/sites", &token).await;
    assert_eq!(sites["sites"][0]["name"], "Jackets & Co");
    app.stop().await;
}

#[tokio::test]
async fn first_start_creates_a_demo_site_for_its_own_origin_and_a_one_time_owner_password() {
    let dir = tempfile::TempDir::new().unwrap();
    let mut server = shopchat(dir.path())
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
    let (mut password, mut port, mut public_key) = (None, None, None);
    while port.is_none() {
        let line = tokio::time::timeout(DEADLINE, lines.recv())
            .await
            .expect("log line")
            .expect("server running");
        let Ok(entry) = serde_json::from_str::<Value>(&line) else {
            continue;
        };
        let fields = &entry["fields"];
        // JSON logs never carry the password: the first-start line names the owner-only
        // file that holds it.
        if let Some(file) = fields["password_file"].as_str() {
            password = Some(crate::common::first_owner_password(std::path::Path::new(
                file,
            )));
            public_key = fields["public_key"].as_str().map(str::to_owned);
        }
        if let Some(p) = fields["port"].as_u64() {
            port = Some(p as u16);
        }
    }
    let (password, port, public_key) = (password.unwrap(), port.unwrap(), public_key.unwrap());
    assert!(password.len() >= 16, "a generated password");

    let http = reqwest::Client::new();
    let login = http
        .post(format!("http://127.0.0.1:{port}/api/v1/auth/login"))
        .json(&json!({ "email": "owner@shopchat.local", "password": password }))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);
    let body: Value = login.json().await.unwrap();
    assert_eq!(body["agent"]["must_change_password"], true);

    // The one-time password opens nothing but the way to replace it.
    let token = body["token"].as_str().unwrap();
    let sites = format!("http://127.0.0.1:{port}/api/v1/sites");
    let refused = http.get(&sites).bearer_auth(token).send().await.unwrap();
    assert_eq!(refused.status(), 403);
    assert_eq!(
        refused.json::<Value>().await.unwrap()["error"]["code"],
        "password_change_required"
    );
    let changed = http
        .post(format!("http://127.0.0.1:{port}/api/v1/auth/password"))
        .bearer_auth(token)
        .json(&json!({ "current_password": password, "new_password": "my own long password" }))
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), 200);
    // The change revoked the one-time token; the answer carries the new one.
    let changed: Value = changed.json().await.unwrap();
    let token = changed["token"].as_str().unwrap();

    // The demo site comes with its starter rules, two of them on.
    let get_json = async |path: &str| -> Value {
        let url = format!("http://127.0.0.1:{port}{path}");
        let response = http.get(url).bearer_auth(token).send().await.unwrap();
        response.json().await.unwrap()
    };
    let sites = get_json("/api/v1/sites").await;
    let site_id = sites["sites"][0]["id"].as_str().unwrap().to_owned();
    let rules = get_json(&format!("/api/v1/sites/{site_id}/rules")).await;
    let enabled: Vec<bool> = rules["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["enabled"].as_bool().unwrap())
        .collect();
    assert_eq!(enabled.len(), 4);
    assert_eq!(enabled.iter().filter(|e| **e).count(), 2);

    // The demo site accepts a page served by this server itself.
    let url = format!("ws://127.0.0.1:{port}/ws/shopper?site={public_key}");
    let mut shopper = Shopper::connect(&url, Some(&format!("http://127.0.0.1:{port}")))
        .await
        .expect("own origin allowed");
    shopper.hello(json!({})).await;

    // Its bot answers from the starter knowledge base, labelled as a bot.
    let answer = bot_answer(&mut shopper, "q", "Can I return an item I bought?").await;
    assert!(
        answer["text"].as_str().unwrap().contains("30 days"),
        "{answer}"
    );
    // The first question a newcomer tends to try, worded as shoppers word it.
    let answer = bot_answer(&mut shopper, "q2", "When will my delivery arrive?").await;
    assert!(
        answer["text"].as_str().unwrap().contains("working days"),
        "{answer}"
    );

    // The demo shop can sign in as its demo customer (the page carries her id and the HMAC
    // the server computed), whose orders the bot reads out: one in transit with its tracking
    // link, one stuck in the warehouse (a person's job), one delivered.
    let page = http
        .get(format!("http://127.0.0.1:{port}/demo/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let marker = r#"<meta name="demo-customer" content=""#;
    let start = page.find(marker).expect("demo customer meta") + marker.len();
    let content = &page[start..start + page[start..].find('"').unwrap()];
    let (user_id, hash) = content.split_once(':').unwrap();
    assert_eq!(user_id, shopchat::seed::DEMO_CUSTOMER_ID);
    let mut dana = Shopper::connect(&url, Some(&format!("http://127.0.0.1:{port}")))
        .await
        .unwrap();
    dana.hello(json!({})).await;
    dana.send(json!({ "type": "event", "name": "identify", "props": { "user_id": user_id, "hash": hash } }))
        .await;
    dana.send(json!({ "type": "orders" })).await;
    let answer = dana
        .until(|f| f["type"] == "message" && f["author"]["kind"] == "bot")
        .await;
    let text = answer["text"].as_str().unwrap();
    for expected in [
        "#1003",
        "in transit",
        "https://www.dhl.com/",
        "#1002",
        "#1001",
    ] {
        assert!(text.contains(expected), "{expected} in {text}");
    }
    let status = dana.until(|f| f["type"] == "status").await;
    assert_eq!(
        status["state"], "queued",
        "the stuck order goes to a person"
    );

    // Exactly one site was made: the demo.
    server.kill().unwrap();
    server.wait().unwrap();
    let again = shopchat(dir.path())
        .args(["site", "list", "--json"])
        .output()
        .unwrap();
    let sites: Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(sites.as_array().unwrap().len(), 1);
    assert_eq!(sites[0]["name"], "Demo shop");
}

#[tokio::test]
async fn agent_create_refuses_a_weak_or_email_like_password_from_stdin() {
    let dir = tempfile::TempDir::new().unwrap();
    let site = create_site(dir.path(), "Jackets");
    let public_key = site["public_key"].as_str().unwrap().to_owned();
    let create = |password: &str| {
        with_stdin(
            shopchat(dir.path())
                .args(["agent", "create", "--email", "ann@jackets.example"])
                .args(["--site", &public_key, "--password-stdin", "--json"]),
            &format!("{password}\n"),
        )
    };
    for (password, why) in [
        ("aaaaaaaaaa", "too easy to guess"),
        ("ann@jackets.example", "email"),
        (&"x".repeat(200), "at most 128"),
    ] {
        let out = create(password);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{why}");
        assert!(
            stderr.contains("password") && stderr.contains(why),
            "{stderr}"
        );
    }
    let ok = create("pale-orbit-Tundra-41-kettle");
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
}

/// The bot's answer to a shopper's message (other messages on the way are passed over).
async fn bot_answer(shopper: &mut Shopper, client_msg_id: &str, text: &str) -> Value {
    shopper
        .send(json!({ "type": "message", "client_msg_id": client_msg_id, "text": text }))
        .await;
    loop {
        let (m, _) = shopper.recv_type("message").await;
        if m["author"]["kind"] == "bot" {
            return m;
        }
    }
}

#[test]
fn a_command_whose_output_pipe_closes_early_ends_quietly() {
    let dir = tempfile::TempDir::new().unwrap();
    let created = shopchat(dir.path())
        .args([
            "site",
            "create",
            "--name",
            "Piped",
            "--origin",
            "https://piped.example",
        ])
        .output()
        .unwrap();
    assert!(created.status.success(), "{created:?}");
    // A pipe whose reading end is already closed, as after `| head -1` has read its line.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let listed = shopchat(dir.path())
        .args(["site", "list", "--json"])
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&listed.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(
            listed.status.signal(),
            Some(13),
            "ends by SIGPIPE like other tools"
        );
    }
}
