//! What of the shop's URLs leaves the page: the widget reports a page without its query
//! string and fragment, keeping only the parameters the snippet names (UTM ones by default)
//! and a single-page app's hash route — an `email=` or a search in the URL never reaches the
//! chat server.

use crate::support::Scene;

#[tokio::test]
async fn a_page_is_reported_without_its_query_and_fragment_but_for_utm_and_routes() {
    let scene = Scene::new(1280).await;
    scene
        .visit("/?email=kari%40example.no&utm_source=news&q=winter+boots#reviews")
        .await;
    scene.browser.widget_ready().await;
    let page = scene.shop.url("/?utm_source=news");
    let state = scene
        .visitor_state(|s| s["current_page"]["url"] == page)
        .await;
    let stored = state.to_string();
    for secret in ["kari", "winter", "reviews"] {
        assert!(!stored.contains(secret), "{secret} left the page: {stored}");
    }

    // A single-page app's route is a page; its own query stays home too.
    scene
        .browser
        .js("location.hash = '#/cart?token=abc123'; return null;")
        .await;
    let route = scene.shop.url("/?utm_source=news#/cart");
    let state = scene
        .visitor_state(|s| s["current_page"]["url"] == route)
        .await;
    assert!(!state.to_string().contains("abc123"), "{state}");
    scene.finish().await;
}
