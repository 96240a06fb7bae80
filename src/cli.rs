//! The command line: `serve` (the default) and the set-up commands a shop owner runs without
//! a UI. Set-up commands open the same store as the server (SQLite handles a server running
//! at the same time; with `--redis` they work on the cluster's Redis), so they work before,
//! after or while the server runs.

use crate::auth::{check_new_password, generate_password, hash_password};
use crate::config::{ConfigError, Settings, SettingsArgs};
use crate::domain::{Email, Origin, Role, SiteId};
use crate::startup::{Application, StartupError};
use crate::store::sqlite::SqliteStore;
use crate::store::{NewAgent, NewSite, Site, Store, StoreError};
use clap::{Parser, Subcommand};
use serde_json::json;
use std::io::BufRead;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

#[path = "cli_backup.rs"]
pub mod backup;
#[path = "cli_config.rs"]
pub mod config;
#[path = "cli_privacy.rs"]
pub mod privacy;

/// shopchat: a proactive chat server for online shops.
#[derive(Debug, Parser)]
#[command(name = "shopchat", version, about)]
pub struct Cli {
    /// Config file [default: ./shopchat.toml when present]
    #[arg(long, global = true, env = "SHOPCHAT_CONFIG")]
    pub config: Option<PathBuf>,
    /// Settings; each also readable from the environment and the config file.
    #[command(flatten)]
    pub settings: SettingsArgs,
    /// What to do; `serve` when omitted.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server (the default).
    Serve,
    /// Manage sites.
    #[command(subcommand)]
    Site(SiteCommand),
    /// Manage agent and owner accounts.
    #[command(subcommand)]
    Agent(AgentCommand),
    /// Export or erase a person's data, read the audit, apply retention.
    #[command(subcommand)]
    Privacy(privacy::PrivacyCommand),
    /// Copy the SQLite store to a file while the server runs.
    Backup(backup::BackupArgs),
    /// Replace the SQLite store with a backup (the server must be stopped).
    Restore(backup::RestoreArgs),
    /// Print a commented default config file, or check one without starting the server.
    #[command(subcommand)]
    Config(config::ConfigCommand),
}

/// `shopchat site ...`
#[derive(Debug, Subcommand)]
pub enum SiteCommand {
    /// Create a site and print its snippet.
    Create {
        /// Shop name, shown to agents.
        #[arg(long)]
        name: String,
        /// An origin whose pages may run the widget (repeatable), e.g. https://shop.example
        #[arg(long = "origin", required = true)]
        origins: Vec<String>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Rename a site or replace its allowed origins.
    Update {
        /// Site id or public key.
        #[arg(long)]
        site: String,
        /// New name.
        #[arg(long)]
        name: Option<String>,
        /// The full new list of allowed origins (repeatable).
        #[arg(long = "origin")]
        origins: Vec<String>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// List sites.
    List {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

/// `shopchat agent ...`
#[derive(Debug, Subcommand)]
pub enum AgentCommand {
    /// Create an account on one or more sites.
    Create {
        /// Login email.
        #[arg(long)]
        email: String,
        /// Site id or public key (repeatable).
        #[arg(long = "site", required = true)]
        sites: Vec<String>,
        /// owner or agent.
        #[arg(long, default_value = "agent")]
        role: String,
        /// Name shown to shoppers [default: the part of the email before @]
        #[arg(long)]
        name: Option<String>,
        /// Read the password from the first line of standard input; without it a one-time
        /// password is generated and printed.
        #[arg(long)]
        password_stdin: bool,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Give an existing account a new password: the way back in when the first start's
    /// password is lost. Signs the account out everywhere; a generated password must be
    /// changed at the next login.
    ResetPassword {
        /// The account's login email.
        #[arg(long)]
        email: String,
        /// Read the new password from the first line of standard input; without it a
        /// one-time password is generated and printed.
        #[arg(long)]
        password_stdin: bool,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Settings.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// Server start.
    #[error(transparent)]
    Startup(#[from] StartupError),
    /// Store.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A bad argument or input; the text names it.
    #[error("{0}")]
    Input(String),
    /// Serving failed.
    #[error("server error: {0}")]
    Io(#[from] std::io::Error),
}

/// Parses the command line and runs it; the binary's whole `main`.
pub async fn main() -> ExitCode {
    let cli = Cli::parse();
    if !matches!(cli.command, None | Some(Command::Serve)) {
        quiet_on_closed_pipe();
    }
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Lets a set-up command's output go to a pipe that closes early (`shopchat site list | head
/// -1`) the way other Unix tools do: the process ends quietly on `SIGPIPE`. Rust ignores
/// `SIGPIPE` so that a write to a closed pipe fails instead, which makes `println!` panic
/// with a backtrace. Never for the server, whose sockets must see a failed write rather than
/// kill the process.
#[cfg(unix)]
fn quiet_on_closed_pipe() {
    use std::ffi::c_int;
    /// `SIGPIPE` and `SIG_DFL` on Linux and the BSDs (signal.h).
    const SIGPIPE: c_int = 13;
    const SIG_DFL: usize = 0;
    unsafe extern "C" {
        fn signal(signum: c_int, handler: usize) -> usize;
    }
    // SAFETY: called once from `main` before any output; it only resets one signal's
    // disposition to the default, which needs no handler code of ours.
    unsafe {
        signal(SIGPIPE, SIG_DFL);
    }
}

#[cfg(not(unix))]
fn quiet_on_closed_pipe() {}

/// Runs a parsed command line.
pub async fn run(cli: Cli) -> Result<(), CliError> {
    if let Some(Command::Config(cmd)) = cli.command {
        return config::run(cli.config, cli.settings, cmd).await;
    }
    let file = SettingsArgs::from_file(cli.config.as_deref())?;
    let settings = Settings::resolve(cli.settings, file)?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(settings).await,
        Command::Site(cmd) => {
            let (store, sqlite) = open_store(&settings).await?;
            let result = site_command(store.as_ref(), &settings, cmd).await;
            if let Some(sqlite) = sqlite {
                sqlite.close().await;
            }
            result
        }
        Command::Agent(cmd) => {
            let (store, sqlite) = open_store(&settings).await?;
            let result = agent_command(store.as_ref(), cmd).await;
            if let Some(sqlite) = sqlite {
                sqlite.close().await;
            }
            result
        }
        Command::Backup(args) => backup::backup(&settings, args).await,
        Command::Restore(args) => backup::restore(&settings, args).await,
        // Handled above, before the settings are resolved.
        Command::Config(_) => Ok(()),
        Command::Privacy(cmd) => {
            let (store, sqlite) = open_store(&settings).await?;
            let result = privacy::run(store.as_ref(), cmd).await;
            if let Some(sqlite) = sqlite {
                sqlite.close().await;
            }
            result
        }
    }
}

/// The store the server would use (see [`crate::startup::open_store`]): set-up commands
/// work on a cluster's Redis too.
async fn open_store(
    settings: &Settings,
) -> Result<(Arc<dyn Store>, Option<Arc<SqliteStore>>), CliError> {
    Ok(crate::startup::open_store(settings).await?)
}

async fn serve(settings: Settings) -> Result<(), CliError> {
    crate::telemetry::init(settings.log_format);
    let app = Application::build(settings).await?;
    let shutdown = app.shutdown_handle();
    tokio::spawn(async move {
        wait_for_signal().await;
        tracing::info!("shutting down");
        shutdown.trigger();
    });
    app.run_until_stopped().await?;
    Ok(())
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// The URL a shop's pages load the widget from.
fn chat_host(settings: &Settings) -> String {
    match &settings.public_url {
        Some(url) => url.trim_end_matches('/').to_owned(),
        None => format!("http://{}", settings.bind),
    }
}

/// The two-line snippet a shop owner pastes into every page.
pub fn snippet(host: &str, public_key: &str) -> String {
    format!(
        "<script>window.shopchat=window.shopchat||function(){{(shopchat.q=shopchat.q||[]).push(arguments)}};</script>\n\
         <script async src=\"{host}/widget.js\" data-site=\"{public_key}\"></script>"
    )
}

fn site_json(site: &Site, host: &str) -> serde_json::Value {
    json!({
        "id": site.id,
        "name": site.name,
        "public_key": site.public_key,
        "origins": site.origins,
        "identity_secret": site.identity_secret,
        "created_at": site.created_at,
        "snippet": snippet(host, &site.public_key),
    })
}

async fn site_command(
    store: &dyn Store,
    settings: &Settings,
    cmd: SiteCommand,
) -> Result<(), CliError> {
    let host = chat_host(settings);
    match cmd {
        SiteCommand::Create {
            name,
            origins,
            json,
        } => {
            let name = name.trim().to_owned();
            if name.is_empty() || name.chars().count() > 100 {
                return Err(CliError::Input("--name must be 1 to 100 characters".into()));
            }
            let origins = origins
                .iter()
                .map(|o| Origin::parse(o).map_err(|e| CliError::Input(format!("--origin: {e}"))))
                .collect::<Result<Vec<_>, _>>()?;
            let site = store.create_site(NewSite { name, origins }).await?;
            if json {
                println!("{}", site_json(&site, &host));
            } else {
                let origins: Vec<&str> = site.origins.iter().map(Origin::as_str).collect();
                println!("Created site \"{}\" ({})", site.name, site.id);
                println!("Public key:      {}", site.public_key);
                println!("Allowed origins: {}", origins.join(", "));
                println!(
                    "Identity secret: {} (keep it on your shop's server)",
                    site.identity_secret
                );
                println!();
                println!("Paste this into every page of the shop, before </body>:");
                println!("{}", snippet(&host, &site.public_key));
            }
        }
        SiteCommand::Update {
            site,
            name,
            origins,
            json,
        } => {
            let id = find_site(store, &site).await?.id;
            let name = name.map(|n| n.trim().to_owned());
            if name
                .as_ref()
                .is_some_and(|n| n.is_empty() || n.chars().count() > 100)
            {
                return Err(CliError::Input("--name must be 1 to 100 characters".into()));
            }
            let origins = if origins.is_empty() {
                None
            } else {
                Some(
                    origins
                        .iter()
                        .map(|o| {
                            Origin::parse(o).map_err(|e| CliError::Input(format!("--origin: {e}")))
                        })
                        .collect::<Result<Vec<_>, _>>()?,
                )
            };
            if name.is_none() && origins.is_none() {
                return Err(CliError::Input(
                    "nothing to change: give --name and/or --origin".into(),
                ));
            }
            let site = store.update_site(&id, name, origins).await?;
            if json {
                println!("{}", site_json(&site, &host));
            } else {
                let origins: Vec<&str> = site.origins.iter().map(Origin::as_str).collect();
                println!(
                    "Updated site \"{}\" ({}); allowed origins: {}",
                    site.name,
                    site.id,
                    origins.join(", ")
                );
            }
        }
        SiteCommand::List { json } => {
            let sites = store.list_sites().await?;
            if json {
                let list: Vec<_> = sites.iter().map(|s| site_json(s, &host)).collect();
                println!("{}", serde_json::Value::Array(list));
            } else {
                for site in sites {
                    let origins: Vec<&str> = site.origins.iter().map(Origin::as_str).collect();
                    println!(
                        "{}  {}  {}  {}",
                        site.id,
                        site.public_key,
                        site.name,
                        origins.join(",")
                    );
                }
            }
        }
    }
    Ok(())
}

async fn find_site(store: &dyn Store, key: &str) -> Result<Site, CliError> {
    let found = match SiteId::parse(key) {
        Ok(id) => store.site(&id).await?,
        Err(_) => store.site_by_public_key(key).await?,
    };
    found.ok_or_else(|| CliError::Input(format!("--site: no site with id or public key `{key}`")))
}

async fn agent_command(store: &dyn Store, cmd: AgentCommand) -> Result<(), CliError> {
    let (email, sites, role, name, password_stdin, json) = match cmd {
        AgentCommand::Create {
            email,
            sites,
            role,
            name,
            password_stdin,
            json,
        } => (email, sites, role, name, password_stdin, json),
        AgentCommand::ResetPassword {
            email,
            password_stdin,
            json,
        } => return reset_password(store, &email, password_stdin, json).await,
    };
    let email = Email::parse(&email).map_err(|e| CliError::Input(format!("--email: {e}")))?;
    let role = Role::parse(&role).map_err(|e| CliError::Input(format!("--role: {e}")))?;
    let mut memberships = Vec::new();
    for key in &sites {
        memberships.push((find_site(store, key).await?.id, role));
    }
    let (password, generated, hash) = new_password(password_stdin, &email).await?;
    let display_name = name.unwrap_or_else(|| {
        email
            .as_str()
            .split('@')
            .next()
            .unwrap_or("Agent")
            .to_owned()
    });
    let agent = store
        .create_agent(NewAgent {
            email,
            display_name,
            password_hash: hash,
            must_change_password: generated,
            memberships: memberships.clone(),
        })
        .await?;
    let site_ids: Vec<&SiteId> = memberships.iter().map(|(s, _)| s).collect();
    if json {
        let mut out = json!({
            "id": agent.id,
            "email": agent.email,
            "display_name": agent.display_name,
            "role": role,
            "sites": site_ids,
        });
        if generated {
            out["password"] = json!(password);
        }
        println!("{out}");
    } else {
        println!(
            "Created {} {} ({}) on {} site(s)",
            role.as_str(),
            agent.email,
            agent.id,
            site_ids.len()
        );
        if generated {
            println!("One-time password: {password} (change it after the first login)");
        }
    }
    Ok(())
}

/// A password for `email`: the first line of standard input (checked like one set through
/// the API) or a generated one (random, passing by construction); with whether it was
/// generated, and its hash.
async fn new_password(from_stdin: bool, email: &Email) -> Result<(String, bool, String), CliError> {
    let (password, generated) = if from_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        (line.trim_end_matches(['\r', '\n']).to_owned(), false)
    } else {
        (generate_password(), true)
    };
    if !generated {
        check_new_password(&password, email)
            .map_err(|e| CliError::Input(format!("password: {e}")))?;
    }
    let hash = hash_password(password.clone())
        .await
        .map_err(|e| CliError::Input(format!("password: {e}")))?;
    Ok((password, generated, hash))
}

/// `agent reset-password`: a new password for an existing account, every session of it
/// signed out (the token generation moves on), and a generated one to be changed at login.
async fn reset_password(
    store: &dyn Store,
    email: &str,
    password_stdin: bool,
    json: bool,
) -> Result<(), CliError> {
    let email = Email::parse(email).map_err(|e| CliError::Input(format!("--email: {e}")))?;
    let Some(account) = store.agent_credentials(&email).await? else {
        return Err(CliError::Input(format!(
            "--email: no account with the login `{}`",
            email.as_str()
        )));
    };
    let (password, generated, hash) = new_password(password_stdin, &email).await?;
    store
        .set_password(&account.agent.id, hash, generated)
        .await?;
    if json {
        let mut out = json!({ "id": account.agent.id, "email": email.as_str() });
        if generated {
            out["password"] = json!(password);
        }
        println!("{out}");
    } else {
        println!(
            "New password set for {} ({}); its sessions are signed out.",
            email.as_str(),
            account.agent.id
        );
        if generated {
            println!("One-time password: {password} (change it after the first login)");
        }
    }
    Ok(())
}
