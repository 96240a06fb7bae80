//! Conversations and their messages: appends, opening, compare-and-set.

use super::{agent_message, new_site, shopper_message};
use shopchat::conversation::Lifecycle;
use shopchat::domain::{Author, AuthorKind, ClientMsgId, MessageText, Timestamp, VisitorId};
use shopchat::store::{NewMessage, StoreError, prelude::*};
use std::sync::Arc;

store_contract!(
    messages_append_in_order_once_per_key_in_the_open_conversation,
    conversations_change_by_compare_and_set_with_their_notices,
    a_conversation_opens_with_the_visitors_cart_value,
);

/// A visitor's messages go to its open conversation in seq order, a repeated key stores
/// nothing, and reads page by seq.
async fn messages_append_in_order_once_per_key_in_the_open_conversation(store: Arc<dyn Store>) {
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
        attachments: Vec::new(),
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

/// Compare-and-set on the version, notices in the same step, and what a closed
/// conversation accepts.
async fn conversations_change_by_compare_and_set_with_their_notices(store: Arc<dyn Store>) {
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
                attachments: Vec::new(),
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

/// A conversation opens with the visitor's cart value from its `Opening`, in the same write:
/// the queue orders by it from the first moment.
async fn a_conversation_opens_with_the_visitors_cart_value(store: Arc<dyn Store>) {
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
