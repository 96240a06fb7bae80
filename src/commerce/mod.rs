//! The shop's own data: customers, orders, parcels, refunds and returns as the shop's systems
//! (its own back end through the push API, Shopify, WooCommerce) report them. This is the pure
//! core of it — the model, money, the rules for applying late and repeated updates, limits,
//! what a shopper's words ask and whether an order looks stuck. No I/O here: the store keeps
//! these records, the application layer (`chat/`) decides who may see them.
//!
//! Trust: order data is shown to a shopper only when the shop vouched for who they are (a
//! verified `identify`) or when they proved it (order number *and* email). An email a shopper
//! merely typed (the offline contact form) links orders for agents only, marked as such.

mod customer;
pub mod facts;
mod ids;
pub mod intent;
mod limits;
mod merge;
mod money;
mod order;
pub mod platform;
mod records;
mod shipment;
pub mod shopify;
pub mod stuck;
#[cfg(test)]
mod tests;
pub mod view;
pub mod woocommerce;

pub use customer::Customer;
pub use ids::{CommerceIdError, ExternalId, OrderNumber};
pub use intent::Intent;
pub use limits::{
    Invalid, MAX_LINE_ITEMS, MAX_REFUNDS, MAX_RETURNS, MAX_SHIPMENT_EVENTS, MAX_SHIPMENTS,
    MAX_TAGS, MAX_TEXT, MAX_URL, check_url,
};
pub use merge::{
    ImportCounts, ImportReport, OrderChange, Upsert, apply_change, merge_customer, merge_order,
};
pub use money::{Currency, CurrencyError, Money, format_amount};
pub use order::{
    FinancialStatus, FulfillmentStatus, LineItem, Order, OrderStatus, Refund, Return, ReturnStatus,
};
pub use records::{
    ApiKey, CommerceSettings, CustomerKey, OrderRequest, RequestKind, RequestStatus,
};
pub use shipment::{Shipment, ShipmentEvent, ShipmentStatus};
pub use stuck::StuckReason;
