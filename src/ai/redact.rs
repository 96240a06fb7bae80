//! What is taken out of text before it leaves for a model provider: email addresses, card
//! numbers (13–19 digits that pass the Luhn check) and phone numbers (9 or more digits,
//! optionally with `+`, spaces, dashes, dots or brackets). Order numbers the data holds are
//! kept, since a draft about an order must be able to name it.

use regex::Regex;
use std::sync::LazyLock;

// These patterns are literals checked by the tests below: `Regex::new` cannot fail on them.
#[allow(clippy::expect_used)]
static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}").expect("valid pattern")
});
#[allow(clippy::expect_used)]
static DIGITS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\+?\d[\d \-.()]{7,}\d").expect("valid pattern"));

/// `text` with emails, card and phone numbers replaced by `[email]`, `[card]`, `[phone]`,
/// except the numbers in `keep` (the order numbers the draft may name).
pub fn redact(text: &str, keep: &[String]) -> String {
    let text = EMAIL.replace_all(text, "[email]");
    DIGITS
        .replace_all(&text, |found: &regex::Captures<'_>| {
            let run = &found[0];
            let digits: String = run.chars().filter(char::is_ascii_digit).collect();
            if keep.iter().any(|k| k.trim_start_matches('#') == digits) {
                run.to_owned()
            } else if (13..=19).contains(&digits.len()) && luhn(&digits) {
                "[card]".to_owned()
            } else if digits.len() >= 9 {
                "[phone]".to_owned()
            } else {
                run.to_owned()
            }
        })
        .into_owned()
}

/// `text` with the same runs [`redact`] takes out replaced by numbered placeholders `[[1]]`,
/// `[[2]]`, …, and the runs in order: for text that must come back whole (a translation),
/// where [`unmask`] puts them back after the model has seen only the placeholders.
pub fn mask(text: &str, keep: &[String]) -> (String, Vec<String>) {
    let mut taken = Vec::new();
    let mut take = |run: &str| {
        taken.push(run.to_owned());
        format!("[[{}]]", taken.len())
    };
    let text = EMAIL.replace_all(text, |found: &regex::Captures<'_>| take(&found[0]));
    let text = DIGITS
        .replace_all(&text, |found: &regex::Captures<'_>| {
            let run = &found[0];
            let digits: String = run.chars().filter(char::is_ascii_digit).collect();
            if keep.iter().any(|k| k.trim_start_matches('#') == digits) || digits.len() < 9 {
                run.to_owned()
            } else {
                take(run)
            }
        })
        .into_owned();
    (text, taken)
}

/// `text` with the placeholders of [`mask`] replaced by the runs they stand for; `None` when
/// one of them is missing (the text would have lost an address or number).
pub fn unmask(text: &str, taken: &[String]) -> Option<String> {
    let mut out = text.to_owned();
    for (i, run) in taken.iter().enumerate() {
        let placeholder = format!("[[{}]]", i + 1);
        if !out.contains(&placeholder) {
            return None;
        }
        out = out.replace(&placeholder, run);
    }
    Some(out)
}

/// The Luhn check card numbers pass.
fn luhn(digits: &str) -> bool {
    let mut sum = 0;
    for (i, c) in digits.chars().rev().enumerate() {
        let mut d = c.to_digit(10).unwrap_or(0);
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    sum % 10 == 0
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn emails_cards_and_phones_go_and_known_orders_and_small_numbers_stay() {
        let text = "Mail ann.lee@example.com, card 4111 1111 1111 1111, call +49 170 1234567, \
                    order 100234567 arrives in 3 to 5 days, size 42";
        let out = redact(text, &["100234567".to_owned()]);
        assert_eq!(
            out,
            "Mail [email], card [card], call [phone], order 100234567 arrives in 3 to 5 days, size 42"
        );
        // Not a card (fails Luhn): a long number is still not sent as it is.
        assert_eq!(redact("ref 4111111111111112", &[]), "ref [phone]");
    }

    #[test]
    fn masked_runs_come_back_whole_or_not_at_all() {
        use super::{mask, unmask};
        let (masked, taken) = mask(
            "Mail ann@example.com or call +49 170 1234567, order 123456789",
            &["123456789".into()],
        );
        assert_eq!(masked, "Mail [[1]] or call [[2]], order 123456789");
        assert_eq!(
            unmask("Schreiben Sie an [[1]] oder rufen Sie [[2]] an", &taken).as_deref(),
            Some("Schreiben Sie an ann@example.com oder rufen Sie +49 170 1234567 an")
        );
        assert_eq!(unmask("Schreiben Sie an [[1]]", &taken), None);
    }
}
