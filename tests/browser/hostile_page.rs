//! The widget on pages that get in its way: a library's polluted prototypes (Prototype.js's
//! `Array.prototype.toJSON`, which returns a string) no longer turn the cart into nothing on
//! the server, and a page whose own global is called `shopchat` gets a console warning and a
//! working chat instead of silence — its global left alone.

use crate::support::{Scene, shop_page};

#[tokio::test]
async fn a_prototype_style_to_json_does_not_lose_the_cart() {
    let scene = Scene::new(1280).await;
    // Prototype.js's Array#toJSON: the array as a JSON *string*.
    let head = "<script>Array.prototype.toJSON = function () { return '[' + this.map(function (x) { return JSON.stringify(x); }).join(',') + ']'; };\
        window.shopchat=window.shopchat||function(){(shopchat.q=shopchat.q||[]).push(arguments)};\
        shopchat('cart', { total: 49.9, currency: 'EUR', items: [{ sku: 'TENT-2', qty: 1, price: 49.9 }] });</script>";
    scene.shop.page(
        "/polluted",
        shop_page(&scene.chat, head, "<p>Old theme.</p>"),
    );
    scene.visit("/polluted").await;
    scene.browser.widget_ready().await;
    let state = scene.visitor_state(|s| !s["cart"].is_null()).await;
    assert_eq!(state["cart"]["items"][0]["sku"], "TENT-2", "{state}");
    // The page's own toJSON is back in place for the page.
    let kept = scene
        .browser
        .js("return typeof Array.prototype.toJSON === 'function' && JSON.stringify([1]) === '\"[1]\"';")
        .await;
    assert_eq!(kept, true);
    scene.finish().await;
}

#[tokio::test]
async fn a_page_global_named_shopchat_gets_a_warning_and_a_working_chat() {
    let scene = Scene::new(1280).await;
    let head = "<script>window.__warnings = []; const warn = console.warn;\
        console.warn = function () { window.__warnings.push([...arguments].join(' ')); warn.apply(console, arguments); };\
        window.shopchat = { v: 2, theirs: true };</script>";
    scene.shop.page(
        "/taken",
        shop_page(&scene.chat, head, "<p>A shop with its own shopchat.</p>"),
    );
    scene.visit("/taken").await;
    scene.browser.open_chat().await;
    scene.browser.say("Hello from a busy page").await;
    scene.browser.message("shopper", "busy page").await;
    let warnings = scene.browser.js("return window.__warnings;").await;
    assert!(
        warnings
            .to_string()
            .contains("window.shopchat is already used"),
        "{warnings}"
    );
    let theirs = scene
        .browser
        .js("return window.shopchat && window.shopchat.theirs === true;")
        .await;
    assert_eq!(theirs, true, "the page's global is left alone");
    scene.finish().await;
}
