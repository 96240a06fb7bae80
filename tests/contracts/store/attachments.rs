//! Messages that carry files: the attachments are stored with the message and read back
//! with it (appended to a visitor's conversation or to one by id, on a repeated key, and in
//! a page of history); a message without any reads back without any.

use super::{agent_message, new_site, shopper_message};
use shopchat::conversation::Lifecycle;
use shopchat::domain::{Attachment, FileId, MessageText};
use shopchat::store::prelude::*;
use std::sync::Arc;

store_contract!(a_message_keeps_its_attachments,);

fn file(name: &str, content_type: &str, size: u64) -> Attachment {
    Attachment {
        id: FileId::generate(),
        name: name.into(),
        content_type: content_type.into(),
        size,
        url: None,
        thumb: content_type.starts_with("image/"),
        thumb_url: None,
    }
}

async fn a_message_keeps_its_attachments(store: Arc<dyn Store>) {
    let site = new_site(store.as_ref()).await;
    let visitor = shopchat::domain::VisitorId::generate();
    let photo = file("jacket.jpg", "image/jpeg", 1234);
    let mut said = shopper_message(&visitor, Some("k1"), "see");
    said.attachments = vec![photo.clone()];
    let first = store
        .append_to_visitor(&site, &visitor, said.clone(), &Lifecycle::new(true).into())
        .await
        .unwrap();
    assert_eq!(first.message.attachments, vec![photo.clone()]);
    let again = store
        .append_to_visitor(&site, &visitor, said, &Lifecycle::new(true).into())
        .await
        .unwrap();
    assert!(again.duplicate);
    assert_eq!(again.message.attachments, vec![photo.clone()]);

    // An agent's message with two files and no text.
    let conv = first.conversation.id.clone();
    let receipt = file("receipt.pdf", "application/pdf", 99);
    let mut reply = agent_message("ag_abcdefgh12", Some("a1"), "x", 5);
    reply.text = MessageText::none();
    reply.attachments = vec![receipt.clone(), photo.clone()];
    let stored = store.append_message(&conv, reply).await.unwrap();
    assert_eq!(stored.message.text, "");
    let plain = store
        .append_message(&conv, agent_message("ag_abcdefgh12", Some("a2"), "ok", 6))
        .await
        .unwrap();
    assert!(plain.message.attachments.is_empty());

    let history = store.messages_after(&conv, 0, 10).await.unwrap();
    let attachments: Vec<_> = history.iter().map(|m| m.attachments.clone()).collect();
    assert_eq!(
        attachments,
        vec![vec![photo.clone()], vec![receipt, photo], vec![]],
        "{history:?}"
    );
}
