//! A WooCommerce order as a model [`Order`]. Its `status` is the model's own vocabulary
//! (`pending`, `processing`, `on-hold`, `completed`, `cancelled`, `refunded`, `failed`);
//! `checkout-draft` reads as pending, `trash` as cancelled, and a status a plugin added
//! (`shipped`, `awaiting-pickup`, …) as processing — the closest thing a shopper can be told.
//! Payment: paid once `date_paid_gmt` is set, refunded or partly refunded from its refunds.
//! Parcels come from the Shipment Tracking extension's meta, each "handed to the carrier".

use super::super::platform::{
    Amount, Count, decode, email, parse_time, parse_time_opt, short_text, web_link,
};
use super::super::{
    Currency, FinancialStatus, FulfillmentStatus, Invalid, LineItem, MAX_LINE_ITEMS, MAX_REFUNDS,
    MAX_SHIPMENTS, Order, OrderNumber, OrderStatus, Refund, Shipment, ShipmentStatus,
};
use super::id;
use crate::domain::Timestamp;
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
struct WooOrder {
    id: u64,
    #[serde(default)]
    number: Option<Value>,
    status: String,
    currency: String,
    total: Amount,
    #[serde(default)]
    total_tax: Option<Amount>,
    #[serde(default)]
    shipping_total: Option<Amount>,
    #[serde(default)]
    customer_id: u64,
    #[serde(default)]
    billing: Option<Billing>,
    #[serde(default)]
    date_paid_gmt: Option<String>,
    date_created_gmt: String,
    #[serde(default)]
    date_modified_gmt: Option<String>,
    #[serde(default)]
    line_items: Vec<WooLine>,
    #[serde(default)]
    refunds: Vec<WooRefund>,
    #[serde(default)]
    meta_data: Vec<Meta>,
}

#[derive(Deserialize)]
struct Billing {
    #[serde(default)]
    email: Option<String>,
}

#[derive(Deserialize)]
struct WooLine {
    #[serde(default)]
    sku: Option<String>,
    #[serde(default)]
    name: Option<String>,
    quantity: Count,
    #[serde(default)]
    price: Amount,
}

#[derive(Deserialize)]
struct WooRefund {
    id: u64,
    #[serde(default)]
    reason: Option<String>,
    total: Amount,
}

#[derive(Deserialize)]
struct Meta {
    #[serde(default)]
    key: String,
    #[serde(default)]
    value: Value,
}

/// One entry of `_wc_shipment_tracking_items`.
#[derive(Deserialize)]
struct Tracking {
    #[serde(default)]
    tracking_id: Option<String>,
    #[serde(default)]
    tracking_provider: Option<String>,
    #[serde(default)]
    custom_tracking_provider: Option<String>,
    #[serde(default)]
    custom_tracking_link: Option<String>,
    #[serde(default)]
    tracking_number: Option<String>,
    #[serde(default)]
    date_shipped: Option<Value>,
}

fn status(text: &str) -> OrderStatus {
    match text {
        "pending" | "checkout-draft" => OrderStatus::Pending,
        "on-hold" => OrderStatus::OnHold,
        "completed" => OrderStatus::Completed,
        "cancelled" | "trash" => OrderStatus::Cancelled,
        "refunded" => OrderStatus::Refunded,
        "failed" => OrderStatus::Failed,
        _ => OrderStatus::Processing,
    }
}

fn financial(status: OrderStatus, paid: bool, refunded: bool) -> Option<FinancialStatus> {
    match (status, paid, refunded) {
        (OrderStatus::Refunded, _, _) => Some(FinancialStatus::Refunded),
        (_, _, true) => Some(FinancialStatus::PartiallyRefunded),
        (_, true, _) => Some(FinancialStatus::Paid),
        (OrderStatus::Pending | OrderStatus::OnHold, false, _) => Some(FinancialStatus::Pending),
        _ => None,
    }
}

/// `date_shipped`: unix seconds, as a number or text.
fn shipped_at(value: Option<&Value>) -> Option<Timestamp> {
    let secs = match value? {
        Value::Number(n) => n.as_i64()?,
        Value::String(s) => s.trim().parse().ok()?,
        _ => return None,
    };
    Some(Timestamp(secs.saturating_mul(1000)))
}

/// The tracking extension's entries as parcels; entries without an id or an odd shape are
/// skipped (they are the extension's, not the order's).
fn shipments(meta: &[Meta], created: Timestamp, modified: Timestamp) -> Vec<Shipment> {
    let Some(items) = meta.iter().find(|m| m.key == "_wc_shipment_tracking_items") else {
        return Vec::new();
    };
    let entries: Vec<Tracking> = serde_json::from_value(items.value.clone()).unwrap_or_default();
    entries
        .iter()
        .filter_map(|t| {
            let sid = super::super::ExternalId::parse(t.tracking_id.as_deref()?).ok()?;
            let at = shipped_at(t.date_shipped.as_ref()).unwrap_or(created);
            Some(Shipment {
                id: sid,
                carrier: short_text(
                    t.custom_tracking_provider
                        .as_deref()
                        .filter(|p| !p.trim().is_empty())
                        .or(t.tracking_provider.as_deref()),
                ),
                tracking_number: short_text(t.tracking_number.as_deref()),
                tracking_url: web_link(t.custom_tracking_link.as_deref()),
                status: ShipmentStatus::Confirmed,
                estimated_delivery: None,
                events: Vec::new(),
                created_at: at,
                updated_at: modified.max(at),
            })
        })
        .take(MAX_SHIPMENTS)
        .collect()
}

pub(super) fn map(body: &[u8]) -> Result<Order, Invalid> {
    let raw: WooOrder = decode(body)?;
    let created = parse_time("date_created_gmt", &raw.date_created_gmt)?;
    let modified =
        parse_time_opt("date_modified_gmt", raw.date_modified_gmt.as_deref())?.unwrap_or(created);
    let number_text = match &raw.number {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => raw.id.to_string(),
    };
    let order_status = status(raw.status.trim());
    let refunds: Vec<Refund> = raw
        .refunds
        .iter()
        .take(MAX_REFUNDS)
        .enumerate()
        .map(|(i, r)| {
            Ok(Refund {
                id: id(&format!("refunds[{i}].id"), r.id)?,
                // WooCommerce lists refunds with negative totals.
                amount: r.total.0.abs(),
                note: short_text(r.reason.as_deref()),
                created_at: modified,
            })
        })
        .collect::<Result<_, Invalid>>()?;
    let paid = raw
        .date_paid_gmt
        .as_deref()
        .is_some_and(|t| !t.trim().is_empty());
    Ok(Order {
        id: id("id", raw.id)?,
        number: OrderNumber::parse(&number_text).map_err(|e| Invalid {
            field: "number".into(),
            reason: e.to_string(),
        })?,
        customer_id: match raw.customer_id {
            0 => None,
            n => Some(id("customer_id", n)?),
        },
        email: email(raw.billing.as_ref().and_then(|b| b.email.as_deref())),
        status: order_status,
        financial_status: financial(order_status, paid, !refunds.is_empty()),
        fulfillment_status: if order_status == OrderStatus::Completed {
            FulfillmentStatus::Fulfilled
        } else {
            FulfillmentStatus::Unfulfilled
        },
        currency: Currency::parse(&raw.currency).map_err(|e| Invalid {
            field: "currency".into(),
            reason: e.to_string(),
        })?,
        items: raw
            .line_items
            .iter()
            .take(MAX_LINE_ITEMS)
            .map(|l| LineItem {
                sku: short_text(l.sku.as_deref()),
                name: short_text(l.name.as_deref()).unwrap_or_else(|| "item".to_owned()),
                quantity: l.quantity.0,
                price: l.price.0,
            })
            .collect(),
        subtotal: None,
        shipping: raw.shipping_total.map(|a| a.0),
        tax: raw.total_tax.map(|a| a.0),
        total: raw.total.0,
        shipments: shipments(&raw.meta_data, created, modified),
        refunds,
        returns: Vec::new(),
        status_url: None,
        created_at: created,
        updated_at: modified,
    })
}
