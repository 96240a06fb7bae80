//! Small things people notice (issue 20): "Talk to a person" goes once a person has joined,
//! the shopper's read messages say "You · Seen" (no separator left dangling), an agent's new
//! display name reaches the shopper, and the dashboard's toasts stay off the shopper context
//! column. Screenshots: `widget-agent-joined-{1280,390}`, `dashboard-profile-{1280,390}`.

use crate::dashboard::{SHOP, connected, log_in, shopper, text_containing};
use crate::support::{Browser, Scene, chat_server};
use serde_json::json;

/// The shopper's own author line as the page renders it: its text and, when a `::after`
/// applies, that pseudo-element's content resolved the way the browser resolves it (quoted
/// strings as they are, `attr(x)` from the author element itself).
const OWN_LABEL_JS: &str = "const a = $('[data-kind=shopper] [data-role=author]');\
    if (!a) return null;\
    const after = getComputedStyle(a, '::after').content;\
    let tail = '';\
    if (after && after !== 'none' && after !== 'normal') {\
      tail = [...after.matchAll(/\"((?:[^\"\\\\]|\\\\.)*)\"|attr\\(([\\w-]+)\\)/g)]\
        .map((m) => m[1] !== undefined ? m[1] : (a.getAttribute(m[2]) || '')).join('');\
    }\
    return a.textContent + tail;";

#[tokio::test]
async fn once_a_person_joins_the_handoff_goes_reads_say_seen_and_a_new_name_shows() {
    let scene = Scene::new(1280).await;
    // With a knowledge base the bot answers first, so the chat starts without a person.
    scene
        .chat
        .add_article(&scene.token, "Do you ship abroad?", "We ship to the EU.")
        .await;
    let (mut agent, _) = scene.chat.agent(&scene.token).await;
    scene.visit("/").await;
    scene.browser.open_chat().await;
    scene.browser.say("Do you ship to Norway?").await;
    scene.browser.message("bot", "").await;
    assert_eq!(
        scene
            .browser
            .js("const b = $('button[data-role=handoff]'); return b.getClientRects().length > 0;")
            .await,
        true,
        "with the bot, a person is one click away"
    );
    let said = agent
        .until_named("the shopper's message", |f| {
            f["type"] == "message" && f["message"]["author"]["kind"] == "shopper"
        })
        .await;
    let conversation = said["message"]["conversation_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let seq = said["message"]["seq"].as_u64().unwrap();
    assert_eq!(
        scene.browser.js(OWN_LABEL_JS).await,
        "You",
        "unread: no separator at all"
    );

    scene.browser.ask_for_a_person().await;
    agent
        .until_named("the chat routed to the owner", |f| {
            f["type"] == "routed"
                || (f["type"] == "conversation" && f["conversation"]["state"] == "assigned")
        })
        .await;
    let status = scene
        .browser
        .wait_for(
            "the status naming the agent",
            "const s = $('[data-role=status]'); return s && s.textContent.includes('Ann') ? s.textContent : null;",
        )
        .await;
    assert_eq!(status, "You're chatting with Ann");
    scene
        .browser
        .wait_for(
            "the handoff button hidden once a person has joined",
            "const b = $('button[data-role=handoff]'); return !!b && b.hidden && b.getClientRects().length === 0;",
        )
        .await;

    agent
        .send(json!({ "type": "read", "conversation_id": conversation, "seq": seq }))
        .await;
    let label = scene
        .browser
        .wait_for(
            "the read mark on the shopper's message",
            &format!("const l = (() => {{ {OWN_LABEL_JS} }})(); return l !== 'You' ? l : null;"),
        )
        .await;
    assert_eq!(label, "You · Seen");

    // The agent renames itself; its next message and the status carry the new name.
    let renamed = scene
        .chat
        .patch(
            "/api/v1/me",
            &scene.token,
            json!({ "display_name": "Ann Berg" }),
        )
        .await;
    assert_eq!(renamed.status(), 200);
    agent
        .send(json!({ "type": "message", "conversation_id": conversation,
            "client_msg_id": "renamed-1", "text": "Yes, in 3 to 5 days." }))
        .await;
    let reply = scene.browser.message("agent", "3 to 5 days").await;
    assert_eq!(reply["author"], "Ann Berg");
    scene
        .browser
        .wait_for(
            "the status with the new name",
            "return $('[data-role=status]').textContent === \"You're chatting with Ann Berg\";",
        )
        .await;
    scene.browser.screenshot("widget-agent-joined-1280").await;
    scene.browser.phone().await;
    scene.browser.screenshot("widget-agent-joined-390").await;
    scene.finish().await;
}

#[tokio::test]
async fn toasts_stay_off_the_context_column_and_the_profile_form_renames_the_agent() {
    let chat = chat_server(&[SHOP.to_owned()]).await;
    let browser = Browser::start(1280).await;
    log_in(&browser, &chat).await;
    browser
        .wait_for(
            "the inbox with its context column",
            "return !!document.querySelector('[data-role=context]');",
        )
        .await;
    // A shopper asks for a person: the chat is routed to this agent, with a toast.
    let (mut max, _) = shopper(&chat, "Scarf", "/scarves/wool").await;
    max.send(json!({ "type": "message", "client_msg_id": "m1", "text": "Hello?" }))
        .await;
    max.send(json!({ "type": "handoff" })).await;
    text_containing(&browser, "[data-role=toast]", "routed to you").await;
    let overlap = browser
        .js(
            "const t = document.querySelector('[data-role=toasts]').getBoundingClientRect();\
             const c = document.querySelector('[data-role=context]').getBoundingClientRect();\
             const across = Math.min(t.right, c.right) - Math.max(t.left, c.left);\
             const down = Math.min(t.bottom, c.bottom) - Math.max(t.top, c.top);\
             return { across, down, toast: [t.left, t.right], context: [c.left, c.right] };",
        )
        .await;
    let (across, down) = (
        overlap["across"].as_f64().unwrap(),
        overlap["down"].as_f64().unwrap(),
    );
    assert!(
        across <= 0.0 || down <= 0.0,
        "the toasts cover the context column: {overlap}"
    );

    // Your profile: a new name and email; the header shows the name at once.
    browser.click("[data-nav=profile]").await;
    let name = "form[data-role=profile] input[name=display_name]";
    browser.element(name).await.clear().await.unwrap();
    browser.type_into(name, "Ann Berg").await;
    let email = "form[data-role=profile] input[name=email]";
    browser.element(email).await.clear().await.unwrap();
    browser.type_into(email, "ann@shop.example").await;
    browser
        .type_into(
            "form[data-role=profile] input[name=current_password]",
            "not the password",
        )
        .await;
    browser.screenshot("dashboard-profile-1280").await;
    browser.click("[data-role=profile-save]").await;
    text_containing(
        &browser,
        "form[data-role=profile] [data-error-for=current_password]",
        "wrong",
    )
    .await;
    let password = "form[data-role=profile] input[name=current_password]";
    browser.element(password).await.clear().await.unwrap();
    browser.type_into(password, crate::support::PASSWORD).await;
    browser.click("[data-role=profile-save]").await;
    text_containing(&browser, "[data-role=profile-saved]", "Saved").await;
    text_containing(&browser, "[data-role=me]", "Ann Berg").await;
    let token = chat
        .login("ann@shop.example", crate::support::PASSWORD)
        .await;
    let me = chat.get_json("/api/v1/me", &token).await;
    assert_eq!(me["agent"]["display_name"], "Ann Berg", "{me}");
    // Without an email change no password is asked for.
    assert_eq!(
        browser
            .js("return document.querySelector('form[data-role=profile] input[name=current_password]').closest('label').getClientRects().length;")
            .await,
        0
    );
    connected(&browser).await;
    browser.resize(390, 812).await;
    browser
        .wait_for("a phone-width viewport", "return window.innerWidth <= 400;")
        .await;
    browser.screenshot("dashboard-profile-390").await;
    browser.close().await;
    chat.stop().await;
}
