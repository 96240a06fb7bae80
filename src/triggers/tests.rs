//! Engine tests without a network: operators, trees, validation paths, caps, holdout, timers.

use super::*;
use crate::domain::{BrowsingEvent, RuleId, Timestamp, VisitorId};
use proptest::prelude::*;
use serde_json::{Value, json};

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
    }
}

fn holds(test: Value, v: &VisitorRecord, now: i64) -> bool {
    rule(json!({ "name": "t", "conditions": test, "actions": [{ "type": "tag", "tag": "x" }] }))
        .conditions
        .holds(&facts(v, now))
}

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

#[test]
fn the_timer_is_planned_for_the_dwell_and_the_rule_fires_then() {
    let set = RuleSet::new(
        vec![dwell(json!({ "once_per": "visitor" }))],
        Fatigue::default(),
    );
    let mut v = shopper();
    let visitor = VisitorId::generate();
    assert_eq!(
        set.evaluate(Wake::Event("page_view"), &facts(&v, 1000), &visitor, false),
        None
    );
    assert_eq!(set.next_wake(&facts(&v, 1000)), Some(Timestamp(41_000)));
    assert_eq!(
        set.evaluate(Wake::Timer, &facts(&v, 40_999), &visitor, false),
        None
    );
    let firing = set
        .evaluate(Wake::Timer, &facts(&v, 41_000), &visitor, false)
        .expect("fires at 40 s");
    set.record(&firing, &mut v, Timestamp(41_000));
    assert_eq!(
        set.next_wake(&facts(&v, 41_000)),
        None,
        "once per visitor: nothing more to plan"
    );
    assert_eq!(
        set.evaluate(Wake::Timer, &facts(&v, 99_000), &visitor, false),
        None
    );
    assert_eq!(
        render(rule_text(&set), &facts(&v, 41_000), 4000),
        "Need help with the size of the Alpine jacket?"
    );

    // A page change re-plans from the new page's entry.
    let mut other = shopper();
    other.apply(
        &event(
            "page_view",
            json!({ "url": "https://s.example/products/boots", "type": "product" }),
        ),
        Timestamp(30_000),
    );
    assert_eq!(
        set.next_wake(&facts(&other, 30_000)),
        Some(Timestamp(70_000))
    );
}

fn rule_text(set: &RuleSet) -> &str {
    match &set.rules()[0].actions[0] {
        Action::Message { text, .. } => text,
        _ => unreachable!(),
    }
}

#[test]
fn gates_typing_conversation_fatigue_cooldown_and_dismissal() {
    let set = RuleSet::new(
        vec![dwell(
            json!({ "max": 5, "period_secs": 86400, "cooldown_secs": 600 }),
        )],
        Fatigue {
            max: 2,
            window_ms: 3_600_000,
        },
    );
    let visitor = VisitorId::generate();
    let mut v = shopper();
    let at = 50_000;
    assert!(
        set.evaluate(Wake::Timer, &facts(&v, at), &visitor, true)
            .is_none(),
        "never while typing"
    );
    let chatting = Facts {
        in_conversation: true,
        ..facts(&v, at)
    };
    assert!(
        set.evaluate(Wake::Timer, &chatting, &visitor, false)
            .is_none(),
        "never while chatting"
    );

    let first = set
        .evaluate(Wake::Timer, &facts(&v, at), &visitor, false)
        .unwrap();
    set.record(&first, &mut v, Timestamp(at));
    assert!(
        set.evaluate(Wake::Timer, &facts(&v, at + 1), &visitor, false)
            .is_none(),
        "cooldown"
    );
    assert_eq!(
        set.next_wake(&facts(&v, at + 1)),
        Some(Timestamp(at + 600_000))
    );
    let second = set
        .evaluate(Wake::Timer, &facts(&v, at + 600_000), &visitor, false)
        .unwrap();
    set.record(&second, &mut v, Timestamp(at + 600_000));
    // Two shown within the hour: the fatigue budget holds the third back until the first ages out.
    assert!(
        set.evaluate(Wake::Timer, &facts(&v, at + 1_200_000), &visitor, false)
            .is_none()
    );
    assert_eq!(
        set.next_wake(&facts(&v, at + 1_200_000)),
        Some(Timestamp(at + 3_600_000))
    );
    assert!(
        set.evaluate(Wake::Timer, &facts(&v, at + 3_600_000), &visitor, false)
            .is_some()
    );

    v.triggers
        .dismiss(&first.rule_id, Timestamp(at + 10_000_000));
    assert!(
        set.evaluate(Wake::Timer, &facts(&v, at + 9_000_000), &visitor, false)
            .is_none(),
        "dismissed"
    );
}

#[test]
fn the_highest_priority_rule_wins_and_only_one_fires() {
    let low = rule(
        json!({ "name": "low", "priority": 1, "actions": [{ "type": "message", "text": "low" }] }),
    );
    let high = rule(
        json!({ "name": "high", "priority": 9, "when": ["add_to_cart"], "actions": [{ "type": "message", "text": "high" }] }),
    );
    let high_id = high.id.clone();
    let set = RuleSet::new(vec![low.clone(), high], Fatigue::default());
    let v = shopper();
    let visitor = VisitorId::generate();
    assert_eq!(
        set.evaluate(
            Wake::Event("add_to_cart"),
            &facts(&v, 2000),
            &visitor,
            false
        )
        .unwrap()
        .rule_id,
        high_id
    );
    assert_eq!(
        set.evaluate(Wake::Event("page_view"), &facts(&v, 2000), &visitor, false)
            .unwrap()
            .rule_id,
        low.id
    );
    let absent = crate::domain::AgentId::generate();
    let persona = rule(
        json!({ "name": "p", "actions": [{ "type": "message", "text": "hi", "as": "agent", "agent_id": absent }] }),
    );
    let present = rule(
        json!({ "name": "q", "actions": [{ "type": "message", "text": "hi", "as": "agent", "agent_id": TWO_AGENTS[0] }] }),
    );
    let set = RuleSet::new(vec![persona], Fatigue::default());
    assert!(
        set.evaluate(Wake::Event("x"), &facts(&v, 2000), &visitor, false)
            .is_none(),
        "agent persona offline"
    );
    let set = RuleSet::new(vec![present], Fatigue::default());
    assert!(
        set.evaluate(Wake::Event("x"), &facts(&v, 2000), &visitor, false)
            .is_some(),
        "agent persona online"
    );
    let disabled = rule(
        json!({ "name": "off", "enabled": false, "actions": [{ "type": "tag", "tag": "x" }] }),
    );
    let set = RuleSet::new(vec![disabled], Fatigue::default());
    assert!(
        set.evaluate(Wake::Event("page_view"), &facts(&v, 2000), &visitor, false)
            .is_none()
    );
}

#[test]
fn once_per_session_comes_back_next_session() {
    let set = RuleSet::new(
        vec![rule(
            json!({ "name": "s", "actions": [{ "type": "tag", "tag": "x" }], "frequency": { "once_per": "session" } }),
        )],
        Fatigue::default(),
    );
    let visitor = VisitorId::generate();
    let mut v = shopper();
    let f = set
        .evaluate(Wake::Event("x"), &facts(&v, 2000), &visitor, false)
        .unwrap();
    set.record(&f, &mut v, Timestamp(2000));
    assert!(
        set.evaluate(Wake::Event("x"), &facts(&v, 3000), &visitor, false)
            .is_none()
    );
    v.returns(Timestamp(2000 + crate::domain::SESSION_GAP_MS + 1));
    let later = 3000 + crate::domain::SESSION_GAP_MS;
    assert!(
        set.evaluate(Wake::Event("x"), &facts(&v, later), &visitor, false)
            .is_some()
    );
}

#[test]
fn holdout_is_stable_and_near_its_share() {
    let rule_id = RuleId::generate();
    let visitors: Vec<VisitorId> = (0..4000).map(|_| VisitorId::generate()).collect();
    let held = visitors
        .iter()
        .filter(|v| in_holdout(v, &rule_id, 25))
        .count();
    assert!(
        (800..1200).contains(&held),
        "{held} of 4000 held out at 25%"
    );
    assert!(
        visitors
            .iter()
            .all(|v| in_holdout(v, &rule_id, 25) == in_holdout(v, &rule_id, 25))
    );
    assert!(
        visitors
            .iter()
            .all(|v| !in_holdout(v, &rule_id, 0) && in_holdout(v, &rule_id, 100))
    );
}

#[derive(Debug, Clone)]
enum Step {
    Page(u8),
    Cart(u16),
    Other,
    Advance(u32),
    Typing(bool),
    NewSession,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (0u8..4).prop_map(Step::Page),
        (0u16..500).prop_map(Step::Cart),
        Just(Step::Other),
        (0u32..200_000).prop_map(Step::Advance),
        any::<bool>().prop_map(Step::Typing),
        Just(Step::NewSession),
    ]
}

proptest! {
    /// Whatever the events and the clock: a once-per-visitor rule fires at most once, the
    /// fatigue budget is never exceeded, and a held-out visitor is never shown anything.
    #[test]
    fn caps_budget_and_holdout_hold_for_any_journey(steps in prop::collection::vec(step(), 1..60), holdout in prop::bool::ANY) {
        let once = rule(json!({
            "name": "once", "priority": 5,
            "conditions": { "fact": "cart.total", "op": "gt", "value": 100 },
            "actions": [{ "type": "message", "text": "Free shipping over 100!" }],
            "frequency": { "once_per": "visitor" },
            "holdout_percent": if holdout { 100 } else { 0 }
        }));
        let dwell = dwell(json!({ "max": 100, "period_secs": 60 }));
        let fatigue = Fatigue { max: 2, window_ms: 600_000 };
        let set = RuleSet::new(vec![once.clone(), dwell], fatigue);
        let visitor = VisitorId::generate();
        let mut v = VisitorRecord::first_visit(Timestamp(0));
        let (mut now, mut typing, mut once_fired) = (0i64, false, 0);
        let mut shown: Vec<i64> = Vec::new();
        for s in steps {
            let wake_name = match s {
                Step::Page(p) => {
                    let kind = if p % 2 == 0 { "product" } else { "other" };
                    v.apply(&event("page_view", json!({ "url": format!("https://s.example/{p}"), "type": kind })), Timestamp(now));
                    Some("page_view")
                }
                Step::Cart(total) => {
                    v.apply(&event("cart_update", json!({ "total": total })), Timestamp(now));
                    Some("cart_update")
                }
                Step::Other => Some("custom"),
                Step::Advance(ms) => {
                    // Time passes; the timer wakes the engine whenever it planned one in between.
                    let until = now + i64::from(ms);
                    while let Some(t) = set.next_wake(&facts_at(&v, now)).filter(|t| t.0 <= until) {
                        now = t.0;
                        evaluate_and_record(&set, &mut v, &visitor, now, typing, None, &mut shown, &mut once_fired, &once.id);
                    }
                    now = until;
                    None
                }
                Step::Typing(t) => { typing = t; None }
                Step::NewSession => {
                    now += crate::domain::SESSION_GAP_MS + 1;
                    v.returns(Timestamp(now));
                    None
                }
            };
            if let Some(name) = wake_name {
                evaluate_and_record(&set, &mut v, &visitor, now, typing, Some(name), &mut shown, &mut once_fired, &once.id);
            }
        }
        prop_assert!(once_fired <= 1);
        for (i, t) in shown.iter().enumerate() {
            let in_window = shown[..=i].iter().filter(|s| **s > t - fatigue.window_ms).count();
            prop_assert!(in_window <= fatigue.max as usize, "budget exceeded at {t}: {shown:?}");
        }
    }
}

fn facts_at(v: &VisitorRecord, now: i64) -> Facts<'_> {
    Facts {
        now: Timestamp(now),
        visitor: v,
        online_agents: &[],
        business_hours: true,
        in_conversation: false,
    }
}

#[allow(clippy::too_many_arguments)]
fn evaluate_and_record(
    set: &RuleSet,
    v: &mut VisitorRecord,
    visitor: &VisitorId,
    now: i64,
    typing: bool,
    event: Option<&str>,
    shown: &mut Vec<i64>,
    once_fired: &mut u32,
    once: &RuleId,
) {
    let wake = event.map_or(Wake::Timer, Wake::Event);
    if let Some(firing) = set.evaluate(wake, &facts_at(v, now), visitor, typing) {
        assert!(!typing, "fired while typing");
        if &firing.rule_id == once {
            *once_fired += 1;
            let held = set.rules()[firing.index].holdout_percent == 100;
            assert_eq!(firing.held_out, held, "holdout membership");
        }
        if !firing.held_out {
            shown.push(now);
        }
        set.record(&firing, v, Timestamp(now));
    }
}

#[test]
fn the_starter_rules_validate() {
    for spec in crate::startup::starter_rules() {
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
