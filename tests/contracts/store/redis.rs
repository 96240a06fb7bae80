//! What only the Redis store can get wrong: its key prefix, a Redis that is down or does not
//! answer, several stores on one Redis, and migrating older records.

use super::{new_site, shopper_message};
use crate::redis_server::unique_prefix;
use shopchat::conversation::Lifecycle;
use shopchat::domain::{Email, Role, VisitorId};
use shopchat::store::redis::RedisStore;
use shopchat::store::{NewAgent, StoreError, prelude::*};

#[tokio::test]
async fn redis_store_refuses_a_prefix_with_braces() {
    let server = crate::redis_server::RedisServer::start().await;
    assert!(matches!(
        RedisStore::connect(&server.url(), "a{b}:").await,
        Err(StoreError::Open { .. })
    ));
}

/// While Redis is down, calls fail within a bounded time with a Redis error (the server turns
/// it into a retryable error and acks nothing); once Redis is back, the store works again
/// without being rebuilt.
#[tokio::test]
async fn redis_store_fails_fast_while_redis_is_down_and_recovers() {
    use std::time::{Duration, Instant};
    let mut server = crate::redis_server::RedisServer::start().await;
    let store = RedisStore::connect(&server.url(), &unique_prefix())
        .await
        .unwrap();
    let site = new_site(&store).await;
    server.stop().await;
    let visitor = VisitorId::generate();
    for _ in 0..3 {
        // The deadline only stops the test if the call hangs instead of failing.
        let result = tokio::time::timeout(
            crate::helpers::DEADLINE,
            store.append_to_visitor(
                &site,
                &visitor,
                shopper_message(&visitor, Some("down"), "hello?"),
                &Lifecycle::new(true).into(),
            ),
        )
        .await
        .expect("the write fails instead of hanging");
        assert!(
            matches!(result, Err(StoreError::Unavailable { .. })),
            "{result:?}"
        );
    }
    let result = tokio::time::timeout(crate::helpers::DEADLINE, store.ping())
        .await
        .expect("ping fails instead of hanging");
    assert!(matches!(result, Err(StoreError::Unavailable { .. })));

    server.restart().await;
    // The manager reconnects on its own; allow it a few attempts.
    let deadline = Instant::now() + Duration::from_secs(15);
    while store.ping().await.is_err() {
        assert!(Instant::now() < deadline, "the store did not reconnect");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The restarted Redis is empty (no persistence in tests): a new site works end to end,
    // scripts are loaded again on NOSCRIPT.
    let site = new_site(&store).await;
    let appended = store
        .append_to_visitor(
            &site,
            &visitor,
            shopper_message(&visitor, Some("up"), "hello"),
            &Lifecycle::new(true).into(),
        )
        .await
        .unwrap();
    assert_eq!(appended.message.seq, 1);
}

/// Two nodes on one Redis and prefix share everything, and the compare-and-set holds
/// between them; another prefix is another deployment and sees nothing.
#[tokio::test]
async fn redis_stores_on_one_redis_share_state_and_prefixes_isolate() {
    use shopchat::conversation::Stage;
    let server = crate::redis_server::RedisServer::start().await;
    let prefix = unique_prefix();
    let node_a = RedisStore::connect(&server.url(), &prefix).await.unwrap();
    let node_b = RedisStore::connect(&server.url(), &prefix).await.unwrap();
    let elsewhere = RedisStore::connect(&server.url(), &unique_prefix())
        .await
        .unwrap();
    let site = new_site(&node_a).await;
    assert!(node_b.site(&site).await.unwrap().is_some());
    assert!(elsewhere.site(&site).await.unwrap().is_none());
    assert!(elsewhere.list_sites().await.unwrap().is_empty());

    let visitor = VisitorId::generate();
    let opened = node_a
        .append_to_visitor(
            &site,
            &visitor,
            shopper_message(&visitor, Some("k"), "hi"),
            &Lifecycle::new(false).into(),
        )
        .await
        .unwrap();
    // The shopper's retry lands on the other node: deduplicated there too.
    let retry = node_b
        .append_to_visitor(
            &site,
            &visitor,
            shopper_message(&visitor, Some("k"), "hi"),
            &Lifecycle::new(false).into(),
        )
        .await
        .unwrap();
    assert!(retry.duplicate);
    assert_eq!(retry.message, opened.message);

    let mut on_b = node_b
        .conversation(&opened.conversation.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(on_b, opened.conversation);
    on_b.lifecycle.stage = Stage::Assigned {
        agent: shopchat::domain::AgentId::generate(),
    };
    node_b.save_conversation(&on_b, 0, None).await.unwrap();
    let mut on_a = opened.conversation.clone();
    on_a.lifecycle.stage = Stage::Closed;
    assert!(matches!(
        node_a.save_conversation(&on_a, 0, None).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(
        elsewhere
            .conversation(&opened.conversation.id)
            .await
            .unwrap()
            .is_none()
    );
}

/// A Redis that accepts connections but does not answer (here: the process frozen) makes
/// calls fail after the bounded response timeout instead of hanging; afterwards the same
/// store works again.
#[tokio::test]
async fn redis_store_times_out_when_redis_does_not_answer() {
    use std::time::{Duration, Instant};
    let server = crate::redis_server::RedisServer::start().await;
    let store = RedisStore::connect(&server.url(), &unique_prefix())
        .await
        .unwrap();
    let site = new_site(&store).await;
    // Frozen (SIGSTOP): connections stay open, nothing answers. The call must come back with
    // an error by itself; the deadline here only stops the test if it hangs instead.
    server.pause();
    let result = tokio::time::timeout(crate::helpers::DEADLINE, store.site(&site))
        .await
        .expect("the call fails instead of hanging");
    assert!(
        matches!(result, Err(StoreError::Unavailable { .. })),
        "{result:?}"
    );
    server.resume();
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        match store.site(&site).await {
            Ok(found) => {
                assert!(found.is_some());
                break;
            }
            Err(_) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(100)).await
            }
            Err(e) => panic!("the store did not recover: {e}"),
        }
    }
}

/// The same for Redis: account records from before carry the profile; the first store to
/// connect copies it into each membership once.
#[tokio::test]
async fn redis_migration_gives_each_membership_its_accounts_old_profile() {
    use shopchat::store::RoutingProfile;
    let server = crate::redis_server::RedisServer::start().await;
    let prefix = unique_prefix();
    let store = RedisStore::connect(&server.url(), &prefix).await.unwrap();
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
    // Back to before: no per-site profiles, no migration mark, the profile on the account.
    let dir = format!("{prefix}{{dir}}:");
    let mut conn = redis::Client::open(server.url())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    let key = format!("{dir}agent:{}", agent.id);
    let json: String = redis::cmd("GET")
        .arg(&key)
        .query_async(&mut conn)
        .await
        .unwrap();
    let mut record: serde_json::Value = serde_json::from_str(&json).unwrap();
    record["agent"]["capacity"] = 6.into();
    record["agent"]["skills"] = serde_json::json!(["de"]);
    let _: () = redis::pipe()
        .cmd("SET")
        .arg(&key)
        .arg(record.to_string())
        .cmd("DEL")
        .arg(format!("{dir}migrated:member-profiles"))
        .arg(format!("{dir}profiles:{a}"))
        .arg(format!("{dir}profiles:{b}"))
        .query_async(&mut conn)
        .await
        .unwrap();
    let store = RedisStore::connect(&server.url(), &prefix).await.unwrap();
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
}
