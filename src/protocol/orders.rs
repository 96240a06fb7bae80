//! The shopper socket's order frames: "Where is my order?", the look-up by order number and
//! email, return and cancel requests, and the order cards the widget draws. Kept apart from
//! the chat frames in [`super::shopper`] so each file stays one job; re-exported with them.
//!
//! Every fact on a card comes from the shop's stored order; the card is a convenience next to
//! the bot's plain-text answer (which is stored and survives a reload), so it is never stored.

use serde::{Deserialize, Serialize};

/// `orders`: the "Where is my order?" button.
#[derive(Debug, Deserialize)]
pub struct OrdersFrame {}

/// `order_lookup`: a shopper the shop did not identify proves an order with its number and
/// the email it was placed with.
#[derive(Debug, Deserialize)]
pub struct OrderLookupFrame {
    /// The order number as printed on the confirmation (`#1001`, `1001`).
    pub number: String,
    /// The email the order was placed with.
    pub email: String,
}

/// `order_request`: "Return" or "Cancel" on an order card.
#[derive(Debug, Deserialize)]
pub struct OrderRequestFrame {
    /// The order's number, as its card shows it.
    pub order: String,
    /// `return` or `cancel`.
    pub kind: OrderRequestKind,
    /// The shopper's reason, if they gave one.
    #[serde(default)]
    pub reason: Option<String>,
}

/// What a shopper asks for on an order, on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderRequestKind {
    /// Send something back.
    Return,
    /// Cancel the order.
    Cancel,
}

/// One order as the widget draws it: what the bot's answer said, with the buttons the
/// shopper may press on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderCard {
    /// The order number as the shop prints it.
    pub number: String,
    /// When it was placed, as a date (`30 Nov 2026`, UTC).
    pub placed: String,
    /// The status a shopper understands ("in transit").
    pub status: String,
    /// `2 × Trail Shoe, 1 × Rain Jacket`.
    pub items: String,
    /// The total with its currency.
    pub total: String,
    /// When it was placed (ms since the epoch), for the widget to write in the shopper's
    /// locale (`placed` is the fallback).
    #[serde(default)]
    pub placed_at: i64,
    /// The total as a plain decimal (`89.90`), with `currency`, for the widget to write in
    /// the shopper's locale (`total` is the fallback).
    #[serde(default)]
    pub amount: String,
    /// The total's ISO 4217 currency (`EUR`).
    #[serde(default)]
    pub currency: String,
    /// The estimated delivery (ms since the epoch), for the shopper's locale.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery_at: Option<i64>,
    /// The latest parcel's carrier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carrier: Option<String>,
    /// Its tracking number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking_number: Option<String>,
    /// Where to follow it (`http(s)` only, checked when the shop sent it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking_url: Option<String>,
    /// The carrier's estimated delivery, as a date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estimated_delivery: Option<String>,
    /// The order looks stuck and went to a person: the card shows no cheerful status.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub with_a_person: bool,
    /// Whether a return may be asked for (something was shipped).
    pub can_return: bool,
    /// Whether a cancellation may be asked for (nothing shipped, not closed).
    pub can_cancel: bool,
}

#[cfg(test)]
mod tests {
    use super::super::{ClientFrame, ErrorCode, decode};
    use super::*;

    #[test]
    fn order_frames_decode() {
        assert!(matches!(
            decode(r#"{"type":"orders"}"#),
            Ok(ClientFrame::Orders(_))
        ));
        assert!(matches!(
            decode(r##"{"type":"order_lookup","number":"#1001","email":"a@b.c"}"##),
            Ok(ClientFrame::OrderLookup(f)) if f.number == "#1001"
        ));
        assert!(matches!(
            decode(r#"{"type":"order_request","order":"1001","kind":"cancel"}"#),
            Ok(ClientFrame::OrderRequest(f))
                if f.kind == OrderRequestKind::Cancel && f.reason.is_none()
        ));
    }

    #[test]
    fn order_frame_errors_name_the_field() {
        let e = decode(r#"{"type":"order_lookup","number":"1001"}"#).unwrap_err();
        assert_eq!(
            (e.code, e.field.as_deref()),
            (ErrorCode::MissingField, Some("email"))
        );
        let e = decode(r#"{"type":"order_request","order":"1001","kind":"refund"}"#).unwrap_err();
        assert_eq!(
            (e.code, e.field.as_deref()),
            (ErrorCode::InvalidField, Some("kind"))
        );
    }
}
