//! Shipments (a Shopify fulfillment, a WooCommerce shipment-tracking entry, a shop's own
//! parcel): what a shopper asking "where is it?" wants to see.

use super::ExternalId;
use crate::domain::Timestamp;
use serde::{Deserialize, Serialize};

/// Where a parcel is, in the carriers' common vocabulary (Shopify's `shipment_status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ShipmentStatus {
    /// Created, no carrier scan yet.
    Pending,
    /// The label exists; the parcel waits for the carrier.
    LabelPrinted,
    /// The carrier confirmed it.
    Confirmed,
    /// On its way.
    InTransit,
    /// With the courier today.
    OutForDelivery,
    /// Waiting at a pick-up point.
    ReadyForPickup,
    /// The courier tried and could not deliver.
    AttemptedDelivery,
    /// Delivered.
    Delivered,
    /// Lost, returned to sender or otherwise failed.
    Failure,
    /// Cancelled before it left.
    Cancelled,
}

impl ShipmentStatus {
    /// Whether this is a delivery problem a person should look at rather than a status the
    /// bot reads out.
    pub fn is_problem(self) -> bool {
        matches!(self, Self::AttemptedDelivery | Self::Failure)
    }

    /// Whether the parcel has reached the end of its trip (well or badly).
    pub fn is_final(self) -> bool {
        matches!(self, Self::Delivered | Self::Failure | Self::Cancelled)
    }

    /// The status as a shopper reads it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Pending => "preparing for shipment",
            Self::LabelPrinted => "label created",
            Self::Confirmed => "handed to the carrier",
            Self::InTransit => "in transit",
            Self::OutForDelivery => "out for delivery",
            Self::ReadyForPickup => "ready for pick-up",
            Self::AttemptedDelivery => "delivery attempted",
            Self::Delivered => "delivered",
            Self::Failure => "delivery failed",
            Self::Cancelled => "cancelled",
        }
    }
}

/// One scan or status change in a parcel's trip.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ShipmentEvent {
    /// When it happened.
    #[schema(value_type = i64)]
    pub at: Timestamp,
    /// The status it moved to.
    pub status: ShipmentStatus,
    /// The carrier's words ("Arrived at sort facility").
    #[serde(default)]
    pub description: Option<String>,
    /// Where, if the carrier says.
    #[serde(default)]
    pub location: Option<String>,
}

/// A parcel of an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Shipment {
    /// The shop's id for it; an update replaces the shipment with the same id. A push may
    /// leave it out (the path names the parcel).
    #[schema(value_type = String, required = false)]
    pub id: ExternalId,
    /// Carrier name ("DHL", "UPS").
    #[serde(default)]
    pub carrier: Option<String>,
    /// The carrier's tracking number.
    #[serde(default)]
    pub tracking_number: Option<String>,
    /// Where the shopper can follow it; only `http(s)` links are kept (checked on the way in),
    /// because it becomes a clickable link in the widget and the dashboard.
    #[serde(default)]
    pub tracking_url: Option<String>,
    /// Where it is now.
    pub status: ShipmentStatus,
    /// The carrier's estimate.
    #[serde(default)]
    #[schema(value_type = Option<i64>)]
    pub estimated_delivery: Option<Timestamp>,
    /// Its trip so far, oldest first, at most [`super::MAX_SHIPMENT_EVENTS`].
    #[serde(default)]
    pub events: Vec<ShipmentEvent>,
    /// When the shop created it.
    #[schema(value_type = i64)]
    pub created_at: Timestamp,
    /// When the shop last changed it: an older update never overwrites a newer one.
    #[schema(value_type = i64)]
    pub updated_at: Timestamp,
}

impl Shipment {
    /// When the parcel last moved: its latest event, else its last update.
    pub fn last_movement(&self) -> Timestamp {
        self.events
            .iter()
            .map(|e| e.at)
            .max()
            .unwrap_or(self.updated_at)
    }
}
