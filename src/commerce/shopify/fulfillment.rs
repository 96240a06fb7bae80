//! A Shopify fulfillment (`fulfillments/*` topics, and each entry of an order's
//! `fulfillments`) as a model [`Shipment`]. Status: the carrier's `shipment_status` when Shopify
//! knows it (`label_purchased` → label printed, `carrier_picked_up`/`picked_up` → handed to
//! the carrier, `delayed` → in transit, unknown values → in transit); else the fulfillment's
//! own `status` (`cancelled` → cancelled, `error`/`failure` → failed, `pending`/`open` →
//! preparing, `success` → handed to the carrier). Only `http(s)` tracking links are kept.

use super::super::platform::{decode, parse_time, short_text, web_link};
use super::super::{ExternalId, Invalid, Shipment, ShipmentStatus};
use super::id;
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
pub(super) struct ShopifyFulfillment {
    id: Value,
    #[serde(default)]
    order_id: Option<Value>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    shipment_status: Option<String>,
    #[serde(default)]
    tracking_company: Option<String>,
    #[serde(default)]
    tracking_number: Option<String>,
    #[serde(default)]
    tracking_numbers: Vec<String>,
    #[serde(default)]
    tracking_url: Option<String>,
    #[serde(default)]
    tracking_urls: Vec<String>,
    created_at: String,
    updated_at: String,
}

fn status(fulfillment: Option<&str>, shipment: Option<&str>) -> ShipmentStatus {
    match (fulfillment, shipment) {
        (Some("cancelled"), _) => ShipmentStatus::Cancelled,
        (Some("error" | "failure"), _) => ShipmentStatus::Failure,
        (_, Some("label_printed" | "label_purchased")) => ShipmentStatus::LabelPrinted,
        (_, Some("confirmed" | "carrier_picked_up" | "picked_up")) => ShipmentStatus::Confirmed,
        (_, Some("out_for_delivery")) => ShipmentStatus::OutForDelivery,
        (_, Some("ready_for_pickup")) => ShipmentStatus::ReadyForPickup,
        (_, Some("attempted_delivery")) => ShipmentStatus::AttemptedDelivery,
        (_, Some("delivered")) => ShipmentStatus::Delivered,
        (_, Some("failure")) => ShipmentStatus::Failure,
        (_, Some(_)) => ShipmentStatus::InTransit,
        (Some("pending" | "open"), None) => ShipmentStatus::Pending,
        (_, None) => ShipmentStatus::Confirmed,
    }
}

impl ShopifyFulfillment {
    /// The parcel; `at` prefixes the field names in errors.
    pub(super) fn to_shipment(&self, at: &str) -> Result<Shipment, Invalid> {
        Ok(Shipment {
            id: id(&format!("{at}id"), &self.id)?,
            carrier: short_text(self.tracking_company.as_deref()),
            tracking_number: short_text(
                self.tracking_number
                    .as_deref()
                    .or(self.tracking_numbers.first().map(String::as_str)),
            ),
            tracking_url: web_link(
                self.tracking_url
                    .as_deref()
                    .or(self.tracking_urls.first().map(String::as_str)),
            ),
            status: status(self.status.as_deref(), self.shipment_status.as_deref()),
            estimated_delivery: None,
            events: Vec::new(),
            created_at: parse_time(&format!("{at}created_at"), &self.created_at)?,
            updated_at: parse_time(&format!("{at}updated_at"), &self.updated_at)?,
        })
    }
}

/// A `fulfillments/*` delivery: the order's id and the parcel.
pub(super) fn map(body: &[u8]) -> Result<(ExternalId, Shipment), Invalid> {
    let raw: ShopifyFulfillment = decode(body)?;
    let order_id = match &raw.order_id {
        Some(v) => id("order_id", v)?,
        None => {
            return Err(Invalid {
                field: "order_id".into(),
                reason: "is required".into(),
            });
        }
    };
    Ok((order_id, raw.to_shipment("")?))
}
