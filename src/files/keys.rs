//! The two signed strings of attachments, both HMAC-SHA256 under the install's own secret
//! (kept in the store, the same on every node): the upload token (`site.conversation.
//! uploader.expiry`, about ten minutes) that `POST /uploads` takes instead of a login, and the
//! link signature over a file's id and expiry (about an hour, signed afresh on each delivery).
//! Each signs its own domain-separated text, so a link signature is never an upload token.

use crate::domain::{ConversationId, SiteId, Timestamp};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// How long an upload token is good for: long enough to pick a file and send it.
pub const UPLOAD_TOKEN_TTL_MS: i64 = 10 * 60 * 1000;
/// How long a file link is good for; each delivery of the message signs a fresh one.
pub const LINK_TTL_MS: i64 = 60 * 60 * 1000;

/// What an upload token allows: one uploader to add files to one conversation of one site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadGrant {
    /// The conversation's site.
    pub site: SiteId,
    /// The conversation the files go to.
    pub conversation: ConversationId,
    /// Who uploads: a visitor id (`v_…`) or an agent id (`ag_…`).
    pub uploader: String,
    /// When the token stops working, ms since the epoch.
    pub expires_at: Timestamp,
}

/// The install's key for upload tokens and file links.
#[derive(Clone)]
pub struct FileKeys {
    /// Keyed once; cloning a keyed HMAC is cheaper than keying it per use.
    mac: HmacSha256,
}

impl FileKeys {
    /// Keys from the install's stored secret.
    pub fn new(secret: &[u8]) -> Self {
        // HMAC is defined for keys of every length (long keys are hashed, short ones padded),
        // so `new_from_slice` has no error case for it.
        #[allow(clippy::expect_used)]
        let mac = HmacSha256::new_from_slice(secret).expect("HMAC accepts keys of any length");
        FileKeys { mac }
    }

    fn sign(&self, text: &str) -> Vec<u8> {
        let mut mac = self.mac.clone();
        mac.update(text.as_bytes());
        mac.finalize().into_bytes().to_vec()
    }

    fn verify(&self, text: &str, sig: &[u8]) -> bool {
        let mut mac = self.mac.clone();
        mac.update(text.as_bytes());
        mac.verify_slice(sig).is_ok()
    }

    /// An upload token for `grant`.
    pub fn upload_token(&self, grant: &UploadGrant) -> String {
        let payload = format!(
            "{}.{}.{}.{}",
            grant.site, grant.conversation, grant.uploader, grant.expires_at.0
        );
        let sig = self.sign(&format!("upload\n{payload}"));
        format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(&payload),
            URL_SAFE_NO_PAD.encode(sig)
        )
    }

    /// The grant a token carries, if it is genuine (checked in constant time) and not
    /// expired at `now`; `None` for anything else, without saying why.
    pub fn check_upload_token(&self, token: &str, now: Timestamp) -> Option<UploadGrant> {
        let (payload, sig) = token.split_once('.')?;
        let payload = String::from_utf8(URL_SAFE_NO_PAD.decode(payload).ok()?).ok()?;
        let sig = URL_SAFE_NO_PAD.decode(sig).ok()?;
        if !self.verify(&format!("upload\n{payload}"), &sig) {
            return None;
        }
        let mut parts = payload.split('.');
        let grant = UploadGrant {
            site: SiteId::parse(parts.next()?).ok()?,
            conversation: ConversationId::parse(parts.next()?).ok()?,
            uploader: parts.next()?.to_owned(),
            expires_at: Timestamp(parts.next()?.parse().ok()?),
        };
        (parts.next().is_none() && now.0 < grant.expires_at.0).then_some(grant)
    }

    /// The signature of a link to file `link_id` that works until `expires_at`.
    pub fn link_signature(&self, link_id: &str, expires_at: Timestamp) -> String {
        URL_SAFE_NO_PAD.encode(self.sign(&format!("link\n{link_id}\n{}", expires_at.0)))
    }

    /// The link is genuine and not expired at `now`.
    pub fn link_is_valid(&self, link_id: &str, exp: i64, sig: &str, now: Timestamp) -> bool {
        let Ok(sig) = URL_SAFE_NO_PAD.decode(sig) else {
            return false;
        };
        now.0 < exp && self.verify(&format!("link\n{link_id}\n{exp}"), &sig)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant(now: i64) -> UploadGrant {
        UploadGrant {
            site: SiteId::parse("site_abcdefgh12").unwrap(),
            conversation: ConversationId::parse("c_abcdefgh12").unwrap(),
            uploader: "v_abcdefgh12".into(),
            expires_at: Timestamp(now + UPLOAD_TOKEN_TTL_MS),
        }
    }

    #[test]
    fn an_upload_token_carries_its_grant_until_it_expires() {
        let keys = FileKeys::new(b"secret");
        let token = keys.upload_token(&grant(1000));
        assert_eq!(
            keys.check_upload_token(&token, Timestamp(1000)),
            Some(grant(1000))
        );
        let late = Timestamp(1000 + UPLOAD_TOKEN_TTL_MS);
        assert_eq!(keys.check_upload_token(&token, late), None);
        assert_eq!(
            FileKeys::new(b"other").check_upload_token(&token, Timestamp(1000)),
            None
        );
    }

    #[test]
    fn a_link_signature_is_not_an_upload_token_and_binds_id_and_expiry() {
        let keys = FileKeys::new(b"secret");
        let sig = keys.link_signature("a.b.c", Timestamp(5000));
        assert!(keys.link_is_valid("a.b.c", 5000, &sig, Timestamp(4999)));
        assert!(!keys.link_is_valid("a.b.c", 5000, &sig, Timestamp(5000)));
        assert!(!keys.link_is_valid("a.b.d", 5000, &sig, Timestamp(1)));
        assert!(!keys.link_is_valid("a.b.c", 5001, &sig, Timestamp(1)));
        assert_eq!(keys.check_upload_token(&sig, Timestamp(1)), None);
    }
}
