//! Languages (issue 20): the widget in the shopper's language, chosen from the browser among
//! the site's languages or set by the shop, mirrored for right-to-left languages, and the
//! bot answering from the article's version in that language.

use crate::support::{Scene, shop_page};
use serde_json::{Value, json};

/// The site speaks `languages` (its chat settings, as the owner saves them).
async fn site_speaks(scene: &Scene, languages: &[&str]) {
    let path = scene.chat.site_path("/chat-settings");
    let mut settings = scene.chat.get_json(&path, &scene.token).await;
    settings["languages"] = json!(languages);
    scene.chat.chat_settings(&scene.token, settings).await;
}

/// The widget's visible words and direction: title, input placeholder, launcher name, the
/// panel's `lang` and `dir`.
async fn words(scene: &Scene) -> Value {
    scene
        .browser
        .js("const w = $('.widget');\
             return { title: $('#title').textContent, placeholder: $('[data-role=input]').placeholder,\
                      launcher: $('[data-role=launcher]').getAttribute('aria-label'),\
                      lang: w.lang, dir: w.dir,\
                      launcherLeft: $('[data-role=launcher]').getBoundingClientRect().left };")
        .await
}

#[tokio::test]
async fn a_french_browser_gets_the_french_widget_and_the_french_article() {
    let scene = Scene::new_in(1280, Some("fr")).await;
    site_speaks(&scene, &["en", "fr"]).await;
    let created = scene
        .chat
        .post(
            &scene.chat.site_path("/articles"),
            &scene.token,
            json!({
                "question": "How long does shipping take?",
                "answer": "Delivery takes 2 to 4 working days.",
                "translations": { "fr": {
                    "question": "Combien de temps prend la livraison ?",
                    "answer": "La livraison prend 2 à 4 jours ouvrés."
                } }
            }),
        )
        .await;
    assert_eq!(created.status(), 201, "{:?}", created.text().await);

    scene.visit("/").await;
    scene.browser.widget_ready().await;
    // The launcher is named in French from the start: the catalogue came before the UI.
    let first = words(&scene).await;
    assert_eq!(first["launcher"], "Ouvrir le chat", "{first}");
    scene.browser.open_chat().await;
    let shown = words(&scene).await;
    assert_eq!(
        (
            &shown["title"],
            &shown["placeholder"],
            &shown["lang"],
            &shown["dir"]
        ),
        (
            &json!("Discutons"),
            &json!("Écrivez un message…"),
            &json!("fr"),
            &json!("ltr")
        ),
        "{shown}"
    );

    scene.browser.say("Quel est le délai de livraison ?").await;
    let answer = scene.browser.message("bot", "La livraison prend").await;
    assert_eq!(answer["text"], "La livraison prend 2 à 4 jours ouvrés.");
    let label = scene
        .browser
        .wait_for(
            "the bot's label",
            "const a = $$('[data-kind=bot] [data-role=author]'); return a.length && a[0].textContent;",
        )
        .await;
    assert!(label.as_str().unwrap_or("").ends_with("· Bot"), "{label}");

    // For the eyes: the French widget on a phone.
    scene.browser.phone().await;
    scene.browser.screenshot("languages-french-phone").await;
    scene.finish().await;
}

#[tokio::test]
async fn a_browser_language_the_site_does_not_speak_gets_the_sites_first_language() {
    // The browser asks for French, then English (see `Browser::start_in`); the site speaks
    // neither.
    let scene = Scene::new_in(1280, Some("fr")).await;
    site_speaks(&scene, &["de", "it"]).await;
    scene.visit("/").await;
    scene.browser.open_chat().await;
    let shown = scene
        .browser
        .wait_for(
            "the German title",
            "const t = $('#title').textContent; return t === 'Schreiben Sie uns' && t;",
        )
        .await;
    assert_eq!(shown, "Schreiben Sie uns");
    scene.finish().await;
}

#[tokio::test]
async fn the_shop_sets_the_language_and_right_to_left_mirrors_the_widget() {
    let scene = Scene::new(1280).await;
    // The shop's call comes before the widget loads (queued by the snippet's stub).
    let body = "<p>Welcome.</p><script>window.shopchat = window.shopchat || function () \
                { (shopchat.q = shopchat.q || []).push(arguments) }; shopchat('language', 'ar');</script>";
    scene.shop.page("/rtl", shop_page(&scene.chat, "", body));
    scene.visit("/rtl").await;
    scene.browser.open_chat().await;
    let arabic = words(&scene).await;
    assert_eq!(
        (&arabic["title"], &arabic["lang"], &arabic["dir"]),
        (&json!("تحدث معنا"), &json!("ar"), &json!("rtl")),
        "{arabic}"
    );
    assert!(
        arabic["launcherLeft"].as_f64().unwrap() < 200.0,
        "right to left: the launcher sits on the left: {arabic}"
    );
    scene.browser.screenshot("languages-arabic").await;

    // And after the start: German at once, left to right again.
    scene.browser.js("window.shopchat('language', 'de');").await;
    scene
        .browser
        .wait_for(
            "the German title",
            "return $('#title').textContent === 'Schreiben Sie uns' && $('.widget').dir === 'ltr';",
        )
        .await;
    let german = words(&scene).await;
    assert!(
        german["launcherLeft"].as_f64().unwrap() > 1000.0,
        "left to right: the launcher is back on the right: {german}"
    );
    scene.finish().await;
}

#[tokio::test]
async fn an_owner_writes_an_articles_french_version_in_the_dashboard() {
    use crate::dashboard::log_in;
    use crate::support::{Browser, chat_server};
    let chat = chat_server(&["https://shop.example".to_owned()]).await;
    let token = chat.owner_token().await;
    let browser = Browser::start(1280).await;
    log_in(&browser, &chat).await;
    browser.click("[data-nav=knowledge]").await;
    let form = "form[data-role=article-form]";
    browser
        .wait_for(
            "the article form",
            &format!("return !!document.querySelector('{form}');"),
        )
        .await;
    browser
        .type_into(
            &format!("{form} input[name=question]"),
            "How long does shipping take?",
        )
        .await;
    browser
        .type_into(
            &format!("{form} textarea[name=answer]"),
            "Two to four days.",
        )
        .await;
    browser
        .click(&format!("{form} [data-role=add-version]"))
        .await;
    let version = format!("{form} [data-role=version]");
    browser
        .type_into(&format!("{version} [data-field=code]"), "fr")
        .await;
    browser
        .type_into(
            &format!("{version} [data-field=question]"),
            "Délai de livraison ?",
        )
        .await;
    browser
        .type_into(
            &format!("{version} [data-field=answer]"),
            "Deux à quatre jours.",
        )
        .await;
    browser.click(&format!("{form} button[type=submit]")).await;
    browser
        .wait_for(
            "the article in the list",
            "return document.querySelectorAll('[data-role=article-form-list] [data-item-id]').length === 1;",
        )
        .await;
    let articles = chat.get_json(&chat.site_path("/articles"), &token).await;
    assert_eq!(
        articles["articles"][0]["translations"],
        json!({ "fr": { "question": "Délai de livraison ?", "answer": "Deux à quatre jours." } }),
        "{articles}"
    );

    // Editing shows the version again.
    browser
        .click("[data-role=article-form-list] [data-role=edit]")
        .await;
    let shown = browser
        .wait_for(
            "the French version in the form",
            &format!("const c = document.querySelector('{version} [data-field=code]'); return c && c.value;"),
        )
        .await;
    assert_eq!(shown, "fr");
    browser.screenshot("languages-article-versions").await;
    browser.close().await;
    chat.stop().await;
}

#[tokio::test]
async fn an_owner_keeps_and_edits_a_rule_messages_versions_in_the_dashboard() {
    use crate::dashboard::log_in;
    use crate::support::{Browser, chat_server};
    let chat = chat_server(&["https://shop.example".to_owned()]).await;
    let token = chat.owner_token().await;
    let rule = chat
        .create_rule(
            &token,
            json!({
                "name": "Greet",
                "when": "page_view",
                "conditions": { "fact": "page.type", "op": "eq", "value": "product" },
                "actions": [{ "type": "message", "text": "Need help?",
                              "translations": { "fr": "Besoin d'aide ?" } }],
                "frequency": { "once_per": "visitor" }
            }),
        )
        .await;
    let browser = Browser::start(1280).await;
    log_in(&browser, &chat).await;
    browser.click("[data-nav=rules]").await;
    let edit = format!("[data-role=rule-list] [data-rule-id={rule}] [data-role=edit]");
    browser
        .wait_for(
            "the rule in the list",
            &format!("return !!document.querySelector('{edit}');"),
        )
        .await;
    browser.click(&edit).await;
    let versions = "form[data-role=rule-form] [data-role=action] textarea[name=translations]";
    let shown = browser
        .wait_for(
            "the message's versions in the form",
            &format!("const t = document.querySelector(\"{versions}\"); return t && t.value;"),
        )
        .await;
    assert_eq!(shown, "fr: Besoin d'aide ?");
    // A German version added on a new line; saved with the French one kept.
    browser
        .type_into(versions, "\nde: Brauchen Sie Hilfe?")
        .await;
    browser
        .click("form[data-role=rule-form] button[type=submit]")
        .await;
    let path = chat.site_path(&format!("/rules/{rule}"));
    let until = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let saved = chat.get_json(&path, &token).await;
        let translations = &saved["actions"][0]["translations"];
        if translations["de"] == "Brauchen Sie Hilfe?" {
            assert_eq!(translations["fr"], "Besoin d'aide ?", "{saved}");
            break;
        }
        assert!(tokio::time::Instant::now() < until, "not saved: {saved}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    browser.close().await;
    chat.stop().await;
}
