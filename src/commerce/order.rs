//! Orders as the shop's system knows them: state, money, items, parcels, refunds and returns.
//! Amounts are exact decimals in the order's currency.

use super::{Currency, ExternalId, Money, OrderNumber, Shipment};
use crate::domain::{Email, Timestamp};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Where the order is in the shop's process (WooCommerce's statuses; Shopify's map onto them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// Placed, waiting for payment.
    Pending,
    /// Paid (or authorised) and being prepared.
    Processing,
    /// Held by the shop (a stock or payment question).
    OnHold,
    /// Done: shipped or collected.
    Completed,
    /// Cancelled.
    Cancelled,
    /// Refunded in full.
    Refunded,
    /// Payment failed.
    Failed,
}

impl OrderStatus {
    /// The status as a shopper reads it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Pending => "awaiting payment",
            Self::Processing => "being prepared",
            Self::OnHold => "on hold",
            Self::Completed => "completed",
            Self::Cancelled => "cancelled",
            Self::Refunded => "refunded",
            Self::Failed => "payment failed",
        }
    }
}

/// The payment side (Shopify's `financial_status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FinancialStatus {
    /// Not paid yet.
    Pending,
    /// Authorised, not captured.
    Authorized,
    /// Partly paid.
    PartiallyPaid,
    /// Paid.
    Paid,
    /// Partly refunded.
    PartiallyRefunded,
    /// Refunded.
    Refunded,
    /// Authorisation voided.
    Voided,
}

/// The shipping side (Shopify's `fulfillment_status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FulfillmentStatus {
    /// Nothing shipped yet.
    #[default]
    Unfulfilled,
    /// Some items shipped.
    Partial,
    /// Everything shipped.
    Fulfilled,
    /// Returned to stock.
    Restocked,
}

/// One line of an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LineItem {
    /// The product's SKU, if it has one.
    #[serde(default)]
    pub sku: Option<String>,
    /// The product's name as printed on the order.
    pub name: String,
    /// Units.
    pub quantity: u32,
    /// Price of one unit, in the order's currency.
    #[schema(value_type = String)]
    pub price: Decimal,
}

/// Money the shop gave back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Refund {
    /// The shop's id for the refund; the same id is stored once.
    #[schema(value_type = String)]
    pub id: ExternalId,
    /// How much, in the order's currency.
    #[schema(value_type = String)]
    pub amount: Decimal,
    /// The shop's note ("damaged in transit").
    #[serde(default)]
    pub note: Option<String>,
    /// When.
    #[schema(value_type = i64)]
    pub created_at: Timestamp,
}

/// Where a return is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReturnStatus {
    /// The shopper asked; nobody decided yet.
    Requested,
    /// Accepted; the shopper may send it back.
    Approved,
    /// Refused.
    Declined,
    /// On its way back or received.
    InProgress,
    /// Done (received and refunded or exchanged).
    Closed,
}

/// A return the shop's system knows about (Shopify returns, a shop's own RMA).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Return {
    /// The shop's id for it.
    #[schema(value_type = String)]
    pub id: ExternalId,
    /// Where it is.
    pub status: ReturnStatus,
    /// When it was opened.
    #[schema(value_type = i64)]
    pub created_at: Timestamp,
    /// When it last changed.
    #[schema(value_type = i64)]
    pub updated_at: Timestamp,
}

/// An order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Order {
    /// The shop's id: upserts are keyed by it. A push may leave it out (the path names
    /// the record).
    #[schema(value_type = String, required = false)]
    pub id: ExternalId,
    /// The number the shopper reads.
    #[schema(value_type = String)]
    pub number: OrderNumber,
    /// The customer's id in the shop, if the order is not a guest order.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub customer_id: Option<ExternalId>,
    /// The email the order was placed with.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub email: Option<Email>,
    /// Where the order is in the shop's process.
    pub status: OrderStatus,
    /// The payment side.
    #[serde(default)]
    pub financial_status: Option<FinancialStatus>,
    /// The shipping side.
    #[serde(default)]
    pub fulfillment_status: FulfillmentStatus,
    /// The order's currency: every amount of the order is in it.
    #[schema(value_type = String)]
    pub currency: Currency,
    /// What was bought, at most [`super::MAX_LINE_ITEMS`].
    #[serde(default)]
    pub items: Vec<LineItem>,
    /// Before shipping and tax.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub subtotal: Option<Decimal>,
    /// Shipping charged.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub shipping: Option<Decimal>,
    /// Tax charged.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub tax: Option<Decimal>,
    /// What the shopper paid.
    #[schema(value_type = String)]
    pub total: Decimal,
    /// Its parcels, at most [`super::MAX_SHIPMENTS`].
    #[serde(default)]
    pub shipments: Vec<Shipment>,
    /// Money given back, at most [`super::MAX_REFUNDS`].
    #[serde(default)]
    pub refunds: Vec<Refund>,
    /// Returns the shop's system knows about, at most [`super::MAX_RETURNS`].
    #[serde(default)]
    pub returns: Vec<Return>,
    /// The shop's own order-status page, if it has one (Shopify's `order_status_url`);
    /// `http(s)` only.
    #[serde(default)]
    pub status_url: Option<String>,
    /// When it was placed.
    #[schema(value_type = i64)]
    pub created_at: Timestamp,
    /// When the shop last changed it: an older update never overwrites a newer one.
    #[schema(value_type = i64)]
    pub updated_at: Timestamp,
}

impl Order {
    /// The total with its currency.
    pub fn total_money(&self) -> Money {
        Money::new(self.total, self.currency.clone())
    }

    /// The parcel a shopper most wants to hear about: the latest one created.
    pub fn latest_shipment(&self) -> Option<&Shipment> {
        self.shipments
            .iter()
            .max_by_key(|s| (s.created_at, s.updated_at))
    }

    /// Money refunded so far.
    pub fn refunded(&self) -> Decimal {
        self.refunds.iter().map(|r| r.amount).sum()
    }

    /// One status a shopper understands, from the order and its latest parcel: "in transit",
    /// "delivered", "being prepared", "cancelled".
    pub fn status_label(&self) -> &'static str {
        match (self.status, self.latest_shipment()) {
            (OrderStatus::Cancelled | OrderStatus::Refunded | OrderStatus::Failed, _) => {
                self.status.label()
            }
            (_, Some(shipment)) => shipment.status.label(),
            (status, None) => status.label(),
        }
    }

    /// The items as one line: `2 × Trail Shoe, 1 × Rain Jacket`.
    pub fn items_line(&self) -> String {
        let mut line = String::new();
        for (i, item) in self.items.iter().enumerate() {
            if i > 0 {
                line.push_str(", ");
            }
            line.push_str(&format!("{} × {}", item.quantity, item.name));
        }
        line
    }
}
