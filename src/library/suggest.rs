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

use super::{Article, CannedReply};
use crate::domain::{ArticleId, CannedId};
use bm25::{Language, SearchEngineBuilder};

/// Most suggestions returned.
pub const MAX_SUGGESTIONS: usize = 5;
/// Longest message text ranked; longer text is cut, which keeps ranking cheap on abuse.
const MAX_QUERY_CHARS: usize = 1000;

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

/// The site's replies and articles that match `message`, best first, at most `limit`.
pub fn rank(
    message: &str,
    canned: &[CannedReply],
    articles: &[Article],
    language: Language,
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
    engine
        .search(&query, limit)
        .into_iter()
        .filter_map(|hit| {
            let (source, _) = sources.get(hit.document.id as usize)?;
            Some(Suggestion {
                source: source.clone(),
                score: hit.score / unit,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{SiteId, Timestamp};

    fn site() -> SiteId {
        SiteId::parse("site_testtesttest").unwrap()
    }

    fn canned(shortcut: &str, title: Option<&str>, body: &str) -> CannedReply {
        CannedReply {
            id: CannedId::generate(),
            site_id: site(),
            shortcut: shortcut.into(),
            title: title.map(str::to_owned),
            body: body.into(),
            created_at: Timestamp(0),
            updated_at: Timestamp(0),
        }
    }

    fn article(question: &str, answer: &str) -> Article {
        Article {
            id: ArticleId::generate(),
            site_id: site(),
            question: question.into(),
            answer: answer.into(),
            created_at: Timestamp(0),
            updated_at: Timestamp(0),
        }
    }

    fn library() -> (Vec<CannedReply>, Vec<Article>) {
        (
            vec![
                canned(
                    "size",
                    Some("Size advice"),
                    "Our sizes run small: take one size up. Your cart is {{ cart.total }}.",
                ),
                canned("thanks", None, "Thank you for shopping with us!"),
                canned("ship", Some("Shipping times"), "We ship within 24 hours."),
            ],
            vec![
                article(
                    "How long does delivery take?",
                    "Delivery takes 2-3 working days.",
                ),
                article(
                    "How do I find my size?",
                    "Every product page has a size chart.",
                ),
            ],
        )
    }

    #[test]
    fn a_size_question_ranks_the_size_reply_and_article_first() {
        let (canned, articles) = library();
        let ranked = rank(
            "which size should I take?",
            &canned,
            &articles,
            Language::English,
            MAX_SUGGESTIONS,
        );
        assert_eq!(ranked[0].source, Source::Canned(canned[0].id.clone()));
        assert!(
            ranked
                .iter()
                .any(|s| s.source == Source::Article(articles[1].id.clone())),
            "the size article is a candidate too"
        );
        assert!(ranked.windows(2).all(|w| w[0].score >= w[1].score));
        assert!(
            ranked
                .iter()
                .all(|s| s.source != Source::Canned(canned[1].id.clone())),
            "the thank-you reply shares no word with the question"
        );
    }

    #[test]
    fn articles_win_when_they_match_better() {
        let (canned, articles) = library();
        let ranked = rank(
            "how long does delivery take",
            &canned,
            &articles,
            Language::English,
            MAX_SUGGESTIONS,
        );
        assert_eq!(ranked[0].source, Source::Article(articles[0].id.clone()));
    }

    #[test]
    fn nothing_to_rank_or_nothing_matching_is_empty() {
        let (canned, articles) = library();
        assert!(rank("asdf", &canned, &articles, Language::English, 5).is_empty());
        assert!(rank("size", &[], &[], Language::English, 5).is_empty());
        assert!(rank("size", &canned, &articles, Language::English, 0).is_empty());
    }

    #[test]
    fn at_most_the_limit() {
        let canned: Vec<CannedReply> = (0..8)
            .map(|i| canned(&format!("s{i}"), None, "size help"))
            .collect();
        assert_eq!(rank("size", &canned, &[], Language::English, 5).len(), 5);
    }
}
