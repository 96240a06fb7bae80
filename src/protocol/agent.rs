//! The agent socket's wire format (`/ws/agent`): one JSON object per text frame, told apart by
//! `type`. Every command may carry a `ref` the server echoes in its `ok` or `error` answer, so
//! a dashboard can tie answers to the buttons that caused them.

use crate::conversation::{Conversation, Note};
use crate::domain::{
    Author, ConversationId, Message, PageInfo, SiteId, Timestamp, VisitorId, VisitorState,
};
use crate::protocol::ErrorCode;
use serde::{Deserialize, Serialize};

/// A command from an agent.
#[derive(Debug, Deserialize)]
pub struct AgentIn {
    /// Echoed in the answer.
    #[serde(default, rename = "ref")]
    pub reference: Option<String>,
    /// What to do.
    #[serde(flatten)]
    pub command: AgentCommand,
}

/// What an agent can ask for.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AgentCommand {
    /// First frame when the token is not in `Sec-WebSocket-Protocol`.
    Auth {
        /// The JWT from the login endpoint.
        token: String,
    },
    /// Take a chat from the queue or over from the bot.
    Take {
        /// Which.
        conversation_id: String,
    },
    /// Send a message to the shopper (idempotent on `client_msg_id`).
    Message {
        /// Which conversation.
        conversation_id: String,
        /// The dashboard's idempotency key.
        client_msg_id: String,
        /// Text (may be `""` when the message carries attachments).
        text: String,
        /// Files uploaded to this conversation by this agent (`id`s from `POST /uploads`).
        #[serde(default)]
        attachments: Vec<String>,
        /// The token of the model draft the text started from (`draft_token` of the draft
        /// answer or frame), so the owners' report counts it as sent unchanged or edited. A
        /// token that is not this chat's is ignored: the message is sent all the same.
        #[serde(default)]
        draft_token: Option<String>,
    },
    /// Hand the chat to another agent, to a team, or (neither) back to the queue.
    Transfer {
        /// Which conversation.
        conversation_id: String,
        /// An agent of the site.
        #[serde(default)]
        to_agent: Option<String>,
        /// A team or skill; the chat is queued for agents who have it.
        #[serde(default)]
        to_team: Option<String>,
    },
    /// Close the chat.
    Close {
        /// Which.
        conversation_id: String,
    },
    /// Add (or with `remove`, take off) a tag.
    Tag {
        /// Which conversation.
        conversation_id: String,
        /// The tag.
        tag: String,
        /// Remove instead of add.
        #[serde(default)]
        remove: bool,
    },
    /// An internal note: agents see it, the shopper never does.
    Note {
        /// Which conversation.
        conversation_id: String,
        /// Text.
        text: String,
    },
    /// The agent is typing (or stopped).
    Typing {
        /// Which conversation.
        conversation_id: String,
        /// True while typing.
        #[serde(default = "yes")]
        active: bool,
    },
    /// The agent has read up to `seq`.
    Read {
        /// Which conversation.
        conversation_id: String,
        /// Last seq read.
        seq: u64,
    },
    /// Online, away or offline.
    Status {
        /// The new status.
        status: AgentStatus,
    },
    /// Open a conversation with a visitor who is on the shop now.
    Start {
        /// The visitor's site.
        site_id: String,
        /// The visitor.
        visitor_id: String,
        /// The dashboard's idempotency key.
        client_msg_id: String,
        /// The opening line.
        text: String,
    },
}

fn yes() -> bool {
    true
}

/// An agent's availability: the domain's, sent as it is (`online`, `away`, `offline`).
pub use crate::domain::AgentStatus;

/// A visitor on the shop now, as the live-visitors list shows it (and as nodes tell each
/// other about their shoppers, hence `Deserialize`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiveVisitor {
    /// Visitor.
    pub visitor_id: VisitorId,
    /// Site.
    pub site_id: SiteId,
    /// The page they are on.
    pub current_page: Option<PageInfo>,
    /// When they arrived on it (time on page = now − this).
    pub page_entered_at: Option<Timestamp>,
    /// Pages this session.
    pub pages_this_session: u32,
    /// Cart value.
    pub cart_total: f64,
    /// Cart currency.
    pub currency: Option<String>,
    /// Items in the cart.
    pub cart_items: u32,
    /// Has visited before.
    pub returning: bool,
    /// The shop identified them.
    pub identified: bool,
    /// Name from `identify`.
    pub name: Option<String>,
    /// Referring site.
    pub referrer_host: Option<String>,
    /// UTM source.
    pub utm_source: Option<String>,
}

impl LiveVisitor {
    /// The summary of a visitor's browsing state.
    pub fn of(site: &SiteId, visitor: &VisitorId, state: &VisitorState) -> Self {
        LiveVisitor {
            visitor_id: visitor.clone(),
            site_id: site.clone(),
            current_page: state.current_page.clone(),
            page_entered_at: state.page_entered_at,
            pages_this_session: state.pages_this_session,
            cart_total: state.cart.as_ref().map_or(0.0, |c| c.total),
            currency: state.cart.as_ref().and_then(|c| c.currency.clone()),
            cart_items: state.cart.as_ref().map_or(0, |c| c.item_count()),
            returning: state.is_returning(),
            identified: state.identified,
            name: state
                .attributes
                .get("name")
                .and_then(|v| v.as_str())
                .map(|s| s.chars().take(100).collect()),
            referrer_host: state.referrer_host.clone(),
            utm_source: state.utm.source.clone(),
        }
    }
}

/// A site the agent works on.
#[derive(Debug, Clone, Serialize)]
pub struct SiteView {
    /// Id.
    pub id: SiteId,
    /// Name.
    pub name: String,
    /// The agent's role there.
    pub role: crate::domain::Role,
    /// Most chats of this site routing gives the agent at once (per site: each site's
    /// owners set it for their own site).
    pub capacity: u32,
    /// The agent's teams and skills on this site.
    pub skills: Vec<String>,
}

/// The agent as the server sees it.
#[derive(Debug, Clone, Serialize)]
pub struct AgentView {
    /// Id.
    pub id: crate::domain::AgentId,
    /// Display name.
    pub name: String,
    /// Status.
    pub status: AgentStatus,
}

/// How a live visitor changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VisitorChange {
    /// Opened the shop.
    Joined,
    /// Changed page or cart.
    Updated,
    /// Closed the last tab.
    Left,
}

/// A frame from the server to an agent.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AgentFrame {
    /// After authentication: who the agent is and everything live on its sites.
    Ready {
        /// The agent.
        agent: AgentView,
        /// Its sites.
        sites: Vec<SiteView>,
        /// Visitors on those sites now (this node).
        visitors: Vec<LiveVisitor>,
        /// Open conversations on those sites (bot, queued, assigned).
        conversations: Vec<Conversation>,
    },
    /// A live visitor joined, changed, or left.
    Visitor {
        /// What happened.
        change: VisitorChange,
        /// The visitor.
        visitor: LiveVisitor,
    },
    /// A conversation changed (queued, taken, transferred, tagged, closed…).
    Conversation {
        /// The header as it is now.
        conversation: Conversation,
    },
    /// Routing gave this agent a chat: notify the person.
    Routed {
        /// Site.
        site_id: SiteId,
        /// The chat.
        conversation_id: ConversationId,
    },
    /// A message in a conversation of the agent's sites.
    Message {
        /// Site.
        site_id: SiteId,
        /// The message.
        message: Message,
    },
    /// An internal note.
    Note {
        /// Site.
        site_id: SiteId,
        /// The note.
        note: Note,
    },
    /// Someone is typing.
    Typing {
        /// Site.
        site_id: SiteId,
        /// The conversation, when there is one.
        conversation_id: Option<ConversationId>,
        /// The visitor.
        visitor_id: VisitorId,
        /// Who types.
        author: Author,
        /// Started or stopped.
        active: bool,
    },
    /// Read marks.
    Read {
        /// Site.
        site_id: SiteId,
        /// Conversation.
        conversation_id: ConversationId,
        /// `shopper` or `agent`.
        by: &'static str,
        /// Up to.
        seq: u64,
    },
    /// A trigger rule asked for agents' attention.
    Alert {
        /// Site.
        site_id: SiteId,
        /// The visitor.
        visitor_id: VisitorId,
        /// The rule.
        rule_id: crate::domain::RuleId,
        /// What the rule says.
        text: String,
    },
    /// Another agent's status changed.
    Presence {
        /// Site.
        site_id: SiteId,
        /// The agent.
        agent_id: crate::domain::AgentId,
        /// Its status.
        status: AgentStatus,
    },
    /// The model drafted an answer to the shopper's message `for_seq` (the site turned
    /// automatic drafts on): for the reply box of an agent who has the chat open and has not
    /// typed, to check and send. Never sent by itself; a draft for a later message supersedes
    /// it.
    Draft {
        /// Site.
        site_id: SiteId,
        /// The conversation.
        conversation_id: ConversationId,
        /// The shopper's message it answers.
        for_seq: u64,
        /// The draft.
        text: String,
        /// The knowledge-base articles it used.
        articles: Vec<DraftArticle>,
        /// The customer's order numbers it used.
        orders: Vec<String>,
        /// For the message sent from it (see `message.draft_token`).
        draft_token: Option<String>,
    },
    /// A message of this agent is durable.
    Ack {
        /// Echo of the command's `ref`.
        #[serde(rename = "ref", skip_serializing_if = "Option::is_none")]
        reference: Option<String>,
        /// The key sent.
        client_msg_id: String,
        /// Stored message.
        message: Message,
    },
    /// A command succeeded.
    Ok {
        /// Echo of the command's `ref`.
        #[serde(rename = "ref", skip_serializing_if = "Option::is_none")]
        reference: Option<String>,
        /// The conversation it concerned, if any.
        #[serde(skip_serializing_if = "Option::is_none")]
        conversation_id: Option<ConversationId>,
    },
    /// A command was refused; the socket stays open.
    Error {
        /// Echo of the command's `ref`.
        #[serde(rename = "ref", skip_serializing_if = "Option::is_none")]
        reference: Option<String>,
        /// Machine-readable code.
        code: ErrorCode,
        /// Why.
        message: String,
        /// The field to blame.
        #[serde(skip_serializing_if = "Option::is_none")]
        field: Option<String>,
    },
}

/// An article a draft used.
#[derive(Debug, Clone, Serialize)]
pub struct DraftArticle {
    /// The article's id.
    pub id: String,
    /// Its question (title).
    pub title: String,
}

impl AgentFrame {
    /// The frame as JSON text (cannot fail for these types; see `ServerFrame::to_json`).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| {
            r#"{"type":"error","code":"internal","message":"could not encode frame"}"#.to_owned()
        })
    }
}

/// Decodes a command, naming the field at fault when it cannot.
pub fn decode(text: &str) -> Result<AgentIn, (ErrorCode, String, Option<String>)> {
    let value: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| (ErrorCode::BadJson, format!("not JSON: {e}"), None))?;
    let Some(kind) = value.get("type").and_then(|t| t.as_str()) else {
        return Err((
            ErrorCode::MissingField,
            "`type` is required".into(),
            Some("type".into()),
        ));
    };
    const KNOWN: [&str; 11] = [
        "auth", "take", "message", "transfer", "close", "tag", "note", "typing", "read", "status",
        "start",
    ];
    if !KNOWN.contains(&kind) {
        return Err((
            ErrorCode::UnknownType,
            format!(
                "unknown type `{kind}`; expected one of {}",
                KNOWN.join(", ")
            ),
            Some("type".into()),
        ));
    }
    serde_json::from_value::<AgentIn>(value).map_err(|e| {
        let text = e.to_string();
        let field = text
            .split('`')
            .nth(1)
            .map(str::to_owned)
            .filter(|f| !f.is_empty());
        let code = if text.starts_with("missing field") {
            ErrorCode::MissingField
        } else {
            ErrorCode::InvalidField
        };
        (code, text, field)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_decode_and_errors_name_the_field() {
        let ok = decode(r#"{"type":"take","conversation_id":"c_1","ref":"a"}"#).unwrap();
        assert_eq!(ok.reference.as_deref(), Some("a"));
        assert!(matches!(ok.command, AgentCommand::Take { .. }));
        let (code, _, field) =
            decode(r#"{"type":"message","conversation_id":"c_1","text":"x"}"#).unwrap_err();
        assert_eq!(code, ErrorCode::MissingField);
        assert_eq!(field.as_deref(), Some("client_msg_id"));
        let (code, _, _) = decode(r#"{"type":"fly"}"#).unwrap_err();
        assert_eq!(code, ErrorCode::UnknownType);
        let (code, _, _) = decode(r#"{"type":"status","status":"sleepy"}"#).unwrap_err();
        assert_eq!(code, ErrorCode::InvalidField);
    }
}
