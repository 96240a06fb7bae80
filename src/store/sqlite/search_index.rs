//! Keeping the full-text index (`messages_fts`, see [`super::search_sql`]) in step with
//! `messages` off the acknowledged write: the writer thread indexes new messages in bulk
//! after the commit that acknowledged them, from a high-water mark stored in the database.
//!
//! Why not a trigger: an FTS5 row per message inside the acknowledged commit cost ~15 µs a
//! message there (a third of the peak append rate, README "The search index on the write
//! path"); the same rows indexed by one `INSERT … SELECT` cost a few µs each. The price: a
//! message is found by search a moment after its `ack` (the writer's next step, normally
//! right after the commit), never before.

use rusqlite::{Connection, OptionalExtension};

/// Migration 17: the insert trigger goes; the mark says which messages are indexed.
///
/// The mark is a one-row table of its own (not FTS5's `config` table, whose keys FTS5 reads
/// and may one day claim): every message with a rowid up to `indexed_upto` is in the index,
/// none above it. Messages keep rowids in append order (migration 9), so "above the mark" is
/// exactly "not yet indexed". It starts at the highest rowid: the trigger indexed them all.
///
/// The delete and update triggers touch the index only for rows at or below the mark: an
/// external-content `'delete'` of a row that was never indexed would corrupt the index (FTS5
/// takes the text it is given as what to remove). Deleting the highest rows lets SQLite hand
/// their rowids out again (no `AUTOINCREMENT`), so a new message could land at or below the
/// mark and never be indexed: when a delete leaves no row above some part of the mark, the
/// mark comes down to the highest rowid left. The index removal runs first in the same
/// trigger, so it still sees the old mark.
pub(super) const MIGRATION: &str = r#"
DROP TRIGGER IF EXISTS messages_fts_insert;
DROP TRIGGER IF EXISTS messages_fts_delete;
DROP TRIGGER IF EXISTS messages_fts_update;
CREATE TABLE IF NOT EXISTS messages_fts_state (indexed_upto INTEGER NOT NULL);
DELETE FROM messages_fts_state;
INSERT INTO messages_fts_state (indexed_upto) SELECT coalesce(max(rowid), 0) FROM messages;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, text)
        SELECT 'delete', old.rowid, old.text
        WHERE old.rowid <= (SELECT indexed_upto FROM messages_fts_state);
    UPDATE messages_fts_state SET indexed_upto = (SELECT coalesce(max(rowid), 0) FROM messages)
        WHERE old.rowid >= indexed_upto
        AND indexed_upto > (SELECT coalesce(max(rowid), 0) FROM messages);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF text ON messages
WHEN old.rowid <= (SELECT indexed_upto FROM messages_fts_state) BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.rowid, old.text);
    INSERT INTO messages_fts (rowid, text) VALUES (new.rowid, new.text);
END;
"#;

/// Most messages indexed in one step. Bulk FTS5 inserts cost a few µs a message, so a full
/// step holds the writer for some 10-20 ms; a longer backlog (after a crash, or a burst) is
/// worked off step by step between write rounds, never in one long transaction that would
/// keep acknowledged writes waiting.
pub(super) const STEP: i64 = 4_096;

/// The highest rowid the next step would index: the last of the first [`STEP`] messages
/// above the mark, or none when every message is indexed.
const NEXT_STEP_END: &str = "SELECT max(rowid), (SELECT indexed_upto FROM messages_fts_state)
    FROM (SELECT rowid FROM messages
          WHERE rowid > (SELECT indexed_upto FROM messages_fts_state)
          ORDER BY rowid LIMIT ?1)";

const INDEX_STEP: &str = "INSERT INTO messages_fts (rowid, text)
    SELECT rowid, text FROM messages WHERE rowid > ?1 AND rowid <= ?2 ORDER BY rowid";

const MOVE_MARK: &str = "UPDATE messages_fts_state SET indexed_upto = ?1";

/// Indexes the next messages above the mark (at most `step`) and moves the mark past them,
/// in one transaction; `Ok(true)` when messages are left for another step.
///
/// Run only on the writer's connection, between write rounds (no transaction open). The
/// transaction commits with `synchronous = NORMAL`: in WAL mode that skips its fsync, and a
/// power cut may undo the step, which loses nothing — the mark goes back with the entries,
/// and the next start indexes them again. The next acknowledged commit (back at `FULL`)
/// syncs the WAL, this step's frames with it.
pub(super) fn step(conn: &Connection, step: i64) -> rusqlite::Result<bool> {
    let bounds: Option<(Option<i64>, i64)> = conn
        .prepare_cached(NEXT_STEP_END)?
        .query_row([step], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let Some((Some(end), mark)) = bounds else {
        return Ok(false);
    };
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    let indexed = index_between(conn, mark, end);
    // Back to FULL whatever happened: an acknowledged commit must be synced. If even this
    // fails the caller stops the writer rather than acknowledge a write it cannot sync.
    conn.pragma_update(None, "synchronous", "FULL")?;
    let count = indexed?;
    Ok(i64::try_from(count).unwrap_or(i64::MAX) >= step)
}

/// One transaction: index rowids in `(mark, end]`, mark `end`; rolled back on any error.
fn index_between(conn: &Connection, mark: i64, end: i64) -> rusqlite::Result<usize> {
    conn.prepare_cached("BEGIN IMMEDIATE")?.execute([])?;
    let work = || -> rusqlite::Result<usize> {
        let count = conn.prepare_cached(INDEX_STEP)?.execute([mark, end])?;
        conn.prepare_cached(MOVE_MARK)?.execute([end])?;
        conn.prepare_cached("COMMIT")?.execute([])?;
        Ok(count)
    };
    work().inspect_err(|_| {
        let _ = conn.execute_batch("ROLLBACK");
    })
}

#[cfg(test)]
mod tests {
    use super::{MIGRATION, step};
    use rusqlite::Connection;

    /// `messages` as the search reads it, with the index as migrations 16 and 17 leave it.
    fn deferred() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE messages (conversation_id TEXT NOT NULL, text TEXT NOT NULL);",
        )
        .unwrap();
        conn.execute_batch(super::super::search_sql::MIGRATION)
            .unwrap();
        conn.execute_batch(MIGRATION).unwrap();
        conn
    }

    fn add(conn: &Connection, conversation: &str, text: &str) {
        conn.execute(
            "INSERT INTO messages (conversation_id, text) VALUES (?1, ?2)",
            [conversation, text],
        )
        .unwrap();
    }

    fn found(conn: &Connection, word: &str) -> i64 {
        conn.query_row(
            "SELECT count(*) FROM messages_fts WHERE messages_fts MATCH ?1",
            [word],
            |r| r.get(0),
        )
        .unwrap()
    }

    fn mark(conn: &Connection) -> i64 {
        conn.query_row("SELECT indexed_upto FROM messages_fts_state", [], |r| {
            r.get(0)
        })
        .unwrap()
    }

    /// FTS5's check of the index against `messages` (so only once every message is indexed):
    /// an error names what differs.
    fn exact(conn: &Connection) {
        conn.execute(
            "INSERT INTO messages_fts (messages_fts, rank) VALUES ('integrity-check', 1)",
            [],
        )
        .unwrap();
    }

    #[test]
    fn the_migration_marks_what_the_trigger_indexed_and_new_messages_wait_for_a_step() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE messages (conversation_id TEXT, text TEXT NOT NULL);")
            .unwrap();
        conn.execute_batch(super::super::search_sql::MIGRATION)
            .unwrap();
        add(&conn, "a", "old parcel");
        add(&conn, "a", "old parcel again");
        conn.execute_batch(MIGRATION).unwrap();
        assert_eq!(mark(&conn), 2);
        assert_eq!(found(&conn, "parcel"), 2);
        add(&conn, "a", "new parcel");
        assert_eq!(found(&conn, "new"), 0, "no trigger indexes on insert");
        assert!(!step(&conn, 10).unwrap());
        assert_eq!((found(&conn, "new"), mark(&conn)), (1, 3));
        exact(&conn);
    }

    #[test]
    fn a_backlog_is_indexed_a_bounded_step_at_a_time_in_order() {
        let conn = deferred();
        for n in 0..10 {
            add(&conn, "a", &format!("parcel {n}"));
        }
        assert!(step(&conn, 4).unwrap(), "more left");
        assert_eq!((found(&conn, "parcel"), mark(&conn)), (4, 4));
        assert!(step(&conn, 4).unwrap());
        assert!(!step(&conn, 4).unwrap(), "the last two");
        assert_eq!((found(&conn, "parcel"), mark(&conn)), (10, 10));
        assert!(!step(&conn, 4).unwrap(), "nothing to do");
        exact(&conn);
        let synchronous: i64 = conn
            .query_row("PRAGMA synchronous", [], |r| r.get(0))
            .unwrap();
        assert_eq!(synchronous, 2, "back to FULL after a step");
    }

    /// Deleting messages never indexed (a conversation erased before the writer caught up)
    /// leaves the index exact: the delete trigger skips them. Without the guard the check
    /// fails, so its passing means something.
    #[test]
    fn erasing_messages_not_yet_indexed_keeps_the_index_exact() {
        let conn = deferred();
        add(&conn, "kept", "parcel kept");
        step(&conn, 10).unwrap();
        add(&conn, "erased", "parcel erased");
        add(&conn, "erased", "parcel erased twice");
        add(&conn, "kept", "parcel later");
        conn.execute("DELETE FROM messages WHERE conversation_id = 'erased'", [])
            .unwrap();
        step(&conn, 10).unwrap();
        assert_eq!((found(&conn, "parcel"), found(&conn, "erased")), (2, 0));
        exact(&conn);

        add(&conn, "gone", "not indexed");
        conn.execute_batch(
            "DROP TRIGGER messages_fts_delete;
             CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
                 INSERT INTO messages_fts (messages_fts, rowid, text)
                     VALUES ('delete', old.rowid, old.text);
             END;
             DELETE FROM messages WHERE conversation_id = 'gone';",
        )
        .unwrap();
        let check = conn.execute(
            "INSERT INTO messages_fts (messages_fts, rank) VALUES ('integrity-check', 1)",
            [],
        );
        assert!(check.is_err(), "an unguarded delete corrupts the index");
    }

    /// Deleting the newest messages lets SQLite give their rowids out again: the mark comes
    /// down with them, so a message stored in a reused rowid is still indexed.
    #[test]
    fn a_reused_rowid_is_indexed_because_the_mark_comes_down() {
        let conn = deferred();
        add(&conn, "a", "parcel one");
        add(&conn, "b", "parcel two");
        add(&conn, "b", "parcel three");
        step(&conn, 10).unwrap();
        conn.execute("DELETE FROM messages WHERE conversation_id = 'b'", [])
            .unwrap();
        assert_eq!(mark(&conn), 1);
        add(&conn, "c", "zanzibar");
        let rowid: i64 = conn
            .query_row("SELECT max(rowid) FROM messages", [], |r| r.get(0))
            .unwrap();
        assert_eq!(rowid, 2, "SQLite reused the rowid");
        step(&conn, 10).unwrap();
        assert_eq!((found(&conn, "zanzibar"), found(&conn, "parcel")), (1, 1));
        exact(&conn);
        conn.execute("DELETE FROM messages", []).unwrap();
        assert_eq!(mark(&conn), 0);
        exact(&conn);
    }

    #[test]
    fn an_update_reindexes_an_indexed_row_and_leaves_a_waiting_one_to_the_step() {
        let conn = deferred();
        add(&conn, "a", "parcel");
        step(&conn, 10).unwrap();
        add(&conn, "a", "waiting");
        conn.execute_batch(
            "UPDATE messages SET text = 'shoes' WHERE rowid = 1;
             UPDATE messages SET text = 'boots' WHERE rowid = 2;",
        )
        .unwrap();
        step(&conn, 10).unwrap();
        assert_eq!(
            (
                found(&conn, "parcel"),
                found(&conn, "shoes"),
                found(&conn, "boots")
            ),
            (0, 1, 1)
        );
        exact(&conn);
    }
}
