//! WAL checkpoints off the writer thread. SQLite's own `wal_autocheckpoint` copies the whole
//! WAL back into the database file (and fsyncs it) inside the commit that crossed the limit,
//! so every so often one batch of acks waited for a full checkpoint. Here the writer only
//! counts the WAL's pages (SQLite's WAL hook, after each commit) and a checkpointer thread
//! with its own connection does the copying beside it:
//!
//! 1. When the WAL passes [`SOFT_PAGES`] the checkpointer runs a PASSIVE checkpoint: it copies
//!    every frame committed so far while the writer keeps committing; then again (at most
//!    [`MAX_PASSES`] in all) while the last pass found more than [`SHORT_TAIL_PAGES`] new.
//! 2. The writer, at its next turn, runs a PASSIVE checkpoint of its own: it copies only what
//!    was committed during step 1, and since nothing is committed meanwhile the WAL is then
//!    fully copied, so the next transaction starts the WAL again from its beginning (unless a
//!    reader still reads an older snapshot; then it grows until the next round).
//! 3. If the WAL still reaches [`HARD_PAGES`] (readers kept it from restarting, or the
//!    checkpointer fell behind), the writer runs a RESTART checkpoint itself, which waits for
//!    those readers: the WAL never holds much more than [`HARD_PAGES`] (128 MiB) plus one
//!    batch.

use rusqlite::Connection;
use std::cell::Cell;
use std::path::Path;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Instant;

/// WAL pages (4 KiB each: 32 MiB) at which the checkpointer starts copying. Hot pages (the
/// tail of the messages table, the indexes of the chats in flight) are rewritten many times
/// in the WAL between two checkpoints but copied once per checkpoint, so a larger WAL means
/// fewer bytes written per message.
const SOFT_PAGES: u32 = 8192;

/// WAL pages (128 MiB) at which the writer checkpoints itself and waits for readers: the
/// bound on the WAL's size.
const HARD_PAGES: u32 = 4 * SOFT_PAGES;

thread_local! {
    /// Pages in the WAL after the last commit of the write connection on this thread. Each
    /// store's writer is a thread of its own, so each sees only its own database.
    static WAL_PAGES: Cell<u32> = const { Cell::new(0) };
}

/// SQLite's WAL hook: called on the committing thread after each commit, with the number of
/// pages now in the WAL.
fn note_wal_pages(_: &mut rusqlite::hooks::Wal, pages: std::ffi::c_int) -> rusqlite::Result<()> {
    WAL_PAGES.with(|p| p.set(u32::try_from(pages).unwrap_or(0)));
    Ok(())
}

/// Turns off SQLite's checkpoints inside commits and counts the WAL's pages instead; called
/// on the writer thread, for its connection.
pub(super) fn watch(conn: &mut Connection) -> rusqlite::Result<()> {
    // `wal_autocheckpoint` installs a WAL hook of its own; 0 removes it, then ours goes in.
    conn.pragma_update(None, "wal_autocheckpoint", 0)?;
    conn.wal_hook(Some(note_wal_pages))
}

#[derive(Default)]
struct State {
    /// The writer asked for a background pass and none has started yet.
    asked: bool,
    /// A background pass is running.
    running: bool,
    /// A background pass finished; the writer copies the rest at its next turn.
    finished: bool,
    stopping: bool,
}

struct Shared {
    state: Mutex<State>,
    wake: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A poisoned lock only means the other thread panicked mid-update of three flags;
        // they stay meaningful, so carry on with them.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The writer's side of the checkpointer thread.
pub(super) struct Checkpointer {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    /// Opens the checkpointer's own connection to `path` and starts its thread.
    pub(super) fn start(path: &Path) -> Result<Self, String> {
        let opened = Connection::open(path).and_then(|conn| {
            conn.busy_timeout(std::time::Duration::from_secs(5))?;
            // It never writes, but a connection's commits would checkpoint: none does.
            conn.pragma_update(None, "wal_autocheckpoint", 0)?;
            Ok(conn)
        });
        let conn = opened.map_err(|e| format!("cannot open the checkpoint connection: {e}"))?;
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            wake: Condvar::new(),
        });
        let theirs = shared.clone();
        let thread = std::thread::Builder::new()
            .name("shopchat-sqlite-checkpoint".into())
            .spawn(move || checkpoint_loop(&conn, &theirs))
            .map_err(|e| format!("cannot start the checkpointer: {e}"))?;
        Ok(Checkpointer {
            shared,
            thread: Some(thread),
        })
    }

    /// Called by the writer after each commit, on its own connection: asks for a background
    /// pass when the WAL passed [`SOFT_PAGES`], copies the rest after one, and checkpoints in
    /// place (waiting for readers) at [`HARD_PAGES`].
    pub(super) fn after_commit(&self, conn: &Connection) {
        let pages = WAL_PAGES.with(Cell::get);
        metrics::gauge!("shopchat_store_wal_pages").set(f64::from(pages));
        if pages >= HARD_PAGES {
            checkpoint(conn, "RESTART", "writer_restart");
            return;
        }
        let finish = {
            let mut state = self.shared.lock();
            if state.finished {
                state.finished = false;
                true
            } else {
                if pages >= SOFT_PAGES && !state.running && !state.asked {
                    state.asked = true;
                    self.shared.wake.notify_one();
                }
                false
            }
        };
        if finish {
            checkpoint(conn, "PASSIVE", "writer_tail");
        }
    }

    /// Stops the thread once its pass (if any) is done.
    pub(super) fn stop(mut self) {
        self.shared.lock().stopping = true;
        self.shared.wake.notify_one();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn checkpoint_loop(conn: &Connection, shared: &Shared) {
    loop {
        {
            let mut state = shared.lock();
            while !state.asked && !state.stopping {
                state = shared
                    .wake
                    .wait(state)
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
            }
            if state.stopping {
                return;
            }
            state.asked = false;
            state.running = true;
        }
        // Each pass copies what was committed during the one before; a few passes leave the
        // writer's tail (which it copies while nothing commits) short.
        let mut last = checkpoint(conn, "PASSIVE", "background");
        for _ in 1..MAX_PASSES {
            let (Some(before), Some(now)) = (last, checkpoint(conn, "PASSIVE", "background"))
            else {
                break;
            };
            last = Some(now);
            if now - before <= SHORT_TAIL_PAGES {
                break;
            }
        }
        let mut state = shared.lock();
        state.running = false;
        state.finished = true;
    }
}

/// Background passes in one round at most.
const MAX_PASSES: usize = 4;

/// Pages committed during a pass below which the round stops: the writer copies them itself.
const SHORT_TAIL_PAGES: i64 = 256;

/// Runs one checkpoint and returns the WAL's length in pages; a failure is logged (the WAL
/// keeps every commit either way, and the next round tries again).
fn checkpoint(conn: &Connection, mode: &'static str, role: &'static str) -> Option<i64> {
    let started = Instant::now();
    let sql = match mode {
        "RESTART" => "PRAGMA wal_checkpoint(RESTART)",
        _ => "PRAGMA wal_checkpoint(PASSIVE)",
    };
    let outcome = conn.query_row(sql, [], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, i64>(2)?,
        ))
    });
    metrics::histogram!("shopchat_store_checkpoint_seconds", "role" => role)
        .record(started.elapsed().as_secs_f64());
    match outcome {
        Ok((busy, wal, copied)) => {
            tracing::debug!(role, busy, wal, copied, "wal checkpoint");
            Some(wal)
        }
        Err(e) => {
            tracing::warn!(error = %e, role, "wal checkpoint failed");
            None
        }
    }
}
