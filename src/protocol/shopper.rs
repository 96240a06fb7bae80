//! The shopper socket's wire format: one JSON object per text frame, told apart by `type`.
//!
//! Decoding has a fast path (straight into [`ClientFrame`]) and, only when that fails, a slow
//! path that works out *what* was wrong, so a client gets an `error` frame that names the
//! field instead of a generic "bad request".

use super::event::{EventFrame, PlainEventFrame};
use super::orders::{OrderCard, OrderLookupFrame, OrderRequestFrame, OrdersFrame};
use crate::conversation::prechat::{FieldRule, PrechatAnswers};
use crate::domain::{Author, ConversationId, Message, MessageId, Timestamp, VisitorId};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::HashMap;

/// The protocol version this server speaks. A `hello` may name it; any other is refused.
pub const PROTOCOL_VERSION: u32 = 1;

/// A frame from the shopper's widget.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientFrame {
    /// First frame on a socket: who the visitor is and what it has already seen.
    Hello(Hello),
    /// A browsing event.
    Event(EventFrame),
    /// A chat message.
    Message(MessageFrame),
    /// The shopper is typing (or stopped).
    Typing(TypingFrame),
    /// The shopper has read up to `seq`.
    Read(ReadFrame),
    /// The shopper asks for a person ("Talk to a person").
    Handoff(HandoffFrame),
    /// The shopper leaves an email while nobody is online.
    Contact(ContactFrame),
    /// "Where is my order?" pressed.
    Orders(OrdersFrame),
    /// Order number and email, to look one order up.
    OrderLookup(OrderLookupFrame),
    /// "Return" / "Cancel" on an order.
    OrderRequest(OrderRequestFrame),
    /// "Email me the transcript".
    Transcript(TranscriptFrame),
    /// Send a one-time code to this address, to prove it is the shopper's.
    EmailCode(EmailCodeFrame),
    /// The code that came by email.
    VerifyCode(VerifyCodeFrame),
    /// The shopper rates a closed conversation.
    Rate(RateFrame),
    /// A token to upload a file to the open conversation (`POST /uploads`).
    UploadToken(UploadTokenFrame),
}

impl ClientFrame {
    /// The frame's `type` as its place in [`CLIENT_TYPES`], so a per-type count is an index.
    pub fn type_index(&self) -> usize {
        match self {
            ClientFrame::Hello(_) => 0,
            ClientFrame::Event(_) => 1,
            ClientFrame::Message(_) => 2,
            ClientFrame::Typing(_) => 3,
            ClientFrame::Read(_) => 4,
            ClientFrame::Handoff(_) => 5,
            ClientFrame::Contact(_) => 6,
            ClientFrame::Orders(_) => 7,
            ClientFrame::OrderLookup(_) => 8,
            ClientFrame::OrderRequest(_) => 9,
            ClientFrame::Transcript(_) => 10,
            ClientFrame::EmailCode(_) => 11,
            ClientFrame::VerifyCode(_) => 12,
            ClientFrame::Rate(_) => 13,
            ClientFrame::UploadToken(_) => 14,
        }
    }
}

/// The frame types a client may send, in [`ClientFrame::type_index`] order: named in the
/// "unknown type" error and counted per type.
pub const CLIENT_TYPES: [&str; 15] = [
    "hello",
    "event",
    "message",
    "typing",
    "read",
    "handoff",
    "contact",
    "orders",
    "order_lookup",
    "order_request",
    "transcript",
    "email_code",
    "verify_code",
    "rate",
    "upload_token",
];

/// `upload_token`: the shopper is about to attach a file to its open conversation.
#[derive(Debug, Deserialize)]
pub struct UploadTokenFrame {
    /// The conversation; the visitor's open one when absent (another is refused).
    #[serde(default)]
    pub conversation_id: Option<String>,
}

/// `hello`: opens or resumes a visitor's session.
#[derive(Debug, Deserialize)]
pub struct Hello {
    /// Protocol version; 1 when absent.
    #[serde(default)]
    pub v: Option<u32>,
    /// The visitor id the widget kept, if any.
    #[serde(default)]
    pub visitor_id: Option<String>,
    /// The session token from an earlier `welcome`, if any.
    #[serde(default)]
    pub session: Option<String>,
    /// Highest `seq` seen per conversation id; everything after it is replayed.
    #[serde(default)]
    pub last_seq: HashMap<String, u64>,
    /// The page the widget is on (same shape as a `page_view` event's props).
    #[serde(default)]
    pub page: Option<Map<String, Value>>,
    /// `false` while the shop's consent mode holds tracking back: the chat works, but this
    /// socket's page, browsing events and proactive rules are not used and a new visitor's
    /// browsing state is not saved. Absent: consented (the shop has no consent mode).
    #[serde(default)]
    pub consent: Option<bool>,
    /// The shop's language for this page (`shopchat('language', 'fr')`), over the browser's.
    #[serde(default)]
    pub language: Option<String>,
    /// The browser's languages, best first (`navigator.languages`), at most 16: the first the
    /// site enables is the shopper's. Absent from older widgets: the site's first language.
    #[serde(default)]
    pub languages: Vec<String>,
}

/// `message`: the shopper wrote something.
#[derive(Debug, Deserialize)]
pub struct MessageFrame {
    /// The widget's idempotency key for this message.
    pub client_msg_id: String,
    /// What the shopper wrote (may be `""` when the message carries attachments).
    pub text: String,
    /// Ids of files the shopper uploaded to its open conversation (`POST /uploads`).
    #[serde(default)]
    pub attachments: Vec<String>,
    /// The pre-chat form's answers, sent with the message that opens a conversation.
    #[serde(default)]
    pub prechat: Option<PrechatAnswers>,
}

/// `typing`: the shopper started or stopped typing.
#[derive(Debug, Deserialize)]
pub struct TypingFrame {
    /// True while typing.
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

/// `read`: the shopper has seen everything up to `seq` in a conversation.
#[derive(Debug, Deserialize)]
pub struct ReadFrame {
    /// The conversation.
    pub conversation_id: String,
    /// The last seq read.
    pub seq: u64,
}

/// `handoff`: the shopper wants a person.
#[derive(Debug, Deserialize)]
pub struct HandoffFrame {}

/// `contact`: an email to answer at when nobody is online.
#[derive(Debug, Deserialize)]
pub struct ContactFrame {
    /// Where to reply.
    pub email: String,
}

/// `transcript`: email the conversation so far.
#[derive(Debug, Deserialize)]
pub struct TranscriptFrame {
    /// The conversation (the visitor's latest when absent).
    #[serde(default)]
    pub conversation_id: Option<String>,
    /// Where to send it (the conversation's contact email when absent).
    #[serde(default)]
    pub email: Option<String>,
}

/// `email_code`: send a one-time code to this address.
#[derive(Debug, Deserialize)]
pub struct EmailCodeFrame {
    /// The shopper's address.
    pub email: String,
}

/// `verify_code`: the code from the email, for the same address.
#[derive(Debug, Deserialize)]
pub struct VerifyCodeFrame {
    /// The address the code was sent to.
    pub email: String,
    /// The code.
    pub code: String,
}

/// `rate`: the shopper's rating of a closed conversation.
#[derive(Debug, Deserialize)]
pub struct RateFrame {
    /// The conversation, closed, of this visitor.
    pub conversation_id: String,
    /// 1 to 5 stars (checked by the application, so a 0 or a 6 names `score` too).
    pub score: i64,
    /// An optional comment, at most 1,000 characters.
    #[serde(default)]
    pub comment: Option<String>,
}

/// Error codes on the wire; stable, so widgets can act on them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The frame is not JSON, or not a JSON object.
    BadJson,
    /// `type` is not one this server knows.
    UnknownType,
    /// A required field is absent.
    MissingField,
    /// A field has the wrong type or value.
    InvalidField,
    /// Message text above the limit.
    TextTooLong,
    /// Only `hello` is accepted before the session is set up.
    HelloRequired,
    /// `hello` was sent twice.
    AlreadyHello,
    /// The session token is not valid for this site and visitor.
    BadSession,
    /// The protocol version is not supported.
    UnsupportedVersion,
    /// The conversation does not belong to this visitor.
    UnknownConversation,
    /// Too many frames; slow down.
    RateLimited,
    /// Something failed on the server; the frame was not accepted and may be retried.
    Internal,
    /// The agent socket needs a valid token first.
    Unauthorized,
    /// The agent may not act on this site or conversation.
    Forbidden,
    /// No such conversation, visitor or agent (on the agent's sites).
    NotFound,
    /// The action does not fit the conversation's state (taken by someone else, closed…).
    NotAllowed,
    /// There is no conversation to act on yet (`handoff` before any message, …).
    NoConversation,
    /// A browsing event on a socket whose `hello` said the shopper has not consented.
    NoConsent,
    /// The conversation was rated before; the first rating stands.
    AlreadyRated,
}

/// A conversation as listed in `welcome`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationSummary {
    /// Conversation id.
    pub id: ConversationId,
    /// `open` or `closed`.
    pub state: String,
    /// Highest seq in it.
    pub last_seq: u64,
}

/// The site's look and words for the widget, from its chat settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Appearance {
    /// Accent colour, `#rrggbb`.
    pub color: String,
    /// First line of an empty panel.
    pub greeting: String,
    /// The bot's name.
    pub bot_name: String,
    /// The shopper's language (`fr`): the shop's choice, else the browser's first language
    /// the site enables, else the site's first. The widget shows its strings in it and the
    /// bot answers in it where an article has a version in it.
    pub language: String,
    /// Whether shoppers can look up their orders here (the "Where is my order?" button).
    #[serde(default)]
    pub self_service: bool,
    /// Whether the site sends email (the "Email me the transcript" button, codes).
    #[serde(default)]
    pub email: bool,
    /// Whether a new message in a background tab may count in its title and sound a tone.
    #[serde(default)]
    pub alerts: bool,
    /// Whether shoppers may attach photos and files (the paper-clip button, paste, drop).
    #[serde(default)]
    pub attachments: bool,
    /// The form to fill in before the first message, when the site asks one now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prechat: Option<PrechatSpec>,
}

/// The pre-chat form as the widget draws it: which fields, and the topics to pick from
/// (their teams stay on the server).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrechatSpec {
    /// Whether the name is asked (`off`, `optional`, `required`).
    pub name: FieldRule,
    /// Whether the email is asked.
    pub email: FieldRule,
    /// The topics; a topic must be picked when any is listed.
    pub topics: Vec<TopicChoice>,
}

/// One topic in the form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopicChoice {
    /// What the answer sends back.
    pub id: String,
    /// What the shopper reads.
    pub label: String,
}

/// A frame from the server to the shopper.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame {
    /// Answer to `hello`.
    Welcome {
        /// Protocol version.
        v: u32,
        /// The visitor id to keep.
        visitor_id: VisitorId,
        /// The session token to send in the next `hello`.
        session: String,
        /// The visitor's open conversations.
        conversations: Vec<ConversationSummary>,
        /// How the widget looks on this site.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        appearance: Option<Appearance>,
    },
    /// A chat message (the shopper's own ones too, so other tabs see them).
    Message(Message),
    /// Answer to `upload_token`: send files with it to `POST /uploads` until `expires_at`.
    UploadToken {
        /// The token (`Authorization: Bearer …` or `?token=`).
        token: String,
        /// When it stops working, ms since the epoch.
        expires_at: Timestamp,
        /// Largest file, bytes.
        max_bytes: u64,
        /// Most files on one message.
        max_per_message: usize,
        /// Accepted types (sniffed from the bytes).
        types: Vec<String>,
    },
    /// A shopper message is durable.
    Ack {
        /// The key the client sent.
        client_msg_id: String,
        /// Stored message id.
        id: MessageId,
        /// Conversation it went into.
        conversation_id: ConversationId,
        /// Its seq.
        seq: u64,
    },
    /// A conversation changed state (`bot`, `queued`, `assigned`, `closed`).
    Status {
        /// Conversation id.
        conversation_id: ConversationId,
        /// The new state.
        state: String,
        /// The agent's name, when a person has it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        agent: Option<String>,
        /// The path of that agent's avatar on the chat host, when they have one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        agent_avatar: Option<String>,
        /// Queued while no agent is online: the widget offers to leave an email.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        nobody_online: bool,
    },
    /// An agent is typing (or stopped).
    Typing {
        /// Conversation id.
        conversation_id: ConversationId,
        /// Who.
        author: Author,
        /// Started or stopped.
        active: bool,
    },
    /// An agent has read the shopper's messages up to `seq`.
    Read {
        /// Conversation id.
        conversation_id: ConversationId,
        /// Up to.
        seq: u64,
    },
    /// A trigger rule reached out: the widget shows the message that comes with it (if any)
    /// and opens when `open` is set. `rule_id` is what a `dismiss` event names.
    Proactive {
        /// The rule.
        rule_id: crate::domain::RuleId,
        /// The conversation its message went into, if it sent one.
        #[serde(skip_serializing_if = "Option::is_none")]
        conversation_id: Option<ConversationId>,
        /// Open the widget.
        open: bool,
    },
    /// Orders the bot just told the shopper about, for the widget's cards and their buttons
    /// (never stored: the bot's stored message says the same in words). `lookup` asks the
    /// widget to show the order-number-and-email form.
    Orders {
        /// The orders, newest first.
        orders: Vec<OrderCard>,
        /// Show the look-up form.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        lookup: bool,
    },
    /// An email the shopper asked for is on its way (a transcript, a code).
    Emailed {
        /// `transcript` or `code`.
        what: String,
        /// The address it goes to.
        to: String,
    },
    /// The shopper proved an address with its code: orders placed with it may be shown.
    Verified {
        /// The address.
        email: String,
    },
    /// A `rate` was stored (its line in the transcript arrives as a `message`).
    Rated {
        /// The rated conversation.
        conversation_id: ConversationId,
        /// The score taken.
        score: u8,
    },
    /// A frame was refused; the socket stays open.
    Error {
        /// Machine-readable code.
        code: ErrorCode,
        /// Human-readable reason.
        message: String,
        /// The offending field, when one is to blame.
        #[serde(skip_serializing_if = "Option::is_none")]
        field: Option<String>,
    },
}

impl ServerFrame {
    /// An error frame.
    pub fn error(code: ErrorCode, message: impl Into<String>, field: Option<&str>) -> Self {
        ServerFrame::Error {
            code,
            message: message.into(),
            field: field.map(str::to_owned),
        }
    }

    /// The frame as JSON text. Serialising these types cannot fail (string keys, no maps with
    /// non-string keys, no custom serialisers), so the fallback is never sent in practice.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| {
            r#"{"type":"error","code":"internal","message":"could not encode frame"}"#.to_owned()
        })
    }
}

/// Why a text frame could not be decoded; becomes an `error` frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    /// The wire code.
    pub code: ErrorCode,
    /// What was wrong, for people.
    pub message: String,
    /// The field to blame, if any.
    pub field: Option<String>,
}

impl DecodeError {
    /// Turns the decode error into the frame sent back.
    pub fn into_frame(self) -> ServerFrame {
        ServerFrame::Error {
            code: self.code,
            message: self.message,
            field: self.field,
        }
    }
}

/// The `type` of a frame, read without decoding the rest (other fields are skipped, not
/// buffered), borrowed from the text unless it holds escapes.
#[derive(Deserialize)]
struct Tag<'a> {
    #[serde(rename = "type", borrow)]
    kind: std::borrow::Cow<'a, str>,
}

/// Decodes one text frame: its `type` first, then straight into that frame's struct. Both
/// passes read the text in place; serde's internally tagged enums would instead copy the whole
/// frame into an intermediate tree (every key and string allocated) before decoding it again.
pub fn decode(text: &str) -> Result<ClientFrame, DecodeError> {
    fn parse<'a, T: Deserialize<'a>>(
        text: &'a str,
        wrap: fn(T) -> ClientFrame,
    ) -> Option<ClientFrame> {
        serde_json::from_str::<T>(text).ok().map(wrap)
    }
    let frame =
        serde_json::from_str::<Tag<'_>>(text)
            .ok()
            .and_then(|tag| match tag.kind.as_ref() {
                "event" => parse(text, ClientFrame::Event),
                "message" => parse(text, ClientFrame::Message),
                "typing" => parse(text, ClientFrame::Typing),
                "read" => parse(text, ClientFrame::Read),
                "hello" => parse(text, ClientFrame::Hello),
                "handoff" => parse(text, ClientFrame::Handoff),
                "contact" => parse(text, ClientFrame::Contact),
                "orders" => parse(text, ClientFrame::Orders),
                "order_lookup" => parse(text, ClientFrame::OrderLookup),
                "order_request" => parse(text, ClientFrame::OrderRequest),
                "transcript" => parse(text, ClientFrame::Transcript),
                "email_code" => parse(text, ClientFrame::EmailCode),
                "verify_code" => parse(text, ClientFrame::VerifyCode),
                "rate" => parse(text, ClientFrame::Rate),
                "upload_token" => parse(text, ClientFrame::UploadToken),
                _ => None,
            });
    frame.ok_or_else(|| diagnose(text))
}

/// The slow path: find out why a frame did not decode.
fn diagnose(text: &str) -> DecodeError {
    let err = |code, message: String, field: Option<&str>| DecodeError {
        code,
        message,
        field: field.map(str::to_owned),
    };
    let value: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            return err(
                ErrorCode::BadJson,
                format!("frame is not valid JSON: {e}"),
                None,
            );
        }
    };
    let Some(obj) = value.as_object() else {
        return err(
            ErrorCode::BadJson,
            "frame must be a JSON object".into(),
            None,
        );
    };
    let kind = match obj.get("type") {
        Some(Value::String(s)) => s.as_str(),
        Some(_) => {
            return err(
                ErrorCode::InvalidField,
                "`type` must be a string".into(),
                Some("type"),
            );
        }
        None => {
            return err(
                ErrorCode::MissingField,
                "missing field `type`".into(),
                Some("type"),
            );
        }
    };
    if !CLIENT_TYPES.contains(&kind) {
        let shown: String = kind.chars().take(40).collect();
        return err(
            ErrorCode::UnknownType,
            format!(
                "unknown frame type `{shown}`; expected one of {}",
                CLIENT_TYPES.join(", ")
            ),
            Some("type"),
        );
    }
    // Internally tagged enums buffer their content, which hides the failing field's path, so
    // the frame is decoded again as its own struct.
    let value = value.clone();
    match kind {
        "hello" => field_error::<Hello>(value, kind),
        "event" => field_error::<PlainEventFrame>(value, kind),
        "message" => field_error::<MessageFrame>(value, kind),
        "typing" => field_error::<TypingFrame>(value, kind),
        "handoff" => field_error::<HandoffFrame>(value, kind),
        "contact" => field_error::<ContactFrame>(value, kind),
        "orders" => field_error::<OrdersFrame>(value, kind),
        "order_lookup" => field_error::<OrderLookupFrame>(value, kind),
        "order_request" => field_error::<OrderRequestFrame>(value, kind),
        "transcript" => field_error::<TranscriptFrame>(value, kind),
        "email_code" => field_error::<EmailCodeFrame>(value, kind),
        "verify_code" => field_error::<VerifyCodeFrame>(value, kind),
        "rate" => field_error::<RateFrame>(value, kind),
        "upload_token" => field_error::<UploadTokenFrame>(value, kind),
        _ => field_error::<ReadFrame>(value, kind),
    }
}

/// Decodes `value` as `T` to find the field at fault.
fn field_error<T: serde::de::DeserializeOwned>(value: Value, kind: &str) -> DecodeError {
    match serde_path_to_error::deserialize::<_, T>(value) {
        Ok(_) => DecodeError {
            code: ErrorCode::BadJson,
            message: format!("`{kind}` frame could not be decoded"),
            field: None,
        },
        Err(e) => {
            let inner = e.inner().to_string();
            if let Some(field) = missing_field(&inner) {
                let message = format!("missing field `{field}` in `{kind}`");
                return DecodeError {
                    code: ErrorCode::MissingField,
                    message,
                    field: Some(field),
                };
            }
            let path = e.path().to_string();
            let field = (path != ".").then_some(path);
            let message = format!("invalid `{kind}` frame: {inner}");
            DecodeError {
                code: ErrorCode::InvalidField,
                message,
                field,
            }
        }
    }
}

/// serde reports a missing field only in its message: "missing field `text` at line 1 ...".
fn missing_field(message: &str) -> Option<String> {
    let rest = message.strip_prefix("missing field `")?;
    rest.split_once('`').map(|(f, _)| f.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_frame_counts_under_its_own_type() {
        for frame in [
            r#"{"type":"hello"}"#,
            r#"{"type":"event","name":"page_view","props":{"url":"https://a.b/"}}"#,
            r#"{"type":"message","client_msg_id":"a1","text":"hi"}"#,
            r#"{"type":"typing"}"#,
            r#"{"type":"read","conversation_id":"c_x","seq":1}"#,
            r#"{"type":"handoff"}"#,
            r#"{"type":"contact","email":"a@b.example"}"#,
            r#"{"type":"orders"}"#,
            r#"{"type":"order_lookup","number":"1001","email":"a@b.example"}"#,
            r#"{"type":"order_request","order":"1001","kind":"return"}"#,
        ] {
            let decoded = decode(frame).map_err(|e| format!("{e:?}"));
            let kind = serde_json::from_str::<serde_json::Value>(frame).unwrap()["type"].clone();
            let index = decoded.as_ref().map(ClientFrame::type_index);
            assert_eq!(
                index.ok().map(|i| CLIENT_TYPES[i]),
                kind.as_str(),
                "{frame}: {decoded:?}"
            );
        }
    }

    #[test]
    fn decodes_each_client_frame() {
        assert!(matches!(
            decode(r#"{"type":"hello"}"#),
            Ok(ClientFrame::Hello(_))
        ));
        assert!(matches!(
            decode(r#"{"type":"event","name":"page_view","props":{"url":"https://a.b/"}}"#),
            Ok(ClientFrame::Event(_))
        ));
        assert!(matches!(
            decode(r#"{"type":"message","client_msg_id":"a1","text":"hi"}"#),
            Ok(ClientFrame::Message(_))
        ));
        assert!(matches!(decode(r#"{"type":"typing"}"#), Ok(ClientFrame::Typing(t)) if t.active));
    }

    /// The two-pass decoder reads every frame exactly as the tagged enum does.
    #[test]
    fn decoding_agrees_with_the_tagged_enum() {
        let frames = [
            r#"{"type":"hello","visitor_id":"v_1","last_seq":{"c_1":3},"page":{"url":"https://a.b/"}}"#,
            r#"{"props":{"url":"https://a.b/p?x=\"1\"","type":"product"},"name":"page_view","type":"event"}"#,
            r#"{"type":"event","name":"identify","props":{"email":"a@b.c","nested":{"k":[1,2]}}}"#,
            r#"{"type":"message","client_msg_id":"a1","text":"hi \u00e9"}"#,
            r#"{"type":"typing","active":false}"#,
            r#"{"type":"read","conversation_id":"c_1","seq":4}"#,
            r#"{"type":"handoff","extra":1}"#,
            r#"{"type":"contact","email":"a@b.c"}"#,
            r#"{"type":"orders"}"#,
            r#"{"type":"\u0065vent","name":"x"}"#,
        ];
        for text in frames {
            let slow = serde_json::from_str::<ClientFrame>(text).map(|f| format!("{f:?}"));
            let fast = decode(text).map(|f| format!("{f:?}"));
            assert_eq!(fast.ok(), slow.ok(), "{text}");
        }
    }

    #[test]
    fn errors_name_the_problem() {
        assert_eq!(decode("{nope").unwrap_err().code, ErrorCode::BadJson);
        assert_eq!(decode("[1]").unwrap_err().code, ErrorCode::BadJson);
        let e = decode(r#"{"type":"dance"}"#).unwrap_err();
        assert_eq!(
            (e.code, e.field.as_deref()),
            (ErrorCode::UnknownType, Some("type"))
        );
        let e = decode(r#"{"type":"message","client_msg_id":"a"}"#).unwrap_err();
        assert_eq!(
            (e.code, e.field.as_deref()),
            (ErrorCode::MissingField, Some("text"))
        );
        let e = decode(r#"{"type":"read","conversation_id":"c_x","seq":"five"}"#).unwrap_err();
        assert_eq!(
            (e.code, e.field.as_deref()),
            (ErrorCode::InvalidField, Some("seq"))
        );
        let e = decode(r#"{"text":"hi"}"#).unwrap_err();
        assert_eq!(e.code, ErrorCode::MissingField);
    }
}

#[cfg(test)]
mod fuzz_tests {
    use super::*;
    use proptest::prelude::*;

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            ".{0,12}".prop_map(Value::String),
        ];
        leaf.prop_recursive(3, 24, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::btree_map(
                    prop_oneof![
                        Just("type".to_owned()),
                        Just("text".to_owned()),
                        Just("client_msg_id".to_owned()),
                        Just("name".to_owned()),
                        Just("props".to_owned()),
                        Just("seq".to_owned()),
                        "[a-z_]{1,8}"
                    ],
                    inner,
                    0..5
                )
                .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        /// Whatever a client sends, decoding answers: a frame or an error that names a code.
        #[test]
        fn decoding_never_panics_on_text(text in ".{0,200}") {
            if let Err(e) = decode(&text) {
                prop_assert!(!e.message.is_empty());
            }
        }

        #[test]
        fn decoding_never_panics_on_json_shapes(value in json_value(), kind in prop_oneof![
            Just("hello"), Just("event"), Just("message"), Just("typing"), Just("read"), Just("other")]) {
            let mut value = value;
            if let Value::Object(map) = &mut value {
                map.insert("type".into(), Value::String(kind.into()));
            }
            match decode(&value.to_string()) {
                Ok(_) => {}
                Err(e) => prop_assert!(!e.message.is_empty() && e.into_frame().to_json().contains("\"code\"")),
            }
        }
    }
}
