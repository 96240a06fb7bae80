use super::table::{EN, TABLE};
use super::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Every line of one language, by name. Destructured without `..`, so a line added to
/// [`Phrases`] and not here does not compile, and every check below covers it.
fn lines(p: &Phrases) -> Vec<(&'static str, &'static str)> {
    let Phrases {
        bot_miss,
        asked_for_person,
        bot_gives_up,
        person_soon,
        connecting,
        order_review,
        joined,
        transferred,
        requeued_offline,
        requeued_passed,
        closed_by_agent,
        closed_by_shopper,
        closed_inactive,
        reopened,
        rated,
        rated_with_comment,
        contact_thanks,
    } = *p;
    vec![
        ("bot_miss", bot_miss),
        ("asked_for_person", asked_for_person),
        ("bot_gives_up", bot_gives_up),
        ("person_soon", person_soon),
        ("connecting", connecting),
        ("order_review", order_review),
        ("joined", joined),
        ("transferred", transferred),
        ("requeued_offline", requeued_offline),
        ("requeued_passed", requeued_passed),
        ("closed_by_agent", closed_by_agent),
        ("closed_by_shopper", closed_by_shopper),
        ("closed_inactive", closed_inactive),
        ("reopened", reopened),
        ("rated", rated),
        ("rated_with_comment", rated_with_comment),
        ("contact_thanks", contact_thanks),
    ]
}

/// The `{name}`s a template uses.
fn placeholders(template: &str) -> BTreeSet<&str> {
    template
        .split('{')
        .skip(1)
        .filter_map(|part| part.split_once('}').map(|(name, _)| name))
        .collect()
}

/// Each widget catalogue's language code with its `talkToPerson` label.
fn widget_buttons() -> BTreeMap<String, String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("widget/lang");
    let mut buttons = BTreeMap::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let code = path.file_stem().unwrap().to_str().unwrap().to_owned();
        let catalogue: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let label = catalogue["talkToPerson"]
            .as_str()
            .unwrap_or_else(|| panic!("{code}.json has no talkToPerson"))
            .to_owned();
        buttons.insert(code, label);
    }
    buttons
}

#[test]
fn every_widget_language_has_phrases_whose_miss_line_names_its_button() {
    let buttons = widget_buttons();
    assert!(buttons.len() >= 11, "catalogues found: {buttons:?}");
    let table: BTreeSet<&str> = TABLE.iter().map(|(code, _)| *code).collect();
    let widget: BTreeSet<&str> = buttons.keys().map(String::as_str).collect();
    assert_eq!(
        table, widget,
        "the phrase table and widget/lang/ must list the same languages"
    );
    for (code, label) in &buttons {
        let miss = Line::BotMiss.text(Some(code));
        assert!(
            miss.contains(label.as_str()),
            "{code}: the miss line must name the button \"{label}\": {miss}"
        );
    }
}

#[test]
fn every_language_has_every_line_in_its_own_words_with_the_same_placeholders() {
    let english = lines(&EN);
    assert_eq!(TABLE.iter().filter(|(c, _)| *c == "en").count(), 1);
    for (code, phrases) in TABLE {
        assert_eq!(
            TABLE.iter().filter(|(c, _)| c == code).count(),
            1,
            "{code} is listed twice"
        );
        for ((name, text), (_, in_english)) in lines(phrases).into_iter().zip(&english) {
            assert!(!text.trim().is_empty(), "{code}.{name} is empty");
            assert_eq!(
                placeholders(text),
                placeholders(in_english),
                "{code}.{name} must keep the English placeholders: {text}"
            );
            if *code != "en" {
                assert_ne!(text, *in_english, "{code}.{name} is still English");
            }
        }
    }
}

#[test]
fn a_shopper_reads_their_language_by_primary_subtag_and_english_otherwise() {
    let joined = Line::Joined { agent: "Ann" };
    assert_eq!(joined.text(Some("fr")), "Ann a rejoint la conversation.");
    assert_eq!(joined.text(Some("fr-CA")), "Ann a rejoint la conversation.");
    assert_eq!(joined.text(Some("DE")), "Ann ist dem Gespräch beigetreten.");
    for unknown in [None, Some("ja"), Some(""), Some("not a tag")] {
        assert_eq!(
            joined.text(unknown),
            "Ann joined the conversation.",
            "{unknown:?}"
        );
    }
    assert!(
        Line::BotMiss
            .text(None)
            .starts_with("I'm not sure about that one.")
    );
}

#[test]
fn values_fill_their_places_once_and_are_never_read_as_templates() {
    let moved = Line::Transferred {
        from: "{to}",
        to: "Bo",
    };
    assert_eq!(moved.text(None), "{to} handed the conversation to Bo.");
    assert_eq!(
        moved.text(Some("pl")),
        "{to} przekazuje rozmowę; teraz prowadzi ją Bo."
    );
    let rated = Line::Rated {
        score: 4,
        stars: "★★★★☆",
        comment: Some("{score} great"),
    };
    assert_eq!(
        rated.text(None),
        "The shopper rated this chat 4/5 ★★★★☆: “{score} great”"
    );
    assert_eq!(
        rated.text(Some("fr")),
        "Le client a noté cette conversation 4/5 ★★★★☆ : « {score} great »"
    );
    let plain = Line::Rated {
        score: 2,
        stars: "★★☆☆☆",
        comment: None,
    };
    assert_eq!(plain.text(None), "The shopper rated this chat 2/5 ★★☆☆☆");
    assert_eq!(fill("a {b} {c", &[("b", "B")]), "a B {c");
    assert_eq!(fill("{x}{x}", &[("x", "1")]), "11");
}

#[test]
fn each_line_picks_its_own_template() {
    let agent = "Ann";
    let cases = [
        (
            Line::AskedForPerson,
            "You asked for a person; connecting you now.",
        ),
        (Line::BotGivesUp, "Let me get a person to help with that."),
        (
            Line::PersonSoon,
            "A person from our team will be with you shortly.",
        ),
        (Line::Connecting, "Connecting you with a person."),
        (
            Line::OrderReview,
            "A person from our team will look at your order.",
        ),
        (
            Line::Requeued {
                agent,
                offline: true,
            },
            "Ann is no longer available; waiting for another person.",
        ),
        (
            Line::Requeued {
                agent,
                offline: false,
            },
            "Ann passed the conversation on; waiting for another person.",
        ),
        (
            Line::ClosedByAgent { agent },
            "Ann closed the conversation.",
        ),
        (Line::ClosedByShopper, "You closed the conversation."),
        (
            Line::ClosedInactive,
            "The conversation was closed after a period of inactivity.",
        ),
        (Line::Reopened, "The conversation was reopened."),
        (
            Line::ContactThanks {
                email: "eva@example.com",
            },
            "Thanks! We will reply to eva@example.com as soon as someone is back.",
        ),
    ];
    for (line, english) in cases {
        assert_eq!(line.text(Some("en")), english);
    }
    assert_eq!(
        Line::Requeued {
            agent,
            offline: false
        }
        .text(Some("sv")),
        "Ann lämnade över samtalet; väntar på en annan person."
    );
}
