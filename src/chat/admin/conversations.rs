//! Conversations as agents read them over REST: one conversation checked against the site in
//! the path, a filtered list, a page of messages, the transcript with internal notes, and the
//! site's chat settings.

use crate::bus::SiteData;
use crate::chat::{ChatError, ChatService};
use crate::conversation::{ChatSettings, Conversation, ConversationFilter, Note};
use crate::domain::{ConversationId, Message, SiteId, Timestamp};

/// Most messages a transcript carries.
const TRANSCRIPT_MESSAGES: u32 = 5000;

/// One line of a transcript: a message the shopper saw, or a note only agents see.
#[derive(Debug, Clone)]
pub enum TranscriptEntry {
    /// A message of the conversation.
    Message(Message),
    /// An internal note.
    Note(Note),
}

impl TranscriptEntry {
    /// When it was written; a message sorts before a note of the same instant.
    fn order(&self) -> (Timestamp, u8) {
        match self {
            TranscriptEntry::Message(m) => (m.ts, 0),
            TranscriptEntry::Note(n) => (n.ts, 1),
        }
    }
}

impl ChatService {
    /// The conversation if it belongs to `site` (which the caller has checked the agent
    /// belongs to); another site's conversation is `NotFound`, never a leak.
    pub async fn site_conversation(
        &self,
        site: &SiteId,
        id: &ConversationId,
    ) -> Result<Conversation, ChatError> {
        self.store
            .conversation(id)
            .await?
            .filter(|c| &c.site_id == site)
            .ok_or(ChatError::NotFound("conversation"))
    }

    /// Conversations matching a filter, most recently active first.
    pub async fn find_conversations(
        &self,
        filter: &ConversationFilter,
    ) -> Result<Vec<Conversation>, ChatError> {
        Ok(self.store.find_conversations(filter).await?)
    }

    /// Messages and internal notes of a conversation in time order, for the transcript.
    pub async fn transcript(&self, conv: &Conversation) -> Result<Vec<TranscriptEntry>, ChatError> {
        let mut messages = self
            .store
            .messages_after(&conv.id, 0, TRANSCRIPT_MESSAGES)
            .await?;
        for message in &mut messages {
            self.sign_attachments(&conv.site_id, message);
        }
        let notes = self.store.notes(&conv.id).await?;
        let mut entries: Vec<TranscriptEntry> = messages
            .into_iter()
            .map(TranscriptEntry::Message)
            .chain(notes.into_iter().map(TranscriptEntry::Note))
            .collect();
        entries.sort_by_key(TranscriptEntry::order);
        Ok(entries)
    }

    /// A site's chat settings as stored (defaults if never set).
    pub async fn chat_settings(&self, site: &SiteId) -> Result<ChatSettings, ChatError> {
        Ok(self.store.chat_settings(site).await?)
    }

    /// An owner saves the site's chat settings (checked by the caller): every node drops its
    /// cached copy, and the knowledge base too, which is indexed in the site's first language.
    pub async fn save_chat_settings(
        &self,
        site: &SiteId,
        settings: &ChatSettings,
    ) -> Result<(), ChatError> {
        self.store.set_chat_settings(site, settings).await?;
        self.site_changed(site, &[SiteData::ChatSettings, SiteData::Knowledge])
            .await;
        Ok(())
    }
}
