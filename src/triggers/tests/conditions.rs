//! Every operator on the facts it applies to, and `all`/`any`/`not` trees.

use super::*;
use serde_json::json;

#[test]
fn every_operator_on_its_facts() {
    let v = shopper();
    let cases = [
        (
            json!({ "fact": "page.path", "op": "eq", "value": "/products/jacket" }),
            true,
        ),
        (
            json!({ "fact": "page.type", "op": "ne", "value": "product" }),
            false,
        ),
        (
            json!({ "fact": "page.url", "op": "contains", "value": "jacket" }),
            true,
        ),
        (
            json!({ "fact": "page.path", "op": "starts_with", "value": "/products/" }),
            true,
        ),
        (
            json!({ "fact": "page.path", "op": "matches", "glob": "/products/*" }),
            true,
        ),
        (
            json!({ "fact": "page.path", "op": "matches", "value": "/cart*" }),
            false,
        ),
        (
            json!({ "fact": "page.path", "op": "matches", "regex": "^/products/[a-z]+$" }),
            true,
        ),
        (
            json!({ "fact": "page.title", "op": "in", "value": ["Coat", "Jacket"] }),
            true,
        ),
        (
            json!({ "fact": "time_on_page", "op": "gte", "value": 40 }),
            false,
        ),
        (
            json!({ "fact": "pages_this_session", "op": "eq", "value": 1 }),
            true,
        ),
        (json!({ "fact": "visits", "op": "gt", "value": 1 }), false),
        (
            json!({ "fact": "returning", "op": "eq", "value": false }),
            true,
        ),
        (
            json!({ "fact": "referrer.host", "op": "eq", "value": "news.example" }),
            true,
        ),
        (
            json!({ "fact": "utm.source", "op": "eq", "value": "x" }),
            true,
        ),
        (json!({ "fact": "utm.campaign", "op": "exists" }), false),
        (
            json!({ "fact": "utm.campaign", "op": "exists", "value": false }),
            true,
        ),
        (
            json!({ "fact": "device", "op": "eq", "value": "mobile" }),
            true,
        ),
        (
            json!({ "fact": "language", "op": "starts_with", "value": "de" }),
            true,
        ),
        (
            json!({ "fact": "cart.total", "op": "gte", "value": 200 }),
            true,
        ),
        (
            json!({ "fact": "cart.items", "op": "lt", "value": 3 }),
            false,
        ),
        (
            json!({ "fact": "cart.items", "op": "lte", "value": 3 }),
            true,
        ),
        (
            json!({ "fact": "cart.skus", "op": "contains", "value": "S-9" }),
            true,
        ),
        (
            json!({ "fact": "cart.skus", "op": "in", "value": ["Z-1", "J-1"] }),
            true,
        ),
        (
            json!({ "fact": "product.sku", "op": "eq", "value": "J-1" }),
            true,
        ),
        (
            json!({ "fact": "product.name", "op": "contains", "value": "Alpine" }),
            true,
        ),
        (
            json!({ "fact": "product.price", "op": "lt", "value": 130 }),
            true,
        ),
        (
            json!({ "fact": "product.category", "op": "in", "value": ["coats"] }),
            true,
        ),
        (
            json!({ "fact": "identified", "op": "eq", "value": true }),
            true,
        ),
        (
            json!({ "fact": "visitor.tier", "op": "eq", "value": "gold" }),
            true,
        ),
        (
            json!({ "fact": "visitor.orders", "op": "gte", "value": 3 }),
            true,
        ),
        (
            json!({ "fact": "visitor.missing", "op": "eq", "value": 1 }),
            false,
        ),
        (
            json!({ "fact": "visitor.missing", "op": "ne", "value": 1 }),
            true,
        ),
        (
            json!({ "fact": "idle_time", "op": "gte", "value": 10 }),
            true,
        ),
        (
            json!({ "fact": "session_duration", "op": "lt", "value": 60 }),
            true,
        ),
        (
            json!({ "fact": "exit_intent", "op": "eq", "value": true }),
            false,
        ),
        (
            json!({ "fact": "agents_online", "op": "gt", "value": 0 }),
            true,
        ),
        (
            json!({ "fact": "business_hours", "op": "eq", "value": true }),
            true,
        ),
        (
            json!({ "fact": "in_conversation", "op": "eq", "value": false }),
            true,
        ),
        (
            json!({ "fact": "proactive_seen", "op": "eq", "value": 0 }),
            true,
        ),
    ];
    for (test, expected) in cases {
        assert_eq!(holds(test.clone(), &v, 11_000), expected, "{test}");
    }
}

#[test]
fn all_any_not_tables() {
    let v = shopper();
    let t = json!({ "fact": "device", "op": "eq", "value": "mobile" });
    let f = json!({ "fact": "device", "op": "eq", "value": "desktop" });
    let cases = [
        (json!({ "all": [] }), true),
        (json!({ "any": [] }), false),
        (json!({ "all": [t, t] }), true),
        (json!({ "all": [t, f] }), false),
        (json!({ "any": [f, t] }), true),
        (json!({ "any": [f, f] }), false),
        (json!({ "not": f }), true),
        (json!({ "not": { "all": [t, t] } }), false),
        (json!({ "any": [{ "all": [t, f] }, { "not": f }] }), true),
    ];
    for (tree, expected) in cases {
        assert_eq!(holds(tree.clone(), &v, 2000), expected, "{tree}");
    }
}

#[test]
fn the_shops_facts_are_tested_for_verified_visitors_and_unknown_for_others() {
    let v = shopper();
    let day = 86_400_000;
    let shop = ShopFacts {
        orders_count: 4,
        total_spent: Some(420.5),
        tags: vec!["VIP".into(), "wholesale".into()],
        last_order_status: Some("processing".into()),
        last_order_fulfillment: Some("unfulfilled".into()),
        last_order_at: Some(Timestamp(1000)),
        order_view: Some(json!({ "number": "#1001", "status": "in transit" })),
        customer_view: Some(json!({ "total_spent": "€420.50" })),
    };
    let verified = Facts {
        shop: Some(&shop),
        ..facts(&v, 1000 + 31 * day)
    };
    let anonymous = facts(&v, 1000 + 31 * day);
    let cases = [
        json!({ "fact": "customer.orders_count", "op": "gte", "value": 3 }),
        json!({ "fact": "customer.total_spent", "op": "gt", "value": 400 }),
        json!({ "fact": "customer.tags", "op": "contains", "value": "vip" }),
        json!({ "fact": "customer.tags", "op": "in", "value": ["gold", "wholesale"] }),
        json!({ "fact": "last_order.status", "op": "eq", "value": "processing" }),
        json!({ "fact": "last_order.fulfillment_status", "op": "eq", "value": "unfulfilled" }),
        json!({ "fact": "last_order.days_since", "op": "eq", "value": 31 }),
    ];
    for case in cases {
        let rule = rule(
            json!({ "name": "t", "conditions": case, "actions": [{ "type": "tag", "tag": "x" }] }),
        );
        assert!(
            rule.conditions.holds(&verified),
            "{case} for a verified customer"
        );
        assert!(
            !rule.conditions.holds(&anonymous),
            "{case} is unknown for anyone else"
        );
    }
    let text = crate::triggers::render(
        "Your order {{ order.number }} is {{ order.status }}; you spent {{ customer.total_spent }}.",
        &verified,
        500,
    );
    assert_eq!(text, "Your order #1001 is in transit; you spent €420.50.");
    let unknown = crate::triggers::render("[{{ order.number }}]", &anonymous, 500);
    assert_eq!(unknown, "[]");
}
