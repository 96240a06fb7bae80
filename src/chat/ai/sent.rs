//! Drafts counted for the owners' report: each model draft made is counted per site and day,
//! carries a token the server signed (see [`crate::ai::token`]), and a message an agent sends
//! with that token is recorded as sent from a draft, unchanged or edited. The count never
//! stands in a message's way: a token that does not check out, or a store that cannot record
//! the mark, leaves the message sent as usual and uncounted.

use crate::ai::token::DraftKey;
use crate::chat::ChatService;
use crate::conversation::Conversation;
use crate::domain::{ConversationId, SiteId, Timestamp};
use crate::store::{Appended, StoreError};

/// The store's name for the draft tokens' secret (shared by every node, kept over restarts).
const DRAFT_SECRET: &str = "ai-draft";

impl ChatService {
    /// The server's draft-token key, read from the store once per node; `None` when the
    /// store cannot give it (drafts then simply go uncounted).
    async fn draft_key(&self) -> Option<DraftKey> {
        let ai = &self.ai;
        let key = ai
            .draft_key
            .get_or_try_init(|| async {
                let secret = self
                    .store
                    .secret(DRAFT_SECRET, crate::domain::random_token(48))
                    .await?;
                Ok::<_, StoreError>(DraftKey::new(secret.as_bytes()))
            })
            .await;
        match key {
            Ok(key) => Some(key.clone()),
            Err(e) => {
                tracing::warn!(error = %e, "no draft key; drafts are not counted when sent");
                None
            }
        }
    }

    /// The token for a model draft of `text` in `conversation`; `None` (the draft is then
    /// simply not counted when sent) if the key cannot be read.
    pub(super) async fn draft_token(
        &self,
        conversation: &ConversationId,
        text: &str,
    ) -> Option<String> {
        let key = self.draft_key().await?;
        Some(key.issue(conversation.as_str(), text))
    }

    /// Counts a model draft made for `site` today.
    pub(super) async fn count_model_draft(&self, site: &SiteId) {
        metrics::counter!("shopchat_ai_drafts_total").increment(1);
        if let Err(e) = self.store.count_draft(site, Timestamp::now()).await {
            tracing::warn!(site = %site, error = %e, "a draft was not counted");
        }
    }

    /// Records the agent message `appended` as sent from the draft `token` was issued for,
    /// unchanged or edited; nothing when the token was not issued by this server for this
    /// conversation. Called for a retried duplicate too: the store records a message once,
    /// so a send whose first attempt was stored but not recorded gets its mark now. Counted on
    /// the message's own day, so a retry counts where the first attempt did.
    pub(crate) async fn record_draft_send(
        &self,
        conv: &Conversation,
        appended: &Appended,
        token: &str,
    ) {
        let Some(key) = self.draft_key().await else {
            return;
        };
        let message = &appended.message;
        let Some(mark) = key.check(token, conv.id.as_str(), message.text.as_str()) else {
            tracing::debug!(conversation = %conv.id, "a draft token that is not this chat's; not counted");
            return;
        };
        if !appended.duplicate {
            metrics::counter!("shopchat_ai_draft_sends_total", "mark" => mark.as_str())
                .increment(1);
        }
        if let Err(e) = self
            .store
            .record_draft_send(&conv.site_id, &conv.id, message.seq, mark, message.ts)
            .await
        {
            tracing::warn!(conversation = %conv.id, error = %e, "a message from a draft was not counted");
        }
    }
}
