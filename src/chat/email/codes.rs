//! One-time codes that prove a shopper owns an address: six digits by email, valid for a few
//! minutes, used once. Only a hash is stored; wrong codes spend the same failure budgets as
//! order look-ups (per client address and per address), so they cannot be guessed. A proven
//! address lets the order look-up list the orders placed with it.

use super::super::{ChatError, ChatService};
use super::compose::Composition;
use super::owed::Owed;
use super::transcript::parse_email;
use crate::domain::{SiteId, Timestamp, random_token};
use crate::email::render::code::code as render_code;
use crate::email::{EmailKind, OutboxEmail};
use crate::guards::ClientAddr;
use rand::Rng;
use sha2::{Digest, Sha256};

/// Minutes a code stays valid.
pub const CODE_MINUTES: u64 = 10;

/// The stored form of a code: SHA-256 over the site, the address and the digits, so the
/// store never holds a usable code and one site's code is no use on another.
fn code_hash(site: &SiteId, email: &str, code: &str) -> String {
    let digest = Sha256::digest(format!("{site}\n{email}\n{code}").as_bytes());
    hex::encode(digest)
}

/// Why a code was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum CodeRefusal {
    /// Wrong, used or expired.
    #[error("that code is wrong or has expired; ask for a new one")]
    Wrong,
    /// Too many wrong codes from this address or for this email.
    #[error("too many wrong codes; please try again later")]
    TooManyAttempts,
    /// Bad input or the store.
    #[error(transparent)]
    Chat(#[from] ChatError),
}

impl ChatService {
    /// Sends a new code to `email` (an earlier one stops working). Returns the address.
    pub async fn send_code(&self, site: &SiteId, email: &str) -> Result<String, ChatError> {
        let to = parse_email(email)?;
        let code = format!("{:06}", rand::rng().random_range(0..1_000_000u32));
        let expires = Timestamp(Timestamp::now().0 + (CODE_MINUTES * 60_000) as i64);
        let row = Owed {
            site,
            kind: EmailKind::Code,
            key: format!("code:{to}:{}", random_token(12)),
            to: &to,
            conversation: None,
            up_to_seq: 0,
            data: serde_json::json!({ "code": code }),
            due: Timestamp::now(),
        }
        .row();
        // Queued first: a refused email (limits, email off) leaves the previous code valid.
        self.queue_email(&row).await?;
        self.store
            .put_email_code(site, &to, &code_hash(site, &to, &code), expires)
            .await?;
        Ok(to)
    }

    /// Checks a code for `email`, used up if right. Returns the proven address.
    pub async fn verify_code(
        &self,
        site: &SiteId,
        email: &str,
        code: &str,
        addr: &ClientAddr,
    ) -> Result<String, CodeRefusal> {
        let to = parse_email(email)?;
        let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ChatError::Invalid {
                field: "code",
                message: "enter the six digits from the email".into(),
            }
            .into());
        }
        if !self.self_service.code_allowed(addr, site, &to) {
            metrics::counter!("shopchat_email_codes_total", "result" => "refused").increment(1);
            return Err(CodeRefusal::TooManyAttempts);
        }
        let hash = code_hash(site, &to, &code);
        if self
            .store
            .take_email_code(site, &to, &hash, Timestamp::now())
            .await
            .map_err(ChatError::from)?
        {
            metrics::counter!("shopchat_email_codes_total", "result" => "verified").increment(1);
            Ok(to)
        } else {
            self.self_service.code_failed(addr, site, &to);
            metrics::counter!("shopchat_email_codes_total", "result" => "wrong").increment(1);
            Err(CodeRefusal::Wrong)
        }
    }

    /// The email for a due `code` row.
    pub(crate) async fn compose_code(&self, row: &OutboxEmail) -> Result<Composition, ChatError> {
        let data: serde_json::Value = serde_json::from_str(&row.data).unwrap_or_default();
        let Some(code) = data.get("code").and_then(|c| c.as_str()) else {
            return Ok(Composition::Skip("the row has no code".into()));
        };
        // A code that has expired meanwhile (the outbox was down) is not worth sending.
        let age_ms = Timestamp::now().millis_since(row.created_at);
        if age_ms > (CODE_MINUTES * 60_000) as i64 {
            return Ok(Composition::Skip(
                "the code expired before it could be sent".into(),
            ));
        }
        let shop = self.shop_name(&row.site_id).await?;
        let (subject, body) = render_code(&shop, code, CODE_MINUTES);
        let email = self.plain_email(row, subject, body).await?;
        Ok(Composition::Send {
            email: Box::new(email),
            up_to_seq: 0,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_hash_is_bound_to_its_site_and_address() {
        let a = SiteId::generate();
        let b = SiteId::generate();
        let h = code_hash(&a, "x@y.example", "123456");
        assert_eq!(h.len(), 64);
        assert_ne!(h, code_hash(&b, "x@y.example", "123456"));
        assert_ne!(h, code_hash(&a, "z@y.example", "123456"));
        assert_eq!(h, code_hash(&a, "x@y.example", "123456"));
    }
}
