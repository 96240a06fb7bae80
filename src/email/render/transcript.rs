//! The transcript email: every message of the conversation as the shopper saw it, the bot's
//! lines marked as the bot's, oldest first, with the shop's name and why it was sent.

use super::Body;
use crate::domain::{AuthorKind, Message, Timestamp};

/// Most messages one transcript carries; a longer conversation sends its latest ones and
/// says so (an email of thousands of lines helps nobody, and the work stays bounded).
pub const MAX_MESSAGES: usize = 500;

/// `2026-12-01 14:05 UTC`: the time a message was written, the same for every reader.
pub fn when(ts: Timestamp) -> String {
    chrono::DateTime::from_timestamp_millis(ts.0)
        .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_default()
}

/// Who wrote a message as the shopper reads it: their own lines as "You", the bot's with
/// "(bot)" after its name so it is never taken for a person.
pub fn who(message: &Message) -> String {
    match message.author.kind {
        AuthorKind::Shopper => "You".to_owned(),
        _ => who_for_the_team(message),
    }
}

/// Who wrote a message as the shop's team reads it: the shopper as "Shopper", the bot with
/// "(bot)".
pub fn who_for_the_team(message: &Message) -> String {
    match message.author.kind {
        AuthorKind::Shopper => "Shopper".to_owned(),
        AuthorKind::Bot => format!("{} (bot)", message.author.name),
        AuthorKind::System => "Notice".to_owned(),
        AuthorKind::Agent => message.author.name.clone(),
    }
}

/// Subject and body of a transcript of `messages` (oldest first, at most [`MAX_MESSAGES`];
/// `left_out` earlier ones not included). `replies_continue` says whether answering the
/// email reaches the shop.
pub fn transcript(
    shop: &str,
    messages: &[Message],
    left_out: usize,
    replies_continue: bool,
) -> (String, Body) {
    let mut body = Body::new();
    body.para(&format!("Here is your conversation with {shop}."));
    if left_out > 0 {
        body.para(&format!(
            "({left_out} earlier messages are not included; the latest {} follow.)",
            messages.len()
        ));
    }
    for m in messages {
        body.message(&who(m), &when(m.ts), &m.text);
    }
    let footer = if replies_continue {
        format!(
            "You asked for this transcript in the chat on {shop}'s website. Reply to this \
             email to continue the conversation."
        )
    } else {
        format!("You asked for this transcript in the chat on {shop}'s website.")
    };
    body.footer(&footer);
    (format!("Your conversation with {shop}"), body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Author, ConversationId, MessageId};

    fn message(kind: AuthorKind, name: &str, text: &str, seq: u64) -> Message {
        Message {
            id: MessageId::generate(),
            conversation_id: ConversationId::generate(),
            seq,
            author: Author {
                kind,
                name: name.into(),
            },
            text: text.into(),
            ts: Timestamp(1_764_597_900_000),
            offers_handoff: false,
            attachments: Vec::new(),
        }
    }

    #[test]
    fn every_line_is_there_the_bot_is_labelled_and_html_is_escaped() {
        let messages = vec![
            message(
                AuthorKind::Shopper,
                "Visitor",
                "Where is <b>my</b> parcel?",
                1,
            ),
            message(AuthorKind::Bot, "Shop assistant", "Let me check.", 2),
            message(AuthorKind::Agent, "Ann", "It left today.", 3),
        ];
        let (subject, body) = transcript("Demo & Co", &messages, 0, true);
        let (text, html) = body.finish();
        assert_eq!(subject, "Your conversation with Demo & Co");
        assert!(text.contains("You (2025-12-01 14:05 UTC):\nWhere is <b>my</b> parcel?"));
        assert!(text.contains("Shop assistant (bot)"));
        assert!(text.contains("Ann (2025-12-01 14:05 UTC):\nIt left today."));
        assert!(text.contains("Reply to this email"));
        assert!(html.contains("Where is &lt;b&gt;my&lt;/b&gt; parcel?"));
        assert!(html.contains("Demo &amp; Co"));
    }

    #[test]
    fn a_cut_transcript_says_so() {
        let messages = vec![message(AuthorKind::Agent, "Ann", "Last line", 900)];
        let (_, body) = transcript("Shop", &messages, 899, false);
        let (text, _) = body.finish();
        assert!(text.contains("899 earlier messages are not included"));
        assert!(!text.contains("Reply to this email"));
    }
}
