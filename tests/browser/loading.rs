//! Loading: the snippet, the queue of early calls, and the origin check.

use crate::support::{Scene, ShopServer, shop_page};
use serde_json::{Value, json};

#[tokio::test]
async fn the_snippet_loads_the_widget_without_a_console_error() {
    let scene = Scene::new(1280).await;
    scene.visit("/").await;
    scene.browser.widget_ready().await;
    scene
        .browser
        .wait_for(
            "the shopper socket to open",
            "return window.__sockets.some((s) => s.url.includes('/ws/shopper') && s.events.includes('open'));",
        )
        .await;
    assert_eq!(scene.browser.errors().await, Vec::<String>::new());
    scene.browser.screenshot("closed-1280").await;
    scene.finish().await;
}

#[tokio::test]
async fn calls_queued_before_the_script_loads_are_replayed() {
    let scene = Scene::new(1280).await;
    // The page talks to the widget before the snippet's script has even been seen.
    let early = "<script>window.shopchat=window.shopchat||function(){(shopchat.q=shopchat.q||[]).push(arguments)};\
        shopchat('identify', {name: 'Eva'});\
        shopchat('cart', {total: 59.5, currency: 'EUR', items: [{sku: 'SCF-MER-03', qty: 1, price: 39, name: 'Merino Scarf'}, {sku: 'HAT-01', qty: 1, price: 20.5, name: 'Hat'}]});\
        </script>";
    scene.shop.page("/early", shop_page(&scene.chat, "", early));
    let (mut agent, _) = scene.chat.agent(&scene.token).await;
    scene.visit("/early").await;

    let frame = agent
        .until_named("the visitor with Eva's cart", |f| {
            f["type"] == "visitor" && f["visitor"]["cart_total"] == json!(59.5)
        })
        .await;
    let visitor = frame["visitor"]["visitor_id"].as_str().unwrap().to_owned();
    let path = scene.chat.site_path(&format!("/visitors/{visitor}"));
    let state: Value = scene.chat.get_json(&path, &scene.token).await;
    assert_eq!(state["cart"]["total"], json!(59.5), "{state}");
    assert_eq!(state["cart"]["currency"], "EUR");
    let skus: Vec<&str> = state["cart"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["sku"].as_str().unwrap())
        .collect();
    assert_eq!(skus, ["SCF-MER-03", "HAT-01"]);
    assert_eq!(state["attributes"]["name"], "Eva", "{state}");
    scene.finish().await;
}

#[tokio::test]
async fn a_page_from_an_origin_the_site_does_not_allow_gets_no_connection() {
    let scene = Scene::new(1280).await;
    let stranger = ShopServer::start().await;
    stranger.page("/", shop_page(&scene.chat, "", "<p>Not our shop.</p>"));
    let (mut agent, _) = scene.chat.agent(&scene.token).await;

    scene.browser.goto(&stranger.url("/")).await;
    let fate = scene
        .browser
        .wait_for(
            "the shopper socket to be refused",
            "const s = window.__sockets.find((s) => s.url.includes('/ws/shopper'));\
             return s && s.events.some((e) => e === 'error' || e.startsWith('close')) ? s.events : null;",
        )
        .await;
    assert!(
        !fate.as_array().unwrap().contains(&json!("open")),
        "the socket opened: {fate}"
    );
    // Nothing reached the agents: no visitor joined.
    let seen = agent.drain().await;
    assert!(
        seen.iter().all(|f| f["type"] != "visitor"),
        "a visitor appeared: {seen:?}"
    );
    scene.finish().await;
}
