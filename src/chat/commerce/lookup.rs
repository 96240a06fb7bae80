//! A shopper the shop did not identify proves one order with its number *and* the email it was
//! placed with. Both must match; a wrong pair is refused with the same words and on the same
//! path whichever part was wrong, and failures are budgeted per client address and per order
//! number (whoever tries), so nobody can walk the shop's order numbers or test emails against
//! them. Successful look-ups do not spend the budgets: a shopper checking their own order
//! twice is not an attacker.

use super::super::{ChatError, ChatService};
use crate::commerce::{CommerceSettings, Order, OrderNumber};
use crate::domain::{Email, SiteId};
use crate::guards::ClientAddr;
use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

/// Failed look-ups one client address may make per [`ADDR_WINDOW`].
const ADDR_FAILURES: usize = 5;
/// The address budget's window.
const ADDR_WINDOW: Duration = Duration::from_secs(15 * 60);
/// Failed look-ups of one order number (from anywhere) per [`ORDER_WINDOW`]: a ceiling on
/// distributed guessing of one order's email.
const ORDER_FAILURES: usize = 5;
/// The order budget's window.
const ORDER_WINDOW: Duration = Duration::from_secs(60 * 60);
/// Keys a budget tracks before it forgets the expired ones (and, if that is not enough,
/// starts over): bounds memory whatever strangers send.
const MAX_KEYS: usize = 20_000;
/// How long a node trusts its copy of a site's commerce settings. Owners change them rarely;
/// a change reaches every node within this time without a bus message.
const SETTINGS_TTL: Duration = Duration::from_secs(30);
/// Longest order number or email accepted before anything is looked up.
const MAX_INPUT: usize = 254;

/// Why a look-up or another order action was refused.
#[derive(Debug, thiserror::Error)]
pub enum OrderRefusal {
    /// The number and email do not name one order together. The same answer whichever part
    /// was wrong.
    #[error("no order matches that number and email")]
    NoMatch,
    /// The address or the order number spent its budget of failed look-ups.
    #[error("too many order look-ups; please try again later")]
    TooManyAttempts,
    /// The site turned self-service off.
    #[error("order look-up is not available on this shop")]
    Off,
    /// Anything else (bad input, the store).
    #[error(transparent)]
    Chat(#[from] ChatError),
}

/// Counts failures per key in a sliding window; bounded in keys.
struct FailureBudget<K> {
    max: usize,
    window: Duration,
    failures: Mutex<HashMap<K, VecDeque<Instant>>>,
}

impl<K: Hash + Eq + Clone> FailureBudget<K> {
    fn new(max: usize, window: Duration) -> Self {
        FailureBudget {
            max,
            window,
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// Whether `key` has no failure left at `now`.
    fn spent(&self, key: &K, now: Instant) -> bool {
        let Ok(mut map) = self.failures.lock() else {
            return true;
        };
        let Some(times) = map.get_mut(key) else {
            return false;
        };
        while times
            .front()
            .is_some_and(|t| now.duration_since(*t) >= self.window)
        {
            times.pop_front();
        }
        times.len() >= self.max
    }

    /// Records a failure of `key` at `now`.
    fn fail(&self, key: &K, now: Instant) {
        let Ok(mut map) = self.failures.lock() else {
            return;
        };
        if map.len() >= MAX_KEYS && !map.contains_key(key) {
            let window = self.window;
            map.retain(|_, times| {
                times
                    .back()
                    .is_some_and(|t| now.duration_since(*t) < window)
            });
            if map.len() >= MAX_KEYS {
                metrics::counter!("shopchat_order_lookup_budget_resets_total").increment(1);
                map.clear();
            }
        }
        let times = map.entry(key.clone()).or_default();
        if times.len() >= self.max {
            times.pop_front();
        }
        times.push_back(now);
    }
}

/// The node's self-service state: the look-up budgets and its copy of each site's commerce
/// settings. One per [`ChatService`].
pub(crate) struct SelfServiceGuards {
    per_addr: FailureBudget<ClientAddr>,
    per_order: FailureBudget<(SiteId, String)>,
    /// Wrong one-time codes per site and address (the same budget as an order's).
    per_code: FailureBudget<(SiteId, String)>,
    settings: RwLock<HashMap<SiteId, (Instant, Arc<CommerceSettings>)>>,
}

impl Default for SelfServiceGuards {
    fn default() -> Self {
        SelfServiceGuards {
            per_addr: FailureBudget::new(ADDR_FAILURES, ADDR_WINDOW),
            per_order: FailureBudget::new(ORDER_FAILURES, ORDER_WINDOW),
            per_code: FailureBudget::new(ORDER_FAILURES, ORDER_WINDOW),
            settings: RwLock::new(HashMap::new()),
        }
    }
}

impl SelfServiceGuards {
    /// Whether a code for `email` may be tried from `addr` now: each spends its budget with
    /// wrong codes, so six digits cannot be guessed in the minutes a code lives.
    pub(crate) fn code_allowed(&self, addr: &ClientAddr, site: &SiteId, email: &str) -> bool {
        let now = Instant::now();
        !self.per_addr.spent(addr, now)
            && !self.per_code.spent(&(site.clone(), email.to_owned()), now)
    }

    /// A wrong code for `email` from `addr`.
    pub(crate) fn code_failed(&self, addr: &ClientAddr, site: &SiteId, email: &str) {
        let now = Instant::now();
        self.per_addr.fail(addr, now);
        self.per_code.fail(&(site.clone(), email.to_owned()), now);
    }

    /// Drops this node's copy of a site's commerce settings after an owner changed them.
    pub(crate) fn forget(&self, site: &SiteId) {
        if let Ok(mut map) = self.settings.write() {
            map.remove(site);
        }
    }
}

impl ChatService {
    /// The site's commerce settings through this node's short-lived copy; `None` when the
    /// store cannot say (self-service then stays off rather than guessing).
    pub(crate) async fn commerce_settings(&self, site: &SiteId) -> Option<Arc<CommerceSettings>> {
        let now = Instant::now();
        let guards = &self.self_service;
        if let Some((at, s)) = guards.settings.read().ok()?.get(site)
            && now.duration_since(*at) < SETTINGS_TTL
        {
            return Some(s.clone());
        }
        let loaded = match self.store.commerce_settings(site).await {
            Ok(s) => Arc::new(s),
            Err(e) => {
                tracing::debug!(error = %e, site = %site, "commerce settings unavailable");
                return None;
            }
        };
        if let Ok(mut map) = guards.settings.write() {
            if map.len() >= MAX_KEYS {
                map.clear();
            }
            map.insert(site.clone(), (now, loaded.clone()));
        }
        Some(loaded)
    }

    /// Whether shoppers on the site may look up orders in the widget.
    pub(crate) async fn self_service_on(&self, site: &SiteId) -> bool {
        self.commerce_settings(site)
            .await
            .is_some_and(|s| s.self_service)
    }

    /// The order whose number and email the shopper typed, if both match; budgets checked
    /// first and charged only for a failure.
    pub(crate) async fn lookup_order(
        &self,
        site: &SiteId,
        number: &str,
        email: &str,
        addr: &ClientAddr,
    ) -> Result<Order, OrderRefusal> {
        let invalid = |field: &'static str, message: &str| {
            OrderRefusal::Chat(ChatError::Invalid {
                field,
                message: message.to_owned(),
            })
        };
        if number.chars().count() > MAX_INPUT || OrderNumber::parse(number).is_err() {
            return Err(invalid(
                "number",
                "enter the order number from your confirmation",
            ));
        }
        let Ok(email) = Email::parse(email) else {
            return Err(invalid(
                "email",
                "enter the email address the order was placed with",
            ));
        };
        let key = OrderNumber::key_of(number);
        let order_key = (site.clone(), key.clone());
        let now = Instant::now();
        let guards = &self.self_service;
        if guards.per_addr.spent(addr, now) || guards.per_order.spent(&order_key, now) {
            metrics::counter!("shopchat_order_lookups_total", "result" => "refused").increment(1);
            return Err(OrderRefusal::TooManyAttempts);
        }
        let found = self
            .store
            .order_by_number(site, &key)
            .await
            .map_err(ChatError::from)?;
        // One comparison whichever part is wrong: an unknown number and a wrong email take
        // the same path to the same answer.
        let matches = found
            .as_ref()
            .and_then(|o| o.email.as_ref())
            .is_some_and(|stored| stored.as_str() == email.as_str());
        match found {
            Some(order) if matches => {
                metrics::counter!("shopchat_order_lookups_total", "result" => "found").increment(1);
                Ok(order)
            }
            _ => {
                guards.per_addr.fail(addr, now);
                guards.per_order.fail(&order_key, now);
                metrics::counter!("shopchat_order_lookups_total", "result" => "no_match")
                    .increment(1);
                Err(OrderRefusal::NoMatch)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_budget_refuses_after_its_failures_and_forgets_them_after_the_window() {
        let budget = FailureBudget::new(2, Duration::from_secs(60));
        let t0 = Instant::now();
        assert!(!budget.spent(&"a", t0));
        budget.fail(&"a", t0);
        assert!(!budget.spent(&"a", t0));
        budget.fail(&"a", t0);
        assert!(budget.spent(&"a", t0));
        assert!(!budget.spent(&"b", t0), "another key has its own budget");
        assert!(!budget.spent(&"a", t0 + Duration::from_secs(61)));
    }
}
