//! An agent's own avatar: the picture shoppers see beside "You're chatting with …". Checked
//! like an attachment (the type sniffed from the bytes, location metadata removed) but
//! smaller, and public by design: it is served to any shop page without a signature, at a
//! path with a fresh version per upload, so it can be cached for good and a replaced picture
//! is never shown again.

use super::UploadRefused;
use crate::chat::ChatService;
use crate::domain::AgentId;
use crate::files::sniff;
use crate::store::{AccountChange, Agent};
use bytes::Bytes;

/// The largest avatar, bytes: a face at a few hundred pixels needs far less.
pub const AVATAR_MAX_BYTES: u64 = 512 * 1024;

/// The pictures an avatar may be (as sniffed): no GIF (no animated faces), no PDF.
const AVATAR_TYPES: [&str; 3] = ["image/jpeg", "image/png", "image/webp"];

impl ChatService {
    /// Makes `bytes` the agent's avatar: checked, stripped, kept under a new version; the
    /// account then names it and the older pictures go. Answers the account as it now is.
    pub async fn set_avatar(&self, agent: &AgentId, bytes: Bytes) -> Result<Agent, UploadRefused> {
        if bytes.len() as u64 > AVATAR_MAX_BYTES {
            return Err(UploadRefused::TooLarge {
                max: AVATAR_MAX_BYTES,
            });
        }
        let content_type = sniff::sniff(&bytes);
        if !AVATAR_TYPES.contains(&content_type) {
            return Err(UploadRefused::Type(content_type.to_owned()));
        }
        let bytes = sniff::strip_metadata(content_type, bytes)?;
        // Scanned like an attachment when the server has a scanner (a picture every shop
        // page shows is no place for a file the scanner refuses).
        self.scan(&format!("avatar of {agent}"), &bytes).await?;
        // Shown at 28 and 64 px: a larger picture is kept as its thumbnail, so every shop
        // page fetches a few KB (decoded off the async threads, within the upload slot).
        let small = super::thumbnail_off_thread(content_type, &bytes).await;
        let bytes = small.map_or(bytes, |t| t.bytes);
        let version = crate::domain::random_token(16);
        self.files.put_avatar(agent, &version, bytes).await?;
        let change = AccountChange {
            avatar: Some(Some(format!("/avatars/{agent}/{version}"))),
            ..AccountChange::default()
        };
        let updated = self.store.update_account(agent, &change).await?;
        // The new picture is named; an old one left behind by a failure here is only bytes.
        if let Err(e) = self.files.delete_avatars(agent, Some(&version)).await {
            tracing::warn!(error = %e, "old avatars not deleted");
        }
        Ok(updated)
    }

    /// Takes the agent's avatar away (shoppers see the name alone again).
    pub async fn remove_avatar(&self, agent: &AgentId) -> Result<Agent, UploadRefused> {
        let change = AccountChange {
            avatar: Some(None),
            ..AccountChange::default()
        };
        let updated = self.store.update_account(agent, &change).await?;
        self.files.delete_avatars(agent, None).await?;
        Ok(updated)
    }

    /// An avatar's bytes and type by its path's parts; `None` when there is no such picture.
    pub async fn avatar(
        &self,
        agent: &AgentId,
        version: &str,
    ) -> Result<Option<(Bytes, &'static str)>, UploadRefused> {
        let Some(bytes) = self.files.avatar(agent, version).await? else {
            return Ok(None);
        };
        let content_type = sniff::sniff(&bytes);
        Ok(Some((bytes, content_type)))
    }
}
