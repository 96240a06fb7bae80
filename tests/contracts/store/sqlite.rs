//! What only the SQLite store does: closing, and migrating an older database.

use super::new_site;
use shopchat::domain::{Email, Role};
use shopchat::store::sqlite::SqliteStore;
use shopchat::store::{NewAgent, StoreError, prelude::*};
use std::sync::Arc;

/// A closed store finishes what was queued and refuses later calls as unavailable.
#[tokio::test]
async fn a_closed_store_refuses_calls_as_unavailable() {
    let dir = tempfile::TempDir::new().unwrap();
    let store = Arc::new(SqliteStore::open(dir.path()).unwrap());
    store.ping().await.unwrap();
    store.close().await;
    assert!(matches!(
        store.ping().await,
        Err(StoreError::Unavailable { .. })
    ));
}

/// A database from before routing profiles were per membership: opening it copies each
/// account's capacity and skills into every one of its memberships.
#[tokio::test]
async fn sqlite_migration_gives_each_membership_its_accounts_old_profile() {
    use shopchat::store::RoutingProfile;
    let dir = tempfile::TempDir::new().unwrap();
    let store = SqliteStore::open(dir.path()).unwrap();
    let (a, b) = (new_site(&store).await, new_site(&store).await);
    let agent = store
        .create_agent(NewAgent {
            email: Email::parse("old@x.example").unwrap(),
            display_name: "Old".into(),
            password_hash: "h".into(),
            must_change_password: false,
            memberships: vec![(a.clone(), Role::Agent), (b.clone(), Role::Owner)],
        })
        .await
        .unwrap();
    store.close().await;
    // Back to the schema before migration 5, with a profile on the account.
    let conn =
        rusqlite::Connection::open(dir.path().join(shopchat::store::sqlite::DB_FILE)).unwrap();
    conn.execute_batch(&format!(
        "ALTER TABLE memberships DROP COLUMN capacity;
         ALTER TABLE memberships DROP COLUMN skills;
         ALTER TABLE agents DROP COLUMN token_generation;
         UPDATE agents SET capacity = 6, skills = '[\"de\"]' WHERE id = '{}';
         PRAGMA user_version = 4;",
        agent.id
    ))
    .unwrap();
    drop(conn);
    let store = SqliteStore::open(dir.path()).unwrap();
    let memberships = store.memberships(&agent.id).await.unwrap();
    let want = RoutingProfile {
        capacity: 6,
        skills: vec!["de".into()],
    };
    assert_eq!(memberships.len(), 2);
    assert!(
        memberships.iter().all(|m| m.profile == want),
        "{memberships:?}"
    );
    store.close().await;
}

/// A database from before messages were keyed by rowid (text primary key; the visitor
/// index on `state`): opening it keeps every conversation and message, in order
/// and with its id, seqs continue, a repeated key is still recognised, and the random-id
/// and unused indexes are gone.
#[tokio::test]
async fn sqlite_migration_to_rowid_messages_keeps_every_conversation_and_message() {
    use super::shopper_message;
    use shopchat::conversation::Lifecycle;
    use shopchat::domain::VisitorId;
    let dir = tempfile::TempDir::new().unwrap();
    let store = SqliteStore::open(dir.path()).unwrap();
    let site = new_site(&store).await;
    let mut before = Vec::new();
    for v in 0..3 {
        let visitor = VisitorId::generate();
        for m in 0..4 {
            let key = format!("v{v}m{m}");
            let message = shopper_message(&visitor, Some(&key), &format!("hello {v}.{m}"));
            let opening = Lifecycle::new(true).into();
            let appended = store
                .append_to_visitor(&site, &visitor, message, &opening)
                .await
                .unwrap();
            before.push((visitor.clone(), appended.message));
        }
    }
    store.close().await;
    // Back to the schema of migration 8: the messages table as it was first created.
    let db = dir.path().join(shopchat::store::sqlite::DB_FILE);
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch(
        "CREATE TABLE old_messages (
            id TEXT PRIMARY KEY,
            conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
            seq INTEGER NOT NULL, author_kind TEXT NOT NULL, author_name TEXT NOT NULL,
            author_id TEXT NOT NULL, text TEXT NOT NULL, client_msg_id TEXT, ts INTEGER NOT NULL,
            UNIQUE (conversation_id, seq));
         INSERT INTO old_messages SELECT id, conversation_id, seq, author_kind, author_name,
            author_id, text, client_msg_id, ts FROM messages;
         DROP TABLE messages;
         ALTER TABLE old_messages RENAME TO messages;
         CREATE UNIQUE INDEX messages_by_client_id ON messages (author_id, client_msg_id)
            WHERE client_msg_id IS NOT NULL;
         CREATE INDEX conversations_by_visitor ON conversations (site_id, visitor_id, state);
         PRAGMA user_version = 8;",
    )
    .unwrap();
    drop(conn);

    let store = SqliteStore::open(dir.path()).unwrap();
    for (visitor, message) in &before {
        let stored = store
            .messages_after(&message.conversation_id, message.seq - 1, 1)
            .await
            .unwrap();
        assert_eq!(stored.len(), 1);
        assert_eq!(
            (&stored[0].id, stored[0].seq, &stored[0].text),
            (&message.id, message.seq, &message.text)
        );
        let open = store.open_conversations(&site, visitor).await.unwrap();
        assert_eq!(open.len(), 1);
        assert_eq!(open[0].last_seq, 4);
    }
    let (visitor, first) = &before[0];
    let opening = Lifecycle::new(true).into();
    let again = store
        .append_to_visitor(
            &site,
            visitor,
            shopper_message(visitor, Some("v0m0"), "x"),
            &opening,
        )
        .await
        .unwrap();
    assert!(again.duplicate);
    assert_eq!(again.message.id, first.id);
    let next = store
        .append_to_visitor(
            &site,
            visitor,
            shopper_message(visitor, Some("new"), "y"),
            &opening,
        )
        .await
        .unwrap();
    assert_eq!(
        (next.message.conversation_id.clone(), next.message.seq),
        (first.conversation_id.clone(), 5)
    );
    store.close().await;

    let conn = rusqlite::Connection::open(&db).unwrap();
    let indexed: Vec<String> = conn
        .prepare(
            "SELECT il.name FROM pragma_index_list('messages') il
             WHERE (SELECT group_concat(name) FROM pragma_index_info(il.name)) = 'id'
             UNION ALL SELECT name FROM sqlite_master WHERE name = 'conversations_by_visitor'",
        )
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(indexed.is_empty(), "{indexed:?}");
}

/// The WAL is folded back into the database file while the store runs (by the checkpointer
/// beside the writer, not inside a commit), stays within its bound, and every message
/// committed before, during and after those checkpoints is there, also after a reopen.
#[tokio::test]
async fn the_wal_is_checkpointed_beside_the_writer_and_every_message_stays() {
    use super::shopper_message;
    use shopchat::conversation::Lifecycle;
    use shopchat::domain::VisitorId;
    let dir = tempfile::TempDir::new().unwrap();
    let store = Arc::new(SqliteStore::open(dir.path()).unwrap());
    let site = new_site(store.as_ref()).await;
    let db = dir.path().join(shopchat::store::sqlite::DB_FILE);
    let db_bytes_at_start = std::fs::metadata(&db).unwrap().len();
    // Long messages fill the WAL quickly: about 60 MiB of pages in all, past the point
    // (32 MiB) where the checkpointer starts.
    let text = "x".repeat(3900);
    let visitors: Vec<VisitorId> = (0..64).map(|_| VisitorId::generate()).collect();
    let mut stored = Vec::new();
    for round in 0..120 {
        let waves: Vec<_> = visitors
            .iter()
            .map(|visitor| {
                let (store, site, visitor) = (store.clone(), site.clone(), visitor.clone());
                let message = shopper_message(&visitor, Some(&format!("r{round}")), &text);
                tokio::spawn(async move {
                    let opening = Lifecycle::new(true).into();
                    store
                        .append_to_visitor(&site, &visitor, message, &opening)
                        .await
                        .unwrap()
                        .message
                })
            })
            .collect();
        for wave in waves {
            stored.push(wave.await.unwrap());
        }
    }
    // The database file only grows by checkpoints: the pages were copied while the store ran.
    let db_bytes = std::fs::metadata(&db).unwrap().len();
    assert!(
        db_bytes > db_bytes_at_start + 16 * 1024 * 1024,
        "{db_bytes_at_start} → {db_bytes}"
    );
    let wal = std::fs::metadata(
        dir.path()
            .join(format!("{}-wal", shopchat::store::sqlite::DB_FILE)),
    )
    .map(|m| m.len())
    .unwrap_or(0);
    assert!(wal <= 140 * 1024 * 1024, "WAL of {wal} bytes");
    store.close().await;
    let store = SqliteStore::open(dir.path()).unwrap();
    for message in &stored {
        let found = store
            .messages_after(&message.conversation_id, message.seq - 1, 1)
            .await
            .unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!((&found[0].id, found[0].seq), (&message.id, message.seq));
    }
    store.close().await;
}
