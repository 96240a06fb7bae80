//! Canned replies: what an agent's `/shortcut` expands to. A reply's body is a minijinja
//! template filled with the shopper, cart, product, order and agent of the conversation, so an
//! agent answers "your order of 89.90 EUR" without copying numbers by hand. Pure: the caller
//! loads the visitor's state and passes it in.
//!
//! A value that is not known renders as empty text (never as `none` and never as an error),
//! because an agent would rather fill one blank than have the whole reply refused.

use crate::domain::{ConversationId, Order, VisitorId, VisitorState};
use serde_json::{Value, json};

/// Longest shortcut, without the leading `/`.
pub const MAX_SHORTCUT: usize = 32;
/// Longest title.
pub const MAX_TITLE: usize = 120;
/// Longest body, in characters.
pub const MAX_BODY: usize = 4000;

/// Why a canned reply's body could not be compiled or rendered; carries minijinja's message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct RenderError(pub String);

/// The shortcut as stored: the input without a leading `/`, if it is 1 to 32 of `a-z`, `0-9`,
/// `_`, `-`, starting with a letter or digit. `None` when it is not a valid shortcut.
pub fn normalise_shortcut(input: &str) -> Option<String> {
    let s = input.trim();
    let s = s.strip_prefix('/').unwrap_or(s);
    let mut bytes = s.bytes();
    let first_ok = bytes
        .next()
        .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    let rest_ok =
        bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
    (first_ok && rest_ok && s.len() <= MAX_SHORTCUT).then(|| s.to_owned())
}

/// Checks that a body is allowed (see [`crate::template`]) and compiles; the error names
/// what is wrong, with the line.
pub fn check(body: &str) -> Result<(), RenderError> {
    crate::template::check(body).map_err(|e| RenderError(e.to_string()))
}

/// Renders a body with a context from [`context`]. Unknown values render as empty text; a
/// text longer than `max_chars` is an error, found as soon as the text passes it.
pub fn render(
    body: &str,
    context: &minijinja::Value,
    max_chars: usize,
) -> Result<String, RenderError> {
    crate::template::render(body, context, max_chars).map_err(|e| RenderError(e.to_string()))
}

/// `89.90 EUR`, or `89.90` without a currency.
pub fn money(amount: f64, currency: Option<&str>) -> String {
    match currency {
        Some(c) => format!("{amount:.2} {c}"),
        None => format!("{amount:.2}"),
    }
}

fn order_view(order: &Order) -> Value {
    json!({
        "id": order.id,
        "total": order.total,
        "total_formatted": order.total.map(|t| money(t, order.currency.as_deref())),
        "currency": order.currency,
        "at": order.at,
    })
}

/// Who sends a canned reply, as the shopper sees them (`{{ agent.name }}`, `{{ agent.email }}`).
#[derive(Debug, Clone, Copy)]
pub struct Sender<'a> {
    /// The agent's display name.
    pub name: &'a str,
    /// The agent's login email.
    pub email: &'a str,
}

/// The shop's own records for the conversation's shopper, as template views the caller built
/// (`crate::commerce::view`): money and dates already formatted. Passed in rather than loaded,
/// so this module stays pure; empty when the shopper is not linked to the shop's records.
#[derive(Debug, Clone, Default)]
pub struct ShopData {
    /// `customer.*`: who the shopper is to the shop.
    pub customer: Option<Value>,
    /// `order.*` views of the customer's recent orders, newest first.
    pub orders: Vec<Value>,
}

/// The variables a canned reply may use in this conversation: `shopper`, `cart`, `product`,
/// `order` (the latest), `orders` (oldest first), `customer`, `agent` and `conversation`.
/// `visitor` is the shopper's browsing state, live or stored; without it only ids and the
/// agent are known. The shop's orders (`shop`) win over the ones the browser reported with
/// `track('purchase')`: they carry status and tracking, and the shop is the authority; the
/// browser's stay the fallback for shops that send nothing.
pub fn context(
    visitor: Option<&VisitorState>,
    visitor_id: &VisitorId,
    agent: Sender<'_>,
    conversation_id: &ConversationId,
    shop: &ShopData,
) -> minijinja::Value {
    let attribute = |key: &str| {
        visitor
            .and_then(|v| v.attributes.get(key))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let cart = visitor.and_then(|v| v.cart.as_ref());
    let orders = visitor.map(|v| &v.orders);
    // Products carry no currency; the cart's (or the last order's) is the shop's best guess.
    let currency = cart
        .and_then(|c| c.currency.clone())
        .or_else(|| orders.and_then(|o| o.iter().rev().find_map(|o| o.currency.clone())));
    let product = visitor.and_then(|v| v.product.as_ref());
    let mut ctx = json!({
        "conversation": { "id": conversation_id },
        "shopper": {
            "id": visitor_id,
            "name": attribute("name"),
            "email": attribute("email"),
            "language": visitor.and_then(|v| v.language.clone()),
            "returning": visitor.map(VisitorState::is_returning),
            "identified": visitor.map(|v| v.identified),
        },
        "cart": cart.map(|c| json!({
            "total": c.total,
            "total_formatted": money(c.total, c.currency.as_deref()),
            "currency": c.currency,
            "count": c.item_count(),
            "items": c.items.iter().map(|i| json!({
                "sku": i.sku, "name": i.name, "qty": i.qty, "price": i.price,
            })).collect::<Vec<_>>(),
        })),
        "product": product.map(|p| json!({
            "name": p.name,
            "sku": p.sku,
            "price": p.price,
            "price_formatted": p.price.map(|x| money(x, currency.as_deref())),
            "currency": currency,
            "url": visitor.and_then(|v| v.current_page.as_ref()).map(|page| page.url.clone()),
        })),
        "order": shop.orders.first().cloned().or_else(|| orders.and_then(|o| o.back()).map(order_view)),
        "orders": if shop.orders.is_empty() {
            orders.map(|o| o.iter().map(order_view).collect::<Vec<_>>()).unwrap_or_default()
        } else {
            shop.orders.iter().rev().cloned().collect()
        },
        "customer": shop.customer,
        "agent": { "name": agent.name, "email": agent.email },
    });
    drop_nulls(&mut ctx);
    minijinja::Value::from(minijinja::value::Serde(&ctx))
}

/// Unknown values are left out rather than set to null, so a template shows nothing for them
/// (or its `or` fallback) instead of the word "none".
fn drop_nulls(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|_, v| !v.is_null());
            map.values_mut().for_each(drop_nulls);
        }
        Value::Array(list) => list.iter_mut().for_each(drop_nulls),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_template_that_runs_away_is_stopped() {
        // Nested loops over a context list: a billion rounds, stopped by the fuel.
        let ctx = minijinja::Value::from(minijinja::value::Serde(
            serde_json::json!({ "l": vec![0; 1000] }),
        ));
        let body =
            "{% for a in l %}{% for b in l %}{% for c in l %}{% endfor %}{% endfor %}{% endfor %}";
        assert!(check(body).is_ok(), "it compiles");
        let err = render(body, &ctx, 4000).unwrap_err();
        assert!(err.0.contains("fuel"), "{err:?}");
        // What could build a huge text is refused before it runs, at save time already.
        let err = check("{{ 'x' * 100000000 }}").unwrap_err();
        assert!(err.0.contains('*'), "{err:?}");
        let err = render("{{ 'x' * 100000000 }}", &ctx, 4000).unwrap_err();
        assert!(err.0.contains('*'), "{err:?}");
    }
    use crate::domain::{BrowsingEvent, Timestamp};

    fn agent() -> Sender<'static> {
        Sender {
            name: "Ann",
            email: "ann@shop.example",
        }
    }

    fn event(name: &str, props: Value) -> BrowsingEvent {
        BrowsingEvent::parse(name, props.as_object().unwrap().clone()).unwrap()
    }

    #[test]
    fn fills_shopper_cart_order_and_agent() {
        let mut v = VisitorState::first_visit(Timestamp(0));
        v.apply(
            &event(
                "identify",
                json!({ "name": "Eva", "email": "eva@x.example" }),
            ),
            Timestamp(1),
        );
        v.apply(
            &event(
                "cart_update",
                json!({ "total": 89.9, "currency": "EUR",
                "items": [{ "sku": "J-1", "name": "Jacket", "qty": 1, "price": 89.9 }] }),
            ),
            Timestamp(2),
        );
        v.apply(
            &event(
                "purchase",
                json!({ "order_id": "A-7", "total": 20, "currency": "EUR" }),
            ),
            Timestamp(3),
        );
        let visitor = VisitorId::generate();
        let ctx = context(
            Some(&v),
            &visitor,
            agent(),
            &ConversationId::generate(),
            &ShopData::default(),
        );
        let text = render(
            "Hi {{ shopper.name }} ({{ shopper.email }}), your cart is {{ cart.total_formatted }} \
             with {{ cart.count }} item: {{ cart.items[0].name }}. Order {{ order.id }}: \
             {{ order.total_formatted }}. {{ orders|length }} order(s). — {{ agent.name }}",
            &ctx,
            4000,
        )
        .unwrap();
        assert_eq!(
            text,
            "Hi Eva (eva@x.example), your cart is 89.90 EUR with 1 item: Jacket. Order A-7: \
             20.00 EUR. 1 order(s). — Ann"
        );
        assert_eq!(
            render("{{ shopper.id }}", &ctx, 4000).unwrap(),
            visitor.to_string()
        );
    }

    #[test]
    fn missing_values_render_empty_never_an_error() {
        let ctx = context(
            None,
            &VisitorId::generate(),
            agent(),
            &ConversationId::generate(),
            &ShopData::default(),
        );
        let text = render(
            "[{{ shopper.name }}][{{ cart.total_formatted }}][{{ order.status }}][{{ product.url }}][{{ nothing.at.all }}]",
            &ctx,
            4000,
        )
        .unwrap();
        assert_eq!(text, "[][][][][]");
        assert_eq!(
            render("{{ shopper.name or 'there' }}", &ctx, 4000).unwrap(),
            "there"
        );
        let mut v = VisitorState::first_visit(Timestamp(0));
        v.apply(&event("identify", json!({ "name": 42 })), Timestamp(1));
        let ctx = context(
            Some(&v),
            &VisitorId::generate(),
            agent(),
            &ConversationId::generate(),
            &ShopData::default(),
        );
        assert_eq!(render("[{{ shopper.name }}]", &ctx, 4000).unwrap(), "[]");
    }

    #[test]
    fn the_shops_order_wins_over_the_browsers_and_customer_is_filled() {
        let mut v = VisitorState::first_visit(Timestamp(0));
        v.apply(
            &event(
                "purchase",
                json!({ "order_id": "A-7", "total": 20, "currency": "EUR" }),
            ),
            Timestamp(3),
        );
        let shop = ShopData {
            customer: Some(json!({ "orders_count": 4, "total_spent": "€420.00", "name": null })),
            orders: vec![
                json!({ "id": "#1002", "number": "#1002", "status": "in transit",
                        "tracking_url": "https://track.example/1", "carrier": "DHL" }),
                json!({ "id": "#1001", "number": "#1001", "status": "delivered" }),
            ],
        };
        let ctx = context(
            Some(&v),
            &VisitorId::generate(),
            agent(),
            &ConversationId::generate(),
            &shop,
        );
        let text = render(
            "{{ order.number }} {{ order.status }} via {{ order.carrier }}: {{ order.tracking_url }} \
             [{{ customer.name }}] {{ customer.orders_count }} orders, {{ customer.total_spent }}; \
             {% for o in orders %}{{ o.id }} {% endfor %}",
            &ctx,
            4000,
        )
        .unwrap();
        assert_eq!(
            text,
            "#1002 in transit via DHL: https://track.example/1 [] 4 orders, €420.00; #1001 #1002 "
        );
        // Without the shop's data the browser's order stays the fallback.
        let ctx = context(
            Some(&v),
            &VisitorId::generate(),
            agent(),
            &ConversationId::generate(),
            &ShopData::default(),
        );
        assert_eq!(render("{{ order.id }}", &ctx, 4000).unwrap(), "A-7");
    }

    #[test]
    fn syntax_errors_are_reported() {
        assert!(check("Hello {{ shopper.name }}").is_ok());
        let err = check("Hello {{ shopper.name ").unwrap_err();
        assert!(err.0.contains("syntax error") || !err.0.is_empty(), "{err}");
        assert!(check("{% if %}").is_err());
    }

    #[test]
    fn shortcuts_are_normalised() {
        assert_eq!(normalise_shortcut("/ship"), Some("ship".into()));
        assert_eq!(normalise_shortcut("ship-2_x"), Some("ship-2_x".into()));
        assert_eq!(normalise_shortcut("Ship"), None);
        assert_eq!(normalise_shortcut("_ship"), None);
        assert_eq!(normalise_shortcut("/"), None);
        assert_eq!(normalise_shortcut(""), None);
        assert_eq!(normalise_shortcut(&"a".repeat(33)), None);
        assert_eq!(normalise_shortcut(&"a".repeat(32)), Some("a".repeat(32)));
        assert_eq!(normalise_shortcut("a b"), None);
    }

    #[test]
    fn money_has_two_decimals() {
        assert_eq!(money(89.9, Some("EUR")), "89.90 EUR");
        assert_eq!(money(5.0, None), "5.00");
    }
}
