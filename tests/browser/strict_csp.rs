//! The widget on a shop with a strict Content-Security-Policy: no 'unsafe-inline' styles,
//! Trusted Types required, scripts and sockets only from the hosts the shop names — exactly
//! the directives README tells a shop to add. Styled, working and without a violation; and
//! when the shop forgets the chat host in connect-src, the shopper is told the chat is
//! unavailable instead of a message pending forever.

use crate::support::Scene;
use serde_json::json;

/// A shop page under `csp` (as a meta tag, which the browser enforces like the header for
/// these directives): the snippet's stub carries the page's nonce, as a strict shop's inline
/// scripts do, and a recorder of CSP violations.
fn strict_page(scene: &Scene, csp: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{csp}\">\
         <title>Strict shop</title>\
         <script nonce=\"n0nce\">window.__violations = [];\
           document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(e.effectiveDirective + ' ' + e.blockedURI));\
           window.shopchat=window.shopchat||function(){{(shopchat.q=shopchat.q||[]).push(arguments)}};</script>\
         </head><body><h1>Strict shop</h1>\
         <script async src=\"http://127.0.0.1:{port}/widget.js\" data-site=\"{key}\"></script></body></html>",
        port = scene.chat.port,
        key = scene.chat.seed.public_key
    )
}

/// README's directives for a chat server at `chat`, plus everything else closed.
fn readme_policy(chat: &str, connect: &str) -> String {
    format!(
        "default-src 'none'; script-src 'nonce-n0nce' {chat}; connect-src {connect}; \
         style-src 'self'; require-trusted-types-for 'script'; trusted-types shopchat"
    )
}

#[tokio::test]
async fn the_widget_is_styled_and_works_under_a_strict_csp_with_trusted_types() {
    let scene = Scene::new(1280).await;
    let chat = format!("http://127.0.0.1:{}", scene.chat.port);
    let socket = format!("ws://127.0.0.1:{}", scene.chat.port);
    scene.shop.page(
        "/strict",
        strict_page(&scene, &readme_policy(&chat, &socket)),
    );
    scene.visit("/strict").await;
    scene.browser.widget_ready().await;
    // Styled: the launcher is the fixed round button, not an unstyled inline one.
    let look = scene
        .browser
        .js(
            "const l = $('[data-role=launcher]'); const s = getComputedStyle(l);\
             return { position: s.position, width: s.width, radius: s.borderTopLeftRadius };",
        )
        .await;
    assert_eq!(
        look,
        json!({ "position": "fixed", "width": "56px", "radius": "28px" })
    );
    let (mut agent, _) = scene.chat.agent(&scene.token).await;
    scene.browser.open_chat().await;
    scene.browser.say("Do you ship to Norway?").await;
    let frame = agent
        .until_named("the shopper's message", |f| {
            f["type"] == "message" && f["message"]["author"]["kind"] == "shopper"
        })
        .await;
    let conversation = frame["message"]["conversation_id"].as_str().unwrap();
    scene
        .chat
        .agent_says(&scene.token, conversation, "Yes, in 4 days.")
        .await;
    scene.browser.message("agent", "in 4 days").await;
    let violations = scene.browser.js("return window.__violations;").await;
    assert_eq!(violations, json!([]), "no CSP violation");
    scene.finish().await;
}

#[tokio::test]
async fn a_socket_the_shops_csp_blocks_shows_the_chat_as_unavailable() {
    let scene = Scene::new(1280).await;
    let chat = format!("http://127.0.0.1:{}", scene.chat.port);
    // The chat host forgotten in connect-src.
    scene.shop.page(
        "/forgot",
        strict_page(&scene, &readme_policy(&chat, "'self'")),
    );
    scene.visit("/forgot").await;
    scene.browser.open_chat().await;
    let status = scene
        .browser
        .wait_for(
            "the unavailable status",
            "const s = $('[data-role=status]'); return s && !s.hidden && s.textContent;",
        )
        .await;
    assert_eq!(status, "Chat is unavailable on this page right now.");
    let composer = scene
        .browser
        .js("return [$('[data-role=input]').disabled, $('[data-role=send]').disabled];")
        .await;
    assert_eq!(
        composer,
        json!([true, true]),
        "nothing can be typed to pend forever"
    );
    let violations = scene.browser.js("return window.__violations;").await;
    assert!(
        violations.to_string().contains("connect-src"),
        "the browser did block it: {violations}"
    );
    scene.finish().await;
}

#[tokio::test]
async fn the_owners_settings_give_the_consent_snippet_and_the_csp_directives() {
    use crate::dashboard::{SHOP, log_in, text_containing};
    let chat = crate::support::chat_server(&[SHOP.to_owned()]).await;
    let browser = crate::support::Browser::start(1280).await;
    log_in(&browser, &chat).await;
    browser.click("[data-nav=settings]").await;
    let plain = text_containing(&browser, "[data-role=snippet]", "widget.js").await;
    assert!(!plain.contains("data-consent"), "{plain}");
    browser.click("[data-role=snippet-consent]").await;
    let consent = text_containing(&browser, "[data-role=snippet]", "data-consent").await;
    assert!(
        consent.contains(&format!(
            "data-site=\"{}\" data-consent=\"required\"",
            chat.seed.public_key
        )),
        "{consent}"
    );
    assert!(consent.contains("shopchat('consent', true)"), "{consent}");
    let csp = text_containing(&browser, "[data-role=snippet-csp]", "connect-src").await;
    assert!(
        csp.contains(&format!("connect-src ws://127.0.0.1:{}", chat.port)),
        "{csp}"
    );
    assert!(csp.contains("trusted-types shopchat"), "{csp}");
    browser.screenshot("dashboard-install-snippet").await;
    assert!(browser.console_errors().await.is_empty());
    browser.close().await;
    chat.stop().await;
}

#[tokio::test]
async fn a_report_only_policy_that_leaves_the_host_out_does_not_stop_the_chat() {
    let scene = Scene::new(1280).await;
    let chat = format!("http://127.0.0.1:{}", scene.chat.port);
    // Report-only: the browser reports the socket as a violation but opens it.
    let policy = readme_policy(&chat, "'self'");
    scene.shop.page_with_header(
        "/report-only",
        &format!("Content-Security-Policy-Report-Only: {policy}"),
        strict_page(&scene, "default-src *; script-src * 'unsafe-inline'"),
    );
    scene.visit("/report-only").await;
    scene
        .browser
        .wait_for(
            "the socket's violation, reported only",
            "return window.__violations.some((v) => v.startsWith('connect-src'));",
        )
        .await;
    scene.browser.open_chat().await;
    scene.browser.say("Still there?").await;
    scene
        .browser
        .wait_for(
            "the message acknowledged",
            "const m = $('[data-role=messages] div[data-kind=shopper]'); return !!m && !m.hasAttribute('data-pending');",
        )
        .await;
    let status = scene
        .browser
        .js("const s = $('[data-role=status]'); return s.hidden ? '' : s.textContent;")
        .await;
    assert!(
        !status.as_str().unwrap().contains("unavailable"),
        "{status}"
    );
    scene.finish().await;
}
