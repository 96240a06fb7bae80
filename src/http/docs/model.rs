//! Documentation types of the language model's answers in `ai_api.rs`: translations, the
//! site's usage and its own provider. Never built; `tests/api/openapi.rs` checks real answers.

use utoipa::ToSchema;

/// `POST …/translate` (documentation type).
#[derive(ToSchema)]
#[allow(dead_code)]
pub(in crate::http) struct TranslationAnswer {
    /// The translation (empty with a `fallback`); nothing is sent.
    text: String,
    /// The language it was translated from, when known.
    from: Option<String>,
    /// The language it was translated to.
    to: Option<String>,
    /// Why there is none (`ai_off`, `site_off`, `busy`, `over_budget`, `timeout`, …); null
    /// when there is.
    fallback: Option<String>,
}

/// `GET …/ai-usage` (documentation type).
#[derive(ToSchema)]
#[allow(dead_code)]
pub(in crate::http) struct AiUsageAnswer {
    /// The model the site uses; null when the server has none.
    model: Option<String>,
    /// Whether it is the site's own provider rather than the server's.
    own_provider: bool,
    /// Calls a day the site may make.
    daily_requests: u32,
    /// Calls counted today (UTC, all nodes).
    used_today: u32,
}

/// `GET`/`PUT …/ai-provider`: the site's own model, never its key (documentation type).
#[derive(ToSchema)]
#[allow(dead_code)]
pub(in crate::http) struct AiProviderAnswer {
    /// The OpenAI-compatible base URL; null when the site uses the server's model.
    base_url: Option<String>,
    /// The model; null when the site uses the server's.
    model: Option<String>,
    /// Whether a key is stored.
    api_key_set: bool,
}

/// `PUT …/ai-provider`: the body as `ai_api::provider_change` reads it (documentation type;
/// read as a map there because `api_key` left out and `null` mean different things).
#[derive(ToSchema)]
#[allow(dead_code)]
pub(in crate::http) struct AiProviderChange {
    /// An OpenAI-compatible base URL; `null` removes the site's provider.
    base_url: Option<String>,
    /// The model; needed with `base_url`.
    model: Option<String>,
    /// Left out keeps the stored key; `null` removes it.
    api_key: Option<String>,
}
