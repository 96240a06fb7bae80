//! The embedded store: one SQLite file in the data directory, in WAL mode with full sync, so
//! a committed write survives a crash or power loss. Writes go through one writer thread that
//! batches them ([`writer`]); reads use a small pool of read-only connections ([`readers`]).
//! Each area of the [`super::Store`] contract is implemented in the file of that name
//! (`directory.rs`, `conversations.rs`, …), its SQL beside it (`*_sql.rs`) when it is long.

pub mod backup;
mod checkpoint;
mod commerce;
mod commerce_records;
mod commerce_sql;
mod conversation_sql;
mod conversations;
mod customers;
mod directory;
mod directory_sql;
mod errors;
pub mod files;
mod library;
mod mail;
mod mail_sql;
mod models;
mod outbound;
mod privacy;
mod privacy_sql;
mod ratings;
mod readers;
mod rules;
mod schema;
mod search_index;
mod search_sql;
mod stats;
mod visitors;
mod writer;

use super::StoreError;
use errors::{corrupt, db};
use readers::Readers;
use rusqlite::Connection;
use std::path::Path;
use writer::Writer;

/// Name of the database file inside the data directory.
pub const DB_FILE: &str = "shopchat.db";

/// The `PRAGMA user_version` of a database from before the conversation search index (issue
/// 19), wherever later migrations put it in the list: what a test of the index's back-fill
/// (or an operator's script) sets to make a database of that age.
pub fn schema_version_before_search() -> usize {
    schema::version_before(search_sql::MIGRATION)
}

/// Jobs that may wait for the writer before callers are made to wait too.
pub(super) const WRITE_QUEUE: usize = 4096;

/// The SQLite-backed [`super::Store`].
pub struct SqliteStore {
    writer: Writer,
    readers: Readers,
    /// Held until the store is closed, so a restore knows it is in use (see [`files`]).
    lock: std::sync::Mutex<Option<files::DirLock>>,
}

impl SqliteStore {
    /// Opens (creating if needed) the store in `data_dir` and brings its schema up to date.
    pub fn open(data_dir: &Path) -> Result<Self, StoreError> {
        let path = data_dir.join(DB_FILE);
        let fail = |reason: String| StoreError::Open {
            path: path.display().to_string(),
            reason,
        };
        files::prepare_dir(data_dir).map_err(|e| fail(format!("cannot create directory: {e}")))?;
        let lock = files::DirLock::shared(data_dir).map_err(|e| fail(e.to_string()))?;
        // Owner-only before SQLite opens it: the WAL and shared-memory files it creates take
        // the database file's mode.
        files::create_private(&path).map_err(|e| fail(e.to_string()))?;
        files::tighten_db_files(&path).map_err(|e| fail(e.to_string()))?;
        let mut conn = Connection::open(&path).map_err(|e| fail(e.to_string()))?;
        configure(&conn).map_err(|e| fail(e.to_string()))?;
        schema::migrate(&mut conn).map_err(|e| fail(format!("migration failed: {e}")))?;
        let writer = Writer::start(conn, &path, WRITE_QUEUE).map_err(fail)?;
        let readers = Readers::start(&path).map_err(fail)?;
        Ok(SqliteStore {
            writer,
            readers,
            lock: std::sync::Mutex::new(Some(lock)),
        })
    }

    /// Finishes queued writes and stops the writer thread; later calls fail as `Unavailable`.
    /// Releases the data dir's lock too: with nothing left to write, a restore may replace
    /// the file (reads still open see the old one, read-only).
    pub async fn close(&self) {
        self.writer.close().await;
        if let Ok(mut lock) = self.lock.lock() {
            lock.take();
        }
    }
}

/// Pages of the write connection's cache: 64 MiB at 4 KiB a page (negative = KiB). The
/// default 2 MiB cannot hold the indexes every message touches, so a busy node re-read them
/// from the OS at each batch; the cache grows only as pages are used.
const WRITER_CACHE_KIB: i64 = 64 * 1024;

/// What the WAL file is cut back to after a checkpoint resets it, so a burst that grew it
/// does not keep the disk space.
const JOURNAL_SIZE_LIMIT_BYTES: i64 = 64 * 1024 * 1024;

/// Statements kept prepared per connection: every query of every area fits, so none is
/// parsed again on the hot path (rusqlite keeps 16 by default).
pub(super) const STATEMENT_CACHE: usize = 256;

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    // WAL lets readers run beside the writer. FULL sync makes each commit survive power loss,
    // which is the promise an `ack` makes: in WAL mode it fsyncs the WAL at every commit
    // (NORMAL would not, and a power cut could lose acknowledged messages). Batching in the
    // writer keeps the fsync count low.
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "cache_size", -WRITER_CACHE_KIB)?;
    // No `wal_autocheckpoint`: the writer turns SQLite's checkpoints inside commits off and
    // a thread of its own checkpoints beside it (`checkpoint.rs`).
    conn.pragma_update(None, "journal_size_limit", JOURNAL_SIZE_LIMIT_BYTES)?;
    // Savepoint and statement journals in memory: they only ever undo part of an open
    // transaction, never protect committed data, and on disk they cost write calls.
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    Ok(())
}

/// Runs one statement through the connection's statement cache: parsed once, then reused.
pub(super) fn exec_cached(
    conn: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
) -> rusqlite::Result<usize> {
    conn.prepare_cached(sql)?.execute(params)
}

/// A seq a caller asked about, as SQLite's signed integer. Seqs the store writes never come
/// near `i64::MAX`; one asked for beyond it means "after everything", never a wrapped -1.
pub(super) fn seq_param(seq: u64) -> i64 {
    i64::try_from(seq).unwrap_or(i64::MAX)
}
