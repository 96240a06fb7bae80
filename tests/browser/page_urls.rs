//! What of the shop's URLs leaves the page: the widget reports a page without its query
//! string and fragment, keeping only the parameters the snippet names (UTM ones by default)
//! and a single-page app's hash route — an `email=` or a search in the URL never reaches the
//! chat server.

use crate::support::{DEADLINE, Scene};
use serde_json::Value;

/// The visitor's stored browsing state once its current page is `url`.
async fn state_with_page(scene: &Scene, url: &str) -> Value {
    let key = format!("shopchat:{}", scene.chat.seed.public_key);
    let vid = scene
        .browser
        .wait_for(
            "the widget's visitor id",
            &format!(
                "const v = localStorage.getItem({}); return v && JSON.parse(v).vid || null;",
                serde_json::json!(key)
            ),
        )
        .await;
    let path = scene
        .chat
        .site_path(&format!("/visitors/{}", vid.as_str().unwrap()));
    let until = std::time::Instant::now() + DEADLINE;
    loop {
        let state: Value = scene.chat.get_json(&path, &scene.token).await;
        if state["current_page"]["url"] == url {
            return state;
        }
        assert!(
            std::time::Instant::now() < until,
            "the page never became {url}: {state}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_page_is_reported_without_its_query_and_fragment_but_for_utm_and_routes() {
    let scene = Scene::new(1280).await;
    scene
        .visit("/?email=kari%40example.no&utm_source=news&q=winter+boots#reviews")
        .await;
    scene.browser.widget_ready().await;
    let state = state_with_page(&scene, &scene.shop.url("/?utm_source=news")).await;
    let stored = state.to_string();
    for secret in ["kari", "winter", "reviews"] {
        assert!(!stored.contains(secret), "{secret} left the page: {stored}");
    }

    // A single-page app's route is a page; its own query stays home too.
    scene
        .browser
        .js("location.hash = '#/cart?token=abc123'; return null;")
        .await;
    let state = state_with_page(&scene, &scene.shop.url("/?utm_source=news#/cart")).await;
    assert!(!state.to_string().contains("abc123"), "{state}");
    scene.finish().await;
}
