//! The conversation's transcript by email: on the shopper's request in the widget ("Email me
//! the transcript"), and when a conversation closes if the site sends transcripts on close.
//! The row is owed up to the conversation's last message when asked; the same request twice
//! (a double click, a retried frame) is one email, found by its key.

use super::super::{ChatError, ChatService};
use super::compose::Composition;
use super::owed::Owed;
use crate::conversation::{Conversation, ConversationFilter};
use crate::domain::{ConversationId, Email, SiteId, Timestamp, VisitorId};
use crate::email::render::transcript::{MAX_MESSAGES, transcript};
use crate::email::{EmailKind, OutboxEmail};

impl ChatService {
    /// "Email me the transcript": the visitor's conversation (`conversation`, else its
    /// latest) to `email`, else to the conversation's contact email. A given address becomes
    /// the conversation's contact email when it has none, so agents can answer there too.
    /// Returns the address it goes to.
    pub async fn request_transcript(
        &self,
        site: &SiteId,
        visitor: &VisitorId,
        conversation: Option<&str>,
        email: Option<&str>,
    ) -> Result<String, ChatError> {
        let conv = self
            .visitors_conversation(site, visitor, conversation)
            .await?;
        let to = match email {
            Some(e) => parse_email(e)?,
            None => conv.contact_email.clone().ok_or(ChatError::Invalid {
                field: "email",
                message: "say where to send it: this conversation has no email address".into(),
            })?,
        };
        if conv.contact_email.is_none() {
            self.change(&conv.id, |c, _| {
                c.contact_email.get_or_insert_with(|| to.clone());
                Ok(None)
            })
            .await?;
        }
        let row = Owed {
            site,
            kind: EmailKind::Transcript,
            key: format!("transcript:{}:{}:{to}", conv.id, conv.last_seq),
            to: &to,
            conversation: Some(&conv.id),
            up_to_seq: conv.last_seq,
            data: serde_json::json!({"asked": true}),
            due: Timestamp::now(),
        }
        .row();
        self.queue_email(&row).await?;
        Ok(to)
    }

    /// A conversation closed: its transcript goes to the contact email when the site sends
    /// transcripts on close. In the background, so a close never waits on it.
    pub(crate) fn transcript_on_close(&self, conv: &Conversation) {
        let Some(to) = conv.contact_email.clone() else {
            return;
        };
        let service = self.clone();
        let conv = conv.clone();
        tokio::spawn(async move {
            if !service
                .site_email_settings(&conv.site_id)
                .await
                .is_ok_and(|s| s.transcript_on_close)
            {
                return;
            }
            let row = Owed {
                site: &conv.site_id,
                kind: EmailKind::Transcript,
                key: format!("transcript:{}:{}:close", conv.id, conv.last_seq),
                to: &to,
                conversation: Some(&conv.id),
                up_to_seq: conv.last_seq,
                data: serde_json::json!({"asked": false}),
                due: Timestamp::now(),
            }
            .row();
            if let Err(e) = service.queue_email(&row).await {
                tracing::info!(conversation = %conv.id, error = %e, "no transcript on close");
            }
        });
    }

    /// The email for a due transcript row: the conversation's messages up to the seq it was
    /// owed for (the latest [`MAX_MESSAGES`] of them).
    pub(crate) async fn compose_transcript(
        &self,
        row: &OutboxEmail,
    ) -> Result<Composition, ChatError> {
        let Some(id) = &row.conversation_id else {
            return Ok(Composition::Skip("no conversation".into()));
        };
        let Some(conv) = self.store.conversation(id).await? else {
            return Ok(Composition::Skip("the conversation is gone".into()));
        };
        let upto = row.up_to_seq.min(conv.last_seq);
        let after = upto.saturating_sub(MAX_MESSAGES as u64);
        let messages = self
            .store
            .messages_after(id, after, MAX_MESSAGES as u32)
            .await?;
        let messages: Vec<_> = messages.into_iter().filter(|m| m.seq <= upto).collect();
        if messages.is_empty() {
            return Ok(Composition::Skip("the conversation has no messages".into()));
        }
        let shop = self.shop_name(&conv.site_id).await?;
        let replies = self.replies_come_back();
        let (subject, body) = transcript(&shop, &messages, after as usize, replies);
        let email = self.shopper_email(row, &conv, subject, body).await?;
        Ok(Composition::Send {
            email: Box::new(email),
            up_to_seq: 0,
        })
    }

    /// The visitor's conversation by id, or its latest; `NotFound` for one that is not
    /// this visitor's on this site.
    pub(crate) async fn visitors_conversation(
        &self,
        site: &SiteId,
        visitor: &VisitorId,
        id: Option<&str>,
    ) -> Result<Conversation, ChatError> {
        let found = match id {
            Some(id) => {
                let id =
                    ConversationId::parse(id).map_err(|_| ChatError::NotFound("conversation"))?;
                self.store.conversation(&id).await?
            }
            None => self
                .store
                .find_conversations(&ConversationFilter {
                    site: Some(site.clone()),
                    visitor: Some(visitor.clone()),
                    limit: 1,
                    ..ConversationFilter::default()
                })
                .await?
                .into_iter()
                .next(),
        };
        match found {
            Some(c) if &c.site_id == site && &c.visitor_id == visitor => Ok(c),
            _ => Err(ChatError::NotFound("conversation")),
        }
    }
}

/// A shopper-given address, checked strictly enough that it can go into a header.
pub(crate) fn parse_email(text: &str) -> Result<String, ChatError> {
    let email = Email::parse(text).map_err(|e| ChatError::Invalid {
        field: "email",
        message: e.to_string(),
    })?;
    if !crate::email::settings::plain_address(email.as_str()) {
        return Err(ChatError::Invalid {
            field: "email",
            message: "must be a plain address, local@domain".into(),
        });
    }
    Ok(email.as_str().to_owned())
}
