//! The shopper's cart as the shop reports it, whole (`cart_update`) or one line at a time
//! (`add_to_cart`).

use super::props::{optional_amount, optional_text};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Items kept in a cart; enough for any real cart, bounded for memory.
pub(super) const MAX_CART_ITEMS: usize = 100;

/// One line of the shopper's cart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CartItem {
    /// Stock keeping unit.
    pub sku: String,
    /// Quantity.
    #[serde(default = "one")]
    pub qty: u32,
    /// Unit price, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<f64>,
    /// Product name, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

fn one() -> u32 {
    1
}

impl CartItem {
    /// Reads `{sku, qty?, price?, name?}` (an `add_to_cart` event or one line of a cart).
    pub(super) fn from_props(props: &Map<String, Value>) -> Result<Self, (&'static str, String)> {
        let sku = optional_text(props, "sku", 100)?.ok_or(("sku", "is required".to_string()))?;
        let qty = match props.get("qty") {
            None | Some(Value::Null) => 1,
            Some(v) => v
                .as_u64()
                .filter(|q| (1..=10_000).contains(q))
                .ok_or(("qty", "must be a whole number from 1 to 10000".to_string()))?
                as u32,
        };
        Ok(CartItem {
            sku,
            qty,
            price: optional_amount(props, "price")?,
            name: optional_text(props, "name", 200)?,
        })
    }
}

/// The shopper's cart as the shop reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default, utoipa::ToSchema)]
pub struct Cart {
    /// Total value.
    pub total: f64,
    /// ISO currency code, if given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// Lines, at most `MAX_CART_ITEMS`.
    pub items: Vec<CartItem>,
}

impl Cart {
    /// Reads `{total, currency?, items: [{sku, qty?, price?, name?}]}`.
    pub fn from_props(props: &Map<String, Value>) -> Result<Self, (&'static str, String)> {
        let items = match props.get("items") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(list)) if list.len() <= MAX_CART_ITEMS => list
                .iter()
                .map(|v| {
                    v.as_object()
                        .ok_or(("items", "must hold objects".to_string()))
                        .and_then(CartItem::from_props)
                })
                .collect::<Result<_, _>>()?,
            Some(Value::Array(_)) => {
                return Err(("items", format!("may hold at most {MAX_CART_ITEMS} lines")));
            }
            Some(_) => return Err(("items", "must be a list".into())),
        };
        let total = match optional_amount(props, "total")? {
            Some(t) => t,
            None => items
                .iter()
                .map(|i| i.price.unwrap_or(0.0) * f64::from(i.qty))
                .sum(),
        };
        Ok(Cart {
            total,
            currency: optional_text(props, "currency", 3)?,
            items,
        })
    }

    /// Number of units in the cart.
    pub fn item_count(&self) -> u32 {
        self.items.iter().map(|i| i.qty).sum()
    }
}
