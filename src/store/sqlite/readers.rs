//! Read connections. In WAL mode readers never wait for the writer, so reads run on
//! [`MAX_READERS`] threads of their own, each with a read-only connection, taking jobs from
//! one bounded queue: a burst of thousands of reads waits in the queue (callers wait for room
//! when it is full) and each thread runs the queued reads one after another without going
//! back to sleep. Before, every read took a semaphore slot and a trip through tokio's
//! blocking pool, so each read cost two thread wake-ups on top of its query.

use super::super::StoreError;
use super::errors::db;
use rusqlite::{Connection, OpenFlags};
use std::path::Path;
use std::sync::{Arc, Mutex};
use tokio::sync::{mpsc, oneshot};

/// Reads running at once, and connections kept open; more buys nothing on a few cores.
const MAX_READERS: usize = 8;

/// Reads that may wait for a reader thread before callers are made to wait too.
const READ_QUEUE: usize = 4096;

/// One read: runs with the thread's connection, or with the reason it has none.
type ReadJob = Box<dyn FnOnce(Result<&Connection, StoreError>) + Send>;

/// The queue to a pool of reader threads with a read-only connection each.
#[derive(Clone)]
pub(super) struct Readers {
    tx: mpsc::Sender<ReadJob>,
}

impl Readers {
    /// Starts the reader threads on the database at `path`; they stop when the last handle
    /// to the queue is dropped.
    pub(super) fn start(path: &Path) -> Result<Self, String> {
        let (tx, rx) = mpsc::channel::<ReadJob>(READ_QUEUE);
        let rx = Arc::new(Mutex::new(rx));
        for n in 0..MAX_READERS {
            let (rx, path) = (rx.clone(), path.to_path_buf());
            std::thread::Builder::new()
                .name(format!("shopchat-sqlite-reader-{n}"))
                .spawn(move || reader_loop(&path, &rx))
                .map_err(|e| format!("cannot start a reader: {e}"))?;
        }
        Ok(Readers { tx })
    }

    /// Runs `work` on a read connection off the async workers.
    pub(super) async fn run<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
        T: Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job: ReadJob = Box::new(move |conn| {
            // The caller may have gone away (a closed socket); nobody to tell then.
            let _ = reply.send(conn.and_then(work));
        });
        self.tx.send(job).await.map_err(|_| StoreError::closed())?;
        answer.await.map_err(|_| StoreError::closed())?
    }
}

fn reader_loop(path: &Path, rx: &Mutex<mpsc::Receiver<ReadJob>>) {
    let mut conn: Option<Connection> = None;
    loop {
        // One thread waits on the queue at a time; the others wait for the lock, and take
        // the next job as soon as it hands the lock on with its own.
        let job = match rx.lock() {
            Ok(mut rx) => rx.blocking_recv(),
            Err(_) => None,
        };
        let Some(job) = job else {
            return;
        };
        if conn.is_none() {
            match open(path) {
                Ok(opened) => conn = Some(opened),
                Err(e) => {
                    job(Err(e));
                    continue;
                }
            }
        }
        // A read that panics loses only its own answer (its caller sees the store as
        // closed); the thread and its connection carry on with the next.
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match conn.as_ref() {
            Some(c) => job(Ok(c)),
            None => job(Err(StoreError::closed())),
        }));
    }
}

fn open(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(db("open read connection"))?;
    conn.busy_timeout(std::time::Duration::from_secs(5))
        .map_err(db("busy timeout"))?;
    conn.set_prepared_statement_cache_capacity(super::STATEMENT_CACHE);
    Ok(conn)
}
