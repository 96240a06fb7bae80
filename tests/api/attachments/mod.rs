//! Attachments over the real server: upload tokens, `POST /uploads`, messages that carry
//! files and `GET /files/{id}`. Split by concern: `flow` (a file from upload to the reader,
//! on both back ends), `limits` (every site limit, each refused naming the field),
//! `isolation` (tokens, files and links never cross conversations, visitors or sites),
//! `sweep` (files of conversations the store no longer has), and `scan` (the optional virus
//! scan by a real clamd).

mod avatars;
mod flow;
mod isolation;
mod limits;
mod scan;
mod sweep;

use crate::common::{Socket, TestApp};
use serde_json::{Value, json};

/// A shopper with an open conversation: the socket and the conversation id.
pub(super) async fn chatting(app: &TestApp) -> (Socket, String) {
    let (shopper, conv, _) = chatting_welcomed(app).await;
    (shopper, conv)
}

/// [`chatting`], with the `welcome` (visitor id, session) for tests that name the visitor.
pub(super) async fn chatting_welcomed(app: &TestApp) -> (Socket, String, Value) {
    let mut shopper = app.shopper().await;
    let welcome = shopper.hello(json!({})).await;
    shopper
        .send(json!({ "type": "message", "client_msg_id": "m-0", "text": "hello" }))
        .await;
    let (ack, _) = shopper.recv_type("ack").await;
    let conv = ack["conversation_id"].as_str().unwrap().to_owned();
    (shopper, conv, welcome)
}

/// The REST call an agent makes for an upload token.
pub(super) async fn token_response(app: &TestApp, agent: &str, conv: &str) -> reqwest::Response {
    app.post(
        &app.site_path(&format!("/conversations/{conv}/upload-token")),
        agent,
        json!({}),
    )
    .await
}

/// An agent's upload token for a conversation of the seeded site.
pub(super) async fn agent_token(app: &TestApp, agent: &str, conv: &str) -> String {
    let response = token_response(app, agent, conv).await;
    let body = crate::common::json_of(response, 200).await;
    body["token"].as_str().unwrap().to_owned()
}

/// A shopper's upload token over its socket.
pub(super) async fn shopper_token(shopper: &mut Socket) -> String {
    shopper.send(json!({ "type": "upload_token" })).await;
    let (frame, _) = shopper.recv_type("upload_token").await;
    frame["token"].as_str().unwrap().to_owned()
}

/// `POST /uploads` with the token, a name and a declared type (which the server ignores).
pub(super) async fn upload(
    app: &TestApp,
    token: &str,
    name: &str,
    declared: &str,
    bytes: Vec<u8>,
) -> reqwest::Response {
    app.http
        .post(app.url("/uploads"))
        .query(&[("filename", name)])
        .bearer_auth(token)
        .header("content-type", declared)
        .body(bytes)
        .send()
        .await
        .unwrap()
}

/// An upload that must succeed: its answer.
pub(super) async fn uploaded(app: &TestApp, token: &str, name: &str, bytes: Vec<u8>) -> Value {
    crate::common::json_of(
        upload(app, token, name, "application/octet-stream", bytes).await,
        201,
    )
    .await
}

/// An agent's message over REST with attachments (and maybe no text).
pub(super) async fn agent_sends(
    app: &TestApp,
    agent: &str,
    conv: &str,
    text: &str,
    files: &[&str],
) -> reqwest::Response {
    app.post(
        &app.site_path(&format!("/conversations/{conv}/messages")),
        agent,
        json!({ "text": text, "attachments": files }),
    )
    .await
}

/// A PNG of one pixel with a text chunk (where some tools write a location), valid
/// chunk by chunk (lengths and CRCs).
pub(super) fn png() -> Vec<u8> {
    crate::common::png::photo(1, 1, [0, 0, 0], &[("Comment", "GPS 52.5200 N 13.4050 E")])
}

/// A JPEG with an EXIF block whose GPS IFD names a place: SOI, JFIF, EXIF (APP1), a
/// start of scan with a few bytes of image data, EOI.
pub(super) fn jpeg_with_gps() -> Vec<u8> {
    let mut jpeg = vec![0xFF, 0xD8];
    jpeg.extend([0xFF, 0xE0, 0x00, 0x10]);
    jpeg.extend(b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
    // TIFF header (big-endian), one IFD entry: GPSInfo (0x8825) pointing at offset 26.
    let mut exif = b"Exif\0\0MM\0\x2a\0\0\0\x08\0\x01\x88\x25\0\x04\0\0\0\x01\0\0\0\x1a".to_vec();
    exif.extend(b"GPSLatitude 52.5200 N GPSLongitude 13.4050 E");
    jpeg.extend([0xFF, 0xE1]);
    jpeg.extend(((exif.len() + 2) as u16).to_be_bytes());
    jpeg.extend(&exif);
    jpeg.extend([0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00]);
    jpeg.extend([0x12, 0x34, 0x56, 0x78]);
    jpeg.extend([0xFF, 0xD9]);
    jpeg
}

/// The start of a PDF.
pub(super) fn pdf() -> Vec<u8> {
    b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n".to_vec()
}

/// A Windows executable's first bytes (the `MZ` header and a PE signature).
pub(super) fn exe() -> Vec<u8> {
    let mut exe = b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff\0\0".to_vec();
    exe.resize(0x3c, 0);
    exe.extend(0x40u32.to_le_bytes());
    exe.extend(b"PE\0\0");
    exe.resize(512, 0);
    exe
}

/// Whether `needle` occurs in `hay`.
pub(super) fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}
