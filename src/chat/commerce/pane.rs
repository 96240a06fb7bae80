//! The agent's context pane: who the shopper of a conversation is to the shop (profile, recent
//! orders with their items, parcels, refunds, returns, the shoppers' open requests and whether
//! an order looks stuck), already formatted for reading, so the dashboard only lays it out.
//! Also the shop's data for what agents send: canned-reply variables and the order state that
//! ranks suggestions.
//!
//! Trust: the pane shows orders matched by the email a shopper merely typed (marked
//! `contact_email`, for the agent to confirm), but a canned reply — text that goes to the
//! shopper — is filled only from a verified link, so a shopper who typed someone else's
//! address never receives that person's tracking link through a hurried agent.

use super::super::{ChatError, ChatService};
use super::pane_cards::{CustomerCard, OrderCard, customer_card, order_card};
use super::{CustomerContext, Link};
use crate::commerce::stuck::stuck;
use crate::commerce::view::{customer_view, order_view};
use crate::commerce::{Order, OrderStatus, ShipmentStatus};
use crate::conversation::Conversation;
use crate::domain::Timestamp;
use crate::library::canned::ShopData;
use crate::library::suggest::OrderFocus;
use serde::Serialize;
use serde_json::Value;

/// What the pane shows for one conversation. `link` is `None` (and the rest empty) when the
/// shop knows nothing about this shopper — an answer, not an error, so the dashboard can say
/// so.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub(crate) struct CustomerPane {
    /// How the shopper was linked: `verified` (the shop vouched) or `contact_email` (only the
    /// email they typed matches: unverified).
    link: Option<Link>,
    /// The shop's customer record (guest orders have none).
    customer: Option<CustomerCard>,
    /// Recent orders, newest placed first.
    orders: Vec<OrderCard>,
}

impl CustomerPane {
    fn empty() -> Self {
        CustomerPane {
            link: None,
            customer: None,
            orders: Vec::new(),
        }
    }
}

impl ChatService {
    /// The customer pane of a conversation (already checked to belong to the caller's site):
    /// profile, recent orders and their state, ready to encode.
    pub(crate) async fn customer_pane(
        &self,
        conv: &Conversation,
    ) -> Result<CustomerPane, ChatError> {
        let Some(context) = self.conversation_customer(conv).await? else {
            return Ok(CustomerPane::empty());
        };
        let site = &conv.site_id;
        let settings = self.store.commerce_settings(site).await?;
        let now = Timestamp::now();
        let mut orders = Vec::with_capacity(context.orders.len());
        // At most RECENT_ORDERS look-ups, each one indexed read.
        for order in &context.orders {
            let requests = self.store.order_requests(site, &order.id).await?;
            orders.push(order_card(order, &requests, now, settings.stuck_after_days));
        }
        Ok(CustomerPane {
            link: Some(context.link),
            customer: context.customer.as_ref().map(customer_card),
            orders,
        })
    }

    /// The shop's records for a conversation's shopper: the verified id (live, else saved)
    /// first, then the conversation's contact email.
    async fn conversation_customer(
        &self,
        conv: &Conversation,
    ) -> Result<Option<CustomerContext>, ChatError> {
        self.agent_customer_context(
            &conv.site_id,
            &conv.visitor_id,
            conv.contact_email.as_deref(),
        )
        .await
    }

    /// What the shop's data adds to an agent's canned replies and suggestions: the template
    /// variables (verified links only, see the module docs) and the latest order's state.
    /// A failing commerce store leaves both out (logged) rather than failing a preview the
    /// browser's own data can still fill.
    pub(crate) async fn agent_shop_data(
        &self,
        conv: &Conversation,
    ) -> (ShopData, Option<OrderFocus>) {
        let found = match self.conversation_customer(conv).await {
            Ok(found) => found,
            Err(e) => {
                tracing::warn!(site = %conv.site_id, error = %e, "shop data for canned replies unavailable");
                return (ShopData::default(), None);
            }
        };
        let Some(context) = found else {
            return (ShopData::default(), None);
        };
        let stuck_days = match self.store.commerce_settings(&conv.site_id).await {
            Ok(settings) => settings.stuck_after_days,
            Err(_) => crate::commerce::CommerceSettings::default().stuck_after_days,
        };
        let focus = context
            .orders
            .first()
            .and_then(|o| order_focus(o, Timestamp::now(), stuck_days));
        let data = match context.link {
            Link::Verified => template_data(&context),
            Link::ContactEmail => ShopData::default(),
        };
        (data, focus)
    }
}

/// The template variables of a customer context: `customer.*`, and `order.*` per order
/// (newest first) with `id` set to the order's number, as the browser-reported order's
/// `{{ order.id }}` was the number the shopper saw.
fn template_data(context: &CustomerContext) -> ShopData {
    let orders = context
        .orders
        .iter()
        .map(|order| {
            let mut view = order_view(order);
            if let Value::Object(map) = &mut view {
                map.entry("id")
                    .or_insert_with(|| Value::from(order.number.as_str()));
            }
            view
        })
        .collect();
    ShopData {
        customer: context.customer.as_ref().map(customer_view),
        orders,
    }
}

/// What an order is doing, as far as it changes which reply helps first.
pub(crate) fn order_focus(order: &Order, now: Timestamp, stuck_days: u32) -> Option<OrderFocus> {
    if matches!(
        order.status,
        OrderStatus::Cancelled | OrderStatus::Refunded | OrderStatus::Failed
    ) {
        return Some(OrderFocus::Cancelled);
    }
    if stuck(order, now, stuck_days).is_some() {
        return Some(OrderFocus::Stuck);
    }
    match order.latest_shipment().map(|s| s.status) {
        Some(ShipmentStatus::Delivered) => Some(OrderFocus::Delivered),
        Some(status) if !status.is_final() => Some(OrderFocus::OnItsWay),
        Some(_) => None,
        None if matches!(
            order.status,
            OrderStatus::Pending | OrderStatus::Processing | OrderStatus::OnHold
        ) =>
        {
            Some(OrderFocus::Preparing)
        }
        None => None,
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use serde_json::json;

    const DAY: i64 = 24 * 60 * 60 * 1000;

    /// An order placed `placed_days_ago`, with a parcel in `parcel`'s status whose stored
    /// tracking link is a `javascript:` one (as a record written before links were checked).
    pub(in crate::chat::commerce) fn order(
        status: &str,
        parcel: Option<&str>,
        placed_days_ago: i64,
        now: i64,
    ) -> Order {
        let shipments = parcel.map_or_else(Vec::new, |s| {
            vec![
                json!({ "id": "f", "status": s, "tracking_url": "javascript:alert(1)",
                         "created_at": now - DAY, "updated_at": now - DAY }),
            ]
        });
        serde_json::from_value(json!({
            "id": "o", "number": "#1", "status": status, "currency": "EUR", "total": "10",
            "shipments": shipments, "status_url": "https://shop.example/orders/1",
            "created_at": now - placed_days_ago * DAY, "updated_at": now - DAY,
        }))
        .unwrap()
    }

    #[test]
    fn the_order_state_that_ranks_replies() {
        let now = 1_800_000_000_000;
        let focus = |o: &Order| order_focus(o, Timestamp(now), 5);
        let on_way = order("processing", Some("in_transit"), 2, now);
        assert_eq!(focus(&on_way), Some(OrderFocus::OnItsWay));
        let delivered = order("completed", Some("delivered"), 9, now);
        assert_eq!(focus(&delivered), Some(OrderFocus::Delivered));
        let cancelled = order("cancelled", Some("in_transit"), 2, now);
        assert_eq!(focus(&cancelled), Some(OrderFocus::Cancelled));
        let failed = order("processing", Some("failure"), 2, now);
        assert_eq!(focus(&failed), Some(OrderFocus::Stuck));
        assert_eq!(
            focus(&order("processing", None, 1, now)),
            Some(OrderFocus::Preparing)
        );
        assert_eq!(
            focus(&order("processing", None, 9, now)),
            Some(OrderFocus::Stuck)
        );
    }
}
