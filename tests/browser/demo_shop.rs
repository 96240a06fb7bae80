//! The demo shop at `/demo/` (served by the chat server itself, its own origin): the widget
//! loads, reads the product from the JSON-LD, the cart reaches the agents, and checkout
//! reports the order and empties the cart.

use crate::support::{Browser, chat_server_on, free_port};
use serde_json::{Value, json};
use shopchat::seed::DEMO_SITE_NAME;

#[tokio::test]
async fn the_demo_shops_product_and_cart_reach_the_agents() {
    let port = free_port();
    let chat = chat_server_on(DEMO_SITE_NAME, &[format!("http://127.0.0.1:{port}")], port).await;
    let token = chat.owner_token().await;
    let (mut agent, _) = chat.agent(&token).await;
    let browser = Browser::start(1280).await;

    browser.goto(&chat.url("/demo/jacket.html")).await;
    browser
        .wait_for(
            "the page to be loaded",
            "return document.readyState === 'complete' && !!document.querySelector('button.buy');",
        )
        .await;
    // The widget reports the product it read from the JSON-LD (agents see the visitor
    // updated) before the shopper buys, so the two events cannot race each other.
    agent
        .until_named("the visitor updated by the product view", |f| {
            f["type"] == "visitor" && f["change"] == "updated"
        })
        .await;
    browser
        .js("document.querySelector('button.buy').click();")
        .await;

    let frame = agent
        .until_named("the visitor with the jacket in the cart", |f| {
            f["type"] == "visitor" && f["visitor"]["cart_total"] == json!(189.0)
        })
        .await;
    let visitor = frame["visitor"]["visitor_id"].as_str().unwrap().to_owned();
    let state: Value = chat
        .get_json(&chat.site_path(&format!("/visitors/{visitor}")), &token)
        .await;
    assert_eq!(state["cart"]["currency"], "EUR", "{state}");
    assert_eq!(state["cart"]["items"][0]["sku"], "JKT-ALP-01", "{state}");
    assert_eq!(state["cart"]["items"][0]["qty"], 1, "{state}");
    assert_eq!(
        state["current_page"]["path"], "/demo/jacket.html",
        "{state}"
    );
    // The widget read the product from the page's JSON-LD.
    assert_eq!(state["product"]["sku"], "JKT-ALP-01", "{state}");

    // Checkout: the order is reported and the emptied cart follows.
    // The page keeps who the shopper is for the next page, at once: the widget used to batch
    // this write behind a timer that a hidden tab could hold back past the navigation, and the
    // checkout page then started a new visitor (the purchase went to a stranger).
    let stored = browser
        .js(&format!(
            "const v = localStorage.getItem('shopchat:{}'); return v && JSON.parse(v).vid;",
            chat.seed.public_key
        ))
        .await;
    assert_eq!(stored, json!(visitor), "the widget stored the visitor id");
    browser.goto(&chat.url("/demo/checkout.html")).await;
    browser
        .wait_for(
            "the order button",
            "const b = document.getElementById('order'); return !!b && !b.disabled;",
        )
        .await;
    browser
        .js("document.getElementById('order').click();")
        .await;
    let path = chat.site_path(&format!("/visitors/{visitor}"));
    let until = tokio::time::Instant::now() + crate::support::DEADLINE;
    loop {
        let state: Value = chat.get_json(&path, &token).await;
        // The page reports the purchase, then the emptied cart, on the same socket in order.
        if state["current_page"]["path"] == "/demo/checkout.html"
            && state["cart"]["total"] == json!(0.0)
        {
            break;
        }
        if tokio::time::Instant::now() >= until {
            // What the page itself saw, to tell a widget that never connected from events lost.
            let page = browser
                .js("return { root: !!document.querySelector('#shopchat-root'), \
                     api: typeof window.shopchat, queued: (window.shopchat && window.shopchat.q || []).length, \
                     url: location.href, visibility: document.visibilityState };")
                .await;
            let console = browser.console_errors().await;
            let seen: Vec<String> = agent
                .drain()
                .await
                .iter()
                .filter(|f| f["type"] == "visitor")
                .map(|f| {
                    format!(
                        "{} {} {}",
                        f["change"],
                        f["visitor"]["visitor_id"],
                        f["visitor"]["current_page"]["path"]
                    )
                })
                .collect();
            panic!(
                "the purchase never reached the server: {state}\npage: {page}\nconsole: {console:?}\nagents saw: {seen:#?}"
            );
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    browser.close().await;
    chat.stop().await;
}
