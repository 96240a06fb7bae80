//! What a shopper's words ask about an order, so a conversation gets a `wismo` / `return` /
//! `cancel` tag for the team's reports and routing, and the bot knows when to look orders up.
//! Phrase lists in English and German (the widget's languages); a word inside another word
//! ("returning customer", "cancellation policy" questions are pre-sale) is not enough on its
//! own — a request is recognised by a phrase, not by a product word.

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
    let has = |list: &[&str]| list.iter().any(|p| contains_phrase(&t, p));
    if has(CANCEL) {
        Some(Intent::Cancel)
    } else if has(RETURN) {
        Some(Intent::Return)
    } else if has(WISMO) {
        Some(Intent::Wismo)
    } else {
        None
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
}
