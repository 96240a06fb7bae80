//! `shopchat config default` and `shopchat config check`: the config file without the server.
//!
//! `default` prints [`crate::config::default_config_file`]. `check` reads the config file
//! (`--config`, else `./shopchat.toml`) with the environment and flags over it, exactly as
//! the server would, then tries what the settings name — Redis (connect and `PING`), the
//! SMTP relay (TCP connect, its `220` greeting and an answer to `EHLO`), the IMAP server (TCP
//! connect) — printing one line per check and stopping at the first failure, which names the
//! setting. Nothing is written; no password is printed.

use super::CliError;
use crate::config::{MailServer, MailTls, Settings, SettingsArgs};
use clap::Subcommand;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// How long each network check may take.
const CHECK_TIMEOUT: Duration = Duration::from_secs(5);

/// `shopchat config ...`
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print a commented config file with every setting at its default.
    Default,
    /// Check the config file, environment and flags without starting the server, and reach
    /// the Redis, SMTP and IMAP servers they name; exits non-zero on the first failure.
    Check,
}

/// Runs one `config` command. It takes the unresolved layers: a file that does not resolve
/// is what `check` reports, not a reason not to run.
pub(super) async fn run(
    config: Option<PathBuf>,
    flags: SettingsArgs,
    cmd: ConfigCommand,
) -> Result<(), CliError> {
    match cmd {
        ConfigCommand::Default => {
            print!("{}", crate::config::default_config_file());
            Ok(())
        }
        ConfigCommand::Check => check(config.as_deref(), flags).await,
    }
}

fn ok(what: &str) {
    println!("ok    {what}");
}

/// Prints the failure and returns it as the command's error, naming the setting.
fn failed(field: &str, why: impl std::fmt::Display) -> CliError {
    println!("FAIL  {field}: {why}");
    CliError::Input(format!("{field}: {why}"))
}

async fn check(config: Option<&Path>, flags: SettingsArgs) -> Result<(), CliError> {
    let name = config.map_or_else(
        || crate::config::DEFAULT_CONFIG_FILE.to_owned(),
        |p| p.display().to_string(),
    );
    let file = match SettingsArgs::from_file(config) {
        Ok(file) => file,
        Err(e) => {
            println!("FAIL  config file: {e}");
            return Err(e.into());
        }
    };
    if config.is_some() || Path::new(&name).exists() {
        ok(&format!("config file {name} read"));
    } else {
        ok(&format!(
            "no {name} here: defaults, environment and flags only"
        ));
    }
    let settings = match Settings::resolve(flags, file) {
        Ok(settings) => settings,
        Err(e) => {
            println!("FAIL  {e}");
            return Err(e.into());
        }
    };
    ok("every setting in range");
    check_bind(&settings)?;
    match &settings.redis_url {
        Some(url) => check_redis(url).await?,
        None => check_data_dir(&settings.data_dir)?,
    }
    if let Some(smtp) = &settings.mail.smtp {
        crate::mailer::smtp::SmtpTransport::from_settings(&settings.mail)
            .map_err(|e| failed("smtp_host", e))?;
        check_smtp(smtp).await?;
    }
    if let Some(imap) = &settings.mail.imap {
        connect("imap_host", imap).await?;
        ok(&format!(
            "imap_host {}:{} accepts connections",
            imap.host, imap.port
        ));
    }
    println!("config is fine");
    Ok(())
}

fn check_bind(settings: &Settings) -> Result<(), CliError> {
    use std::net::ToSocketAddrs;
    let addrs = settings
        .bind
        .to_socket_addrs()
        .map_err(|e| failed("bind", format!("`{}`: {e}", settings.bind)))?;
    if addrs.count() == 0 {
        return Err(failed(
            "bind",
            format!("`{}` names no address", settings.bind),
        ));
    }
    ok(&format!("bind {}", settings.bind));
    Ok(())
}

/// The data directory exists and is a directory, or can be created (its parent exists).
fn check_data_dir(dir: &Path) -> Result<(), CliError> {
    let shown = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
    if dir.is_dir() {
        let db = dir.join(crate::store::sqlite::DB_FILE);
        let state = if db.exists() {
            "has a database"
        } else {
            "empty: the first start creates the database"
        };
        ok(&format!("data_dir {} ({state})", shown.display()));
        return Ok(());
    }
    if dir.exists() {
        return Err(failed(
            "data_dir",
            format!("{} is not a directory", shown.display()),
        ));
    }
    ok(&format!(
        "data_dir {} (does not exist yet: the first start creates it)",
        shown.display()
    ));
    Ok(())
}

/// `redis://` and what follows the credentials, never the password.
fn redacted(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}://…@{}", &url[..scheme], &url[at + 1..])
        }
        _ => url.to_owned(),
    }
}

async fn check_redis(url: &str) -> Result<(), CliError> {
    let shown = redacted(url);
    let ping = async {
        let client = redis::Client::open(url)?;
        let mut conn = client.get_multiplexed_async_connection().await?;
        redis::cmd("PING").query_async::<String>(&mut conn).await
    };
    match tokio::time::timeout(CHECK_TIMEOUT, ping).await {
        Ok(Ok(pong)) => {
            ok(&format!("redis_url {shown} answered PING with {pong}"));
            Ok(())
        }
        Ok(Err(e)) => Err(failed("redis_url", format!("{shown}: {e}"))),
        Err(_) => Err(failed(
            "redis_url",
            format!("{shown}: no answer within {}s", CHECK_TIMEOUT.as_secs()),
        )),
    }
}

async fn connect(field: &str, server: &MailServer) -> Result<TcpStream, CliError> {
    let addr = format!("{}:{}", server.host, server.port);
    match tokio::time::timeout(CHECK_TIMEOUT, TcpStream::connect(&addr)).await {
        Ok(Ok(stream)) => Ok(stream),
        Ok(Err(e)) => Err(failed(field, format!("{addr}: {e}"))),
        Err(_) => Err(failed(
            field,
            format!("{addr}: no connection within {}s", CHECK_TIMEOUT.as_secs()),
        )),
    }
}

/// Connects to the relay, reads its greeting and says `EHLO`; with implicit TLS the
/// conversation happens inside TLS, so only the connection is checked.
async fn check_smtp(server: &MailServer) -> Result<(), CliError> {
    let stream = connect("smtp_host", server).await?;
    let addr = format!("{}:{}", server.host, server.port);
    if server.tls == MailTls::Tls {
        ok(&format!(
            "smtp_host {addr} accepts connections (implicit TLS: greeting not read)"
        ));
        return Ok(());
    }
    let talk = async {
        let mut stream = BufReader::new(stream);
        let greeting = reply(&mut stream).await?;
        if !greeting.starts_with("220") {
            return Err(format!("greeting was `{greeting}`, not 220"));
        }
        stream
            .get_mut()
            .write_all(b"EHLO shopchat-config-check\r\n")
            .await
            .map_err(|e| e.to_string())?;
        let ehlo = reply(&mut stream).await?;
        if !ehlo.starts_with("250") {
            return Err(format!("EHLO was answered `{ehlo}`, not 250"));
        }
        let _ = stream.get_mut().write_all(b"QUIT\r\n").await;
        Ok(greeting)
    };
    match tokio::time::timeout(CHECK_TIMEOUT, talk).await {
        Ok(Ok(greeting)) => {
            ok(&format!(
                "smtp_host {addr} greeted `{greeting}` and answered EHLO"
            ));
            Ok(())
        }
        Ok(Err(why)) => Err(failed("smtp_host", format!("{addr}: {why}"))),
        Err(_) => Err(failed(
            "smtp_host",
            format!("{addr}: no answer within {}s", CHECK_TIMEOUT.as_secs()),
        )),
    }
}

/// One SMTP reply (its lines until the one whose code is followed by a space), as its last
/// line; bounded, so a server that never stops talking cannot hold the check.
async fn reply(stream: &mut BufReader<TcpStream>) -> Result<String, String> {
    for _ in 0..64 {
        let mut line = String::new();
        let read = (&mut *stream)
            .take(1024)
            .read_line(&mut line)
            .await
            .map_err(|e| e.to_string())?;
        if read == 0 {
            return Err("the server closed the connection".into());
        }
        let line = line.trim_end().to_owned();
        if line.as_bytes().get(3) != Some(&b'-') {
            return Ok(line);
        }
    }
    Err("the reply had too many lines".into())
}
