//! Conditional GETs and compression: embedded files (widget, dashboard) answer 304 to their
//! own ETag and are sent Brotli- or gzip-encoded once, as stored; JSON from the API, the
//! OpenAPI document and `/metrics` are compressed on the fly when the client accepts it.
//! The test client has no decompression of its own, so every byte checked is what was sent.

use crate::helpers::{TestApp, spawn_app, spawn_app_as_owner};
use reqwest::header;
use std::io::Read;

fn decode(coding: &str, bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    match coding {
        "br" => brotli::Decompressor::new(bytes, 4096)
            .read_to_end(&mut out)
            .unwrap(),
        "gzip" => flate2::read::GzDecoder::new(bytes)
            .read_to_end(&mut out)
            .unwrap(),
        other => panic!("unexpected coding {other}"),
    };
    out
}

async fn get_with(
    app: &TestApp,
    path: &str,
    headers: &[(header::HeaderName, &str)],
) -> reqwest::Response {
    let mut request = app.http.get(app.url(path));
    for (name, value) in headers {
        request = request.header(name, *value);
    }
    request.send().await.unwrap()
}

fn header_of(response: &reqwest::Response, name: header::HeaderName) -> Option<String> {
    response
        .headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_owned())
}

#[tokio::test]
async fn dashboard_files_answer_304_to_their_own_etag_and_200_to_another() {
    let app = spawn_app().await;
    for path in ["/agent/", "/agent/js/app.js", "/agent/app.css"] {
        let first = get_with(&app, path, &[]).await;
        assert_eq!(first.status(), 200, "{path}");
        let etag = header_of(&first, header::ETAG).expect("an ETag");
        assert_eq!(
            header_of(&first, header::CACHE_CONTROL).as_deref(),
            Some("no-cache")
        );
        let body = first.bytes().await.unwrap();
        assert!(!body.is_empty());

        let again = get_with(&app, path, &[(header::IF_NONE_MATCH, &etag)]).await;
        assert_eq!(again.status(), 304, "{path} with its own ETag");
        assert_eq!(
            header_of(&again, header::ETAG).as_deref(),
            Some(etag.as_str())
        );
        // The page's policy rides on the 304 as on the 200.
        assert!(header_of(&again, header::CONTENT_SECURITY_POLICY).is_some());
        assert!(again.bytes().await.unwrap().is_empty());

        let weak = format!("W/{etag}");
        let via_proxy = get_with(&app, path, &[(header::IF_NONE_MATCH, &weak)]).await;
        assert_eq!(
            via_proxy.status(),
            304,
            "{path}: If-None-Match compares weakly"
        );

        let stale = get_with(
            &app,
            path,
            &[(header::IF_NONE_MATCH, "\"0123456789abcdef\"")],
        )
        .await;
        assert_eq!(stale.status(), 200, "{path} with another ETag");
        assert_eq!(stale.bytes().await.unwrap(), body);
    }
    app.stop().await;
}

#[tokio::test]
async fn embedded_files_are_sent_compressed_once_as_stored() {
    let app = spawn_app().await;
    for path in [
        "/widget.js",
        "/agent/js/app.js",
        "/agent/app.css",
        "/agent/",
    ] {
        let plain = get_with(&app, path, &[]).await;
        assert_eq!(header_of(&plain, header::CONTENT_ENCODING), None, "{path}");
        assert_eq!(
            header_of(&plain, header::VARY).as_deref(),
            Some("Accept-Encoding")
        );
        let etag = header_of(&plain, header::ETAG).unwrap();
        let body = plain.bytes().await.unwrap();
        for coding in ["br", "gzip"] {
            let encoded = get_with(&app, path, &[(header::ACCEPT_ENCODING, coding)]).await;
            assert_eq!(encoded.status(), 200);
            // One coding, once: never compressed again on the way out.
            let codings: Vec<_> = encoded
                .headers()
                .get_all(header::CONTENT_ENCODING)
                .iter()
                .collect();
            assert_eq!(codings, [coding], "{path}");
            assert_eq!(
                header_of(&encoded, header::ETAG).as_deref(),
                Some(etag.as_str())
            );
            let bytes = encoded.bytes().await.unwrap();
            assert!(bytes.len() < body.len(), "{path} in {coding} is smaller");
            assert_eq!(
                decode(coding, &bytes),
                body,
                "{path} in {coding} decodes to the file"
            );
        }
        let refused = get_with(&app, path, &[(header::ACCEPT_ENCODING, "br;q=0, gzip;q=0")]).await;
        assert_eq!(
            header_of(&refused, header::CONTENT_ENCODING),
            None,
            "{path}"
        );
    }
    app.stop().await;
}

#[tokio::test]
async fn api_json_is_compressed_when_the_client_accepts_it() {
    let (app, owner) = spawn_app_as_owner().await;
    let path = app.site_path("/conversations");
    let auth = format!("Bearer {owner}");
    let plain = get_with(&app, &path, &[(header::AUTHORIZATION, &auth)]).await;
    assert_eq!(plain.status(), 200);
    assert_eq!(header_of(&plain, header::CONTENT_ENCODING), None);
    assert!(
        header_of(&plain, header::VARY)
            .unwrap()
            .eq_ignore_ascii_case("accept-encoding")
    );
    assert_eq!(
        header_of(&plain, header::CACHE_CONTROL).as_deref(),
        Some("no-store")
    );
    let expected: serde_json::Value = plain.json().await.unwrap();

    for coding in ["br", "gzip"] {
        let encoded = get_with(
            &app,
            &path,
            &[
                (header::AUTHORIZATION, &auth),
                (header::ACCEPT_ENCODING, coding),
            ],
        )
        .await;
        assert_eq!(encoded.status(), 200);
        assert_eq!(
            header_of(&encoded, header::CONTENT_ENCODING).as_deref(),
            Some(coding)
        );
        assert!(
            header_of(&encoded, header::VARY)
                .unwrap()
                .eq_ignore_ascii_case("accept-encoding")
        );
        assert_eq!(
            header_of(&encoded, header::CACHE_CONTROL).as_deref(),
            Some("no-store")
        );
        let json: serde_json::Value =
            serde_json::from_slice(&decode(coding, &encoded.bytes().await.unwrap())).unwrap();
        assert_eq!(json, expected, "{coding} decodes to the same answer");
    }

    // Errors are JSON too, and go the same way.
    let missing = get_with(
        &app,
        "/api/v1/no-such-route",
        &[(header::ACCEPT_ENCODING, "gzip")],
    )
    .await;
    assert_eq!(missing.status(), 404);
    assert_eq!(
        header_of(&missing, header::CONTENT_ENCODING).as_deref(),
        Some("gzip")
    );
    app.stop().await;
}

#[tokio::test]
async fn the_large_documents_shrink_when_accepted() {
    let app = spawn_app().await;
    // Some traffic, so /metrics has more than a handful of series.
    let _ = get_with(&app, "/widget.js", &[]).await;
    for path in ["/api/v1/openapi.json", "/metrics"] {
        let plain = get_with(&app, path, &[]).await;
        assert_eq!(plain.status(), 200);
        assert_eq!(header_of(&plain, header::CONTENT_ENCODING), None, "{path}");
        let plain_len = plain.bytes().await.unwrap().len();
        for coding in ["br", "gzip"] {
            let encoded = get_with(&app, path, &[(header::ACCEPT_ENCODING, coding)]).await;
            assert_eq!(encoded.status(), 200);
            assert_eq!(
                header_of(&encoded, header::CONTENT_ENCODING).as_deref(),
                Some(coding),
                "{path}"
            );
            let bytes = encoded.bytes().await.unwrap();
            let decoded = decode(coding, &bytes);
            assert!(bytes.len() < plain_len, "{path} in {coding} is smaller");
            if path.ends_with(".json") {
                assert_eq!(decoded.len(), plain_len, "the whole document");
                let doc: serde_json::Value = serde_json::from_slice(&decoded).unwrap();
                assert!(doc["paths"].is_object());
            } else {
                assert!(String::from_utf8(decoded).unwrap().contains("# TYPE"));
            }
        }
    }
    app.stop().await;
}
