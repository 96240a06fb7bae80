//! Suggested replies for an agent: the site's canned replies and knowledge-base articles
//! ranked against the shopper's last message, with the same BM25 ranking the bot uses
//! ([`crate::library::kb`]: stemming and stop words in the site's language). Pure: the caller
//! loads the replies and articles and renders the winners.
//!
//! A canned reply is indexed as its shortcut, title and body; an article as its question
//! twice and its answer, as the bot indexes it. Scores are normalised the way
//! [`crate::library::kb`] documents (divided by the IDF of a word found in one document), so they
//! read alike whatever the library's size. Every item sharing a word with the message is a
//! candidate: an agent picks one or none, so unlike the bot there is no threshold.
//!
//! The shopper's latest order moves canned replies up ([`OrderFocus`]): a shopper whose
//! parcel is in transit asking "where is it?" wants the reply with the tracking link, one
//! whose order was cancelled the one about the refund. Words alone cannot know that ("where
//! is it" is all stop words), the shop's records can.

use super::{Article, CannedReply};
use crate::domain::{ArticleId, CannedId};
use bm25::{Language, SearchEngineBuilder};

/// Most suggestions returned.
pub const MAX_SUGGESTIONS: usize = 5;
/// Longest message text ranked; longer text is cut, which keeps ranking cheap on abuse.
const MAX_QUERY_CHARS: usize = 1000;
/// Added to a reply that fits the order's state when the message asks about an order: more
/// than one exactly matching word is worth (1.0 after normalisation), so the fitting reply
/// leads unless another one matches the words clearly better.
const ORDER_BONUS: f32 = 2.0;
/// Multiplies the score of a matching reply that fits the order's state when the message is
/// about something else ("which size?"): a tie-breaker, never a reason to be shown.
const ORDER_NUDGE: f32 = 1.25;

/// What the shopper's latest order is doing, read by the caller from the shop's records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderFocus {
    /// Not shipped yet.
    Preparing,
    /// A parcel is on its way (not delivered, not failed).
    OnItsWay,
    /// Delivered.
    Delivered,
    /// Looks stuck (no movement, overdue, a failed delivery): the apology, not the status.
    Stuck,
    /// Cancelled, refunded or payment failed.
    Cancelled,
}

impl OrderFocus {
    /// Text in a reply (lower-cased shortcut, title, body; template variables included) that
    /// says it fits this state.
    fn cues(self) -> &'static [&'static str] {
        match self {
            OrderFocus::Preparing => &[
                "order.status",
                "prepar",
                "dispatch",
                "ship within",
                "ships within",
                "not shipped",
                "versand",
            ],
            OrderFocus::OnItsWay => &[
                "order.tracking_url",
                "order.tracking_number",
                "order.carrier",
                "order.estimated_delivery",
                "tracking",
                "in transit",
                "on its way",
                "sendungsverfolgung",
                "unterwegs",
            ],
            OrderFocus::Delivered => &["delivered", "zugestellt", "angekommen"],
            OrderFocus::Stuck => &[
                "delay",
                "look into",
                "investigat",
                "lost",
                "verzög",
                "nachforsch",
            ],
            OrderFocus::Cancelled => &["cancel", "refund", "storn", "erstatt"],
        }
    }
}

/// Word beginnings that make a message a question about an order (English and German, the
/// widget's languages): "where is it?", "when does it arrive?", "wo bleibt mein Paket?".
const ORDER_WORDS: &[&str] = &[
    "where", "when", "order", "package", "parcel", "deliver", "arriv", "ship", "track", "refund",
    "cancel", "wo", "wann", "bestell", "paket", "liefer", "sendung", "storn",
];

/// What a suggestion points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A canned reply.
    Canned(CannedId),
    /// A knowledge-base article.
    Article(ArticleId),
}

/// One ranked suggestion.
#[derive(Debug, Clone, PartialEq)]
pub struct Suggestion {
    /// The reply or article.
    pub source: Source,
    /// Normalised BM25 score (see the module docs), best first.
    pub score: f32,
}

/// The site's replies and articles that match `message`, best first, at most `limit`;
/// `focus` (the shopper's latest order, if the shop linked one) moves fitting replies up.
pub fn rank(
    message: &str,
    canned: &[CannedReply],
    articles: &[Article],
    language: Language,
    focus: Option<OrderFocus>,
    limit: usize,
) -> Vec<Suggestion> {
    let sources: Vec<(Source, String)> = canned
        .iter()
        .map(|c| {
            let title = c.title.as_deref().unwrap_or_default();
            (
                Source::Canned(c.id.clone()),
                format!("{}\n{title}\n{}", c.shortcut, c.body),
            )
        })
        .chain(articles.iter().map(|a| {
            (
                Source::Article(a.id.clone()),
                format!("{q}\n{q}\n{}", a.answer, q = a.question),
            )
        }))
        .collect();
    if sources.is_empty() || limit == 0 {
        return Vec::new();
    }
    let documents = sources.iter().enumerate().map(|(i, (_, text))| {
        // Far fewer than u32::MAX items: a site's library is listed in one response.
        bm25::Document::new(u32::try_from(i).unwrap_or(u32::MAX), text.clone())
    });
    let engine = SearchEngineBuilder::<u32>::with_documents(language, documents).build();
    let n = sources.len() as f32;
    // The crate's IDF, ln(1 + (N - df + 0.5) / (df + 0.5)), at df = 1.
    let unit = (1.0 + (n - 0.5) / 1.5).ln();
    if unit <= 0.0 {
        return Vec::new();
    }
    let query: String = message.chars().take(MAX_QUERY_CHARS).collect();
    // With an order to weigh, every hit is scored: a fitting reply may climb from below the cut.
    let wanted = if focus.is_some() {
        sources.len()
    } else {
        limit
    };
    let mut ranked: Vec<Suggestion> = engine
        .search(&query, wanted)
        .into_iter()
        .filter_map(|hit| {
            let (source, _) = sources.get(hit.document.id as usize)?;
            Some(Suggestion {
                source: source.clone(),
                score: hit.score / unit,
            })
        })
        .collect();
    if let Some(focus) = focus {
        weigh_order(&mut ranked, &query, canned, focus);
    }
    ranked.truncate(limit);
    ranked
}

/// Moves the canned replies that fit the order's state up. When the message asks about an
/// order they get [`ORDER_BONUS`] — and become candidates even without a shared word, as
/// "where is it?" has none; otherwise a matching one only gets [`ORDER_NUDGE`]. Best first.
fn weigh_order(
    ranked: &mut Vec<Suggestion>,
    message: &str,
    canned: &[CannedReply],
    focus: OrderFocus,
) {
    let asked = asks_about_order(message);
    for reply in canned {
        let text = format!(
            "{}\n{}\n{}",
            reply.shortcut,
            reply.title.as_deref().unwrap_or_default(),
            reply.body
        )
        .to_lowercase();
        if !focus.cues().iter().any(|cue| text.contains(cue)) {
            continue;
        }
        let source = Source::Canned(reply.id.clone());
        match ranked.iter_mut().find(|s| s.source == source) {
            Some(hit) if asked => hit.score += ORDER_BONUS,
            Some(hit) => hit.score *= ORDER_NUDGE,
            None if asked => ranked.push(Suggestion {
                source,
                score: ORDER_BONUS,
            }),
            None => {}
        }
    }
    ranked.sort_by(|a, b| b.score.total_cmp(&a.score));
}

/// Whether a message asks about an order: one of its words begins like one of
/// [`ORDER_WORDS`] ("wo" only as a whole word, it begins too many others).
fn asks_about_order(message: &str) -> bool {
    message
        .to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .any(|word| {
            ORDER_WORDS.iter().any(|stem| {
                if *stem == "wo" {
                    word == "wo"
                } else {
                    word.starts_with(stem)
                }
            })
        })
}

#[cfg(test)]
mod tests;
