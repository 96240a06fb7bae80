//! Data-subject rights and retention, on both stores: an export finds everything about a
//! person by each selector (visitor id, email, customer id) through the same function the
//! REST API and the CLI run; an erasure removes all of it, is idempotent and leaves other
//! visitors and sites untouched; retention removes only what is past its period, per site;
//! the audit keeps an email only as a digest; and on Redis no key or index entry naming the
//! erased visitor or conversation is left (the memory is freed).

use super::commerce::{customer, order};
use super::{agent_message, new_site, shopper_message};
use shopchat::chat::privacy::{erase_audited, export_audited, sweep};
use shopchat::commerce::{ExternalId, OrderRequest, RequestKind, RequestStatus};
use shopchat::conversation::{Lifecycle, Note, Opening, Stage};
use shopchat::domain::{
    AgentId, ConversationId, Email, EmailId, MessageId, NoteId, RequestId, SiteId, Timestamp,
    VerifiedId, VisitorId,
};
use shopchat::email::{
    EmailKind, EmailLogEntry, EmailOutcome, EmailStatus, InboundRecord, OutboxEmail, Suppression,
    SuppressionReason,
};
use shopchat::privacy::{Action, Actor, RetentionSettings, Subject};
use shopchat::store::prelude::*;
use shopchat::triggers::VisitorRecord;
use std::sync::Arc;

store_contract!(
    export_finds_everything_about_a_person_by_each_selector,
    erase_removes_it_all_and_leaves_others_untouched,
    retention_removes_only_what_is_past_its_period,
    the_sweep_applies_each_sites_own_periods,
    the_audit_keeps_the_newest_entries_and_no_address,
);

const ANN: &str = "ann@example.com";

/// What [`seed_person`] made, for the assertions.
struct Seeded {
    site: SiteId,
    /// Ann's browser with her verified email and a chat.
    phone: VisitorId,
    /// Ann's other browser, verified as customer `cust-ann`, with a chat.
    laptop: VisitorId,
    /// Ann's conversation on the phone.
    conv: ConversationId,
    /// Somebody else on the same site, with a chat.
    other: VisitorId,
    other_conv: ConversationId,
    /// Another site where the same address chats.
    other_site: SiteId,
    elsewhere: VisitorId,
}

fn email(text: &str) -> Email {
    Email::parse(text).unwrap()
}

fn opening() -> Opening {
    Opening::from(Lifecycle::new(false))
}

async fn visitor_with(store: &dyn Store, site: &SiteId, verified: Option<VerifiedId>) -> VisitorId {
    let visitor = VisitorId::generate();
    let mut record = VisitorRecord::first_visit(Timestamp::now());
    record.verified = verified;
    record.identified = true;
    store.save_visitor(site, &visitor, &record).await.unwrap();
    visitor
}

/// A conversation of `visitor` with a shopper line (keyed), an agent line, a note.
async fn chat(store: &dyn Store, site: &SiteId, visitor: &VisitorId, text: &str) -> ConversationId {
    let first = store
        .append_to_visitor(
            site,
            visitor,
            shopper_message(visitor, Some(&format!("k{}", rand_key())), text),
            &opening(),
        )
        .await
        .unwrap();
    let conv = first.message.conversation_id.clone();
    store
        .append_message(
            &conv,
            agent_message(
                "ag_agentann01",
                Some(&format!("a{}", rand_key())),
                "Happy to help",
                5,
            ),
        )
        .await
        .unwrap();
    store
        .add_note(&Note {
            id: NoteId::generate(),
            conversation_id: conv.clone(),
            agent_id: AgentId::parse("ag_agentann01").unwrap(),
            author_name: "Ann".into(),
            text: format!("note about {text}"),
            ts: Timestamp::now(),
        })
        .await
        .unwrap();
    conv
}

fn rand_key() -> String {
    shopchat::domain::random_token(10)
}

fn outbox(site: &SiteId, to: &str, conv: Option<&ConversationId>) -> OutboxEmail {
    OutboxEmail {
        id: EmailId::generate(),
        site_id: site.clone(),
        key: format!("reply:{}", rand_key()),
        kind: EmailKind::Reply,
        to: to.into(),
        conversation_id: conv.cloned(),
        up_to_seq: 1,
        data: "{}".into(),
        attempts: 0,
        due_at: Timestamp(1),
        created_at: Timestamp::now(),
        status: EmailStatus::Pending,
    }
}

/// Ann (two browsers, one verified by email, one by customer id), her chats, email and the
/// shop's records of her; someone else on the same site; Ann again on another site.
async fn seed_person(store: &dyn Store) -> Seeded {
    let site = new_site(store).await;
    let other_site = new_site(store).await;
    let phone = visitor_with(store, &site, Some(VerifiedId::Email(ANN.into()))).await;
    let laptop = visitor_with(store, &site, Some(VerifiedId::UserId("cust-ann".into()))).await;
    let other = visitor_with(
        store,
        &site,
        Some(VerifiedId::Email("bob@example.com".into())),
    )
    .await;
    let elsewhere = visitor_with(store, &other_site, Some(VerifiedId::Email(ANN.into()))).await;
    let conv = chat(store, &site, &phone, "my jacket is too small").await;
    chat(store, &site, &laptop, "where is order 1001").await;
    let other_conv = chat(store, &site, &other, "bob asks").await;
    chat(store, &other_site, &elsewhere, "ann elsewhere").await;

    store
        .thread(&site, &conv, &format!("tok{}", rand_key()))
        .await
        .unwrap();
    store
        .record_inbound(&InboundRecord {
            message_id: MessageId::generate(),
            conversation_id: conv.clone(),
            from: ANN.into(),
            other_sender: false,
            subject: "Re: your chat".into(),
            original: "thanks, ann".into(),
            at: Timestamp::now(),
        })
        .await
        .unwrap();
    let row = outbox(&site, "Ann@Example.com", Some(&conv));
    assert!(store.enqueue_email(&row).await.unwrap());
    store
        .finish_email(
            &row.id,
            &EmailLogEntry {
                site_id: site.clone(),
                email_id: row.id.clone(),
                kind: row.kind,
                to: row.to.clone(),
                conversation_id: Some(conv.clone()),
                attempt: 1,
                outcome: EmailOutcome::Sent { up_to_seq: 1 },
                detail: None,
                at: Timestamp::now(),
            },
            100,
        )
        .await
        .unwrap();
    assert!(
        store
            .enqueue_email(&outbox(&site, "bob@example.com", Some(&other_conv)))
            .await
            .unwrap()
    );
    assert!(
        store
            .enqueue_email(&outbox(&other_site, ANN, None))
            .await
            .unwrap()
    );
    for s in [&site, &other_site] {
        store
            .suppress(&Suppression {
                site_id: s.clone(),
                email: ANN.into(),
                reason: SuppressionReason::Unsubscribed,
                detail: None,
                at: Timestamp::now(),
            })
            .await
            .unwrap();
    }

    let mut ann = customer("cust-ann", ANN, 10);
    ann.name = Some("Ann".into());
    store.upsert_customer(&site, ann.clone()).await.unwrap();
    store.upsert_customer(&other_site, ann).await.unwrap();
    store
        .upsert_customer(&site, customer("cust-bob", "bob@example.com", 10))
        .await
        .unwrap();
    let mut by_id = order("o-ann-1", "1001", 100, 100);
    by_id.customer_id = Some(ExternalId::parse("cust-ann").unwrap());
    by_id.email = None;
    let mut by_email = order("o-ann-2", "1002", 200, 200);
    by_email.customer_id = None;
    by_email.email = Some(email(ANN));
    let mut bobs = order("o-bob-1", "2001", 300, 300);
    bobs.customer_id = Some(ExternalId::parse("cust-bob").unwrap());
    bobs.email = Some(email("bob@example.com"));
    for o in [by_id, by_email, bobs] {
        store.upsert_order(&site, o).await.unwrap();
    }
    store
        .create_request(&OrderRequest {
            id: RequestId::generate(),
            site_id: site.clone(),
            order_id: ExternalId::parse("o-ann-1").unwrap(),
            order_number: "1001".into(),
            kind: RequestKind::Return,
            reason: Some("too small".into()),
            conversation_id: conv.clone(),
            visitor_id: phone.clone(),
            status: RequestStatus::Open,
            created_at: Timestamp::now(),
        })
        .await
        .unwrap();
    Seeded {
        site,
        phone,
        laptop,
        conv,
        other,
        other_conv,
        other_site,
        elsewhere,
    }
}

fn texts(doc: &shopchat::privacy::ExportDocument) -> Vec<String> {
    doc.visitors
        .iter()
        .flat_map(|v| &v.conversations)
        .flat_map(|c| c.messages.iter().map(|m| m.text.clone()))
        .collect()
}

/// By email: both of Ann's browsers (one through the customer record her address names),
/// her messages, notes, inbound email, outbox row, suppression, customer, orders and
/// request; nothing of Bob's or of the other site. By customer id and by visitor id: the
/// browsers and records those lead to.
async fn export_finds_everything_about_a_person_by_each_selector(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let s = seed_person(store).await;
    let by_email = export_audited(store, &s.site, &Subject::Email(email(ANN)), Actor::Cli)
        .await
        .unwrap();
    let mut visitors: Vec<_> = by_email
        .visitors
        .iter()
        .map(|v| v.visitor_id.clone())
        .collect();
    visitors.sort();
    let mut expected = vec![s.phone.clone(), s.laptop.clone()];
    expected.sort();
    assert_eq!(visitors, expected, "both browsers, no one else's");
    let t = texts(&by_email);
    assert!(t.contains(&"my jacket is too small".to_owned()), "{t:?}");
    assert!(t.contains(&"where is order 1001".to_owned()), "{t:?}");
    assert!(
        t.contains(&"Happy to help".to_owned()),
        "agents' lines too: {t:?}"
    );
    assert!(
        !t.iter()
            .any(|x| x.contains("bob") || x.contains("elsewhere")),
        "{t:?}"
    );
    let phone = by_email
        .visitors
        .iter()
        .find(|v| v.visitor_id == s.phone)
        .unwrap();
    assert!(phone.browsing.is_some(), "browsing state");
    let conv = phone
        .conversations
        .iter()
        .find(|c| c.conversation.id == s.conv)
        .unwrap();
    assert_eq!(conv.notes.len(), 1);
    assert_eq!(conv.inbound_emails.len(), 1);
    assert_eq!(
        by_email.emails.len(),
        1,
        "the outbox row to Ann on this site only"
    );
    assert_eq!(by_email.suppressions.len(), 1);
    assert_eq!(by_email.customers.len(), 1);
    let mut orders: Vec<_> = by_email
        .orders
        .iter()
        .map(|o| o.id.as_str().to_owned())
        .collect();
    orders.sort();
    assert_eq!(orders, ["o-ann-1", "o-ann-2"]);
    assert_eq!(by_email.order_requests.len(), 1);
    let counts = by_email.counts();
    assert_eq!(
        (counts.visitors, counts.conversations, counts.messages),
        (2, 2, 4)
    );

    let by_customer = export_audited(
        store,
        &s.site,
        &Subject::CustomerId(ExternalId::parse("cust-ann").unwrap()),
        Actor::Cli,
    )
    .await
    .unwrap();
    let mut ids: Vec<_> = by_customer
        .visitors
        .iter()
        .map(|v| v.visitor_id.clone())
        .collect();
    ids.sort();
    assert_eq!(
        ids, expected,
        "the browser verified as the customer, and the one verified by the customer's address"
    );
    assert_eq!(by_customer.customers.len(), 1);
    assert!(
        by_customer
            .orders
            .iter()
            .any(|o| o.id.as_str() == "o-ann-1")
    );

    let by_visitor = export_audited(
        store,
        &s.site,
        &Subject::VisitorId(s.phone.clone()),
        Actor::Cli,
    )
    .await
    .unwrap();
    assert_eq!(
        by_visitor.visitors.len(),
        2,
        "the browser, and through the address it proved the person's other browser"
    );
    assert_eq!(
        by_visitor.visitors[0].visitor_id, s.phone,
        "the one asked about first"
    );
    assert_eq!(
        by_visitor.emails.len(),
        1,
        "the address the visitor proved leads to its email"
    );

    let nobody = export_audited(
        store,
        &s.site,
        &Subject::Email(email("nobody@example.com")),
        Actor::Cli,
    )
    .await
    .unwrap();
    assert!(nobody.counts().is_empty(), "{:?}", nobody.counts());
    let audit = store.audit(&s.site, 10).await.unwrap();
    assert_eq!(audit.len(), 4);
    assert!(
        audit
            .iter()
            .all(|e| e.action == Action::Export && e.actor == Actor::Cli)
    );
}

/// Erasing Ann by email removes both browsers, every conversation with its messages,
/// notes, thread and inbound email, the outbox row and log entry, the suppression, the
/// customer, orders and request; an export afterwards is empty; a second erasure removes
/// nothing and fails nothing; Bob and the other site keep everything.
async fn erase_removes_it_all_and_leaves_others_untouched(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let s = seed_person(store).await;
    let ann = Subject::Email(email(ANN));
    let (counts, visitors) = erase_audited(store, &s.site, &ann, Actor::Cli)
        .await
        .unwrap();
    assert_eq!(visitors.len(), 2);
    assert_eq!(
        (
            counts.visitors,
            counts.conversations,
            counts.messages,
            counts.notes
        ),
        (2, 2, 4, 2)
    );
    assert_eq!(
        (
            counts.customers,
            counts.orders,
            counts.requests,
            counts.suppressions
        ),
        (1, 2, 1, 1)
    );
    assert!(
        counts.emails >= 3,
        "inbound, outbox row and log entry: {counts:?}"
    );

    for v in [&s.phone, &s.laptop] {
        assert!(store.load_visitor(&s.site, v).await.unwrap().is_none());
        assert!(
            store
                .open_conversations(&s.site, v)
                .await
                .unwrap()
                .is_empty()
        );
    }
    assert!(store.conversation(&s.conv).await.unwrap().is_none());
    assert!(
        store
            .messages_after(&s.conv, 0, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(store.notes(&s.conv).await.unwrap().is_empty());
    assert!(store.inbound_emails(&s.conv).await.unwrap().is_empty());
    assert!(store.suppression(&s.site, ANN).await.unwrap().is_none());
    assert!(store.emails_to(&s.site, ANN, 10).await.unwrap().is_empty());
    assert!(
        store
            .email_log(&s.site, 10)
            .await
            .unwrap()
            .iter()
            .all(|e| !e.to.eq_ignore_ascii_case(ANN))
    );
    assert!(
        store
            .customer(&s.site, &ExternalId::parse("cust-ann").unwrap())
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .customer_by_email(&s.site, &email(ANN))
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .order(&s.site, &ExternalId::parse("o-ann-1").unwrap())
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .order_by_number(&s.site, "1002")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .order_requests(&s.site, &ExternalId::parse("o-ann-1").unwrap())
            .await
            .unwrap()
            .is_empty()
    );
    let after = export_audited(store, &s.site, &ann, Actor::Cli)
        .await
        .unwrap();
    assert!(after.counts().is_empty(), "{:?}", after.counts());

    let (again, _) = erase_audited(store, &s.site, &ann, Actor::Cli)
        .await
        .unwrap();
    assert!(again.is_empty(), "idempotent: {again:?}");
    let (by_id, _) = erase_audited(
        store,
        &s.site,
        &Subject::VisitorId(s.phone.clone()),
        Actor::Cli,
    )
    .await
    .unwrap();
    assert!(by_id.is_empty(), "{by_id:?}");

    // Bob and the other site keep everything.
    assert!(
        store
            .load_visitor(&s.site, &s.other)
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(
        store
            .messages_after(&s.other_conv, 0, 10)
            .await
            .unwrap()
            .len(),
        2
    );
    assert_eq!(store.notes(&s.other_conv).await.unwrap().len(), 1);
    assert_eq!(
        store
            .emails_to(&s.site, "bob@example.com", 10)
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(
        store
            .customer(&s.site, &ExternalId::parse("cust-bob").unwrap())
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        store
            .order(&s.site, &ExternalId::parse("o-bob-1").unwrap())
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        store
            .load_visitor(&s.other_site, &s.elsewhere)
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(
        store
            .open_conversations(&s.other_site, &s.elsewhere)
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(
        store
            .suppression(&s.other_site, ANN)
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(
        store.emails_to(&s.other_site, ANN, 10).await.unwrap().len(),
        1
    );
    assert!(
        store
            .customer(&s.other_site, &ExternalId::parse("cust-ann").unwrap())
            .await
            .unwrap()
            .is_some()
    );

    let audit = store.audit(&s.site, 10).await.unwrap();
    assert_eq!(audit[0].action, Action::Erase, "newest first");
    assert_eq!(audit.len(), 4, "three erasures and one export");
}

/// Waits (without sleeping a fixed time) until the clock has moved past `t`, so what is
/// written next is strictly younger.
fn after(t: Timestamp) {
    while Timestamp::now() <= t {
        std::hint::spin_loop();
    }
}

/// Closes a conversation as the service does (compare-and-set on its version).
async fn close(store: &dyn Store, conv: &ConversationId) {
    let mut c = store.conversation(conv).await.unwrap().unwrap();
    let version = c.lifecycle.version;
    c.lifecycle.stage = Stage::Closed;
    c.lifecycle.closed_at = Some(Timestamp::now());
    store.save_conversation(&c, version, None).await.unwrap();
}

/// Browsing states saved before the cutoff go, younger ones stay; closed conversations last
/// active before it go with their messages, open ones and younger closed ones stay; another
/// site is untouched; batches are bounded and a second run removes nothing.
async fn retention_removes_only_what_is_past_its_period(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let (site, other_site) = (new_site(store).await, new_site(store).await);
    let old: Vec<VisitorId> = {
        let mut v = Vec::new();
        for _ in 0..3 {
            v.push(visitor_with(store, &site, None).await);
        }
        v
    };
    let old_elsewhere = visitor_with(store, &other_site, None).await;
    let old_closed = chat(store, &site, &old[0], "old and closed").await;
    close(store, &old_closed).await;
    let still_open = chat(store, &site, &old[1], "old but open").await;
    let closed_elsewhere = chat(store, &other_site, &old_elsewhere, "closed elsewhere").await;
    close(store, &closed_elsewhere).await;
    let t = Timestamp::now();
    after(t);
    let young = visitor_with(store, &site, None).await;
    let young_closed = chat(store, &site, &young, "young and closed").await;
    close(store, &young_closed).await;
    let cutoff = Timestamp(t.0 + 1);

    assert_eq!(
        store.expire_visitors(&site, cutoff, 2).await.unwrap(),
        2,
        "bounded batch"
    );
    assert_eq!(store.expire_visitors(&site, cutoff, 2).await.unwrap(), 1);
    assert_eq!(store.expire_visitors(&site, cutoff, 2).await.unwrap(), 0);
    for v in &old {
        assert!(store.load_visitor(&site, v).await.unwrap().is_none());
    }
    assert!(store.load_visitor(&site, &young).await.unwrap().is_some());
    assert!(
        store
            .load_visitor(&other_site, &old_elsewhere)
            .await
            .unwrap()
            .is_some()
    );

    assert_eq!(
        store.expire_conversations(&site, cutoff, 10).await.unwrap(),
        1
    );
    assert_eq!(
        store.expire_conversations(&site, cutoff, 10).await.unwrap(),
        0
    );
    assert!(store.conversation(&old_closed).await.unwrap().is_none());
    assert!(
        store
            .messages_after(&old_closed, 0, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(store.notes(&old_closed).await.unwrap().is_empty());
    assert!(
        store.conversation(&still_open).await.unwrap().is_some(),
        "open stays"
    );
    assert!(
        store.conversation(&young_closed).await.unwrap().is_some(),
        "young stays"
    );
    assert!(
        store
            .conversation(&closed_elsewhere)
            .await
            .unwrap()
            .is_some(),
        "other site"
    );
    assert!(
        store
            .open_conversations(&site, &old[1])
            .await
            .unwrap()
            .len()
            == 1
    );
}

/// The sweep reads each site's own periods: a week from now, the site that keeps one day
/// loses its browsing state and closed chats, the site on the defaults keeps them.
async fn the_sweep_applies_each_sites_own_periods(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let (short, default) = (new_site(store).await, new_site(store).await);
    store
        .put_retention(
            &short,
            &RetentionSettings {
                browsing_days: 1,
                closed_conversation_days: 1,
            },
        )
        .await
        .unwrap();
    assert_eq!(store.retention(&default).await.unwrap(), None);
    let mut convs = Vec::new();
    let mut visitors = Vec::new();
    for site in [&short, &default] {
        let v = visitor_with(store, site, None).await;
        let c = chat(store, site, &v, "hello").await;
        close(store, &c).await;
        visitors.push(v);
        convs.push(c);
    }
    let week = Timestamp(Timestamp::now().0 + 7 * 86_400_000);
    let report = sweep(store, week, &|| false).await.unwrap();
    assert_eq!(
        (report.visitors, report.conversations),
        (1, 1),
        "{report:?}"
    );
    assert!(
        store
            .load_visitor(&short, &visitors[0])
            .await
            .unwrap()
            .is_none()
    );
    assert!(store.conversation(&convs[0]).await.unwrap().is_none());
    assert!(
        store
            .load_visitor(&default, &visitors[1])
            .await
            .unwrap()
            .is_some()
    );
    assert!(store.conversation(&convs[1]).await.unwrap().is_some());
    let again = sweep(store, week, &|| false).await.unwrap();
    assert_eq!((again.visitors, again.conversations), (0, 0));
}

/// The audit lists newest first, keeps the newest `keep` per site, and an email subject is
/// stored as a digest: the address appears nowhere in it.
async fn the_audit_keeps_the_newest_entries_and_no_address(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let (site, other) = (new_site(store).await, new_site(store).await);
    for n in 0..5 {
        let entry = shopchat::privacy::AuditEntry::new(
            &site,
            Timestamp(n),
            Actor::Cli,
            Action::Erase,
            &Subject::Email(email(&format!("p{n}@example.com"))),
            Default::default(),
        );
        store.record_audit(&entry, 3).await.unwrap();
    }
    let list = store.audit(&site, 10).await.unwrap();
    let times: Vec<i64> = list.iter().map(|e| e.at.0).collect();
    assert_eq!(times, [4, 3, 2]);
    let json = serde_json::to_string(&list).unwrap();
    assert!(!json.contains("@example.com"), "{json}");
    assert!(store.audit(&other, 10).await.unwrap().is_empty());
}

/// On Redis an erasure deletes keys and index entries, not just records: afterwards no key
/// of the store names the erased visitor or conversation, and no hash, set, list or stream
/// holds either id (Bob's data, left in place, shows the scan sees what exists).
#[tokio::test]
async fn redis_erasure_leaves_no_key_or_index_entry_naming_the_person() {
    let server = crate::redis_server::RedisServer::start().await;
    let prefix = crate::redis_server::unique_prefix();
    let store = shopchat::store::redis::RedisStore::connect(&server.url(), &prefix)
        .await
        .unwrap();
    let s = seed_person(&store).await;
    let ann_convs = store.open_conversations(&s.site, &s.laptop).await.unwrap();
    let mut ids = vec![
        s.phone.to_string(),
        s.laptop.to_string(),
        s.conv.to_string(),
    ];
    ids.extend(ann_convs.iter().map(|c| c.id.to_string()));
    let token = store
        .thread(&s.site, &s.conv, "unused")
        .await
        .unwrap()
        .token;
    erase_audited(&store, &s.site, &Subject::Email(email(ANN)), Actor::Cli)
        .await
        .unwrap();
    assert!(store.thread_by_token(&token).await.unwrap().is_none());

    let client = ::redis::Client::open(server.url()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let keys: Vec<String> = ::redis::cmd("KEYS")
        .arg(format!("{prefix}*"))
        .query_async(&mut conn)
        .await
        .unwrap();
    let mut seen_bob = false;
    for key in &keys {
        for id in &ids {
            assert!(!key.contains(id.as_str()), "key {key} names {id}");
        }
        assert!(
            !key.contains(&token),
            "key {key} is the erased thread's token"
        );
        let kind: String = ::redis::cmd("TYPE")
            .arg(key)
            .query_async(&mut conn)
            .await
            .unwrap();
        let content: Vec<String> = match kind.as_str() {
            "string" => vec![
                ::redis::cmd("GET")
                    .arg(key)
                    .query_async(&mut conn)
                    .await
                    .unwrap(),
            ],
            "hash" => ::redis::cmd("HGETALL")
                .arg(key)
                .query_async(&mut conn)
                .await
                .unwrap(),
            "zset" => ::redis::cmd("ZRANGE")
                .arg(key)
                .arg(0)
                .arg(-1)
                .query_async(&mut conn)
                .await
                .unwrap(),
            "list" => ::redis::cmd("LRANGE")
                .arg(key)
                .arg(0)
                .arg(-1)
                .query_async(&mut conn)
                .await
                .unwrap(),
            "set" => ::redis::cmd("SMEMBERS")
                .arg(key)
                .query_async(&mut conn)
                .await
                .unwrap(),
            "stream" => {
                let v: ::redis::Value = ::redis::cmd("XRANGE")
                    .arg(key)
                    .arg("-")
                    .arg("+")
                    .query_async(&mut conn)
                    .await
                    .unwrap();
                vec![format!("{v:?}")]
            }
            other => panic!("unexpected type {other} of {key}"),
        };
        // Ann's records on the other site stay: its keys, and its outbox row in `{mail}`.
        let other_site = s.other_site.as_str();
        let elsewhere = key.contains(other_site) || content.iter().any(|i| i == other_site);
        for item in &content {
            seen_bob |= item.contains(s.other.as_str());
            for id in &ids {
                assert!(
                    !item.contains(id.as_str()),
                    "{key} ({kind}) still holds {id}: {item}"
                );
            }
            assert!(
                elsewhere || !item.to_lowercase().contains(ANN),
                "{key} ({kind}) still holds the address: {item}"
            );
        }
    }
    assert!(seen_bob, "the scan reads the data that is still there");
}
