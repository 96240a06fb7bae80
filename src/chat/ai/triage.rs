//! Triage of a new conversation by the model, in the background: the shopper's intent
//! becomes a tag (the same `wismo` / `return` / `cancel` tags the keyword detection gives,
//! else `intent:…`), an angry or upset tone a tag and a higher queue priority, which the
//! existing routing serves first; an intent the site sends to a team makes a chat not yet
//! with a person wait for that team. Nothing waits on it; without the model (or past its
//! bounds) the keyword rules alone tag the chat, as before.

use crate::ai::summary::{check_summary, summary_request};
use crate::chat::ChatService;
use crate::conversation::Conversation;

/// The queue priority an angry shopper's chat gets at least (keyword rules go 0–9).
const ANGRY_PRIORITY: u8 = 5;
/// The queue priority an upset shopper's chat gets at least.
const UPSET_PRIORITY: u8 = 3;

/// The tag for an intent: the keyword detection's own where they overlap, so views and
/// reports count one tag.
fn intent_tag(intent: &str) -> Option<String> {
    match intent {
        "where_is_my_order" => Some("wismo".into()),
        "return" | "cancel" => Some(intent.into()),
        "other" => None,
        other => Some(format!("intent:{other}")),
    }
}

impl ChatService {
    /// Classifies `conv` (just opened by the shopper's first message) in the background.
    pub(crate) fn spawn_triage(&self, conv: Conversation) {
        let service = self.clone();
        tokio::spawn(async move { service.triage(&conv).await });
    }

    async fn triage(&self, conv: &Conversation) {
        if self.model_allowed(&conv.site_id).await.is_err() {
            return;
        }
        let Ok(grounding) = self.grounding(conv, &[]).await else {
            return;
        };
        if grounding.conversation.is_empty() {
            return;
        }
        let Ok(completion) = self
            .ask_model(&conv.site_id, |model| {
                summary_request(model, &grounding, true)
            })
            .await
        else {
            return;
        };
        let Ok(summary) = check_summary(&completion.content, &grounding) else {
            super::count_outcome("malformed");
            return;
        };
        super::count_outcome("ok");
        let mut tags: Vec<String> = intent_tag(summary.intent).into_iter().collect();
        let priority = match summary.tone {
            "angry" => ANGRY_PRIORITY,
            "upset" => UPSET_PRIORITY,
            _ => 0,
        };
        if priority > 0 {
            tags.push(summary.tone.to_owned());
        }
        let settings = self.settings(&conv.site_id).await;
        let team = settings.team_for(summary.intent);
        if tags.is_empty() && priority <= conv.priority && team.is_none() {
            return;
        }
        let changed = self
            .change(&conv.id, |c, _| {
                for tag in &tags {
                    crate::chat::apply_tag(c, tag);
                }
                c.priority = c.priority.max(priority);
                // Still with the bot or waiting: the site's team for this intent takes it.
                if c.skill.is_none() && crate::chat::shopper::waits_for_people(c) {
                    c.skill = team.map(str::to_owned);
                }
                Ok(None)
            })
            .await;
        // A waiting chat may now go to the team (or ahead in the queue): route again.
        if let Ok((c, _)) = changed
            && matches!(c.lifecycle.stage, crate::conversation::Stage::Queued)
            && settings.auto_assign
        {
            self.route_site(&c.site_id).await;
        }
    }
}
