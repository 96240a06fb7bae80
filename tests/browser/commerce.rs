//! The owner's "Shop data" page in a real Chromium: the webhook URLs to paste into Shopify and
//! WooCommerce, a push-API key created with its secret shown once (and working), and the
//! Shopify secret saved without ever being shown back, with the valued-customer and
//! self-service settings beside it.

use crate::dashboard::{SHOP, log_in, text_containing};
use crate::support::{Browser, chat_server};
use serde_json::json;

#[tokio::test]
async fn an_owner_creates_a_push_key_and_sets_the_shopify_secret() {
    let chat = chat_server(&[SHOP.to_owned()]).await;
    let browser = Browser::start(1280).await;
    log_in(&browser, &chat).await;
    browser.click("[data-nav=commerce]").await;

    let url = text_containing(&browser, "[data-role=hook-url-shopify]", "/hooks/shopify/").await;
    assert_eq!(
        url,
        chat.url(&format!("/hooks/shopify/{}", chat.seed.site_id))
    );

    browser
        .type_into("form[data-role=key-form] input[name=name]", "ERP sync")
        .await;
    browser
        .click("form[data-role=key-form] button[type=submit]")
        .await;
    let secret = text_containing(&browser, "[data-role=key-secret]", "shk_").await;
    text_containing(&browser, "[data-role=api-keys] td", "ERP sync").await;
    // The secret shown is a working key.
    let order = json!({ "number": "#1", "status": "processing", "currency": "EUR", "total": "1.00",
        "created_at": 1, "updated_at": 1 });
    let pushed = chat
        .http
        .put(chat.url("/api/v1/commerce/orders/1"))
        .bearer_auth(&secret)
        .json(&order)
        .send()
        .await
        .unwrap();
    assert_eq!(pushed.status(), 201);

    let form = "form[data-role=commerce-settings]";
    text_containing(&browser, &format!("{form} .field-label"), "not set").await;
    browser
        .type_into(
            &format!("{form} input[name=shopify_secret]"),
            "shpss_from_the_browser",
        )
        .await;
    // Valued customers and self-service are set on the same form.
    browser
        .type_into(&format!("{form} input[name=vip_tags]"), ", gold")
        .await;
    browser
        .type_into(&format!("{form} input[name=vip_total_spent]"), "500.50")
        .await;
    browser
        .click(&format!("{form} input[name=self_service]"))
        .await;
    browser.click(&format!("{form} button[type=submit]")).await;
    text_containing(
        &browser,
        &format!("{form} .field-label"),
        "Shopify client secret (set)",
    )
    .await;
    let owner = chat.owner_token().await;
    let settings: serde_json::Value = chat
        .get_json(
            &format!("/api/v1/sites/{}/commerce/settings", chat.seed.site_id),
            &owner,
        )
        .await;
    assert_eq!(settings["vip_tags"], json!(["vip", "gold"]), "{settings}");
    assert_eq!(settings["vip_total_spent"], "500.50");
    assert_eq!(settings["self_service"], false);
    browser.screenshot("dashboard-shop-data").await;
    let page = browser.js("return document.body.textContent;").await;
    assert!(!page.as_str().unwrap().contains("shpss_from_the_browser"));
    assert!(
        browser.errors().await.is_empty(),
        "{:?}",
        browser.errors().await
    );
}
