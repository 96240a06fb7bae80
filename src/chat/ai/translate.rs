//! Translation for an agent who does not write the shopper's language: a shopper's message
//! shown in the agent's language, and the agent's reply put into the shopper's language in
//! the composer, for the agent to check and send (nothing is sent from here). Without a
//! usable answer there is no translation, and the answer says why.

use crate::ai::translate::{
    TranslationRefused, check_translation, language_tag, translate_request,
};
use crate::chat::{ChatError, ChatService};
use crate::conversation::Conversation;
use crate::domain::AuthorKind;

/// What to translate.
#[derive(Debug, Clone)]
pub enum TranslateSource {
    /// A message of this conversation, by its sequence number (a shopper's, usually).
    Message(u64),
    /// Text the agent wrote (the reply in the composer).
    Text(String),
}

/// Into which language.
#[derive(Debug, Clone)]
pub enum TranslateTarget {
    /// This language tag (the agent's).
    Language(String),
    /// The shopper's browser language.
    Shopper,
}

/// A translation, or why there is none.
#[derive(Debug, Clone)]
pub struct Translated {
    /// The translated text (empty with a `fallback`).
    pub text: String,
    /// The language the model says the original was in.
    pub from: Option<String>,
    /// The language translated into.
    pub to: Option<String>,
    /// Why there is none (`ai_off`, `site_off`, `busy`, `over_budget`, `timeout`, `status`,
    /// `unreachable`, `malformed`, `invented_order`, `language_unknown`); `None` when there is.
    pub fallback: Option<&'static str>,
}

/// A request that cannot be translated as asked, naming the field to blame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TranslateInputError {
    /// `seq`, `text` or `to`.
    pub field: &'static str,
    /// Why.
    pub message: &'static str,
}

impl ChatService {
    /// Translates a message of `conv` or an agent's text into a language or the shopper's.
    /// `Ok(Err(..))`: the request names no message of this conversation, an empty or too long
    /// text, or a language that is not a plain language tag.
    pub async fn translate(
        &self,
        conv: &Conversation,
        source: TranslateSource,
        target: TranslateTarget,
    ) -> Result<Result<Translated, TranslateInputError>, ChatError> {
        let none = |why, to: Option<String>| Translated {
            text: String::new(),
            from: None,
            to,
            fallback: Some(why),
        };
        let to = match target {
            TranslateTarget::Language(tag) => match language_tag(&tag) {
                Some(tag) => Some(tag),
                None => return Ok(Err(bad("to", "must be a language tag such as en or pt-BR"))),
            },
            TranslateTarget::Shopper => self
                .shopper_state(conv)
                .await?
                .and_then(|state| state.language)
                .and_then(|language| language_tag(&language)),
        };
        let text = match source {
            TranslateSource::Text(text) => text,
            TranslateSource::Message(seq) => {
                let found = self
                    .store
                    .messages_after(&conv.id, seq.saturating_sub(1), 1)
                    .await?
                    .into_iter()
                    .find(|m| m.seq == seq && m.author.kind != AuthorKind::System);
                match found {
                    Some(message) => message.text.to_string(),
                    None => return Ok(Err(bad("seq", "is no message of this conversation"))),
                }
            }
        };
        let text = text.trim().to_owned();
        if text.is_empty() {
            return Ok(Err(bad("text", "is empty")));
        }
        if text.chars().count() > crate::ai::translate::MAX_SOURCE_CHARS {
            return Ok(Err(bad("text", "is longer than a message may be")));
        }
        let Some(to) = to else {
            return Ok(Ok(none("language_unknown", None)));
        };
        if let Err(why) = self.model_allowed(&conv.site_id).await {
            return Ok(Ok(none(why, Some(to))));
        }
        let mut taken = Vec::new();
        let completion = match self
            .ask_model(&conv.site_id, |model| {
                let (request, masked) = translate_request(model, &text, &to);
                taken = masked;
                request
            })
            .await
        {
            Ok(c) => c,
            Err(why) => return Ok(Ok(none(why, Some(to)))),
        };
        let outcome = match check_translation(&completion.content, &text, &taken) {
            Ok(translation) => {
                super::count_outcome("ok");
                return Ok(Ok(Translated {
                    text: translation.text,
                    from: translation.source_language,
                    to: Some(to),
                    fallback: None,
                }));
            }
            Err(TranslationRefused::InventedOrder(_)) => "invented_order",
            Err(TranslationRefused::Malformed(_)) => "malformed",
        };
        super::count_outcome(outcome);
        Ok(Ok(none(outcome, Some(to))))
    }
}

fn bad(field: &'static str, message: &'static str) -> TranslateInputError {
    TranslateInputError { field, message }
}
