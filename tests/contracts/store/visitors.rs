//! A visitor's browsing state.

use super::new_site;
use shopchat::domain::{Timestamp, VisitorId};
use shopchat::store::prelude::*;
use shopchat::triggers::VisitorRecord;
use std::sync::Arc;

store_contract!(visitor_state_is_saved_whole_and_per_site,);

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
