//! Who the shop vouched a visitor is. Only an `identify` whose HMAC matched sets it, and only
//! the id the HMAC covered: any other attribute in the same call (an `email` beside a verified
//! `user_id`) is the browser's claim and never links the shopper to the shop's records.

use serde::{Deserialize, Serialize};

/// The id a verified `identify` proved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum VerifiedId {
    /// The shop's customer id (`user_id`).
    UserId(String),
    /// The customer's email, lower-cased.
    Email(String),
}
