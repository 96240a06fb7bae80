//! The conversation's life cycle and the rules around it, kept free of I/O so they read like
//! the spec: [`lifecycle`] (bot → queued → assigned → closed, with compare-and-set versions),
//! [`handoff`] ("I want a person" in the site's languages) and [`settings`] (a site's chat
//! settings and its keyword rules); [`rating`] (the shopper's rating of a closed chat);
//! [`phrases`] (the server's own lines to the shopper, in the shopper's language).

pub mod attachments;
pub mod handoff;
pub mod lifecycle;
pub mod phrases;
pub mod prechat;
pub mod rating;
mod records;
pub mod routing;
pub mod settings;

pub use lifecycle::{
    Closer, Event, HandoffReason, Lifecycle, Notice, Opening, Stage, TransitionError,
};
pub use records::{Conversation, ConversationFilter, Note};
pub use settings::{ChatSettings, KeywordRule};
