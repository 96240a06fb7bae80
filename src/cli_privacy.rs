//! `shopchat privacy …`: an owner's data-subject requests and the retention sweep from the
//! command line, against the configured store (the SQLite data dir or the cluster's Redis),
//! through the same functions the REST API uses, each export and erasure audited as `cli`.
//! Output is JSON on stdout, so it can be piped to a file or `jq`.
//!
//! A command run beside a server learns nothing live: a shopper connected at that moment
//! keeps their tab's conversation on screen and their node's in-memory browsing state,
//! which that node saves again when they leave. Erase through the REST API while the shop
//! is open; the CLI is for a stopped server or a shopper long gone.

use super::{CliError, find_site};
use crate::chat::privacy::{erase_audited, export_audited, sweep};
use crate::domain::Timestamp;
use crate::privacy::{Actor, Subject, SubjectRequest};
use crate::store::Store;
use clap::{Args, Subcommand};
use serde_json::json;

/// `shopchat privacy ...`
#[derive(Debug, Subcommand)]
pub enum PrivacyCommand {
    /// Print everything a site holds about one person as JSON (audited as `cli`).
    Export(SubjectArgs),
    /// Erase everything a site holds about one person (audited as `cli`; idempotent).
    Erase(SubjectArgs),
    /// Print a site's audit of exports and erasures as JSON, newest first.
    Audit {
        /// Site id or public key.
        #[arg(long)]
        site: String,
    },
    /// Apply every site's retention periods now (the server does it hourly).
    Sweep,
}

/// The site and exactly one way to name the person.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("subject").required(true).args(["visitor", "email", "customer"])))]
pub struct SubjectArgs {
    /// Site id or public key.
    #[arg(long)]
    site: String,
    /// A visitor id (`v_…`).
    #[arg(long)]
    visitor: Option<String>,
    /// An email address: every visitor whose identity carries it, and its email records.
    #[arg(long)]
    email: Option<String>,
    /// The shop's customer id.
    #[arg(long)]
    customer: Option<String>,
}

impl SubjectArgs {
    /// The subject, checked as the REST API checks it.
    fn subject(&self) -> Result<Subject, CliError> {
        SubjectRequest {
            visitor_id: self.visitor.clone(),
            email: self.email.clone(),
            customer_id: self.customer.clone(),
        }
        .subject()
        .map_err(|e| {
            let flag = match e.field {
                "visitor_id" => "--visitor",
                "email" => "--email",
                _ => "--customer",
            };
            CliError::Input(format!("{flag}: {}", e.message))
        })
    }
}

/// Runs one `privacy` command.
pub(super) async fn run(store: &dyn Store, cmd: PrivacyCommand) -> Result<(), CliError> {
    match cmd {
        PrivacyCommand::Export(args) => {
            let site = find_site(store, &args.site).await?.id;
            let doc = export_audited(store, &site, &args.subject()?, Actor::Cli).await?;
            let text = serde_json::to_string_pretty(&doc)
                .map_err(|e| CliError::Input(format!("cannot encode the export: {e}")))?;
            println!("{text}");
        }
        PrivacyCommand::Erase(args) => {
            let site = find_site(store, &args.site).await?.id;
            let (counts, _) = erase_audited(store, &site, &args.subject()?, Actor::Cli).await?;
            println!("{}", json!({ "erased": counts }));
        }
        PrivacyCommand::Audit { site } => {
            let site = find_site(store, &site).await?.id;
            let entries = store.audit(&site, crate::chat::privacy::AUDIT_KEEP).await?;
            println!("{}", json!({ "entries": entries }));
        }
        PrivacyCommand::Sweep => {
            let report = sweep(store, Timestamp::now(), &|| false).await?;
            println!("{}", json!({ "removed": report }));
        }
    }
    Ok(())
}
