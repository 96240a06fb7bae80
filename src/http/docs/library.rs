//! Documentation types of the library's answers (articles, canned replies, suggestions) and
//! of the language model's help for agents (drafts, summaries). Never built: each mirrors the
//! `json!` its handler in `library_api.rs` writes; `tests/api/openapi.rs` checks real answers.

use utoipa::ToSchema;

/// `GET …/articles` (documentation type).
#[derive(ToSchema)]
#[allow(dead_code)]
pub(in crate::http) struct ArticleList {
    /// The site's knowledge-base articles.
    articles: Vec<crate::library::Article>,
}

/// A canned reply as the API shows it: the shortcut with its `/` (documentation type).
#[derive(ToSchema)]
#[allow(dead_code)]
pub(in crate::http) struct CannedView {
    /// Id (cr_…).
    id: String,
    /// The site it belongs to.
    site_id: String,
    /// `/shortcut`.
    shortcut: String,
    /// Label shown in the picker.
    title: Option<String>,
    /// The template.
    body: String,
    /// The template in other languages, by language code.
    translations: std::collections::BTreeMap<String, String>,
    /// Created at (ms since the epoch).
    created_at: i64,
    /// Last replaced at (ms since the epoch).
    updated_at: i64,
}

/// `GET …/canned-replies` (documentation type).
#[derive(ToSchema)]
#[allow(dead_code)]
pub(in crate::http) struct CannedList {
    /// The matching replies.
    canned_replies: Vec<CannedView>,
}

/// `POST …/canned-replies/{canned_id}/preview` (documentation type).
#[derive(ToSchema)]
#[allow(dead_code)]
pub(in crate::http) struct CannedPreview {
    /// The reply rendered for this conversation, to be shown as text.
    text: String,
    /// The reply's id.
    canned_id: String,
    /// `/shortcut`.
    shortcut: String,
}

/// What a suggestion is (documentation type).
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub(in crate::http) enum SuggestionKind {
    /// A canned reply, rendered.
    Canned,
    /// A knowledge-base article's answer.
    Article,
}

/// One suggestion for the composer (documentation type).
#[derive(ToSchema)]
#[allow(dead_code)]
pub(in crate::http) struct SuggestionView {
    /// Canned reply or article.
    #[schema(inline)]
    kind: SuggestionKind,
    /// The reply's or article's id.
    id: String,
    /// The reply's title (or shortcut), or the article's question.
    title: String,
    /// Canned replies only: `/shortcut`.
    #[schema(required = false)]
    shortcut: Option<String>,
    /// The text to insert.
    text: String,
    /// How well it matches the shopper's last message.
    score: f64,
}

/// `GET …/suggestions` (documentation type).
#[derive(ToSchema)]
#[allow(dead_code)]
pub(in crate::http) struct Suggestions {
    /// The shopper's message ranked against; null without one.
    query: Option<String>,
    /// Best first, at most 5 canned replies plus articles.
    suggestions: Vec<SuggestionView>,
}

/// Where a draft came from (documentation type).
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub(in crate::http) enum DraftSourceView {
    /// The language model wrote it.
    Model,
    /// The best keyword suggestion.
    Suggestion,
    /// Nothing to offer.
    None,
}

/// An article a draft is grounded in (documentation type).
#[derive(ToSchema)]
#[allow(dead_code)]
pub(in crate::http) struct DraftArticle {
    /// Article id (art_…).
    id: String,
    /// Its question.
    title: String,
}

/// `POST …/draft` (documentation type).
#[derive(ToSchema)]
#[allow(dead_code)]
pub(in crate::http) struct DraftAnswer {
    /// The draft for the composer (never sent by itself).
    text: String,
    /// Where it came from.
    #[schema(inline)]
    source: DraftSourceView,
    /// The articles it is grounded in.
    articles: Vec<DraftArticle>,
    /// The order numbers it names.
    orders: Vec<String>,
    /// Why the model did not write it (`ai_off`, `busy`, `over_budget`, …); null when it did.
    fallback: Option<String>,
    /// Sent back with the agent's message so the report counts the draft.
    draft_token: Option<String>,
}

/// `POST …/summary` (documentation type).
#[derive(ToSchema)]
#[allow(dead_code)]
pub(in crate::http) struct SummaryAnswer {
    /// The sentences (empty with a `fallback`).
    text: String,
    /// where_is_my_order, return, cancel, sizing, pre_sale, complaint or other.
    intent: Option<String>,
    /// calm, upset or angry.
    tone: Option<String>,
    /// The order numbers meant.
    orders: Vec<String>,
    /// Why there is no summary; null when there is.
    fallback: Option<String>,
}
