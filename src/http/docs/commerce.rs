//! Documentation types of the shop-data answers: the push API's keys and upserts and the
//! platforms' webhooks. Never built: each mirrors the `json!` its handler in
//! `commerce_admin.rs`, `commerce_api.rs` or `shop_hooks.rs` writes; the records themselves
//! (`Order`, `Customer`, `ImportReport`, …) are the real types. `tests/api/openapi/` checks
//! real answers against them.

use utoipa::ToSchema;

/// `GET …/api-keys` (documentation type).
#[derive(ToSchema)]
#[allow(dead_code)]
pub(in crate::http) struct ApiKeyList {
    /// The site's keys, oldest first, never their secrets.
    api_keys: Vec<crate::commerce::ApiKey>,
}

/// What a push did to the record (documentation type).
#[derive(ToSchema)]
#[allow(dead_code)]
pub(in crate::http) struct UpsertAnswer {
    /// The record's id (the shop's).
    id: String,
    /// `created`, `updated` or `unchanged`.
    result: crate::commerce::Upsert,
}

/// What a platform's webhook did (documentation type of `HookOutcome::label`).
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub(in crate::http) enum HookResult {
    /// A record was new.
    Created,
    /// A record replaced an older one.
    Updated,
    /// The stored record was as new.
    Unchanged,
    /// The delivery id was seen before.
    Replay,
    /// A topic or resource that is not stored.
    Ignored,
    /// WooCommerce's ping when a webhook is created.
    Ping,
}

/// `POST /hooks/{platform}/{site_id}` (documentation type).
#[derive(ToSchema)]
#[allow(dead_code)]
pub(in crate::http) struct HookAnswer {
    /// What the delivery did.
    #[schema(inline)]
    result: HookResult,
}
