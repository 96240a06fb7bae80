//! The shoppers' ratings: one per closed conversation, stored with its transcript line, and
//! grouped for the CSAT report.

use super::{new_site, shopper_message};
use shopchat::conversation::rating::Rating;
use shopchat::conversation::{Conversation, Lifecycle, Opening, Stage};
use shopchat::domain::{
    AgentId, Author, AuthorKind, MessageText, RuleId, SiteId, Timestamp, VisitorId,
};
use shopchat::store::{NewMessage, Rated, RatingGroup, StoreError, prelude::*};
use std::sync::Arc;

store_contract!(
    a_closed_conversation_is_rated_once_with_its_line_in_the_transcript,
    ratings_are_grouped_by_day_score_agent_team_and_opening_rule,
);

/// 2026-03-10T00:00:00Z.
const DAY: i64 = 1_773_100_800_000;
const DAY_MS: i64 = 86_400_000;

fn notice(text: &str, ts: i64) -> NewMessage {
    NewMessage {
        author: Author {
            kind: AuthorKind::System,
            name: "System".into(),
        },
        author_id: "system".into(),
        text: MessageText::parse(text, 4000).unwrap(),
        client_msg_id: None,
        attachments: Vec::new(),
        ts: Timestamp(ts),
    }
}

fn bot_message(rule: &RuleId, ts: i64) -> NewMessage {
    NewMessage {
        author: Author {
            kind: AuthorKind::Bot,
            name: "Ava".into(),
        },
        author_id: rule.to_string(),
        text: MessageText::parse("Questions about this jacket?", 4000).unwrap(),
        client_msg_id: None,
        attachments: Vec::new(),
        ts: Timestamp(ts),
    }
}

/// A conversation opened by `first` on `site`, then closed (by an agent when given).
async fn closed(
    store: &dyn Store,
    site: &SiteId,
    first: NewMessage,
    agent: Option<&AgentId>,
) -> Conversation {
    let visitor = VisitorId::generate();
    let opened = store
        .append_to_visitor(site, &visitor, first, &Opening::from(Lifecycle::new(true)))
        .await
        .unwrap();
    close(store, opened.conversation, agent).await
}

async fn close(store: &dyn Store, mut conv: Conversation, agent: Option<&AgentId>) -> Conversation {
    let version = conv.lifecycle.version;
    conv.lifecycle.stage = Stage::Closed;
    conv.lifecycle.last_agent = agent.cloned();
    conv.lifecycle.closed_at = Some(Timestamp::now());
    store
        .save_conversation(&conv, version, None)
        .await
        .unwrap()
        .0
}

fn rating(conv: &Conversation, score: u8, rated_at: i64) -> Rating {
    Rating {
        conversation_id: conv.id.clone(),
        site_id: conv.site_id.clone(),
        score,
        comment: Some("Quick".into()),
        agent: conv.lifecycle.last_agent.clone(),
        team: conv.skill.clone(),
        rated_at: Timestamp(rated_at),
    }
}

/// Only a closed conversation of the rating's site is rated, once; the line is appended as
/// the next message, in the same step, and the header moves with it.
async fn a_closed_conversation_is_rated_once_with_its_line_in_the_transcript(
    store: Arc<dyn Store>,
) {
    let site = new_site(store.as_ref()).await;
    let other = new_site(store.as_ref()).await;
    let visitor = VisitorId::generate();
    let open = store
        .append_to_visitor(
            &site,
            &visitor,
            shopper_message(&visitor, None, "hello"),
            &Opening::from(Lifecycle::new(true)),
        )
        .await
        .unwrap()
        .conversation;
    let outcome = store
        .rate(&rating(&open, 5, DAY), notice("rated", DAY))
        .await
        .unwrap();
    assert!(matches!(outcome, Rated::NotClosed), "{outcome:?}");

    let conv = close(store.as_ref(), open, None).await;
    // Another site's rating of it is not found; nothing is stored.
    let mut foreign = rating(&conv, 5, DAY);
    foreign.site_id = other.clone();
    let outcome = store.rate(&foreign, notice("rated", DAY)).await;
    assert!(
        matches!(outcome, Err(StoreError::NotFound(_))),
        "{outcome:?}"
    );
    let mut unknown = rating(&conv, 5, DAY);
    unknown.conversation_id = shopchat::domain::ConversationId::generate();
    let outcome = store.rate(&unknown, notice("rated", DAY)).await;
    assert!(
        matches!(outcome, Err(StoreError::NotFound(_))),
        "{outcome:?}"
    );

    let outcome = store
        .rate(&rating(&conv, 4, DAY), notice("Rated 4/5", DAY))
        .await
        .unwrap();
    let Rated::Stored(appended) = outcome else {
        panic!("not stored: {outcome:?}");
    };
    assert_eq!(appended.message.seq, conv.last_seq + 1);
    assert_eq!(appended.message.author.kind, AuthorKind::System);
    assert_eq!(appended.conversation.last_seq, conv.last_seq + 1);
    assert_eq!(appended.conversation.lifecycle.stage, Stage::Closed);
    let messages = store.messages_after(&conv.id, 0, 10).await.unwrap();
    assert_eq!(
        messages.iter().map(|m| m.text.as_str()).collect::<Vec<_>>(),
        ["hello", "Rated 4/5"]
    );
    let header = store.conversation(&conv.id).await.unwrap().unwrap();
    assert_eq!(header.last_seq, 2);

    // A second rating stores nothing: no rating, no line.
    let outcome = store
        .rate(&rating(&conv, 1, DAY + 1), notice("Rated 1/5", DAY + 1))
        .await
        .unwrap();
    assert!(matches!(outcome, Rated::AlreadyRated), "{outcome:?}");
    assert_eq!(
        store.messages_after(&conv.id, 0, 10).await.unwrap().len(),
        2
    );
    let groups = store
        .rating_groups(&site, Timestamp(DAY), Timestamp(DAY + DAY_MS))
        .await
        .unwrap();
    assert_eq!(groups.len(), 1);
    assert_eq!((groups[0].score, groups[0].count), (4, 1));
    assert!(
        store
            .rating_groups(&other, Timestamp(DAY), Timestamp(DAY + DAY_MS))
            .await
            .unwrap()
            .is_empty()
    );

    // Erasing the visitor takes the rating (and its comment) with the conversation.
    store.erase_visitor(&site, &visitor).await.unwrap();
    assert!(
        store
            .rating_groups(&site, Timestamp(DAY), Timestamp(DAY + DAY_MS))
            .await
            .unwrap()
            .is_empty()
    );
}

/// Ratings in `[from, to)`, grouped: the same day, score, agent, team and rule count
/// together; the rule is the one whose message opened the chat, if it is the site's.
async fn ratings_are_grouped_by_day_score_agent_team_and_opening_rule(store: Arc<dyn Store>) {
    let site = new_site(store.as_ref()).await;
    let rule = RuleId::generate();
    store
        .save_rule(&site, &rule, serde_json::json!({ "name": "Jacket help" }))
        .await
        .unwrap();
    let ann = AgentId::generate();
    // Opened by the rule's bot message, closed by nobody else: bot only, with a team.
    let mut by_rule = closed(store.as_ref(), &site, bot_message(&rule, DAY), None).await;
    by_rule.skill = Some("returns".into());
    // A bot message of a rule that is not the site's counts for no rule.
    let stranger = RuleId::generate();
    let by_stranger = closed(store.as_ref(), &site, bot_message(&stranger, DAY), None).await;
    // Two chats Ann had, rated 2 the day before.
    let mut with_ann = Vec::new();
    for _ in 0..2 {
        let visitor = VisitorId::generate();
        with_ann.push(
            closed(
                store.as_ref(),
                &site,
                shopper_message(&visitor, None, "help"),
                Some(&ann),
            )
            .await,
        );
    }
    let rate = |conv: Conversation, score: u8, at: i64| {
        let store = store.clone();
        async move {
            let outcome = store
                .rate(&rating(&conv, score, at), notice("rated", at))
                .await
                .unwrap();
            assert!(matches!(outcome, Rated::Stored(_)), "{outcome:?}");
        }
    };
    rate(by_rule, 5, DAY + 3_600_000).await;
    rate(by_stranger, 3, DAY + 7_200_000).await;
    for conv in with_ann {
        rate(conv, 2, DAY - DAY_MS + 60_000).await;
    }
    // One rated after the window.
    let late = closed(
        store.as_ref(),
        &site,
        shopper_message(&VisitorId::generate(), None, "late"),
        None,
    )
    .await;
    rate(late, 1, DAY + DAY_MS).await;

    let mut groups = store
        .rating_groups(&site, Timestamp(DAY - DAY_MS), Timestamp(DAY + DAY_MS))
        .await
        .unwrap();
    groups.sort_by_key(|g| (g.date.clone(), g.score));
    let group = |date: &str,
                 score,
                 agent: Option<&AgentId>,
                 team: Option<&str>,
                 rule: Option<&RuleId>,
                 count| RatingGroup {
        date: date.into(),
        score,
        agent: agent.cloned(),
        team: team.map(str::to_owned),
        rule: rule.cloned(),
        count,
    };
    assert_eq!(
        groups,
        [
            group("2026-03-09", 2, Some(&ann), None, None, 2),
            group("2026-03-10", 3, None, None, None, 1),
            group("2026-03-10", 5, None, Some("returns"), Some(&rule), 1),
        ]
    );
}
