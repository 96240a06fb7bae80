//! Identifiers: a short type prefix and random base62, so an id pasted into a log or a support
//! ticket says what it names, and a visitor id can never be mistaken for a conversation id.

use rand::Rng;
use rand::distr::Alphanumeric;
use std::fmt;

/// Why a string is not a valid identifier of the expected kind.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error(
    "`{value}` is not a valid {kind} id (expected `{prefix}` followed by 8 to 64 letters or digits)"
)]
pub struct IdError {
    kind: &'static str,
    prefix: &'static str,
    value: String,
}

/// Random base62 text of `len` characters from the OS-seeded thread generator; used for ids,
/// public keys and generated passwords.
pub fn random_token(len: usize) -> String {
    rand::rng()
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $kind:literal, $prefix:literal) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// A new random id of this kind.
            pub fn generate() -> Self {
                Self(format!("{}{}", $prefix, random_token(20)))
            }

            /// Checks the prefix and the alphabet; anything else is refused.
            pub fn parse(value: &str) -> Result<Self, IdError> {
                let body = value.strip_prefix($prefix);
                match body {
                    Some(b)
                        if (8..=64).contains(&b.len())
                            && b.bytes().all(|c| c.is_ascii_alphanumeric()) =>
                    {
                        Ok(Self(value.to_owned()))
                    }
                    _ => Err(IdError { kind: $kind, prefix: $prefix, value: value.chars().take(80).collect() }),
                }
            }

            /// The id as text, for storage and the wire.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = IdError;
            fn try_from(value: String) -> Result<Self, IdError> {
                Self::parse(&value)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

id_type!(
    /// A shop's site: the unit of configuration and of authorisation.
    SiteId, "site", "site_"
);
id_type!(
    /// A shopper's browser, kept in the widget's storage across visits.
    VisitorId, "visitor", "v_"
);
id_type!(
    /// One conversation between a shopper and the shop (bot or people).
    ConversationId, "conversation", "c_"
);
id_type!(
    /// One stored message.
    MessageId, "message", "m_"
);
id_type!(
    /// An agent or owner account.
    AgentId, "agent", "ag_"
);
id_type!(
    /// A trigger rule.
    RuleId, "rule", "r_"
);
id_type!(
    /// An agent's internal note on a conversation (never shown to the shopper).
    NoteId, "note", "n_"
);
id_type!(
    /// A knowledge-base article the bot answers from.
    ArticleId, "article", "art_"
);
id_type!(
    /// A canned reply agents insert by its shortcut.
    CannedId, "canned reply", "cr_"
);
id_type!(
    /// A site's key for the commerce push API (the key's id, not its secret).
    ApiKeyId, "API key", "key_"
);
id_type!(
    /// A shopper's return or cancellation request on an order, handled by a person.
    RequestId, "request", "rq_"
);
id_type!(
    /// An endpoint of a site's outbound events (signed webhooks to the shop's own stack).
    EndpointId, "webhook endpoint", "we_"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_parse_back() {
        let id = VisitorId::generate();
        assert_eq!(VisitorId::parse(id.as_str()), Ok(id));
    }

    #[test]
    fn wrong_prefix_or_alphabet_is_refused() {
        assert!(VisitorId::parse("c_abcdefghij").is_err());
        assert!(VisitorId::parse("v_abc").is_err());
        assert!(VisitorId::parse("v_abcdefgh<script>").is_err());
        assert!(ConversationId::parse("c_abcdefghij").is_ok());
    }
}
