//! Agents' avatars in the same [`FileStore`] as attachments, so several nodes share them
//! through the bucket: `avatars/{agent}/{version}`, beside the sites' folders (the sweeps
//! skip it: `avatars` is no site id). A new upload gets a new version and the older ones go,
//! so a version's bytes never change and its link can be cached for good.

use super::store::{FileError, FileStore};
use crate::domain::AgentId;
use bytes::Bytes;
use futures_util::TryStreamExt;
use object_store::PutPayload;
use object_store::path::Path;

/// Whether `version` can be one we made (letters and digits, 8–64): checked before it is
/// part of a path, so a link's version never walks elsewhere.
fn is_avatar_version(version: &str) -> bool {
    (8..=64).contains(&version.len()) && version.bytes().all(|c| c.is_ascii_alphanumeric())
}

fn folder(agent: &AgentId) -> Path {
    Path::from(format!("avatars/{agent}"))
}

fn path(agent: &AgentId, version: &str) -> Path {
    Path::from(format!("avatars/{agent}/{version}"))
}

impl FileStore {
    /// Keeps an avatar's bytes (already checked and stripped) under `version`.
    pub async fn put_avatar(
        &self,
        agent: &AgentId,
        version: &str,
        bytes: Bytes,
    ) -> Result<(), FileError> {
        self.inner
            .put(&path(agent, version), PutPayload::from_bytes(bytes))
            .await
            .map(|_| ())
            .map_err(FileError::from_store)
    }

    /// An avatar's bytes; `None` for an unknown agent or version (or a version we never make).
    pub async fn avatar(&self, agent: &AgentId, version: &str) -> Result<Option<Bytes>, FileError> {
        if !is_avatar_version(version) {
            return Ok(None);
        }
        self.read(&path(agent, version)).await
    }

    /// Deletes the agent's avatars but `keep` (the current one, or none at all).
    pub async fn delete_avatars(
        &self,
        agent: &AgentId,
        keep: Option<&str>,
    ) -> Result<(), FileError> {
        let found: Vec<Path> = self
            .inner
            .list(Some(&folder(agent)))
            .map_ok(|m| m.location)
            .try_collect()
            .await
            .map_err(FileError::from_store)?;
        for old in found {
            if keep.is_none_or(|k| old.filename() != Some(k)) {
                self.delete(&old).await?;
            }
        }
        Ok(())
    }
}
