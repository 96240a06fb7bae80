//! The files a message carries: checked and claimed before the message is stored, and
//! given freshly signed links each time the message is delivered or replayed.

use super::{FileKey, FileMeta, LINK_TTL_MS};
use crate::chat::{ChatError, ChatService};
use crate::domain::{Attachment, ClientMsgId, ConversationId, FileId, Message, SiteId, Timestamp};

impl ChatService {
    /// The files a new message names, checked: at most the site's `max_per_message`, each
    /// uploaded to this conversation by this sender and used by no other message (a retry
    /// of the same message, by its `client_msg_id`, may name them again). They are marked
    /// used before the message is stored, so two messages cannot share a file.
    pub async fn claim_attachments(
        &self,
        (site, conversation): (&SiteId, &ConversationId),
        uploader: &str,
        client_msg_id: &ClientMsgId,
        ids: &[String],
    ) -> Result<Vec<Attachment>, ChatError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let limits = self.settings(site).await.attachments.clone();
        let invalid = |message: String| ChatError::Invalid {
            field: "attachments",
            message,
        };
        if !limits.enabled {
            return Err(invalid("this site does not accept attachments".into()));
        }
        if ids.len() > limits.max_per_message {
            return Err(invalid(format!(
                "at most {} attachments per message",
                limits.max_per_message
            )));
        }
        let marker = format!("{uploader}:{}", client_msg_id.as_str());
        let mut claimed = Vec::with_capacity(ids.len());
        for (i, id) in ids.iter().enumerate() {
            let unknown = || invalid(format!("attachments[{i}] is not a file uploaded here"));
            let file = FileId::parse(id).map_err(|_| unknown())?;
            if claimed
                .iter()
                .any(|(k, _): &(FileKey, FileMeta)| k.file == file)
            {
                return Err(invalid(format!("attachments[{i}] is named twice")));
            }
            let key = FileKey {
                site: site.clone(),
                conversation: conversation.clone(),
                file,
            };
            let meta = self
                .files
                .meta(&key)
                .await?
                .filter(|m| m.uploader == uploader)
                .ok_or_else(unknown)?;
            if meta.used_by.as_ref().is_some_and(|u| u != &marker) {
                return Err(invalid(format!("attachments[{i}] is already on a message")));
            }
            claimed.push((key, meta));
        }
        let mut attachments = Vec::with_capacity(claimed.len());
        for (key, mut meta) in claimed {
            if meta.used_by.is_none() {
                meta.used_by = Some(marker.clone());
                self.files.put_meta(&key, &meta).await?;
            }
            attachments.push(Attachment {
                id: key.file,
                name: meta.name,
                content_type: meta.content_type,
                size: meta.size,
                url: None,
                thumb: meta.thumb.is_some(),
                thumb_url: None,
            });
        }
        Ok(attachments)
    }

    /// Puts a freshly signed link on each attachment of a message of `site` (done on every
    /// delivery and replay, so a link a reader holds is never older than an hour).
    pub fn sign_attachments(&self, site: &SiteId, message: &mut Message) {
        let exp = Timestamp(Timestamp::now().0 + LINK_TTL_MS);
        for attachment in &mut message.attachments {
            let key = FileKey {
                site: site.clone(),
                conversation: message.conversation_id.clone(),
                file: attachment.id.clone(),
            };
            let link = key.link_id();
            let sig = self.file_keys.link_signature(&link, exp);
            let url = format!("/files/{link}?exp={}&sig={sig}", exp.0);
            attachment.thumb_url = attachment.thumb.then(|| format!("{url}&thumb=1"));
            attachment.url = Some(url);
        }
    }
}
