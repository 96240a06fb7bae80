//! A site's own model provider (set, replaced, removed, per site) and the model-call counts:
//! one per call up to the day's limit and not one more, per site and per day, and never
//! past the limit when calls race.

use super::new_site;
use shopchat::ai::provider::SiteProvider;
use shopchat::store::prelude::*;
use std::sync::Arc;

store_contract!(
    a_sites_provider_is_kept_replaced_and_removed,
    calls_are_counted_up_to_the_limit_per_site_and_day,
    racing_calls_never_take_more_than_the_limit,
);

/// The limit refuses the call past it; another site and the next day count afresh.
async fn calls_are_counted_up_to_the_limit_per_site_and_day(store: Arc<dyn Store>) {
    let (one, two) = (
        new_site(store.as_ref()).await,
        new_site(store.as_ref()).await,
    );
    let day = 20_423;
    assert_eq!(store.ai_calls(&one, day).await.unwrap(), 0);
    for _ in 0..3 {
        assert!(store.take_ai_call(&one, day, 3).await.unwrap());
    }
    assert!(
        !store.take_ai_call(&one, day, 3).await.unwrap(),
        "the fourth of three"
    );
    assert_eq!(
        store.ai_calls(&one, day).await.unwrap(),
        3,
        "a refusal counts nothing"
    );
    // A raised limit lets more through the same day.
    assert!(store.take_ai_call(&one, day, 4).await.unwrap());
    assert_eq!(store.ai_calls(&one, day).await.unwrap(), 4);
    assert!(
        store.take_ai_call(&two, day, 3).await.unwrap(),
        "another site"
    );
    assert!(
        store.take_ai_call(&one, day + 1, 3).await.unwrap(),
        "the next day"
    );
    assert_eq!(store.ai_calls(&one, day + 1).await.unwrap(), 1);
    assert_eq!(store.ai_calls(&two, day).await.unwrap(), 1);
}

/// Twenty calls at once against a limit of seven: exactly seven are counted.
async fn racing_calls_never_take_more_than_the_limit(store: Arc<dyn Store>) {
    let site = new_site(store.as_ref()).await;
    let day = 20_500;
    let calls = (0..20).map(|_| {
        let (store, site) = (store.clone(), site.clone());
        tokio::spawn(async move { store.take_ai_call(&site, day, 7).await.unwrap() })
    });
    let mut taken = 0;
    for call in calls {
        if call.await.unwrap() {
            taken += 1;
        }
    }
    assert_eq!(taken, 7);
    assert_eq!(store.ai_calls(&site, day).await.unwrap(), 7);
}

/// The provider comes back as saved, key included (the store keeps it; the API hides it);
/// another site has none; a replacement and a removal take effect.
async fn a_sites_provider_is_kept_replaced_and_removed(store: Arc<dyn Store>) {
    let (one, two) = (
        new_site(store.as_ref()).await,
        new_site(store.as_ref()).await,
    );
    assert_eq!(store.site_provider(&one).await.unwrap(), None);
    let first = SiteProvider::checked(
        "https://api.example.com/v1",
        "m-1",
        Some("sk-1".into()),
        false,
    )
    .unwrap();
    store.set_site_provider(&one, Some(&first)).await.unwrap();
    assert_eq!(store.site_provider(&one).await.unwrap(), Some(first));
    assert_eq!(store.site_provider(&two).await.unwrap(), None);
    let second = SiteProvider::checked("https://llm.example.org/v1", "m-2", None, false).unwrap();
    store.set_site_provider(&one, Some(&second)).await.unwrap();
    assert_eq!(store.site_provider(&one).await.unwrap(), Some(second));
    store.set_site_provider(&one, None).await.unwrap();
    assert_eq!(store.site_provider(&one).await.unwrap(), None);
    store.set_site_provider(&one, None).await.unwrap(); // removing nothing is fine
}
