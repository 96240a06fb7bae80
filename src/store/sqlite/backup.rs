//! Online backup and restore of the SQLite store.
//!
//! A backup copies the live database with SQLite's backup API in one step, which holds one
//! read transaction on the source: in WAL mode that is a consistent snapshot of every
//! committed write and never blocks the server's writer. The copy is written beside the
//! target under a temporary name, checked, synced and renamed into place, so a target path
//! never holds half a backup. It is a single self-contained file (rollback journal, no WAL).
//!
//! A restore checks the file is a shopchat database this binary can run (integrity check,
//! the store's tables, a schema version no newer than ours), refuses while anyone has the
//! store open (the data directory's lock, see [`super::files`]), keeps the database it
//! replaces (with its WAL) as `shopchat.db.before-restore-TIMESTAMP`, and puts the copy in
//! place. The next start migrates an older schema forward as usual.

use super::files::{DirLock, LockError, create_private, prepare_dir, side_file, tighten_db_files};
use super::{DB_FILE, schema};
use rusqlite::Connection;
use rusqlite::backup::{Backup, StepResult};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Tables a shopchat database has had since its first schema; a file without them is not one.
const CORE_TABLES: [&str; 5] = ["secrets", "sites", "agents", "conversations", "messages"];

/// How often a backup step that found the source busy is tried again, and how long apart.
const BUSY_RETRIES: u32 = 200;
const BUSY_PAUSE: Duration = Duration::from_millis(50);

/// What a backup or restore wrote: enough for the operator to see it is the right data.
#[derive(Debug, Clone)]
pub struct Summary {
    /// The file written.
    pub path: PathBuf,
    /// Its size in bytes.
    pub bytes: u64,
    /// Its schema version (`PRAGMA user_version`).
    pub schema_version: usize,
    /// The schema version this binary migrates to.
    pub current_version: usize,
    /// Each table and its row count, by name.
    pub tables: Vec<(String, u64)>,
}

/// What a restore did.
#[derive(Debug, Clone)]
pub struct Restored {
    /// The database now in place.
    pub summary: Summary,
    /// Where the database it replaced was kept, if there was one.
    pub previous: Option<PathBuf>,
}

/// Why a backup or restore did nothing.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// The data directory has no database to back up.
    #[error("no database at {0}")]
    NoDatabase(String),
    /// The target exists and `--force` was not given.
    #[error("{0} exists; give --force to overwrite it")]
    Exists(String),
    /// The data directory is in use (restore) or being restored (backup).
    #[error("{0}")]
    Busy(String),
    /// The file to restore is not a usable shopchat database.
    #[error("{path} {problem}")]
    Refused {
        /// The file.
        path: String,
        /// What is wrong with it.
        problem: String,
    },
    /// SQLite failed while copying or reading.
    #[error("{context}: {source}")]
    Sqlite {
        /// What was being done.
        context: String,
        /// The driver's error.
        #[source]
        source: rusqlite::Error,
    },
    /// A file operation failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> BackupError {
    let context = context.into();
    move |source| BackupError::Io { context, source }
}

fn sql(context: impl Into<String>) -> impl FnOnce(rusqlite::Error) -> BackupError {
    let context = context.into();
    move |source| BackupError::Sqlite { context, source }
}

impl From<LockError> for BackupError {
    fn from(e: LockError) -> Self {
        match e {
            LockError::Busy(why) => BackupError::Busy(why),
            LockError::Io { path, source } => BackupError::Io {
                context: format!("cannot lock {path}"),
                source,
            },
        }
    }
}

/// Copies the store in `data_dir` to `to` while the server may be running and writing.
pub fn backup(data_dir: &Path, to: &Path, force: bool) -> Result<Summary, BackupError> {
    let db = data_dir.join(DB_FILE);
    if !db.is_file() {
        return Err(BackupError::NoDatabase(db.display().to_string()));
    }
    if to.exists() && !force {
        return Err(BackupError::Exists(to.display().to_string()));
    }
    let _lock = DirLock::shared(data_dir)?;
    let partial = partial_name(to);
    let result = copy_live(&db, &partial).and_then(|()| {
        let conn = Connection::open(&partial).map_err(sql("cannot open the copy"))?;
        // One file, no WAL beside it: a copy that can be moved and restored alone.
        let _: String = conn
            .query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0))
            .map_err(sql("cannot finish the copy"))?;
        check_integrity(&conn, &partial, "quick_check")?;
        let (schema_version, tables) = contents(&conn)?;
        drop(conn);
        sync_file(&partial)?;
        std::fs::rename(&partial, to).map_err(io(format!("cannot rename to {}", to.display())))?;
        sync_parent(to)?;
        Ok(summary(to, schema_version, tables))
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    result
}

/// `.NAME.partial-PID` beside `to`: on the same file system, so the rename is atomic.
fn partial_name(to: &Path) -> PathBuf {
    let name = to
        .file_name()
        .map_or_else(|| "backup".into(), |n| n.to_string_lossy().into_owned());
    to.with_file_name(format!(".{name}.partial-{}", std::process::id()))
}

/// The backup API's copy of `db` into a new owner-only file at `into`, in one step.
fn copy_live(db: &Path, into: &Path) -> Result<(), BackupError> {
    let _ = std::fs::remove_file(into);
    create_private(into).map_err(io(format!("cannot create {}", into.display())))?;
    let source = Connection::open(db).map_err(sql("cannot open the database"))?;
    source
        .busy_timeout(Duration::from_secs(5))
        .map_err(sql("cannot open the database"))?;
    let mut target = Connection::open(into).map_err(sql("cannot open the copy"))?;
    let copy = Backup::new(&source, &mut target).map_err(sql("cannot start the backup"))?;
    let mut retries = 0;
    loop {
        // -1: every page in one step, under one read transaction, so the copy is one
        // consistent snapshot even while the server commits beside it.
        match copy.step(-1).map_err(sql("backup failed"))? {
            StepResult::Done => return Ok(()),
            StepResult::More => {}
            StepResult::Busy | StepResult::Locked if retries < BUSY_RETRIES => {
                retries += 1;
                std::thread::sleep(BUSY_PAUSE);
            }
            _ => {
                return Err(BackupError::Busy(
                    "the database stayed busy; try again".into(),
                ));
            }
        }
    }
}

/// Replaces the store in `data_dir` with the database in `from`, when no one has it open.
pub fn restore(data_dir: &Path, from: &Path) -> Result<Restored, BackupError> {
    let refused = |problem: String| BackupError::Refused {
        path: from.display().to_string(),
        problem,
    };
    if !from.is_file() {
        return Err(refused("is not a file".into()));
    }
    let wal = side_file(from, "-wal");
    if std::fs::metadata(&wal).is_ok_and(|m| m.len() > 0) {
        return Err(refused(format!(
            "has a write-ahead log beside it ({}): it is a live database's file, not a backup; \
             make one with `shopchat backup`",
            wal.display()
        )));
    }
    prepare_dir(data_dir).map_err(io(format!("cannot create {}", data_dir.display())))?;
    let _lock = DirLock::exclusive(data_dir)?;
    let db = data_dir.join(DB_FILE);
    let staging = data_dir.join(format!("{DB_FILE}.restoring"));
    let checked = stage(from, &staging);
    let (schema_version, tables) = match checked {
        Ok(found) => found,
        Err(e) => {
            let _ = std::fs::remove_file(&staging);
            return Err(e);
        }
    };
    let previous = if db.exists() {
        Some(keep_previous(data_dir, &db)?)
    } else {
        None
    };
    std::fs::rename(&staging, &db).map_err(io(format!("cannot move into {}", db.display())))?;
    sync_parent(&db)?;
    tighten_db_files(&db).map_err(io("cannot set permissions"))?;
    Ok(Restored {
        summary: summary(&db, schema_version, tables),
        previous,
    })
}

/// Copies `from` to `staging` (owner-only) and checks it there, never touching `from`.
fn stage(from: &Path, staging: &Path) -> Result<(usize, Vec<(String, u64)>), BackupError> {
    let _ = std::fs::remove_file(staging);
    create_private(staging).map_err(io(format!("cannot create {}", staging.display())))?;
    let mut source =
        std::fs::File::open(from).map_err(io(format!("cannot read {}", from.display())))?;
    let mut target = std::fs::OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(staging)
        .map_err(io(format!("cannot write {}", staging.display())))?;
    std::io::copy(&mut source, &mut target).map_err(io("cannot copy the backup"))?;
    target.sync_all().map_err(io("cannot sync the copy"))?;
    drop(target);
    let refused = |problem: String| BackupError::Refused {
        path: from.display().to_string(),
        problem,
    };
    let conn = Connection::open(staging).map_err(sql("cannot open the copy"))?;
    // The first statement reads the header: a file that is not SQLite fails here.
    let mode: Result<String, _> = conn.query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0));
    if let Err(e) = mode {
        return Err(refused(format!("is not a SQLite database ({e})")));
    }
    check_integrity(&conn, from, "integrity_check")?;
    let (version, tables) = contents(&conn)?;
    let missing: Vec<&str> = CORE_TABLES
        .iter()
        .copied()
        .filter(|t| !tables.iter().any(|(name, _)| name == t))
        .collect();
    if version == 0 || !missing.is_empty() {
        return Err(refused(format!(
            "is not a shopchat database (schema version {version}; missing tables: {})",
            missing.join(", ")
        )));
    }
    if version > schema::version() {
        return Err(refused(format!(
            "has schema version {version}, newer than this binary's {}: restore it with the \
             shopchat version that made it (or a newer one)",
            schema::version()
        )));
    }
    Ok((version, tables))
}

/// Moves the current database (and its WAL, which may hold committed writes) aside as
/// `shopchat.db.before-restore-TIMESTAMP`; returns that path.
fn keep_previous(data_dir: &Path, db: &Path) -> Result<PathBuf, BackupError> {
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
    let mut kept = data_dir.join(format!("{DB_FILE}.before-restore-{stamp}"));
    let mut n = 1;
    while kept.exists() {
        n += 1;
        kept = data_dir.join(format!("{DB_FILE}.before-restore-{stamp}-{n}"));
    }
    for suffix in ["-wal", "-shm"] {
        let side = side_file(db, suffix);
        if side.exists() {
            let to = side_file(&kept, suffix);
            std::fs::rename(&side, &to).map_err(io(format!("cannot move {}", side.display())))?;
        }
    }
    std::fs::rename(db, &kept).map_err(io(format!("cannot move {}", db.display())))?;
    Ok(kept)
}

/// Fails unless SQLite's `pragma` (`integrity_check` or `quick_check`) answers `ok`.
fn check_integrity(conn: &Connection, path: &Path, pragma: &str) -> Result<(), BackupError> {
    let answer: Result<String, _> = conn.query_row(&format!("PRAGMA {pragma}"), [], |r| r.get(0));
    match answer {
        Ok(ok) if ok == "ok" => Ok(()),
        Ok(problem) => Err(BackupError::Refused {
            path: path.display().to_string(),
            problem: format!("fails SQLite's {pragma}: {problem}"),
        }),
        Err(e) => Err(BackupError::Refused {
            path: path.display().to_string(),
            problem: format!("fails SQLite's {pragma}: {e}"),
        }),
    }
}

/// The schema version and every ordinary table's row count.
fn contents(conn: &Connection) -> Result<(usize, Vec<(String, u64)>), BackupError> {
    let read = sql("cannot read the copy");
    let version = schema::user_version(conn).map_err(read)?;
    // Ordinary tables only: the search index (a virtual table and the shadow tables behind
    // it) is derived from `messages`, and counting it would count the messages again.
    let names: Vec<String> = conn
        .prepare(
            "SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = 'table' \
             AND name NOT LIKE 'sqlite_%' ORDER BY name",
        )
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .map_err(sql("cannot list tables"))?;
    let mut tables = Vec::with_capacity(names.len());
    for name in names {
        // The name comes from sqlite_master; quoting keeps any name a single identifier.
        let quoted = name.replace('"', "\"\"");
        let rows: i64 = conn
            .query_row(&format!("SELECT count(*) FROM \"{quoted}\""), [], |r| {
                r.get(0)
            })
            .map_err(sql(format!("cannot count {name}")))?;
        tables.push((name, u64::try_from(rows).unwrap_or(0)));
    }
    Ok((version, tables))
}

fn summary(path: &Path, schema_version: usize, tables: Vec<(String, u64)>) -> Summary {
    Summary {
        path: path.to_path_buf(),
        bytes: std::fs::metadata(path).map_or(0, |m| m.len()),
        schema_version,
        current_version: schema::version(),
        tables,
    }
}

fn sync_file(path: &Path) -> Result<(), BackupError> {
    std::fs::File::open(path)
        .and_then(|f| f.sync_all())
        .map_err(io(format!("cannot sync {}", path.display())))
}

/// Syncs the directory holding `path`, so a rename into it survives a power cut.
fn sync_parent(path: &Path) -> Result<(), BackupError> {
    #[cfg(unix)]
    {
        let parent = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        std::fs::File::open(parent)
            .and_then(|d| d.sync_all())
            .map_err(io(format!("cannot sync {}", parent.display())))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}
