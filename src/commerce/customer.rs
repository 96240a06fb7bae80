//! The shop's customer record: who the shopper is to the shop (orders so far, money spent,
//! the shop's own tags), so an agent knows a first-time buyer from a regular.

use super::{ExternalId, Money};
use crate::domain::{Email, Timestamp};
use serde::{Deserialize, Serialize};

/// A customer as the shop's system knows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Customer {
    /// The shop's id: what a verified `identify({user_id})` names. A push may leave it
    /// out (the path names the record).
    #[schema(value_type = String, required = false)]
    pub id: ExternalId,
    /// Their email: what a verified `identify({email})` names.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub email: Option<Email>,
    /// Their name.
    #[serde(default)]
    pub name: Option<String>,
    /// The shop's tags ("vip", "wholesale"), at most [`super::MAX_TAGS`].
    #[serde(default)]
    pub tags: Vec<String>,
    /// Orders placed so far.
    #[serde(default)]
    pub orders_count: u32,
    /// Money spent so far.
    #[serde(default)]
    pub total_spent: Option<Money>,
    /// When they became a customer.
    #[schema(value_type = i64)]
    pub created_at: Timestamp,
    /// When the shop last changed the record: an older update never overwrites a newer one.
    #[schema(value_type = i64)]
    pub updated_at: Timestamp,
}
