//! The shop's records as rule facts ([`ShopFacts`]): what `customer.*` and `last_order.*`
//! read, and the `{{ order }}` / `{{ customer }}` a rule message may print.

use super::view::{customer_view, order_view};
use super::{Customer, Order};
use crate::triggers::ShopFacts;
use rust_decimal::prelude::ToPrimitive;

/// The facts for a customer record (if any) and their orders, newest placed first.
pub fn shop_facts(customer: Option<&Customer>, orders: &[Order]) -> ShopFacts {
    let newest = orders.iter().max_by_key(|o| o.created_at);
    let text = |value: serde_json::Value| value.as_str().map(str::to_owned);
    ShopFacts {
        orders_count: customer
            .map(|c| c.orders_count)
            .unwrap_or(0)
            .max(u32::try_from(orders.len()).unwrap_or(u32::MAX)),
        total_spent: customer
            .and_then(|c| c.total_spent.as_ref())
            .and_then(|m| m.amount.to_f64()),
        tags: customer.map(|c| c.tags.clone()).unwrap_or_default(),
        last_order_status: newest.and_then(|o| serde_json::to_value(o.status).ok().and_then(text)),
        last_order_fulfillment: newest.and_then(|o| {
            serde_json::to_value(o.fulfillment_status)
                .ok()
                .and_then(text)
        }),
        last_order_at: newest.map(|o| o.created_at),
        order_view: newest.map(order_view),
        customer_view: customer.map(customer_view),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn facts_come_from_the_customer_and_the_newest_order() {
        let customer: Customer = serde_json::from_value(json!({
            "id": "7", "orders_count": 1, "tags": ["vip"],
            "total_spent": { "amount": "420.50", "currency": "EUR" },
            "created_at": 0, "updated_at": 0
        }))
        .unwrap();
        let order = |id: &str, at: i64, status: &str| -> Order {
            serde_json::from_value(json!({
                "id": id, "number": id, "status": status, "currency": "EUR", "total": "1",
                "created_at": at, "updated_at": at
            }))
            .unwrap()
        };
        let orders = [order("2", 200, "processing"), order("1", 100, "completed")];
        let facts = shop_facts(Some(&customer), &orders);
        assert_eq!(
            facts.orders_count, 2,
            "the orders seen when the record lags"
        );
        assert_eq!(facts.total_spent, Some(420.5));
        assert_eq!(facts.last_order_status.as_deref(), Some("processing"));
        assert_eq!(facts.last_order_fulfillment.as_deref(), Some("unfulfilled"));
        assert_eq!(facts.order_view.unwrap()["number"], "2");
        assert_eq!(facts.customer_view.unwrap()["total_spent"], "€420.50");
        assert_eq!(shop_facts(None, &[]), ShopFacts::default());
    }
}
