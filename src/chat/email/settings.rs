//! Owners' email use cases: the site's settings (validated against the domains this server
//! may send for), whether the server can send and read replies at all, the delivery log, the
//! suppression list; and the shopper's one-click unsubscribe.

use super::super::{ChatError, ChatService};
use crate::domain::{SiteId, Timestamp};
use crate::email::{EmailLogEntry, EmailSettings, Suppression, SuppressionReason};
use serde::Serialize;

/// Log entries an owner reads at most.
const LOG_READ: usize = 200;
/// Suppressions an owner reads at most.
const SUPPRESSIONS_READ: usize = 1000;

/// What this server can do with email, whatever the site says.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EmailServer {
    /// An SMTP relay is configured: email can be sent.
    pub smtp: bool,
    /// How shoppers' replies come back: `imap`, `http`, `imap+http`, or `none`.
    pub inbound: &'static str,
}

/// A site's email settings as owners see them.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EmailSettingsView {
    /// The settings (the defaults until an owner saves some).
    pub settings: EmailSettings,
    /// What the server can do.
    pub server: EmailServer,
}

impl ChatService {
    fn email_server(&self) -> EmailServer {
        let mail = &self.settings.mail;
        let inbound = match (mail.imap.is_some(), mail.inbound_secret.is_some()) {
            (true, true) => "imap+http",
            (true, false) => "imap",
            (false, true) => "http",
            (false, false) => "none",
        };
        EmailServer {
            smtp: self.can_send_email(),
            inbound,
        }
    }

    /// The site's email settings and what the server can do.
    pub async fn email_settings_view(&self, site: &SiteId) -> Result<EmailSettingsView, ChatError> {
        Ok(EmailSettingsView {
            settings: EmailSettings::clone(&*self.site_email_settings(site).await?),
            server: self.email_server(),
        })
    }

    /// Saves the site's email settings after checking every field.
    pub async fn set_email_settings(
        &self,
        site: &SiteId,
        settings: EmailSettings,
    ) -> Result<EmailSettingsView, ChatError> {
        settings
            .validate(&self.settings.mail.from_domains)
            .map_err(|e| ChatError::Invalid {
                field: e.field,
                message: e.to_string(),
            })?;
        self.store.put_email_settings(site, &settings).await?;
        self.site_changed(site, &[crate::bus::SiteData::EmailSettings])
            .await;
        Ok(EmailSettingsView {
            settings,
            server: self.email_server(),
        })
    }

    /// The site's email delivery log, newest first.
    pub async fn email_log(&self, site: &SiteId) -> Result<Vec<EmailLogEntry>, ChatError> {
        Ok(self.store.email_log(site, LOG_READ).await?)
    }

    /// The addresses the site does not write to, newest first.
    pub async fn email_suppressions(&self, site: &SiteId) -> Result<Vec<Suppression>, ChatError> {
        Ok(self.store.suppressions(site, SUPPRESSIONS_READ).await?)
    }

    /// Lets the site write to an address again.
    pub async fn remove_suppression(&self, site: &SiteId, email: &str) -> Result<(), ChatError> {
        if self.store.unsuppress(site, email).await? {
            Ok(())
        } else {
            Err(ChatError::NotFound("suppression"))
        }
    }

    /// The shop an unsubscribe link is for (its name, for the confirmation page); `None` when
    /// the link was not signed by this server.
    pub async fn unsubscribe_shop(&self, token: &str) -> Result<Option<String>, ChatError> {
        match self.unsubscribe_subject(token).await? {
            Some((site, _)) => Ok(Some(self.shop_name(&site).await?)),
            None => Ok(None),
        }
    }

    /// Follows an unsubscribe link: the site writes to the address no more. Returns the shop's
    /// name; `None` when the link was not signed by this server.
    pub async fn unsubscribe(&self, token: &str) -> Result<Option<String>, ChatError> {
        let Some((site, email)) = self.unsubscribe_subject(token).await? else {
            return Ok(None);
        };
        let shop = self.shop_name(&site).await?;
        self.store
            .suppress(&Suppression {
                site_id: site,
                email,
                reason: SuppressionReason::Unsubscribed,
                detail: None,
                at: Timestamp::now(),
            })
            .await?;
        Ok(Some(shop))
    }
}
