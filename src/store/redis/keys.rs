//! Key names, in one place so the Rust side and the Lua scripts (which build the same names
//! from a base passed as `KEYS[1]`) cannot drift apart unnoticed.
//!
//! Three groups, each under its own Redis Cluster hash tag (the part in braces) so every
//! script touches keys of one slot only:
//!
//! - `{prefix}{dir}:…` — the directory shared by all sites: sites, accounts, memberships,
//!   server secrets. Small and rarely written; one slot makes "unique email" and "the last
//!   owner stays" single-script checks.
//! - `{prefix}{site_…}:…` — everything that belongs to one site: visitors, conversations,
//!   messages, notes, rules, funnels, settings, articles, canned replies, webhook endpoints
//!   and their delivery log (`outbound:endpoints`, `outbound:log`).
//! - `{prefix}conv-site:{conversation}` and `{prefix}rule-site:{rule}` — tiny immutable
//!   pointers from an id to its site, for the trait methods that take only that id. They
//!   are written before the data they point to, so a crash leaves at worst a pointer to
//!   nothing (read as "not found"), never data that cannot be found.

use crate::domain::{ConversationId, RuleId, SiteId};

/// Builds every key of one store from its prefix.
#[derive(Debug, Clone)]
pub(super) struct Keys {
    prefix: String,
}

impl Keys {
    /// `prefix` has been checked to hold no braces, so the first `{…}` of every key is ours.
    pub(super) fn new(prefix: &str) -> Self {
        Keys {
            prefix: prefix.to_owned(),
        }
    }

    /// Base of the directory keys; scripts append `site:ID`, `agent:ID`, `emails`, …
    pub(super) fn dir(&self) -> String {
        format!("{}{{dir}}:", self.prefix)
    }

    /// Base of a site's keys; scripts append `conv:ID`, `msgs:ID`, `cmids`, …
    pub(super) fn site(&self, site: &SiteId) -> String {
        format!("{}{{{}}}:", self.prefix, site)
    }

    /// Which site a conversation belongs to.
    pub(super) fn conv_site(&self, conversation: &ConversationId) -> String {
        format!("{}conv-site:{}", self.prefix, conversation)
    }

    /// Which site a rule id belongs to (rule ids are global, as in SQLite).
    pub(super) fn rule_site(&self, rule: &RuleId) -> String {
        format!("{}rule-site:{}", self.prefix, rule)
    }
}

/// Appends a suffix to a base: `sub(&base, "conv:", id)`.
pub(super) fn sub(base: &str, name: &str, id: impl std::fmt::Display) -> String {
    format!("{base}{name}{id}")
}
