//! Draft tokens: how the server later recognises a message an agent sent from a model draft,
//! so the owners' report can count drafts sent unchanged and edited without trusting the
//! dashboard's word for it. A token is the server's HMAC over the conversation, where the
//! draft came from and the SHA-256 of its text; it carries that hash, never the text. At
//! send time the token is checked (signed here, for this conversation) and the sent text's
//! hash compared with the draft's. A token that does not check out only means the message is
//! not counted: a message is never refused over it.
//!
//! Format: `d1.SOURCE.base64url(sha256(text)).base64url(hmac)`, the HMAC over
//! `d1\nCONVERSATION\nSOURCE\nHASH` with the server's draft secret (shared by every node through
//! the store, so a draft made on one node counts when sent through another, and after a
//! restart).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::KeyInit;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

/// The token format's version and first field.
const VERSION: &str = "d1";
/// The only source tokens are issued for: a draft the language model wrote. Keyword
/// suggestions are not AI drafts and get no token.
const MODEL: &str = "model";
/// Longest token accepted; a real one is about 100 characters.
pub const MAX_TOKEN_LEN: usize = 200;

/// How a message sent from a draft relates to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DraftMark {
    /// Sent exactly as drafted (ignoring surrounding white space).
    Unchanged,
    /// The agent changed the text before sending.
    Edited,
}

impl DraftMark {
    /// The stored and reported name.
    pub fn as_str(self) -> &'static str {
        match self {
            DraftMark::Unchanged => "unchanged",
            DraftMark::Edited => "edited",
        }
    }

    /// The mark of a stored name.
    pub fn parse(text: &str) -> Option<DraftMark> {
        match text {
            "unchanged" => Some(DraftMark::Unchanged),
            "edited" => Some(DraftMark::Edited),
            _ => None,
        }
    }
}

/// The server's key for draft tokens.
#[derive(Clone)]
pub struct DraftKey {
    /// Keyed once; a clone per token is cheaper than keying again.
    mac: HmacSha256,
}

impl DraftKey {
    /// A key from the server's stored draft secret.
    pub fn new(secret: &[u8]) -> Self {
        // HMAC is defined for keys of every length (long keys are hashed, short ones padded),
        // so `new_from_slice` has no error case for it.
        #[allow(clippy::expect_used)]
        let mac = HmacSha256::new_from_slice(secret).expect("HMAC accepts keys of any length");
        DraftKey { mac }
    }

    fn sign(&self, conversation: &str, source: &str, hash: &str) -> HmacSha256 {
        let mut mac = self.mac.clone();
        mac.update(format!("{VERSION}\n{conversation}\n{source}\n{hash}").as_bytes());
        mac
    }

    /// The token for a model draft of `text` in `conversation`.
    pub fn issue(&self, conversation: &str, text: &str) -> String {
        let hash = text_hash(text);
        let mac = self
            .sign(conversation, MODEL, &hash)
            .finalize()
            .into_bytes();
        format!("{VERSION}.{MODEL}.{hash}.{}", URL_SAFE_NO_PAD.encode(mac))
    }

    /// How `sent` in `conversation` relates to the draft `token` was issued for; `None` when
    /// the token was not issued by this server for this conversation (forged, altered,
    /// another conversation's, or not a token at all).
    pub fn check(&self, token: &str, conversation: &str, sent: &str) -> Option<DraftMark> {
        if token.len() > MAX_TOKEN_LEN {
            return None;
        }
        let mut parts = token.split('.');
        let (Some(VERSION), Some(MODEL), Some(hash), Some(mac), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return None;
        };
        let mac = URL_SAFE_NO_PAD.decode(mac).ok()?;
        // `verify_slice` compares in constant time.
        self.sign(conversation, MODEL, hash)
            .verify_slice(&mac)
            .ok()?;
        Some(if text_hash(sent) == hash {
            DraftMark::Unchanged
        } else {
            DraftMark::Edited
        })
    }
}

/// The draft's or message's text as hashed: trimmed, as a stored message is.
fn text_hash(text: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(text.trim().as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_tells_unchanged_from_edited_and_refuses_what_it_did_not_sign() {
        let key = DraftKey::new(b"secret one");
        let token = key.issue("c_1", "Your parcel left on Monday.");
        assert!(token.len() < MAX_TOKEN_LEN);
        assert!(!token.contains("parcel"));
        assert_eq!(
            key.check(&token, "c_1", " Your parcel left on Monday.\n"),
            Some(DraftMark::Unchanged)
        );
        assert_eq!(
            key.check(&token, "c_1", "Your parcel left on Tuesday."),
            Some(DraftMark::Edited)
        );
        // Another conversation, another server's key, an altered hash, garbage.
        assert_eq!(
            key.check(&token, "c_2", "Your parcel left on Monday."),
            None
        );
        let other = DraftKey::new(b"secret two");
        assert_eq!(other.check(&token, "c_1", "x"), None);
        let mut parts: Vec<&str> = token.split('.').collect();
        let forged_hash = text_hash("anything");
        parts[2] = &forged_hash;
        assert_eq!(key.check(&parts.join("."), "c_1", "anything"), None);
        assert_eq!(key.check("d1.model.x.y", "c_1", "x"), None);
        assert_eq!(key.check("", "c_1", ""), None);
        assert_eq!(key.check(&"a".repeat(500), "c_1", ""), None);
    }
}
