//! A visitor as the server keeps it: the browsing state (`domain`) with what trigger rules
//! have done to that visitor (`TriggerHistory`) beside it. The two are composed here, above
//! both, so the domain never depends on the rule engine; the stored JSON is the same single
//! object as when the history was a field of the state, so visitors stored before still load.

use super::TriggerHistory;
use crate::domain::{Timestamp, VisitorState};
use serde::{Deserialize, Serialize};
use std::ops::{Deref, DerefMut};

/// Everything the server remembers about one visitor: what the hub holds live and the store
/// saves. It reads as its browsing state (see the `Deref` below), so code that only looks at
/// pages, cart or identity does not need to know the history is here.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct VisitorRecord {
    /// Pages, cart, identity, sessions: the facts rules read.
    #[serde(flatten)]
    pub browsing: VisitorState,
    /// What proactive rules have done to this visitor (frequency caps, fatigue, dismissals).
    /// Stored under `triggers`, the key it had inside the state; absent in visitors saved
    /// before rules existed, which start with an empty history.
    #[serde(default)]
    pub triggers: TriggerHistory,
    /// The language the shopper's widget shows (a language code chosen at `hello`): the bot
    /// answers in it when an article has a version in it. Absent in visitors saved before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chat_language: Option<String>,
}

impl VisitorRecord {
    /// A visitor seen for the first time, with no rule history yet.
    pub fn first_visit(now: Timestamp) -> Self {
        VisitorState::first_visit(now).into()
    }
}

impl From<VisitorState> for VisitorRecord {
    /// A browsing state no rule has acted on yet.
    fn from(browsing: VisitorState) -> Self {
        VisitorRecord {
            browsing,
            triggers: TriggerHistory::default(),
            chat_language: None,
        }
    }
}

/// The record reads and updates as its browsing state (`record.cart`, `record.apply(..)`), so
/// composing the history beside the state changed no reader of browsing facts.
impl Deref for VisitorRecord {
    type Target = VisitorState;

    fn deref(&self) -> &VisitorState {
        &self.browsing
    }
}

impl DerefMut for VisitorRecord {
    fn deref_mut(&mut self) -> &mut VisitorState {
        &mut self.browsing
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::RuleId;
    use crate::triggers::FunnelStage;

    /// Exactly what the server wrote for a visitor while the history was a field of
    /// `VisitorState` (captured from that code): a product page, cart, identity, an order, one
    /// rule fired, opened and dismissed.
    const STORED: &str = r#"{"visits":1,"session_started_at":0,"last_seen_at":1600,"pages_this_session":1,"current_page":{"url":"https://s.example/products/jacket?utm_source=x","path":"/products/jacket","title":"Jacket","type":"product","referrer":"https://news.example/a","device":"mobile","language":"de-DE"},"page_entered_at":1000,"last_event":["exit_intent",1600],"trail":[{"at":1000,"page":{"url":"https://s.example/products/jacket?utm_source=x","path":"/products/jacket","title":"Jacket","type":"product","referrer":"https://news.example/a","device":"mobile","language":"de-DE"}}],"cart":{"total":240.0,"items":[{"sku":"J-1","qty":2},{"sku":"S-9","qty":1}]},"product":{"sku":"J-1","name":"Alpine jacket","price":129.5,"category":"coats"},"utm":{"source":"x"},"referrer_host":"news.example","device":"mobile","language":"de-DE","identified":true,"attributes":{"email":"a@b.c","orders":3,"tier":"gold"},"exit_intent":true,"in_conversation":true,"tags":["vip"],"triggers":{"rules":{"r_Stored0Rule1Shape2":{"total":1,"session":0,"last_at":2000,"recent":[2000],"dismissed_until":90000}},"last":{"rule":"r_Stored0Rule1Shape2","held_out":false,"at":2000,"reached":["fired","opened"]},"shown":[2000],"shown_total":1},"orders":[{"id":"A-1","total":89.9,"currency":"EUR","at":1500}],"last_active_at":1500}"#;

    #[test]
    fn a_visitor_stored_with_the_history_inside_its_state_loads_and_saves_the_same() {
        let loaded: VisitorRecord = serde_json::from_str(STORED).unwrap();
        assert_eq!(loaded.visits, 1);
        assert_eq!(loaded.cart.as_ref().map(|c| c.total), Some(240.0));
        assert_eq!(
            loaded.orders.back().and_then(|o| o.id.as_deref()),
            Some("A-1")
        );
        assert!(loaded.identified && loaded.exit_intent && loaded.in_conversation);
        assert_eq!(loaded.last_active_at, Some(Timestamp(1500)));
        let rule = RuleId::parse("r_Stored0Rule1Shape2").unwrap();
        assert_eq!(loaded.triggers.proactive_total(), 1);
        let record = loaded.triggers.rule(&rule).unwrap();
        assert_eq!(
            (record.total, record.dismissed_until),
            (1, Some(Timestamp(90_000)))
        );
        // The attribution came back too: `opened` was credited, `replied` was not yet.
        let mut history = loaded.triggers.clone();
        assert_eq!(
            history.reach(FunnelStage::Opened, Timestamp(2200), 1_000_000),
            None
        );
        assert_eq!(
            history.reach(FunnelStage::Replied, Timestamp(2200), 1_000_000),
            Some((rule, false))
        );

        // Saving writes the same object (key order aside), so old and new nodes can share a
        // store during a rolling upgrade.
        let stored: serde_json::Value = serde_json::from_str(STORED).unwrap();
        assert_eq!(serde_json::to_value(&loaded).unwrap(), stored);
    }

    #[test]
    fn a_visitor_stored_before_rules_existed_starts_with_an_empty_history() {
        let mut stored: serde_json::Value = serde_json::from_str(STORED).unwrap();
        stored.as_object_mut().unwrap().remove("triggers");
        let loaded: VisitorRecord = serde_json::from_value(stored).unwrap();
        assert_eq!(loaded.triggers, TriggerHistory::default());
        assert_eq!(loaded.pages_this_session, 1);
    }
}
