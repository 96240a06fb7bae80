//! Ranking a shopper's question against a site's knowledge base with BM25 (the `bm25` crate:
//! stemming, stop words and accent folding per language). Pure: no I/O, no clock, no tokio.
//!
//! Each article is indexed as its question twice followed by its answer, so a word of the
//! question counts more than the same word somewhere in a long answer.
//!
//! # Scores
//!
//! BM25's raw score grows with the inverse document frequency (IDF), which depends on how many
//! articles there are: the same perfect match scores about 0.29 per word in a one-article
//! knowledge base and about 1.39 per word in a five-article one. A fixed threshold on raw
//! scores would make a shop's first articles unanswerable. [`KnowledgeBase::answer`]
//! therefore divides the raw score by the IDF of a word found in exactly one article (the
//! highest IDF this index can give). The result reads as "matched words that are distinctive
//! for this article", weighted by BM25's term-frequency saturation: one distinctive word of a
//! question scores about 1.0 to 1.4, a word every article shares scores nearly 0.
//!
//! # Languages
//!
//! An article may have versions in other languages (`Article::translations`). Each language's
//! versions are a small index of their own, stemmed as that language, so a French question
//! is ranked against the French versions with French stemming; see
//! [`KnowledgeBase::answer_in`].

use super::Article;
use crate::domain::ArticleId;
use bm25::{Language, SearchEngine, SearchEngineBuilder};
use std::collections::{BTreeMap, HashMap};

/// The score a match must reach by default before the bot answers with it.
///
/// Measured in `scores_of_real_questions_and_noise` on a five-article shop FAQ (scores in
/// "distinctive matched words", see the module docs):
/// - chit-chat and nonsense ("what is the meaning of life", "asdf", "hello", "I like
///   turtles", "is anyone there?") shares no indexed word with any article: no score at all;
/// - a lone generic word found once in a long answer ("my order" against the shipping
///   article's "Orders ship within 24 hours…") scores 0.85;
/// - real questions that name their topic with one distinctive word score 1.07 ("can I pay
///   with paypal") to 1.72 ("what size should I order"), and with several words about 5
///   ("how long does shipping take to germany?" scores 4.96).
///
/// 1.0 is the gap between the last two groups: at least one word that is distinctive for
/// the article, matched as strongly as one occurrence in an article of average length. BM25
/// cannot tell a key word from an incidental one, so a threshold high enough to need two
/// matching words would make the bot miss most short, real questions; the price of 1.0 is
/// that a message whose only content word is distinctive for one article gets that article.
pub const DEFAULT_MIN_SCORE: f32 = 1.0;

/// Longest question text ranked; longer text is cut, which keeps ranking cheap on abuse.
const MAX_QUERY_CHARS: usize = 1000;
/// Candidates looked at per question.
const CANDIDATES: usize = 3;

/// The article that answers a question.
#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    /// The article.
    pub article_id: ArticleId,
    /// Its answer, for the bot to send.
    pub answer: String,
    /// Normalised BM25 score (see the module docs); at least the `min_score` asked for.
    pub score: f32,
}

/// A site's articles indexed for ranking; built once per change and shared read-only. Besides
/// the articles themselves (in the site's first language), their versions in each other
/// language are indexed apart, stemmed as that language.
pub struct KnowledgeBase {
    base: Index,
    /// The versions in other languages, by language code.
    translated: HashMap<String, Index>,
    /// Each article's answer per language code, by its position in `base`.
    answers: Vec<BTreeMap<String, String>>,
}

/// One language's ranking.
struct Index {
    engine: SearchEngine<u32>,
    articles: Vec<(ArticleId, String)>,
    /// IDF of a word found in exactly one article; what raw scores are divided by.
    unit: f32,
}

impl Index {
    /// Indexes `(id, question, answer)`s.
    fn new<'a>(
        articles: impl ExactSizeIterator<Item = (&'a ArticleId, &'a str, &'a str)>,
        language: Language,
    ) -> Self {
        let n = articles.len() as f32;
        let mut kept = Vec::with_capacity(articles.len());
        let mut documents = Vec::with_capacity(articles.len());
        for (i, (id, question, answer)) in articles.enumerate() {
            // At most u32::MAX articles: far beyond any site (the API lists them all at once).
            let key = u32::try_from(i).unwrap_or(u32::MAX);
            documents.push(bm25::Document::new(
                key,
                format!("{question}\n{question}\n{answer}"),
            ));
            kept.push((id.clone(), answer.to_owned()));
        }
        let engine = SearchEngineBuilder::<u32>::with_documents(language, documents).build();
        // The crate's IDF, ln(1 + (N - df + 0.5) / (df + 0.5)), at df = 1.
        let unit = (1.0 + (n - 0.5) / 1.5).ln();
        Index {
            engine,
            articles: kept,
            unit,
        }
    }

    /// Every article sharing a word with `text`, best first, with normalised scores.
    fn ranked(&self, text: &str) -> Vec<Match> {
        if self.articles.is_empty() || self.unit <= 0.0 {
            return Vec::new();
        }
        let query: String = text.chars().take(MAX_QUERY_CHARS).collect();
        self.engine
            .search(&query, CANDIDATES)
            .into_iter()
            .filter_map(|hit| {
                let (id, answer) = self.articles.get(hit.document.id as usize)?;
                Some(Match {
                    article_id: id.clone(),
                    answer: answer.clone(),
                    score: hit.score / self.unit,
                })
            })
            .collect()
    }
}

impl std::fmt::Debug for KnowledgeBase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KnowledgeBase")
            .field("articles", &self.base.articles.len())
            .field("languages", &self.translated.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// The stemmer and stop words for a site's language tag (`de`, `de-DE`, `fr_CH`); English
/// when the tag is missing or has no stemmer.
pub fn language_for(tag: Option<&str>) -> Language {
    let primary = tag
        .unwrap_or("en")
        .split(['-', '_'])
        .next()
        .unwrap_or("en")
        .to_ascii_lowercase();
    match primary.as_str() {
        "de" => Language::German,
        "fr" => Language::French,
        "es" => Language::Spanish,
        "it" => Language::Italian,
        "nl" => Language::Dutch,
        "pt" => Language::Portuguese,
        "da" => Language::Danish,
        "sv" => Language::Swedish,
        "no" | "nb" | "nn" => Language::Norwegian,
        "fi" | "hu" => Language::Hungarian,
        "ro" => Language::Romanian,
        "ru" => Language::Russian,
        "el" => Language::Greek,
        "tr" => Language::Turkish,
        "ar" => Language::Arabic,
        "ta" => Language::Tamil,
        _ => Language::English,
    }
}

impl KnowledgeBase {
    /// Indexes a site's articles for their language, and their versions for theirs.
    pub fn new(articles: &[Article], language: Language) -> Self {
        let base = Index::new(
            articles
                .iter()
                .map(|a| (&a.id, a.question.as_str(), a.answer.as_str())),
            language,
        );
        let mut codes: Vec<&String> = articles
            .iter()
            .flat_map(|a| a.translations.keys())
            .collect();
        codes.sort();
        codes.dedup();
        let translated = codes
            .into_iter()
            .map(|code| {
                let versions: Vec<_> = articles
                    .iter()
                    .filter_map(|a| {
                        let text = a.translations.get(code)?;
                        Some((&a.id, text.question.as_str(), text.answer.as_str()))
                    })
                    .collect();
                let index = Index::new(versions.into_iter(), language_for(Some(code)));
                (code.clone(), index)
            })
            .collect();
        let answers = articles
            .iter()
            .map(|a| {
                a.translations
                    .iter()
                    .map(|(code, text)| (code.clone(), text.answer.clone()))
                    .collect()
            })
            .collect();
        KnowledgeBase {
            base,
            translated,
            answers,
        }
    }

    /// Number of articles indexed.
    pub fn len(&self) -> usize {
        self.base.articles.len()
    }

    /// No articles: the bot can answer nothing.
    pub fn is_empty(&self) -> bool {
        self.base.articles.is_empty()
    }

    /// The best article for `text` if it scores at least `min_score`; `None` means the bot
    /// missed and should say so (or hand over) instead of guessing.
    pub fn answer(&self, text: &str, min_score: f32) -> Option<Match> {
        self.ranked(text)
            .into_iter()
            .next()
            .filter(|m| m.score >= min_score)
    }

    /// The best article for `text` from a shopper who reads `language` (a language code):
    /// first among the articles' versions in that language, answered in it; else among the
    /// articles themselves, answered in that language when the article has a version in it,
    /// else as written. `None` below `min_score`, as [`KnowledgeBase::answer`].
    pub fn answer_in(&self, text: &str, min_score: f32, language: Option<&str>) -> Option<Match> {
        let Some(code) = language else {
            return self.answer(text, min_score);
        };
        let translated = self
            .translated
            .get(code)
            .and_then(|index| index.ranked(text).into_iter().next())
            .filter(|m| m.score >= min_score);
        translated.or_else(|| {
            let mut found = self.answer(text, min_score)?;
            let position = self
                .base
                .articles
                .iter()
                .position(|(id, _)| *id == found.article_id)?;
            if let Some(answer) = self.answers.get(position).and_then(|a| a.get(code)) {
                found.answer = answer.clone();
            }
            Some(found)
        })
    }

    /// Every article sharing a word with `text`, best first, with normalised scores.
    pub fn ranked(&self, text: &str) -> Vec<Match> {
        self.base.ranked(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{SiteId, Timestamp};

    fn article(question: &str, answer: &str) -> Article {
        Article {
            id: ArticleId::generate(),
            site_id: SiteId::parse("site_testtesttest").unwrap(),
            question: question.into(),
            answer: answer.into(),
            translations: Default::default(),
            created_at: Timestamp(0),
            updated_at: Timestamp(0),
        }
    }

    fn faq() -> Vec<Article> {
        vec![
            article(
                "How long does shipping take?",
                "Orders ship within 24 hours. Delivery takes 2-3 working days in Germany and \
                 3-5 working days to the rest of the EU.",
            ),
            article(
                "How can I return an item?",
                "You can return anything within 30 days. Print the free return label from \
                 your account and drop the parcel at any post office.",
            ),
            article(
                "Which payment methods do you accept?",
                "We accept credit cards, PayPal, Klarna invoice and bank transfer.",
            ),
            article(
                "How do I find my size?",
                "Every product page has a size chart. If you are between two sizes, pick the \
                 larger one for jackets.",
            ),
            article(
                "Do you have a shop I can visit?",
                "Our store in Berlin is open Monday to Saturday, 10:00 to 19:00.",
            ),
        ]
    }

    #[test]
    fn scores_of_real_questions_and_noise() {
        let articles = faq();
        let kb = KnowledgeBase::new(&articles, Language::English);
        let hits = [
            ("how long does shipping take to germany?", 0),
            ("do you ship to Austria", 0),
            ("can I return my jacket?", 1),
            ("can I pay with paypal", 2),
            ("what size should I order", 3),
            ("where is your store", 4),
        ];
        let noise = [
            "what is the meaning of life",
            "asdf",
            "hello",
            "thanks!",
            "is anyone there?",
            "I like turtles",
            "what do you think about the weather",
            "my order",
        ];
        let top = |q: &str| {
            kb.ranked(q)
                .first()
                .map(|m| (m.score, m.article_id.clone()))
        };
        for (question, _) in hits {
            eprintln!("hit?  {question:45} -> {:?}", top(question).map(|t| t.0));
        }
        for question in noise {
            eprintln!("miss? {question:45} -> {:?}", top(question).map(|t| t.0));
        }
        for (question, expected) in hits {
            let best = kb.answer(question, DEFAULT_MIN_SCORE);
            assert_eq!(
                best.map(|m| m.article_id),
                Some(articles[expected].id.clone()),
                "`{question}` should hit"
            );
        }
        for question in noise {
            assert_eq!(
                kb.answer(question, DEFAULT_MIN_SCORE),
                None,
                "`{question}` should miss"
            );
        }
    }

    #[test]
    fn a_shipping_question_hits_the_shipping_article() {
        let articles = faq();
        let kb = KnowledgeBase::new(&articles, Language::English);
        let best = kb
            .answer("How long is shipping to Germany?", DEFAULT_MIN_SCORE)
            .expect("hit");
        assert_eq!(best.article_id, articles[0].id);
        assert!(best.answer.starts_with("Orders ship within 24 hours"));
        assert!(best.score >= DEFAULT_MIN_SCORE);
    }

    #[test]
    fn nonsense_misses() {
        let kb = KnowledgeBase::new(&faq(), Language::English);
        assert_eq!(
            kb.answer("what is the meaning of life", DEFAULT_MIN_SCORE),
            None
        );
        assert_eq!(kb.answer("asdf", DEFAULT_MIN_SCORE), None);
        assert_eq!(kb.answer("", DEFAULT_MIN_SCORE), None);
    }

    #[test]
    fn an_empty_knowledge_base_never_answers() {
        let kb = KnowledgeBase::new(&[], Language::English);
        assert!(kb.is_empty());
        assert_eq!(kb.answer("how long does shipping take", 0.0), None);
    }

    #[test]
    fn a_single_article_can_answer() {
        let only = vec![faq().remove(0)];
        let kb = KnowledgeBase::new(&only, Language::English);
        let best = kb.answer("how long does shipping take?", DEFAULT_MIN_SCORE);
        assert_eq!(best.map(|m| m.article_id), Some(only[0].id.clone()));
        assert_eq!(kb.answer("asdf", DEFAULT_MIN_SCORE), None);
    }

    #[test]
    fn ranking_prefers_the_article_whose_question_matches() {
        let articles = vec![
            article("Do you ship abroad?", "Yes, to every EU country."),
            article(
                "How much does shipping cost?",
                "Shipping is free from 50 EUR, otherwise 4.90 EUR.",
            ),
            article(
                "Can I return sale items?",
                "Sale items can be returned too.",
            ),
        ];
        let kb = KnowledgeBase::new(&articles, Language::English);
        let ranked = kb.ranked("how much does shipping cost");
        assert_eq!(ranked[0].article_id, articles[1].id);
        assert!(ranked.windows(2).all(|w| w[0].score >= w[1].score));
    }

    #[test]
    fn german_questions_are_stemmed_as_german() {
        let articles = vec![
            article(
                "Wie lange dauert der Versand?",
                "Der Versand dauert 2-3 Werktage.",
            ),
            article("Kann ich zurückgeben?", "Rückgabe innerhalb von 30 Tagen."),
        ];
        let kb = KnowledgeBase::new(&articles, language_for(Some("de-DE")));
        let best = kb.answer(
            "Wie lange dauert der Versand nach Österreich?",
            DEFAULT_MIN_SCORE,
        );
        assert_eq!(best.map(|m| m.article_id), Some(articles[0].id.clone()));
    }

    fn with_french(mut article: Article, question: &str, answer: &str) -> Article {
        article.translations.insert(
            "fr".into(),
            crate::library::ArticleText {
                question: question.into(),
                answer: answer.into(),
            },
        );
        article
    }

    #[test]
    fn a_french_shopper_gets_the_french_version() {
        let articles = vec![
            with_french(
                article(
                    "How long does shipping take?",
                    "Delivery takes 2 to 4 days.",
                ),
                "Combien de temps prend la livraison ?",
                "La livraison prend 2 à 4 jours.",
            ),
            article(
                "How can I return an item?",
                "Within 30 days, free of charge.",
            ),
        ];
        let kb = KnowledgeBase::new(&articles, Language::English);
        let french = kb
            .answer_in(
                "Quel est le délai de livraison ?",
                DEFAULT_MIN_SCORE,
                Some("fr"),
            )
            .expect("the French version matches");
        assert_eq!(french.article_id, articles[0].id);
        assert_eq!(french.answer, "La livraison prend 2 à 4 jours.");
        // An English question from the same shopper still finds the article, in French.
        let english = kb
            .answer_in("how long does shipping take", DEFAULT_MIN_SCORE, Some("fr"))
            .expect("hit");
        assert_eq!(english.answer, "La livraison prend 2 à 4 jours.");
        // No French version: the article as written.
        let returns = kb
            .answer_in("can I return an item", DEFAULT_MIN_SCORE, Some("fr"))
            .expect("hit");
        assert_eq!(returns.answer, "Within 30 days, free of charge.");
        // Another language, or none: as written.
        for language in [Some("de"), None] {
            let plain = kb.answer_in("how long does shipping take", DEFAULT_MIN_SCORE, language);
            assert_eq!(
                plain.map(|m| m.answer).as_deref(),
                Some("Delivery takes 2 to 4 days.")
            );
        }
    }

    #[test]
    fn language_tags_map_to_stemmers() {
        assert!(matches!(language_for(Some("de")), Language::German));
        assert!(matches!(language_for(Some("fr_CH")), Language::French));
        assert!(matches!(language_for(Some("NL")), Language::Dutch));
        assert!(matches!(language_for(Some("xx")), Language::English));
        assert!(matches!(language_for(None), Language::English));
    }
}
