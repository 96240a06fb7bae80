//! An agent's answer to a shopper who is not reading it: when it is owed, and the email that
//! carries the burst. Each agent message owes a row (`reply:{conversation}:{seq}`), due after
//! the site's delay — short when the shopper has no tab open on any node, longer when one is
//! open but may not be looked at. When a row comes due, the email carries every agent or bot
//! message after both what was emailed and what the shopper read in the widget. A row whose
//! burst has a later line still owed is skipped (that line's row, due later, carries it), so
//! one email goes per burst even when several nodes claim its rows at once; a row that
//! finds nothing left is skipped too, and a message read in the widget is never emailed.

use super::super::{ChatError, ChatService};
use super::compose::Composition;
use crate::conversation::Conversation;
use crate::domain::{AuthorKind, Message, Timestamp};
use crate::email::render::reply::{Line, ReplyEmail, render};
use crate::email::{EmailKind, EmailStatus, OutboxEmail, thread};

/// Messages read before the answers, to find the shopper's question.
const CONTEXT: u64 = 20;
/// Most messages one email carries.
const MAX_MESSAGES: u32 = 200;

fn when(ts: Timestamp) -> String {
    chrono::DateTime::from_timestamp_millis(ts.0)
        .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_default()
}

fn line(m: &Message, shopper: bool) -> Line {
    Line {
        // The shopper reads "You" for their own lines, and a bot's line never passes for a
        // person's.
        who: match m.author.kind {
            _ if shopper => "You".into(),
            AuthorKind::Bot => format!("{} (bot)", m.author.name),
            _ => m.author.name.clone(),
        },
        when: when(m.ts),
        text: m.text.clone(),
    }
}

fn answers(m: &Message) -> bool {
    matches!(m.author.kind, AuthorKind::Agent | AuthorKind::Bot)
}

impl ChatService {
    /// After agent message `seq` was stored in `conv`: owes the shopper an email if they left
    /// an address, the server can send and the site has email on. Never fails the message:
    /// a refusal (limits, suppression) is only logged.
    pub(crate) async fn schedule_reply(&self, conv: &Conversation, seq: u64) {
        let Some(to) = conv.contact_email.clone() else {
            return;
        };
        if !self.can_send_email() {
            return;
        }
        let settings = match self.site_email_settings(&conv.site_id).await {
            Ok(s) if s.enabled => s,
            Ok(_) => return,
            Err(e) => {
                tracing::warn!(error = %e, "reply email: cannot read the site's settings");
                return;
            }
        };
        let live = self.hub.visitor_is_live(&conv.site_id, &conv.visitor_id)
            || self.visitor_live_elsewhere(&conv.site_id, &conv.visitor_id);
        let delay = if live {
            settings.unread_delay_secs
        } else {
            settings.reply_delay_secs
        };
        let now = Timestamp::now();
        let delay_ms = i64::try_from(delay.saturating_mul(1000)).unwrap_or(i64::MAX);
        let row = OutboxEmail {
            id: crate::domain::EmailId::generate(),
            site_id: conv.site_id.clone(),
            key: format!("reply:{}:{seq}", conv.id),
            kind: EmailKind::Reply,
            to,
            conversation_id: Some(conv.id.clone()),
            up_to_seq: seq,
            data: "{}".into(),
            attempts: 0,
            due_at: Timestamp(now.0.saturating_add(delay_ms)),
            created_at: now,
            status: EmailStatus::Pending,
        };
        if let Err(e) = self.queue_email(&row).await {
            tracing::info!(reason = %e, conversation = %conv.id, "reply email not queued");
        }
    }

    /// The email for a due `reply` row: the answers the shopper has neither read nor been
    /// emailed, with their question before them.
    pub(crate) async fn compose_reply(&self, row: &OutboxEmail) -> Result<Composition, ChatError> {
        let Some(conv_id) = &row.conversation_id else {
            return Ok(Composition::Skip("no conversation".into()));
        };
        let Some(conv) = self.store.conversation(conv_id).await? else {
            return Ok(Composition::Skip("the conversation is gone".into()));
        };
        let thread = self
            .store
            .thread(&conv.site_id, &conv.id, &thread::new_token())
            .await?;
        let floor = thread.emailed_seq.max(conv.shopper_read_seq);
        let start = floor.saturating_sub(CONTEXT);
        let messages = self
            .store
            .messages_after(&conv.id, start, MAX_MESSAGES)
            .await?;
        let fresh: Vec<&Message> = messages
            .iter()
            .filter(|m| m.seq > floor && answers(m))
            .collect();
        let (Some(first), Some(last)) = (fresh.first(), fresh.last()) else {
            let why = if conv.shopper_read_seq >= thread.emailed_seq {
                "read in the widget"
            } else {
                "already emailed"
            };
            return Ok(Composition::Skip(why.into()));
        };
        // A later line of the burst owes its own email, due later: that one carries this.
        if last.seq > row.up_to_seq
            && let Some(later) = self
                .store
                .email_by_key(&conv.site_id, &format!("reply:{}:{}", conv.id, last.seq))
                .await?
            && later.status == EmailStatus::Pending
        {
            return Ok(Composition::Skip("a later email carries it".into()));
        }
        let question = messages
            .iter()
            .rfind(|m| m.seq < first.seq && m.author.kind == AuthorKind::Shopper)
            .map(|m| line(m, true));
        let view = ReplyEmail {
            shop: self.shop_name(&conv.site_id).await?,
            agent: last.author.name.clone(),
            question,
            answers: fresh.iter().map(|m| line(m, false)).collect(),
            replies_reach_chat: self.replies_come_back(),
        };
        let (subject, text, html) = render(&view);
        let email = self.thread_email(row, &thread, subject, text, html).await?;
        Ok(Composition::Send {
            email: Box::new(email),
            up_to_seq: last.seq,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Author, ConversationId, MessageId};

    #[test]
    fn a_bots_line_in_a_reply_email_says_it_is_the_bots() {
        let message = |kind| Message {
            id: MessageId::generate(),
            conversation_id: ConversationId::generate(),
            seq: 2,
            author: Author {
                kind,
                name: "Shop assistant".into(),
            },
            text: "Delivery takes 2 days.".into(),
            ts: Timestamp(0),
            offers_handoff: false,
            attachments: Vec::new(),
        };
        assert_eq!(
            line(&message(AuthorKind::Bot), false).who,
            "Shop assistant (bot)"
        );
        assert_eq!(
            line(&message(AuthorKind::Agent), false).who,
            "Shop assistant"
        );
        assert_eq!(line(&message(AuthorKind::Shopper), true).who, "You");
    }
}
