//! Languages as shopchat keys them: the primary subtag of a browser's or shop's language tag
//! (`fr-CA` → `fr`), and which one a shopper is served in. The widget's catalogues, the
//! articles' versions and the bot's choice all use these codes, so a French-Canadian browser
//! meets a shop's French articles.

/// Most languages a `hello` may list (a browser sends a handful).
pub const MAX_BROWSER_LANGUAGES: usize = 16;

/// The language code of a tag: its primary subtag, lower-cased, when that is 2 or 3 ASCII
/// letters (`de-DE` → `de`, `PT_br` → `pt`); `None` for anything else.
pub fn language_code(tag: &str) -> Option<String> {
    let primary = tag.trim().split(['-', '_']).next().unwrap_or("");
    ((2..=3).contains(&primary.len()) && primary.bytes().all(|b| b.is_ascii_alphabetic()))
        .then(|| primary.to_ascii_lowercase())
}

/// The language a shopper is served in: the shop's own choice for its page (`wanted`, from
/// `shopchat('language', …)`), else the first of the browser's languages (best first) that
/// the site enables, else the site's first language, else English.
pub fn shopper_language(wanted: Option<&str>, browser: &[String], site: &[String]) -> String {
    if let Some(code) = wanted.and_then(language_code) {
        return code;
    }
    let enabled: Vec<String> = site.iter().filter_map(|t| language_code(t)).collect();
    browser
        .iter()
        .take(MAX_BROWSER_LANGUAGES)
        .filter_map(|t| language_code(t))
        .find(|code| enabled.contains(code))
        .or_else(|| enabled.into_iter().next())
        .unwrap_or_else(|| "en".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(list: &[&str]) -> Vec<String> {
        list.iter().map(|t| (*t).to_owned()).collect()
    }

    #[test]
    fn codes_are_primary_subtags() {
        assert_eq!(language_code("fr-CA").as_deref(), Some("fr"));
        assert_eq!(language_code("PT_br").as_deref(), Some("pt"));
        assert_eq!(language_code("gsw").as_deref(), Some("gsw"));
        assert_eq!(language_code(""), None);
        assert_eq!(language_code("x"), None);
        assert_eq!(language_code("../en"), None);
        assert_eq!(language_code("english"), None);
    }

    #[test]
    fn the_browsers_first_enabled_language_wins() {
        let site = tags(&["en", "de-DE", "fr"]);
        assert_eq!(shopper_language(None, &tags(&["fr-FR", "en"]), &site), "fr");
        assert_eq!(shopper_language(None, &tags(&["es", "de"]), &site), "de");
    }

    #[test]
    fn a_browser_the_site_does_not_speak_gets_the_sites_first_language() {
        let site = tags(&["de", "en"]);
        assert_eq!(shopper_language(None, &tags(&["ja", "ko"]), &site), "de");
        assert_eq!(shopper_language(None, &[], &site), "de");
        assert_eq!(shopper_language(None, &[], &[]), "en");
    }

    #[test]
    fn the_shops_choice_overrides_the_browser() {
        let site = tags(&["en", "fr"]);
        assert_eq!(shopper_language(Some("it"), &tags(&["fr"]), &site), "it");
        assert_eq!(
            shopper_language(Some("not a tag"), &tags(&["fr"]), &site),
            "fr"
        );
    }
}
