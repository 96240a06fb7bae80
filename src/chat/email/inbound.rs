//! A shopper's email coming back: a reply becomes their message in the conversation its
//! thread token names (routed like one typed in the widget), a hard bounce marks the
//! contact address undeliverable and tells the agents, an automatic answer is dropped.
//! Mail without a valid token is refused and never becomes a message anywhere, so nobody
//! who does not hold a thread's token can write into it. The IMAP poller and the HTTP
//! endpoint both come here.

use super::super::{ChatError, ChatService};
use crate::bus::BusEvent;
use crate::conversation::Conversation;
use crate::domain::{
    Author, AuthorKind, ClientMsgId, ConversationId, MessageId, MessageText, Timestamp,
};
use crate::email::inbound::{Bounce, Inbound, InboundError, InboundKind, parse};
use crate::email::{InboundRecord, Suppression, SuppressionReason};
use crate::mailer::{Inbox, InboxVerdict};
use crate::protocol::ServerFrame;
use crate::protocol::agent::AgentFrame;
use crate::store::{NewMessage, StoreError};
use sha2::{Digest, Sha256};

/// The author of the notes this writes for agents (not an account).
const MAIL_NOTE_AUTHOR: &str = "ag_shopchatmail";

/// What became of an inbound mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InboundOutcome {
    /// A new shopper message in `conversation`.
    Appended {
        /// The conversation it went into.
        conversation: ConversationId,
        /// The message.
        message: MessageId,
    },
    /// The same mail (by Message-ID) was appended before; nothing new.
    Duplicate,
    /// A delivery status notification (a hard one suppressed the address).
    Bounce,
    /// Not a message: an automatic answer, or only quoted text. The reason is for logs.
    Ignored(&'static str),
    /// Refused: it threads nowhere it may go.
    Refused(InboundRefusal),
}

/// Why an inbound mail was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InboundRefusal {
    /// Larger than `mail.max_inbound_bytes`.
    TooLarge,
    /// Not an RFC 822 mail.
    Unreadable,
    /// No thread token in its recipients or thread headers.
    NoThread,
    /// A token of no thread, or of a conversation that is gone.
    UnknownThread,
    /// The site has switched email off.
    EmailOff,
}

impl InboundRefusal {
    /// The reason as a label (metrics, logs, the HTTP error).
    pub fn as_str(self) -> &'static str {
        match self {
            InboundRefusal::TooLarge => "too_large",
            InboundRefusal::Unreadable => "unreadable",
            InboundRefusal::NoThread => "no_thread",
            InboundRefusal::UnknownThread => "unknown_thread",
            InboundRefusal::EmailOff => "email_off",
        }
    }
}

impl InboundOutcome {
    /// The outcome as a label (metrics, the HTTP answer).
    pub fn as_str(&self) -> &'static str {
        match self {
            InboundOutcome::Appended { .. } => "appended",
            InboundOutcome::Duplicate => "duplicate",
            InboundOutcome::Bounce => "bounce",
            InboundOutcome::Ignored(_) => "ignored",
            InboundOutcome::Refused(r) => r.as_str(),
        }
    }
}

impl ChatService {
    /// Takes one raw mail (from the IMAP poller or the HTTP endpoint). `Err` only when the
    /// store failed: the caller may try the same mail again, and it is appended once.
    pub async fn receive_email(&self, raw: &[u8]) -> Result<InboundOutcome, ChatError> {
        let outcome = self.receive_parsed(raw).await;
        let label = match &outcome {
            Ok(o) => o.as_str(),
            Err(_) => "error",
        };
        metrics::counter!("shopchat_inbound_mail_total", "result" => label).increment(1);
        if let Ok(InboundOutcome::Refused(r)) = &outcome {
            // Never the mail's content or addresses: only why.
            tracing::info!(
                reason = r.as_str(),
                bytes = raw.len(),
                "inbound mail refused"
            );
        }
        outcome
    }

    async fn receive_parsed(&self, raw: &[u8]) -> Result<InboundOutcome, ChatError> {
        let mail = match parse(raw, self.settings.mail.max_inbound_bytes) {
            Ok(mail) => mail,
            Err(InboundError::TooLarge { .. }) => {
                return Ok(InboundOutcome::Refused(InboundRefusal::TooLarge));
            }
            Err(InboundError::Unreadable) => {
                return Ok(InboundOutcome::Refused(InboundRefusal::Unreadable));
            }
        };
        if let InboundKind::Automatic(reason) = mail.kind {
            tracing::debug!(header = reason, "automatic inbound mail ignored");
            return Ok(InboundOutcome::Ignored("automatic"));
        }
        let conv = match self.threaded_conversation(&mail).await? {
            Ok(conv) => conv,
            Err(refusal) => return Ok(InboundOutcome::Refused(refusal)),
        };
        match &mail.kind {
            InboundKind::Bounce(bounce) => {
                self.bounced(&conv, bounce).await?;
                Ok(InboundOutcome::Bounce)
            }
            _ => self.email_reply(&conv, &mail, raw).await,
        }
    }

    /// The conversation the mail's token names, if it may take mail.
    async fn threaded_conversation(
        &self,
        mail: &Inbound,
    ) -> Result<Result<Conversation, InboundRefusal>, ChatError> {
        let Some(token) = mail.thread_token() else {
            return Ok(Err(InboundRefusal::NoThread));
        };
        let Some(thread) = self.store.thread_by_token(token).await? else {
            return Ok(Err(InboundRefusal::UnknownThread));
        };
        let Some(conv) = self.store.conversation(&thread.conversation_id).await? else {
            return Ok(Err(InboundRefusal::UnknownThread));
        };
        if conv.site_id != thread.site_id {
            return Ok(Err(InboundRefusal::UnknownThread));
        }
        let enabled = self.site_email_settings(&conv.site_id).await?.enabled;
        Ok(if enabled {
            Ok(conv)
        } else {
            Err(InboundRefusal::EmailOff)
        })
    }

    /// A delivery status notification for a thread's email: a hard bounce of the contact
    /// address suppresses it and tells the agents; anything else is only logged.
    async fn bounced(&self, conv: &Conversation, bounce: &Bounce) -> Result<(), ChatError> {
        let contact = conv.contact_email.as_deref().map(str::to_lowercase);
        let failed = bounce.recipient.clone().or_else(|| contact.clone());
        let ours = failed.is_some() && failed == contact;
        if !bounce.hard || !ours {
            tracing::info!(
                conversation = %conv.id,
                status = bounce.status.as_deref().unwrap_or("-"),
                hard = bounce.hard,
                "email bounce noted"
            );
            return Ok(());
        }
        let Some(email) = failed else { return Ok(()) };
        self.store
            .suppress(&Suppression {
                site_id: conv.site_id.clone(),
                email: email.clone(),
                reason: SuppressionReason::Bounced,
                detail: Some(bounce.detail.clone()),
                at: Timestamp::now(),
            })
            .await?;
        metrics::counter!("shopchat_email_bounces_total", "kind" => "hard").increment(1);
        let text = format!(
            "Email to {email} bounced: {}. No more email goes to this address.",
            bounce.detail
        );
        self.mail_note(conv, text).await;
        Ok(())
    }

    /// A shopper's reply: stored as their message (reopening or continuing as a widget
    /// message does), delivered, routed, and its original kept for agents.
    async fn email_reply(
        &self,
        conv: &Conversation,
        mail: &Inbound,
        raw: &[u8],
    ) -> Result<InboundOutcome, ChatError> {
        let text = mail.reply_text();
        if text.is_empty() {
            return Ok(InboundOutcome::Ignored("empty"));
        }
        let max = self.settings.limits.max_message_chars;
        let clipped: String = text.chars().take(max).collect();
        let invalid = |field: &'static str| {
            move |e: crate::domain::ValueError| ChatError::Invalid {
                field,
                message: e.to_string(),
            }
        };
        let text = MessageText::parse(&clipped, max).map_err(invalid("text"))?;
        let key = ClientMsgId::parse(&dedupe_key(mail, raw)).map_err(invalid("message_id"))?;
        let (site, visitor) = (&conv.site_id, &conv.visitor_id);
        let message = NewMessage {
            author: Author {
                kind: AuthorKind::Shopper,
                name: "Shopper".into(),
            },
            author_id: visitor.to_string(),
            text,
            client_msg_id: Some(key),
            ts: Timestamp::now(),
            attachments: Vec::new(),
        };
        self.reopen_if_recent(site, visitor).await;
        let opening = self.opening(site, visitor, true).await;
        let appended = self
            .store
            .append_to_visitor(site, visitor, message, &opening)
            .await?;
        if appended.duplicate {
            return Ok(InboundOutcome::Duplicate);
        }
        metrics::counter!("shopchat_messages_stored_total", "author" => "shopper").increment(1);
        let into = appended.conversation.clone();
        if appended.opened {
            self.publish(BusEvent::to_visitor(
                site,
                visitor,
                ServerFrame::Status {
                    conversation_id: into.id.clone(),
                    state: into.lifecycle.stage.name().into(),
                    agent: None,
                    agent_avatar: None,
                    nobody_online: false,
                },
            ))
            .await;
            self.publish(BusEvent::to_agents(
                site,
                AgentFrame::Conversation {
                    conversation: into.clone(),
                },
            ))
            .await;
        }
        self.deliver_message(&into, &appended.message).await;
        self.appended(&appended);
        self.keep_original(conv, &into, mail, &appended.message.id)
            .await;
        let said = appended.message.text.clone();
        let intent = crate::commerce::intent::detect(&said);
        self.shopper_wrote(&appended, &said, intent, true).await;
        Ok(InboundOutcome::Appended {
            conversation: into.id,
            message: appended.message.id,
        })
    }

    /// Records the mail as it arrived beside its message, and tells agents when someone
    /// other than the conversation's contact wrote it.
    async fn keep_original(
        &self,
        threaded: &Conversation,
        into: &Conversation,
        mail: &Inbound,
        message: &MessageId,
    ) {
        let from = mail.from.clone().unwrap_or_default();
        let other_sender = match &threaded.contact_email {
            Some(contact) => !contact.eq_ignore_ascii_case(&from),
            None => false,
        };
        let record = InboundRecord {
            message_id: message.clone(),
            conversation_id: into.id.clone(),
            from: from.clone(),
            other_sender,
            subject: mail.subject.chars().take(300).collect(),
            original: mail.text.clone(),
            at: Timestamp::now(),
        };
        if let Err(e) = self.store.record_inbound(&record).await {
            tracing::warn!(error = %e, conversation = %into.id, "could not keep the original email");
        }
        if other_sender {
            let shown = if from.is_empty() {
                "an unknown sender"
            } else {
                &from
            };
            let text = format!(
                "This email reply came from {shown}, not from the conversation's contact address."
            );
            self.mail_note(into, text).await;
        }
    }

    /// An internal note for the site's agents (never the shopper), stored and sent live.
    async fn mail_note(&self, conv: &Conversation, text: String) {
        self.system_note(conv, MAIL_NOTE_AUTHOR, "Email".into(), text)
            .await;
    }

    /// The emails that came back in a conversation, and whether its contact address is
    /// suppressed (bounced), for the agents' view.
    pub async fn conversation_emails(
        &self,
        conv: &Conversation,
    ) -> Result<(Vec<InboundRecord>, Option<Suppression>), ChatError> {
        let emails = self.store.inbound_emails(&conv.id).await?;
        let undeliverable = match &conv.contact_email {
            Some(email) => {
                self.store
                    .suppression(&conv.site_id, &email.to_lowercase())
                    .await?
            }
            None => None,
        };
        Ok((emails, undeliverable))
    }
}

/// The message's idempotency key: the mail's Message-ID (else its bytes) hashed, so a
/// re-delivered or re-posted mail is stored once.
fn dedupe_key(mail: &Inbound, raw: &[u8]) -> String {
    let digest = match &mail.message_id {
        Some(id) => Sha256::digest(id.as_bytes()),
        None => Sha256::digest(raw),
    };
    let hex = hex::encode(&digest[..16]);
    format!("email:{hex}")
}

#[async_trait::async_trait]
impl Inbox for ChatService {
    async fn receive(&self, raw: Vec<u8>) -> InboxVerdict {
        match self.receive_email(&raw).await {
            Ok(_) => InboxVerdict::Done,
            // The store may take it later: left in the mailbox for the next poll.
            Err(ChatError::Store(
                e @ (StoreError::Unavailable { .. } | StoreError::Internal { .. }),
            )) => {
                tracing::warn!(error = %e, "inbound mail kept for the next poll");
                InboxVerdict::Retry
            }
            // Nothing trying again would change.
            Err(e) => {
                tracing::warn!(error = %e, "inbound mail could not be taken");
                InboxVerdict::Done
            }
        }
    }
}
