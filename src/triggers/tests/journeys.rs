//! A property test: whatever the shopper does and whenever, caps, the fatigue budget and the
//! holdout group hold.

use super::*;
use serde_json::json;

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
        shop: None,
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
