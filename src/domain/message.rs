//! A conversation's message as the rest of the code sees it: who wrote it, where it sits in the
//! conversation (`seq`) and when it was stored. The store returns it and the protocols send it
//! as it is, so its serde form is the wire shape.

use super::{AuthorKind, ConversationId, FileId, MessageId, Timestamp};
use serde::{Deserialize, Serialize};

/// Who wrote a message, as shown in the widget.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Author {
    /// shopper, bot, agent or system.
    pub kind: AuthorKind,
    /// Display name (a bot's name always comes with `kind: bot`).
    pub name: String,
}

/// A stored message of a conversation: what the store gives back and what every client is
/// sent (its serde form is the wire shape of the shopper and agent protocols).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// Message id.
    pub id: MessageId,
    /// Conversation it belongs to.
    pub conversation_id: ConversationId,
    /// Position in the conversation, from 1, without gaps.
    pub seq: u64,
    /// Who wrote it.
    pub author: Author,
    /// The text, to be shown as text.
    pub text: String,
    /// When it was stored, ms since the epoch.
    pub ts: Timestamp,
    /// The widget offers "Talk to a person" with this message (every bot message does).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub offers_handoff: bool,
    /// Files the message carries (the text may then be empty); absent when none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<Attachment>,
}

/// A file a message carries, as readers see it: stored without `url`, which is signed
/// afresh (an expiring link) each time the message is delivered or replayed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    /// The file's id.
    pub id: FileId,
    /// The name the sender gave (text, never a path).
    pub name: String,
    /// The type as sniffed from the file's bytes.
    #[serde(rename = "type")]
    pub content_type: String,
    /// Size in bytes.
    pub size: u64,
    /// `/files/…?exp=…&sig=…`, valid for about an hour from its delivery.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The file is an image with a small copy to show (stored with the message).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub thumb: bool,
    /// That small copy's link, signed with `url` (`…&thumb=1`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumb_url: Option<String>,
}
