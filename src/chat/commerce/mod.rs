//! The shop's data in the chat: who the shopper is to the shop and their orders, resolved
//! with the trust each viewer is owed. The commerce use cases (ingest, the agent's context
//! pane, the bot's order answers, requests) live in this folder, one file each.

mod context;
mod facts;
mod hooks;
mod ingest;
mod keys;
mod lookup;
mod pane;
mod pane_cards;
mod requests;
mod self_service;
mod settings;

pub use context::{CustomerContext, Link};
pub use hooks::{Delivery, HookError, HookOutcome};
pub use ingest::{MAX_IMPORT, Source};
pub use keys::{KEY_PREFIX, NewApiKey, PUSH_REQUESTS_PER_MIN};
pub use lookup::OrderRefusal;
pub(crate) use lookup::SelfServiceGuards;
pub(crate) use pane::CustomerPane;
pub(crate) use requests::clean_reason;
pub(crate) use self_service::{Asker, bot_may_answer};
pub use settings::{CommerceSettingsChange, CommerceSettingsView};
