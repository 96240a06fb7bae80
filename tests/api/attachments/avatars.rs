//! An agent's avatar (`PUT`/`DELETE /api/v1/me/avatar`, `GET /avatars/{agent}/{version}`):
//! checked like an attachment (size before the body is read, type sniffed, location text
//! removed), served publicly and immutably, shown to the shopper in the `status` frame of a
//! chat the agent has, replaced under a new path and gone when removed.

use super::{contains, pdf, png};
use crate::common::{TestApp, json_of, spawn_app_as_owner};
use serde_json::{Value, json};

async fn put_avatar(app: &TestApp, token: &str, bytes: Vec<u8>) -> reqwest::Response {
    app.http
        .put(app.url("/api/v1/me/avatar"))
        .bearer_auth(token)
        .header("content-type", "application/octet-stream")
        .body(bytes)
        .send()
        .await
        .unwrap()
}

async fn fetch(app: &TestApp, path: &str) -> reqwest::Response {
    app.http.get(app.url(path)).send().await.unwrap()
}

#[tokio::test]
async fn an_agent_sets_a_picture_the_shopper_sees_and_replaces_and_removes_it() {
    let (app, owner) = spawn_app_as_owner().await;
    let answer = json_of(put_avatar(&app, &owner, png()).await, 200).await;
    let path = answer["agent"]["avatar"].as_str().unwrap().to_owned();
    assert!(path.starts_with("/avatars/ag_"), "{answer}");
    let me: Value = app.get_json("/api/v1/me", &owner).await;
    assert_eq!(
        me["agent"]["avatar"],
        path.as_str(),
        "GET /me reads it back"
    );

    // Served to anyone (a shop page), for good, as the checked image without its location.
    let served = fetch(&app, &path).await;
    assert_eq!(served.status(), 200);
    let headers = served.headers().clone();
    assert_eq!(headers["content-type"], "image/png");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["cross-origin-resource-policy"], "cross-origin");
    assert!(
        headers["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    let bytes = served.bytes().await.unwrap();
    assert!(bytes.starts_with(b"\x89PNG"));
    assert!(
        !contains(&bytes, b"GPS"),
        "the text chunk with a location is gone"
    );

    // A large picture is kept as its 320 px thumbnail.
    let large = crate::common::png::photo(1000, 800, [90, 60, 30], &[]);
    let answer = json_of(put_avatar(&app, &owner, large).await, 200).await;
    let large_path = answer["agent"]["avatar"].as_str().unwrap().to_owned();
    let served = fetch(&app, &large_path).await;
    assert_eq!(served.headers()["content-type"], "image/jpeg");
    let face = image::load_from_memory(&served.bytes().await.unwrap()).unwrap();
    assert_eq!((face.width(), face.height()), (320, 256));
    let answer = json_of(put_avatar(&app, &owner, png()).await, 200).await;
    let path = answer["agent"]["avatar"].as_str().unwrap().to_owned();

    // The shopper whose chat the owner takes sees the picture in the status frame.
    let (mut shopper, conv, welcome) = super::chatting_welcomed(&app).await;
    app.agent_says(&owner, &conv, "Hello, I'm here").await;
    let status = shopper
        .until(|f| f["type"] == "status" && f["state"] == "assigned")
        .await;
    assert_eq!(status["agent_avatar"], path.as_str(), "{status}");

    // A new picture has a new path; the old one is gone.
    let again = json_of(put_avatar(&app, &owner, png()).await, 200).await;
    let newer = again["agent"]["avatar"].as_str().unwrap().to_owned();
    assert_ne!(newer, path);
    assert_eq!(fetch(&app, &path).await.status(), 404);
    assert_eq!(fetch(&app, &newer).await.status(), 200);

    // Removed: no avatar on the account, the picture is 404, a resuming shopper sees none.
    let removed = json_of(app.delete("/api/v1/me/avatar", &owner).await, 200).await;
    assert!(removed["agent"].get("avatar").is_none(), "{removed}");
    assert_eq!(fetch(&app, &newer).await.status(), 404);
    let mut back = app.shopper().await;
    back.hello(json!({ "visitor_id": welcome["visitor_id"], "session": welcome["session"] }))
        .await;
    let status = back.until(|f| f["type"] == "status").await;
    assert_eq!(status["state"], "assigned");
    assert!(status.get("agent_avatar").is_none(), "{status}");
    app.stop().await;
}

#[tokio::test]
async fn a_picture_too_large_or_not_an_image_is_refused_and_paths_are_checked() {
    let (app, owner) = spawn_app_as_owner().await;
    // Declared too large: refused before the body is read.
    let response = app
        .http
        .put(app.url("/api/v1/me/avatar"))
        .bearer_auth(&owner)
        .header("content-length", "600000")
        .body(vec![0u8; 600_000])
        .send()
        .await
        .unwrap();
    let body = json_of(response, 413).await;
    assert_eq!(body["error"]["field"], "body", "{body}");
    // A PDF (or anything but JPEG, PNG, WebP) is not a face.
    let body = json_of(put_avatar(&app, &owner, pdf()).await, 415).await;
    assert_eq!(body["error"]["field"], "type", "{body}");
    // Without a session: 401, nothing set.
    let response = app
        .http
        .put(app.url("/api/v1/me/avatar"))
        .body(png())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let me: Value = app.get_json("/api/v1/me", &owner).await;
    assert!(me["agent"].get("avatar").is_none(), "{me}");
    // Paths that are no picture of ours are all the same 404.
    for path in [
        "/avatars/ag_nobody123/abcdefgh12345678",
        "/avatars/not-an-id/abcdefgh12345678",
        "/avatars/ag_nobody123/..%2F..%2Fsecret",
    ] {
        assert_eq!(fetch(&app, path).await.status(), 404, "{path}");
    }
    app.stop().await;
}
