//! The pre-chat form's use cases: what the widget is told to ask (in the welcome), and the
//! answers that came with a shopper's first message — checked before anything is stored,
//! then given to the new conversation (topic tag, team, the address to answer at) before it
//! is routed. The form's rules themselves live in `conversation::prechat`.

use super::{ChatError, ChatService};
use crate::conversation::prechat::{CheckedAnswers, PrechatAnswers, PrechatForm};
use crate::domain::SiteId;
use crate::protocol::shopper::{PrechatSpec, TopicChoice};
use crate::store::Appended;

impl ChatService {
    /// The form the widget shows before the first message, if the site asks one now (an
    /// `offline` form only while no agent of the site is online). Teams stay on the server.
    /// `form` is the site's, from the settings the caller already holds.
    pub fn prechat_spec(&self, site: &SiteId, form: &PrechatForm) -> Option<PrechatSpec> {
        if !form.shown(self.site_has_agent_online(site)) {
            return None;
        }
        Some(PrechatSpec {
            name: form.name,
            email: form.email,
            topics: form
                .topics
                .iter()
                .map(|t| TopicChoice {
                    id: t.id.clone(),
                    label: t.label.clone(),
                })
                .collect(),
        })
    }

    /// Checks a shopper's answers against the site's form, strictly enough that the address
    /// can go into a To header when an agent answers by email. Nothing is stored before this.
    pub async fn check_prechat(
        &self,
        site: &SiteId,
        answers: &PrechatAnswers,
    ) -> Result<CheckedAnswers, ChatError> {
        let settings = self.settings(site).await;
        let checked = settings
            .prechat
            .check(answers)
            .map_err(|e| ChatError::Invalid {
                field: e.field,
                message: e.message,
            })?;
        if let Some(email) = &checked.email
            && !crate::email::settings::plain_address(email.as_str())
        {
            return Err(ChatError::Invalid {
                field: "prechat.email",
                message: "must be a plain address, local@domain".into(),
            });
        }
        Ok(checked)
    }

    /// A conversation the answered form opened: tagged with its topic, waiting for the
    /// topic's team, and answerable by email at the given address. `appended` is updated to
    /// the changed header, so the routing that follows sees the team.
    pub async fn apply_prechat(&self, appended: &mut Appended, answers: &CheckedAnswers) {
        if !appended.opened {
            return;
        }
        let tag = answers.topic_tag();
        let team = answers.topic.as_ref().and_then(|t| t.team.clone());
        let email = answers.email.as_ref().map(|e| e.as_str().to_owned());
        if tag.is_none() && email.is_none() {
            return;
        }
        let changed = self
            .change(&appended.conversation.id, |c, _| {
                if let Some(tag) = &tag {
                    super::apply_tag(c, tag);
                }
                if team.is_some() && c.skill.is_none() {
                    c.skill = team.clone();
                }
                if c.contact_email.is_none() {
                    c.contact_email = email.clone();
                }
                Ok(None)
            })
            .await;
        match changed {
            Ok((conv, _)) => appended.conversation = conv,
            // The message is stored and acknowledged either way; the form's extras are not
            // worth failing it for, and the store's error is logged where it happened.
            Err(e) => tracing::warn!(error = %e, "pre-chat answers not applied"),
        }
    }
}
