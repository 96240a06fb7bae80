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
