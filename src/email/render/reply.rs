//! The email that carries an agent's answers to a shopper who was not there to read them:
//! who answered for which shop, the shopper's question as context, the answers, and a footer
//! saying why the shopper got it and that replying continues the chat.

use super::Body;

/// One message as the email shows it (time already formatted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// Who wrote it.
    pub who: String,
    /// When, formatted for the reader.
    pub when: String,
    /// What.
    pub text: String,
}

/// What a reply email says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyEmail {
    /// The shop's name.
    pub shop: String,
    /// The agent who answered (the last one, if several did).
    pub agent: String,
    /// The shopper's question before the answers, if there was one.
    pub question: Option<Line>,
    /// The answers, oldest first.
    pub answers: Vec<Line>,
    /// Replying to the email reaches the chat (the server reads replies).
    pub replies_reach_chat: bool,
}

/// The subject, plain text and HTML of a reply email.
pub fn render(email: &ReplyEmail) -> (String, String, String) {
    let subject = format!("Re: your question to {}", email.shop);
    let mut body = Body::new();
    body.para(&format!(
        "{} from {} answered you in the chat:",
        email.agent, email.shop
    ));
    if let Some(q) = &email.question {
        body.message(&q.who, &q.when, &q.text);
    }
    for line in &email.answers {
        body.message(&line.who, &line.when, &line.text);
    }
    let how = if email.replies_reach_chat {
        "Reply to this email to continue the chat: your answer reaches the same conversation."
    } else {
        "Open the chat on the shop's website to continue the conversation."
    };
    body.footer(&format!(
        "You get this email because you left your address in the chat on {}'s website and \
         were not there to read this answer. {how}",
        email.shop
    ));
    let (text, html) = body.finish();
    (subject, text, html)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_answer_and_the_question_are_in_both_parts_escaped_in_html() {
        let line = |who: &str, text: &str| Line {
            who: who.into(),
            when: "2026-12-01 10:00 UTC".into(),
            text: text.into(),
        };
        let (subject, text, html) = render(&ReplyEmail {
            shop: "Bob's <Shop>".into(),
            agent: "Ann".into(),
            question: Some(line("You", "Is it <b>waterproof</b>?")),
            answers: vec![line("Ann", "Yes & <b>warm</b>"), line("Ann", "Second")],
            replies_reach_chat: true,
        });
        assert_eq!(subject, "Re: your question to Bob's <Shop>");
        assert!(text.contains("Yes & <b>warm</b>") && text.contains("Second"));
        assert!(text.contains("Reply to this email"));
        assert!(html.contains("Yes &amp; &lt;b&gt;warm&lt;/b&gt;"));
        assert!(html.contains("Is it &lt;b&gt;waterproof&lt;/b&gt;?"));
        assert!(!html.contains("<b>warm"));
    }
}
