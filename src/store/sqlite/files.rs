//! The data directory on disk: who may read it, and who is using it.
//!
//! The database holds password hashes, the JWT signing secret, sites' identity secrets and
//! every conversation, so the directory is created `0700` and the database files `0600`
//! (Unix); an install made before that is tightened at start, with a log line saying so.
//!
//! `shopchat.lock` in the directory tells a restore whether anyone has the store open: every
//! process that opens the store (a server, a set-up command) holds a shared `flock` on it for
//! as long as the store lives, and a restore takes it exclusively, so it is refused while any
//! of them runs. The kernel drops a lock when its process dies, so a crash leaves no stale
//! lock behind (unlike a pid file).

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

/// Name of the lock file inside the data directory.
pub const LOCK_FILE: &str = "shopchat.lock";

/// The suffixes SQLite adds to the database's name for its WAL and shared-memory files.
const SIDE_FILES: [&str; 2] = ["-wal", "-shm"];

/// Creates `dir` (and its parents) owner-only, or tightens an existing one to `0700`.
pub fn prepare_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)?;
    tighten(dir, 0o700)
}

/// Creates `path` empty and owner-only unless it exists, so SQLite (which gives its WAL and
/// shared-memory files the database file's mode) never makes a readable one.
pub fn create_private(path: &Path) -> std::io::Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path).map(drop)
}

/// Tightens the database file and its WAL and shared-memory files to `0600` where they
/// exist and are looser.
pub fn tighten_db_files(db: &Path) -> std::io::Result<()> {
    tighten(db, 0o600)?;
    for suffix in SIDE_FILES {
        let side = side_file(db, suffix);
        if side.exists() {
            tighten(&side, 0o600)?;
        }
    }
    Ok(())
}

/// `db` with SQLite's `suffix` appended (`shopchat.db-wal`).
pub fn side_file(db: &Path, suffix: &str) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Sets `path` to `mode` when group or others have any access, and logs that it did.
#[cfg(unix)]
fn tighten(path: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let current = std::fs::metadata(path)?.permissions().mode() & 0o777;
    if current & 0o077 != 0 {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))?;
        tracing::warn!(
            path = %path.display(),
            was = format!("{current:o}"),
            now = format!("{mode:o}"),
            "tightened permissions: group and others could read shopchat's data"
        );
    }
    Ok(())
}

#[cfg(not(unix))]
fn tighten(_path: &Path, _mode: u32) -> std::io::Result<()> {
    Ok(())
}

/// A lock on the data directory, released when dropped (or when the process dies).
#[derive(Debug)]
pub struct DirLock {
    _file: File,
}

/// Why the data directory could not be locked.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another process holds the lock in a conflicting mode.
    #[error("{0}")]
    Busy(String),
    /// The lock file could not be opened or locked.
    #[error("cannot lock {path}: {source}")]
    Io {
        /// The lock file.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

impl DirLock {
    /// The shared lock every user of the store holds; fails only while a restore runs.
    pub fn shared(dir: &Path) -> Result<DirLock, LockError> {
        Self::take(dir, false)
    }

    /// The exclusive lock a restore holds; fails while anyone has the store open.
    pub fn exclusive(dir: &Path) -> Result<DirLock, LockError> {
        Self::take(dir, true)
    }

    fn take(dir: &Path, exclusive: bool) -> Result<DirLock, LockError> {
        let path = dir.join(LOCK_FILE);
        let io = |source| LockError::Io {
            path: path.display().to_string(),
            source,
        };
        create_private(&path).map_err(io)?;
        tighten(&path, 0o600).map_err(io)?;
        let file = OpenOptions::new().read(true).open(&path).map_err(io)?;
        let taken = if exclusive {
            file.try_lock()
        } else {
            file.try_lock_shared()
        };
        match taken {
            Ok(()) => Ok(DirLock { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) if exclusive => Err(LockError::Busy(format!(
                "{} is in use: a shopchat server or command has its store open; stop it first",
                dir.display()
            ))),
            Err(std::fs::TryLockError::WouldBlock) => Err(LockError::Busy(format!(
                "{} is being restored (`shopchat restore`); start again when it has finished",
                dir.display()
            ))),
            Err(std::fs::TryLockError::Error(e)) => Err(io(e)),
        }
    }
}
