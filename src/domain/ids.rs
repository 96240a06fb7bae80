//! Identifiers: a short type prefix and random base62, so an id pasted into a log or a support
//! ticket says what it names, and a visitor id can never be mistaken for a conversation id.
//! Visitor and conversation ids begin with their creation time (`time_ordered_token`):
//! the store's indexes on them then keep the chats in flight side by side instead of one
//! random page each.

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

/// Base62 digits in ASCII order, so that fixed-width numbers written with them sort as text
/// (SQLite compares text bytewise) in the order of their values.
const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Characters of the time prefix: 62^8 milliseconds is about 6,900 years from 1970.
const TIME_CHARS: usize = 8;

/// The creation time in milliseconds as [`TIME_CHARS`] base62 characters, then `random`
/// random ones: ids made later sort after (ids of the same millisecond in random order), so
/// the rows and index entries of recent visitors and conversations, which are the ones being
/// written, sit together at the end of each index. The random part alone keeps them
/// unguessable; ids made before this format (all random) stay valid.
fn time_ordered_token(now_ms: i64, random: usize) -> String {
    let mut n = u64::try_from(now_ms).unwrap_or(0);
    let mut time = [b'0'; TIME_CHARS];
    for digit in time.iter_mut().rev() {
        *digit = BASE62[(n % 62) as usize];
        n /= 62;
    }
    let mut token = String::with_capacity(TIME_CHARS + random);
    token.extend(time.iter().map(|&b| char::from(b)));
    token.push_str(&random_token(random));
    token
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $kind:literal, $prefix:literal, time_ordered) => {
        id_type!($(#[$doc])* $name, $kind, $prefix);

        impl $name {
            /// A new id of this kind: its creation time in milliseconds (8 base62
            /// characters) then 16 random ones, so it sorts after the ones made earlier.
            pub fn generate() -> Self {
                let now = super::time::Timestamp::now().0;
                Self(format!("{}{}", $prefix, time_ordered_token(now, 16)))
            }
        }
    };
    ($(#[$doc:meta])* $name:ident, $kind:literal, $prefix:literal, random) => {
        id_type!($(#[$doc])* $name, $kind, $prefix);

        impl $name {
            /// A new random id of this kind.
            pub fn generate() -> Self {
                Self(format!("{}{}", $prefix, random_token(20)))
            }
        }
    };
    ($(#[$doc:meta])* $name:ident, $kind:literal, $prefix:literal) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
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
    SiteId, "site", "site_", random
);
id_type!(
    /// A shopper's browser, kept in the widget's storage across visits.
    VisitorId, "visitor", "v_", time_ordered
);
id_type!(
    /// One conversation between a shopper and the shop (bot or people).
    ConversationId, "conversation", "c_", time_ordered
);
id_type!(
    /// One stored message.
    MessageId, "message", "m_", random
);
id_type!(
    /// An agent or owner account.
    AgentId, "agent", "ag_", random
);
id_type!(
    /// A trigger rule.
    RuleId, "rule", "r_", random
);
id_type!(
    /// An agent's internal note on a conversation (never shown to the shopper).
    NoteId, "note", "n_", random
);
id_type!(
    /// A knowledge-base article the bot answers from.
    ArticleId, "article", "art_", random
);
id_type!(
    /// A canned reply agents insert by its shortcut.
    CannedId, "canned reply", "cr_", random
);
id_type!(
    /// A site's key for the commerce push API (the key's id, not its secret).
    ApiKeyId, "API key", "key_", random
);
id_type!(
    /// A shopper's return or cancellation request on an order, handled by a person.
    RequestId, "request", "rq_", random
);
id_type!(
    /// An endpoint of a site's outbound events (signed webhooks to the shop's own stack).
    EndpointId, "webhook endpoint", "we_", random
);
id_type!(
    /// An email in the outbox (owed, sent, failed or skipped).
    EmailId, "email", "em_", random
);
id_type!(
    /// An uploaded file (an attachment); its stored key is `site/conversation/file`, never
    /// the name the sender gave it.
    FileId, "file", "f_", random
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

    #[test]
    fn time_ordered_ids_sort_by_creation_time_and_parse_back() {
        let earlier = time_ordered_token(1_700_000_000_000, 16);
        let later = time_ordered_token(1_700_000_000_001, 16);
        let much_later = time_ordered_token(4_000_000_000_000, 16);
        assert!(
            earlier < later && later < much_later,
            "{earlier} {later} {much_later}"
        );
        assert_eq!(earlier.len(), 24);
        let id = ConversationId::generate();
        assert_eq!(ConversationId::parse(id.as_str()), Ok(id));
        let visitor = VisitorId::generate();
        assert_eq!(VisitorId::parse(visitor.as_str()), Ok(visitor));
        // Ids made before the time prefix (all random) are still valid.
        assert!(VisitorId::parse("v_Zq81kLmPq0aBcDeFgHiJ").is_ok());
    }
}
