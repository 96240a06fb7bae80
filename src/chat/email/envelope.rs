//! The envelope of an email composed for an outbox row: who it is from, to whom, and — for
//! mail to a shopper about a conversation — the thread's headers (so a reply finds the
//! conversation) and the one-click unsubscribe link. Team notices and codes carry
//! `Auto-Submitted`, so auto-responders keep quiet.

use super::super::{ChatError, ChatService};
use crate::conversation::Conversation;
use crate::domain::SiteId;
use crate::email::render::Body;
use crate::email::{Composed, MailThread, OutboxEmail, thread};

impl ChatService {
    /// Whether the site sends email (welcome's appearance): the server has a relay and the
    /// site's switch is on. No store read on a server without a relay.
    pub(crate) async fn email_on(&self, site: &SiteId) -> bool {
        self.can_send_email()
            && self
                .site_email_settings(site)
                .await
                .is_ok_and(|s| s.enabled)
    }

    /// Whether a reply to an email comes back into its conversation on this server.
    pub(crate) fn replies_come_back(&self) -> bool {
        self.settings.mail.imap.is_some() || self.settings.mail.inbound_secret.is_some()
    }

    /// A shopper email in `conv`'s thread: Reply-To with the thread's token, threading
    /// headers, `List-Unsubscribe`.
    pub(crate) async fn shopper_email(
        &self,
        row: &OutboxEmail,
        conv: &Conversation,
        subject: String,
        body: Body,
    ) -> Result<Composed, ChatError> {
        let thread = self
            .store
            .thread(&conv.site_id, &conv.id, &thread::new_token())
            .await?;
        let (text, html) = body.finish();
        self.thread_email(row, &thread, subject, text, html).await
    }

    /// The envelope of an email in `thread` with this subject and these bodies: the site's
    /// From, the thread's Reply-To and headers, the unsubscribe link.
    pub(crate) async fn thread_email(
        &self,
        row: &OutboxEmail,
        thread: &MailThread,
        subject: String,
        text: String,
        html: String,
    ) -> Result<Composed, ChatError> {
        let settings = self.site_email_settings(&thread.site_id).await?;
        let from = self.site_from(&thread.site_id, &settings).await?;
        let headers = self.thread_headers(thread, row, &from, &settings);
        Ok(Composed {
            from,
            to: row.to.clone(),
            reply_to: headers.reply_to,
            subject,
            text,
            html: Some(html),
            message_id: headers.message_id,
            in_reply_to: Some(headers.root.clone()),
            references: vec![headers.root],
            list_unsubscribe: self.unsubscribe_url(&thread.site_id, &row.to).await?,
            auto_generated: false,
        })
    }

    /// An email outside any thread (a team notice, a code): from the site, marked
    /// auto-generated; a code to a shopper still carries `List-Unsubscribe`.
    pub(crate) async fn plain_email(
        &self,
        row: &OutboxEmail,
        subject: String,
        body: Body,
    ) -> Result<Composed, ChatError> {
        let settings = self.site_email_settings(&row.site_id).await?;
        let from = self.site_from(&row.site_id, &settings).await?;
        let domain = from
            .address
            .rsplit_once('@')
            .map_or("shopchat.invalid", |(_, d)| d)
            .to_owned();
        let unsubscribe = if row.kind.to_shopper() {
            self.unsubscribe_url(&row.site_id, &row.to).await?
        } else {
            None
        };
        let (text, html) = body.finish();
        Ok(Composed {
            from,
            to: row.to.clone(),
            reply_to: None,
            subject,
            text,
            html: Some(html),
            message_id: format!("sc.{}@{domain}", row.id.as_str().to_lowercase()),
            in_reply_to: None,
            references: Vec::new(),
            list_unsubscribe: unsubscribe,
            auto_generated: true,
        })
    }
}
