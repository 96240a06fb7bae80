//! Read connections. In WAL mode readers never wait for the writer, so reads run on tokio's
//! blocking pool with a connection each, taken from a free list. At most [`MAX_READERS`] run
//! at once: a burst of thousands of reads then waits its turn on an async semaphore instead of
//! starting hundreds of blocking threads that each open (and close) a connection of their own.

use super::super::StoreError;
use super::errors::db;
use rusqlite::{Connection, OpenFlags};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// Reads running at once, and connections kept open; more buys nothing on a few cores.
const MAX_READERS: usize = 8;

/// A pool of read-only connections to one database file.
#[derive(Clone)]
pub(super) struct Readers {
    path: Arc<PathBuf>,
    idle: Arc<Mutex<Vec<Connection>>>,
    slots: Arc<tokio::sync::Semaphore>,
}

impl Readers {
    pub(super) fn new(path: PathBuf) -> Self {
        Readers {
            path: Arc::new(path),
            idle: Arc::new(Mutex::new(Vec::new())),
            slots: Arc::new(tokio::sync::Semaphore::new(MAX_READERS)),
        }
    }

    /// Runs `work` on a read connection off the async workers.
    pub(super) async fn run<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
        T: Send + 'static,
    {
        let slot = self
            .slots
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| StoreError::closed())?;
        let this = self.clone();
        tokio::task::spawn_blocking(move || {
            let _slot = slot;
            let conn = this.take()?;
            let result = work(&conn);
            this.give_back(conn);
            result
        })
        .await
        .map_err(|_| StoreError::closed())?
    }

    fn take(&self) -> Result<Connection, StoreError> {
        if let Some(conn) = self.idle.lock().ok().and_then(|mut idle| idle.pop()) {
            return Ok(conn);
        }
        let conn = Connection::open_with_flags(
            self.path.as_path(),
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(db("open read connection"))?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(db("busy timeout"))?;
        conn.set_prepared_statement_cache_capacity(super::STATEMENT_CACHE);
        Ok(conn)
    }

    fn give_back(&self, conn: Connection) {
        if let Ok(mut idle) = self.idle.lock()
            && idle.len() < MAX_READERS
        {
            idle.push(conn);
        }
    }
}
