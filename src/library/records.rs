//! What a site's library holds: knowledge-base articles and canned replies, as the store keeps
//! them and the ranking and templates read them.

use crate::domain::{ArticleId, CannedId, SiteId, Timestamp};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Most languages one article may have versions in, besides its own.
pub const MAX_TRANSLATIONS: usize = 20;

/// An article's question and answer in one more language: the bot answers a shopper in that
/// language with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ArticleText {
    /// The question, as shoppers ask it in that language.
    pub question: String,
    /// The answer in that language.
    pub answer: String,
}

/// A knowledge-base article: a question shoppers ask and the shop's answer, which the bot
/// sends when a shopper's message matches it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Article {
    /// Id (`art_…`).
    #[schema(value_type = String)]
    pub id: crate::domain::ArticleId,
    /// The site it belongs to.
    #[schema(value_type = String)]
    pub site_id: SiteId,
    /// The question, as shoppers would ask it.
    pub question: String,
    /// The answer the bot sends.
    pub answer: String,
    /// Versions in other languages, by language code (`fr`, `de`): a shopper in one of them
    /// gets that version. Empty in articles written before languages (stored without it).
    #[serde(default)]
    pub translations: BTreeMap<String, ArticleText>,
    /// Created at (ms since the epoch).
    #[schema(value_type = i64)]
    pub created_at: Timestamp,
    /// Last replaced at (ms since the epoch).
    #[schema(value_type = i64)]
    pub updated_at: Timestamp,
}

/// What it takes to create or replace an article (validated by the caller).
#[derive(Debug, Clone)]
pub struct NewArticle {
    /// The question.
    pub question: String,
    /// The answer.
    pub answer: String,
    /// Versions in other languages, by language code.
    pub translations: BTreeMap<String, ArticleText>,
}

/// A canned reply: text an agent inserts by typing `/shortcut`, a template filled with the
/// shopper's, cart's and order's values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CannedReply {
    /// Id (`cr_…`).
    #[schema(value_type = String)]
    pub id: crate::domain::CannedId,
    /// The site it belongs to.
    #[schema(value_type = String)]
    pub site_id: SiteId,
    /// The shortcut without its leading `/`, unique per site.
    pub shortcut: String,
    /// Optional label shown in the picker.
    pub title: Option<String>,
    /// A minijinja template.
    pub body: String,
    /// The body in other languages, by language code (`fr`): an agent inserting the reply in
    /// a chat with a shopper in one of them gets that version. Empty in replies written
    /// before languages (stored without it).
    #[serde(default)]
    pub translations: BTreeMap<String, String>,
    /// Created at (ms since the epoch).
    #[schema(value_type = i64)]
    pub created_at: Timestamp,
    /// Last replaced at (ms since the epoch).
    #[schema(value_type = i64)]
    pub updated_at: Timestamp,
}

/// What it takes to create or replace a canned reply (validated by the caller).
#[derive(Debug, Clone)]
pub struct NewCanned {
    /// Shortcut without the leading `/`.
    pub shortcut: String,
    /// Optional label.
    pub title: Option<String>,
    /// Template text.
    pub body: String,
    /// The body in other languages, by language code.
    pub translations: BTreeMap<String, String>,
}

impl NewArticle {
    /// The article as first stored on `site`, with a fresh id: both stores make it the same way.
    pub fn into_article(self, site: &SiteId, now: Timestamp) -> Article {
        Article {
            id: ArticleId::generate(),
            site_id: site.clone(),
            question: self.question,
            answer: self.answer,
            translations: self.translations,
            created_at: now,
            updated_at: now,
        }
    }
}

impl CannedReply {
    /// The body for a shopper who reads `language` (a language code): its version in that
    /// language, else the body as written.
    pub fn body_in(&self, language: Option<&str>) -> &str {
        language
            .and_then(|code| self.translations.get(code))
            .unwrap_or(&self.body)
    }
}

impl NewCanned {
    /// The reply as first stored on `site`, with a fresh id: both stores make it the same way.
    pub fn into_reply(self, site: &SiteId, now: Timestamp) -> CannedReply {
        CannedReply {
            id: CannedId::generate(),
            site_id: site.clone(),
            shortcut: self.shortcut,
            title: self.title,
            body: self.body,
            translations: self.translations,
            created_at: now,
            updated_at: now,
        }
    }
}
