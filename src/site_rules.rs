//! Each site's rules, compiled once and shared by all its sockets on this node. Loaded from
//! the store on first use and dropped when an owner changes a rule or the settings, so the
//! next evaluation compiles the new set.

use crate::domain::SiteId;
use crate::store::{Store, StoreError, TriggerSettings};
use crate::triggers::{Fatigue, Rule, RuleSet};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// A site's compiled rules and settings.
#[derive(Debug)]
pub struct SiteRules {
    /// The rules, indexed.
    pub set: RuleSet,
    /// The site's trigger settings.
    pub settings: TriggerSettings,
}

impl SiteRules {
    /// Attribution window in milliseconds.
    pub fn attribution_window_ms(&self) -> i64 {
        (self.settings.attribution_window_secs as i64).saturating_mul(1000)
    }
}

/// The cache, cloneable; one per node.
#[derive(Clone)]
pub struct SiteRulesCache {
    store: Arc<dyn Store>,
    sites: Arc<RwLock<HashMap<SiteId, Arc<SiteRules>>>>,
}

/// Sites whose rules are kept compiled before the cache starts over; bounds memory.
const MAX_SITES: usize = 10_000;

impl SiteRulesCache {
    /// An empty cache over a store.
    pub fn new(store: Arc<dyn Store>) -> Self {
        SiteRulesCache {
            store,
            sites: Arc::new(RwLock::new(HashMap::new())),
        }
    }

    /// The site's rules, compiling them on first use.
    pub async fn get(&self, site: &SiteId) -> Result<Arc<SiteRules>, StoreError> {
        if let Some(found) = self.sites.read().ok().and_then(|m| m.get(site).cloned()) {
            return Ok(found);
        }
        let stored = self.store.list_rules(site).await?;
        let settings = self.store.trigger_settings(site).await?;
        let rules: Vec<Rule> = stored
            .into_iter()
            .filter_map(|r| match Rule::from_json(r.id.clone(), &r.spec) {
                Ok(rule) => Some(rule),
                Err(errors) => {
                    // Rules are validated before they are saved; this is a rule written by an
                    // older version that the current one refuses.
                    tracing::warn!(rule = %r.id, ?errors, "stored rule no longer validates; skipped");
                    None
                }
            })
            .collect();
        let fatigue = Fatigue {
            max: settings.fatigue_max,
            window_ms: (settings.fatigue_window_secs as i64).saturating_mul(1000),
        };
        let compiled = Arc::new(SiteRules {
            set: RuleSet::new(rules, fatigue),
            settings,
        });
        if let Ok(mut sites) = self.sites.write() {
            if sites.len() >= MAX_SITES {
                sites.clear();
            }
            sites.insert(site.clone(), compiled.clone());
        }
        Ok(compiled)
    }

    /// Forgets a site's compiled rules after a change.
    pub fn invalidate(&self, site: &SiteId) {
        if let Ok(mut sites) = self.sites.write() {
            sites.remove(site);
        }
    }
}
