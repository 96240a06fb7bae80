//! Notices to the shop's team: a shopper left a message while nobody was online, or a chat
//! has waited in the queue too long. Each names the conversation, what the shopper wrote
//! last and where to answer it (the dashboard, so the answer stays in the conversation).

use super::Body;
use super::transcript::{when, who_for_the_team};
use crate::domain::Message;

/// What the notice is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TeamNotice {
    /// A shopper left an email while nobody was online.
    Contact,
    /// A chat has waited in the queue for this many minutes.
    Waiting {
        /// Minutes waited so far.
        minutes: u64,
    },
}

/// Subject and body of a team notice. `contact` is the shopper's email, if they left one;
/// `recent` the conversation's last messages (oldest first); `link` the dashboard address
/// of the conversation.
pub fn team(
    shop: &str,
    notice: TeamNotice,
    contact: Option<&str>,
    recent: &[Message],
    link: &str,
) -> (String, Body) {
    let mut body = Body::new();
    let subject = match notice {
        TeamNotice::Contact => {
            body.para(&format!(
                "A shopper on {shop} wrote while nobody was online and left an email address to be answered at."
            ));
            format!("[{shop}] A shopper is waiting for an answer")
        }
        TeamNotice::Waiting { minutes } => {
            body.para(&format!(
                "A chat on {shop} has waited in the queue for {minutes} minutes without an agent."
            ));
            format!("[{shop}] A chat has waited {minutes} minutes")
        }
    };
    if let Some(email) = contact {
        body.para(&format!("Their email: {email}"));
    }
    for m in recent {
        body.message(&who_for_the_team(m), &when(m.ts), &m.text);
    }
    body.para(&format!(
        "Answer in the dashboard, so the reply stays in the conversation (and reaches them by email if they have left): {link}"
    ));
    body.footer(&format!(
        "Sent to {shop}'s team address by shopchat. Owners change it, or turn these notices off, in the site's email settings."
    ));
    (subject, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_notice_says_what_happened_and_where_to_answer() {
        let (subject, body) = team(
            "Shop",
            TeamNotice::Waiting { minutes: 7 },
            Some("ann@example.com"),
            &[],
            "https://chat.example/agent/#c_1",
        );
        let (text, _) = body.finish();
        assert_eq!(subject, "[Shop] A chat has waited 7 minutes");
        assert!(text.contains("ann@example.com"));
        assert!(text.contains("https://chat.example/agent/#c_1"));
        let (subject, _) = team("Shop", TeamNotice::Contact, None, &[], "x");
        assert!(subject.contains("waiting for an answer"));
    }

    #[test]
    fn the_team_reads_the_shopper_as_shopper_and_the_bot_as_a_bot() {
        use crate::domain::{Author, AuthorKind, ConversationId, MessageId, Timestamp};
        let line = |kind, name: &str, text: &str| Message {
            id: MessageId::generate(),
            conversation_id: ConversationId::generate(),
            seq: 1,
            author: Author {
                kind,
                name: name.into(),
            },
            text: text.into(),
            ts: Timestamp(0),
            offers_handoff: false,
            attachments: Vec::new(),
        };
        let recent = [
            line(AuthorKind::Shopper, "Visitor", "Where is it?"),
            line(AuthorKind::Bot, "Helper", "Let me look."),
        ];
        let (_, body) = team("Shop", TeamNotice::Contact, None, &recent, "x");
        let (text, _) = body.finish();
        assert!(
            text.contains("Shopper (1970-01-01 00:00 UTC):\nWhere is it?"),
            "{text}"
        );
        assert!(text.contains("Helper (bot) ("), "{text}");
        assert!(!text.contains("You ("), "{text}");
    }
}
