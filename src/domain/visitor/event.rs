//! The browsing events the widget reports, validated once here so the state and the rule
//! engine can trust them.

use super::{Cart, CartItem, PageInfo, Product, VerifiedId};
use serde_json::{Map, Value};

/// Custom attributes kept per visitor.
pub(super) const MAX_ATTRIBUTES: usize = 50;

/// A browsing event the widget reports.
#[derive(Debug, Clone, PartialEq)]
pub enum BrowsingEvent {
    /// The shopper opened a page (or a single-page app changed route).
    PageView(PageInfo),
    /// The page shows a product (`product_view`).
    ProductView(Product),
    /// The whole cart as it is now (`cart_update`).
    CartUpdate(Cart),
    /// One product went into the cart (`add_to_cart`).
    AddToCart(CartItem),
    /// The shop told who the shopper is (`identify`): custom attributes, and the id its
    /// HMAC proved (set by the socket after checking it; `parse` never sets it).
    Identify {
        /// The attributes as sent, less the hash and any id that was not proved.
        attributes: Map<String, Value>,
        /// The id the hash proved, if any.
        verified: Option<VerifiedId>,
    },
    /// The pointer left towards the browser's chrome (`exit_intent`).
    ExitIntent,
    /// Any other named event (`add_to_cart`, `exit_intent`, a shop's own `track` call): kept
    /// for the trigger engine, which decides what each means.
    Other {
        /// Event name, `[a-z0-9_.:-]{1,64}`.
        name: String,
        /// The event's properties as sent.
        props: Map<String, Value>,
    },
}

impl BrowsingEvent {
    /// Validates an `event` frame's name and props; `Err` is (field, reason).
    pub fn parse(name: &str, props: Map<String, Value>) -> Result<Self, (&'static str, String)> {
        let valid_name = (1..=64).contains(&name.len())
            && name.bytes().all(|b| {
                b.is_ascii_lowercase()
                    || b.is_ascii_digit()
                    || matches!(b, b'_' | b'-' | b'.' | b':')
            });
        if !valid_name {
            return Err((
                "name",
                "must be 1 to 64 of a-z, 0-9, `_`, `-`, `.`, `:`".into(),
            ));
        }
        match name {
            "page_view" => PageInfo::from_props(&props).map(BrowsingEvent::PageView),
            "product_view" => Product::from_props(&props).map(BrowsingEvent::ProductView),
            "cart_update" => Cart::from_props(&props).map(BrowsingEvent::CartUpdate),
            "add_to_cart" => CartItem::from_props(&props).map(BrowsingEvent::AddToCart),
            "identify" if props.len() > MAX_ATTRIBUTES => {
                Err(("props", format!("at most {MAX_ATTRIBUTES} attributes")))
            }
            "identify" => Ok(BrowsingEvent::Identify {
                attributes: props,
                verified: None,
            }),
            "exit_intent" => Ok(BrowsingEvent::ExitIntent),
            _ => Ok(BrowsingEvent::Other {
                name: name.to_owned(),
                props,
            }),
        }
    }

    /// Whether the event shows the shopper doing something. The widget reports `idle` (no
    /// input for a while), `visibility` (the tab was hidden or shown) and `exit_intent` (the
    /// pointer left the page) by itself; those must not restart the idle clock, or an idle
    /// rule would fire late or never. Everything else (pages, products, cart, the shop's own
    /// `track` calls, widget clicks) is the shopper's doing.
    pub fn is_activity(&self) -> bool {
        !matches!(self.name(), "idle" | "visibility" | "exit_intent")
    }

    /// The event's wire name, which rules name in `when`.
    pub fn name(&self) -> &str {
        match self {
            BrowsingEvent::PageView(_) => "page_view",
            BrowsingEvent::ProductView(_) => "product_view",
            BrowsingEvent::CartUpdate(_) => "cart_update",
            BrowsingEvent::AddToCart(_) => "add_to_cart",
            BrowsingEvent::Identify { .. } => "identify",
            BrowsingEvent::ExitIntent => "exit_intent",
            BrowsingEvent::Other { name, .. } => name,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn bad_events_name_the_field() {
        let props = json!({ "url": "javascript:alert(1)" })
            .as_object()
            .unwrap()
            .clone();
        assert_eq!(
            BrowsingEvent::parse("page_view", props).unwrap_err().0,
            "url"
        );
        assert_eq!(
            BrowsingEvent::parse("Bad Name", Map::new()).unwrap_err().0,
            "name"
        );
        assert_eq!(
            BrowsingEvent::parse("add_to_cart", Map::new())
                .unwrap_err()
                .0,
            "sku"
        );
        let negative = json!({ "total": -5 }).as_object().unwrap().clone();
        assert_eq!(
            BrowsingEvent::parse("cart_update", negative).unwrap_err().0,
            "total"
        );
        assert!(matches!(
            BrowsingEvent::parse("newsletter_signup", Map::new()),
            Ok(BrowsingEvent::Other { .. })
        ));
    }
}
