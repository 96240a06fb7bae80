//! What a shop owner writing rules sees: each bad field named by its path, the starter rules
//! valid, the simulation's answer, and templates filled in.

use super::*;
use serde_json::json;

#[test]
fn validation_names_every_bad_field_by_path() {
    let found = errors(json!({
        "name": "",
        "priority": 5000,
        "conditions": { "all": [
            { "fact": "page.path", "op": "eq", "value": "/" },
            { "fact": "cart.total", "op": "gte", "value": "lots" },
            { "fact": "cart.total", "op": "gtt", "value": 1 },
            { "fact": "weather", "op": "eq", "value": "sunny" },
            { "fact": "page.path", "op": "matches", "regex": "(" }
        ] },
        "actions": [{ "type": "message" }, { "type": "teleport" }],
        "frequency": { "once_per": "century" },
        "holdout_percent": 101,
        "colour": "red"
    }));
    for expected in [
        "name: must be text",
        "priority: must be a whole number",
        "conditions.all[1].value: must be a number",
        "conditions.all[2].op: unknown operator \"gtt\"",
        "conditions.all[3].fact: unknown fact \"weather\"",
        "conditions.all[4].regex: invalid regular expression",
        "actions[0].text: must be non-empty text",
        "actions[1].type: unknown action \"teleport\"",
        "frequency.once_per: must be visitor or session",
        "holdout_percent: must be a whole number from 0 to 100",
        "colour: unknown key",
    ] {
        assert!(
            found.iter().any(|e| e.starts_with(expected)),
            "missing `{expected}` in {found:#?}"
        );
    }
    assert!(
        errors(
            json!({ "name": "x", "actions": [{ "type": "message", "text": "Hi {{ product.name" }] })
        )
        .iter()
        .any(|e| e.starts_with("actions[0].text: template error"))
    );
    assert!(
        errors(json!({ "name": "x", "actions": [] }))
            .iter()
            .any(|e| e.starts_with("actions:"))
    );
}

#[test]
fn the_starter_rules_validate() {
    for spec in crate::seed::starter_rules() {
        Rule::from_json(RuleId::generate(), &spec).unwrap_or_else(|e| panic!("{spec}: {e:?}"));
    }
}

#[test]
fn simulation_says_when_a_rule_fires_or_what_failed() {
    use super::simulate::{Step, simulate};
    let dwell = dwell(json!({ "once_per": "session" }));
    let cart = rule(json!({ "name": "big cart", "when": "cart_update",
        "conditions": { "all": [{ "fact": "cart.total", "op": "gte", "value": 500 }, { "fact": "device", "op": "eq", "value": "desktop" }] },
        "actions": [{ "type": "tag", "tag": "big" }] }));
    let steps = vec![
        Step {
            at_ms: 0,
            event: event(
                "page_view",
                json!({ "url": "https://s.example/p/1", "type": "product", "device": "mobile" }),
            ),
        },
        Step {
            at_ms: 5_000,
            event: event("cart_update", json!({ "total": 600 })),
        },
    ];
    let outcomes = simulate(&[dwell, cart], &steps, 0);
    assert_eq!(
        outcomes[0].fires_at_ms,
        Some(40_000),
        "the dwell fires 40 s after the page view"
    );
    assert_eq!(outcomes[1].fires_at_ms, None);
    assert_eq!(outcomes[1].closest_at_ms, Some(5_000));
    assert_eq!(
        outcomes[1].failed,
        vec![r#"device eq "desktop" (is "mobile")"#.to_owned()]
    );
}

#[test]
fn templates_fill_in_facts_and_leave_unknowns_empty() {
    let v = shopper();
    let text = "{{ product.name }} for {{ cart.total }} ({{ cart.items }} items){{ shopper.name }}";
    assert_eq!(
        render(text, &facts(&v, 2000), 4000),
        "Alpine jacket for 240 (3 items)"
    );
    let bare = VisitorRecord::first_visit(Timestamp(0));
    assert_eq!(
        render("Hi {{ product.name or 'there' }}!", &facts(&bare, 1), 4000),
        "Hi there!"
    );
}
