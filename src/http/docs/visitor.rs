//! Documentation types of a visitor's profile and of a conversation's transcript and notes.
//! Never built: each mirrors the `json!` that `agent_api::get_visitor` and
//! `conversations_api` write around the real browsing types; `tests/api/openapi/` checks real
//! answers against them.

use super::{ConversationView, MessageView};
use crate::domain::{Cart, PageData, Product, TrailEntry, Utm};
use utoipa::ToSchema;

/// The last non-page event (documentation type).
#[derive(ToSchema)]
#[allow(dead_code)]
pub(in crate::http) struct LastEvent {
    /// Its name (`add_to_cart`, …).
    name: String,
    /// When (ms since the epoch).
    at: i64,
}

/// `GET …/visitors/{visitor_id}` (documentation type).
#[derive(ToSchema)]
#[allow(dead_code)]
pub(in crate::http) struct VisitorProfile {
    /// Visitor id (v_…).
    id: String,
    /// Whether a tab of theirs is connected now.
    online: bool,
    /// Browsing sessions so far.
    visits: u32,
    /// More than one visit.
    returning: bool,
    /// Page views in the current session.
    pages_this_session: u32,
    /// The page they are on.
    #[schema(required = true)]
    current_page: Option<PageData>,
    /// Time on that page so far, ms.
    #[schema(required = true)]
    time_on_page_ms: Option<i64>,
    /// When the session began (ms since the epoch).
    session_started_at: i64,
    /// Last activity (ms since the epoch).
    last_seen_at: i64,
    /// The last non-page event.
    #[schema(required = true)]
    last_event: Option<LastEvent>,
    /// Recent pages, oldest first.
    trail: Vec<TrailEntry>,
    /// The cart, if the shop reported one.
    #[schema(required = true)]
    cart: Option<Cart>,
    /// Purchases the shop reported, oldest first.
    orders: Vec<crate::domain::Order>,
    /// The product on the current page.
    #[schema(required = true)]
    product: Option<Product>,
    /// Campaign of the session's landing page.
    utm: Utm,
    /// Host of the session's referrer.
    #[schema(required = true)]
    referrer_host: Option<String>,
    /// `mobile`, `tablet` or `desktop`.
    #[schema(required = true)]
    device: Option<String>,
    /// The browser's language tag.
    #[schema(required = true)]
    language: Option<String>,
    /// The shop said who this is.
    identified: bool,
    /// Custom attributes from `identify`.
    attributes: serde_json::Map<String, serde_json::Value>,
    /// Tags rules have put on this visitor.
    tags: Vec<String>,
    /// Whether they have an open conversation.
    in_conversation: bool,
    /// Proactive messages shown ever.
    proactive_seen: u32,
    /// The verified customer across devices, or null.
    #[schema(required = true)]
    customer: Option<crate::chat::CustomerView>,
}

/// Whether a transcript entry is a message (documentation type).
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub(in crate::http) enum MessageKind {
    /// A message of the conversation.
    Message,
}

/// Whether a transcript entry is a note (documentation type).
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub(in crate::http) enum NoteKind {
    /// An internal note.
    Note,
}

/// A message in a transcript: the message with `kind: message` (documentation type).
#[derive(ToSchema)]
#[allow(dead_code)]
pub(in crate::http) struct TranscriptMessage {
    #[serde(flatten)]
    message: MessageView,
    /// `message`.
    #[schema(inline)]
    kind: MessageKind,
}

/// A note in a transcript: the note with `kind: note` (documentation type).
#[derive(ToSchema)]
#[allow(dead_code)]
pub(in crate::http) struct TranscriptNote {
    #[serde(flatten)]
    note: crate::conversation::Note,
    /// `note`.
    #[schema(inline)]
    kind: NoteKind,
}

/// One transcript entry (documentation type).
#[derive(ToSchema)]
#[serde(untagged)]
#[allow(dead_code)]
pub(in crate::http) enum TranscriptEntryView {
    /// A message.
    Message(TranscriptMessage),
    /// An internal note.
    Note(TranscriptNote),
}

/// `GET …/transcript` (documentation type).
#[derive(ToSchema)]
#[allow(dead_code)]
pub(in crate::http) struct Transcript {
    /// The conversation's header.
    conversation: ConversationView,
    /// Messages and notes in time order.
    entries: Vec<TranscriptEntryView>,
}

/// `POST …/notes` (documentation type).
#[derive(ToSchema)]
#[allow(dead_code)]
pub(in crate::http) struct NoteAnswer {
    /// The note as stored.
    note: crate::conversation::Note,
}
