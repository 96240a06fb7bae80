//! The store contract: what every `Store` implementation must do. The same functions run
//! against SQLite and against Redis (a throwaway `redis-server`, see `redis_server.rs`).

use shopchat::conversation::Lifecycle;
use shopchat::domain::{
    AuthorKind, ClientMsgId, Email, MessageText, Origin, Role, SiteId, Timestamp, VisitorId,
    VisitorState,
};
use shopchat::protocol::Author;
use shopchat::store::redis::RedisStore;
use shopchat::store::sqlite::SqliteStore;
use shopchat::store::{NewAgent, NewMessage, NewSite, StoreError, prelude::*};
use std::sync::Arc;

fn shopper_message(visitor: &VisitorId, key: Option<&str>, text: &str) -> NewMessage {
    NewMessage {
        author: Author {
            kind: AuthorKind::Shopper,
            name: "Shopper".into(),
        },
        author_id: visitor.to_string(),
        text: MessageText::parse(text, 4000).unwrap(),
        client_msg_id: key.map(|k| ClientMsgId::parse(k).unwrap()),
        ts: Timestamp::now(),
    }
}

async fn new_site(store: &dyn Store) -> SiteId {
    let origin = Origin::parse("https://s.example").unwrap();
    store
        .create_site(NewSite {
            name: "S".into(),
            origins: vec![origin],
        })
        .await
        .unwrap()
        .id
}

async fn contract_messages(store: Arc<dyn Store>) {
    let site = new_site(store.as_ref()).await;
    let visitor = VisitorId::generate();
    let first = store
        .append_to_visitor(
            &site,
            &visitor,
            shopper_message(&visitor, Some("k1"), "a"),
            &Lifecycle::new(true).into(),
        )
        .await
        .unwrap();
    assert!(first.opened && !first.duplicate);
    assert_eq!(first.message.seq, 1);
    let again = store
        .append_to_visitor(
            &site,
            &visitor,
            shopper_message(&visitor, Some("k1"), "a"),
            &Lifecycle::new(true).into(),
        )
        .await
        .unwrap();
    assert!(again.duplicate && !again.opened);
    assert_eq!(again.message.id, first.message.id);

    // Concurrent appends to one conversation get distinct, gapless seqs.
    let mut tasks = Vec::new();
    for i in 0..40 {
        let (store, site, visitor) = (store.clone(), site.clone(), visitor.clone());
        tasks.push(tokio::spawn(async move {
            let key = format!("c{i}");
            store
                .append_to_visitor(
                    &site,
                    &visitor,
                    shopper_message(&visitor, Some(&key), "x"),
                    &Lifecycle::new(true).into(),
                )
                .await
                .unwrap()
        }));
    }
    let mut seqs = Vec::new();
    for t in tasks {
        let appended = t.await.unwrap();
        assert_eq!(
            appended.message.conversation_id,
            first.message.conversation_id
        );
        seqs.push(appended.message.seq);
    }
    seqs.sort();
    assert_eq!(seqs, (2..=41).collect::<Vec<_>>());

    let conversation = &first.message.conversation_id;
    let page = store.messages_after(conversation, 10, 5).await.unwrap();
    assert_eq!(
        page.iter().map(|m| m.seq).collect::<Vec<_>>(),
        vec![11, 12, 13, 14, 15]
    );

    // Agents' messages are idempotent per agent, and go only into existing conversations.
    let agent_msg = |key: &str| NewMessage {
        author: Author {
            kind: AuthorKind::Agent,
            name: "Ann".into(),
        },
        author_id: "ag_someagent1".into(),
        text: MessageText::parse("hi", 10).unwrap(),
        client_msg_id: Some(ClientMsgId::parse(key).unwrap()),
        ts: Timestamp::now(),
    };
    // The same key from another sender is a different message.
    let from_agent = store
        .append_message(conversation, agent_msg("k1"))
        .await
        .unwrap();
    assert!(!from_agent.duplicate);
    assert_eq!(from_agent.message.seq, 42);
    assert!(
        store
            .append_message(conversation, agent_msg("k1"))
            .await
            .unwrap()
            .duplicate
    );
    let missing = shopchat::domain::ConversationId::generate();
    assert!(matches!(
        store.append_message(&missing, agent_msg("k2")).await,
        Err(StoreError::NotFound(_))
    ));

    // Read marks never move backwards nor past the end.
    store.mark_read(conversation, 30).await.unwrap();
    store.mark_read(conversation, 5).await.unwrap();
    assert_eq!(
        store
            .conversation(conversation)
            .await
            .unwrap()
            .unwrap()
            .shopper_read_seq,
        30
    );
    store.mark_read(conversation, 999).await.unwrap();
    assert_eq!(
        store
            .conversation(conversation)
            .await
            .unwrap()
            .unwrap()
            .shopper_read_seq,
        42
    );

    // A new visitor's first messages arriving at once (two nodes) open one conversation.
    let newcomer = VisitorId::generate();
    let mut firsts = Vec::new();
    for i in 0..8 {
        let (store, site, newcomer) = (store.clone(), site.clone(), newcomer.clone());
        firsts.push(tokio::spawn(async move {
            let key = format!("first{i}");
            store
                .append_to_visitor(
                    &site,
                    &newcomer,
                    shopper_message(&newcomer, Some(&key), "hi"),
                    &Lifecycle::new(true).into(),
                )
                .await
                .unwrap()
        }));
    }
    let mut opened = 0;
    let mut conversations = std::collections::HashSet::new();
    for t in firsts {
        let appended = t.await.unwrap();
        opened += usize::from(appended.opened);
        conversations.insert(appended.message.conversation_id);
    }
    assert_eq!((opened, conversations.len()), (1, 1));
    assert_eq!(
        store
            .open_conversations(&site, &newcomer)
            .await
            .unwrap()
            .len(),
        1
    );

    // Another visitor gets its own conversation.
    let other = VisitorId::generate();
    let theirs = store
        .append_to_visitor(
            &site,
            &other,
            shopper_message(&other, Some("k1"), "b"),
            &Lifecycle::new(true).into(),
        )
        .await
        .unwrap();
    assert!(theirs.opened);
    assert_ne!(theirs.message.conversation_id, *conversation);
    assert_eq!(
        store
            .open_conversations(&site, &visitor)
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(store.site_conversations(&site, 10).await.unwrap().len(), 3);
    assert_eq!(store.site_conversations(&site, 2).await.unwrap().len(), 2);
}

async fn contract_accounts_visitors_secrets(store: Arc<dyn Store>) {
    let site = new_site(store.as_ref()).await;
    let email = Email::parse("a@b.example").unwrap();
    let new = NewAgent {
        email: email.clone(),
        display_name: "A".into(),
        password_hash: "$argon2id$fake".into(),
        must_change_password: false,
        memberships: vec![(site.clone(), Role::Agent)],
    };
    let agent = store.create_agent(new.clone()).await.unwrap();
    assert!(matches!(
        store.create_agent(new.clone()).await,
        Err(StoreError::Conflict(_))
    ));
    let mut nowhere = new;
    nowhere.email = Email::parse("c@d.example").unwrap();
    nowhere.memberships = vec![(SiteId::generate(), Role::Agent)];
    assert!(matches!(
        store.create_agent(nowhere).await,
        Err(StoreError::NotFound(_))
    ));
    let memberships = store.memberships(&agent.id).await.unwrap();
    assert_eq!(
        (memberships[0].site_id.clone(), memberships[0].role),
        (site.clone(), Role::Agent)
    );
    assert_eq!(
        store
            .agent_credentials(&email)
            .await
            .unwrap()
            .unwrap()
            .agent
            .id,
        agent.id
    );

    let visitor = VisitorId::generate();
    assert!(store.load_visitor(&site, &visitor).await.unwrap().is_none());
    let state = VisitorState::first_visit(Timestamp(5));
    store.save_visitor(&site, &visitor, &state).await.unwrap();
    assert_eq!(
        store.load_visitor(&site, &visitor).await.unwrap(),
        Some(state)
    );
    let other_site = new_site(store.as_ref()).await;
    assert!(
        store
            .load_visitor(&other_site, &visitor)
            .await
            .unwrap()
            .is_none(),
        "visitors are per site"
    );

    let a = store.secret("s", || "one".into()).await.unwrap();
    let b = store.secret("s", || "two".into()).await.unwrap();
    assert_eq!((a.as_str(), b.as_str()), ("one", "one"));
    store.ping().await.unwrap();
}

async fn contract_rules_funnel_settings(store: Arc<dyn Store>) {
    use shopchat::domain::RuleId;
    use shopchat::store::TriggerSettings;
    use shopchat::triggers::Stage;
    let site = new_site(store.as_ref()).await;
    let other = new_site(store.as_ref()).await;
    let id = RuleId::generate();
    assert!(
        store
            .save_rule(&site, &id, serde_json::json!({ "name": "a" }))
            .await
            .unwrap(),
        "created"
    );
    assert!(
        !store
            .save_rule(&site, &id, serde_json::json!({ "name": "b" }))
            .await
            .unwrap(),
        "replaced"
    );
    let rules = store.list_rules(&site).await.unwrap();
    assert_eq!(
        (rules.len(), rules[0].spec["name"].as_str()),
        (1, Some("b"))
    );
    assert!(
        store.list_rules(&other).await.unwrap().is_empty(),
        "rules are per site"
    );
    assert!(
        matches!(
            store.save_rule(&other, &id, serde_json::json!({})).await,
            Err(StoreError::NotFound(_))
        ),
        "another site cannot overwrite the rule"
    );

    for stage in [Stage::Fired, Stage::Fired, Stage::Converted] {
        store.count_funnel(&site, &id, false, stage).await.unwrap();
    }
    store
        .count_funnel(&site, &id, true, Stage::Fired)
        .await
        .unwrap();
    store
        .count_funnel(&other, &id, false, Stage::Fired)
        .await
        .unwrap(); // wrong site: ignored
    let funnel = store.funnel(&site, &id).await.unwrap();
    assert_eq!(
        (funnel.shown, funnel.held_out),
        ([2, 0, 0, 1], [1, 0, 0, 0])
    );

    assert_eq!(
        store.trigger_settings(&site).await.unwrap(),
        TriggerSettings::default()
    );
    let custom = TriggerSettings {
        fatigue_max: 3,
        ..TriggerSettings::default()
    };
    store.set_trigger_settings(&site, &custom).await.unwrap();
    assert_eq!(store.trigger_settings(&site).await.unwrap(), custom);
    assert_eq!(
        store.trigger_settings(&other).await.unwrap(),
        TriggerSettings::default()
    );

    assert!(
        !store.delete_rule(&other, &id).await.unwrap(),
        "not the other site's to delete"
    );
    assert!(store.delete_rule(&site, &id).await.unwrap());
    assert_eq!(
        store.funnel(&site, &id).await.unwrap().shown,
        [0; 4],
        "the funnel goes with the rule"
    );
}

#[tokio::test]
async fn sqlite_store_meets_the_contract() {
    let dir = tempfile::TempDir::new().unwrap();
    let store = Arc::new(SqliteStore::open(dir.path()).unwrap());
    contract_messages(store.clone()).await;
    contract_accounts_visitors_secrets(store.clone()).await;
    contract_rules_funnel_settings(store.clone()).await;
    contract_team(store.clone()).await;
    contract_site_stats(store.clone()).await;
    contract_conversation_lifecycle(store.clone()).await;
    contract_search_notes_reads(store.clone()).await;
    contract_sites_accounts_settings(store.clone()).await;
    contract_library(store.clone()).await;
    contract_member_profiles(store.clone()).await;
    contract_token_generation(store.clone()).await;
    contract_opening_cart(store.clone()).await;
    store.close().await;
    assert!(matches!(
        store.ping().await,
        Err(StoreError::Unavailable { .. })
    ));
}

async fn contract_team(store: Arc<dyn Store>) {
    let site = new_site(store.as_ref()).await;
    let account = |email: &str, role: Role| NewAgent {
        email: Email::parse(email).unwrap(),
        display_name: "T".into(),
        password_hash: "x".into(),
        must_change_password: false,
        memberships: vec![(site.clone(), role)],
    };
    let owner = store
        .create_agent(account("team-owner@x.example", Role::Owner))
        .await
        .unwrap();
    let mut loner = account("team-agent@x.example", Role::Agent);
    loner.memberships.clear();
    let agent = store.create_agent(loner).await.unwrap();

    store
        .add_membership(&agent.id, &site, Role::Agent)
        .await
        .unwrap();
    assert!(matches!(
        store.add_membership(&agent.id, &site, Role::Owner).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        store.set_role(&site, &owner.id, Role::Agent).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        store.remove_membership(&site, &owner.id).await,
        Err(StoreError::Conflict(_))
    ));
    store.set_role(&site, &agent.id, Role::Owner).await.unwrap();
    store.set_role(&site, &owner.id, Role::Agent).await.unwrap();
    assert!(store.remove_membership(&site, &owner.id).await.unwrap());
    assert!(!store.remove_membership(&site, &owner.id).await.unwrap());
    assert!(matches!(
        store.set_role(&site, &owner.id, Role::Owner).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(store.memberships(&owner.id).await.unwrap().is_empty());
    let roles: Vec<Role> = store
        .site_agents(&site)
        .await
        .unwrap()
        .iter()
        .map(|m| m.role)
        .collect();
    assert_eq!(roles, [Role::Owner]);
}

async fn contract_site_stats(store: Arc<dyn Store>) {
    use shopchat::conversation::{HandoffReason, Opening};
    use shopchat::store::DayStats;
    // 2026-03-10T00:00:00Z.
    const DAY: i64 = 1_773_100_800_000;
    const DAY_MS: i64 = 86_400_000;
    let site = new_site(store.as_ref()).await;
    let other = new_site(store.as_ref()).await;
    let at = |ts: i64, mut message: NewMessage| {
        message.ts = Timestamp(ts);
        message
    };
    let queued = Opening {
        lifecycle: Lifecycle::new(false),
        reason: Some(HandoffReason::ShopperAsked),
        cart_total: 0.0,
    };
    // Ten chats queued on the 10th, answered after 1 s, 2 s, … 10 s.
    for i in 0..10i64 {
        let visitor = VisitorId::generate();
        let start = DAY + 3_600_000 + i * 60_000;
        let opened = store
            .append_to_visitor(
                &site,
                &visitor,
                at(start, shopper_message(&visitor, None, "help")),
                &queued,
            )
            .await
            .unwrap();
        let reply = NewMessage {
            author: Author {
                kind: AuthorKind::Agent,
                name: "Ann".into(),
            },
            author_id: "ag_contract".into(),
            text: MessageText::parse("hi", 4000).unwrap(),
            client_msg_id: None,
            ts: Timestamp(start + (i + 1) * 1000),
        };
        store
            .append_message(&opened.conversation.id, reply)
            .await
            .unwrap();
    }
    // One bot-only chat on the 9th; one before the window; one on another site.
    for (site, ts) in [
        (&site, DAY - DAY_MS + 5),
        (&site, DAY - DAY_MS - 1),
        (&other, DAY + 5),
    ] {
        let visitor = VisitorId::generate();
        store
            .append_to_visitor(
                site,
                &visitor,
                at(ts, shopper_message(&visitor, None, "hi")),
                &Lifecycle::new(true).into(),
            )
            .await
            .unwrap();
    }
    let stats = store
        .site_stats(&site, Timestamp(DAY - DAY_MS), Timestamp(DAY + DAY_MS))
        .await
        .unwrap();
    assert_eq!(
        stats.days,
        [
            DayStats {
                date: "2026-03-09".into(),
                conversations: 1,
                handed_off: 0
            },
            DayStats {
                date: "2026-03-10".into(),
                conversations: 10,
                handed_off: 10
            },
        ]
    );
    assert_eq!(stats.handoff_reasons, [(HandoffReason::ShopperAsked, 10)]);
    assert_eq!(
        (stats.conversations, stats.bot_only, stats.with_agent),
        (11, 1, 10)
    );
    // Nearest rank: the 5th and the 9th of ten waits.
    assert_eq!(stats.responses, 10);
    assert_eq!(stats.median_response_ms, Some(5000));
    assert_eq!(stats.p90_response_ms, Some(9000));

    let none = store
        .site_stats(&other, Timestamp(DAY + DAY_MS), Timestamp(DAY + 2 * DAY_MS))
        .await
        .unwrap();
    assert_eq!(none, shopchat::store::SiteStats::default());
}

/// Runs every contract function, as for SQLite.
async fn run_contract(store: Arc<dyn Store>) {
    contract_messages(store.clone()).await;
    contract_accounts_visitors_secrets(store.clone()).await;
    contract_rules_funnel_settings(store.clone()).await;
    contract_team(store.clone()).await;
    contract_site_stats(store.clone()).await;
    contract_conversation_lifecycle(store.clone()).await;
    contract_search_notes_reads(store.clone()).await;
    contract_sites_accounts_settings(store.clone()).await;
    contract_library(store.clone()).await;
    contract_member_profiles(store.clone()).await;
    contract_idle_search(store.clone()).await;
    contract_token_generation(store.clone()).await;
    contract_opening_cart(store.clone()).await;
}

/// `active_before` finds the conversations with no message or change since a moment (the
/// idle sweep's question), in any stage filter, on one site only.
async fn contract_idle_search(store: Arc<dyn Store>) {
    use shopchat::conversation::Stage;
    use shopchat::store::ConversationFilter;
    let site = new_site(store.as_ref()).await;
    let other = new_site(store.as_ref()).await;
    let mut convs = Vec::new();
    for (i, on) in [&site, &site, &site, &other].into_iter().enumerate() {
        let visitor = VisitorId::generate();
        let mut message = shopper_message(&visitor, None, "hello");
        message.ts = Timestamp(1_000_000 * (i as i64 % 3 + 1));
        let appended = store
            .append_to_visitor(on, &visitor, message, &Lifecycle::new(true).into())
            .await
            .unwrap();
        convs.push(appended.conversation);
    }
    // The third changes now (queued): active, whatever its messages' times.
    let mut third = convs[2].clone();
    third.lifecycle.stage = Stage::Queued;
    store.save_conversation(&third, 0, None).await.unwrap();
    let find = |stages: Vec<&'static str>, before: i64| {
        let store = store.clone();
        let site = site.clone();
        async move {
            store
                .find_conversations(&ConversationFilter {
                    site: Some(site),
                    stages,
                    active_before: Some(Timestamp(before)),
                    limit: 10,
                    ..ConversationFilter::default()
                })
                .await
                .unwrap()
                .into_iter()
                .map(|c| c.id)
                .collect::<Vec<_>>()
        }
    };
    let open = vec!["bot", "queued", "assigned"];
    assert_eq!(
        find(open.clone(), 2_500_000).await,
        vec![convs[1].id.clone(), convs[0].id.clone()]
    );
    assert_eq!(
        find(open.clone(), 2_000_000).await,
        vec![convs[0].id.clone()]
    );
    assert_eq!(
        find(vec!["bot"], 2_500_000).await,
        vec![convs[1].id.clone(), convs[0].id.clone()]
    );
    assert_eq!(find(vec!["queued"], 2_500_000).await, Vec::new());
    assert_eq!(find(open, 999_999).await, Vec::new());
}

/// A prefix no other run shares, so tests could even share one Redis.
fn unique_prefix() -> String {
    format!("test-{}:", shopchat::domain::random_token(8))
}

#[tokio::test]
async fn redis_store_meets_the_contract() {
    let server = crate::redis_server::RedisServer::start().await;
    let store = Arc::new(
        RedisStore::connect(&server.url(), &unique_prefix())
            .await
            .unwrap(),
    );
    run_contract(store).await;
}

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

fn agent_message(agent: &str, key: Option<&str>, text: &str, ts: i64) -> NewMessage {
    NewMessage {
        author: Author {
            kind: AuthorKind::Agent,
            name: "Ann".into(),
        },
        author_id: agent.into(),
        text: MessageText::parse(text, 4000).unwrap(),
        client_msg_id: key.map(|k| ClientMsgId::parse(k).unwrap()),
        ts: Timestamp(ts),
    }
}

/// Compare-and-set on the version, notices in the same step, and what a closed
/// conversation accepts.
async fn contract_conversation_lifecycle(store: Arc<dyn Store>) {
    use shopchat::conversation::Stage;
    use shopchat::domain::AgentId;
    let site = new_site(store.as_ref()).await;
    let visitor = VisitorId::generate();
    let opened = store
        .append_to_visitor(
            &site,
            &visitor,
            shopper_message(&visitor, None, "hi"),
            &Lifecycle::new(false).into(),
        )
        .await
        .unwrap();
    let conv = opened.conversation.clone();
    assert_eq!(conv.lifecycle.stage, Stage::Queued);
    assert_eq!((conv.lifecycle.version, conv.last_seq), (0, 1));
    assert_eq!(
        conv.queued_at,
        Some(opened.message.ts),
        "queued when opened"
    );

    // Two agents take the chat at once: exactly one wins, the other gets Conflict.
    let mut tasks = Vec::new();
    for _ in 0..2 {
        let (store, mut taken) = (store.clone(), conv.clone());
        tasks.push(tokio::spawn(async move {
            let agent = AgentId::generate();
            taken.lifecycle.stage = Stage::Assigned {
                agent: agent.clone(),
            };
            taken.lifecycle.last_agent = Some(agent);
            let notice = NewMessage {
                author: Author {
                    kind: AuthorKind::System,
                    name: "shopchat".into(),
                },
                author_id: "system".into(),
                text: MessageText::parse("taken", 100).unwrap(),
                client_msg_id: None,
                ts: Timestamp::now(),
            };
            store.save_conversation(&taken, 0, Some(notice)).await
        }));
    }
    let mut wins = Vec::new();
    for t in tasks {
        match t.await.unwrap() {
            Ok(saved) => wins.push(saved),
            Err(StoreError::Conflict(_)) => {}
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(wins.len(), 1, "one of two concurrent takes wins");
    let (saved, notice) = wins.pop().unwrap();
    assert_eq!(saved.lifecycle.version, 1);
    assert_eq!(notice.as_ref().map(|n| n.seq), Some(2));
    assert_eq!(saved.last_seq, 2);
    let agent = saved.agent().cloned().unwrap();
    let read = store.conversation(&conv.id).await.unwrap().unwrap();
    assert_eq!(read.lifecycle, saved.lifecycle);
    assert_eq!(read.last_seq, 2);
    // A stale version is refused and changes nothing.
    assert!(matches!(
        store.save_conversation(&conv, 0, None).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        store.conversation(&conv.id).await.unwrap().unwrap().agent(),
        Some(&agent)
    );
    let texts: Vec<String> = store
        .messages_after(&conv.id, 0, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.text)
        .collect();
    assert_eq!(texts, ["hi", "taken"]);

    // Fields the header carries survive a save and a read.
    let mut tagged = saved.clone();
    tagged.tags = vec!["vip".into()];
    tagged.priority = 7;
    tagged.cart_total = 129.5;
    tagged.contact_email = Some("s@x.example".into());
    let (tagged, none) = store.save_conversation(&tagged, 1, None).await.unwrap();
    assert!(none.is_none());
    assert_eq!(tagged.lifecycle.version, 2);
    let read = store.conversation(&conv.id).await.unwrap().unwrap();
    assert_eq!(read, tagged);
    assert_eq!(
        (read.tags.clone(), read.priority, read.cart_total),
        (vec!["vip".to_string()], 7, 129.5)
    );

    // Closed: agents cannot write into it, the shopper's next message opens a new one.
    let mut closed = read.clone();
    closed.lifecycle.stage = Stage::Closed;
    closed.lifecycle.closed_at = Some(Timestamp::now());
    store.save_conversation(&closed, 2, None).await.unwrap();
    assert!(matches!(
        store
            .append_message(&conv.id, agent_message(agent.as_str(), None, "late", 1))
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert!(
        store
            .open_conversations(&site, &visitor)
            .await
            .unwrap()
            .is_empty()
    );
    let next = store
        .append_to_visitor(
            &site,
            &visitor,
            shopper_message(&visitor, None, "again"),
            &Lifecycle::started_by(agent.clone()).into(),
        )
        .await
        .unwrap();
    assert!(next.opened);
    assert_ne!(next.conversation.id, conv.id);
    assert_eq!(next.message.seq, 1);
    assert_eq!(
        next.conversation.agent(),
        Some(&agent),
        "opened per the Opening"
    );
    let open = store.open_conversations(&site, &visitor).await.unwrap();
    assert_eq!(
        open.iter().map(|c| c.id.clone()).collect::<Vec<_>>(),
        std::slice::from_ref(&next.conversation.id)
    );
}

/// Search filters, notes, the last shopper message and the agents' read mark.
async fn contract_search_notes_reads(store: Arc<dyn Store>) {
    use shopchat::conversation::Stage;
    use shopchat::domain::{AgentId, NoteId};
    use shopchat::store::{ConversationFilter, Note};
    let site = new_site(store.as_ref()).await;
    let other = new_site(store.as_ref()).await;
    let agent = AgentId::generate();
    let mut ids = Vec::new();
    for (i, text) in ["Where is my ORDER?", "shoes", "refund please"]
        .iter()
        .enumerate()
    {
        let visitor = VisitorId::generate();
        let mut message = shopper_message(&visitor, None, text);
        message.ts = Timestamp(1_000_000 + i as i64 * 1000);
        let appended = store
            .append_to_visitor(&site, &visitor, message, &Lifecycle::new(true).into())
            .await
            .unwrap();
        ids.push(appended.conversation);
    }
    // The second is assigned and tagged; the third goes to the queue.
    let mut second = ids[1].clone();
    second.lifecycle.stage = Stage::Assigned {
        agent: agent.clone(),
    };
    second.tags = vec!["shoes".into()];
    let (second, _) = store.save_conversation(&second, 0, None).await.unwrap();
    let mut third = ids[2].clone();
    third.lifecycle.stage = Stage::Queued;
    store.save_conversation(&third, 0, None).await.unwrap();
    let visitor = VisitorId::generate();
    store
        .append_to_visitor(
            &other,
            &visitor,
            shopper_message(&visitor, None, "order elsewhere"),
            &Lifecycle::new(true).into(),
        )
        .await
        .unwrap();

    let find = |filter: ConversationFilter| {
        let store = store.clone();
        async move {
            store
                .find_conversations(&filter)
                .await
                .unwrap()
                .into_iter()
                .map(|c| c.id)
                .collect::<Vec<_>>()
        }
    };
    let base = ConversationFilter {
        site: Some(site.clone()),
        limit: 10,
        ..ConversationFilter::default()
    };
    // Most recently active first: the two saved just now, then the first.
    let all = find(base.clone()).await;
    assert_eq!(all.len(), 3);
    assert_eq!(all[2], ids[0].id);
    assert_eq!(
        find(ConversationFilter {
            limit: 1,
            ..base.clone()
        })
        .await
        .len(),
        1
    );
    assert_eq!(
        find(ConversationFilter {
            stages: vec!["queued"],
            ..base.clone()
        })
        .await,
        [ids[2].id.clone()]
    );
    let mut open = find(ConversationFilter {
        stages: vec!["bot", "queued", "assigned"],
        ..base.clone()
    })
    .await;
    open.sort();
    let mut expected: Vec<_> = ids.iter().map(|c| c.id.clone()).collect();
    expected.sort();
    assert_eq!(open, expected);
    assert_eq!(
        find(ConversationFilter {
            stages: vec!["closed"],
            ..base.clone()
        })
        .await,
        []
    );
    assert_eq!(
        find(ConversationFilter {
            site: None,
            agent: Some(agent.clone()),
            stages: vec!["assigned"],
            ..base.clone()
        })
        .await,
        std::slice::from_ref(&second.id),
        "an agent's chats across sites"
    );
    assert_eq!(
        find(ConversationFilter {
            tag: Some("shoes".into()),
            ..base.clone()
        })
        .await,
        std::slice::from_ref(&second.id)
    );
    assert_eq!(
        find(ConversationFilter {
            text: Some("order".into()),
            ..base.clone()
        })
        .await,
        [ids[0].id.clone()],
        "text search ignores case and stays on the site"
    );
    assert_eq!(
        find(ConversationFilter {
            visitor: Some(ids[2].visitor_id.clone()),
            ..base.clone()
        })
        .await,
        [ids[2].id.clone()]
    );
    assert_eq!(
        find(ConversationFilter {
            from: Some(Timestamp(1_001_000)),
            to: Some(Timestamp(1_002_000)),
            ..base.clone()
        })
        .await,
        [ids[1].id.clone()],
        "created in [from, to)"
    );

    // The last shopper message ignores agents' messages after it.
    let conv = &ids[1].id;
    store
        .append_message(
            conv,
            agent_message(agent.as_str(), None, "hello", 2_000_000),
        )
        .await
        .unwrap();
    let last = store.last_shopper_message(conv).await.unwrap().unwrap();
    assert_eq!((last.text.as_str(), last.seq), ("shoes", 1));
    assert!(
        store
            .last_shopper_message(&shopchat::domain::ConversationId::generate())
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store.messages_after(conv, 2, 10).await.unwrap().is_empty(),
        "nothing after the end"
    );

    store.mark_agent_read(conv, 1).await.unwrap();
    store.mark_agent_read(conv, 0).await.unwrap();
    assert_eq!(
        store
            .conversation(conv)
            .await
            .unwrap()
            .unwrap()
            .agent_read_seq,
        1
    );
    store.mark_agent_read(conv, 50).await.unwrap();
    assert_eq!(
        store
            .conversation(conv)
            .await
            .unwrap()
            .unwrap()
            .agent_read_seq,
        2
    );

    let note = |text: &str, ts: i64| Note {
        id: NoteId::generate(),
        conversation_id: conv.clone(),
        agent_id: agent.clone(),
        author_name: "Ann".into(),
        text: text.into(),
        ts: Timestamp(ts),
    };
    let (late, early) = (note("second", 20), note("first", 10));
    store.add_note(&late).await.unwrap();
    store.add_note(&early).await.unwrap();
    assert_eq!(store.notes(conv).await.unwrap(), [early, late]);
    assert!(store.notes(&ids[0].id).await.unwrap().is_empty());
}

/// Sites by key, renames, passwords and profiles, chat settings.
async fn contract_sites_accounts_settings(store: Arc<dyn Store>) {
    use shopchat::conversation::ChatSettings;
    let site_id = new_site(store.as_ref()).await;
    let site = store.site(&site_id).await.unwrap().unwrap();
    assert_eq!(
        store.site_by_public_key(&site.public_key).await.unwrap(),
        Some(site.clone())
    );
    assert!(store.site_by_public_key("pk_nope").await.unwrap().is_none());
    assert!(store.list_sites().await.unwrap().contains(&site));
    let origin = Origin::parse("https://new.example").unwrap();
    let renamed = store
        .update_site(&site_id, Some("Renamed".into()), Some(vec![origin.clone()]))
        .await
        .unwrap();
    assert_eq!(
        (renamed.name.as_str(), renamed.origins.clone()),
        ("Renamed", vec![origin])
    );
    assert_eq!(renamed.public_key, site.public_key, "the key stays");
    assert_eq!(store.site(&site_id).await.unwrap(), Some(renamed));
    assert!(matches!(
        store
            .update_site(&SiteId::generate(), Some("x".into()), None)
            .await,
        Err(StoreError::NotFound(_))
    ));

    let agent = store
        .create_agent(NewAgent {
            email: Email::parse("settings@x.example").unwrap(),
            display_name: "S".into(),
            password_hash: "old".into(),
            must_change_password: true,
            memberships: vec![(site_id.clone(), Role::Owner)],
        })
        .await
        .unwrap();
    store.set_password(&agent.id, "new".into()).await.unwrap();
    let creds = store
        .agent_credentials(&agent.email)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(creds.password_hash, "new");
    assert!(!creds.agent.must_change_password);
    let missing = shopchat::domain::AgentId::generate();
    assert!(matches!(
        store.set_password(&missing, "x".into()).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(store.agent(&missing).await.unwrap().is_none());

    assert_eq!(
        store.chat_settings(&site_id).await.unwrap(),
        ChatSettings::default()
    );
    let custom = ChatSettings {
        bot_enabled: !ChatSettings::default().bot_enabled,
        greeting: "Hej!".into(),
        ..ChatSettings::default()
    };
    store.set_chat_settings(&site_id, &custom).await.unwrap();
    assert_eq!(store.chat_settings(&site_id).await.unwrap(), custom);
}

/// Routing profiles (capacity, skills) belong to a membership: setting one site's leaves the
/// account's other sites as they were, a new membership starts with the default, and a
/// membership removed and added again starts over.
async fn contract_member_profiles(store: Arc<dyn Store>) {
    use shopchat::store::RoutingProfile;
    let (a, b) = (
        new_site(store.as_ref()).await,
        new_site(store.as_ref()).await,
    );
    let agent = store
        .create_agent(NewAgent {
            email: Email::parse("profiles@x.example").unwrap(),
            display_name: "P".into(),
            password_hash: "h".into(),
            must_change_password: false,
            memberships: vec![(b.clone(), Role::Agent)],
        })
        .await
        .unwrap();
    let on_b = RoutingProfile {
        capacity: 2,
        skills: vec!["returns".into()],
    };
    store
        .set_member_profile(&b, &agent.id, &on_b)
        .await
        .unwrap();
    assert!(
        matches!(
            store
                .set_member_profile(&a, &agent.id, &RoutingProfile::default())
                .await,
            Err(StoreError::NotFound(_))
        ),
        "not a member of a yet"
    );
    store
        .add_membership(&agent.id, &a, Role::Agent)
        .await
        .unwrap();
    let profile_on = |memberships: Vec<shopchat::store::Membership>, site: &SiteId| {
        memberships
            .into_iter()
            .find(|m| &m.site_id == site)
            .map(|m| m.profile)
    };
    assert_eq!(
        profile_on(store.memberships(&agent.id).await.unwrap(), &a),
        Some(RoutingProfile::default()),
        "a new membership starts with the default, not another site's profile"
    );
    let on_a = RoutingProfile {
        capacity: 7,
        skills: vec!["de".into(), "vip".into()],
    };
    store
        .set_member_profile(&a, &agent.id, &on_a)
        .await
        .unwrap();
    let memberships = store.memberships(&agent.id).await.unwrap();
    assert_eq!(profile_on(memberships.clone(), &a), Some(on_a.clone()));
    assert_eq!(
        profile_on(memberships, &b),
        Some(on_b.clone()),
        "b untouched"
    );
    let listed = |site: SiteId| {
        let store = store.clone();
        let id = agent.id.clone();
        async move {
            store
                .site_agents(&site)
                .await
                .unwrap()
                .into_iter()
                .find(|m| m.agent.id == id)
                .map(|m| m.profile)
        }
    };
    assert_eq!(listed(a.clone()).await, Some(on_a));
    assert_eq!(listed(b.clone()).await, Some(on_b));
    assert!(store.remove_membership(&a, &agent.id).await.unwrap());
    store
        .add_membership(&agent.id, &a, Role::Agent)
        .await
        .unwrap();
    assert_eq!(
        listed(a.clone()).await,
        Some(RoutingProfile::default()),
        "removed and added again: starts over"
    );
    assert!(matches!(
        store
            .set_member_profile(
                &a,
                &shopchat::domain::AgentId::generate(),
                &RoutingProfile::default()
            )
            .await,
        Err(StoreError::NotFound(_))
    ));
}

/// Articles and canned replies: scoped by site, shortcuts unique per site.
async fn contract_library(store: Arc<dyn Store>) {
    use shopchat::store::{NewArticle, NewCanned};
    let site = new_site(store.as_ref()).await;
    let other = new_site(store.as_ref()).await;
    let article = store
        .create_article(
            &site,
            NewArticle {
                question: "Shipping?".into(),
                answer: "3 days".into(),
            },
        )
        .await
        .unwrap();
    let later = store
        .create_article(
            &site,
            NewArticle {
                question: "Returns?".into(),
                answer: "30 days".into(),
            },
        )
        .await
        .unwrap();
    let listed: Vec<_> = store
        .list_articles(&site)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.id)
        .collect();
    // Oldest first; two made in the same millisecond go by id.
    let mut expected = [&article, &later];
    expected.sort_by(|a, b| (a.created_at, a.id.as_str()).cmp(&(b.created_at, b.id.as_str())));
    assert_eq!(
        listed,
        expected.map(|a| a.id.clone()),
        "oldest first, then by id"
    );
    assert!(store.article(&other, &article.id).await.unwrap().is_none());
    let changed = store
        .update_article(
            &site,
            &article.id,
            NewArticle {
                question: "Shipping time?".into(),
                answer: "2 days".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (changed.answer.as_str(), changed.created_at),
        ("2 days", article.created_at)
    );
    assert_eq!(
        store.article(&site, &article.id).await.unwrap(),
        Some(changed)
    );
    assert!(matches!(
        store
            .update_article(
                &other,
                &article.id,
                NewArticle {
                    question: "x".into(),
                    answer: "y".into()
                }
            )
            .await,
        Err(StoreError::NotFound(_))
    ));
    assert!(!store.delete_article(&other, &article.id).await.unwrap());
    assert!(store.delete_article(&site, &article.id).await.unwrap());
    assert!(!store.delete_article(&site, &article.id).await.unwrap());

    let canned = |shortcut: &str| NewCanned {
        shortcut: shortcut.into(),
        title: None,
        body: format!("body of {shortcut}"),
    };
    let thanks = store.create_canned(&site, canned("thanks")).await.unwrap();
    let hello = store.create_canned(&site, canned("hello")).await.unwrap();
    assert!(matches!(
        store.create_canned(&site, canned("thanks")).await,
        Err(StoreError::Conflict(_))
    ));
    store
        .create_canned(&other, canned("thanks"))
        .await
        .expect("shortcuts are per site");
    let shortcuts: Vec<String> = store
        .list_canned(&site)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.shortcut)
        .collect();
    assert_eq!(shortcuts, ["hello", "thanks"], "ordered by shortcut");
    assert!(matches!(
        store
            .update_canned(&site, &hello.id, canned("thanks"))
            .await,
        Err(StoreError::Conflict(_))
    ));
    let mut same = canned("hello");
    same.title = Some("Greeting".into());
    let kept = store.update_canned(&site, &hello.id, same).await.unwrap();
    assert_eq!(kept.title.as_deref(), Some("Greeting"));
    // Renaming frees the old shortcut.
    store
        .update_canned(&site, &hello.id, canned("hi"))
        .await
        .unwrap();
    store
        .create_canned(&site, canned("hello"))
        .await
        .expect("the old shortcut is free again");
    assert!(matches!(
        store.update_canned(&other, &hello.id, canned("x")).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(store.canned(&other, &thanks.id).await.unwrap().is_none());
    assert!(store.delete_canned(&site, &thanks.id).await.unwrap());
    assert!(!store.delete_canned(&site, &thanks.id).await.unwrap());
    store
        .create_canned(&site, canned("thanks"))
        .await
        .expect("a deleted reply frees its shortcut");
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

/// An account's token generation starts at 0, moves with every password change (and with
/// nothing else), and is `None` for an account that does not exist.
async fn contract_token_generation(store: Arc<dyn Store>) {
    let site = new_site(store.as_ref()).await;
    let agent = store
        .create_agent(NewAgent {
            email: Email::parse("generation@b.example").unwrap(),
            display_name: "G".into(),
            password_hash: "$argon2id$fake".into(),
            must_change_password: true,
            memberships: vec![(site.clone(), Role::Agent)],
        })
        .await
        .unwrap();
    assert_eq!(store.token_generation(&agent.id).await.unwrap(), Some(0));
    store
        .set_password(&agent.id, "$argon2id$other".into())
        .await
        .unwrap();
    assert_eq!(store.token_generation(&agent.id).await.unwrap(), Some(1));
    store
        .set_password(&agent.id, "$argon2id$third".into())
        .await
        .unwrap();
    assert_eq!(store.token_generation(&agent.id).await.unwrap(), Some(2));
    // The password and the flag changed with it; other writes leave the generation alone.
    let creds = store
        .agent_credentials(&agent.email)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(creds.password_hash, "$argon2id$third");
    assert!(!creds.agent.must_change_password);
    store.set_role(&site, &agent.id, Role::Owner).await.unwrap();
    assert_eq!(store.token_generation(&agent.id).await.unwrap(), Some(2));
    assert_eq!(
        store
            .token_generation(&shopchat::domain::AgentId::generate())
            .await
            .unwrap(),
        None
    );
}

/// A conversation opens with the visitor's cart value from its `Opening`, in the same write:
/// the queue orders by it from the first moment.
async fn contract_opening_cart(store: Arc<dyn Store>) {
    use shopchat::conversation::Opening;
    let site = new_site(store.as_ref()).await;
    let visitor = VisitorId::generate();
    let opening = Opening::from(Lifecycle::new(false)).with_cart(912.5);
    let appended = store
        .append_to_visitor(
            &site,
            &visitor,
            shopper_message(&visitor, None, "hi"),
            &opening,
        )
        .await
        .unwrap();
    assert!(appended.opened);
    assert_eq!(appended.conversation.cart_total, 912.5);
    let loaded = store
        .conversation(&appended.conversation.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(loaded.cart_total, 912.5);
}
