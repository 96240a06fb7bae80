//! The shop's data in the chat: who the shopper is to the shop and their orders, resolved
//! with the trust each viewer is owed. The commerce use cases (ingest, the agent's context
//! pane, the bot's order answers, requests) live in this folder, one file each.

mod context;
mod facts;
mod hooks;
mod ingest;
mod keys;
mod pane;
mod pane_cards;
mod settings;

pub use context::{CustomerContext, Link};
pub use hooks::{Delivery, HookError, HookOutcome};
pub use ingest::{MAX_IMPORT, Source};
pub use keys::{KEY_PREFIX, NewApiKey, PUSH_REQUESTS_PER_MIN};
pub use settings::{CommerceSettingsChange, CommerceSettingsView};
