//! The owner console at `/agent/` in a real Chromium: an owner writes a trigger rule in the
//! form that a shopper then triggers, and an invited agent sets a password and sees only the
//! agent sections.

use crate::dashboard::{ENTER, SHOP, connected, log_in, shopper, submit_login, text_containing};
use crate::support::{Browser, chat_server};
use serde_json::{Value, json};

#[tokio::test]
async fn an_owner_writes_a_rule_in_the_form_a_shopper_triggers_it_and_the_report_shows_it() {
    let chat = chat_server(&[SHOP.to_owned()]).await;
    let browser = Browser::start(1280).await;
    log_in(&browser, &chat).await;

    browser.click("[data-nav=rules]").await;
    browser.click("[data-role=new-rule]").await;
    let form = "form[data-role=rule-form]";
    browser
        .type_into(&format!("{form} input[name=name]"), "Sale greeting")
        .await;
    // The first condition row: page path contains "/sale" (the fact picker re-types the row).
    let row = format!("{form} [data-role=condition]");
    browser
        .element(&format!("{row} select[name=fact]"))
        .await
        .select_by_value("page.path")
        .await
        .expect("pick the fact");
    browser
        .element(&format!("{row} select[name=op]"))
        .await
        .select_by_value("contains")
        .await
        .expect("pick the operator");
    // The value typed for the old fact (30 s) does not carry over to a page path.
    let value = browser.element(&format!("{row} input[name=value]")).await;
    assert_eq!(value.prop("value").await.unwrap().as_deref(), Some(""));
    value.send_keys("/sale").await.expect("type the value");

    // Saved without the message's text: the server's error shows at that field.
    browser.click(&format!("{form} button[type=submit]")).await;
    let error = text_containing(
        &browser,
        &format!("{form} [data-role=action] [data-error-for]:not([hidden])"),
        "",
    )
    .await;
    assert!(!error.is_empty(), "the message field names its error");
    browser
        .type_into(
            &format!("{form} [data-role=action] textarea[name=text]"),
            "Sale today: 20% off jackets!",
        )
        .await;
    browser.screenshot("dashboard-rule-editor").await;
    browser.click(&format!("{form} button[type=submit]")).await;
    let rule_id = browser
        .wait_for(
            "the saved rule in the list",
            "const row = [...document.querySelectorAll('[data-role=rule-list] [data-rule-id]')]\
               .find((r) => r.textContent.includes('Sale greeting'));\
             return row ? row.dataset.ruleId : null;",
        )
        .await
        .as_str()
        .unwrap()
        .to_owned();

    // A shopper opens a sale page: the rule speaks.
    let (mut shopper, _) = shopper(&chat, "Jackets on sale", "/sale/jackets").await;
    let message = shopper
        .until_named("the rule's message", |f| {
            f["type"] == "message" && f["text"].as_str().is_some_and(|t| t.contains("Sale today"))
        })
        .await;
    assert_eq!(message["author"]["kind"], "bot", "{message}");

    // The report counts the firing.
    browser.click("[data-nav=reports]").await;
    let fired = format!("[data-role=rule-report][data-rule-id={rule_id}] [data-metric=fired]");
    browser
        .wait_for(
            "the rule's firing in the report",
            &format!(
                "const e = document.querySelector({}); return e && e.textContent.trim() === '1';",
                json!(fired)
            ),
        )
        .await;
    browser
        .element("[data-role=report] svg[data-chart=funnel]")
        .await;
    browser.screenshot("dashboard-report").await;
    browser
        .js(&format!(
            "document.querySelector({}).scrollIntoView();",
            json!(format!("[data-role=rule-report][data-rule-id={rule_id}]"))
        ))
        .await;
    browser.screenshot("dashboard-report-funnel").await;

    // Chromium logs every 4xx answer; the one 422 is the refused save above, on purpose.
    let errors = browser.console_errors().await;
    let unexpected: Vec<_> = errors
        .iter()
        .filter(|e| !(e.contains("/rules ") && e.contains("422")))
        .collect();
    assert_eq!(errors.len() - unexpected.len(), 1, "{errors:?}");
    assert!(unexpected.is_empty(), "console errors: {unexpected:?}");
    browser.close().await;
    chat.stop().await;
}

#[tokio::test]
async fn an_invited_agent_sets_a_password_and_sees_only_the_agent_sections() {
    let chat = chat_server(&[SHOP.to_owned()]).await;
    let token = chat.owner_token().await;
    let invited: Value = chat
        .post(
            &chat.site_path("/agents"),
            &token,
            json!({ "email": "nina@shop.example", "name": "Nina", "role": "agent" }),
        )
        .await
        .json()
        .await
        .unwrap();
    let one_time = invited["one_time_password"].as_str().unwrap().to_owned();

    let browser = Browser::start(1280).await;
    submit_login(&browser, &chat, "nina@shop.example", "not her password").await;
    text_containing(
        &browser,
        "[data-role=login-error]",
        "Wrong email or password",
    )
    .await;
    let password = browser
        .element("form[data-role=login] input[name=password]")
        .await;
    password.clear().await.unwrap();
    password
        .send_keys(&format!("{one_time}{ENTER}"))
        .await
        .unwrap();

    // The one-time password only opens the form that replaces it.
    browser
        .type_into(
            "form[data-role=password-change] input[name=current_password]",
            &one_time,
        )
        .await;
    browser
        .type_into(
            "form[data-role=password-change] input[name=new_password]",
            &format!("silver tundra kettle 58{ENTER}"),
        )
        .await;
    connected(&browser).await;
    let sections = browser
        .js("return [...document.querySelectorAll('[data-nav]')].map((a) => a.dataset.nav);")
        .await;
    assert_eq!(
        sections,
        json!(["inbox", "visitors", "profile"]),
        "an agent has no owner pages"
    );
    // Typing an owner page's address shows the inbox instead.
    browser.goto(&chat.url("/agent/#/rules")).await;
    connected(&browser).await;
    browser.element("[data-role=conversation-list]").await;
    let login = chat
        .http
        .post(chat.url("/api/v1/auth/login"))
        .json(&json!({ "email": "nina@shop.example", "password": "silver tundra kettle 58" }))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200, "the new password is hers now");

    // 401s from the refused login are the browser logging the wrong password, on purpose.
    let errors = browser.console_errors().await;
    let unexpected: Vec<_> = errors
        .iter()
        .filter(|e| !(e.contains("/auth/login") && e.contains("401")))
        .collect();
    assert!(unexpected.is_empty(), "console errors: {unexpected:?}");
    browser.close().await;
    chat.stop().await;
}
