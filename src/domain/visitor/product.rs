//! The product a shopper is looking at, which rules and canned replies speak about.

use super::props::{optional_amount, optional_text};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A product the shopper is looking at (from the page's JSON-LD or a `product_view` call).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default, utoipa::ToSchema)]
pub struct Product {
    /// SKU.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
    /// Name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Price.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<f64>,
    /// Category.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
}

impl Product {
    /// Reads `{sku?, name?, price?, category?}` from a `product_view` event.
    pub(super) fn from_props(props: &Map<String, Value>) -> Result<Self, (&'static str, String)> {
        Ok(Product {
            sku: optional_text(props, "sku", 100)?,
            name: optional_text(props, "name", 200)?,
            price: optional_amount(props, "price")?,
            category: optional_text(props, "category", 100)?,
        })
    }
}
