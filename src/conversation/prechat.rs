//! The pre-chat form (issue 20): what a site asks a shopper before the first message — a name,
//! an email, a topic — and the check of the answers. A topic may send the chat to a team.
//! Pure: the settings validate here when an owner saves them, and a shopper's answers are
//! checked here before anything is stored, so both sides read the same rules.

use super::settings::{SettingsError, valid_tag};
use crate::domain::Email;
use serde::{Deserialize, Serialize};

/// Most topics a form offers: a short list a shopper can scan on a phone.
pub const MAX_TOPICS: usize = 10;
/// Longest name a shopper may give, in characters.
pub const MAX_NAME_CHARS: usize = 80;
/// Longest topic label, in characters.
const MAX_LABEL_CHARS: usize = 60;

/// The form a site shows before the first message. Off by default: a form costs shoppers a
/// step, so the owner turns it on knowingly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct PrechatForm {
    /// Whether the form is shown at all.
    pub enabled: bool,
    /// `always`, or `offline`: only while no agent of the site is online (the answer then
    /// comes by email, so the address matters most).
    pub when: PrechatWhen,
    /// Ask the shopper's name.
    pub name: FieldRule,
    /// Ask the shopper's email address.
    pub email: FieldRule,
    /// The topics offered (a topic is required once any is listed); each may pick a team.
    pub topics: Vec<PrechatTopic>,
}

impl Default for PrechatForm {
    fn default() -> Self {
        PrechatForm {
            enabled: false,
            when: PrechatWhen::Always,
            name: FieldRule::Optional,
            email: FieldRule::Required,
            topics: Vec::new(),
        }
    }
}

/// When the form is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PrechatWhen {
    /// Before every shopper's first message.
    Always,
    /// Only while no agent of the site is online.
    Offline,
}

/// Whether a field is asked, and whether it must be filled in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FieldRule {
    /// Not asked.
    Off,
    /// Asked; may be left empty.
    Optional,
    /// Asked; must be filled in.
    Required,
}

/// One topic a shopper may pick ("Order & delivery", "Product advice").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PrechatTopic {
    /// Stable id, 1–40 of `a-z0-9_-`: the chat is tagged `topic-{id}` for views and reports.
    pub id: String,
    /// What the shopper reads, 1–60 characters.
    pub label: String,
    /// The team (an agents' skill) a chat on this topic waits for; none = anyone.
    #[serde(default)]
    pub team: Option<String>,
}

/// What a shopper sent in the form, as sent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct PrechatAnswers {
    /// The name typed, if any.
    #[serde(default)]
    pub name: Option<String>,
    /// The email typed, if any.
    #[serde(default)]
    pub email: Option<String>,
    /// The topic id picked, if any.
    #[serde(default)]
    pub topic: Option<String>,
}

/// Answers that passed the site's form: trimmed, the email normalised, the topic resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedAnswers {
    /// The shopper's name.
    pub name: Option<String>,
    /// The shopper's address.
    pub email: Option<Email>,
    /// The topic picked.
    pub topic: Option<PrechatTopic>,
}

impl CheckedAnswers {
    /// The tag a chat on this topic gets (`topic-{id}`).
    pub fn topic_tag(&self) -> Option<String> {
        self.topic.as_ref().map(|t| format!("topic-{}", t.id))
    }
}

/// An answer that does not fit the form: the field to blame (`prechat.email`) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerError {
    /// `prechat.name`, `prechat.email` or `prechat.topic`.
    pub field: &'static str,
    /// Why, for the shopper's eyes.
    pub message: String,
}

fn refuse(field: &'static str, message: impl Into<String>) -> AnswerError {
    AnswerError {
        field,
        message: message.into(),
    }
}

fn bad(field: impl Into<String>, message: impl Into<String>) -> SettingsError {
    SettingsError {
        field: field.into(),
        message: message.into(),
    }
}

/// A trimmed answer, or `None` for a missing or blank one.
fn given(answer: Option<&str>) -> Option<&str> {
    answer.map(str::trim).filter(|a| !a.is_empty())
}

impl PrechatForm {
    /// Whether the form asks anything at all (an enabled form with every field off is none).
    pub fn asks_anything(&self) -> bool {
        self.enabled
            && (self.name != FieldRule::Off
                || self.email != FieldRule::Off
                || !self.topics.is_empty())
    }

    /// Whether the form is shown now, given whether any agent of the site is online.
    pub fn shown(&self, agents_online: bool) -> bool {
        self.asks_anything() && (self.when == PrechatWhen::Always || !agents_online)
    }

    /// Checks the owner's form; the field path names the setting to blame.
    pub fn validate(&self) -> Result<(), SettingsError> {
        if self.topics.len() > MAX_TOPICS {
            return Err(bad(
                "prechat.topics",
                format!("at most {MAX_TOPICS} topics"),
            ));
        }
        for (i, topic) in self.topics.iter().enumerate() {
            if !valid_tag(&topic.id) {
                return Err(bad(
                    format!("prechat.topics[{i}].id"),
                    "must be 1 to 40 of a-z, 0-9, `_`, `-`",
                ));
            }
            if self.topics[..i].iter().any(|t| t.id == topic.id) {
                return Err(bad(format!("prechat.topics[{i}].id"), "is listed twice"));
            }
            let label = topic.label.trim();
            if label.is_empty() || label.chars().count() > MAX_LABEL_CHARS {
                return Err(bad(
                    format!("prechat.topics[{i}].label"),
                    format!("must be 1 to {MAX_LABEL_CHARS} characters"),
                ));
            }
            if let Some(team) = &topic.team
                && !valid_tag(team)
            {
                return Err(bad(
                    format!("prechat.topics[{i}].team"),
                    "a team is 1 to 40 of a-z, 0-9, `_`, `-`",
                ));
            }
        }
        Ok(())
    }

    /// Checks a shopper's answers against the form: required fields filled, the name short
    /// and printable, the email an address, the topic one of the form's. A field the form
    /// does not ask is ignored rather than refused (a widget with an older form cached).
    pub fn check(&self, answers: &PrechatAnswers) -> Result<CheckedAnswers, AnswerError> {
        let name = match (self.name, given(answers.name.as_deref())) {
            (FieldRule::Off, _) | (FieldRule::Optional, None) => None,
            (FieldRule::Required, None) => return Err(refuse("prechat.name", "is required")),
            (_, Some(name)) => {
                if name.chars().count() > MAX_NAME_CHARS {
                    return Err(refuse(
                        "prechat.name",
                        format!("must be at most {MAX_NAME_CHARS} characters"),
                    ));
                }
                if name.chars().any(char::is_control) {
                    return Err(refuse("prechat.name", "must not hold control characters"));
                }
                Some(name.to_owned())
            }
        };
        let email = match (self.email, given(answers.email.as_deref())) {
            (FieldRule::Off, _) | (FieldRule::Optional, None) => None,
            (FieldRule::Required, None) => return Err(refuse("prechat.email", "is required")),
            (_, Some(email)) => Some(
                Email::parse(email)
                    .map_err(|_| refuse("prechat.email", "must be an email address"))?,
            ),
        };
        let topic = match given(answers.topic.as_deref()) {
            _ if self.topics.is_empty() => None,
            None => return Err(refuse("prechat.topic", "is required")),
            Some(id) => Some(
                self.topics
                    .iter()
                    .find(|t| t.id == id)
                    .cloned()
                    .ok_or_else(|| refuse("prechat.topic", "is not one of the site's topics"))?,
            ),
        };
        Ok(CheckedAnswers { name, email, topic })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> PrechatForm {
        PrechatForm {
            enabled: true,
            when: PrechatWhen::Always,
            name: FieldRule::Optional,
            email: FieldRule::Required,
            topics: vec![
                PrechatTopic {
                    id: "orders".into(),
                    label: "My order".into(),
                    team: Some("logistics".into()),
                },
                PrechatTopic {
                    id: "advice".into(),
                    label: "Product advice".into(),
                    team: None,
                },
            ],
        }
    }

    fn answers(name: &str, email: &str, topic: &str) -> PrechatAnswers {
        let some = |s: &str| (!s.is_empty()).then(|| s.to_owned());
        PrechatAnswers {
            name: some(name),
            email: some(email),
            topic: some(topic),
        }
    }

    #[test]
    fn good_answers_are_trimmed_and_the_topic_resolved() {
        let checked = form()
            .check(&answers("  Ana ", " Ana@Example.com ", "orders"))
            .unwrap();
        assert_eq!(checked.name.as_deref(), Some("Ana"));
        assert_eq!(checked.email.unwrap().as_str(), "ana@example.com");
        assert_eq!(checked.topic.unwrap().team.as_deref(), Some("logistics"));
    }

    #[test]
    fn each_bad_answer_names_its_field() {
        let f = form();
        let field = |a: PrechatAnswers| f.check(&a).unwrap_err().field;
        assert_eq!(field(answers("Ana", "", "orders")), "prechat.email");
        assert_eq!(
            field(answers("Ana", "not-an-address", "orders")),
            "prechat.email"
        );
        assert_eq!(field(answers("Ana", "a@b.example", "")), "prechat.topic");
        assert_eq!(
            field(answers("Ana", "a@b.example", "refunds")),
            "prechat.topic"
        );
        assert_eq!(
            field(answers(&"x".repeat(81), "a@b.example", "orders")),
            "prechat.name"
        );
        assert_eq!(
            field(answers("A\u{7}", "a@b.example", "orders")),
            "prechat.name"
        );
    }

    #[test]
    fn a_field_the_form_does_not_ask_is_ignored_and_optional_may_be_empty() {
        let mut f = form();
        f.email = FieldRule::Off;
        f.topics.clear();
        let checked = f.check(&answers("", "whatever", "anything")).unwrap();
        assert_eq!(
            checked,
            CheckedAnswers {
                name: None,
                email: None,
                topic: None
            }
        );
    }

    #[test]
    fn offline_forms_show_only_while_nobody_is_online() {
        let mut f = form();
        assert!(f.shown(true) && f.shown(false));
        f.when = PrechatWhen::Offline;
        assert!(!f.shown(true) && f.shown(false));
        f.enabled = false;
        assert!(!f.shown(false));
    }

    #[test]
    fn the_owner_is_told_which_topic_is_wrong() {
        let mut f = form();
        f.topics[1].id = "orders".into();
        assert_eq!(f.validate().unwrap_err().field, "prechat.topics[1].id");
        f.topics[1].id = "Bad Id".into();
        assert_eq!(f.validate().unwrap_err().field, "prechat.topics[1].id");
        f.topics[1].id = "advice".into();
        f.topics[1].team = Some("no spaces".into());
        assert_eq!(f.validate().unwrap_err().field, "prechat.topics[1].team");
        f.topics[1].team = None;
        f.topics[0].label = " ".into();
        assert_eq!(f.validate().unwrap_err().field, "prechat.topics[0].label");
    }
}
