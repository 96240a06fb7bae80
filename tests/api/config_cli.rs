//! `shopchat config default` and `shopchat config check`, run as the real binary.

use crate::common::free_port;
use crate::common::redis::RedisServer;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Output};

/// The binary in `dir` (so no stray `./shopchat.toml` is read), with no `SHOPCHAT_*` setting
/// from the environment.
fn shopchat(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_shopchat"));
    cmd.current_dir(dir);
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

/// `config check --config FILE` on a file holding `config`; its success and output.
fn check(dir: &Path, config: &str) -> (bool, String) {
    let file = dir.join("checked.toml");
    std::fs::write(&file, config).unwrap();
    let out = shopchat(dir)
        .args(["config", "check", "--config"])
        .arg(&file)
        .output()
        .unwrap();
    (out.status.success(), text(&out))
}

#[tokio::test]
async fn the_printed_default_config_is_a_file_the_server_accepts_as_is() {
    let dir = tempfile::TempDir::new().unwrap();
    let out = shopchat(dir.path())
        .args(["config", "default"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let printed = String::from_utf8(out.stdout).unwrap();
    // Every setting with its default or, for one that is off, commented out.
    for line in [
        "bind = \"127.0.0.1:8080\"",
        "max_frame_bytes = 16384",
        "rate_burst = 40",
        "redis_prefix = \"shopchat:\"",
        "# redis_url = ",
        "# smtp_host = ",
    ] {
        assert!(printed.lines().any(|l| l.starts_with(line)), "{line}");
    }
    let data = dir.path().join("data");
    let printed = printed.replace("data_dir = \"./data\"", &format!("data_dir = {data:?}"));
    let (ok, said) = check(dir.path(), &printed);
    assert!(ok, "{said}");
    assert!(said.contains("config is fine"), "{said}");
    assert!(said.contains("does not exist yet"), "{said}");
}

#[tokio::test]
async fn config_check_names_the_setting_of_a_bad_value_or_an_unknown_key() {
    let dir = tempfile::TempDir::new().unwrap();
    let (ok, said) = check(dir.path(), "max_frame_bytes = 10\n");
    assert!(!ok, "{said}");
    assert!(said.contains("FAIL"), "{said}");
    assert!(said.contains("max_frame_bytes"), "{said}");

    let (ok, said) = check(dir.path(), "rate_brust = 10\n");
    assert!(!ok, "{said}");
    assert!(said.contains("rate_brust"), "{said}");

    let (ok, said) = check(dir.path(), "rate_burst = \"many\"\n");
    assert!(!ok, "{said}");
    assert!(said.contains("rate_burst"), "{said}");

    // A named file that is missing is an error, not the defaults.
    let out = shopchat(dir.path())
        .args(["config", "check", "--config", "nope.toml"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(text(&out).contains("nope.toml"), "{}", text(&out));
}

#[tokio::test]
async fn config_check_fails_on_an_unreachable_redis_and_passes_on_a_live_one() {
    let dir = tempfile::TempDir::new().unwrap();
    let port = free_port();
    let (ok, said) = check(
        dir.path(),
        &format!("redis_url = \"redis://:hunter2-secret@127.0.0.1:{port}/\"\n"),
    );
    assert!(!ok, "{said}");
    assert!(said.contains("FAIL  redis_url"), "{said}");
    assert!(
        !said.contains("hunter2-secret"),
        "no password printed: {said}"
    );

    let redis = RedisServer::start().await;
    let (ok, said) = check(dir.path(), &format!("redis_url = \"{}\"\n", redis.url()));
    assert!(ok, "{said}");
    assert!(said.contains("PONG"), "{said}");
}

/// A relay that greets, answers `EHLO` and hangs up; returns its port and what it was told.
fn fake_smtp_relay() -> (u16, std::thread::JoinHandle<Vec<String>>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let relay = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        stream.write_all(b"220 relay.test ESMTP ready\r\n").unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut heard = Vec::new();
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        heard.push(line.trim_end().to_owned());
        stream
            .write_all(b"250-relay.test\r\n250 8BITMIME\r\n")
            .unwrap();
        line.clear();
        let _ = reader.read_line(&mut line);
        heard.push(line.trim_end().to_owned());
        heard
    });
    (port, relay)
}

#[tokio::test]
async fn config_check_talks_to_the_smtp_relay_and_fails_when_none_listens() {
    let dir = tempfile::TempDir::new().unwrap();
    let (port, relay) = fake_smtp_relay();
    let config = format!(
        "smtp_host = \"127.0.0.1\"\nsmtp_port = {port}\nsmtp_tls = \"none\"\n\
         mail_from = \"chat@shop.example\"\ndata_dir = \"data\"\n"
    );
    let (ok, said) = check(dir.path(), &config);
    assert!(ok, "{said}");
    assert!(said.contains("answered EHLO"), "{said}");
    let heard = relay.join().unwrap();
    assert!(heard[0].starts_with("EHLO "), "{heard:?}");
    assert_eq!(heard[1], "QUIT");

    let closed = free_port();
    let (ok, said) = check(
        dir.path(),
        &config.replace(
            &format!("smtp_port = {port}"),
            &format!("smtp_port = {closed}"),
        ),
    );
    assert!(!ok, "{said}");
    assert!(said.contains("FAIL  smtp_host"), "{said}");
}
