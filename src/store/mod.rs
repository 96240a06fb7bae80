//! Durable state behind one contract, so the embedded SQLite store (the default: one file, no
//! set-up) and a Redis store for several nodes are interchangeable to everything above.
//!
//! The contract is split by area ([`Directory`], [`Conversations`], [`Visitors`], [`Rules`],
//! [`Library`], [`Stats`], [`Ratings`], [`Commerce`], [`Customers`], …, in `areas.rs`); [`Store`] is all of them, and each backend
//! implements each area in a file of that name. Errors ([`StoreError`]) name no backend.
//!
//! Every write that returns `Ok` is durable: callers acknowledge to clients only after it.

mod areas;
mod customers;
mod models;
mod outbound;
mod ratings;
mod records;
pub mod redis;
pub mod sqlite;

pub use records::{
    AccountChange, Agent, AgentCredentials, Appended, FunnelCounts, Membership, NewAgent,
    NewMessage, NewSite, RoutingProfile, Site, SiteAgent, StoredRule, TriggerSettings,
};
// The library's and the report's records, which the store keeps: named here too because
// the store's traits are written in them.
pub use crate::ai::token::DraftMark;
pub use crate::conversation::rating::Rating;
pub use crate::library::{Article, ArticleText, CannedReply, NewArticle, NewCanned};
pub use crate::report::csat::RatingGroup;
pub use crate::report::{DayStats, DraftDay, SiteStats};

pub use areas::{
    Commerce, Conversations, Customers, Directory, Library, Mail, Outbound, Privacy, Rules, Stats,
    Visitors, WEBHOOK_MEMORY_MS,
};
pub use customers::CustomerLink;
pub use models::{Models, USAGE_KEPT_DAYS};
pub use outbound::{DeliveryOutcome, DeliveryRecord, Endpoint};
pub use ratings::{Rated, Ratings};

/// A backend's own error, kept as the source of a [`StoreError`] for logs without naming its
/// type, so nothing above the store knows (or matches on) which backend runs.
pub type ErrorSource = Box<dyn std::error::Error + Send + Sync + 'static>;

/// What can go wrong with durable state, the same whichever backend runs. `Conflict` and
/// `NotFound` are the caller's problem; the others are the store's and become a 5xx or an
/// `internal` error frame. Each backend maps its driver's errors in its own module
/// (`sqlite/errors.rs`, `redis/values.rs`).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique value (an email, a key) is already taken, or the operation clashes with state.
    #[error("conflict: {0}")]
    Conflict(String),
    /// The thing to change does not exist.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The store cannot serve the call now but may soon: it could not be reached, timed out,
    /// was busy, or has been shut down. Nothing the call was to write may be assumed stored:
    /// callers report a retryable error and never ack.
    #[error("the store is unavailable during {context}: {source}")]
    Unavailable {
        /// What the store was doing.
        context: &'static str,
        /// The backend's error.
        #[source]
        source: ErrorSource,
    },
    /// Stored data that does not parse (a bug or a hand-edited file).
    #[error("corrupt stored data: {0}")]
    Corrupt(String),
    /// The backend refused the call for a reason a retry will not fix (a failed commit, a
    /// bad statement, a script error); nothing the call was to write was stored.
    #[error("store error during {context}: {source}")]
    Internal {
        /// What the store was doing.
        context: &'static str,
        /// The backend's error.
        #[source]
        source: ErrorSource,
    },
    /// The store could not be opened, migrated or configured at start.
    #[error("cannot open the store at {path}: {reason}")]
    Open {
        /// The file or the server.
        path: String,
        /// Why.
        reason: String,
    },
}

impl StoreError {
    /// The store has been shut down: later calls fail with this (retryable on another node
    /// or after a restart).
    pub fn closed() -> StoreError {
        StoreError::Unavailable {
            context: "a call after shutdown",
            source: "the store is closed".into(),
        }
    }

    /// Whether a retry may succeed (the store was unreachable, busy or closed).
    pub fn is_retryable(&self) -> bool {
        matches!(self, StoreError::Unavailable { .. })
    }
}

/// Durable state: every area together. One implementation per backend, each area in a file
/// of its own; the same contract tests run against each. Callers hold an `Arc<dyn Store>` and
/// bring the area traits into scope with `use crate::store::prelude::*;`.
pub trait Store:
    Directory
    + Conversations
    + Visitors
    + Rules
    + Library
    + Stats
    + Outbound
    + Commerce
    + Mail
    + Customers
    + Privacy
    + Models
    + Ratings
{
}

impl<
    T: Directory
        + Conversations
        + Visitors
        + Rules
        + Library
        + Stats
        + Outbound
        + Commerce
        + Mail
        + Customers
        + Privacy
        + Models
        + Ratings,
> Store for T
{
}

/// The area traits, imported anonymously, so `use crate::store::prelude::*;` lets a caller
/// call any store method on a `dyn Store` without naming (or clashing with) the traits.
pub mod prelude {
    pub use super::{
        Commerce as _, Conversations as _, Customers as _, Directory as _, Library as _, Mail as _,
        Models as _, Outbound as _, Privacy as _, Ratings as _, Rules as _, Stats as _, Store,
        Visitors as _,
    };
}
