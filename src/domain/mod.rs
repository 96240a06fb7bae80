//! Domain types that every layer shares. They parse once at the edge, so the rest of the code
//! can trust a `SiteId` or an `Origin` without checking it again. Nothing here does I/O.

mod display_name;
mod ids;
mod language;
mod message;
mod origin;
mod status;
mod time;
mod values;
mod visitor;

pub use display_name::{DisplayNameError, MAX_DISPLAY_NAME, display_name};
pub use ids::{
    AgentId, ConversationId, IdError, MessageId, NoteId, RuleId, SiteId, VisitorId, random_token,
};
pub use ids::{ApiKeyId, ArticleId, CannedId, EmailId, EndpointId, FileId, RequestId};
pub use language::{MAX_BROWSER_LANGUAGES, language_code, shopper_language};
pub use message::{Attachment, Author, Message};
pub use origin::{Origin, OriginError};
pub use status::AgentStatus;
pub use time::Timestamp;
pub use values::{AuthorKind, ClientMsgId, Email, MessageText, Role, ValueError};
pub use visitor::{
    BrowsingEvent, Cart, CartItem, Known, PageData, PageInfo, PageProps, PageType, Product, Prop,
    SESSION_GAP_MS, TrailEntry, Utm, VerifiedId, VisitorState,
};
pub use visitor::{MAX_ORDERS, Order};
