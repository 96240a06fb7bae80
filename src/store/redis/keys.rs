//! Key names, in one place so the Rust side and the Lua scripts (which build the same names
//! from a base passed as `KEYS[1]`) cannot drift apart unnoticed.
//!
//! Four groups, each under its own Redis Cluster hash tag (the part in braces) so every
//! script touches keys of one slot only:
//!
//! - `{prefix}{dir}:…` — the directory shared by all sites: sites, accounts, memberships,
//!   server secrets. Small and rarely written; one slot makes "unique email" and "the last
//!   owner stays" single-script checks.
//! - `{prefix}{site_…}:…` — everything that belongs to one site: visitors, conversations,
//!   messages, notes, rules, funnels, settings, articles, canned replies, webhook endpoints
//!   and their delivery log (`outbound:endpoints`, `outbound:log`); email settings
//!   (`email-settings`), the suppression list (`suppressions`: lowercased address → JSON),
//!   one-time codes (`email-code:ADDRESS`: hash and expiry), each conversation's mail thread
//!   (`mail-thread:CONVERSATION`: token, emailed seq) and the emails that came back
//!   (`inbound:CONVERSATION`, a list of JSON records in arrival order); one customer across
//!   devices (`customers.rs`): `customer:KEY` (the customer's canonical visitor id; `KEY` is
//!   `user:ID` or `email:ADDRESS`), `customer-of:VISITOR` (the customer a device or the
//!   canonical visitor belongs to) and `customer-devices:KEY` (a sorted set of the devices by
//!   first link time), all written by one script so a link is never half made; privacy
//!   (`privacy.rs`): `privacy-settings` (retention periods), `privacy-audit` (a list, newest
//!   first) and `visitors-seen` (visitor ids by when their state was last saved); the site's own
//!   language model and its call counts (`models.rs`): `ai-provider` (JSON) and `ai-calls:DAY` (a
//!   counter per UTC day, expiring after 35 days); the AI-draft
//!   figures (`stats.rs`): `ai-drafts:DAY` and `ai-sent:DAY`, expiring; the shoppers' ratings
//!   (`ratings.rs`): `ratings`, conversation ids by rating time (the rating is in `conv:ID`).
//! - `{prefix}{mail}:…` — the email outbox of every site, in one slot because one claim takes
//!   the due rows of all sites: `row:ID` (a hash: the queued record as JSON `doc`, with
//!   `site`, `key`, `rcpt` (the lowercased recipient), `attempts`, `due` and `status` beside it as
//!   the fields the scripts read and change),
//!   `keys` (`SITE\nKEY` → id: the idempotency index, deleted with its row when the row is
//!   pruned), `ended` (the ids of rows that ended, by when, for pruning), `due` (a sorted set of
//!   the pending ids by when each may next be claimed: its due time, or its lease's end
//!   while a node sends it), `count:SITE` and `count:SITE:ADDRESS` (ids by queue time, for
//!   the hourly limits; a skipped row leaves them, entries older than two days are trimmed
//!   when a row is queued) and
//!   `log:SITE` (the delivery log, newest first, trimmed in the script that appends).
//!   The scripts that change them are in `mail.rs` (see `scripts.rs` for why scripts).
//! - `{prefix}mail-token:{token}` — a mail thread's token → `SITE CONVERSATION`, written
//!   before the thread (a crash leaves a pointer to nothing); a token only counts when the
//!   conversation and its thread, holding the same token, still exist.
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

    /// The prefix every key starts with (for the scans of one-time migrations).
    pub(super) fn prefix(&self) -> &str {
        &self.prefix
    }

    /// Base of the directory keys; scripts append `site:ID`, `agent:ID`, `emails`, …
    pub(super) fn dir(&self) -> String {
        format!("{}{{dir}}:", self.prefix)
    }

    /// Base of a site's keys; scripts append `conv:ID`, `msgs:ID`, `cmids`, …
    pub(super) fn site(&self, site: &SiteId) -> String {
        format!("{}{{{}}}:", self.prefix, site)
    }

    /// Base of the email outbox's keys (one slot for every site).
    pub(super) fn mail(&self) -> String {
        format!("{}{{mail}}:", self.prefix)
    }

    /// Which conversation a mail thread's token belongs to.
    pub(super) fn mail_token(&self, token: &str) -> String {
        format!("{}mail-token:{}", self.prefix, token)
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
