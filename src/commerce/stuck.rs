//! Orders that look stuck. A shopper asking about a parcel that has not moved for a week, or
//! whose delivery failed, must not get a cheerful "in transit" from the bot: the chat goes to a
//! person with the reason, and the agent sees why.

use super::{FulfillmentStatus, Order, OrderStatus};
use crate::domain::Timestamp;
use serde::Serialize;

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// Why an order needs a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum StuckReason {
    /// The carrier reports a failed or attempted delivery.
    DeliveryProblem {
        /// The parcel's status as a person reads it.
        status: String,
    },
    /// A parcel on its way has not moved for `days`.
    NoMovement {
        /// Whole days since the last scan.
        days: i64,
    },
    /// Paid but nothing shipped for `days`.
    NotShipped {
        /// Whole days since the order was placed.
        days: i64,
    },
    /// The carrier's estimated delivery date passed `days` ago without a delivery.
    Overdue {
        /// Whole days past the estimate.
        days: i64,
    },
}

impl StuckReason {
    /// The reason as an agent reads it beside the chat.
    pub fn describe(&self) -> String {
        match self {
            StuckReason::DeliveryProblem { status } => format!("the carrier reports: {status}"),
            StuckReason::NoMovement { days } => {
                format!("the parcel has not moved for {days} days")
            }
            StuckReason::NotShipped { days } => {
                format!("placed {days} days ago and not shipped yet")
            }
            StuckReason::Overdue { days } => {
                format!("{days} days past the carrier's estimated delivery")
            }
        }
    }
}

/// Whether `order` looks stuck at `now`, given the site's limit in days (at least 1).
pub fn stuck(order: &Order, now: Timestamp, after_days: u32) -> Option<StuckReason> {
    if matches!(
        order.status,
        OrderStatus::Cancelled | OrderStatus::Refunded | OrderStatus::Failed
    ) {
        return None;
    }
    let limit = i64::from(after_days.max(1));
    let days = |since: Timestamp| now.millis_since(since) / DAY_MS;
    if let Some(shipment) = order.latest_shipment() {
        if shipment.status.is_problem() {
            return Some(StuckReason::DeliveryProblem {
                status: shipment.status.label().to_owned(),
            });
        }
        if shipment.status.is_final() {
            return None;
        }
        if let Some(eta) = shipment.estimated_delivery {
            let late = days(eta);
            if now > eta && late >= 1 {
                return Some(StuckReason::Overdue { days: late });
            }
        }
        let quiet = days(shipment.last_movement());
        return (quiet >= limit).then_some(StuckReason::NoMovement { days: quiet });
    }
    let waiting = order.fulfillment_status == FulfillmentStatus::Unfulfilled
        && matches!(order.status, OrderStatus::Processing);
    let age = days(order.created_at);
    (waiting && age >= limit).then_some(StuckReason::NotShipped { days: age })
}
