//! Small validated values: an email, a role, who wrote a message, the text of a message and
//! the client's idempotency key.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Why a value was refused; the text names the rule so it can go straight into an error frame.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ValueError {
    /// Not shaped like an email address.
    #[error("`{0}` is not an email address")]
    Email(String),
    /// Message text that is empty once trimmed.
    #[error("text is empty")]
    EmptyText,
    /// Message text above the configured limit.
    #[error("text is {len} characters, the limit is {max}")]
    TextTooLong {
        /// Characters received.
        len: usize,
        /// The configured maximum.
        max: usize,
    },
    /// A client message id outside 1..=64 of `[A-Za-z0-9_.:-]`.
    #[error("client_msg_id must be 1 to 64 characters of letters, digits, `_`, `-`, `.` or `:`")]
    ClientMsgId,
    /// An unknown role name.
    #[error("`{0}` is not a role (owner or agent)")]
    Role(String),
}

/// An account's email, trimmed and lower-cased so logins are case-insensitive.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    /// Accepts `local@domain` with no spaces, up to 254 characters.
    pub fn parse(text: &str) -> Result<Self, ValueError> {
        let t = text.trim().to_lowercase();
        let ok = t.len() <= 254
            && !t.chars().any(char::is_whitespace)
            && matches!(t.split_once('@'), Some((l, d)) if !l.is_empty() && !d.is_empty() && !d.contains('@'));
        if ok {
            Ok(Email(t))
        } else {
            Err(ValueError::Email(text.chars().take(100).collect()))
        }
    }

    /// The address as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Email {
    type Error = ValueError;
    fn try_from(v: String) -> Result<Self, ValueError> {
        Email::parse(&v)
    }
}

impl From<Email> for String {
    fn from(e: Email) -> String {
        e.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What an account may do on a site: owners manage it, agents chat on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Manages the site: rules, replies, agents, reports; can also chat.
    Owner,
    /// Answers chats.
    Agent,
}

impl Role {
    /// The role's name in storage and on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Agent => "agent",
        }
    }

    /// Parses `owner` or `agent`.
    pub fn parse(text: &str) -> Result<Self, ValueError> {
        match text {
            "owner" => Ok(Role::Owner),
            "agent" => Ok(Role::Agent),
            other => Err(ValueError::Role(other.chars().take(40).collect())),
        }
    }
}

/// Who wrote a message. Bots are a kind of their own so that no screen can pass one off as a
/// person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AuthorKind {
    /// The shopper in the widget.
    Shopper,
    /// The built-in or an external bot.
    Bot,
    /// A human agent or owner.
    Agent,
    /// The system itself (joins, hand-offs, notices).
    System,
}

impl AuthorKind {
    /// The kind's name in storage and on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthorKind::Shopper => "shopper",
            AuthorKind::Bot => "bot",
            AuthorKind::Agent => "agent",
            AuthorKind::System => "system",
        }
    }

    /// Parses a stored kind name.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "shopper" => Some(AuthorKind::Shopper),
            "bot" => Some(AuthorKind::Bot),
            "agent" => Some(AuthorKind::Agent),
            "system" => Some(AuthorKind::System),
            _ => None,
        }
    }
}

/// The text of a chat message: trimmed, not empty, at most the configured characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageText(String);

impl MessageText {
    /// Applies the site's limit; counts characters, not bytes, so every language gets the same.
    pub fn parse(text: &str, max_chars: usize) -> Result<Self, ValueError> {
        let t = text.trim();
        if t.is_empty() {
            return Err(ValueError::EmptyText);
        }
        let len = t.chars().count();
        if len > max_chars {
            return Err(ValueError::TextTooLong {
                len,
                max: max_chars,
            });
        }
        Ok(MessageText(t.to_owned()))
    }

    /// No text: only for a message that carries attachments (the caller checks there are).
    pub fn none() -> Self {
        MessageText(String::new())
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Gives up the text.
    pub fn into_string(self) -> String {
        self.0
    }
}

/// A sender's idempotency key for one message: the same key twice means the same message.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ClientMsgId(String);

impl ClientMsgId {
    /// 1 to 64 of `[A-Za-z0-9_.:-]`, so it is safe in logs and cheap to index.
    pub fn parse(text: &str) -> Result<Self, ValueError> {
        let ok = (1..=64).contains(&text.len())
            && text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b':'));
        if ok {
            Ok(ClientMsgId(text.to_owned()))
        } else {
            Err(ValueError::ClientMsgId)
        }
    }

    /// The key as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_limit_counts_characters() {
        assert!(MessageText::parse(&"é".repeat(10), 10).is_ok());
        assert_eq!(
            MessageText::parse(&"a".repeat(11), 10),
            Err(ValueError::TextTooLong { len: 11, max: 10 })
        );
        assert_eq!(MessageText::parse("   ", 10), Err(ValueError::EmptyText));
    }

    #[test]
    fn email_is_case_insensitive() {
        assert_eq!(
            Email::parse(" Ann@Shop.Example ").unwrap().as_str(),
            "ann@shop.example"
        );
        assert!(Email::parse("no-at-sign").is_err());
        assert!(Email::parse("a b@c").is_err());
    }

    #[test]
    fn client_msg_id_alphabet() {
        assert!(ClientMsgId::parse("m-1:abc.DEF_2").is_ok());
        assert!(ClientMsgId::parse("").is_err());
        assert!(ClientMsgId::parse("has space").is_err());
        assert!(ClientMsgId::parse(&"x".repeat(65)).is_err());
    }
}
