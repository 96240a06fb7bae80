//! What a shopper's words ask about an order, so a conversation gets a `wismo` / `return` /
//! `cancel` tag for the team's reports and routing, and the bot knows when to look orders up.
//! Phrase lists in English and German (the widget's languages); a word inside another word
//! ("returning customer", "cancellation policy" questions are pre-sale) is not enough on its
//! own — a request is recognised by a phrase, not by a product word.

use aho_corasick::AhoCorasick;
use serde::Serialize;

/// An order question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Intent {
    /// "Where is my order?"
    Wismo,
    /// The shopper wants to send something back.
    Return,
    /// The shopper wants to cancel an order.
    Cancel,
}

impl Intent {
    /// The tag put on the conversation.
    pub fn tag(self) -> &'static str {
        match self {
            Intent::Wismo => "wismo",
            Intent::Return => "return",
            Intent::Cancel => "cancel",
        }
    }

    /// Its name among the intents a site may send to a team (`ROUTABLE_INTENTS`), the same
    /// the model's triage gives.
    pub fn name(self) -> &'static str {
        match self {
            Intent::Wismo => "where_is_my_order",
            Intent::Return => "return",
            Intent::Cancel => "cancel",
        }
    }
}

const WISMO: &[&str] = &[
    "where is my order",
    "where's my order",
    "wheres my order",
    "where is my package",
    "where is my parcel",
    "where is my delivery",
    "where is my stuff",
    "order status",
    "status of my order",
    "track my order",
    "tracking number",
    "tracking link",
    "track my package",
    "track my parcel",
    "has my order shipped",
    "has my order been shipped",
    "when will my order",
    "when will i get my order",
    "when does my order arrive",
    "when will it arrive",
    "my order hasn't arrived",
    "my order has not arrived",
    "order hasn't arrived",
    "order has not arrived",
    "not received my order",
    "haven't received my order",
    "didn't receive my order",
    "still waiting for my order",
    "wo ist meine bestellung",
    "wo bleibt meine bestellung",
    "wo ist mein paket",
    "sendungsverfolgung",
    "sendungsnummer",
    "bestellstatus",
    "status meiner bestellung",
    "wann kommt meine bestellung",
    "bestellung nicht angekommen",
];

const RETURN: &[&str] = &[
    "return my order",
    "return an item",
    "return the item",
    "return this",
    "return it",
    "want to return",
    "like to return",
    "how do i return",
    "how can i return",
    "send it back",
    "send back",
    "exchange it",
    "want a refund",
    "get a refund",
    "refund my",
    "arrived damaged",
    "wrong item",
    "wrong size",
    "zurücksenden",
    "zurückschicken",
    "retoure",
    "rücksendung",
    "umtauschen",
    "geld zurück",
];

const CANCEL: &[&str] = &[
    "cancel my order",
    "cancel the order",
    "cancel order",
    "cancel an order",
    "cancel it",
    "want to cancel",
    "like to cancel",
    "stornieren",
    "bestellung stornieren",
    "storno",
];

/// The order question in a shopper's message, if it asks one. Cancel wins over return and
/// return over "where is it", because "my order hasn't arrived, cancel it" is a cancellation.
pub fn detect(text: &str) -> Option<Intent> {
    let t = normalise(text);
    let found = match &*PHRASES {
        Some(phrases) => phrases.intents_in(&t),
        None => Found::by_scanning(&t),
    };
    found.strongest()
}

/// The intents a message's phrases ask for.
#[derive(Default)]
struct Found {
    cancel: bool,
    ret: bool,
    wismo: bool,
}

impl Found {
    fn mark(&mut self, intent: Intent) {
        match intent {
            Intent::Cancel => self.cancel = true,
            Intent::Return => self.ret = true,
            Intent::Wismo => self.wismo = true,
        }
    }

    fn strongest(&self) -> Option<Intent> {
        if self.cancel {
            Some(Intent::Cancel)
        } else if self.ret {
            Some(Intent::Return)
        } else if self.wismo {
            Some(Intent::Wismo)
        } else {
            None
        }
    }

    /// One search per phrase: what the automaton replaces (a per-phrase searcher set up for
    /// each of ~70 phrases on every message was 3 % of a message burst's CPU). Kept for the
    /// case where the automaton could not be built.
    fn by_scanning(normalised: &str) -> Found {
        let mut found = Found::default();
        for (list, intent) in LISTS {
            if list.iter().any(|p| contains_phrase(normalised, p)) {
                found.mark(intent);
            }
        }
        found
    }
}

const LISTS: [(&[&str], Intent); 3] = [
    (CANCEL, Intent::Cancel),
    (RETURN, Intent::Return),
    (WISMO, Intent::Wismo),
];

/// Every phrase as ` phrase ` in one automaton: a normalised message starts and ends with a
/// space and has single spaces between words, so a whole-word match is a match of the phrase
/// with its spaces. Built once; `None` only if aho-corasick refused the set (it has no reason
/// to with these few short patterns), and then [`Found::by_scanning`] answers the same.
static PHRASES: std::sync::LazyLock<Option<Phrases>> = std::sync::LazyLock::new(Phrases::build);

struct Phrases {
    automaton: AhoCorasick,
    intents: Vec<Intent>,
}

impl Phrases {
    fn build() -> Option<Phrases> {
        let (patterns, intents): (Vec<String>, Vec<Intent>) = LISTS
            .iter()
            .flat_map(|(list, intent)| list.iter().map(move |p| (format!(" {p} "), *intent)))
            .unzip();
        let automaton = AhoCorasick::new(&patterns).ok()?;
        Some(Phrases { automaton, intents })
    }

    /// Overlapping matches: phrases share their spaces ("… my order cancel it …").
    fn intents_in(&self, normalised: &str) -> Found {
        let mut found = Found::default();
        for m in self.automaton.find_overlapping_iter(normalised) {
            if let Some(intent) = self.intents.get(m.pattern().as_usize()) {
                found.mark(*intent);
            }
        }
        found
    }
}

/// Lower case, typographic apostrophes as `'`, runs of spaces and punctuation as one space.
fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push(' ');
    let mut space = true;
    for c in text.chars().flat_map(char::to_lowercase) {
        let c = if c == '’' { '\'' } else { c };
        if c.is_alphanumeric() || c == '\'' {
            out.push(c);
            space = false;
        } else if !space {
            out.push(' ');
            space = true;
        }
    }
    if !space {
        out.push(' ');
    }
    out
}

/// The phrase as whole words. `normalised` starts and ends with a space and has single spaces
/// between words, so a whole-word match is a match with a space on each side. Runs for every
/// shopper message, so it allocates nothing.
fn contains_phrase(normalised: &str, phrase: &str) -> bool {
    normalised.match_indices(phrase).any(|(at, _)| {
        normalised[..at].ends_with(' ') && normalised[at + phrase.len()..].starts_with(' ')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_questions_are_recognised_in_english_and_german() {
        assert_eq!(detect("Hi! Where is my order??"), Some(Intent::Wismo));
        assert_eq!(detect("where’s my order #1001"), Some(Intent::Wismo));
        assert_eq!(detect("Wo ist meine Bestellung?"), Some(Intent::Wismo));
        assert_eq!(
            detect("I'd like to return the jacket, wrong size"),
            Some(Intent::Return)
        );
        assert_eq!(detect("please CANCEL my order"), Some(Intent::Cancel));
        assert_eq!(
            detect("it hasn't arrived, I want to cancel"),
            Some(Intent::Cancel)
        );
        assert_eq!(detect("Bestellung stornieren bitte"), Some(Intent::Cancel));
    }

    #[test]
    fn product_words_and_pre_sale_questions_are_not_order_questions() {
        assert_eq!(detect("do you have the trail shoe in 44?"), None);
        assert_eq!(detect("what is your returns policy"), None);
        assert_eq!(detect("is there an order tracker app"), None);
        assert_eq!(detect("returning customer discount?"), None);
    }

    #[test]
    fn the_automaton_and_the_phrase_by_phrase_scan_agree() {
        let phrases = Phrases::build().expect("the phrase set builds");
        for text in [
            "Hi! Where is my order??",
            "my order hasn't arrived, cancel it",
            "I'd like to return the jacket, wrong size",
            "send back or exchange it?",
            "what is your returns policy",
            "cancel",
            "storno bitte, und wo ist mein paket",
            "",
        ] {
            let t = normalise(text);
            assert_eq!(
                phrases.intents_in(&t).strongest(),
                Found::by_scanning(&t).strongest(),
                "{text}"
            );
        }
    }
}
