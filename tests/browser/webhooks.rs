//! The owner's Webhooks page in a real Chromium: an endpoint is added with the form, its
//! signing secret is shown once and the list shows only its prefix, a test event goes out and
//! the delivery log shows the attempt.

use crate::dashboard::{SHOP, log_in, text_containing};
use crate::support::{Browser, chat_server};

#[tokio::test]
async fn an_owner_adds_an_endpoint_sees_its_secret_once_and_reads_the_delivery_log() {
    let chat = chat_server(&[SHOP.to_owned()]).await;
    let browser = Browser::start(1280).await;
    log_in(&browser, &chat).await;

    browser.click("[data-nav=webhooks]").await;
    let form = "form[data-role=webhook-form]";
    // `.invalid` never resolves: the delivery fails at once, and the log says why.
    browser
        .type_into(
            &format!("{form} input[name=url]"),
            "https://crm.invalid/shopchat",
        )
        .await;
    browser
        .type_into(&format!("{form} input[name=description]"), "<b>CRM</b>")
        .await;
    browser.click(&format!("{form} button[type=submit]")).await;
    let secret = text_containing(&browser, "[data-role=endpoint-secret]", "whsec_").await;
    let row = text_containing(
        &browser,
        "[data-role=webhook-endpoints] tr[data-endpoint]",
        "crm.invalid",
    )
    .await;
    assert!(
        row.contains("<b>CRM</b>"),
        "the description is text, not markup: {row}"
    );
    assert!(
        !row.contains(&secret),
        "the list shows the secret's prefix only"
    );
    assert!(row.contains(&secret[..10]), "{row}");

    browser.click("[data-role=test-endpoint]").await;
    browser
        .wait_for(
            "the test attempt in the log",
            "const r = document.querySelector('[data-role=deliveries] tbody tr');\
             if (r && r.textContent.includes('webhook.test')) return r.textContent;\
             const log = document.querySelector('[data-role=webhook-log]');\
             if (!log.textContent.includes('Loading')) document.querySelector('[data-role=refresh-log]').click();\
             return null;",
        )
        .await;
    browser
        .js("document.querySelector('[data-role=new-secret]').scrollIntoView(); return null;")
        .await;
    browser.screenshot("dashboard-webhooks").await;
    assert!(browser.console_errors().await.is_empty());
    browser.close().await;
    chat.stop().await;
}
