//! The widget's look: a shop's CSS cannot reach it, and screenshots at two widths.

use crate::support::{Browser, Scene, shop_page};
use serde_json::Value;

const HOSTILE_CSS: &str = "<style>* { all: unset !important; font-size: 40px !important }</style>";

async fn launcher_box(browser: &Browser) -> Value {
    browser.widget_ready().await;
    // Offsets from the viewport's right and bottom edges (inside any scrollbar the shop's
    // page gets), so a longer page does not count as a move.
    browser
        .js(
            "const r = $('[data-role=launcher]').getBoundingClientRect();\
             const v = window.visualViewport;\
             return { right: v.width - r.right, bottom: v.height - r.bottom,\
                      width: r.width, height: r.height };",
        )
        .await
}

#[tokio::test]
async fn the_shops_aggressive_global_css_does_not_change_the_widget() {
    let scene = Scene::new(1280).await;
    scene.shop.page(
        "/hostile",
        shop_page(&scene.chat, HOSTILE_CSS, "<p>Loud theme.</p>"),
    );

    scene.visit("/").await;
    let plain = launcher_box(&scene.browser).await;
    scene.visit("/hostile").await;
    let hostile = launcher_box(&scene.browser).await;

    for key in ["right", "bottom", "width", "height"] {
        let (a, b) = (plain[key].as_f64().unwrap(), hostile[key].as_f64().unwrap());
        assert!(
            (a - b).abs() <= 1.0,
            "launcher {key} moved from {a} to {b}: {plain} vs {hostile}"
        );
    }
    assert!(plain["width"].as_f64().unwrap() > 0.0, "{plain}");
    scene.finish().await;
}

#[tokio::test]
async fn screenshots_of_the_open_chat_on_desktop_and_phone() {
    let scene = Scene::new(1280).await;
    scene
        .chat
        .add_article(
            &scene.token,
            "Do you have the jacket in XL?",
            "Yes: the Alpine Down Jacket comes in XS to XXL.",
        )
        .await;
    scene.visit("/").await;
    scene.browser.open_chat().await;
    scene.browser.say("Do you have the jacket in XL?").await;
    scene.browser.message("bot", "XS to XXL").await;
    scene.browser.screenshot("open-1280").await;

    scene.browser.resize(375, 812).await;
    scene
        .browser
        .wait_for("the phone-width layout", "return window.innerWidth <= 400;")
        .await;
    scene.browser.message("bot", "XS to XXL").await;
    scene.browser.screenshot("open-375").await;
    scene.finish().await;
}
