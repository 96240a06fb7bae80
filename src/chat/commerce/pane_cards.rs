//! The context pane's cards: an order, its parcels, refunds, returns and open requests, and
//! the customer, turned into what the dashboard lays out as it is — money with its currency,
//! days as text, statuses as words, links only when they are `http(s)`. Pure.

use crate::commerce::stuck::{StuckReason, stuck};
use crate::commerce::view::day;
use crate::commerce::{
    Customer, FinancialStatus, FulfillmentStatus, Order, OrderRequest, OrderStatus, RequestKind,
    RequestStatus, ReturnStatus, Shipment, ShipmentStatus, check_url, format_amount,
};
use crate::domain::Timestamp;
use rust_decimal::Decimal;
use serde::Serialize;

/// Parcel events shown per shipment: the latest few say where it is; the full trip is the
/// carrier's page behind the tracking link.
const EVENTS_SHOWN: usize = 3;

/// The customer's profile.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub(super) struct CustomerCard {
    /// The shop's customer id.
    id: String,
    name: Option<String>,
    email: Option<String>,
    orders_count: u32,
    /// With its currency (`€420.00`).
    total_spent: Option<String>,
    /// The shop's tags.
    tags: Vec<String>,
    /// Customer since (`3 Dec 2025`).
    since: Option<String>,
}

/// One order as the agent reads it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub(super) struct OrderCard {
    /// The shop's id.
    id: String,
    /// The number the shopper knows.
    number: String,
    /// Placed on (`3 Dec 2025`), and the instant for the dashboard's own formatting.
    placed: Option<String>,
    #[schema(value_type = i64)]
    placed_at: Timestamp,
    /// One status a person understands ("in transit", "cancelled").
    #[schema(value_type = String)]
    status: &'static str,
    order_status: OrderStatus,
    financial_status: Option<FinancialStatus>,
    fulfillment_status: FulfillmentStatus,
    items: Vec<ItemCard>,
    /// With its currency.
    total: String,
    /// Money refunded so far, when any was.
    refunded: Option<String>,
    /// Newest parcel first.
    shipments: Vec<ShipmentCard>,
    refunds: Vec<RefundCard>,
    returns: Vec<ReturnCard>,
    /// Shoppers' return/cancel requests still waiting for a person.
    requests: Vec<RequestCard>,
    /// Why the order needs a person, when it looks stuck.
    stuck: Option<String>,
    stuck_reason: Option<StuckReason>,
    /// The shop's own order page (`http(s)` only).
    status_url: Option<String>,
}

/// One line of an order.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
struct ItemCard {
    name: String,
    sku: Option<String>,
    quantity: u32,
    /// Unit price with its currency.
    price: String,
    /// Quantity × unit price (`None` only if that overflows a decimal).
    total: Option<String>,
}

/// One parcel.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
struct ShipmentCard {
    carrier: Option<String>,
    tracking_number: Option<String>,
    /// Checked again here (`http(s)` only) because the dashboard makes it a link.
    tracking_url: Option<String>,
    /// As a person reads it ("out for delivery").
    #[schema(value_type = String)]
    status: &'static str,
    shipment_status: ShipmentStatus,
    estimated_delivery: Option<String>,
    /// The latest scans, newest first.
    events: Vec<EventCard>,
}

/// One scan of a parcel.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
struct EventCard {
    #[schema(value_type = i64)]
    at: Timestamp,
    #[schema(value_type = String)]
    status: &'static str,
    description: Option<String>,
    location: Option<String>,
}

/// Money given back.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
struct RefundCard {
    amount: String,
    note: Option<String>,
    on: Option<String>,
}

/// A return the shop's system knows about.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
struct ReturnCard {
    status: ReturnStatus,
    opened: Option<String>,
}

/// A shopper's open request on the order.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
struct RequestCard {
    id: String,
    kind: RequestKind,
    reason: Option<String>,
    conversation_id: String,
    #[schema(value_type = i64)]
    made_at: Timestamp,
}

pub(super) fn customer_card(customer: &Customer) -> CustomerCard {
    CustomerCard {
        id: customer.id.as_str().to_owned(),
        name: customer.name.clone(),
        email: customer.email.as_ref().map(|e| e.as_str().to_owned()),
        orders_count: customer.orders_count,
        total_spent: customer.total_spent.as_ref().map(|m| m.formatted()),
        tags: customer.tags.clone(),
        since: day(customer.created_at),
    }
}

pub(super) fn order_card(
    order: &Order,
    requests: &[OrderRequest],
    now: Timestamp,
    stuck_days: u32,
) -> OrderCard {
    let money = |amount| format_amount(amount, &order.currency);
    let refunded = order.refunded();
    let mut shipments: Vec<&Shipment> = order.shipments.iter().collect();
    shipments.sort_by_key(|s| std::cmp::Reverse((s.created_at, s.updated_at)));
    let stuck_reason = stuck(order, now, stuck_days);
    OrderCard {
        id: order.id.as_str().to_owned(),
        number: order.number.as_str().to_owned(),
        placed: day(order.created_at),
        placed_at: order.created_at,
        status: order.status_label(),
        order_status: order.status,
        financial_status: order.financial_status,
        fulfillment_status: order.fulfillment_status,
        items: order
            .items
            .iter()
            .map(|item| ItemCard {
                name: item.name.clone(),
                sku: item.sku.clone(),
                quantity: item.quantity,
                price: money(item.price),
                total: item
                    .price
                    .checked_mul(Decimal::from(item.quantity))
                    .map(money),
            })
            .collect(),
        total: money(order.total),
        refunded: (!refunded.is_zero()).then(|| money(refunded)),
        shipments: shipments.into_iter().map(shipment_card).collect(),
        refunds: order
            .refunds
            .iter()
            .map(|r| RefundCard {
                amount: money(r.amount),
                note: r.note.clone(),
                on: day(r.created_at),
            })
            .collect(),
        returns: order
            .returns
            .iter()
            .map(|r| ReturnCard {
                status: r.status,
                opened: day(r.created_at),
            })
            .collect(),
        requests: requests
            .iter()
            .filter(|r| r.status == RequestStatus::Open)
            .map(|r| RequestCard {
                id: r.id.as_str().to_owned(),
                kind: r.kind,
                reason: r.reason.clone(),
                conversation_id: r.conversation_id.as_str().to_owned(),
                made_at: r.created_at,
            })
            .collect(),
        stuck: stuck_reason.as_ref().map(StuckReason::describe),
        stuck_reason,
        status_url: web_link(order.status_url.as_deref()),
    }
}

fn shipment_card(shipment: &Shipment) -> ShipmentCard {
    ShipmentCard {
        carrier: shipment.carrier.clone(),
        tracking_number: shipment.tracking_number.clone(),
        tracking_url: web_link(shipment.tracking_url.as_deref()),
        status: shipment.status.label(),
        shipment_status: shipment.status,
        estimated_delivery: shipment.estimated_delivery.and_then(day),
        events: shipment
            .events
            .iter()
            .rev()
            .take(EVENTS_SHOWN)
            .map(|e| EventCard {
                at: e.at,
                status: e.status.label(),
                description: e.description.clone(),
                location: e.location.clone(),
            })
            .collect(),
    }
}

/// A link the dashboard may make clickable: `http(s)` only. Checked on the way in already;
/// checked again on the way out, as a record written before the check must not become a
/// `javascript:` link.
fn web_link(url: Option<&str>) -> Option<String> {
    url.filter(|u| check_url("url", Some(u)).is_ok())
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::super::pane::tests::order;
    use super::*;

    #[test]
    fn only_web_links_reach_the_dashboard() {
        let now = 1_800_000_000_000;
        let card = order_card(
            &order("processing", Some("in_transit"), 2, now),
            &[],
            Timestamp(now),
            5,
        );
        assert_eq!(card.shipments[0].tracking_url, None);
        assert_eq!(
            card.status_url.as_deref(),
            Some("https://shop.example/orders/1")
        );
        assert_eq!(
            web_link(Some("http://t.example/x")).as_deref(),
            Some("http://t.example/x")
        );
        assert_eq!(web_link(Some("data:text/html,hi")), None);
    }
}
