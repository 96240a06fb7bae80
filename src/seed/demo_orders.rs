//! The demo shop's customer and orders, so "Where is my order?" can be tried from the first
//! minute: the demo pages can sign in as this customer (a verified `identify`), who has a
//! parcel on its way, one delivered, and one order stuck in the warehouse (which the bot hands
//! to a person rather than answering cheerfully).

use crate::commerce::{Customer, Order};
use crate::domain::{SiteId, Timestamp};
use crate::store::Store;
use crate::store::StoreError;
use serde_json::json;

/// The demo customer's id in the "shop": what the demo pages' `identify` names.
pub const DEMO_CUSTOMER_ID: &str = "demo-customer";

const DAY: i64 = 24 * 60 * 60 * 1000;

/// Stores the demo customer and three orders, dated relative to `now`.
pub(crate) async fn seed_demo_orders(
    store: &dyn Store,
    site: &SiteId,
    now: Timestamp,
) -> Result<(), StoreError> {
    let at = |days: i64| now.0 - days * DAY;
    let customer = json!({
        "id": DEMO_CUSTOMER_ID, "email": "dana@demo.example", "name": "Dana Demo",
        "tags": ["newsletter"], "orders_count": 3,
        "total_spent": { "amount": "416.00", "currency": "EUR" },
        "created_at": at(400), "updated_at": at(1)
    });
    let orders = [
        json!({
            "id": "demo-1003", "number": "#1003", "customer_id": DEMO_CUSTOMER_ID,
            "email": "dana@demo.example", "status": "processing", "financial_status": "paid",
            "fulfillment_status": "fulfilled", "currency": "EUR",
            "items": [{ "sku": "JKT-ALP-01", "name": "Alpine Down Jacket", "quantity": 1, "price": "189.00" }],
            "total": "189.00", "created_at": at(3), "updated_at": at(1),
            "shipments": [{
                "id": "demo-parcel-1003", "carrier": "DHL", "tracking_number": "JD014600003SE",
                "tracking_url": "https://www.dhl.com/global-en/home/tracking.html?tracking-id=JD014600003SE",
                "status": "in_transit", "estimated_delivery": at(-2),
                "events": [
                    { "at": at(2), "status": "confirmed", "description": "Handed to DHL" },
                    { "at": at(1), "status": "in_transit", "description": "Arrived at the sorting centre", "location": "Leipzig" }
                ],
                "created_at": at(2), "updated_at": at(1)
            }]
        }),
        json!({
            "id": "demo-1002", "number": "#1002", "customer_id": DEMO_CUSTOMER_ID,
            "email": "dana@demo.example", "status": "processing", "financial_status": "paid",
            "fulfillment_status": "unfulfilled", "currency": "EUR",
            "items": [{ "sku": "SCF-MER-03", "name": "Merino Scarf", "quantity": 2, "price": "39.00" }],
            "total": "78.00", "created_at": at(12), "updated_at": at(12)
        }),
        json!({
            "id": "demo-1001", "number": "#1001", "customer_id": DEMO_CUSTOMER_ID,
            "email": "dana@demo.example", "status": "completed", "financial_status": "paid",
            "fulfillment_status": "fulfilled", "currency": "EUR",
            "items": [{ "sku": "BOT-TRL-02", "name": "Trail Leather Boots", "quantity": 1, "price": "149.00" }],
            "total": "149.00", "created_at": at(40), "updated_at": at(33),
            "shipments": [{
                "id": "demo-parcel-1001", "carrier": "DPD", "tracking_number": "01234567890123",
                "tracking_url": "https://tracking.dpd.de/status/en_US/parcel/01234567890123",
                "status": "delivered", "created_at": at(38), "updated_at": at(35)
            }]
        }),
    ];
    // The records above are fixed and checked by a unit test; a parse failure would be a bug.
    let corrupt = |e: serde_json::Error| StoreError::Corrupt(format!("demo orders: {e}"));
    let customer: Customer = serde_json::from_value(customer).map_err(corrupt)?;
    let orders = orders
        .into_iter()
        .map(|o| serde_json::from_value::<Order>(o).map_err(corrupt))
        .collect::<Result<Vec<_>, _>>()?;
    store.import(site, vec![customer], orders).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commerce::stuck::stuck;
    use crate::store::prelude::*;
    use crate::store::sqlite::SqliteStore;

    #[tokio::test]
    async fn the_demo_orders_parse_and_show_each_case() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path()).unwrap();
        let site = store
            .create_site(crate::store::NewSite {
                name: "Demo".into(),
                origins: vec![],
            })
            .await
            .unwrap();
        let now = Timestamp(100 * DAY);
        seed_demo_orders(&store, &site.id, now).await.unwrap();
        let key = crate::commerce::CustomerKey {
            customer_id: Some(crate::commerce::ExternalId::parse(DEMO_CUSTOMER_ID).unwrap()),
            email: None,
        };
        let orders = store.orders_for(&site.id, &key, 10).await.unwrap();
        let labels: Vec<_> = orders.iter().map(|o| o.status_label()).collect();
        assert_eq!(labels, ["in transit", "being prepared", "delivered"]);
        let stuck_numbers: Vec<_> = orders
            .iter()
            .filter(|o| stuck(o, now, 5).is_some())
            .map(|o| o.number.as_str())
            .collect();
        assert_eq!(stuck_numbers, ["#1002"]);
    }
}
