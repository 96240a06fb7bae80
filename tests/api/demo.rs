//! The demo shop at `/demo/`: embedded pages with the demo site's real key in the snippet.

use crate::common::{DEADLINE, SeedPlan, TestApp, spawn_app, spawn_seeded};
use shopchat::seed::DEMO_SITE_NAME;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A server whose only site is the demo site (as first-run seeding would make it), with no
/// accounts.
async fn demo_server() -> TestApp {
    let plan = SeedPlan {
        owner_name: None,
        ..SeedPlan::shop(DEMO_SITE_NAME, &["http://127.0.0.1:8080".into()])
    };
    spawn_seeded(&plan, |_| {}).await
}

/// A request sent byte for byte, so no client normalises `..` away.
async fn raw_get(port: u16, path: &str) -> String {
    let mut socket = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let request =
        format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n");
    socket.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(DEADLINE, socket.read_to_end(&mut answer))
        .await
        .expect("answer before deadline")
        .unwrap();
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn demo_pages_carry_the_demo_sites_real_key_and_product_data() {
    let app = demo_server().await;
    let key = app.seed.public_key.clone();

    let home = app.http.get(app.url("/demo/")).send().await.unwrap();
    assert_eq!(home.status(), 200);
    assert_eq!(home.headers()["content-type"], "text/html; charset=utf-8");
    assert_eq!(home.headers()["cache-control"], "no-cache");
    let body = home.text().await.unwrap();
    assert!(body.contains(&format!(r#"data-site="{key}""#)), "{body}");
    assert!(!body.contains("{{SITE_KEY}}"));
    assert!(body.contains(
        "<script>window.shopchat=window.shopchat||function(){(shopchat.q=shopchat.q||[]).push(arguments)};</script>"
    ));
    assert!(body.contains(r#"<script async src="/widget.js""#));

    let jacket = app
        .http
        .get(app.url("/demo/jacket.html"))
        .send()
        .await
        .unwrap();
    assert_eq!(jacket.status(), 200);
    let body = jacket.text().await.unwrap();
    assert!(body.contains(&format!(r#"data-site="{key}""#)));
    let start = body
        .find(r#"<script type="application/ld+json">"#)
        .expect("JSON-LD");
    let json = &body[start..];
    let json = &json[json.find('>').unwrap() + 1..json.find("</script>").unwrap()];
    let product: serde_json::Value = serde_json::from_str(json).unwrap();
    assert_eq!(product["@type"], "Product");
    assert!(product["sku"].is_string());
    assert!(product["name"].is_string());
    assert!(product["category"].is_string());
    assert!(product["offers"]["price"].is_string());
    assert_eq!(product["offers"]["priceCurrency"], "EUR");

    let css = app
        .http
        .get(app.url("/demo/shop.css"))
        .send()
        .await
        .unwrap();
    assert_eq!(css.status(), 200);
    assert_eq!(css.headers()["content-type"], "text/css; charset=utf-8");
    let js = app.http.get(app.url("/demo/shop.js")).send().await.unwrap();
    assert_eq!(
        js.headers()["content-type"],
        "text/javascript; charset=utf-8"
    );

    for page in ["boots.html", "scarf.html", "checkout.html", "index.html"] {
        let response = app
            .http
            .get(app.url(&format!("/demo/{page}")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{page}");
        assert!(response.text().await.unwrap().contains(&key), "{page}");
    }
    app.stop().await;
}

#[tokio::test]
async fn unknown_files_and_path_traversal_are_404() {
    let app = demo_server().await;
    for path in ["/demo/nope.html", "/demo/.env", "/demo/%2e%2e/Cargo.toml"] {
        let response = app.http.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 404, "{path}");
    }
    for path in [
        "/demo/../Cargo.toml",
        "/demo/%2e%2e/Cargo.toml",
        "/demo/..%2fCargo.toml",
        "/demo/../src/main.rs",
    ] {
        let answer = raw_get(app.port, path).await;
        assert!(answer.starts_with("HTTP/1.1 404"), "{path}: {answer}");
        assert!(!answer.contains("[package]"), "{path}");
    }
    app.stop().await;
}

#[tokio::test]
async fn without_a_demo_site_the_demo_is_a_json_404() {
    // The seeded test server has two shops but no site named "Demo shop".
    let app = spawn_app().await;
    let response = app.http.get(app.url("/demo/")).send().await.unwrap();
    assert_eq!(response.status(), 404);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "not_found");
    app.stop().await;
}

#[tokio::test]
async fn renaming_the_demo_site_keeps_the_demo_working() {
    let mut app = spawn_seeded(
        &SeedPlan::shop(DEMO_SITE_NAME, &["http://127.0.0.1:8080".into()]),
        |_| {},
    )
    .await;
    let owner = app.owner_token().await;
    let renamed = app
        .patch(
            &format!("/api/v1/sites/{}", app.seed.site_id),
            &owner,
            serde_json::json!({ "name": "Northwind Outfitters" }),
        )
        .await;
    assert_eq!(renamed.status(), 200);
    let home = app.http.get(app.url("/demo/")).send().await.unwrap();
    assert_eq!(home.status(), 200, "found by its mark, not its name");
    let body = home.text().await.unwrap();
    assert!(body.contains(&format!(r#"data-site="{}""#, app.seed.public_key)));
    // And after a restart, which reads the mark from the store again.
    app.restart().await;
    let home = app.http.get(app.url("/demo/")).send().await.unwrap();
    assert_eq!(home.status(), 200);
    app.stop().await;
}
