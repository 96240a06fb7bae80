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
mod tests;
