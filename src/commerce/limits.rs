//! What one record may hold, checked when it comes in (push API, platform webhooks) so the
//! store, the dashboard and the widget only ever see bounded, well-formed records. A failure
//! names the field, so a shop's developer can fix the payload.

use super::{Customer, Order, Shipment};

/// Line items kept per order (Shopify allows far fewer in practice).
pub const MAX_LINE_ITEMS: usize = 250;
/// Parcels per order.
pub const MAX_SHIPMENTS: usize = 20;
/// Scans kept per parcel: the newest are kept when a carrier sends more.
pub const MAX_SHIPMENT_EVENTS: usize = 50;
/// Refunds per order.
pub const MAX_REFUNDS: usize = 50;
/// Returns per order.
pub const MAX_RETURNS: usize = 20;
/// The shop's tags per customer.
pub const MAX_TAGS: usize = 50;
/// Characters of a name, a carrier, a tag, a note or a description.
pub const MAX_TEXT: usize = 500;
/// Characters of a link.
pub const MAX_URL: usize = 2_000;

/// A record that does not fit: which field, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{field}` {reason}")]
pub struct Invalid {
    /// The field's path in the payload (`items[3].name`).
    pub field: String,
    /// What is wrong with it.
    pub reason: String,
}

fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Invalid {
    Invalid {
        field: field.into(),
        reason: reason.into(),
    }
}

fn text(field: &str, value: Option<&str>) -> Result<(), Invalid> {
    match value {
        Some(v) if v.chars().count() > MAX_TEXT => Err(invalid(
            field,
            format!("must be at most {MAX_TEXT} characters"),
        )),
        _ => Ok(()),
    }
}

fn count(field: &str, len: usize, max: usize) -> Result<(), Invalid> {
    if len > max {
        Err(invalid(field, format!("must have at most {max} entries")))
    } else {
        Ok(())
    }
}

/// A link that may become clickable: absolute `http(s)`, bounded. Anything else
/// (`javascript:`, relative paths) is refused rather than dropped, so the shop learns.
pub fn check_url(field: &str, value: Option<&str>) -> Result<(), Invalid> {
    let Some(v) = value else { return Ok(()) };
    let parsed = url::Url::parse(v).ok();
    let web = parsed
        .as_ref()
        .is_some_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some());
    if v.len() > MAX_URL || !web {
        Err(invalid(
            field,
            format!("must be an absolute http(s) URL of at most {MAX_URL} characters"),
        ))
    } else {
        Ok(())
    }
}

impl Customer {
    /// Checks the record's bounds.
    pub fn validate(&self) -> Result<(), Invalid> {
        text("name", self.name.as_deref())?;
        count("tags", self.tags.len(), MAX_TAGS)?;
        for (i, tag) in self.tags.iter().enumerate() {
            if tag.trim().is_empty() || tag.chars().count() > 64 {
                return Err(invalid(format!("tags[{i}]"), "must be 1 to 64 characters"));
            }
        }
        Ok(())
    }
}

impl Shipment {
    /// Checks the parcel's bounds; `at` is its path in the payload.
    pub fn validate(&self, at: &str) -> Result<(), Invalid> {
        text(&format!("{at}carrier"), self.carrier.as_deref())?;
        text(
            &format!("{at}tracking_number"),
            self.tracking_number.as_deref(),
        )?;
        check_url(&format!("{at}tracking_url"), self.tracking_url.as_deref())?;
        count(
            &format!("{at}events"),
            self.events.len(),
            MAX_SHIPMENT_EVENTS,
        )?;
        for (i, event) in self.events.iter().enumerate() {
            text(
                &format!("{at}events[{i}].description"),
                event.description.as_deref(),
            )?;
            text(
                &format!("{at}events[{i}].location"),
                event.location.as_deref(),
            )?;
        }
        Ok(())
    }
}

impl Order {
    /// Checks the order's bounds, its parcels' and its links.
    pub fn validate(&self) -> Result<(), Invalid> {
        count("items", self.items.len(), MAX_LINE_ITEMS)?;
        for (i, item) in self.items.iter().enumerate() {
            if item.name.trim().is_empty() {
                return Err(invalid(format!("items[{i}].name"), "must not be empty"));
            }
            text(&format!("items[{i}].name"), Some(&item.name))?;
            text(&format!("items[{i}].sku"), item.sku.as_deref())?;
        }
        count("shipments", self.shipments.len(), MAX_SHIPMENTS)?;
        for (i, shipment) in self.shipments.iter().enumerate() {
            shipment.validate(&format!("shipments[{i}]."))?;
        }
        count("refunds", self.refunds.len(), MAX_REFUNDS)?;
        for (i, refund) in self.refunds.iter().enumerate() {
            text(&format!("refunds[{i}].note"), refund.note.as_deref())?;
        }
        count("returns", self.returns.len(), MAX_RETURNS)?;
        check_url("status_url", self.status_url.as_deref())?;
        Ok(())
    }
}
