//! A site's answers: the knowledge base the bot ranks questions against ([`kb`]), agents'
//! canned replies ([`canned`]) and the suggestions drawn from both for the last shopper
//! message ([`suggest`]). Pure: the application loads the site's articles and replies and
//! passes them in.

pub mod canned;
pub mod kb;
mod records;
pub mod suggest;

pub use kb::{DEFAULT_MIN_SCORE, KnowledgeBase, Match};
pub use records::{Article, ArticleText, CannedReply, MAX_TRANSLATIONS, NewArticle, NewCanned};
