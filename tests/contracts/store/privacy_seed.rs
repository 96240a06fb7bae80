//! The person the privacy contract tests export and erase: Ann with two browsers (one
//! verified by email, one by customer id), her chats, email and the shop's records of her;
//! Bob on the same site; Ann again on another site. Shared by `privacy.rs` and
//! `privacy_retention.rs`.

use super::commerce::{customer, order};
use super::{agent_message, new_site, shopper_message};
use shopchat::commerce::{ExternalId, OrderRequest, RequestKind, RequestStatus};
use shopchat::conversation::{Lifecycle, Note, Opening};
use shopchat::domain::{
    AgentId, ConversationId, Email, EmailId, MessageId, NoteId, RequestId, SiteId, Timestamp,
    VerifiedId, VisitorId,
};
use shopchat::email::{
    EmailKind, EmailLogEntry, EmailOutcome, EmailStatus, InboundRecord, OutboxEmail, Suppression,
    SuppressionReason,
};
use shopchat::store::prelude::*;
use shopchat::triggers::VisitorRecord;

pub(super) const ANN: &str = "ann@example.com";

/// What [`seed_person`] made, for the assertions.
pub(super) struct Seeded {
    pub(super) site: SiteId,
    /// Ann's browser with her verified email and a chat.
    pub(super) phone: VisitorId,
    /// Ann's other browser, verified as customer `cust-ann`, with a chat.
    pub(super) laptop: VisitorId,
    /// Ann's conversation on the phone.
    pub(super) conv: ConversationId,
    /// Somebody else on the same site, with a chat.
    pub(super) other: VisitorId,
    pub(super) other_conv: ConversationId,
    /// Another site where the same address chats.
    pub(super) other_site: SiteId,
    pub(super) elsewhere: VisitorId,
}

pub(super) fn email(text: &str) -> Email {
    Email::parse(text).unwrap()
}

pub(super) fn opening() -> Opening {
    Opening::from(Lifecycle::new(false))
}

pub(super) async fn visitor_with(
    store: &dyn Store,
    site: &SiteId,
    verified: Option<VerifiedId>,
) -> VisitorId {
    let visitor = VisitorId::generate();
    let mut record = VisitorRecord::first_visit(Timestamp::now());
    record.verified = verified;
    record.identified = true;
    store.save_visitor(site, &visitor, &record).await.unwrap();
    visitor
}

/// A conversation of `visitor` with a shopper line (keyed), an agent line, a note.
pub(super) async fn chat(
    store: &dyn Store,
    site: &SiteId,
    visitor: &VisitorId,
    text: &str,
) -> ConversationId {
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

pub(super) fn rand_key() -> String {
    shopchat::domain::random_token(10)
}

pub(super) fn outbox(site: &SiteId, to: &str, conv: Option<&ConversationId>) -> OutboxEmail {
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
pub(super) async fn seed_person(store: &dyn Store) -> Seeded {
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

pub(super) fn texts(doc: &shopchat::privacy::ExportDocument) -> Vec<String> {
    doc.visitors
        .iter()
        .flat_map(|v| &v.conversations)
        .flat_map(|c| c.messages.iter().map(|m| m.text.clone()))
        .collect()
}
