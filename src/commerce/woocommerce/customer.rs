//! A WooCommerce customer as a model [`Customer`]. The v3 API sends no orders count or spend
//! (older versions did: read if present, without a currency since WooCommerce's customer has
//! none); a customer never modified has no `date_modified_gmt`, so its creation time stands in.

use super::super::platform::{Count, decode, email, parse_time, parse_time_opt, short_text};
use super::super::{Customer, Invalid};
use super::id;
use serde::Deserialize;

#[derive(Deserialize)]
struct WooCustomer {
    id: u64,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    first_name: Option<String>,
    #[serde(default)]
    last_name: Option<String>,
    #[serde(default)]
    orders_count: Option<Count>,
    date_created_gmt: String,
    #[serde(default)]
    date_modified_gmt: Option<String>,
}

pub(super) fn map(body: &[u8]) -> Result<Customer, Invalid> {
    let raw: WooCustomer = decode(body)?;
    let created = parse_time("date_created_gmt", &raw.date_created_gmt)?;
    let name = [raw.first_name.as_deref(), raw.last_name.as_deref()]
        .into_iter()
        .flatten()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    Ok(Customer {
        id: id("id", raw.id)?,
        email: email(raw.email.as_deref()),
        name: short_text(Some(&name)),
        tags: Vec::new(),
        orders_count: raw.orders_count.unwrap_or_default().0,
        total_spent: None,
        created_at: created,
        updated_at: parse_time_opt("date_modified_gmt", raw.date_modified_gmt.as_deref())?
            .unwrap_or(created),
    })
}
