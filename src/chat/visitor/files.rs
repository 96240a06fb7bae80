//! A shopper's files: the upload token for its open conversation, and the files a message
//! of theirs names, checked against that conversation before the message is stored.

use super::ShopperSession;
use crate::chat::{ChatError, IssuedUploadToken, UploadRefused};
use crate::domain::{Attachment, ClientMsgId};

impl ShopperSession {
    /// An upload token for the visitor's open conversation (`conversation`, when named,
    /// must be that one): files go only to the shopper's own open chat.
    pub async fn upload_token(
        &self,
        conversation: Option<&str>,
    ) -> Result<IssuedUploadToken, UploadRefused> {
        let open = self
            .conversation
            .as_ref()
            .filter(|open| conversation.is_none_or(|c| c == open.as_str()))
            .ok_or(UploadRefused::NoConversation)?;
        let conv = self
            .service
            .store
            .conversation(open)
            .await?
            .ok_or(UploadRefused::NoConversation)?;
        self.service
            .shopper_upload_token(&conv, &self.visitor)
            .await
    }

    /// The files a message names, claimed in the visitor's open conversation (files are
    /// uploaded to an open conversation only: without one, none can be named).
    pub(super) async fn claim_files(
        &self,
        client_msg_id: &ClientMsgId,
        files: &[String],
    ) -> Result<Vec<Attachment>, ChatError> {
        if files.is_empty() {
            return Ok(Vec::new());
        }
        let Some(conversation) = &self.conversation else {
            return Err(ChatError::Invalid {
                field: "attachments",
                message: "attachments[0] is not a file uploaded here".into(),
            });
        };
        self.service
            .claim_attachments(
                (&self.site.id, conversation),
                self.visitor.as_str(),
                client_msg_id,
                files,
            )
            .await
    }
}
