//! The store contract: what every `Store` implementation must do. Each behaviour is one
//! function, run once per backend by `store_contract!` (`<area>::sqlite::<behaviour>`,
//! `<area>::redis::<behaviour>`), each time on a fresh store; what only one backend can get
//! wrong (a closed SQLite store, a Redis that stops answering) is in `sqlite.rs` / `redis.rs`.

mod account_change;
mod attachments;
mod commerce;
mod commerce_keys;
mod commerce_races;
mod conversations;
mod customer_link;
mod directory;
mod drafts;
mod library;
mod mail;
mod mail_records;
mod models;
mod outbound;
mod privacy;
mod privacy_retention;
mod privacy_seed;
mod ratings;
mod redis;
mod rules;
mod search;
mod sqlite;
mod sqlite_search;
mod stats;
mod visitors;

use shopchat::domain::{
    Author, AuthorKind, ClientMsgId, MessageText, Origin, SiteId, Timestamp, VisitorId,
};
use shopchat::store::{NewMessage, NewSite, prelude::*};

/// A shopper's message with an optional idempotency key.
pub(super) fn shopper_message(visitor: &VisitorId, key: Option<&str>, text: &str) -> NewMessage {
    NewMessage {
        author: Author {
            kind: AuthorKind::Shopper,
            name: "Shopper".into(),
        },
        author_id: visitor.to_string(),
        text: MessageText::parse(text, 4000).unwrap(),
        client_msg_id: key.map(|k| ClientMsgId::parse(k).unwrap()),
        ts: Timestamp::now(),
        attachments: Vec::new(),
    }
}

/// A new site with one allowed origin.
pub(super) async fn new_site(store: &dyn Store) -> SiteId {
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

/// An agent's message at a given time, with an optional idempotency key.
pub(super) fn agent_message(agent: &str, key: Option<&str>, text: &str, ts: i64) -> NewMessage {
    NewMessage {
        author: Author {
            kind: AuthorKind::Agent,
            name: "Ann".into(),
        },
        author_id: agent.into(),
        text: MessageText::parse(text, 4000).unwrap(),
        client_msg_id: key.map(|k| ClientMsgId::parse(k).unwrap()),
        ts: Timestamp(ts),
        attachments: Vec::new(),
    }
}
