//! The store contract: what every `Store` implementation must do. Run here against SQLite;
//! a Redis store runs the same functions.

use shopchat::conversation::Lifecycle;
use shopchat::domain::{
    AuthorKind, ClientMsgId, Email, MessageText, Origin, Role, SiteId, Timestamp, VisitorId,
    VisitorState,
};
use shopchat::protocol::Author;
use shopchat::store::sqlite::SqliteStore;
use shopchat::store::{NewAgent, NewMessage, NewSite, Store, StoreError};
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
    assert_eq!(store.site_conversations(&site, 10).await.unwrap().len(), 2);
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
    store.close().await;
    assert!(matches!(store.ping().await, Err(StoreError::Closed)));
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
