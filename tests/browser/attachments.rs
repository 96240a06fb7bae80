//! Photos and files both ways (issue 20), in one browser with the shop in one tab and the
//! dashboard in another. The shopper picks a photo and a PDF in the widget's file chooser and
//! the agent sees the thumbnail and the file live; the agent attaches a size chart and a PDF in
//! the composer and the shopper sees them; a pasted screenshot goes without any text. Before
//! the shopper has written, the widget says to write first. Screenshots:
//! `attachments-widget-{1280,390}`, `attachments-dashboard-1280`.

use crate::dashboard::log_in;
use crate::support::Scene;
use base64::Engine;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

fn photo(width: u32, height: u32, rgb: [u8; 3]) -> Vec<u8> {
    crate::common::png::photo(width, height, rgb, &[])
}

fn pdf(title: &str) -> Vec<u8> {
    format!("%PDF-1.7\n% {title}\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n").into_bytes()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// The widget's file links and thumbnails in the newest bubble of `kind`, once every image
/// in it has loaded from the chat server: `[{name, href, width}]` (`width` 0 for files).
async fn widget_files(browser: &crate::support::Browser, kind: &str, count: usize) -> Value {
    browser
        .wait_for(
            &format!("{count} loaded attachments in the widget's newest {kind} bubble"),
            &format!(
                "const bubbles = $$('[data-role=messages] [data-kind={kind}]').filter((b) => b.querySelector('[data-role=files]'));\
                 const b = bubbles[bubbles.length - 1];\
                 if (!b || b.hasAttribute('data-pending')) return null;\
                 const links = [...b.querySelectorAll('[data-role=file]')];\
                 if (links.length !== {count}) return null;\
                 const imgs = [...b.querySelectorAll('[data-role=files] img')];\
                 if (imgs.some((i) => !i.complete || !i.naturalWidth || !i.src.includes('/files/'))) return null;\
                 return links.map((a) => ({{ name: a.querySelector('img') ? a.querySelector('img').alt : a.textContent,\
                   href: a.href, width: a.querySelector('img') ? a.querySelector('img').naturalWidth : 0 }}));"
            ),
        )
        .await
}

#[tokio::test]
async fn a_photo_and_a_file_go_from_shopper_to_agent_and_back() {
    let scene = Scene::new(1280).await;
    scene
        .chat
        .chat_settings(&scene.token, json!({ "auto_assign": false }))
        .await;
    let (mut agent, _) = scene.chat.agent(&scene.token).await;
    let dir = tempfile::TempDir::new().unwrap();
    let parcel_png = photo(640, 480, [176, 122, 70]);
    let receipt_pdf = pdf("receipt");
    let chart_png = photo(800, 400, [40, 96, 200]);
    let returns_pdf = pdf("returns form");
    let parcel = write(dir.path(), "parcel.png", &parcel_png);
    let receipt = write(dir.path(), "receipt.pdf", &receipt_pdf);
    let chart = write(dir.path(), "size-chart.png", &chart_png);
    let returns = write(dir.path(), "returns.pdf", &returns_pdf);
    let browser = &scene.browser;

    // The shop's tab: before the shopper has written there is no chat to attach to.
    scene.visit("/").await;
    browser.open_chat().await;
    browser
        .wait_for(
            "the paper-clip button",
            "const b = $('[data-role=attach]'); return !!b && !b.hidden;",
        )
        .await;
    browser
        .choose_files("return $('[data-role=attach-input]');", &[&parcel])
        .await;
    let hint = browser
        .wait_for(
            "the hint to write first",
            "const n = $('[data-role=attach-note]'); return !!n && !n.hidden && n.textContent;",
        )
        .await;
    assert_eq!(hint, "Write your message first, then add photos or files.");
    assert_eq!(browser.js("return $$('[data-role=chip]').length;").await, 0);

    // No bot on this site: the first message puts the chat in the queue for people.
    browser.say("My parcel arrived damaged").await;
    let asked = agent
        .until_named("the shopper's first message", |f| {
            f["type"] == "message" && f["message"]["author"]["kind"] == "shopper"
        })
        .await;
    let id = asked["message"]["conversation_id"]
        .as_str()
        .unwrap()
        .to_owned();

    // The dashboard's tab: the owner takes the chat.
    let shop_tab = browser.open_tab_in_front(&scene.chat.url("/agent/")).await;
    log_in(browser, &scene.chat).await;
    let desk_tab = browser.tab().await;
    browser
        .goto(&scene.chat.url(&format!("/agent/#/inbox/{id}")))
        .await;
    browser.click("[data-role=take]").await;
    browser
        .wait_for(
            "the composer of a chat the owner has",
            "const b = document.querySelector('[data-role=attach]'); return !!b && !b.disabled;",
        )
        .await;

    // Back to the shop: a photo and a PDF through the file chooser, then the text.
    browser.back_to(shop_tab.clone()).await;
    browser
        .choose_files(
            "return $('[data-role=attach-input]');",
            &[&parcel, &receipt],
        )
        .await;
    browser
        .wait_for(
            "both files uploaded in the widget's tray",
            "return $$('[data-role=chip]').length === 2 && !$('[data-role=chip] progress') && !$('[data-role=chip][data-failed]');",
        )
        .await;
    let violations = browser.axe_violations().await;
    assert!(violations.is_empty(), "{violations:#?}");
    browser.say("Here is the box and the receipt").await;
    browser.message("shopper", "Here is the box").await;
    assert_eq!(
        browser.js("return $$('[data-role=chip]').length;").await,
        0,
        "the tray empties once the message is sent"
    );

    // The dashboard shows them live: the thumbnail loaded from the server, the PDF as a link.
    browser.back_to(desk_tab.clone()).await;
    let seen = browser
        .wait_for(
            "the shopper's photo and PDF in the transcript",
            "const m = [...document.querySelectorAll('.msg[data-kind=shopper]')].find((m) => m.querySelector('.files'));\
             if (!m) return null;\
             const img = m.querySelector('.files img');\
             const file = m.querySelector('.files a.file');\
             if (!img || !img.complete || !img.naturalWidth || !file) return null;\
             return { width: img.naturalWidth, alt: img.alt, file: file.textContent, href: file.href,\
                      src: img.src, text: m.querySelector('.text').textContent };",
        )
        .await;
    // The server's small copy (320 px on the longer edge), not the 640 px original.
    assert_eq!(seen["width"], 320, "{seen}");
    assert!(seen["src"].as_str().unwrap().contains("thumb=1"), "{seen}");
    assert_eq!(seen["alt"], "parcel.png");
    assert!(
        seen["file"].as_str().unwrap().contains("receipt.pdf"),
        "{seen}"
    );
    assert_eq!(seen["text"], "Here is the box and the receipt");
    // The link is the file, as a download with its name.
    let download = scene
        .chat
        .http
        .get(seen["href"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(download.status(), 200);
    let disposition = download.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(disposition.starts_with("attachment"), "{disposition}");
    assert!(disposition.contains("receipt.pdf"), "{disposition}");
    assert_eq!(download.bytes().await.unwrap().as_ref(), &receipt_pdf[..]);

    // The reverse: the owner attaches a size chart and a PDF in the composer.
    browser
        .choose_files(
            "return document.querySelector('[data-role=attach-input]');",
            &[&chart, &returns],
        )
        .await;
    browser
        .wait_for(
            "both files uploaded in the composer's tray",
            "return document.querySelectorAll('.attach-chip.done').length === 2;",
        )
        .await;
    browser
        .type_into(
            "[data-role=composer]",
            "Our size chart and the returns form",
        )
        .await;
    browser.click("[data-role=send]").await;
    browser
        .wait_for(
            "the owner's reply with its files in the transcript",
            "const m = [...document.querySelectorAll('.msg[data-kind=agent]')].find((m) => m.querySelector('.files'));\
             return !!m && m.querySelectorAll('.files a').length === 2 && !document.querySelector('.attach-chip');",
        )
        .await;
    browser.screenshot("attachments-dashboard-1280").await;

    // The shopper sees the chart as a picture and the form as a link.
    browser.back_to(shop_tab.clone()).await;
    browser.message("agent", "Our size chart").await;
    let got = widget_files(browser, "agent", 2).await;
    assert_eq!(got[0]["name"], "size-chart.png", "{got}");
    assert_eq!(got[0]["width"], 320, "{got}");
    assert!(
        got[1]["name"]
            .as_str()
            .unwrap()
            .starts_with("returns.pdf ("),
        "{got}"
    );
    let form_link = got[1]["href"].as_str().unwrap();
    assert!(
        form_link.starts_with(&scene.chat.url("/files/")),
        "{form_link}"
    );
    let form = scene.chat.http.get(form_link).send().await.unwrap();
    assert_eq!(form.bytes().await.unwrap().as_ref(), &returns_pdf[..]);
    browser.screenshot("attachments-widget-1280").await;

    // A pasted screenshot goes on its own, without text.
    let pasted = base64::engine::general_purpose::STANDARD.encode(photo(120, 80, [30, 140, 90]));
    browser
        .js(&format!(
            "const bytes = Uint8Array.from(atob('{pasted}'), (c) => c.charCodeAt(0));\
             const data = new DataTransfer();\
             data.items.add(new File([bytes], 'screenshot.png', {{ type: 'image/png' }}));\
             $('textarea[data-role=input]').dispatchEvent(new ClipboardEvent('paste', {{ clipboardData: data, bubbles: true, cancelable: true }}));\
             return null;"
        ))
        .await;
    browser
        .wait_for(
            "the pasted screenshot uploaded",
            "return $$('[data-role=chip]').length === 1 && !$('[data-role=chip] progress');",
        )
        .await;
    browser
        .js("$('button[data-role=send]').click(); return null;")
        .await;
    let transcript = browser_transcript_until(&scene, &id, |entries| {
        entries.iter().any(|e| {
            e["author"]["kind"] == "shopper" && e["attachments"][0]["name"] == "screenshot.png"
        })
    })
    .await;
    let shot = transcript
        .iter()
        .find(|e| e["attachments"][0]["name"] == "screenshot.png")
        .unwrap();
    assert_eq!(shot["text"], "", "{shot}");
    assert_eq!(shot["attachments"][0]["type"], "image/png");

    browser.phone().await;
    browser
        .js("$('[data-role=messages]').lastElementChild.scrollIntoView(); return null;")
        .await;
    browser.screenshot("attachments-widget-390").await;
    browser.assert_no_console_errors().await;
    browser.back_to(desk_tab).await;
    scene.finish().await;
}

/// The conversation's transcript from the API, once `done` holds for its entries.
async fn browser_transcript_until(
    scene: &Scene,
    id: &str,
    done: impl Fn(&[Value]) -> bool,
) -> Vec<Value> {
    let until = tokio::time::Instant::now() + crate::support::DEADLINE;
    loop {
        let body = scene
            .chat
            .get_json(
                &scene
                    .chat
                    .site_path(&format!("/conversations/{id}/transcript")),
                &scene.token,
            )
            .await;
        let entries = body["entries"].as_array().cloned().unwrap_or_default();
        if done(&entries) {
            return entries;
        }
        assert!(
            tokio::time::Instant::now() < until,
            "transcript never got there: {body}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// The owner picks a picture on "Your profile"; a shopper whose chat the owner answers sees
/// it beside the panel's title. Screenshots: `profile-avatar-1280`, `widget-avatar-390`.
#[tokio::test]
async fn an_agents_picture_shows_beside_the_title_of_the_shoppers_panel() {
    let scene = Scene::new(1280).await;
    let (mut agent, _) = scene.chat.agent(&scene.token).await;
    let dir = tempfile::TempDir::new().unwrap();
    let face = write(dir.path(), "me.png", &photo(96, 96, [220, 150, 60]));
    let browser = &scene.browser;

    log_in(browser, &scene.chat).await;
    browser.goto(&scene.chat.url("/agent/#/profile")).await;
    browser.element("[data-role=avatar-input]").await;
    browser
        .choose_files(
            "return document.querySelector('[data-role=avatar-input]');",
            &[&face],
        )
        .await;
    let shown = browser
        .wait_for(
            "the new picture on the profile page",
            "const i = document.querySelector('[data-role=avatar-preview]');\
             return !!i && !i.hidden && i.complete && i.naturalWidth && i.getAttribute('src');",
        )
        .await;
    let path = shown.as_str().unwrap().to_owned();
    assert!(path.starts_with("/avatars/"), "{path}");
    let me = scene.chat.get_json("/api/v1/me", &scene.token).await;
    assert_eq!(me["agent"]["avatar"], path.as_str());
    browser.screenshot("profile-avatar-1280").await;

    browser.phone().await;
    scene.visit("/").await;
    browser.open_chat().await;
    browser.say("Is the jacket waterproof?").await;
    let first = agent
        .until_named("the shopper's message", |f| {
            f["type"] == "message" && f["message"]["author"]["kind"] == "shopper"
        })
        .await;
    let id = first["message"]["conversation_id"].as_str().unwrap();
    scene
        .chat
        .agent_says(&scene.token, id, "Yes, fully taped seams.")
        .await;
    browser.message("agent", "taped seams").await;
    let face = browser
        .wait_for(
            "the agent's picture beside the title",
            "const i = $('[data-role=face]');\
             return !!i && !i.hidden && i.complete && i.naturalWidth && { src: i.src, width: i.getBoundingClientRect().width };",
        )
        .await;
    assert_eq!(face["src"], scene.chat.url(&path).as_str());
    assert_eq!(face["width"], 28);
    browser.screenshot("widget-avatar-390").await;
    scene.finish().await;
}
