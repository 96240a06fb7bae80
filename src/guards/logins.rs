//! The login budgets: how many password attempts a stranger gets, checked before any account
//! is looked up or any password hashed.

use super::{Budget, ClientAddr};
use crate::config::Guards;

/// The login budgets, one set per server. They live in the application state, not in the
/// route set-up: that runs once per worker thread and would give each worker its own budget.
/// All are checked before the account is looked up or any password hashed, and each is keyed
/// only on what the request says, so a refusal tells nothing about whether the email exists.
pub struct LoginBudgets {
    /// Attempts per client address: one address cannot spray logins.
    pub(crate) per_addr: Budget<ClientAddr>,
    /// Attempts per email from one address: slows guessing one account's password.
    pub(crate) per_email_addr: Budget<(String, ClientAddr)>,
    /// Attempts per email from everywhere, looser: a ceiling on distributed guessing that a
    /// single stranger cannot reach to lock the real user out.
    pub(crate) per_email: Budget<String>,
    /// `Retry-After` seconds for each (a minute's budget refills one attempt at a time).
    pub(crate) retry: [u64; 3],
}

impl LoginBudgets {
    /// Budgets from the guard settings.
    pub fn new(guards: &Guards) -> Self {
        let refill = |n: u32| 60u64.div_ceil(u64::from(n.max(1)));
        LoginBudgets {
            per_addr: Budget::per_minute(guards.login_per_addr_per_min),
            per_email_addr: Budget::per_minute(guards.login_per_email_addr_per_min),
            per_email: Budget::per_minute(guards.login_per_email_per_min),
            retry: [
                refill(guards.login_per_addr_per_min),
                refill(guards.login_per_email_addr_per_min),
                refill(guards.login_per_email_per_min),
            ],
        }
    }
}

impl std::fmt::Debug for LoginBudgets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginBudgets").finish_non_exhaustive()
    }
}
