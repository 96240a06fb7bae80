use crate::helpers::spawn_app;
use reqwest::header;

#[tokio::test]
async fn health_and_readiness_answer() {
    let app = spawn_app().await;
    let health = app.http.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    let ready = app.http.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    assert_eq!(
        ready.json::<serde_json::Value>().await.unwrap()["status"],
        "ready"
    );
    app.stop().await;
}

#[tokio::test]
async fn widget_is_served_with_etag_revalidation_and_gzip() {
    let app = spawn_app().await;
    let plain = app.http.get(app.url("/widget.js")).send().await.unwrap();
    assert_eq!(plain.status(), 200);
    assert!(
        plain.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    assert!(
        plain.headers()[header::CACHE_CONTROL]
            .to_str()
            .unwrap()
            .contains("max-age")
    );
    let etag = plain.headers()[header::ETAG].to_str().unwrap().to_owned();
    let body = plain.text().await.unwrap();
    assert!(
        body.contains("/ws/shopper"),
        "the widget connects to the shopper socket"
    );

    let revalidated = app
        .http
        .get(app.url("/widget.js"))
        .header(header::IF_NONE_MATCH, &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(revalidated.status(), 304);

    let zipped = app
        .http
        .get(app.url("/widget.js"))
        .header(header::ACCEPT_ENCODING, "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(zipped.headers()[header::CONTENT_ENCODING], "gzip");
    let compressed = zipped.bytes().await.unwrap();
    assert!(compressed.len() < body.len(), "gzip makes it smaller");
    assert_eq!(&compressed[..2], &[0x1f, 0x8b], "gzip magic");
    app.stop().await;
}

/// Issue 5: the widget is fetched on every shop page, so it stays small.
const WIDGET_GZIP_BUDGET: usize = 12 * 1024;

#[tokio::test]
async fn widget_stays_within_its_gzipped_size_budget() {
    let app = spawn_app().await;
    let plain = app.http.get(app.url("/widget.js")).send().await.unwrap();
    let raw = plain.bytes().await.unwrap().len();
    let zipped = app
        .http
        .get(app.url("/widget.js"))
        .header(header::ACCEPT_ENCODING, "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(zipped.headers()[header::CONTENT_ENCODING], "gzip");
    // reqwest is built without its gzip feature, so these are the bytes on the wire.
    let gzipped = zipped.bytes().await.unwrap().len();
    eprintln!("widget.js: {raw} bytes, {gzipped} bytes gzipped");
    assert!(
        gzipped <= WIDGET_GZIP_BUDGET,
        "widget.js is {gzipped} bytes gzipped, over the {WIDGET_GZIP_BUDGET}-byte budget"
    );
    app.stop().await;
}

#[tokio::test]
async fn widget_keeps_the_hooks_the_browser_tests_use() {
    let app = spawn_app().await;
    let body = app
        .http
        .get(app.url("/widget.js"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for hook in [
        "launcher",
        "panel",
        "messages",
        "author",
        "text",
        "input",
        "send",
        "handoff",
        "status",
        "typing",
        "teaser",
        "teaser-text",
        "dismiss",
        "offline",
        "email",
    ] {
        // The minifier may print a string in any of JavaScript's three quotes.
        let quoted = format!("data-role=\"{hook}\"");
        let js = ["\"", "'", "`"].map(|q| format!("{q}{hook}{q}"));
        assert!(
            body.contains(&quoted) || js.iter().any(|s| body.contains(s)),
            "widget.js has the `{hook}` hook"
        );
    }
    // The served script is minified at compile time (src/build.rs): compare code without its
    // spaces, so these hold for the readable source and for what is served alike.
    let code: String = body.split_whitespace().collect();
    let code = code.replace(['`', '\''], "\"");
    for needle in [
        "shopchat-root",
        "attachShadow",
        "mode:\"open\"",
        ":host{all:initial}",
        // Strict CSP: the style sheet is constructed, the markup goes through a policy.
        "adoptedStyleSheets",
        "createPolicy(\"shopchat\"",
    ] {
        assert!(code.contains(needle), "widget.js has {needle}");
    }
    // Text is set with textContent; the one innerHTML is the static template.
    assert_eq!(body.matches("innerHTML").count(), 1);
    app.stop().await;
}

#[tokio::test]
async fn unknown_api_route_is_a_json_404() {
    let app = spawn_app().await;
    let response = app
        .http
        .get(app.url("/api/v1/nothing-here"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "not_found");
    app.stop().await;
}

/// The value of a metric line (`name{labels} value`) in Prometheus text.
fn metric(text: &str, series: &str) -> Option<f64> {
    text.lines().find_map(|l| {
        l.strip_prefix(series)
            .and_then(|rest| rest.trim().parse().ok())
    })
}

#[tokio::test]
async fn metrics_count_frames_messages_and_open_sockets() {
    let app = spawn_app().await;
    let mut shopper = app.shopper().await;
    shopper.hello(serde_json::json!({})).await;
    shopper
        .send(serde_json::json!({ "type": "message", "client_msg_id": "m1", "text": "hi" }))
        .await;
    shopper.recv_type("ack").await;

    let response = app.http.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let text = response.text().await.unwrap();
    // The recorder is process-wide and other tests run beside this one: at least, not exactly.
    assert!(
        metric(&text, "shopchat_shopper_sockets").unwrap() >= 1.0,
        "{text}"
    );
    assert!(metric(&text, "shopchat_shopper_frames_total{type=\"hello\"}").unwrap() >= 1.0);
    assert!(metric(&text, "shopchat_messages_stored_total{author=\"shopper\"}").unwrap() >= 1.0);
    assert!(text.contains("shopchat_store_commit_seconds"), "{text}");
    app.stop().await;
}

#[tokio::test]
async fn the_openapi_document_describes_the_api() {
    let app = spawn_app().await;
    let response = app
        .http
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let doc: serde_json::Value = response.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for (path, method) in [
        ("/api/v1/auth/login", "post"),
        (
            "/api/v1/sites/{site_id}/conversations/{conversation_id}/messages",
            "post",
        ),
        ("/api/v1/sites/{site_id}/visitors/{visitor_id}", "get"),
        ("/api/v1/sites/{site_id}/rules", "post"),
        ("/api/v1/sites/{site_id}/rules/simulate", "post"),
        ("/api/v1/sites/{site_id}/rules/{rule_id}/report", "get"),
        ("/api/v1/sites/{site_id}/trigger-settings", "put"),
    ] {
        assert!(
            doc["paths"][path][method].is_object(),
            "{method} {path} is documented"
        );
    }
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    assert!(doc["components"]["schemas"]["TriggerSettings"].is_object());
    app.stop().await;
}

#[tokio::test]
async fn widget_is_brotli_for_browsers_that_take_it_and_loadable_by_isolated_shops() {
    let app = spawn_app().await;
    let plain = app.http.get(app.url("/widget.js")).send().await.unwrap();
    assert_eq!(
        plain.headers()["cross-origin-resource-policy"],
        "cross-origin"
    );
    let plain = plain.bytes().await.unwrap();
    let fetch = |encodings: &'static str| {
        app.http
            .get(app.url("/widget.js"))
            .header(header::ACCEPT_ENCODING, encodings)
            .send()
    };
    let br = fetch("gzip, deflate, br, zstd").await.unwrap();
    assert_eq!(br.headers()[header::CONTENT_ENCODING], "br");
    assert_eq!(br.headers()[header::VARY], "Accept-Encoding");
    let br = br.bytes().await.unwrap();
    let mut unpacked = Vec::new();
    std::io::Read::read_to_end(&mut brotli::Decompressor::new(&br[..], 4096), &mut unpacked)
        .unwrap();
    assert_eq!(unpacked, plain, "Brotli carries the same script");
    let gzip = fetch("gzip").await.unwrap();
    assert_eq!(gzip.headers()[header::CONTENT_ENCODING], "gzip");
    let gzip = gzip.bytes().await.unwrap();
    eprintln!(
        "widget.js: {} bytes, {} gzipped, {} Brotli",
        plain.len(),
        gzip.len(),
        br.len()
    );
    assert!(br.len() < gzip.len(), "Brotli is the smaller one");
    // Refused Brotli falls back to gzip.
    let refused = fetch("br;q=0, gzip").await.unwrap();
    assert_eq!(refused.headers()[header::CONTENT_ENCODING], "gzip");
    app.stop().await;
}

/// The parts the widget loads when a chat needs them: each a script that hands itself over
/// with the `shopchat:part` event, revalidated by ETag, loadable by isolated shops; an unknown
/// part is a JSON 404 naming the file.
#[tokio::test]
async fn widget_parts_are_served_like_the_widget() {
    let app = spawn_app().await;
    for name in ["prechat", "rating", "alerts", "email", "files"] {
        let path = format!("/widget/part/{name}.js");
        let response = app.http.get(app.url(&path)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        assert!(
            response.headers()[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("text/javascript")
        );
        assert_eq!(
            response.headers()["cross-origin-resource-policy"],
            "cross-origin"
        );
        let etag = response.headers()[header::ETAG]
            .to_str()
            .unwrap()
            .to_owned();
        let body = response.text().await.unwrap();
        assert!(body.contains("shopchat:part"), "{path}: {body}");
        let again = app
            .http
            .get(app.url(&path))
            .header(header::IF_NONE_MATCH, &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), 304, "{path}");
    }
    let missing = app
        .http
        .get(app.url("/widget/part/nope.js"))
        .send()
        .await
        .unwrap();
    let body = crate::common::json_of(missing, 404).await;
    assert_eq!(body["error"]["field"], "file", "{body}");
    app.stop().await;
}
