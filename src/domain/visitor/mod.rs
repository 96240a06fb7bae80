//! What the server knows about a visitor's browsing: the facts the trigger engine reads
//! (current page, time on page, pages this session, visits) and the page trail an agent sees.
//! Pure: time comes in as an argument, so sessions and visits can be tested without a clock.
//!
//! One job per file: `event` validates what the widget sends, `page`, `cart`, `product` and
//! `order` are the values it carries, and `state` folds events into a [`VisitorState`]. What
//! trigger rules did to the visitor is not here: `triggers::VisitorRecord` keeps it beside
//! this state, so the domain does not depend on the rule engine.

mod cart;
mod event;
mod order;
mod page;
mod product;
mod props;
mod state;
#[cfg(test)]
mod tests;
mod verified;

pub use cart::{Cart, CartItem};
pub use event::BrowsingEvent;
pub use order::{MAX_ORDERS, Order};
pub use page::{Known, PageData, PageInfo, PageProps, PageType, TrailEntry, Utm};
pub use product::Product;
pub use props::Prop;
pub use state::{SESSION_GAP_MS, VisitorState};
pub use verified::VerifiedId;
