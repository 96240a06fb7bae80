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
