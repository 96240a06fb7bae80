//! The built-in knowledge-base bot: which of a site's articles answers a shopper's question
//! ([`kb`], pure ranking) and the per-node cache of each site's index ([`cache`]).

pub mod cache;
pub mod kb;

pub use cache::KbCache;
pub use kb::{DEFAULT_MIN_SCORE, KnowledgeBase, Match};
