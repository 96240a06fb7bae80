//! What every kind of email shares: queuing a row (refused, before anything is written, when
//! the server cannot send, the site switched email off, the shopper unsubscribed or bounced,
//! or an hourly limit is reached), the site's From mailbox, a thread's headers, and the
//! signed `List-Unsubscribe` link of shopper mail.

use super::super::{ChatError, ChatService};
use crate::domain::{SiteId, Timestamp};
use crate::email::compose::Mailbox;
use crate::email::{EmailSettings, MailThread, OutboxEmail, thread};
use crate::store::StoreError;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::KeyInit;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::sync::Arc;

/// One hour, for the hourly limits.
const HOUR_MS: i64 = 3_600_000;
/// The name of the server secret that signs unsubscribe links.
const UNSUBSCRIBE_SECRET: &str = "mail-unsubscribe";

/// Why an email was not queued.
#[derive(Debug, thiserror::Error)]
pub enum EmailRefused {
    /// The server has no SMTP relay.
    #[error("this server sends no email (no SMTP relay is configured)")]
    NoTransport,
    /// The site switched email off.
    #[error("the site has email switched off")]
    SwitchedOff,
    /// The recipient bounced or unsubscribed.
    #[error("the address is on the site's suppression list")]
    Suppressed,
    /// The site sent its hourly number.
    #[error("the site's hourly email limit is reached")]
    SiteLimit,
    /// The recipient got its hourly number.
    #[error("the hourly email limit for this address is reached")]
    RecipientLimit,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The headers that put an email in its conversation's thread.
pub(crate) struct ThreadHeaders {
    /// This email's Message-ID (the same for every attempt at one outbox row).
    pub(crate) message_id: String,
    /// The thread's root, as In-Reply-To and References.
    pub(crate) root: String,
    /// The thread's plus-address, if the server has an address to put it on.
    pub(crate) reply_to: Option<String>,
}

impl ChatService {
    /// Whether this server can send email at all.
    pub(crate) fn can_send_email(&self) -> bool {
        self.mailer.is_some() && self.settings.mail.from.is_some()
    }

    /// The site's email settings (the defaults when an owner never saved any): this node's
    /// shared copy, not cloned — every agent message to a shopper with an address and, on a
    /// server that sends email, every shopper's hello reads them.
    pub(crate) async fn site_email_settings(
        &self,
        site: &SiteId,
    ) -> Result<Arc<EmailSettings>, StoreError> {
        self.caches
            .email
            .get_or_load(site, || async {
                Ok(self.store.email_settings(site).await?.unwrap_or_default())
            })
            .await
    }

    /// Queues `row` unless something forbids it (checked before the row is written):
    /// `Ok(true)` if queued, `Ok(false)` if its key had been queued before.
    pub(crate) async fn queue_email(&self, row: &OutboxEmail) -> Result<bool, EmailRefused> {
        if !self.can_send_email() {
            return Err(EmailRefused::NoTransport);
        }
        let settings = self.site_email_settings(&row.site_id).await?;
        if !settings.enabled {
            return Err(EmailRefused::SwitchedOff);
        }
        if row.kind.to_shopper()
            && self
                .store
                .suppression(&row.site_id, &row.to)
                .await?
                .is_some()
        {
            return Err(EmailRefused::Suppressed);
        }
        if self
            .store
            .email_by_key(&row.site_id, &row.key)
            .await?
            .is_some()
        {
            return Ok(false);
        }
        let since = Timestamp(row.created_at.0 - HOUR_MS);
        let site_count = self.store.emails_since(&row.site_id, None, since).await?;
        if site_count >= u64::from(settings.max_per_site_per_hour) {
            return Err(EmailRefused::SiteLimit);
        }
        let to_count = self
            .store
            .emails_since(&row.site_id, Some(&row.to), since)
            .await?;
        if to_count >= u64::from(settings.max_per_recipient_per_hour) {
            return Err(EmailRefused::RecipientLimit);
        }
        let queued = self.store.enqueue_email(row).await?;
        if queued && row.due_at <= Timestamp::now() {
            self.wake_outbox();
        }
        Ok(queued)
    }

    /// Who the site's mail is from: its own name and address if set, else the shop's name
    /// and the server's address.
    pub(crate) async fn site_from(
        &self,
        site: &SiteId,
        settings: &EmailSettings,
    ) -> Result<Mailbox, ChatError> {
        let name = match settings
            .from_name
            .as_deref()
            .filter(|n| !n.trim().is_empty())
        {
            Some(name) => name.to_owned(),
            None => self.shop_name(site).await?,
        };
        let address = settings
            .from_address
            .clone()
            .or_else(|| self.settings.mail.from.clone())
            .ok_or(ChatError::NotFound("mail from address"))?;
        Ok(Mailbox { name, address })
    }

    /// The shop's name as shoppers know it (the site's name).
    pub(crate) async fn shop_name(&self, site: &SiteId) -> Result<String, ChatError> {
        Ok(self
            .store
            .site(site)
            .await?
            .ok_or(ChatError::NotFound("site"))?
            .name)
    }

    /// The thread headers of `row` from `from` in `thread`: Message-IDs on the From
    /// address's domain, the reply address (the site's, else the server's, else From) with
    /// the token.
    pub(crate) fn thread_headers(
        &self,
        thread: &MailThread,
        row: &OutboxEmail,
        from: &Mailbox,
        settings: &EmailSettings,
    ) -> ThreadHeaders {
        let domain = from
            .address
            .rsplit_once('@')
            .map_or("shopchat.invalid", |(_, d)| d);
        let base = settings
            .reply_address
            .as_deref()
            .or(self.settings.mail.reply_address.as_deref())
            .unwrap_or(&from.address);
        ThreadHeaders {
            message_id: thread::message_id(&thread.token, &row.id.as_str().to_lowercase(), domain),
            root: thread::message_id(&thread.token, "root", domain),
            reply_to: thread::reply_address(base, &thread.token),
        }
    }

    async fn unsubscribe_mac(&self) -> Result<Hmac<Sha256>, StoreError> {
        let secret = self
            .store
            .secret(UNSUBSCRIBE_SECRET, crate::domain::random_token(48))
            .await?;
        Hmac::<Sha256>::new_from_slice(secret.as_bytes())
            .map_err(|e| StoreError::Corrupt(format!("unsubscribe secret: {e}")))
    }

    /// The signed one-click unsubscribe link for an address on a site, when the server
    /// knows its public URL.
    pub(crate) async fn unsubscribe_url(
        &self,
        site: &SiteId,
        email: &str,
    ) -> Result<Option<String>, StoreError> {
        let Some(base) = self.settings.public_url.as_deref() else {
            return Ok(None);
        };
        let subject = format!("{site}\n{}", email.to_lowercase());
        let mut mac = self.unsubscribe_mac().await?;
        mac.update(subject.as_bytes());
        let token = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(subject.as_bytes()),
            URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
        );
        Ok(Some(format!(
            "{}/mail/unsubscribe?t={token}",
            base.trim_end_matches('/')
        )))
    }

    /// The site and address an unsubscribe token was signed for; `None` if it was not
    /// signed by this server.
    pub(crate) async fn unsubscribe_subject(
        &self,
        token: &str,
    ) -> Result<Option<(SiteId, String)>, StoreError> {
        let Some((subject, signature)) = token.split_once('.') else {
            return Ok(None);
        };
        let (Ok(subject), Ok(signature)) = (
            URL_SAFE_NO_PAD.decode(subject),
            URL_SAFE_NO_PAD.decode(signature),
        ) else {
            return Ok(None);
        };
        let mut mac = self.unsubscribe_mac().await?;
        mac.update(&subject);
        if mac.verify_slice(&signature).is_err() {
            return Ok(None);
        }
        let Some((site, email)) = std::str::from_utf8(&subject)
            .ok()
            .and_then(|s| s.split_once('\n'))
        else {
            return Ok(None);
        };
        Ok(SiteId::parse(site).ok().map(|s| (s, email.to_owned())))
    }
}
