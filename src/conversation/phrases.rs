//! The lines the server itself writes to a shopper, in the shopper's language: the bot's "I'm
//! not sure" line, the transcript's notices (handed to a person, an agent joined, transferred,
//! back in the queue, closed, reopened), the rating line and the thanks for an email address.
//! Articles, canned replies, rule messages and the greeting have versions the shop writes;
//! these lines are shopchat's own, so their versions live here, one table for all of them
//! (`phrases/table.rs`). A language not in the table, or none, reads English.
//!
//! **Adding a language** (one the widget has a catalogue for in `widget/lang/`): copy `EN` in
//! `phrases/table.rs` to a new `const XX: Phrases`, translate every line (keep each
//! `{placeholder}`, move it where the language wants it) and add `("xx", &XX)` to `TABLE`.
//! The compiler names any line left out; `cargo test --lib phrases` checks that every widget
//! language has an entry, that no line is left in English or loses a placeholder, and that
//! the bot's miss line names the "Talk to a person" button exactly as the widget's catalogue
//! labels it (`talkToPerson`).

mod table;

use crate::domain::language_code;

/// One language's version of every line. Each field is a template: `{name}` is replaced by
/// the value of that name (see [`Line`] for which line has which), everything else is text.
/// Private: callers ask for a [`Line`], so a misspelt placeholder cannot reach them.
#[derive(Debug)]
struct Phrases {
    /// The bot found nothing good enough; it names the widget's "Talk to a person" button.
    bot_miss: &'static str,
    /// Handed to people because the shopper asked.
    asked_for_person: &'static str,
    /// Handed to people because the bot missed too often.
    bot_gives_up: &'static str,
    /// Handed to people by a trigger rule.
    person_soon: &'static str,
    /// Handed to people by the external bot (asked, failed or timed out).
    connecting: &'static str,
    /// Handed to people because an order needs one.
    order_review: &'static str,
    /// `{agent}` took the chat.
    joined: &'static str,
    /// `{from}` handed the chat to `{to}`.
    transferred: &'static str,
    /// `{agent}` went offline; the chat waits in the queue.
    requeued_offline: &'static str,
    /// `{agent}` put the chat back in the queue.
    requeued_passed: &'static str,
    /// `{agent}` closed the chat.
    closed_by_agent: &'static str,
    /// The shopper closed the chat.
    closed_by_shopper: &'static str,
    /// Closed after inactivity.
    closed_inactive: &'static str,
    /// The shopper wrote to a closed chat.
    reopened: &'static str,
    /// The shopper's rating: `{score}` (1–5) and `{stars}` (★★★★☆).
    rated: &'static str,
    /// The same with the shopper's `{comment}`.
    rated_with_comment: &'static str,
    /// The shopper left an address while nobody was online: `{email}`.
    contact_thanks: &'static str,
}

/// A line the server writes to a shopper, with the values it names. Its text comes from
/// [`Line::text`] in the shopper's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Line<'a> {
    /// The bot has no answer good enough; it offers the "Talk to a person" button.
    BotMiss,
    /// Handed to people: the shopper asked for a person.
    AskedForPerson,
    /// Handed to people: the bot missed too many times in a row.
    BotGivesUp,
    /// Handed to people: a trigger rule routed the chat.
    PersonSoon,
    /// Handed to people: the external bot asked for it, failed or timed out.
    Connecting,
    /// Handed to people: an order needs a person.
    OrderReview,
    /// An agent took the chat.
    Joined {
        /// The agent's name.
        agent: &'a str,
    },
    /// One agent handed the chat to another.
    Transferred {
        /// Who handed it on.
        from: &'a str,
        /// Who has it now.
        to: &'a str,
    },
    /// Back in the queue from an agent.
    Requeued {
        /// The agent's name.
        agent: &'a str,
        /// Because the agent went offline (not by choice).
        offline: bool,
    },
    /// An agent closed the chat.
    ClosedByAgent {
        /// The agent's name.
        agent: &'a str,
    },
    /// The shopper closed the chat.
    ClosedByShopper,
    /// The chat closed after a period of inactivity.
    ClosedInactive,
    /// The shopper wrote to a closed chat and reopened it.
    Reopened,
    /// The shopper rated the chat.
    Rated {
        /// 1 to 5.
        score: u8,
        /// The score as five stars (★★★★☆).
        stars: &'a str,
        /// What the shopper added, if anything.
        comment: Option<&'a str>,
    },
    /// Thanks for the address a shopper left while nobody was online.
    ContactThanks {
        /// The address.
        email: &'a str,
    },
}

impl Line<'_> {
    /// The line in `language` (a language code or tag: `fr`, `fr-CA`), English for an
    /// unknown language or none.
    pub fn text(&self, language: Option<&str>) -> String {
        let p = phrases(language);
        match *self {
            Line::BotMiss => p.bot_miss.to_owned(),
            Line::AskedForPerson => p.asked_for_person.to_owned(),
            Line::BotGivesUp => p.bot_gives_up.to_owned(),
            Line::PersonSoon => p.person_soon.to_owned(),
            Line::Connecting => p.connecting.to_owned(),
            Line::OrderReview => p.order_review.to_owned(),
            Line::Joined { agent } => fill(p.joined, &[("agent", agent)]),
            Line::Transferred { from, to } => fill(p.transferred, &[("from", from), ("to", to)]),
            Line::Requeued {
                agent,
                offline: true,
            } => fill(p.requeued_offline, &[("agent", agent)]),
            Line::Requeued {
                agent,
                offline: false,
            } => fill(p.requeued_passed, &[("agent", agent)]),
            Line::ClosedByAgent { agent } => fill(p.closed_by_agent, &[("agent", agent)]),
            Line::ClosedByShopper => p.closed_by_shopper.to_owned(),
            Line::ClosedInactive => p.closed_inactive.to_owned(),
            Line::Reopened => p.reopened.to_owned(),
            Line::Rated {
                score,
                stars,
                comment,
            } => {
                let score = score.to_string();
                let mut values = vec![("score", score.as_str()), ("stars", stars)];
                match comment {
                    Some(comment) => {
                        values.push(("comment", comment));
                        fill(p.rated_with_comment, &values)
                    }
                    None => fill(p.rated, &values),
                }
            }
            Line::ContactThanks { email } => fill(p.contact_thanks, &[("email", email)]),
        }
    }
}

/// The table's entry for a language, compared by primary subtag (`fr-CA` reads `fr`);
/// English when there is none.
fn phrases(language: Option<&str>) -> &'static Phrases {
    language
        .and_then(language_code)
        .and_then(|code| {
            table::TABLE
                .iter()
                .find(|(c, _)| *c == code)
                .map(|(_, p)| *p)
        })
        .unwrap_or(&table::EN)
}

/// The template with each `{name}` replaced by its value, in one pass: a value is never read
/// as a template, so an agent called `{to}` stays `{to}`. A brace that names no value is text.
fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let named = after.find('}').and_then(|close| {
            let name = &after[..close];
            values
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, value)| (*value, close))
        });
        match named {
            Some((value, close)) => {
                out.push_str(value);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests;
