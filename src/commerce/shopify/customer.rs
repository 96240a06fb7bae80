//! A Shopify customer (`customers/*` topics) as a model [`Customer`]. Shopify's comma-separated
//! `tags` become a list; `orders_count`/`total_spent` (older API versions) or
//! `number_of_orders`/`amount_spent` (newer ones) are read, whichever the payload has.

use super::super::platform::{Amount, Count, decode, email, parse_time, short_text};
use super::super::{Currency, Customer, Invalid, MAX_TAGS, Money};
use super::id;
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
struct ShopifyCustomer {
    id: Value,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    first_name: Option<String>,
    #[serde(default)]
    last_name: Option<String>,
    #[serde(default)]
    tags: Option<String>,
    #[serde(default)]
    orders_count: Option<Count>,
    #[serde(default)]
    number_of_orders: Option<Count>,
    #[serde(default)]
    total_spent: Option<Amount>,
    #[serde(default)]
    amount_spent: Option<Spent>,
    #[serde(default)]
    currency: Option<String>,
    created_at: String,
    updated_at: String,
}

#[derive(Deserialize)]
struct Spent {
    amount: Amount,
    currency_code: String,
}

/// Shopify's `"vip, wholesale"` as a bounded list of tags of at most 64 characters.
fn tags(text: Option<&str>) -> Vec<String> {
    text.unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| t.chars().take(64).collect())
        .take(MAX_TAGS)
        .collect()
}

pub(super) fn map(body: &[u8]) -> Result<Customer, Invalid> {
    let raw: ShopifyCustomer = decode(body)?;
    let name = [raw.first_name.as_deref(), raw.last_name.as_deref()]
        .into_iter()
        .flatten()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let total_spent = match (&raw.amount_spent, raw.total_spent, raw.currency.as_deref()) {
        (Some(s), _, _) => Currency::parse(&s.currency_code)
            .ok()
            .map(|c| Money::new(s.amount.0, c)),
        (None, Some(amount), Some(code)) => {
            Currency::parse(code).ok().map(|c| Money::new(amount.0, c))
        }
        _ => None,
    };
    Ok(Customer {
        id: id("id", &raw.id)?,
        email: email(raw.email.as_deref()),
        name: short_text(Some(&name)),
        tags: tags(raw.tags.as_deref()),
        orders_count: raw
            .orders_count
            .or(raw.number_of_orders)
            .unwrap_or_default()
            .0,
        total_spent,
        created_at: parse_time("created_at", &raw.created_at)?,
        updated_at: parse_time("updated_at", &raw.updated_at)?,
    })
}
