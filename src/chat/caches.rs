//! Per-node copies of site data read on the hot path (every browsing event runs the site's
//! rules, every shopper message reads its chat settings, every bot answer ranks its knowledge
//! base) and changed rarely by owners. One generic [`SiteCache`] holds each kind; a change on
//! any node reaches every node's copy as an invalidation on the bus (see `ChatService::
//! drop_cached`), and the next read loads afresh.

use super::ChatService;
use crate::bus::SiteData;
use crate::conversation::ChatSettings;
use crate::domain::SiteId;
use crate::library::kb::{KnowledgeBase, language_for};
use crate::store::{StoreError, TriggerSettings};
use crate::triggers::{Fatigue, Rule, RuleSet};
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, RwLock};
use tokio::sync::OnceCell;

/// Sites kept per cache before it starts over; bounds memory.
const MAX_SITES: usize = 10_000;

/// One kind of site data, per site, shared by every socket on this node. Cloneable handle.
pub struct SiteCache<T> {
    /// Each site's slot; a slot is filled once, by the first reader, while the others wait.
    sites: Arc<RwLock<HashMap<SiteId, Slot<T>>>>,
}

type Slot<T> = Arc<OnceCell<Arc<T>>>;

impl<T> Clone for SiteCache<T> {
    fn clone(&self) -> Self {
        SiteCache {
            sites: self.sites.clone(),
        }
    }
}

impl<T> Default for SiteCache<T> {
    fn default() -> Self {
        SiteCache {
            sites: Arc::default(),
        }
    }
}

impl<T> SiteCache<T> {
    /// The site's copy, made by `load` on first use. Readers that miss together wait for one
    /// load (200 shoppers saying `hello` at once each compiled the site's 100 rules); a load
    /// that fails leaves the slot empty for the next reader. A hit costs a read lock and a
    /// reference count, no allocation. A load under way when the site is invalidated fills
    /// only its own, forgotten slot: the next reader loads afresh.
    pub async fn get_or_load<F, Fut>(&self, site: &SiteId, load: F) -> Result<Arc<T>, StoreError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, StoreError>>,
    {
        let slot = match self.sites.read().ok().and_then(|m| m.get(site).cloned()) {
            Some(slot) => slot,
            None => self.slot(site),
        };
        if let Some(found) = slot.get() {
            return Ok(found.clone());
        }
        slot.get_or_try_init(|| async { load().await.map(Arc::new) })
            .await
            .cloned()
    }

    /// The site's slot, made empty if it has none.
    fn slot(&self, site: &SiteId) -> Slot<T> {
        match self.sites.write() {
            Ok(mut sites) => {
                if sites.len() >= MAX_SITES && !sites.contains_key(site) {
                    sites.clear();
                }
                sites.entry(site.clone()).or_default().clone()
            }
            // A poisoned map (a panic mid-insert) only costs sharing: load into a slot of
            // this reader's own.
            Err(_) => Slot::default(),
        }
    }

    /// Forgets a site's copy after a change.
    pub fn invalidate(&self, site: &SiteId) {
        if let Ok(mut sites) = self.sites.write() {
            sites.remove(site);
        }
    }
}

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

/// This node's caches of site data.
#[derive(Clone, Default)]
pub struct Caches {
    /// Each site's compiled trigger rules.
    pub(super) rules: SiteCache<SiteRules>,
    /// Each site's knowledge base, indexed for the bot.
    pub(super) kb: SiteCache<KnowledgeBase>,
    /// Each site's chat settings.
    pub(super) settings: SiteCache<ChatSettings>,
    /// Each site's email settings (see `email::common`).
    pub(super) email: SiteCache<crate::email::EmailSettings>,
    /// Each site's own language model client, if it has one (see `ai::provider`); it goes
    /// with the chat settings' invalidation.
    pub(super) models: SiteCache<Option<super::ai::ModelChoice>>,
}

impl Caches {
    /// Drops this node's copies of a site's data.
    pub fn drop(&self, site: &SiteId, what: &[SiteData]) {
        for data in what {
            match data {
                SiteData::Rules => self.rules.invalidate(site),
                SiteData::Knowledge => self.kb.invalidate(site),
                SiteData::ChatSettings => {
                    self.settings.invalidate(site);
                    self.models.invalidate(site);
                }
                SiteData::EmailSettings => self.email.invalidate(site),
            }
        }
    }
}

impl ChatService {
    /// The site's rules, compiled on first use.
    pub async fn site_rules(&self, site: &SiteId) -> Result<Arc<SiteRules>, StoreError> {
        self.caches
            .rules
            .get_or_load(site, || async {
                let stored = self.store.list_rules(site).await?;
                let settings = self.store.trigger_settings(site).await?;
                let rules: Vec<Rule> = stored
                    .into_iter()
                    .filter_map(|r| match Rule::from_json(r.id.clone(), &r.spec) {
                        Ok(rule) => Some(rule),
                        Err(errors) => {
                            // Rules are validated before they are saved; this is a rule
                            // written by an older version that the current one refuses.
                            tracing::warn!(rule = %r.id, ?errors, "stored rule no longer validates; skipped");
                            None
                        }
                    })
                    .collect();
                let fatigue = Fatigue {
                    max: settings.fatigue_max,
                    window_ms: (settings.fatigue_window_secs as i64).saturating_mul(1000),
                };
                Ok(SiteRules {
                    set: RuleSet::new(rules, fatigue),
                    settings,
                })
            })
            .await
    }

    /// The site's knowledge base, indexed on first use; stemming and stop words follow the
    /// site's first language (English by default).
    pub async fn knowledge(&self, site: &SiteId) -> Result<Arc<KnowledgeBase>, StoreError> {
        self.caches
            .kb
            .get_or_load(site, || async {
                let articles = self.store.list_articles(site).await?;
                let settings = self.store.chat_settings(site).await?;
                let language = language_for(settings.languages.first().map(String::as_str));
                Ok(KnowledgeBase::new(&articles, language))
            })
            .await
    }

    /// A site's chat settings through this node's cache; the defaults if the store fails, so
    /// a store hiccup degrades to default behaviour instead of dropping a shopper's message.
    pub async fn settings(&self, site: &SiteId) -> Arc<ChatSettings> {
        let loaded = self
            .caches
            .settings
            .get_or_load(site, || self.store.chat_settings(site))
            .await;
        match loaded {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(error = %e, site = %site, "chat settings unavailable; using defaults");
                Arc::new(ChatSettings::default())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn readers_that_miss_together_share_one_load() {
        let cache: SiteCache<usize> = SiteCache::default();
        let site = SiteId::generate();
        let loads = AtomicUsize::new(0);
        let (release, released) = tokio::sync::watch::channel(false);
        let load = || async {
            loads.fetch_add(1, Ordering::SeqCst);
            let mut released = released.clone();
            let _ = released.wait_for(|r| *r).await;
            Ok(7)
        };
        let first = cache.get_or_load(&site, load);
        let second = cache.get_or_load(&site, load);
        let opener = async {
            tokio::task::yield_now().await;
            let _ = release.send(true);
        };
        let (a, b, ()) = tokio::join!(first, second, opener);
        assert_eq!((a.ok().as_deref(), b.ok().as_deref()), (Some(&7), Some(&7)));
        assert_eq!(loads.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_failed_load_leaves_the_slot_for_the_next_reader_and_invalidation_reloads() {
        let cache: SiteCache<usize> = SiteCache::default();
        let site = SiteId::generate();
        let failed = cache
            .get_or_load(&site, || async { Err(StoreError::NotFound("site")) })
            .await;
        assert!(failed.is_err());
        let loaded = cache.get_or_load(&site, || async { Ok(1) }).await;
        assert_eq!(loaded.ok().as_deref(), Some(&1));
        let cached = cache.get_or_load(&site, || async { Ok(2) }).await;
        assert_eq!(cached.ok().as_deref(), Some(&1));
        cache.invalidate(&site);
        let reloaded = cache.get_or_load(&site, || async { Ok(3) }).await;
        assert_eq!(reloaded.ok().as_deref(), Some(&3));
    }
}
