//! Who exported or erased whose data, and when: kept per site for its owners. The record
//! names the person only as an erasure leaves them: a visitor id or a customer id (the
//! shop's own pseudonymous ids, which point at nothing once erased) as given, and an email
//! never in clear but as a SHA-256 digest salted with the site id, so an owner who is asked
//! "did you erase ann@example.com?" can check it (`printf '%s:%s' SITE ADDRESS | sha256sum`)
//! while the audit list itself discloses no address.

use super::{Counts, Subject};
use crate::domain::{AgentId, Email, SiteId, Timestamp};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Who did it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Actor {
    /// An owner through the REST API.
    Agent {
        /// The account.
        #[schema(value_type = String)]
        id: AgentId,
        /// Its login email (staff, not the shopper).
        email: String,
    },
    /// Someone with access to the server, through `shopchat privacy …`.
    Cli,
}

/// What was done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Everything held was handed out as JSON.
    Export,
    /// Everything held was removed.
    Erase,
}

/// The subject as the audit keeps it: `kind` (`visitor_id`, `email`, `customer_id`) and a
/// value, the email as `sha256:HEX` of `SITE:ADDRESS`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AuditSubject {
    /// Which selector was used.
    pub kind: String,
    /// The id as given, or the address's salted digest.
    pub value: String,
}

impl AuditSubject {
    /// The subject with its email, if any, replaced by its digest.
    pub fn of(site: &SiteId, subject: &Subject) -> Self {
        let (kind, value) = match subject {
            Subject::VisitorId(v) => ("visitor_id", v.to_string()),
            Subject::Email(e) => ("email", email_digest(site, e)),
            Subject::CustomerId(c) => ("customer_id", c.as_str().to_owned()),
        };
        AuditSubject {
            kind: kind.into(),
            value,
        }
    }
}

/// `sha256:` and the hex SHA-256 of `SITE:ADDRESS` (the address lower-cased).
pub fn email_digest(site: &SiteId, email: &Email) -> String {
    let digest = Sha256::digest(format!("{site}:{}", email.as_str()).as_bytes());
    let hex = hex::encode(digest);
    format!("sha256:{hex}")
}

/// One export or erasure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AuditEntry {
    /// Random id (`pa_…`).
    pub id: String,
    /// The site.
    #[schema(value_type = String)]
    pub site_id: SiteId,
    /// When, ms since the epoch.
    #[schema(value_type = i64)]
    pub at: Timestamp,
    /// Who.
    pub actor: Actor,
    /// Export or erase.
    pub action: Action,
    /// About whom.
    pub subject: AuditSubject,
    /// What was found (export) or removed (erase).
    pub counts: Counts,
}

impl AuditEntry {
    /// A new record with a fresh id.
    pub fn new(
        site: &SiteId,
        at: Timestamp,
        actor: Actor,
        action: Action,
        subject: &Subject,
        counts: Counts,
    ) -> Self {
        AuditEntry {
            id: format!("pa_{}", crate::domain::random_token(20)),
            site_id: site.clone(),
            at,
            actor,
            action,
            subject: AuditSubject::of(site, subject),
            counts,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_email_subject_is_kept_as_a_salted_digest_never_in_clear() {
        let site = SiteId::parse("site_abcdefghij").unwrap();
        let email = Email::parse("Ann@Example.com").unwrap();
        let entry = AuditEntry::new(
            &site,
            Timestamp(1),
            Actor::Cli,
            Action::Erase,
            &Subject::Email(email.clone()),
            Counts::default(),
        );
        let json = serde_json::to_string(&entry).unwrap();
        assert!(!json.to_lowercase().contains("ann@example.com"), "{json}");
        assert!(!json.contains("example.com"), "{json}");
        assert_eq!(entry.subject.kind, "email");
        // printf '%s' 'site_abcdefghij:ann@example.com' | sha256sum
        assert_eq!(entry.subject.value, email_digest(&site, &email));
        assert_eq!(entry.subject.value.len(), "sha256:".len() + 64);
    }
}
