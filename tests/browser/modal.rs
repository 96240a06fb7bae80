//! On a phone the open panel is a modal dialog: the shop's page behind it is inert, Tab
//! cycles inside it (the only other stop is the browser's own controls, where a modal dialog
//! lets the focus go), Escape closes it wherever the focus is, and the focus goes back to the
//! launcher. The launcher's name says whether it opens or closes the chat and how many
//! messages are unread. Beside the page on a desktop the panel stays non-modal.

use crate::support::{Scene, shop_page};
use serde_json::json;

const TAB: char = '\u{E004}';
const ENTER: char = '\u{E007}';
const ESCAPE: char = '\u{E00C}';

/// A shop page with its own focusable things, which the panel must keep the focus away from.
const PAGE: &str = "<main><a id=\"jackets\" href=\"#jackets\">Jackets</a> \
    <button id=\"add\">Add to cart</button> <input id=\"search\" aria-label=\"Search\"> \
    <a id=\"boots\" href=\"#boots\">Boots</a></main>";

/// A shop page with focusable things, a proactive message waiting unread on the launcher,
/// in a phone's or a desktop's window.
async fn scene_with_an_unread_message(phone: bool) -> Scene {
    let scene = Scene::new(1280).await;
    if phone {
        scene.browser.phone().await;
    }
    scene.shop.page("/", shop_page(&scene.chat, "", PAGE));
    scene
        .chat
        .create_rule(
            &scene.token,
            json!({
                "name": "Short dwell",
                "when": ["page_view"],
                "conditions": { "all": [{ "fact": "time_on_page", "op": "gte", "value": 1 }] },
                "actions": [{ "type": "message", "text": "Need help choosing a size?" }]
            }),
        )
        .await;
    scene.visit("/").await;
    scene
        .browser
        .wait_for(
            "the launcher to count the unread message",
            "const l = $('[data-role=launcher]'); return !!l && l.getAttribute('aria-label').includes('unread');",
        )
        .await;
    scene
}

async fn launcher_name(scene: &Scene) -> (String, String) {
    let v = scene
        .browser
        .js("const l = $('[data-role=launcher]'); return [l.getAttribute('aria-label'), l.getAttribute('aria-expanded')];")
        .await;
    (
        v[0].as_str().unwrap().to_owned(),
        v[1].as_str().unwrap().to_owned(),
    )
}

#[tokio::test]
async fn on_a_phone_the_panel_is_modal_keeps_tab_inside_and_escape_from_anywhere_returns_focus() {
    let scene = scene_with_an_unread_message(true).await;
    assert_eq!(
        launcher_name(&scene).await,
        ("Open chat, 1 unread message".to_owned(), "false".to_owned())
    );

    // Opened from the keyboard.
    scene.browser.js("$('[data-role=launcher]').focus();").await;
    scene.browser.key(ENTER).await;
    scene
        .browser
        .wait_for(
            "the panel open as a modal dialog",
            "const p = $('[data-role=panel]'); return !!p && p.matches(':modal');",
        )
        .await;
    assert_eq!(
        launcher_name(&scene).await,
        ("Close chat".to_owned(), "true".to_owned())
    );
    assert_eq!(scene.browser.focus().await, "widget:input");

    // The page behind is inert: it cannot even be focused from script.
    let taken = scene
        .browser
        .js("document.getElementById('add').focus(); return document.activeElement.id;")
        .await;
    assert_ne!(
        taken, "add",
        "the page behind the modal panel took the focus"
    );

    // Tab goes round inside the panel: every stop is the widget's (or the browser's own
    // controls, no element), and it comes back to where it started.
    let first = scene.browser.focus().await;
    let mut stops = vec![first.clone()];
    let mut back = false;
    for _ in 0..40 {
        scene.browser.key(TAB).await;
        let now = scene.browser.focus().await;
        assert!(
            !now.starts_with("page:"),
            "Tab left the panel for the page behind it: {stops:?} then {now}"
        );
        if now == first {
            back = true;
            break;
        }
        stops.push(now);
    }
    assert!(back, "Tab never came back round: {stops:?}");
    eprintln!("Tab stops in the open panel on a phone: {stops:?}");
    let in_widget = stops.iter().filter(|s| s.starts_with("widget:")).count();
    assert!(
        in_widget >= 4 && stops.iter().any(|s| s == "widget:close"),
        "the panel's controls are not all Tab stops: {stops:?}"
    );

    // Escape with the focus on nothing in particular (the page's body) closes it.
    scene.browser.js("document.activeElement.blur();").await;
    assert_eq!(scene.browser.focus().await, "none");
    scene.browser.key(ESCAPE).await;
    scene
        .browser
        .wait_for(
            "the panel to close",
            "return !$('[data-role=panel]').open && $('[data-role=launcher]').getAttribute('aria-expanded') === 'false';",
        )
        .await;
    assert_eq!(scene.browser.focus().await, "widget:launcher");
    assert_eq!(
        launcher_name(&scene).await,
        ("Open chat".to_owned(), "false".to_owned())
    );
    let errors = scene.browser.errors().await;
    assert!(errors.is_empty(), "{errors:?}");
    scene.finish().await;
}

#[tokio::test]
async fn beside_the_page_on_a_desktop_the_panel_is_not_modal_and_escape_inside_closes_it() {
    let scene = scene_with_an_unread_message(false).await;
    scene.browser.open_chat().await;
    let modal = scene
        .browser
        .js("return $('[data-role=panel]').matches(':modal');")
        .await;
    assert_eq!(modal, false);
    assert_eq!(
        launcher_name(&scene).await,
        ("Close chat".to_owned(), "true".to_owned())
    );
    // The shop's page stays usable beside it.
    let taken = scene
        .browser
        .js("document.getElementById('add').focus(); return document.activeElement.id;")
        .await;
    assert_eq!(taken, "add");
    // Escape inside the panel closes it and gives the focus back to the launcher.
    scene.browser.js("$('[data-role=input]').focus();").await;
    scene.browser.key(ESCAPE).await;
    scene
        .browser
        .wait_for("the panel to close", "return !$('[data-role=panel]').open;")
        .await;
    assert_eq!(scene.browser.focus().await, "widget:launcher");
    scene.finish().await;
}

#[tokio::test]
async fn the_two_send_buttons_have_different_names() {
    let scene = Scene::new(1280).await;
    scene.visit("/").await;
    scene.browser.open_chat().await;
    let names = scene
        .browser
        .js("return [$('button[data-role=send]').getAttribute('aria-label'), $('form[data-role=offline] button').getAttribute('aria-label')];")
        .await;
    assert_eq!(names, json!(["Send message", "Send email address"]));
    scene.finish().await;
}

#[tokio::test]
async fn a_rule_opening_the_panel_beside_the_page_leaves_the_shoppers_focus_where_it_is() {
    let scene = Scene::new(1280).await;
    scene.shop.page("/", shop_page(&scene.chat, "", PAGE));
    scene
        .chat
        .create_rule(
            &scene.token,
            json!({
                "name": "Open after a second",
                "when": ["page_view"],
                "conditions": { "all": [{ "fact": "time_on_page", "op": "gte", "value": 1 }] },
                "actions": [{ "type": "message", "text": "Can we help?" }, { "type": "open_widget" }]
            }),
        )
        .await;
    scene.visit("/").await;
    // The shopper is typing a search when the rule opens the chat.
    scene
        .browser
        .js("document.getElementById('search').focus();")
        .await;
    scene
        .browser
        .wait_for(
            "the rule to open the panel",
            "const p = $('[data-role=panel]'); return !!p && p.open;",
        )
        .await;
    assert_eq!(scene.browser.focus().await, "page:input#search");
    scene.finish().await;
}
