//! A Shopify order (`orders/*` topics) as a model [`Order`]. Status: Shopify has no single
//! status, so it is derived — `cancelled_at` set → cancelled; `financial_status` refunded →
//! refunded, voided → cancelled, pending → awaiting payment; fully fulfilled or closed →
//! completed; otherwise being prepared. Unknown `financial_status` values (Shopify adds some)
//! are kept as no financial status rather than refused.

use super::super::platform::{Amount, decode, email, parse_time, short_text, web_link};
use super::super::{
    Currency, FinancialStatus, FulfillmentStatus, Invalid, LineItem, MAX_LINE_ITEMS, MAX_REFUNDS,
    MAX_SHIPMENTS, Order, OrderNumber, OrderStatus,
};
use super::{fulfillment, id, refund};
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
pub(super) struct ShopifyOrder {
    id: Value,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    order_number: Option<Value>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    contact_email: Option<String>,
    #[serde(default)]
    customer: Option<CustomerRef>,
    #[serde(default)]
    financial_status: Option<String>,
    #[serde(default)]
    fulfillment_status: Option<String>,
    #[serde(default)]
    cancelled_at: Option<String>,
    #[serde(default)]
    closed_at: Option<String>,
    currency: String,
    total_price: Amount,
    #[serde(default)]
    subtotal_price: Option<Amount>,
    #[serde(default)]
    total_tax: Option<Amount>,
    #[serde(default)]
    total_shipping_price_set: Option<PriceSet>,
    #[serde(default)]
    line_items: Vec<ShopifyLine>,
    #[serde(default)]
    fulfillments: Vec<fulfillment::ShopifyFulfillment>,
    #[serde(default)]
    refunds: Vec<refund::ShopifyRefund>,
    #[serde(default)]
    order_status_url: Option<String>,
    created_at: String,
    updated_at: String,
}

#[derive(Deserialize)]
struct CustomerRef {
    #[serde(default)]
    id: Option<Value>,
    #[serde(default)]
    email: Option<String>,
}

#[derive(Deserialize)]
struct PriceSet {
    shop_money: ShopMoney,
}

#[derive(Deserialize)]
struct ShopMoney {
    amount: Amount,
}

#[derive(Deserialize)]
struct ShopifyLine {
    #[serde(default)]
    sku: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    title: Option<String>,
    quantity: u32,
    price: Amount,
}

pub(super) fn map(body: &[u8]) -> Result<Order, Invalid> {
    let raw: ShopifyOrder = decode(body)?;
    raw.into_order()
}

fn financial(text: Option<&str>) -> Option<FinancialStatus> {
    Some(match text? {
        "pending" => FinancialStatus::Pending,
        "authorized" => FinancialStatus::Authorized,
        "partially_paid" => FinancialStatus::PartiallyPaid,
        "paid" => FinancialStatus::Paid,
        "partially_refunded" => FinancialStatus::PartiallyRefunded,
        "refunded" => FinancialStatus::Refunded,
        "voided" | "expired" => FinancialStatus::Voided,
        _ => return None,
    })
}

fn fulfillment_status(text: Option<&str>) -> FulfillmentStatus {
    match text {
        Some("fulfilled") => FulfillmentStatus::Fulfilled,
        Some("partial") => FulfillmentStatus::Partial,
        Some("restocked") => FulfillmentStatus::Restocked,
        _ => FulfillmentStatus::Unfulfilled,
    }
}

fn status(
    cancelled: bool,
    closed: bool,
    financial: Option<FinancialStatus>,
    fulfillment: FulfillmentStatus,
) -> OrderStatus {
    match (cancelled, financial, fulfillment) {
        (true, _, _) | (_, Some(FinancialStatus::Voided), _) => OrderStatus::Cancelled,
        (_, Some(FinancialStatus::Refunded), _) => OrderStatus::Refunded,
        (_, _, FulfillmentStatus::Fulfilled) => OrderStatus::Completed,
        _ if closed => OrderStatus::Completed,
        (_, Some(FinancialStatus::Pending) | None, _) => OrderStatus::Pending,
        _ => OrderStatus::Processing,
    }
}

fn number(name: Option<&str>, order_number: Option<&Value>) -> Result<OrderNumber, Invalid> {
    let text = match (name.map(str::trim), order_number) {
        (Some(n), _) if !n.is_empty() => n.to_owned(),
        (_, Some(Value::Number(n))) => n.to_string(),
        (_, Some(Value::String(s))) => s.clone(),
        _ => String::new(),
    };
    OrderNumber::parse(&text).map_err(|e| Invalid {
        field: "name".into(),
        reason: e.to_string(),
    })
}

impl ShopifyOrder {
    fn into_order(self) -> Result<Order, Invalid> {
        let order_id = id("id", &self.id)?;
        let financial_status = financial(self.financial_status.as_deref());
        let fulfillment = fulfillment_status(self.fulfillment_status.as_deref());
        let cancelled = self.cancelled_at.as_deref().is_some_and(|t| !t.is_empty());
        let closed = self.closed_at.as_deref().is_some_and(|t| !t.is_empty());
        let customer_id = match self.customer.as_ref().and_then(|c| c.id.as_ref()) {
            Some(Value::Null) | None => None,
            Some(v) => Some(id("customer.id", v)?),
        };
        let customer_email = self.customer.as_ref().and_then(|c| c.email.as_deref());
        let items = self
            .line_items
            .iter()
            .take(MAX_LINE_ITEMS)
            .map(|l| LineItem {
                sku: short_text(l.sku.as_deref()),
                name: short_text(l.name.as_deref().or(l.title.as_deref()))
                    .unwrap_or_else(|| "item".to_owned()),
                quantity: l.quantity,
                price: l.price.0,
            })
            .collect();
        let mut shipments = Vec::new();
        for (i, f) in self.fulfillments.iter().take(MAX_SHIPMENTS).enumerate() {
            shipments.push(f.to_shipment(&format!("fulfillments[{i}]."))?);
        }
        let mut refunds = Vec::new();
        for (i, r) in self.refunds.iter().take(MAX_REFUNDS).enumerate() {
            refunds.push(r.to_refund(&format!("refunds[{i}]."))?);
        }
        Ok(Order {
            number: number(self.name.as_deref(), self.order_number.as_ref())?,
            customer_id,
            email: email(self.email.as_deref())
                .or_else(|| email(self.contact_email.as_deref()))
                .or_else(|| email(customer_email)),
            status: status(cancelled, closed, financial_status, fulfillment),
            financial_status,
            fulfillment_status: fulfillment,
            currency: Currency::parse(&self.currency).map_err(|e| Invalid {
                field: "currency".into(),
                reason: e.to_string(),
            })?,
            items,
            subtotal: self.subtotal_price.map(|a| a.0),
            shipping: self.total_shipping_price_set.map(|s| s.shop_money.amount.0),
            tax: self.total_tax.map(|a| a.0),
            total: self.total_price.0,
            shipments,
            refunds,
            returns: Vec::new(),
            status_url: web_link(self.order_status_url.as_deref()),
            created_at: parse_time("created_at", &self.created_at)?,
            updated_at: parse_time("updated_at", &self.updated_at)?,
            id: order_id,
        })
    }
}
