//! Notices to the site's team by email: a shopper left an address while nobody was online
//! (once per conversation), and a chat has waited in the queue longer than the site allows
//! (once per time it was queued, found by the node's periodic sweep). They go to the site's
//! team address only; without one, or with the notice turned off, nothing is sent.

use super::super::{ChatError, ChatService};
use super::compose::Composition;
use super::owed::Owed;
use crate::conversation::{Conversation, ConversationFilter, Stage};
use crate::domain::{SiteId, Timestamp};
use crate::email::render::team::{TeamNotice, team};
use crate::email::{EmailKind, OutboxEmail};

/// Queued conversations looked at per site and sweep: the oldest waiting ones are the ones
/// to tell about, and a bound keeps one site's backlog from holding the sweep.
const WAITING_BATCH: u32 = 100;
/// Messages of the conversation quoted in a notice.
const QUOTED: usize = 5;

impl ChatService {
    /// A shopper left an email while nobody was online: the team is told once for the
    /// conversation, when the site has a team address and the notice on.
    pub(crate) async fn notice_contact(&self, conv: &Conversation) {
        let Ok(settings) = self.site_email_settings(&conv.site_id).await else {
            return;
        };
        let Some(team_address) = settings.team_address.as_deref() else {
            return;
        };
        if !settings.enabled || !settings.notify_team_on_contact || self.anyone_online(conv) {
            return;
        }
        let row = Owed {
            site: &conv.site_id,
            kind: EmailKind::TeamContact,
            key: format!("team_contact:{}", conv.id),
            to: team_address,
            conversation: Some(&conv.id),
            up_to_seq: conv.last_seq,
            data: serde_json::json!({}),
            due: Timestamp::now(),
        }
        .row();
        if let Err(e) = self.queue_email(&row).await {
            tracing::info!(conversation = %conv.id, error = %e, "team not told of a contact");
        }
    }

    fn anyone_online(&self, conv: &Conversation) -> bool {
        self.site_agents(&conv.site_id)
            .iter()
            .any(|(_, s)| *s == crate::protocol::agent::AgentStatus::Online)
    }

    /// The sweep's look at a site's queue: each chat queued longer than the site's
    /// `queue_alert_secs` is told to the team, once per time it was queued.
    pub(crate) async fn notice_waiting(&self, site: &SiteId) -> Result<(), ChatError> {
        let settings = self.site_email_settings(site).await?;
        let Some(team_address) = settings.team_address.as_deref() else {
            return Ok(());
        };
        if !settings.enabled || settings.queue_alert_secs == 0 || !self.can_send_email() {
            return Ok(());
        }
        let waited_ms = (settings.queue_alert_secs * 1000) as i64;
        let now = Timestamp::now();
        let queued = self
            .store
            .find_conversations(&ConversationFilter {
                site: Some(site.clone()),
                stages: vec!["queued"],
                limit: WAITING_BATCH,
                ..ConversationFilter::default()
            })
            .await?;
        for conv in queued {
            let Some(since) = conv.queued_at else {
                continue;
            };
            if !matches!(conv.lifecycle.stage, Stage::Queued) || now.millis_since(since) < waited_ms
            {
                continue;
            }
            let row = Owed {
                site,
                kind: EmailKind::TeamWaiting,
                key: format!("team_waiting:{}:{}", conv.id, since.0),
                to: team_address,
                conversation: Some(&conv.id),
                up_to_seq: conv.last_seq,
                data: serde_json::json!({ "queued_at": since.0 }),
                due: now,
            }
            .row();
            if let Err(e) = self.queue_email(&row).await {
                tracing::info!(conversation = %conv.id, error = %e, "team not told of a wait");
            }
        }
        Ok(())
    }

    /// The email for a due team notice; skipped when the chat is no longer waiting (an agent
    /// took it meanwhile).
    pub(crate) async fn compose_team(&self, row: &OutboxEmail) -> Result<Composition, ChatError> {
        let Some(id) = &row.conversation_id else {
            return Ok(Composition::Skip("no conversation".into()));
        };
        let Some(conv) = self.store.conversation(id).await? else {
            return Ok(Composition::Skip("the conversation is gone".into()));
        };
        let notice = match row.kind {
            EmailKind::TeamWaiting => {
                if !matches!(conv.lifecycle.stage, Stage::Queued) {
                    return Ok(Composition::Skip("an agent has the chat now".into()));
                }
                let since = conv.queued_at.unwrap_or(conv.created_at);
                let minutes = (Timestamp::now().millis_since(since).max(0) / 60_000) as u64;
                TeamNotice::Waiting { minutes }
            }
            _ => TeamNotice::Contact,
        };
        let after = conv.last_seq.saturating_sub(QUOTED as u64);
        let recent = self.store.messages_after(id, after, QUOTED as u32).await?;
        let shop = self.shop_name(&conv.site_id).await?;
        let link = format!("{}/agent/#/inbox/{}", self.base_url(), conv.id);
        let (subject, body) = team(&shop, notice, conv.contact_email.as_deref(), &recent, &link);
        let email = self.plain_email(row, subject, body).await?;
        Ok(Composition::Send {
            email: Box::new(email),
            up_to_seq: 0,
        })
    }

    /// Where browsers reach this server (`--public-url`, else the bind address), for links
    /// in emails.
    pub(crate) fn base_url(&self) -> String {
        match &self.settings.public_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => format!("http://{}", self.settings.bind),
        }
    }
}
