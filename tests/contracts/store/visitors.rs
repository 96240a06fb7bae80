//! A visitor's browsing state.

use super::new_site;
use shopchat::domain::{Timestamp, VisitorId};
use shopchat::store::prelude::*;
use shopchat::triggers::VisitorRecord;
use std::sync::Arc;

store_contract!(
    visitor_state_is_saved_whole_and_per_site,
    state_saved_behind_lands_in_order_before_later_writes,
);

/// A visitor's state reads back as saved, and only on its own site.
async fn visitor_state_is_saved_whole_and_per_site(store: Arc<dyn Store>) {
    let site = new_site(store.as_ref()).await;
    let visitor = VisitorId::generate();
    assert!(store.load_visitor(&site, &visitor).await.unwrap().is_none());
    let state = VisitorRecord::first_visit(Timestamp(5));
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
}

/// State saved behind is not waited for, but it is written in order: once a later write has
/// landed, the state saved behind before it reads back, and a later save of the same visitor
/// wins over it.
async fn state_saved_behind_lands_in_order_before_later_writes(store: Arc<dyn Store>) {
    let site = new_site(store.as_ref()).await;
    let (behind, other) = (VisitorId::generate(), VisitorId::generate());
    let first = VisitorRecord::first_visit(Timestamp(7));
    store
        .save_visitor_behind(&site, &behind, &first)
        .await
        .unwrap();
    store.save_visitor(&site, &other, &first).await.unwrap();
    assert_eq!(
        store.load_visitor(&site, &behind).await.unwrap(),
        Some(first.clone())
    );
    let later = VisitorRecord::first_visit(Timestamp(9));
    store
        .save_visitor_behind(&site, &behind, &first)
        .await
        .unwrap();
    store.save_visitor(&site, &behind, &later).await.unwrap();
    assert_eq!(
        store.load_visitor(&site, &behind).await.unwrap(),
        Some(later)
    );
}
