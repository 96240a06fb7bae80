//! Engine tests without a network, one file per concern: `conditions` (operators and trees),
//! `authoring` (what a shop owner writing rules sees: validation, starter rules, simulation,
//! templates), `evaluation` (timers, gates, caps, priority, holdout) and `journeys` (a property
//! test over random browsing). The helpers below build the rules and the visitor they share.

use super::*;
use crate::domain::{BrowsingEvent, RuleId, Timestamp, VisitorId};
use proptest::prelude::*;
use serde_json::{Value, json};

mod authoring;
mod conditions;
mod evaluation;
mod journeys;
mod patterns;

fn rule(spec: Value) -> Rule {
    Rule::from_json(RuleId::generate(), &spec).unwrap_or_else(|e| panic!("{spec}: {e:?}"))
}

fn errors(spec: Value) -> Vec<String> {
    Rule::from_json(RuleId::generate(), &spec)
        .unwrap_err()
        .iter()
        .map(ToString::to_string)
        .collect()
}

fn event(name: &str, props: Value) -> BrowsingEvent {
    BrowsingEvent::parse(name, props.as_object().unwrap().clone()).unwrap()
}

/// A visitor on a product page since t=1000 with a cart.
fn shopper() -> VisitorRecord {
    let mut v = VisitorRecord::first_visit(Timestamp(0));
    v.apply(
        &event(
            "page_view",
            json!({ "url": "https://s.example/products/jacket?utm_source=x", "title": "Jacket", "type": "product",
                    "referrer": "https://news.example/a", "device": "mobile", "language": "de-DE" }),
        ),
        Timestamp(1000),
    );
    v.apply(
        &event(
            "product_view",
            json!({ "sku": "J-1", "name": "Alpine jacket", "price": 129.5, "category": "coats" }),
        ),
        Timestamp(1000),
    );
    v.apply(
        &event(
            "cart_update",
            json!({ "total": 240, "items": [{ "sku": "J-1", "qty": 2 }, { "sku": "S-9" }] }),
        ),
        Timestamp(1000),
    );
    v.apply(
        &event(
            "identify",
            json!({ "email": "a@b.c", "tier": "gold", "orders": 3 }),
        ),
        Timestamp(1000),
    );
    v
}

static TWO_AGENTS: std::sync::LazyLock<[crate::domain::AgentId; 2]> =
    std::sync::LazyLock::new(|| {
        [
            crate::domain::AgentId::generate(),
            crate::domain::AgentId::generate(),
        ]
    });

fn facts(v: &VisitorRecord, now: i64) -> Facts<'_> {
    Facts {
        now: Timestamp(now),
        visitor: v,
        online_agents: &*TWO_AGENTS,
        business_hours: true,
        in_conversation: false,
        shop: None,
    }
}

fn holds(test: Value, v: &VisitorRecord, now: i64) -> bool {
    rule(json!({ "name": "t", "conditions": test, "actions": [{ "type": "tag", "tag": "x" }] }))
        .conditions
        .holds(&facts(v, now))
}

fn dwell(frequency: Value) -> Rule {
    rule(json!({
        "name": "Dwell on product",
        "when": "page_view",
        "conditions": { "all": [
            { "fact": "page.type", "op": "eq", "value": "product" },
            { "fact": "time_on_page", "op": "gte", "value": 40 }
        ] },
        "actions": [{ "type": "message", "text": "Need help with the size of the {{product.name}}?" }],
        "frequency": frequency
    }))
}
