//! What the store keeps for email: the durable outbox (one row per email owed, found by its
//! idempotency key so the same email is never queued twice), the delivery log owners read,
//! each conversation's thread (its reply token and how far it has been emailed), the
//! addresses a site must not write to (bounced, unsubscribed), and the emails that came back.

use crate::domain::{ConversationId, EmailId, MessageId, SiteId, Timestamp};
use serde::{Deserialize, Serialize};

/// Why an email is sent; the composer and the delivery log go by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EmailKind {
    /// Agents' messages the shopper has not read, to the conversation's contact email.
    Reply,
    /// The conversation's transcript, asked for in the widget or sent on close.
    Transcript,
    /// To the site's team: a shopper left a message while nobody was online.
    TeamContact,
    /// To the site's team: a chat has waited in the queue longer than the site allows.
    TeamWaiting,
    /// A one-time code that proves a shopper owns an address.
    Code,
}

impl EmailKind {
    /// The name used in keys, metrics and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            EmailKind::Reply => "reply",
            EmailKind::Transcript => "transcript",
            EmailKind::TeamContact => "team_contact",
            EmailKind::TeamWaiting => "team_waiting",
            EmailKind::Code => "code",
        }
    }

    /// Mail to a shopper (as opposed to the shop's own team): it carries `List-Unsubscribe`
    /// and respects the site's suppression list.
    pub fn to_shopper(self) -> bool {
        matches!(
            self,
            EmailKind::Reply | EmailKind::Transcript | EmailKind::Code
        )
    }
}

/// Where an outbox row stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EmailStatus {
    /// Owed: sent when `due_at` comes (again after a temporary failure).
    Pending,
    /// The relay accepted it.
    Sent,
    /// Given up: a permanent refusal, or the last attempt failed.
    Failed,
    /// Nothing to send when it came due (the shopper read it meanwhile, an earlier email of
    /// the burst carried it, the site switched email off, the address is suppressed).
    Skipped,
}

/// One email owed. The row is written when the email becomes owed and composed only when it
/// is due, so a reply sees what the shopper has read by then.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OutboxEmail {
    /// Outbox id.
    #[schema(value_type = String)]
    pub id: EmailId,
    /// The site it is sent for.
    #[schema(value_type = String)]
    pub site_id: SiteId,
    /// Idempotency key, unique per site for ever (`reply:{conversation}:{seq}`,
    /// `transcript:{conversation}:{seq}`, `team_contact:{conversation}`, `code:{…}`): queuing
    /// the same key again is a no-op, so a retried use case never sends twice.
    pub key: String,
    /// Why it is sent.
    pub kind: EmailKind,
    /// The recipient's address.
    pub to: String,
    /// The conversation it is about, if any.
    #[schema(value_type = Option<String>)]
    pub conversation_id: Option<ConversationId>,
    /// The conversation's message seq it was owed for (replies, transcripts); 0 otherwise.
    pub up_to_seq: u64,
    /// Kind-specific content fixed when queued (a code's digits, a team notice's facts), JSON.
    pub data: String,
    /// Attempts made so far.
    pub attempts: u32,
    /// When it is (next) due, ms since the epoch.
    #[schema(value_type = i64)]
    pub due_at: Timestamp,
    /// When it was queued.
    #[schema(value_type = i64)]
    pub created_at: Timestamp,
    /// Where it stands.
    pub status: EmailStatus,
}

/// How an attempt ended, as [`crate::store::Mail::finish_email`] records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case", tag = "outcome")]
pub enum EmailOutcome {
    /// The relay accepted it; a reply or transcript records how far the thread is emailed.
    Sent {
        /// The conversation seq the email carried messages up to (0 when not a thread email).
        up_to_seq: u64,
    },
    /// A temporary failure: try again at `next_at`.
    Retry {
        /// When to try again.
        #[schema(value_type = i64)]
        next_at: Timestamp,
    },
    /// Given up.
    Failed,
    /// Nothing to send (see [`EmailStatus::Skipped`]).
    Skipped,
}

/// One line of a site's email delivery log (newest first, bounded per site).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EmailLogEntry {
    /// The site.
    #[schema(value_type = String)]
    pub site_id: SiteId,
    /// The outbox row.
    #[schema(value_type = String)]
    pub email_id: EmailId,
    /// Why it was sent.
    pub kind: EmailKind,
    /// The recipient.
    pub to: String,
    /// The conversation, if any.
    #[schema(value_type = Option<String>)]
    pub conversation_id: Option<ConversationId>,
    /// 1 for the first attempt.
    pub attempt: u32,
    /// How it ended.
    pub outcome: EmailOutcome,
    /// The relay's answer or why nothing was sent (at most a few hundred characters; never
    /// a credential or the email's text).
    pub detail: Option<String>,
    /// When.
    #[schema(value_type = i64)]
    pub at: Timestamp,
}

/// A conversation's email thread.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailThread {
    /// The conversation.
    pub conversation_id: ConversationId,
    /// Its site.
    pub site_id: SiteId,
    /// The unguessable token in its reply address and Message-IDs (26 lowercase base32
    /// characters, so a mail system that lowercases addresses does not break it).
    pub token: String,
    /// The highest message seq already emailed to the shopper: a later reply email carries
    /// only messages after it.
    pub emailed_seq: u64,
}

/// Why a site does not write to an address any more.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SuppressionReason {
    /// A hard bounce: the address does not exist or refuses mail.
    Bounced,
    /// The shopper followed the `List-Unsubscribe` link.
    Unsubscribed,
}

/// An address a site does not write to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Suppression {
    /// The site.
    #[schema(value_type = String)]
    pub site_id: SiteId,
    /// The address, lowercased.
    pub email: String,
    /// Why.
    pub reason: SuppressionReason,
    /// The bounce's status and text, when bounced (for agents).
    pub detail: Option<String>,
    /// When.
    #[schema(value_type = i64)]
    pub at: Timestamp,
}

/// A shopper's email that became a message: what agents see beside the message (who sent it,
/// the whole text before quotes and signatures were cut).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct InboundRecord {
    /// The message it became.
    #[schema(value_type = String)]
    pub message_id: MessageId,
    /// The conversation.
    #[schema(value_type = String)]
    pub conversation_id: ConversationId,
    /// The sender's address.
    pub from: String,
    /// The sender is not the conversation's contact email: agents are told.
    pub other_sender: bool,
    /// The subject line.
    pub subject: String,
    /// The text as it arrived (HTML turned into text), quotes and signature included.
    pub original: String,
    /// When it arrived.
    #[schema(value_type = i64)]
    pub at: Timestamp,
}
