//! The single writer thread. SQLite allows one writer at a time and its calls block, so all
//! writes go to one OS thread that owns the write connection, off the async workers. Jobs that
//! queue up while a commit is in flight are run together in one transaction (one fsync for
//! many messages); each job runs inside its own savepoint so one failing job does not undo the
//! others. Replies are sent only after the commit, which is what makes an `ack` mean durable.

use super::super::StoreError;
use super::errors::{commit_failed, db};
use rusqlite::Connection;
use std::sync::Mutex;
use std::thread::JoinHandle;
use tokio::sync::{mpsc, oneshot};

/// Most jobs folded into one transaction; bounds the latency a batch adds to its first job.
const MAX_BATCH: usize = 256;

trait Job: Send {
    /// Runs the job's statements and keeps its result until the batch commits.
    fn run(self: Box<Self>, conn: &Connection) -> Box<dyn Completion>;
    /// The batch could not start; the job never ran.
    fn abort(self: Box<Self>, reason: String);
}

trait Completion: Send {
    /// Delivers the job's result, or the commit's failure.
    fn finish(self: Box<Self>, commit: Result<(), String>);
}

struct FnJob<F, T> {
    work: F,
    reply: oneshot::Sender<Result<T, StoreError>>,
}

struct Done<T> {
    result: Result<T, StoreError>,
    reply: oneshot::Sender<Result<T, StoreError>>,
}

impl<F, T> Job for FnJob<F, T>
where
    F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    T: Send + 'static,
{
    fn run(self: Box<Self>, conn: &Connection) -> Box<dyn Completion> {
        let result = in_savepoint(conn, self.work);
        Box::new(Done {
            result,
            reply: self.reply,
        })
    }

    fn abort(self: Box<Self>, reason: String) {
        // The caller may have gone away (a closed socket); nobody to tell then.
        let _ = self.reply.send(Err(commit_failed(reason)));
    }
}

impl<T: Send + 'static> Completion for Done<T> {
    fn finish(self: Box<Self>, commit: Result<(), String>) {
        let outcome = match commit {
            Ok(()) => self.result,
            Err(reason) => Err(commit_failed(reason)),
        };
        let _ = self.reply.send(outcome);
    }
}

fn in_savepoint<T>(
    conn: &Connection,
    work: impl FnOnce(&Connection) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    conn.execute_batch("SAVEPOINT job")
        .map_err(db("savepoint"))?;
    match work(conn) {
        Ok(value) => {
            conn.execute_batch("RELEASE job")
                .map_err(db("release savepoint"))?;
            Ok(value)
        }
        Err(e) => {
            conn.execute_batch("ROLLBACK TO job; RELEASE job")
                .map_err(db("rollback savepoint"))?;
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
    /// Starts the thread; `capacity` bounds the queue of waiting jobs (callers wait when full).
    pub(super) fn start(conn: Connection, capacity: usize) -> Result<Self, std::io::Error> {
        let (tx, rx) = mpsc::channel(capacity);
        let thread = std::thread::Builder::new()
            .name("shopchat-sqlite-writer".into())
            .spawn(move || writer_loop(conn, rx))?;
        Ok(Writer {
            tx,
            thread: Mutex::new(Some(thread)),
        })
    }

    /// Runs `work` in the next transaction; returns once that transaction has committed.
    pub(super) async fn run<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
        T: Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job: Box<dyn Job> = Box::new(FnJob { work, reply });
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

fn writer_loop(conn: Connection, mut rx: mpsc::Receiver<Command>) {
    let mut batch: Vec<Box<dyn Job>> = Vec::with_capacity(MAX_BATCH);
    while let Some(first) = rx.blocking_recv() {
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
        }
        if closing {
            break;
        }
    }
    // Fold the WAL back into the main file so a stopped server leaves one tidy file.
    if let Err(e) = conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)") {
        tracing::warn!(error = %e, "checkpoint at shutdown failed");
    }
    tracing::debug!("sqlite writer stopped");
}

fn run_batch(conn: &Connection, batch: &mut Vec<Box<dyn Job>>) {
    if let Err(e) = conn.execute_batch("BEGIN IMMEDIATE") {
        let reason = format!("cannot begin a transaction: {e}");
        tracing::error!(%reason, jobs = batch.len(), "write batch refused");
        for job in batch.drain(..) {
            job.abort(reason.clone());
        }
        return;
    }
    let started = std::time::Instant::now();
    metrics::histogram!("shopchat_store_batch_jobs").record(batch.len() as f64);
    let done: Vec<Box<dyn Completion>> = batch.drain(..).map(|job| job.run(conn)).collect();
    let commit = conn.execute_batch("COMMIT").map_err(|e| {
        let _ = conn.execute_batch("ROLLBACK");
        tracing::error!(error = %e, jobs = done.len(), "write batch failed to commit");
        e.to_string()
    });
    metrics::histogram!("shopchat_store_commit_seconds").record(started.elapsed().as_secs_f64());
    for completion in done {
        completion.finish(commit.clone());
    }
}
