//! Trigger rules with their funnels, and a site's trigger and chat settings.

use super::new_site;
use shopchat::store::{StoreError, prelude::*};
use std::sync::Arc;

store_contract!(
    rules_are_kept_per_site_with_their_funnels_and_trigger_settings,
    chat_settings_are_the_defaults_until_set,
);

/// Rules are created, replaced, listed and deleted per site, with their funnels counted per
/// group and stage; trigger settings are the defaults until set.
async fn rules_are_kept_per_site_with_their_funnels_and_trigger_settings(store: Arc<dyn Store>) {
    use shopchat::domain::RuleId;
    use shopchat::store::TriggerSettings;
    use shopchat::triggers::FunnelStage;
    let site = new_site(store.as_ref()).await;
    let other = new_site(store.as_ref()).await;
    let id = RuleId::generate();
    assert!(
        store
            .save_rule(&site, &id, serde_json::json!({ "name": "a" }))
            .await
            .unwrap(),
        "created"
    );
    assert!(
        !store
            .save_rule(&site, &id, serde_json::json!({ "name": "b" }))
            .await
            .unwrap(),
        "replaced"
    );
    let rules = store.list_rules(&site).await.unwrap();
    assert_eq!(
        (rules.len(), rules[0].spec["name"].as_str()),
        (1, Some("b"))
    );
    assert!(
        store.list_rules(&other).await.unwrap().is_empty(),
        "rules are per site"
    );
    assert!(
        matches!(
            store.save_rule(&other, &id, serde_json::json!({})).await,
            Err(StoreError::NotFound(_))
        ),
        "another site cannot overwrite the rule"
    );

    for stage in [
        FunnelStage::Fired,
        FunnelStage::Fired,
        FunnelStage::Converted,
    ] {
        store.count_funnel(&site, &id, false, stage).await.unwrap();
    }
    store
        .count_funnel(&site, &id, true, FunnelStage::Fired)
        .await
        .unwrap();
    store
        .count_funnel(&other, &id, false, FunnelStage::Fired)
        .await
        .unwrap(); // wrong site: ignored
    let funnel = store.funnel(&site, &id).await.unwrap();
    assert_eq!(
        (funnel.shown, funnel.held_out),
        ([2, 0, 0, 1], [1, 0, 0, 0])
    );

    assert_eq!(
        store.trigger_settings(&site).await.unwrap(),
        TriggerSettings::default()
    );
    let custom = TriggerSettings {
        fatigue_max: 3,
        ..TriggerSettings::default()
    };
    store.set_trigger_settings(&site, &custom).await.unwrap();
    assert_eq!(store.trigger_settings(&site).await.unwrap(), custom);
    assert_eq!(
        store.trigger_settings(&other).await.unwrap(),
        TriggerSettings::default()
    );

    assert!(
        !store.delete_rule(&other, &id).await.unwrap(),
        "not the other site's to delete"
    );
    assert!(store.delete_rule(&site, &id).await.unwrap());
    assert_eq!(
        store.funnel(&site, &id).await.unwrap().shown,
        [0; 4],
        "the funnel goes with the rule"
    );
}

/// A site's chat settings are the defaults until set, then what was set.
async fn chat_settings_are_the_defaults_until_set(store: Arc<dyn Store>) {
    use shopchat::conversation::ChatSettings;
    let site_id = new_site(store.as_ref()).await;
    assert_eq!(
        store.chat_settings(&site_id).await.unwrap(),
        ChatSettings::default()
    );
    let custom = ChatSettings {
        bot_enabled: !ChatSettings::default().bot_enabled,
        greeting: "Hej!".into(),
        ..ChatSettings::default()
    };
    store.set_chat_settings(&site_id, &custom).await.unwrap();
    assert_eq!(store.chat_settings(&site_id).await.unwrap(), custom);
}
