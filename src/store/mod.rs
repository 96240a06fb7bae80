//! Durable state behind one trait, so the embedded SQLite store (the default: one file, no
//! set-up) and a Redis store for several nodes are interchangeable to everything above.
//!
//! Every write that returns `Ok` is durable: callers acknowledge to clients only after it.

mod areas;
mod records;
pub mod redis;
pub mod sqlite;

pub use records::{
    Agent, AgentCredentials, Appended, Conversation, ConversationFilter, FunnelCounts, Membership,
    NewAgent, NewMessage, NewSite, Note, RoutingProfile, Site, SiteAgent, StoredRule,
    TriggerSettings,
};
pub use records::{Article, CannedReply, NewArticle, NewCanned};
pub use records::{DayStats, SiteStats};

pub use areas::{Conversations, Directory, Library, Rules, Stats, Visitors};

/// What can go wrong with durable state. `Conflict` and `NotFound` are the caller's problem;
/// the others are the store's and become a 5xx or an `internal` error frame.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique value (an email, a key) is already taken, or the operation clashes with state.
    #[error("conflict: {0}")]
    Conflict(String),
    /// The thing to change does not exist.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The store has been shut down.
    #[error("the store is closed")]
    Closed,
    /// The database refused an operation.
    #[error("database error during {context}: {source}")]
    Database {
        /// What the store was doing.
        context: &'static str,
        /// The driver's error.
        #[source]
        source: rusqlite::Error,
    },
    /// Redis refused a command, timed out or could not be reached. Nothing the command was
    /// to write may be assumed stored: callers report a retryable error and never ack.
    #[error("redis error during {context}: {source}")]
    Redis {
        /// What the store was doing.
        context: &'static str,
        /// The client's error (a timeout, a refused connection, a script error).
        #[source]
        source: ::redis::RedisError,
    },
    /// A batch failed to commit; nothing in it was written.
    #[error("commit failed: {0}")]
    Commit(String),
    /// Stored data that does not parse (a bug or a hand-edited file).
    #[error("corrupt stored data: {0}")]
    Corrupt(String),
    /// The database file could not be opened or migrated.
    #[error("cannot open the store at {path}: {reason}")]
    Open {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
}

/// Durable state: every area together. One implementation per backend, each area in a file
/// of its own; the same contract tests run against each. Callers hold an `Arc<dyn Store>` and
/// bring the area traits into scope with `use crate::store::prelude::*;`.
pub trait Store: Directory + Conversations + Visitors + Rules + Library + Stats {}

impl<T: Directory + Conversations + Visitors + Rules + Library + Stats> Store for T {}

/// The area traits, imported anonymously, so `use crate::store::prelude::*;` lets a caller
/// call any store method on a `dyn Store` without naming (or clashing with) the traits.
pub mod prelude {
    pub use super::{
        Conversations as _, Directory as _, Library as _, Rules as _, Stats as _, Store,
        Visitors as _,
    };
}
