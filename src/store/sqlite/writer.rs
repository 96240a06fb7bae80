//! The single writer thread. SQLite allows one writer at a time and its calls block, so all
//! writes go to one OS thread that owns the write connection, off the async workers. Jobs that
//! queue up while a commit is in flight are run together in one transaction (one fsync for
//! many messages). Replies are sent only after the commit, which is what makes an `ack` mean
//! durable.
//!
//! How a failing job is kept from undoing, or half-writing into, the others in its batch:
//! - [`Writer::run`] runs the job inside its own savepoint: a job that fails after writing is
//!   rolled back alone. For jobs that may fail half-way on purpose (several inserts where a
//!   later one can hit a unique key), and for the rare administrative writes.
//! - [`Writer::run_checked`] runs without a savepoint, for jobs that check before they write
//!   (the hot path: appending a message, compare-and-set, read marks, browsing state): they
//!   fail before their first change or not at all, so nothing needs undoing. If one does fail
//!   after changing rows anyway (a disk or driver error), the whole batch is rolled back and
//!   every job in it gets the error: nothing half-written is ever committed or acknowledged.
//! - [`Writer::submit`] queues a checked job without waiting for its commit (write-behind),
//!   for state that may trail (browsing state); only the queue's room is waited for.
//!
//! After each round's commit (its replies sent) the thread runs one bounded step of search
//! indexing ([`super::search_index`]), and works off a longer backlog while no job waits.

use super::super::StoreError;
use super::checkpoint::{self, Checkpointer};
use super::errors::{commit_failed, db};
use super::search_index;
use rusqlite::Connection;
use std::path::Path;
use std::sync::Mutex;
use std::thread::JoinHandle;
use tokio::sync::{mpsc, oneshot};

/// Most jobs folded into one transaction: all that can be queued ([`super::WRITE_QUEUE`]). A
/// batch is whatever queued while the last one committed, so at low load it is a few jobs and
/// adds no wait; under load it grows, and SQLite's rate per row keeps rising with the rows per
/// commit up to about 4,096 (`cargo bench --bench writer`: 18.6k rows/s at 256, 33.2k at
/// 4,096). The cap of 256 held the writer to small commits when thousands of jobs waited.
const MAX_BATCH: usize = super::WRITE_QUEUE;

/// How a job's changes are kept apart from the other jobs in its batch.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Guard {
    /// In a savepoint of its own: a failure undoes this job only.
    Savepoint,
    /// No savepoint: the job fails before it writes; failing after poisons the batch.
    Checked,
}

trait Job: Send {
    /// Runs the job's statements and keeps its result until the batch commits; `true` as the
    /// second value when the job failed after changing rows that no savepoint can undo.
    fn run(self: Box<Self>, conn: &Connection) -> (Box<dyn Completion>, bool);
    /// The batch could not start or was rolled back before the job ran; it never ran.
    fn abort(self: Box<Self>, reason: String);
}

trait Completion: Send {
    /// Delivers the job's result, or the commit's failure.
    fn finish(self: Box<Self>, commit: Result<(), String>);
}

/// Where a job's outcome goes: a waiting caller, or the log for a write-behind.
enum Reply<T> {
    Caller(oneshot::Sender<Result<T, StoreError>>),
    Behind(&'static str),
}

impl<T> Reply<T> {
    fn send(self, outcome: Result<T, StoreError>) {
        match self {
            // The caller may have gone away (a closed socket); nobody to tell then.
            Reply::Caller(tx) => {
                let _ = tx.send(outcome);
            }
            Reply::Behind(what) => {
                if let Err(e) = outcome {
                    metrics::counter!("shopchat_store_write_behind_failed_total").increment(1);
                    tracing::warn!(error = %e, what, "write-behind failed");
                }
            }
        }
    }
}

struct FnJob<F, T> {
    work: F,
    guard: Guard,
    reply: Reply<T>,
}

struct Done<T> {
    result: Result<T, StoreError>,
    reply: Reply<T>,
}

impl<F, T> Job for FnJob<F, T>
where
    F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    T: Send + 'static,
{
    fn run(self: Box<Self>, conn: &Connection) -> (Box<dyn Completion>, bool) {
        let (result, poisoned) = match self.guard {
            Guard::Savepoint => (in_savepoint(conn, self.work), false),
            Guard::Checked => {
                let before = conn.total_changes();
                let result = (self.work)(conn);
                let poisoned = result.is_err() && conn.total_changes() != before;
                (result, poisoned)
            }
        };
        let done = Done {
            result,
            reply: self.reply,
        };
        (Box::new(done), poisoned)
    }

    fn abort(self: Box<Self>, reason: String) {
        self.reply.send(Err(commit_failed(reason)));
    }
}

impl<T: Send + 'static> Completion for Done<T> {
    fn finish(self: Box<Self>, commit: Result<(), String>) {
        let outcome = match commit {
            Ok(()) => self.result,
            Err(reason) => Err(commit_failed(reason)),
        };
        self.reply.send(outcome);
    }
}

/// Runs one of the writer's fixed control statements, parsed once and kept in the cache.
fn control(conn: &Connection, sql: &'static str) -> rusqlite::Result<()> {
    conn.prepare_cached(sql)?.execute([]).map(drop)
}

fn in_savepoint<T>(
    conn: &Connection,
    work: impl FnOnce(&Connection) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    control(conn, "SAVEPOINT job").map_err(db("savepoint"))?;
    match work(conn) {
        Ok(value) => {
            control(conn, "RELEASE job").map_err(db("release savepoint"))?;
            Ok(value)
        }
        Err(e) => {
            control(conn, "ROLLBACK TO job").map_err(db("rollback savepoint"))?;
            control(conn, "RELEASE job").map_err(db("release savepoint"))?;
            Err(e)
        }
    }
}

enum Command {
    Job(Box<dyn Job>),
    Close,
}

/// Handle to the writer thread.
pub(super) struct Writer {
    tx: mpsc::Sender<Command>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl Writer {
    /// Starts the thread, with the checkpointer beside it on the database at `path`;
    /// `capacity` bounds the queue of waiting jobs (callers wait when full).
    pub(super) fn start(
        mut conn: Connection,
        path: &Path,
        capacity: usize,
    ) -> Result<Self, String> {
        checkpoint::watch(&mut conn).map_err(|e| format!("cannot watch the WAL: {e}"))?;
        let checkpointer = Checkpointer::start(path)?;
        let (tx, rx) = mpsc::channel(capacity);
        let thread = std::thread::Builder::new()
            .name("shopchat-sqlite-writer".into())
            .spawn(move || writer_loop(conn, rx, checkpointer))
            .map_err(|e| format!("cannot start the writer: {e}"))?;
        Ok(Writer {
            tx,
            thread: Mutex::new(Some(thread)),
        })
    }

    /// Runs `work` in its own savepoint in the next transaction; returns once that
    /// transaction has committed.
    pub(super) async fn run<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
        T: Send + 'static,
    {
        self.wait(work, Guard::Savepoint).await
    }

    /// Runs `work`, which checks before it writes, in the next transaction without a
    /// savepoint; returns once that transaction has committed.
    pub(super) async fn run_checked<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
        T: Send + 'static,
    {
        self.wait(work, Guard::Checked).await
    }

    /// Queues `work` (checked, as [`Writer::run_checked`]) and returns without waiting for
    /// its commit: once queued it is written in order with everything queued after it, and a
    /// failure is logged as `what`. When the queue is full this waits for room, like every
    /// other write: browsing state is never dropped, and the queue stays bounded.
    pub(super) async fn submit<F>(&self, what: &'static str, work: F) -> Result<(), StoreError>
    where
        F: FnOnce(&Connection) -> Result<(), StoreError> + Send + 'static,
    {
        let job: Box<dyn Job> = Box::new(FnJob {
            work,
            guard: Guard::Checked,
            reply: Reply::Behind(what),
        });
        self.tx
            .send(Command::Job(job))
            .await
            .map_err(|_| StoreError::closed())
    }

    async fn wait<T, F>(&self, work: F, guard: Guard) -> Result<T, StoreError>
    where
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
        T: Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job: Box<dyn Job> = Box::new(FnJob {
            work,
            guard,
            reply: Reply::Caller(reply),
        });
        self.tx
            .send(Command::Job(job))
            .await
            .map_err(|_| StoreError::closed())?;
        answer.await.map_err(|_| StoreError::closed())?
    }

    /// Lets the jobs already queued finish, then stops the thread and waits for it.
    pub(super) async fn close(&self) {
        let _ = self.tx.send(Command::Close).await;
        let handle = self.thread.lock().ok().and_then(|mut t| t.take());
        if let Some(handle) = handle {
            let _ = tokio::task::spawn_blocking(move || handle.join()).await;
        }
    }
}

fn writer_loop(conn: Connection, mut rx: mpsc::Receiver<Command>, checkpointer: Checkpointer) {
    let mut batch: Vec<Box<dyn Job>> = Vec::with_capacity(MAX_BATCH);
    // Messages committed before this start (a crash between a commit and its indexing) are
    // indexed first thing, step by step like any backlog.
    let mut behind = true;
    loop {
        let first = if behind {
            // A backlog to index: take jobs first, index only when none waits.
            match rx.try_recv() {
                Ok(command) => command,
                Err(mpsc::error::TryRecvError::Empty) => {
                    match index_step(&conn) {
                        Some(more) => behind = more,
                        None => break,
                    }
                    checkpointer.after_commit(&conn);
                    continue;
                }
                Err(mpsc::error::TryRecvError::Disconnected) => break,
            }
        } else {
            match rx.blocking_recv() {
                Some(command) => command,
                None => break,
            }
        };
        let mut closing = false;
        match first {
            Command::Job(job) => batch.push(job),
            Command::Close => closing = true,
        }
        while !closing && batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(Command::Job(job)) => batch.push(job),
                Ok(Command::Close) => closing = true,
                Err(_) => break,
            }
        }
        if !batch.is_empty() {
            run_batch(&conn, &mut batch);
            // The round's replies are sent: index what it wrote, off the acknowledged path.
            match index_step(&conn) {
                Some(more) => behind = more,
                None => break,
            }
            checkpointer.after_commit(&conn);
        }
        if closing {
            break;
        }
    }
    checkpointer.stop();
    // Fold the WAL back into the main file so a stopped server leaves one tidy file.
    if let Err(e) = conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)") {
        tracing::warn!(error = %e, "checkpoint at shutdown failed");
    }
    tracing::debug!("sqlite writer stopped");
}

/// One step of search indexing ([`search_index::step`]): `Some(true)` when messages are left
/// for another step. A failed step is logged and retried at the next round (the mark did not
/// move). `None` when the connection could not be put back to synchronous commits: the
/// writer must stop rather than acknowledge writes that a power cut could undo.
fn index_step(conn: &Connection) -> Option<bool> {
    match search_index::step(conn, search_index::STEP) {
        Ok(more) => Some(more),
        Err(e) => {
            let synced: rusqlite::Result<i64> =
                conn.query_row("PRAGMA synchronous", [], |r| r.get(0));
            // 2 is FULL.
            if !matches!(synced, Ok(2)) {
                tracing::error!(error = %e, "the writer cannot restore synchronous commits; stopping");
                return None;
            }
            metrics::counter!("shopchat_store_index_failed_total").increment(1);
            tracing::warn!(error = %e, "search indexing step failed; retried next round");
            Some(false)
        }
    }
}

fn run_batch(conn: &Connection, batch: &mut Vec<Box<dyn Job>>) {
    if let Err(e) = control(conn, "BEGIN IMMEDIATE") {
        let reason = format!("cannot begin a transaction: {e}");
        tracing::error!(%reason, jobs = batch.len(), "write batch refused");
        for job in batch.drain(..) {
            job.abort(reason.clone());
        }
        return;
    }
    let started = std::time::Instant::now();
    metrics::histogram!("shopchat_store_batch_jobs").record(batch.len() as f64);
    let mut done: Vec<Box<dyn Completion>> = Vec::with_capacity(batch.len());
    let mut jobs = batch.drain(..);
    let mut poisoned = false;
    for job in jobs.by_ref() {
        let (completion, half_written) = job.run(conn);
        done.push(completion);
        if half_written {
            poisoned = true;
            break;
        }
    }
    let commit = if poisoned {
        let reason = "a job failed after writing; its batch was rolled back".to_owned();
        tracing::error!(jobs = done.len(), "{reason}");
        let _ = control(conn, "ROLLBACK");
        for job in jobs {
            job.abort(reason.clone());
        }
        Err(reason)
    } else {
        drop(jobs);
        control(conn, "COMMIT").map_err(|e| {
            let _ = control(conn, "ROLLBACK");
            tracing::error!(error = %e, jobs = done.len(), "write batch failed to commit");
            e.to_string()
        })
    };
    metrics::histogram!("shopchat_store_commit_seconds").record(started.elapsed().as_secs_f64());
    for completion in done {
        completion.finish(commit.clone());
    }
}
