//! A Shopify refund (`refunds/create`, and each entry of an order's `refunds`) as a model
//! [`Refund`]. Its amount is what the successful `refund` transactions moved; a refund with
//! no transactions (a restock-only refund, or a payload without them) counts its refunded
//! lines' subtotal and tax instead.

use super::super::platform::{Amount, decode, parse_time, short_text};
use super::super::{ExternalId, Invalid, Refund};
use super::id;
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
pub(super) struct ShopifyRefund {
    id: Value,
    #[serde(default)]
    order_id: Option<Value>,
    #[serde(default)]
    note: Option<String>,
    created_at: String,
    #[serde(default)]
    transactions: Vec<Transaction>,
    #[serde(default)]
    refund_line_items: Vec<RefundLine>,
}

#[derive(Deserialize)]
struct Transaction {
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    amount: Amount,
}

#[derive(Deserialize)]
struct RefundLine {
    #[serde(default)]
    subtotal: Amount,
    #[serde(default)]
    total_tax: Amount,
}

impl ShopifyRefund {
    fn amount(&self) -> Decimal {
        let moved: Vec<Decimal> = self
            .transactions
            .iter()
            .filter(|t| {
                t.kind.as_deref() == Some("refund") && t.status.as_deref() == Some("success")
            })
            .map(|t| t.amount.0)
            .collect();
        if moved.is_empty() {
            self.refund_line_items
                .iter()
                .map(|l| l.subtotal.0 + l.total_tax.0)
                .sum()
        } else {
            moved.into_iter().sum()
        }
    }

    /// The refund; `at` prefixes the field names in errors.
    pub(super) fn to_refund(&self, at: &str) -> Result<Refund, Invalid> {
        Ok(Refund {
            id: id(&format!("{at}id"), &self.id)?,
            amount: self.amount(),
            note: short_text(self.note.as_deref()),
            created_at: parse_time(&format!("{at}created_at"), &self.created_at)?,
        })
    }
}

/// A `refunds/create` delivery: the order's id and the refund.
pub(super) fn map(body: &[u8]) -> Result<(ExternalId, Refund), Invalid> {
    let raw: ShopifyRefund = decode(body)?;
    let order_id = match &raw.order_id {
        Some(v) => id("order_id", v)?,
        None => {
            return Err(Invalid {
                field: "order_id".into(),
                reason: "is required".into(),
            });
        }
    };
    Ok((order_id, raw.to_refund("")?))
}
