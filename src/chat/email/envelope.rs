//! (Lead's stand-ins until the outbox work lands: the envelope of each kind's email.)

use super::super::{ChatError, ChatService};
use crate::conversation::Conversation;
use crate::domain::SiteId;
use crate::email::render::Body;
use crate::email::{Composed, EmailSettings, OutboxEmail};

impl ChatService {
    /// The site's email settings, defaults when never saved.
    pub(crate) async fn site_email(&self, site: &SiteId) -> EmailSettings {
        self.store
            .email_settings(site)
            .await
            .ok()
            .flatten()
            .unwrap_or_default()
    }

    /// Whether the site sends email: the server has a relay and the site's switch is on.
    pub(crate) async fn email_on(&self, site: &SiteId) -> bool {
        self.mailer.is_some() && self.site_email(site).await.enabled
    }

    /// Queues a row.
    pub(crate) async fn queue_email(&self, row: OutboxEmail) -> Result<bool, ChatError> {
        Ok(self.store.enqueue_email(&row).await?)
    }

    /// The site's name.
    pub(crate) async fn shop_name(&self, site: &SiteId) -> String {
        match self.store.site(site).await {
            Ok(Some(s)) => s.name,
            _ => "the shop".into(),
        }
    }

    /// Whether a reply to an email comes back into its conversation.
    pub(crate) fn replies_come_back(&self) -> bool {
        self.settings.mail.imap.is_some() || self.settings.mail.inbound_secret.is_some()
    }

    /// A shopper email of the conversation's thread.
    pub(crate) async fn shopper_email(
        &self,
        row: &OutboxEmail,
        _conv: &Conversation,
        subject: String,
        body: Body,
    ) -> Result<Composed, ChatError> {
        self.team_email(row, subject, body).await
    }

    /// An email without a thread.
    pub(crate) async fn team_email(
        &self,
        row: &OutboxEmail,
        subject: String,
        body: Body,
    ) -> Result<Composed, ChatError> {
        let (text, html) = body.finish();
        let from = self.settings.mail.from.clone().unwrap_or_default();
        let domain = from
            .rsplit_once('@')
            .map(|(_, d)| d.to_owned())
            .unwrap_or_default();
        Ok(Composed {
            from: crate::email::compose::Mailbox {
                name: self.shop_name(&row.site_id).await,
                address: from,
            },
            to: row.to.clone(),
            reply_to: None,
            subject,
            text,
            html: Some(html),
            message_id: format!("{}@{domain}", row.id),
            in_reply_to: None,
            references: Vec::new(),
            list_unsubscribe: None,
            auto_generated: true,
        })
    }
}
