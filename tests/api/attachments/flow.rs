//! A file from its upload to its reader: the agent's photo reaches the shopper with a link
//! that serves the same bytes (data dir and S3), the shopper's PDF reaches the agent as a
//! download, a JPEG loses its location, and erasing the shopper deletes the file.

use super::{
    agent_sends, agent_token, chatting, contains, jpeg_with_gps, pdf, png, shopper_token, uploaded,
};
use crate::common::s3::S3Server;
use crate::common::{TestApp, json_of, spawn_app_as_owner, spawn_app_with};
use serde_json::{Value, json};

/// GET a file link as a browser would: no login.
async fn fetch(app: &TestApp, url: &str) -> reqwest::Response {
    app.http.get(app.url(url)).send().await.unwrap()
}

/// The agent uploads a PNG declared as a PDF: the server says (and serves) PNG, the message
/// without text reaches the shopper with a signed link, and the link serves the same bytes
/// with headers that keep it from running as a page.
async fn a_photo_reaches_the_shopper_intact(app: &TestApp, owner: &str) {
    let (mut shopper, conv) = chatting(app).await;
    let token = agent_token(app, owner, &conv).await;
    let response = super::upload(app, &token, "../../jacket.png", "application/pdf", png()).await;
    let file = json_of(response, 201).await;
    assert_eq!(file["type"], "image/png", "sniffed, not declared: {file}");
    assert_eq!(file["name"], "jacket.png", "a name, never a path: {file}");
    let id = file["id"].as_str().unwrap();
    assert!(
        file.get("url").is_none(),
        "reached through a message only: {file}"
    );

    let sent = json_of(agent_sends(app, owner, &conv, "", &[id]).await, 201).await;
    assert_eq!(sent["message"]["attachments"][0]["id"], id, "{sent}");
    let message = shopper
        .until_named("the agent's photo", |f| {
            f["type"] == "message" && f["attachments"][0]["id"] == id
        })
        .await;
    assert_eq!(message["text"], "");
    let attachment = &message["attachments"][0];
    assert_eq!(attachment["type"], "image/png");
    assert_eq!(attachment["size"], file["size"]);
    let url = attachment["url"].as_str().unwrap();
    assert!(url.starts_with("/files/") && url.contains("sig="), "{url}");
    assert!(
        !url.contains("jacket"),
        "the name is not in the link: {url}"
    );

    let served = fetch(app, url).await;
    assert_eq!(served.status(), 200);
    let header = |name: &str| served.headers()[name].to_str().unwrap().to_owned();
    assert_eq!(header("content-type"), "image/png");
    assert_eq!(header("content-disposition"), "inline");
    assert_eq!(header("x-content-type-options"), "nosniff");
    assert!(header("cache-control").starts_with("private"));
    assert!(header("content-security-policy").starts_with("sandbox"));
    let bytes = served.bytes().await.unwrap();
    let mut expected = png();
    // The text chunk (where tools write a place) is removed; everything else is as sent.
    let text_chunk = expected.windows(4).position(|w| w == b"tEXt").unwrap() - 4;
    let text_len =
        12 + u32::from_be_bytes(expected[text_chunk..text_chunk + 4].try_into().unwrap());
    expected.drain(text_chunk..text_chunk + text_len as usize);
    assert_eq!(bytes.as_ref(), expected.as_slice());

    // History (what a reload replays) carries a fresh link to the same file.
    let history: Value = app
        .get_json(
            &app.site_path(&format!("/conversations/{conv}/messages")),
            owner,
        )
        .await;
    let with_file = history["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["attachments"][0]["id"] == id)
        .unwrap();
    let again = with_file["attachments"][0]["url"].as_str().unwrap();
    assert_eq!(fetch(app, again).await.status(), 200, "{history}");
}

#[tokio::test]
async fn a_photo_reaches_the_shopper_intact_from_the_data_dir() {
    let (app, owner) = spawn_app_as_owner().await;
    a_photo_reaches_the_shopper_intact(&app, &owner).await;
    app.stop().await;
}

#[tokio::test]
async fn a_photo_reaches_the_shopper_intact_from_an_s3_bucket() {
    let s3 = S3Server::start().await;
    let settings = s3.settings();
    let app = spawn_app_with(|s| s.files = settings).await;
    let owner = app.owner_token().await;
    a_photo_reaches_the_shopper_intact(&app, &owner).await;
    app.stop().await;
}

/// The shopper asks for a token over its socket, uploads a PDF (larger than the API's JSON
/// body limit, which does not apply to uploads) and sends it without text; the agent gets
/// it as a download under the name the shopper gave.
#[tokio::test]
async fn a_shoppers_pdf_reaches_the_agent_as_a_download() {
    let (app, owner) = spawn_app_as_owner().await;
    let (mut shopper, conv) = chatting(&app).await;
    let (mut agent, _) = app.agent(&owner).await;
    let token = shopper_token(&mut shopper).await;
    let mut document = pdf();
    document.extend((0..300_000u32).map(|i| (i % 251) as u8));
    let file = uploaded(&app, &token, "résumé \"final\".pdf", document.clone()).await;
    assert_eq!(file["type"], "application/pdf");
    let id = file["id"].as_str().unwrap();
    shopper
        .send(json!({ "type": "message", "client_msg_id": "m-1", "text": "", "attachments": [id] }))
        .await;
    let (ack, _) = shopper.recv_type("ack").await;
    assert_eq!(ack["conversation_id"], conv.as_str());
    let frame = agent
        .until_named("the shopper's pdf", |f| {
            f["type"] == "message" && f["message"]["attachments"][0]["id"] == id
        })
        .await;
    let url = frame["message"]["attachments"][0]["url"].as_str().unwrap();
    let served = fetch(&app, url).await;
    assert_eq!(served.status(), 200);
    assert_eq!(served.headers()["content-type"], "application/pdf");
    assert_eq!(
        served.headers()["content-disposition"],
        "attachment; filename*=UTF-8''r%C3%A9sum%C3%A9%20%22final%22.pdf"
    );
    assert_eq!(served.bytes().await.unwrap().as_ref(), document.as_slice());
    app.stop().await;
}

/// A JPEG's EXIF block (with its GPS position) is gone from the stored file; the image
/// data is kept.
#[tokio::test]
async fn a_jpeg_loses_its_location() {
    let (app, owner) = spawn_app_as_owner().await;
    let (_shopper, conv) = chatting(&app).await;
    let token = agent_token(&app, &owner, &conv).await;
    let original = jpeg_with_gps();
    assert!(contains(&original, b"GPSLatitude"));
    let file = uploaded(&app, &token, "street.jpg", original.clone()).await;
    assert_eq!(file["type"], "image/jpeg");
    let id = file["id"].as_str().unwrap();
    let sent = json_of(agent_sends(&app, &owner, &conv, "here", &[id]).await, 201).await;
    let url = sent["message"]["attachments"][0]["url"].as_str().unwrap();
    let bytes = fetch(&app, url).await.bytes().await.unwrap();
    assert!(!contains(&bytes, b"Exif"), "EXIF removed");
    assert!(!contains(&bytes, b"GPSLatitude"), "location removed");
    assert!(bytes.starts_with(&[0xFF, 0xD8]) && bytes.ends_with(&[0xFF, 0xD9]));
    assert!(
        contains(&bytes, &[0x12, 0x34, 0x56, 0x78]),
        "image data kept"
    );
    assert_eq!(file["size"], bytes.len());
    app.stop().await;
}

/// A photo larger than a thumbnail reaches the reader with a small copy beside it, signed
/// like the file (a tampered link finds neither); a picture that already fits and a PDF
/// come without one.
#[tokio::test]
async fn a_large_photo_comes_with_a_thumbnail() {
    let (app, owner) = spawn_app_as_owner().await;
    let (mut shopper, conv) = super::chatting(&app).await;
    let token = super::shopper_token(&mut shopper).await;
    let big = crate::common::png::photo(1200, 900, [180, 120, 60], &[]);
    let mut ids = Vec::new();
    for (name, bytes) in [("big.png", big), ("tiny.png", png()), ("form.pdf", pdf())] {
        let file = uploaded(&app, &token, name, bytes).await;
        ids.push(file["id"].as_str().unwrap().to_owned());
    }
    shopper
        .send(json!({ "type": "message", "client_msg_id": "m-1", "text": "", "attachments": ids }))
        .await;
    shopper.recv_type("ack").await;
    let transcript = app
        .get_json(
            &app.site_path(&format!("/conversations/{conv}/transcript")),
            &owner,
        )
        .await;
    let files = transcript["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["attachments"].as_array().is_some_and(|a| !a.is_empty()))
        .unwrap()["attachments"]
        .clone();
    let thumb_url = files[0]["thumb_url"].as_str().unwrap();
    assert!(files[1].get("thumb_url").is_none(), "{files}");
    assert!(files[2].get("thumb_url").is_none(), "{files}");
    let thumb = fetch(&app, thumb_url).await;
    assert_eq!(thumb.status(), 200);
    assert_eq!(thumb.headers()["content-type"], "image/jpeg");
    assert_eq!(thumb.headers()["x-content-type-options"], "nosniff");
    // A shop page that isolates itself (COEP) may still show it in the widget.
    assert_eq!(
        thumb.headers()["cross-origin-resource-policy"],
        "cross-origin"
    );
    let small = image::load_from_memory(&thumb.bytes().await.unwrap()).unwrap();
    assert_eq!((small.width(), small.height()), (320, 240));
    let forged = thumb_url.replace("sig=", "sig=0");
    assert_eq!(fetch(&app, &forged).await.status(), 404);
    app.stop().await;
}

/// Exporting the shopper's data lists the file on its message with a link that fetches it.
#[tokio::test]
async fn the_privacy_export_links_the_shoppers_files() {
    let (app, owner) = spawn_app_as_owner().await;
    let (mut shopper, conv, welcome) = super::chatting_welcomed(&app).await;
    let token = super::shopper_token(&mut shopper).await;
    let bytes = png();
    let id = uploaded(&app, &token, "parcel.png", bytes.clone()).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    shopper
        .send(json!({ "type": "message", "client_msg_id": "m-1", "text": "", "attachments": [id] }))
        .await;
    shopper.recv_type("ack").await;

    let export = json_of(
        app.post(
            &app.site_path("/privacy/export"),
            &owner,
            json!({ "visitor_id": welcome["visitor_id"] }),
        )
        .await,
        200,
    )
    .await;
    let conversation = &export["visitors"][0]["conversations"][0];
    assert_eq!(conversation["conversation"]["id"], conv.as_str());
    let file = &conversation["messages"][1]["attachments"][0];
    assert_eq!(file["name"], "parcel.png", "{export}");
    let served = fetch(&app, file["url"].as_str().unwrap()).await;
    assert_eq!(served.status(), 200);
    assert!(served.bytes().await.unwrap().starts_with(b"\x89PNG"));
    app.stop().await;
}

/// Erasing the shopper deletes their conversation's files: the link, still validly signed,
/// finds nothing.
#[tokio::test]
async fn erasing_the_shopper_deletes_the_file() {
    let (app, owner) = spawn_app_as_owner().await;
    let (_shopper, conv, welcome) = super::chatting_welcomed(&app).await;
    let token = agent_token(&app, &owner, &conv).await;
    let id = uploaded(&app, &token, "a.png", png()).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let sent = json_of(agent_sends(&app, &owner, &conv, "", &[&id]).await, 201).await;
    let url = sent["message"]["attachments"][0]["url"].as_str().unwrap();
    assert_eq!(fetch(&app, url).await.status(), 200);

    let erased = app
        .post(
            &app.site_path("/privacy/erase"),
            &owner,
            json!({ "visitor_id": welcome["visitor_id"] }),
        )
        .await;
    assert_eq!(erased.status(), 200, "{:?}", erased.text().await);
    assert_eq!(fetch(&app, url).await.status(), 404);
    app.stop().await;
}

/// An agent sends a file over the dashboard's socket: the `ack` and the shopper's frame
/// both carry it with a working link.
#[tokio::test]
async fn an_agent_sends_a_file_over_the_socket() {
    let (app, owner) = spawn_app_as_owner().await;
    let (mut shopper, conv) = chatting(&app).await;
    let (mut agent, _) = app.agent(&owner).await;
    let token = agent_token(&app, &owner, &conv).await;
    let id = uploaded(&app, &token, "size-chart.pdf", pdf()).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    agent
        .send(json!({ "type": "message", "conversation_id": conv, "client_msg_id": "a-1", "text": "", "attachments": [id] }))
        .await;
    let (ack, _) = agent.recv_type("ack").await;
    let url = ack["message"]["attachments"][0]["url"].as_str().unwrap();
    assert_eq!(
        fetch(&app, url).await.bytes().await.unwrap().as_ref(),
        pdf().as_slice()
    );
    let frame = shopper
        .until_named("the agent's file", |f| {
            f["type"] == "message" && f["attachments"][0]["id"] == id.as_str()
        })
        .await;
    assert_eq!(frame["attachments"][0]["name"], "size-chart.pdf");
    app.stop().await;
}

/// A photo without a word to the bot goes to a person ("Let me get a person…"), not to the
/// knowledge base, which would answer it "not sure" and count a miss.
#[tokio::test]
async fn a_photo_alone_to_the_bot_goes_to_a_person() {
    let (app, owner) = spawn_app_as_owner().await;
    app.add_article(&owner, "When do you ship?", "Orders ship the same day.")
        .await;
    // Patient with misses: a photo counted as one would leave the chat with the bot.
    app.chat_settings(&owner, json!({ "bot_max_misses": 5 }))
        .await;
    let (mut shopper, conv) = super::chatting(&app).await;
    let (status, _) = shopper.recv_type("status").await;
    assert_eq!(status["state"], "bot", "the bot has the chat: {status}");
    let token = super::shopper_token(&mut shopper).await;
    let id = uploaded(&app, &token, "parcel.png", png()).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    shopper
        .send(json!({ "type": "message", "client_msg_id": "m-1", "text": "", "attachments": [id] }))
        .await;
    let queued = shopper
        .until(|f| f["type"] == "status" && f["state"] == "queued")
        .await;
    assert_eq!(queued["conversation_id"], conv.as_str());
    let transcript = app
        .get_json(
            &app.site_path(&format!("/conversations/{conv}/transcript")),
            &owner,
        )
        .await;
    assert_eq!(transcript["conversation"]["handoff_reason"], "bot_missed");
    let lines: Vec<&str> = transcript["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["text"].as_str())
        .collect();
    // "hello" was a miss; the photo is handed to people at once, with no second miss line.
    let photo = lines.iter().position(|l| l.is_empty()).unwrap();
    assert_eq!(
        lines[photo + 1..],
        ["Let me get a person to help with that."],
        "{lines:?}"
    );
    app.stop().await;
}
