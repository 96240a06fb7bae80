//! When a rule fires: the planned timer, the gates (typing, chatting, fatigue, cooldown,
//! dismissal), priority, sessions and the holdout group.

use super::*;
use serde_json::json;

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
        shop: None,
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
