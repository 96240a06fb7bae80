//! What only the SQLite store's search has: a full-text index beside `messages` that must
//! hold exactly the messages there are, after appends, notices, erasures and expiries.

use super::{agent_message, new_site, shopper_message};
use shopchat::conversation::{Lifecycle, Stage};
use shopchat::domain::{Timestamp, VisitorId};
use shopchat::store::prelude::*;
use shopchat::store::sqlite::{DB_FILE, SqliteStore};

/// FTS5's own check of the index against the messages table (`rank` 1: compare with the
/// external content too); an error names what differs.
fn index_check(conn: &rusqlite::Connection) -> rusqlite::Result<usize> {
    conn.execute(
        "INSERT INTO messages_fts (messages_fts, rank) VALUES ('integrity-check', 1)",
        [],
    )
}

/// Every way a message is stored or removed keeps the index exact: appends to a visitor and
/// to a conversation, a transition's notice, erasing a visitor (its conversations' messages
/// go by `ON DELETE CASCADE`), and the retention sweep. The check itself is shown to notice a
/// stray entry, so its passing means something.
#[tokio::test]
async fn the_index_holds_exactly_the_stored_messages_after_erasure_and_expiry() {
    let dir = tempfile::TempDir::new().unwrap();
    let store = SqliteStore::open(dir.path()).unwrap();
    let site = new_site(&store).await;
    let mut convs = Vec::new();
    let mut visitors = Vec::new();
    for v in 0..4 {
        let visitor = VisitorId::generate();
        for m in 0..3 {
            let text = format!("parcel {v} crème message {m}");
            let appended = store
                .append_to_visitor(
                    &site,
                    &visitor,
                    shopper_message(&visitor, None, &text),
                    &Lifecycle::new(true).into(),
                )
                .await
                .unwrap();
            if m == 0 {
                convs.push(appended.conversation);
            }
        }
        store
            .append_message(&convs[v].id, agent_message("ag", None, "on its way", 5))
            .await
            .unwrap();
        visitors.push(visitor);
    }
    // The last one closes with a notice, long ago, so the retention sweep takes it.
    let mut last = store.conversation(&convs[3].id).await.unwrap().unwrap();
    last.lifecycle.stage = Stage::Closed;
    let notice = agent_message("system", None, "closed by the shop", 6);
    store
        .save_conversation(&last, last.lifecycle.version, Some(notice))
        .await
        .unwrap();
    let erased = store.erase_visitor(&site, &visitors[0]).await.unwrap();
    assert_eq!(erased.messages, 4);
    let expired = store
        .expire_conversations(&site, Timestamp(i64::MAX), 10)
        .await
        .unwrap();
    assert_eq!(expired, 1);
    store.close().await;

    let conn = rusqlite::Connection::open(dir.path().join(DB_FILE)).unwrap();
    let (messages, matched): (i64, i64) = conn
        .query_row(
            "SELECT (SELECT count(*) FROM messages),
                    (SELECT count(*) FROM messages_fts WHERE messages_fts MATCH 'creme')",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(
        (messages, matched),
        (8, 6),
        "two chats left, three shopper lines each"
    );
    index_check(&conn).unwrap();

    // Without the delete trigger a removed message stays in the index: the check says so.
    conn.execute_batch(
        "DROP TRIGGER messages_fts_delete;
         DELETE FROM messages WHERE rowid = (SELECT max(rowid) FROM messages);",
    )
    .unwrap();
    assert!(
        index_check(&conn).is_err(),
        "the check notices a stray entry"
    );
}

/// Puts the database back as a crash right after the commit of every message above rowid
/// `upto` would leave it: those messages stored, none of them indexed, the mark at `upto`.
fn hold_back_indexing_above(conn: &rusqlite::Connection, upto: i64) {
    conn.execute(
        "INSERT INTO messages_fts (messages_fts, rowid, text)
            SELECT 'delete', rowid, text FROM messages WHERE rowid > ?1",
        [upto],
    )
    .unwrap();
    conn.execute("UPDATE messages_fts_state SET indexed_upto = ?1", [upto])
        .unwrap();
}

fn count(conn: &rusqlite::Connection, sql: &str) -> i64 {
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

/// Stores one shopper message per text, each from a new visitor; their conversations.
async fn chats(
    store: &SqliteStore,
    site: &shopchat::domain::SiteId,
    texts: &[&str],
) -> Vec<String> {
    let mut ids = Vec::new();
    for text in texts {
        let visitor = VisitorId::generate();
        let appended = store
            .append_to_visitor(
                site,
                &visitor,
                shopper_message(&visitor, None, text),
                &Lifecycle::new(true).into(),
            )
            .await
            .unwrap();
        ids.push(appended.conversation.id.to_string());
    }
    ids
}

/// A crash between a message's commit and its indexing loses nothing: the mark is in the
/// database, so the next start indexes what lies above it.
#[tokio::test]
async fn messages_stored_but_not_indexed_before_a_crash_are_indexed_at_the_next_start() {
    let dir = tempfile::TempDir::new().unwrap();
    let store = SqliteStore::open(dir.path()).unwrap();
    let site = new_site(&store).await;
    chats(&store, &site, &["parcel", "a zanzibar parcel"]).await;
    store.close().await;

    let conn = rusqlite::Connection::open(dir.path().join(DB_FILE)).unwrap();
    hold_back_indexing_above(&conn, count(&conn, "SELECT max(rowid) FROM messages") - 1);
    let zanzibar = "SELECT count(*) FROM messages_fts WHERE messages_fts MATCH 'zanzibar'";
    assert_eq!(count(&conn, zanzibar), 0, "held back");
    index_check(&conn).unwrap_err();
    drop(conn);

    let store = SqliteStore::open(dir.path()).unwrap();
    super::search::found_soon(&store, &site, "zanzibar", 1).await;
    super::search::found_soon(&store, &site, "parcel", 2).await;
    store.close().await;
    let conn = rusqlite::Connection::open(dir.path().join(DB_FILE)).unwrap();
    index_check(&conn).unwrap();
}

/// Erasing a conversation whose messages were never indexed (erased before the writer's
/// next step) leaves the index exact: the delete trigger skips rows above the mark. The
/// conversation goes as erasure removes it (`ON DELETE CASCADE` from `conversations`).
#[tokio::test]
async fn erasing_a_conversation_not_yet_indexed_keeps_the_index_exact() {
    let dir = tempfile::TempDir::new().unwrap();
    let store = SqliteStore::open(dir.path()).unwrap();
    let site = new_site(&store).await;
    let kept = chats(&store, &site, &["kept parcel"]).await;
    let erased = chats(&store, &site, &["erased parcel", "erased too"]).await;
    store.close().await;

    let conn = rusqlite::Connection::open(dir.path().join(DB_FILE)).unwrap();
    conn.execute_batch("PRAGMA foreign_keys = ON").unwrap();
    let kept_upto = count(
        &conn,
        &format!(
            "SELECT max(rowid) FROM messages WHERE conversation_id = '{}'",
            kept[0]
        ),
    );
    hold_back_indexing_above(&conn, kept_upto);
    for id in &erased {
        conn.execute(
            "DELETE FROM conversations WHERE site_id = ?1 AND id = ?2",
            [site.to_string(), id.clone()],
        )
        .unwrap();
    }
    assert_eq!(count(&conn, "SELECT count(*) FROM messages"), 1);
    index_check(&conn).unwrap();
    drop(conn);

    // The store goes on from there: a new message is indexed, the erased never.
    let store = SqliteStore::open(dir.path()).unwrap();
    chats(&store, &site, &["another parcel"]).await;
    super::search::found_soon(&store, &site, "another", 1).await;
    super::search::found_soon(&store, &site, "parcel", 2).await;
    super::search::found_soon(&store, &site, "erased", 0).await;
    store.close().await;
    let conn = rusqlite::Connection::open(dir.path().join(DB_FILE)).unwrap();
    index_check(&conn).unwrap();
}
