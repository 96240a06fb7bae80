//! The widget stays in view and on top whatever the shop's page does to its own layout: a
//! `transform` on `body` (which makes `position: fixed` relative to the body, putting the
//! launcher at the end of a long page), `html { zoom: 2 }` (which pushed the panel's header
//! above the screen) and a cookie bar at z-index 2147483647 over the launcher. The widget
//! lives in the browser's top layer, above every z-index and positioned against the viewport.

use crate::support::{Scene, shop_page};
use serde_json::Value;

/// Where the widget's part `css` is against the viewport, and what the page and the shadow
/// root hit at its centre (as a click there would).
const PLACE_JS: &str = "const el = $(arguments[0]); const r = el.getBoundingClientRect();\
    const x = r.left + r.width / 2, y = r.top + r.height / 2;\
    const hit = document.elementFromPoint(x, y); const inner = __root.elementFromPoint(x, y);\
    return { top: r.top, bottom: r.bottom, left: r.left, right: r.right,\
      width: innerWidth, height: innerHeight,\
      page_hit: hit ? (hit.id || hit.tagName) : null,\
      ours: !!inner && (el === inner || el.contains(inner)) };";

async fn place(scene: &Scene, css: &str) -> Value {
    scene
        .browser
        .js(&format!(
            "return (function () {{ {PLACE_JS} }}).apply(null, [{}]);",
            serde_json::json!(css)
        ))
        .await
}

/// `part` of the widget lies wholly in the viewport and is what a click at its centre hits.
fn assert_in_view_and_on_top(page: &str, part: &str, at: &Value) {
    let n = |k: &str| at[k].as_f64().unwrap();
    assert!(
        n("top") >= 0.0
            && n("left") >= 0.0
            && n("bottom") <= n("height")
            && n("right") <= n("width"),
        "{page}: the {part} is not in the viewport: {at}"
    );
    assert_eq!(
        at["page_hit"], "shopchat-root",
        "{page}: the {part} is covered: {at}"
    );
    assert_eq!(
        at["ours"], true,
        "{page}: the {part} is not what is hit: {at}"
    );
}

const PAGES: [(&str, &str, &str); 3] = [
    (
        "/transformed",
        "<style>body { transform: translateZ(0); min-height: 3000px }</style>",
        "<p>A page whose body is transformed.</p>",
    ),
    (
        "/zoomed",
        "<style>html { zoom: 2 }</style>",
        "<p>A page zoomed twice.</p>",
    ),
    (
        "/cookie-bar",
        "",
        "<div id=\"cookie-bar\" style=\"position:fixed;left:0;right:0;bottom:0;height:140px;\
         z-index:2147483647;background:#222;color:#fff\">We use cookies.</div>",
    ),
];

#[tokio::test]
async fn the_launcher_and_the_panels_header_stay_in_view_and_on_top_of_any_page() {
    let scene = Scene::new(1280).await;
    for (path, head, body) in PAGES {
        scene.shop.page(path, shop_page(&scene.chat, head, body));
        scene.visit(path).await;
        scene.browser.widget_ready().await;
        let launcher = place(&scene, "[data-role=launcher]").await;
        assert_in_view_and_on_top(path, "launcher", &launcher);
        scene.browser.open_chat().await;
        scene
            .browser
            .wait_for(
                "the panel's animation to end",
                "return document.getAnimations().length + __root.getAnimations().length === 0;",
            )
            .await;
        let header = place(&scene, "header b").await;
        assert_in_view_and_on_top(path, "panel's header", &header);
        let close = place(&scene, "[data-role=close]").await;
        assert_in_view_and_on_top(path, "close button", &close);
        // Closed again, so the next page starts closed (the open state follows the shopper).
        scene.browser.js("$('[data-role=close]').click();").await;
    }
    scene.finish().await;
}
