//! A site's chat settings: the bot, routing, reopening, and keyword rules that tag
//! conversations and raise their priority. Validated once when an owner saves them.

use super::prechat::PrechatForm;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Most keyword rules per site; enough for a shop, bounded for the per-message scan.
const MAX_KEYWORD_RULES: usize = 50;
/// Most keywords per rule.
const MAX_KEYWORDS: usize = 20;

/// Idle conversations close after 30 minutes unless the site says otherwise.
pub const DEFAULT_IDLE_CLOSE_SECS: u64 = 30 * 60;
/// The shortest idle time a site may set: long enough not to cut a typing shopper off.
pub const MIN_IDLE_CLOSE_SECS: u64 = 5;
/// The longest idle time a site may set.
pub const MAX_IDLE_CLOSE_SECS: u64 = 30 * 86_400;

/// How sure the model must say it is before the bot sends its answer, unless the site
/// says otherwise: most answers a model is unsure of are the ones it would get wrong.
pub const DEFAULT_AI_BOT_MIN_CONFIDENCE: f32 = 0.6;

/// How a site's conversations are run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ChatSettings {
    /// A bot answers first (the knowledge base, or the external bot when its URL is set).
    /// With no articles and no external bot, chats go straight to people.
    pub bot_enabled: bool,
    /// The bot's display name; its messages are always marked `author.kind = "bot"`.
    pub bot_name: String,
    /// Lowest ranking score that counts as an answer; `None` uses the built-in default.
    pub bot_min_score: Option<f32>,
    /// Misses in a row after which the bot hands the chat to people.
    pub bot_max_misses: u32,
    /// An external bot: shopchat POSTs each shopper message here, signed, and uses the reply.
    pub bot_webhook_url: Option<String>,
    /// How long the external bot may take before the chat goes to people, ms.
    pub bot_webhook_timeout_ms: u64,
    /// Queued chats are given to agents automatically; otherwise agents pick them.
    pub auto_assign: bool,
    /// A shopper writing within this many seconds after a close reopens the conversation.
    pub reopen_window_secs: u64,
    /// The site's languages (`en`, `de`): handoff words and the bot's ranking use them.
    pub languages: Vec<String>,
    /// Keyword rules that tag conversations and raise their priority.
    pub keyword_rules: Vec<KeywordRule>,
    /// The widget's accent colour, `#rrggbb`.
    pub color: String,
    /// The first line of an empty chat panel.
    pub greeting: String,
    /// The greeting in other languages, by language code (`fr`): a shopper served in one of
    /// them reads it instead of `greeting`.
    pub greeting_translations: BTreeMap<String, String>,
    /// An open conversation with no message from either side (and no other change) for this
    /// many seconds closes by itself, so an unanswered proactive message or a shopper who
    /// left does not hold a conversation (and an agent's slot) open forever.
    pub idle_close_secs: u64,
    /// Agents' drafts and summaries may use the server's language model (when it has one):
    /// off keeps this site's chats from being sent to the model provider at all.
    pub ai_assist: bool,
    /// With `ai_assist`: the model drafts an answer to each shopper message in a chat that
    /// people have (queued or assigned) and the dashboard puts it in an empty reply box for
    /// the agent to check and send. Off by default: every draft is a model call.
    pub ai_auto_draft: bool,
    /// The bot may answer shoppers with the language model (the site's own or the server's,
    /// with `ai_assist` on), grounded only in the best-matching articles and the verified
    /// shopper's own orders; off (the default) keeps the knowledge-base answers alone.
    pub ai_bot: bool,
    /// How sure the model must say it is (0 to 1) before the bot sends its answer; a less
    /// sure answer gives way to the knowledge-base answer or the miss, as without the model.
    pub ai_bot_min_confidence: f32,
    /// A team (an agents' skill) per shopper intent (`where_is_my_order`, `return`, `cancel`,
    /// `sizing`, `pre_sale`, `complaint`): a chat whose intent is detected — by the order
    /// keywords, or by the model's triage — before it reaches an agent waits for that team.
    pub intent_teams: BTreeMap<String, String>,
    /// The form a shopper fills in before the first message (off by default).
    pub prechat: PrechatForm,
    /// A new message while the shop's tab is in the background puts a count in the tab's
    /// title and plays a short tone (after the shopper's first message: browsers allow sound
    /// only after a user action). On by default; a shop that finds it intrusive turns it off.
    pub tab_alerts: bool,
    /// Files shoppers and agents may attach: on/off, size, count and types.
    pub attachments: super::attachments::AttachmentSettings,
}

impl Default for ChatSettings {
    fn default() -> Self {
        ChatSettings {
            bot_enabled: true,
            bot_name: "Shop assistant".into(),
            bot_min_score: None,
            bot_max_misses: 2,
            bot_webhook_url: None,
            bot_webhook_timeout_ms: 4000,
            auto_assign: true,
            reopen_window_secs: 3600,
            languages: vec!["en".into()],
            keyword_rules: Vec::new(),
            color: "#1f6feb".into(),
            greeting: "Hi! How can we help?".into(),
            greeting_translations: BTreeMap::new(),
            idle_close_secs: DEFAULT_IDLE_CLOSE_SECS,
            ai_assist: true,
            ai_auto_draft: false,
            ai_bot: false,
            ai_bot_min_confidence: DEFAULT_AI_BOT_MIN_CONFIDENCE,
            intent_teams: BTreeMap::new(),
            prechat: PrechatForm::default(),
            tab_alerts: true,
            attachments: Default::default(),
        }
    }
}

/// The intents a site may send to a team: what the order keywords and the model's triage
/// detect (the model's `other` is no intent).
pub const ROUTABLE_INTENTS: &[&str] = &[
    "where_is_my_order",
    "return",
    "cancel",
    "sizing",
    "pre_sale",
    "complaint",
];

impl ChatSettings {
    /// The greeting a shopper served in `language` reads: its version, else the greeting.
    pub fn greeting_in(&self, language: &str) -> &str {
        self.greeting_translations
            .get(language)
            .map_or(self.greeting.as_str(), String::as_str)
    }

    /// The team a chat with `intent` waits for, if the site sends that intent to one.
    pub fn team_for(&self, intent: &str) -> Option<&str> {
        self.intent_teams.get(intent).map(String::as_str)
    }
}

/// "Messages mentioning these words get this tag and at least this priority."
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KeywordRule {
    /// Words or phrases, matched case-insensitively on word boundaries.
    pub keywords: Vec<String>,
    /// Tag to add.
    #[serde(default)]
    pub tag: Option<String>,
    /// Priority to raise the conversation to (0–9).
    #[serde(default)]
    pub priority: u8,
}

/// A setting that cannot be used, with the JSON path of the field to blame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingsError {
    /// Field path (`keyword_rules[0].tag`).
    pub field: String,
    /// Why.
    pub message: String,
}

fn bad(field: impl Into<String>, message: impl Into<String>) -> SettingsError {
    SettingsError {
        field: field.into(),
        message: message.into(),
    }
}

/// A tag: 1–40 of `a-z0-9_-`, so it is safe in URLs, filters and the dashboard.
pub fn valid_tag(tag: &str) -> bool {
    (1..=40).contains(&tag.len())
        && tag
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

impl ChatSettings {
    /// Checks every field; `allow_http` permits a plain-http bot URL (development only).
    pub fn validate(&self, allow_http: bool) -> Result<(), SettingsError> {
        let name = self.bot_name.trim();
        if name.is_empty() || name.chars().count() > 60 {
            return Err(bad("bot_name", "must be 1 to 60 characters"));
        }
        if let Some(score) = self.bot_min_score
            && !(score.is_finite() && (0.0..=100.0).contains(&score))
        {
            return Err(bad("bot_min_score", "must be a number from 0 to 100"));
        }
        if !(1..=20).contains(&self.bot_max_misses) {
            return Err(bad("bot_max_misses", "must be from 1 to 20"));
        }
        if let Some(url) = &self.bot_webhook_url {
            let parsed = url::Url::parse(url).map_err(|e| bad("bot_webhook_url", e.to_string()))?;
            match parsed.scheme() {
                "https" => {}
                "http" if allow_http => {}
                _ => return Err(bad("bot_webhook_url", "must be an https URL")),
            }
        }
        if !(200..=15_000).contains(&self.bot_webhook_timeout_ms) {
            return Err(bad("bot_webhook_timeout_ms", "must be from 200 to 15000"));
        }
        self.validate_ai_bot()?;
        if self.reopen_window_secs > 30 * 86_400 {
            return Err(bad("reopen_window_secs", "must be at most 30 days"));
        }
        if !(MIN_IDLE_CLOSE_SECS..=MAX_IDLE_CLOSE_SECS).contains(&self.idle_close_secs) {
            return Err(bad(
                "idle_close_secs",
                format!("must be from {MIN_IDLE_CLOSE_SECS} seconds to 30 days"),
            ));
        }
        if self.languages.is_empty() || self.languages.len() > 10 {
            return Err(bad("languages", "must name 1 to 10 languages"));
        }
        for (i, lang) in self.languages.iter().enumerate() {
            let ok = (2..=8).contains(&lang.len())
                && lang.bytes().all(|b| b.is_ascii_alphabetic() || b == b'-');
            if !ok {
                return Err(bad(
                    format!("languages[{i}]"),
                    "must be a language tag like `en`",
                ));
            }
        }
        let colour = self.color.strip_prefix('#').unwrap_or("");
        if colour.len() != 6 || !colour.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad("color", "must be a colour like #1f6feb"));
        }
        let greeting = self.greeting.trim();
        if greeting.is_empty() || greeting.chars().count() > 200 {
            return Err(bad("greeting", "must be 1 to 200 characters"));
        }
        self.validate_greeting_translations()?;
        if self.keyword_rules.len() > MAX_KEYWORD_RULES {
            return Err(bad(
                "keyword_rules",
                format!("at most {MAX_KEYWORD_RULES} rules"),
            ));
        }
        self.validate_intent_teams()?;
        self.prechat.validate()?;
        self.attachments.validate()?;
        self.validate_keyword_rules()?;
        Ok(())
    }

    /// The model-answering bot's threshold: a confidence the model can state (0 to 1).
    fn validate_ai_bot(&self) -> Result<(), SettingsError> {
        let min = self.ai_bot_min_confidence;
        if !(min.is_finite() && (0.0..=1.0).contains(&min)) {
            return Err(bad("ai_bot_min_confidence", "must be a number from 0 to 1"));
        }
        Ok(())
    }

    /// Each intent is one a site may route, each team a valid skill.
    /// Each keyword rule: its words, tag and priority.
    fn validate_keyword_rules(&self) -> Result<(), SettingsError> {
        for (i, rule) in self.keyword_rules.iter().enumerate() {
            if rule.keywords.is_empty() || rule.keywords.len() > MAX_KEYWORDS {
                return Err(bad(
                    format!("keyword_rules[{i}].keywords"),
                    format!("must list 1 to {MAX_KEYWORDS} keywords"),
                ));
            }
            for (j, k) in rule.keywords.iter().enumerate() {
                if k.trim().is_empty() || k.chars().count() > 60 {
                    return Err(bad(
                        format!("keyword_rules[{i}].keywords[{j}]"),
                        "must be 1 to 60 characters",
                    ));
                }
            }
            if let Some(tag) = &rule.tag
                && !valid_tag(tag)
            {
                return Err(bad(
                    format!("keyword_rules[{i}].tag"),
                    "must be 1 to 40 of a-z, 0-9, `_`, `-`",
                ));
            }
            if rule.priority > 9 {
                return Err(bad(
                    format!("keyword_rules[{i}].priority"),
                    "must be 0 to 9",
                ));
            }
            if rule.tag.is_none() && rule.priority == 0 {
                return Err(bad(
                    format!("keyword_rules[{i}]"),
                    "a rule needs a tag or a priority",
                ));
            }
        }
        Ok(())
    }

    /// Each version of the greeting: under a language code (`fr`), 1 to 200 characters.
    fn validate_greeting_translations(&self) -> Result<(), SettingsError> {
        if self.greeting_translations.len() > 20 {
            return Err(bad("greeting_translations", "at most 20 languages"));
        }
        for (code, text) in &self.greeting_translations {
            let field = format!("greeting_translations.{code}");
            if crate::domain::language_code(code).as_deref() != Some(code.as_str()) {
                return Err(bad(field, "must be a language code like `fr`"));
            }
            let text = text.trim();
            if text.is_empty() || text.chars().count() > 200 {
                return Err(bad(field, "must be 1 to 200 characters"));
            }
        }
        Ok(())
    }

    fn validate_intent_teams(&self) -> Result<(), SettingsError> {
        for (intent, team) in &self.intent_teams {
            if !ROUTABLE_INTENTS.contains(&intent.as_str()) {
                return Err(bad(
                    format!("intent_teams.{intent}"),
                    format!("is no intent; use one of {}", ROUTABLE_INTENTS.join(", ")),
                ));
            }
            if !valid_tag(team) {
                return Err(bad(
                    format!("intent_teams.{intent}"),
                    "a team is 1 to 40 of a-z, 0-9, `_`, `-`",
                ));
            }
        }
        Ok(())
    }

    /// The tags and the highest priority the keyword rules give a shopper's message.
    pub fn classify(&self, text: &str) -> (BTreeSet<String>, u8) {
        let words = normalise(text);
        let mut tags = BTreeSet::new();
        let mut priority = 0;
        for rule in &self.keyword_rules {
            let hit = rule
                .keywords
                .iter()
                .any(|k| contains_phrase(&words, &normalise(k)));
            if hit {
                if let Some(tag) = &rule.tag {
                    tags.insert(tag.clone());
                }
                priority = priority.max(rule.priority);
            }
        }
        (tags, priority)
    }
}

/// Lower-case words, split on anything that is not a letter or digit.
fn normalise(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

fn contains_phrase(words: &[String], phrase: &[String]) -> bool {
    !phrase.is_empty() && words.windows(phrase.len()).any(|w| w == phrase)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_greeting_version_is_picked_by_language_code_and_checked() {
        let mut s = ChatSettings::default();
        s.greeting_translations
            .insert("fr".into(), "Bonjour !".into());
        assert_eq!(s.greeting_in("fr"), "Bonjour !");
        assert_eq!(s.greeting_in("de"), s.greeting);
        assert!(s.validate(false).is_ok());
        s.greeting_translations.insert("FR".into(), "Salut".into());
        assert_eq!(
            s.validate(false).unwrap_err().field,
            "greeting_translations.FR"
        );
    }

    fn rules() -> ChatSettings {
        ChatSettings {
            keyword_rules: vec![
                KeywordRule {
                    keywords: vec!["refund".into(), "money back".into()],
                    tag: Some("refund".into()),
                    priority: 2,
                },
                KeywordRule {
                    keywords: vec!["size".into()],
                    tag: Some("size".into()),
                    priority: 0,
                },
            ],
            ..ChatSettings::default()
        }
    }

    #[test]
    fn keywords_tag_and_raise_priority_on_whole_words() {
        let s = rules();
        let (tags, p) = s.classify("I want my MONEY back, and the size was wrong!");
        assert_eq!(tags.into_iter().collect::<Vec<_>>(), vec!["refund", "size"]);
        assert_eq!(p, 2);
        let (tags, p) = s.classify("Refunding? sizeable moneyback");
        assert!(tags.is_empty(), "no whole-word match: {tags:?}");
        assert_eq!(p, 0);
    }

    #[test]
    fn validation_names_the_field() {
        assert_eq!(ChatSettings::default().validate(false), Ok(()));
        let mut s = rules();
        s.keyword_rules[1].tag = Some("Bad Tag".into());
        assert_eq!(s.validate(false).unwrap_err().field, "keyword_rules[1].tag");
        let s = ChatSettings {
            bot_webhook_url: Some("http://bot.example/hook".into()),
            ..ChatSettings::default()
        };
        assert_eq!(s.validate(false).unwrap_err().field, "bot_webhook_url");
        assert_eq!(s.validate(true), Ok(()));
        for confidence in [-0.1, 1.5, f32::NAN] {
            let s = ChatSettings {
                ai_bot_min_confidence: confidence,
                ..ChatSettings::default()
            };
            assert_eq!(
                s.validate(false).unwrap_err().field,
                "ai_bot_min_confidence"
            );
        }
    }
}
