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

/// WCAG 2 contrast between the computed text colour of the element `css` matches in the
/// widget and the background it sits on (its own, or its nearest painted ancestor's), with
/// the two colours, as the browser renders them.
const CONTRAST_JS: &str = "const el = $(arguments[0]);\
    const rgb = (s) => s.match(/\\d+(\\.\\d+)?/g).slice(0, 3).map(Number);\
    const lum = (c) => { const l = c.map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });\
      return 0.2126 * l[0] + 0.7152 * l[1] + 0.0722 * l[2]; };\
    let box = el; while (box.parentElement && getComputedStyle(box).backgroundColor === 'rgba(0, 0, 0, 0)') box = box.parentElement;\
    const color = getComputedStyle(el).color, background = getComputedStyle(box).backgroundColor;\
    const [a, b] = [lum(rgb(color)), lum(rgb(background))].sort((x, y) => y - x);\
    return { ratio: (a + 0.05) / (b + 0.05), color, background };";

#[tokio::test]
async fn any_brand_colour_gets_text_that_reads_at_four_and_a_half_to_one() {
    let scene = Scene::new(1280).await;
    // The owners' colours that failed with white text, a mid grey, a dark and a pale one.
    for colour in [
        "#ff6600", "#00a3e0", "#888888", "#e91e63", "#1f6feb", "#ffee00", "#777777",
    ] {
        scene
            .chat
            .chat_settings(&scene.token, serde_json::json!({ "color": colour }))
            .await;
        scene.visit("/").await;
        scene.browser.open_chat().await;
        scene.browser.say("Hello").await;
        scene.browser.message("shopper", "Hello").await;
        for part in ["header b", "[data-kind=shopper] [data-role=text]"] {
            let measured = scene
                .browser
                .js(&format!(
                    "return (function() {{ {CONTRAST_JS} }}).apply(null, [{}]);",
                    serde_json::json!(part)
                ))
                .await;
            let ratio = measured["ratio"].as_f64().unwrap();
            assert!(ratio >= 4.5, "{colour} {part}: {measured}");
        }
    }
    scene.finish().await;
}
