//! The agent dashboard and owner console (`/agent/`) in a real Chromium against the real
//! server: an agent logs in with the form, watches a shopper (a WebSocket client, as the
//! widget is one) browse, takes the chat over from the bot, answers with a canned reply whose
//! variables the dashboard filled in, writes a note the shopper never gets, and is notified
//! when a chat is routed to them. The page is queried through `data-role`/`data-nav` hooks.
//! The owner console's rule form and team invitation are in `console.rs`.

use crate::support::{Browser, OWNER_EMAIL, PASSWORD, Socket, TestApp, chat_server};
use serde_json::{Value, json};

/// The shop's origin, allowed for the site: the shopper sockets come from it.
pub const SHOP: &str = "https://shop.example";
/// WebDriver's Enter key.
pub const ENTER: &str = "\u{E007}";
/// WebDriver's Tab key.
pub const TAB: &str = "\u{E004}";
/// WebDriver's Shift key (held for the rest of the key sequence).
pub const SHIFT: &str = "\u{E008}";

/// Opens `/agent/`, logs in with the form and waits for the connected dashboard.
pub async fn log_in(browser: &Browser, chat: &TestApp) {
    submit_login(browser, chat, OWNER_EMAIL, PASSWORD).await;
    connected(browser).await;
}

/// Opens `/agent/` and submits the login form with `email` and `password`.
pub async fn submit_login(browser: &Browser, chat: &TestApp, email: &str, password: &str) {
    browser.goto(&chat.url("/agent/")).await;
    browser
        .type_into("form[data-role=login] input[name=email]", email)
        .await;
    browser
        .type_into("form[data-role=login] input[name=password]", password)
        .await;
    browser
        .click("form[data-role=login] button[type=submit]")
        .await;
}

/// Waits until the dashboard shows its sections and its agent socket is up (`ready` seen).
pub async fn connected(browser: &Browser) {
    browser
        .wait_for(
            "the dashboard with a live agent socket",
            "const c = document.querySelector('[data-role=connection]');\
             return !!document.querySelector('[data-nav=inbox]') && !!c && c.dataset.state === 'open';",
        )
        .await;
}

/// The text of the first element `css` matches, once it contains `needle`.
pub async fn text_containing(browser: &Browser, css: &str, needle: &str) -> String {
    let script = format!(
        "const e = [...document.querySelectorAll({css})].find((e) => e.textContent.includes({needle}));\
         return e ? e.textContent : null;",
        css = json!(css),
        needle = json!(needle)
    );
    browser
        .wait_for(&format!("{css} containing {needle:?}"), &script)
        .await
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// A shopper on the shop's jacket page.
pub async fn shopper(chat: &TestApp, title: &str, path: &str) -> (Socket, Value) {
    shopper_hello(
        chat,
        json!({ "page": { "url": format!("{SHOP}{path}"), "title": title, "type": "product" } }),
    )
    .await
}

/// A shopper from the shop's origin after its `welcome`; `hello` is the hello frame without
/// its type.
async fn shopper_hello(chat: &TestApp, hello: Value) -> (Socket, Value) {
    let mut shopper = chat.shopper_from(SHOP).await;
    let welcome = shopper.hello(hello).await;
    (shopper, welcome)
}

#[tokio::test]
async fn an_agent_watches_a_shopper_takes_over_from_the_bot_and_answers_with_context() {
    let chat = chat_server(&[SHOP.to_owned()]).await;
    let token = chat.owner_token().await;
    chat.created(
        &chat.site_path("/canned-replies"),
        &token,
        json!({ "shortcut": "/cart", "title": "Cart total",
                    "body": "Your cart comes to {{ cart.total }} {{ cart.currency }}." }),
    )
    .await;
    chat.created(
        &chat.site_path("/canned-replies"),
        &token,
        json!({ "shortcut": "/size", "title": "Size advice",
                    "body": "Our jackets run true to size; between two sizes, take the larger." }),
    )
    .await;
    // With a knowledge base the bot answers first (with none, chats go straight to people).
    chat.add_article(&token, "How long does shipping take?", "Two to three days.")
        .await;

    let browser = Browser::start(1280).await;
    log_in(&browser, &chat).await;
    assert_eq!(
        browser.js("return Notification.permission;").await,
        "granted",
        "the test browser allows notifications"
    );
    // A spy on the Notification API: the dashboard calls it; the test reads what it showed.
    browser
        .js("window.__notes = [];\
             const Native = window.Notification;\
             window.Notification = function (title, options) {\
               window.__notes.push({ title, body: options && options.body });\
               return new Native(title, options);\
             };\
             window.Notification.permission = Native.permission;\
             window.Notification.requestPermission = () => Native.requestPermission();")
        .await;

    // Live visitors: a shopper arrives, is named (with markup in the name), fills the cart.
    browser.click("[data-nav=visitors]").await;
    browser
        .wait_for(
            "the live visitors table",
            "return !!document.querySelector('[data-role=live-visitors]');",
        )
        .await;
    let (mut eva, welcome) = shopper(&chat, "Alpine jacket", "/jackets/alpine").await;
    let visitor = welcome["visitor_id"].as_str().unwrap().to_owned();
    let row = format!("tr[data-visitor-id={visitor}]");
    eva.send(json!({ "type": "event", "name": "identify",
                     "props": { "name": "Eva <img src=x onerror=window.__xss=1>" } }))
        .await;
    eva.send(json!({ "type": "event", "name": "cart_update", "props": {
            "total": 129.9, "currency": "EUR",
            "items": [{ "sku": "ALP-M", "qty": 1, "price": 129.9, "name": "Alpine jacket M" }] } }))
        .await;
    text_containing(&browser, &format!("{row} [data-field=cart]"), "129.90 EUR").await;
    text_containing(
        &browser,
        &format!("{row} [data-field=page]"),
        "Alpine jacket",
    )
    .await;
    let name = text_containing(&browser, &format!("{row} [data-field=name]"), "Eva").await;
    assert!(name.contains("<img"), "the name is shown as text: {name}");

    // A page change shows in the table without a reload.
    let moved = std::time::Instant::now();
    eva.send(json!({ "type": "event", "name": "page_view",
                     "props": { "url": format!("{SHOP}/boots/trail"), "title": "Trail boots" } }))
        .await;
    text_containing(&browser, &format!("{row} [data-field=page]"), "Trail boots").await;
    eprintln!(
        "live visitors: page change visible after {} ms (polled every 50 ms)",
        moved.elapsed().as_millis()
    );
    text_containing(&browser, &format!("{row} [data-field=pages]"), "2").await;
    assert_eq!(
        browser
            .js("return [document.querySelectorAll('#view img').length, window.__xss === undefined];")
            .await,
        json!([0, true]),
        "no element was made from the shopper's name"
    );
    browser.screenshot("dashboard-live-visitors").await;
    // The filter narrows the table by page, name or source.
    browser.type_into("[data-role=visitor-filter]", "zzz").await;
    text_containing(&browser, "[data-role=visitor-rows]", "Nobody matches").await;
    let filter = browser.element("[data-role=visitor-filter]").await;
    filter.clear().await.unwrap();
    filter.send_keys("trail boots").await.unwrap();
    text_containing(&browser, &format!("{row} [data-field=page]"), "Trail boots").await;

    // The shopper writes; the bot has no article and answers that it does not know.
    eva.send(
        json!({ "type": "message", "client_msg_id": "m1", "text": "Does the jacket run small?" }),
    )
    .await;
    browser.click("[data-nav=inbox]").await;
    let link = "[data-role=bot-chats] a[data-conversation-id]";
    browser.element(link).await;
    browser.click(link).await;
    text_containing(
        &browser,
        "[data-role=transcript] .msg[data-kind=shopper]",
        "run small",
    )
    .await;
    text_containing(
        &browser,
        "[data-role=transcript] .msg[data-kind=bot]",
        "Bot",
    )
    .await;

    // Take over from the bot.
    browser.click("[data-role=take]").await;
    text_containing(&browser, "[data-role=chat-state]", "Assigned to you").await;

    // Context beside the chat: cart lines and the page trail with both pages.
    text_containing(&browser, "[data-role=cart-total]", "129.90 EUR").await;
    text_containing(&browser, "[data-role=trail]", "Trail boots").await;
    text_containing(&browser, "[data-role=trail]", "Alpine jacket").await;

    // Typing both ways.
    eva.send(json!({ "type": "typing", "active": true })).await;
    text_containing(&browser, "[data-role=shopper-typing]", "typing").await;

    // Suggested replies, ranked against "Does the jacket run small?": one click fills the box.
    browser
        .wait_for(
            "the size advice among the suggestions",
            "const b = document.querySelector('[data-role=suggestion]');\
             return b && b.textContent.includes('Size advice');",
        )
        .await;
    browser.click("[data-role=suggestion]").await;
    browser
        .wait_for(
            "the suggestion in the composer",
            "return document.querySelector('[data-role=composer]').value.includes('true to size');",
        )
        .await;
    browser.type_into("[data-role=composer]", ENTER).await;
    eva.until_named("the suggested reply", |f| {
        f["type"] == "message"
            && f["text"]
                .as_str()
                .is_some_and(|t| t.contains("true to size"))
    })
    .await;

    // A canned reply: `/` finds it, the preview is filled in from the cart, Enter picks it,
    // Enter sends it.
    browser.type_into("[data-role=composer]", "/car").await;
    text_containing(&browser, "[data-role=canned-preview]", "129.9 EUR").await;
    browser.type_into("[data-role=composer]", ENTER).await;
    browser
        .wait_for(
            "the filled-in reply in the composer",
            "return document.querySelector('[data-role=composer]').value.includes('129.9 EUR');",
        )
        .await;
    browser.type_into("[data-role=composer]", ENTER).await;
    let typing = eva
        .until_named("the agent's typing", |f| {
            f["type"] == "typing" && f["active"] == true
        })
        .await;
    assert_eq!(typing["author"]["kind"], "agent", "{typing}");
    let reply = eva
        .until_named("the agent's canned reply", |f| {
            f["type"] == "message"
                && f["author"]["kind"] == "agent"
                && f["text"].as_str().is_some_and(|t| t.contains("cart"))
        })
        .await;
    assert_eq!(reply["text"], "Your cart comes to 129.9 EUR.", "{reply}");
    text_containing(
        &browser,
        "[data-role=transcript] .msg[data-kind=agent]",
        "129.9 EUR",
    )
    .await;

    // The shopper reads it; the agent sees the read mark.
    eva.send(
        json!({ "type": "read", "conversation_id": reply["conversation_id"], "seq": reply["seq"] }),
    )
    .await;
    text_containing(&browser, "[data-role=read-mark]", "Read").await;

    // An internal note: shown to agents, never to the shopper.
    browser.click("[data-role=note-mode]").await;
    browser
        .type_into(
            "[data-role=composer]",
            &format!("VIP, offer free shipping{ENTER}"),
        )
        .await;
    text_containing(&browser, "[data-role=transcript] [data-role=note]", "VIP").await;
    let seen = eva.drain().await;
    assert!(
        seen.iter().all(|f| !f.to_string().contains("VIP")),
        "the shopper's socket never carries the note: {seen:?}"
    );
    let conversation = reply["conversation_id"].as_str().unwrap();
    let shopper_view: Value = chat
        .get_json(
            &chat.site_path(&format!("/conversations/{conversation}/messages")),
            &token,
        )
        .await;
    assert!(!shopper_view.to_string().contains("VIP"), "{shopper_view}");
    browser.screenshot("dashboard-chat-context").await;

    // A second shopper asks for a person: routing gives the chat to this (online) agent,
    // and the dashboard chimes, badges the title and shows a desktop notification.
    let (mut max, _) = shopper(&chat, "Scarf", "/scarves/wool").await;
    max.send(json!({ "type": "message", "client_msg_id": "m1", "text": "Hello?" }))
        .await;
    max.until_named("the bot's answer", |f| {
        f["type"] == "message" && f["author"]["kind"] == "bot"
    })
    .await;
    max.send(json!({ "type": "handoff" })).await;
    let note = browser
        .wait_for(
            "a desktop notification",
            "return window.__notes.length ? window.__notes[0] : null;",
        )
        .await;
    assert_eq!(note["title"], "New chat for you", "{note}");
    text_containing(&browser, "[data-role=toast]", "routed to you").await;
    browser
        .wait_for(
            "the unread count in the title",
            "return document.title.startsWith('(1)');",
        )
        .await;
    text_containing(&browser, "[data-role=mine]", "Visitor").await;

    let errors = browser.console_errors().await;
    assert!(errors.is_empty(), "console errors: {errors:?}");
    browser.close().await;
    chat.stop().await;
}

#[tokio::test]
async fn the_dashboard_reconnects_after_a_restart_and_fits_a_narrow_window() {
    let mut chat = chat_server(&[SHOP.to_owned()]).await;
    let token = chat.owner_token().await;
    chat.add_article(&token, "How long does shipping take?", "Two to three days.")
        .await;
    let browser = Browser::start(1280).await;
    log_in(&browser, &chat).await;

    // Keyboard: Tab reaches the sections with a visible focus ring, Enter opens one.
    let mut reached = false;
    for _ in 0..20 {
        browser.press(TAB).await;
        let focus = browser
            .js("const e = document.activeElement;\
                 return { nav: e.dataset.nav || null, visible: e.matches(':focus-visible')\
                          && getComputedStyle(e).boxShadow !== 'none' };")
            .await;
        assert_eq!(focus["visible"], true, "focus is visible: {focus}");
        if focus["nav"] == "visitors" {
            reached = true;
            break;
        }
    }
    assert!(reached, "Tab reaches the Live visitors section");
    browser.press(ENTER).await;
    browser.element("[data-role=live-visitors]").await;
    browser.press(&format!("{SHIFT}{TAB}")).await;
    browser.press(ENTER).await;
    browser.element("[data-role=conversation-list]").await;

    let (mut eva, welcome) = shopper(&chat, "Alpine jacket", "/jackets/alpine").await;
    eva.send(json!({ "type": "message", "client_msg_id": "m1", "text": "Before the restart" }))
        .await;
    let first = eva
        .until_named("the bot's answer", |f| {
            f["type"] == "message" && f["author"]["kind"] == "bot"
        })
        .await;
    let conversation = first["conversation_id"].as_str().unwrap().to_owned();
    let link = format!("a[data-conversation-id={conversation}]");
    browser.click(&link).await;
    text_containing(&browser, "[data-role=transcript]", "Before the restart").await;

    // The server goes away and comes back on the same port with the same data. The page
    // records the connection indicator leaving `open`: a restart quicker than the first
    // reconnection attempt can be over (and the dashboard open again) before the wait starts.
    browser
        .js("window.__leftOpen = false;\
             new MutationObserver(() => {\
               const c = document.querySelector('[data-role=connection]');\
               if (c && c.dataset.state !== 'open') window.__leftOpen = true;\
             }).observe(document.body, { subtree: true, attributes: true, attributeFilter: ['data-state'] });")
        .await;
    chat.restart().await;
    browser
        .wait_for(
            "the dashboard to notice the restart",
            "const c = document.querySelector('[data-role=connection]'); return window.__leftOpen || c.dataset.state !== 'open';",
        )
        .await;
    // What happens while the dashboard is still away (an agent's reply over REST) or right
    // after it is back (the shopper's next message) both reach the open chat: the first by
    // the transcript refetched on `ready`, the second live.
    chat.created(
        &chat.site_path(&format!("/conversations/{conversation}/messages")),
        &token,
        json!({ "text": "Replied while you were away", "client_msg_id": "rest-1" }),
    )
    .await;
    connected(&browser).await;
    text_containing(
        &browser,
        "[data-role=transcript]",
        "Replied while you were away",
    )
    .await;
    let (mut eva, _) = shopper_hello(
        &chat,
        json!({ "visitor_id": welcome["visitor_id"], "session": welcome["session"],
                    "page": { "url": format!("{SHOP}/jackets/alpine") } }),
    )
    .await;
    eva.send(json!({ "type": "message", "client_msg_id": "m2", "text": "After the restart" }))
        .await;
    text_containing(&browser, "[data-role=transcript]", "After the restart").await;

    // 768 px: one column, nothing wider than the window.
    browser.resize(768, 900).await;
    let layout = browser
        .wait_for(
            "a single-column inbox",
            "const list = document.querySelector('[data-role=conversation-list]').getBoundingClientRect();\
             const chat = document.querySelector('.chat').getBoundingClientRect();\
             return chat.top >= list.bottom && Math.abs(chat.left - list.left) < 2\
               && document.documentElement.scrollWidth <= window.innerWidth\
               ? { list: list.width, chat: chat.width } : null;",
        )
        .await;
    assert!(layout["chat"].as_f64().unwrap() > 600.0, "{layout}");
    browser.screenshot("dashboard-768").await;

    // Logging out forgets the token: a reload shows the login form again.
    browser.click("[data-role=logout]").await;
    browser.element("form[data-role=login]").await;
    browser.reload().await;
    browser.element("form[data-role=login]").await;
    assert_eq!(
        browser
            .js("return sessionStorage.getItem('shopchat.token');")
            .await,
        Value::Null
    );
    let errors = browser.console_errors().await;
    // The restart itself makes the browser log the failed reconnection attempts, and any
    // request that met the server while it was down (a shopper leaving as the server stops
    // makes the context panel refetch): refused connections are the restart, nothing else.
    let unexpected: Vec<_> = errors
        .iter()
        .filter(|e| !e.contains("/ws/agent") && !e.contains("ERR_CONNECTION_REFUSED"))
        .collect();
    assert!(unexpected.is_empty(), "console errors: {unexpected:?}");
    browser.close().await;
    chat.stop().await;
}

#[tokio::test]
async fn a_half_typed_tag_keeps_its_text_and_focus_while_shoppers_browse() {
    let chat = chat_server(&[SHOP.to_owned()]).await;
    let token = chat.owner_token().await;
    chat.add_article(&token, "How long does shipping take?", "Two to three days.")
        .await;
    // The test's own agent socket: it sees each visitor frame the dashboard is sent too.
    let (mut watcher, _) = chat.agent(&token).await;
    let browser = Browser::start(1280).await;
    log_in(&browser, &chat).await;

    let (mut eva, welcome) = shopper(&chat, "Alpine jacket", "/jackets/alpine").await;
    let eva_id = welcome["visitor_id"].as_str().unwrap().to_owned();
    eva.send(json!({ "type": "message", "client_msg_id": "m1", "text": "Is the jacket warm?" }))
        .await;
    let answer = eva
        .until_named("the bot's answer", |f| {
            f["type"] == "message" && f["author"]["kind"] == "bot"
        })
        .await;
    let conversation = answer["conversation_id"].as_str().unwrap().to_owned();
    browser
        .click(&format!("a[data-conversation-id={conversation}]"))
        .await;
    text_containing(&browser, "[data-role=transcript]", "jacket warm").await;
    browser.click("[data-role=take]").await;
    text_containing(&browser, "[data-role=chat-state]", "Assigned to you").await;
    text_containing(
        &browser,
        "[data-role=current-page] [data-role=page]",
        "Alpine jacket",
    )
    .await;

    // The agent starts a tag and stops halfway (no Enter).
    browser.click("[data-role=add-tag]").await;
    browser.type_into("[data-role=add-tag]", "size-ques").await;
    browser
        .js("window.__tagInput = document.querySelector('[data-role=add-tag]');")
        .await;

    // (1) Another shopper arrives and browses: the dashboard is sent their visitor frames.
    let (mut max, max_welcome) = shopper(&chat, "Scarf", "/scarves/wool").await;
    let max_id = max_welcome["visitor_id"].as_str().unwrap().to_owned();
    max.send(json!({ "type": "event", "name": "page_view",
                     "props": { "url": format!("{SHOP}/scarves/silk"), "title": "Silk scarf" } }))
        .await;
    watcher
        .until_named("the other shopper's page view", |f| {
            f["type"] == "visitor"
                && f["visitor"]["visitor_id"] == max_id.as_str()
                && f.to_string().contains("Silk scarf")
        })
        .await;

    // (2) This chat's own shopper moves on and fills the cart (sent after the other shopper's
    // frame went out, so the dashboard has that one first).
    eva.send(json!({ "type": "event", "name": "page_view",
                     "props": { "url": format!("{SHOP}/boots/trail"), "title": "Trail boots" } }))
        .await;
    eva.send(json!({ "type": "event", "name": "cart_update", "props": {
            "total": 89.5, "currency": "EUR",
            "items": [{ "sku": "TRL-42", "qty": 1, "price": 89.5, "name": "Trail boots 42" }] } }))
        .await;
    watcher
        .until_named("this shopper's cart", |f| {
            f["type"] == "visitor"
                && f["visitor"]["visitor_id"] == eva_id.as_str()
                && f.to_string().contains("89.5")
        })
        .await;
    // The dashboard has shown both: the context beside the chat has the new page and cart.
    text_containing(
        &browser,
        "[data-role=current-page] [data-role=page]",
        "Trail boots",
    )
    .await;
    text_containing(&browser, "[data-role=trail]", "Trail boots").await;
    text_containing(&browser, "[data-role=cart-total]", "89.50 EUR").await;

    let input = browser
        .js("const i = document.querySelector('[data-role=add-tag]');\
             return { value: i.value, focused: document.activeElement === i,\
                      same: i === window.__tagInput,\
                      active: document.activeElement.tagName };")
        .await;
    assert_eq!(
        input["value"], "size-ques",
        "the half-typed tag is still there: {input}"
    );
    assert_eq!(
        input["focused"], true,
        "the tag input keeps the focus: {input}"
    );
    assert_eq!(
        input["same"], true,
        "the tag input was never rebuilt: {input}"
    );
    browser.screenshot("dashboard-chat-half-typed-tag").await;

    // The agent finishes the tag: it is added and the input empties for the next one.
    browser.press(&format!("tion{ENTER}")).await;
    browser
        .element("[data-role=tags] [data-tag=size-question]")
        .await;
    browser
        .wait_for(
            "the emptied tag input, still focused",
            "const i = document.querySelector('[data-role=add-tag]');\
             return i.value === '' && document.activeElement === i;",
        )
        .await;

    // A keyboard user on the chat list keeps their place while the list is redrawn: the
    // other shopper writes, which adds a row to the list.
    browser
        .js(&format!(
            "document.querySelector('a[data-conversation-id={conversation}]').focus();"
        ))
        .await;
    max.send(json!({ "type": "message", "client_msg_id": "x1", "text": "Do you ship to Norway?" }))
        .await;
    browser
        .wait_for(
            "a second row in the list",
            "return document.querySelectorAll('[data-role=conversation-list] a[data-conversation-id]').length >= 2;",
        )
        .await;
    let focus = browser
        .js("const a = document.activeElement; return a && a.getAttribute('data-conversation-id');")
        .await;
    assert_eq!(
        focus,
        json!(conversation),
        "the focused chat link keeps the focus after the list is redrawn"
    );

    let errors = browser.console_errors().await;
    assert!(errors.is_empty(), "console errors: {errors:?}");
    browser.close().await;
    chat.stop().await;
}
