//! `shopchat backup` and `shopchat restore`: a consistent copy of the SQLite store taken
//! while the server runs, and putting one back while it does not. The work is in
//! [`crate::store::sqlite::backup`]; this file parses the flags and prints what was done.
//!
//! A Redis store is backed up with Redis's own tools (its RDB snapshot or AOF), which see
//! every node's writes; the commands say so and fail rather than copy nothing.

use super::CliError;
use crate::config::Settings;
use crate::store::sqlite::backup::{self, Summary};
use clap::Args;
use std::path::PathBuf;

/// `shopchat backup --to FILE [--force]`
#[derive(Debug, Args)]
pub struct BackupArgs {
    /// The file to write the backup to (written under a temporary name, then renamed).
    #[arg(long, value_name = "FILE")]
    to: PathBuf,
    /// Overwrite FILE if it exists.
    #[arg(long)]
    force: bool,
}

/// `shopchat restore --from FILE`
#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// A backup made by `shopchat backup` (or the database file of a stopped server).
    #[arg(long, value_name = "FILE")]
    from: PathBuf,
}

/// What to do instead when the store is in Redis.
const REDIS_STORE: &str = "the store is in Redis (--redis / redis_url): back it up and restore it \
with Redis's own tools — BGSAVE and copy dump.rdb, or copy the appendonly directory with AOF on \
(see README, \"Backup and restore\"); `shopchat backup` and `restore` copy the SQLite store only";

/// Runs `shopchat backup`.
pub(super) async fn backup(settings: &Settings, args: BackupArgs) -> Result<(), CliError> {
    if settings.redis_url.is_some() {
        return Err(CliError::Input(REDIS_STORE.into()));
    }
    let data_dir = settings.data_dir.clone();
    let summary = blocking(move || backup::backup(&data_dir, &args.to, args.force)).await?;
    println!(
        "Backed up {} to {} ({} bytes, schema version {})",
        settings
            .data_dir
            .join(crate::store::sqlite::DB_FILE)
            .display(),
        summary.path.display(),
        summary.bytes,
        summary.schema_version
    );
    print_tables(&summary);
    Ok(())
}

/// Runs `shopchat restore`.
pub(super) async fn restore(settings: &Settings, args: RestoreArgs) -> Result<(), CliError> {
    if settings.redis_url.is_some() {
        return Err(CliError::Input(REDIS_STORE.into()));
    }
    let data_dir = settings.data_dir.clone();
    let from = args.from.clone();
    let restored = blocking(move || backup::restore(&data_dir, &from)).await?;
    let s = &restored.summary;
    println!(
        "Restored {} into {} ({} bytes, schema version {})",
        args.from.display(),
        s.path.display(),
        s.bytes,
        s.schema_version
    );
    if s.schema_version < s.current_version {
        println!(
            "This binary's schema is version {}: the next start migrates it forward.",
            s.current_version
        );
    }
    match &restored.previous {
        Some(kept) => println!("The database it replaced is kept as {}", kept.display()),
        None => println!("There was no database to replace."),
    }
    print_tables(s);
    Ok(())
}

/// The tables and rows in all, then each table that has rows, so the operator sees the copy
/// holds what they expect (the empty ones would only bury them).
fn print_tables(summary: &Summary) {
    let rows: u64 = summary.tables.iter().map(|(_, rows)| rows).sum();
    println!("{} tables, {rows} rows:", summary.tables.len());
    let filled: Vec<&(String, u64)> = summary.tables.iter().filter(|(_, r)| *r > 0).collect();
    let width = filled.iter().map(|(name, _)| name.len()).max().unwrap_or(0);
    for (name, rows) in filled {
        println!("  {name:<width$}  {rows}");
    }
}

/// Runs file and SQLite work off the async runtime.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, backup::BackupError> + Send + 'static,
) -> Result<T, CliError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| CliError::Input(format!("the backup task failed: {e}")))?
        .map_err(|e| CliError::Input(e.to_string()))
}
