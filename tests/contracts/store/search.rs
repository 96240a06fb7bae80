//! Finding conversations, notes and read marks.

use super::{agent_message, new_site, shopper_message};
use shopchat::conversation::Lifecycle;
use shopchat::domain::{Timestamp, VisitorId};
use shopchat::store::prelude::*;
use std::sync::Arc;

/// Waits (within the deadline) until a text search for `text` on `site` finds `want`
/// conversations. SQLite indexes a message a moment after its `ack`, in the order messages
/// were stored: once the newest message is found, every earlier one is searchable too.
pub(super) async fn found_soon(
    store: &dyn Store,
    site: &shopchat::domain::SiteId,
    text: &str,
    want: usize,
) {
    let filter = shopchat::conversation::ConversationFilter {
        site: Some(site.clone()),
        text: Some(text.to_owned()),
        limit: 10,
        ..Default::default()
    };
    let until = tokio::time::Instant::now() + crate::common::DEADLINE;
    loop {
        let found = store.find_conversations(&filter).await.unwrap().len();
        if found == want {
            return;
        }
        assert!(
            tokio::time::Instant::now() < until,
            "{text}: {found} found, not {want}"
        );
        tokio::task::yield_now().await;
    }
}

store_contract!(
    search_filters_notes_last_shopper_message_and_read_marks,
    finds_the_conversations_idle_since_a_moment,
    text_search_finds_words_and_prefixes_takes_syntax_as_text_and_forgets_the_erased,
);

/// Search filters, notes, the last shopper message and the agents' read mark.
async fn search_filters_notes_last_shopper_message_and_read_marks(store: Arc<dyn Store>) {
    use shopchat::conversation::{ConversationFilter, Note, Stage};
    use shopchat::domain::{AgentId, NoteId};
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
    found_soon(store.as_ref(), &other, "elsewhere", 1).await;

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

/// `active_before` finds the conversations with no message or change since a moment (the
/// idle sweep's question), in any stage filter, on one site only.
async fn finds_the_conversations_idle_since_a_moment(store: Arc<dyn Store>) {
    use shopchat::conversation::{ConversationFilter, Stage};
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

/// What a text search promises on every backend (SQLite's index and Redis's scan differ
/// beyond it: accents, word order, substrings inside a word): a whole word or the start of
/// one finds its conversation whatever its case, on one site only; FTS5 operators and quotes
/// are only text; an erased conversation is found no more.
async fn text_search_finds_words_and_prefixes_takes_syntax_as_text_and_forgets_the_erased(
    store: Arc<dyn Store>,
) {
    use shopchat::conversation::ConversationFilter;
    let site = new_site(store.as_ref()).await;
    let other = new_site(store.as_ref()).await;
    let mut visitors = Vec::new();
    let mut ids = Vec::new();
    for (on, text) in [
        (&site, "Where is my PARCEL?"),
        (&site, r#"I said "shoes" OR boots, NEAR(the door)"#),
        (&site, "shoes"),
        (&other, "my parcel too"),
    ] {
        let visitor = VisitorId::generate();
        let appended = store
            .append_to_visitor(
                on,
                &visitor,
                shopper_message(&visitor, None, text),
                &Lifecycle::new(true).into(),
            )
            .await
            .unwrap();
        visitors.push(visitor);
        ids.push(appended.conversation.id);
    }
    let find = |text: &str| {
        let store = store.clone();
        let filter = ConversationFilter {
            site: Some(site.clone()),
            text: Some(text.to_owned()),
            limit: 10,
            ..ConversationFilter::default()
        };
        async move {
            let mut found: Vec<_> = store
                .find_conversations(&filter)
                .await
                .unwrap_or_else(|e| panic!("{:?}: {e}", filter.text))
                .into_iter()
                .map(|c| c.id)
                .collect();
            found.sort();
            found
        }
    };
    found_soon(store.as_ref(), &other, "too", 1).await;
    let sorted = |mut v: Vec<shopchat::domain::ConversationId>| {
        v.sort();
        v
    };
    assert_eq!(
        find("parcel").await,
        [ids[0].clone()],
        "a word, this site only"
    );
    assert_eq!(find("PARC").await, [ids[0].clone()], "the start of a word");
    assert_eq!(
        find("shoes").await,
        sorted(vec![ids[1].clone(), ids[2].clone()])
    );
    for syntax in [
        r#""shoes" OR"#,
        "shoes\" OR b",
        "NEAR(the",
        r#"""#,
        "OR boots",
    ] {
        assert_eq!(find(syntax).await, [ids[1].clone()], "{syntax} is text");
    }
    assert_eq!(find("nowhere").await, []);

    store.erase_visitor(&site, &visitors[0]).await.unwrap();
    assert_eq!(find("parcel").await, [], "erased");
    assert_eq!(find("shoes").await.len(), 2, "the others stay");
}
