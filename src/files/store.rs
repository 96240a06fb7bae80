//! Where files are kept: one [`ObjectStore`] (the `object_store` crate's interface), either a
//! folder of the data dir (one node) or an S3-compatible bucket (several nodes), chosen by
//! the settings. A file lives at `site/conversation/file` (ids only: a name a sender gave is
//! never part of a path) beside `site/conversation/file.json`, its [`FileMeta`]; erasing a
//! conversation deletes its whole prefix, and the sweep deletes uploads no message used.

use crate::config::{FilesBackend, FilesSettings};
use crate::domain::{ConversationId, FileId, SiteId, Timestamp};
use bytes::Bytes;
use futures_util::TryStreamExt;
use object_store::path::Path;
use object_store::{ObjectStore, PutPayload};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// An upload no message has used by this age is deleted by the sweep.
pub const UNUSED_UPLOAD_TTL_MS: i64 = 24 * 3600 * 1000;

/// The back end failed (a disk or network error); nothing is said about whether a file exists.
#[derive(Debug, thiserror::Error)]
#[error("file storage: {0}")]
pub struct FileError(String);

impl FileError {
    pub(super) fn from_store(error: object_store::Error) -> Self {
        FileError(error.to_string())
    }
}

/// Where one file is: the site and conversation it was uploaded to, and its own id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileKey {
    /// The conversation's site.
    pub site: SiteId,
    /// The conversation the file was uploaded to.
    pub conversation: ConversationId,
    /// The file.
    pub file: FileId,
}

impl FileKey {
    /// The id a file link names: `site.conversation.file`, which finds the file without a
    /// look-up (the link's signature, not this id, is what grants access).
    pub fn link_id(&self) -> String {
        format!("{}.{}.{}", self.site, self.conversation, self.file)
    }

    /// A link id back to its key; `None` unless it is three valid ids.
    pub fn from_link_id(text: &str) -> Option<FileKey> {
        let mut parts = text.split('.');
        let key = FileKey {
            site: SiteId::parse(parts.next()?).ok()?,
            conversation: ConversationId::parse(parts.next()?).ok()?,
            file: FileId::parse(parts.next()?).ok()?,
        };
        parts.next().is_none().then_some(key)
    }

    fn path(&self) -> Path {
        Path::from(format!("{}/{}/{}", self.site, self.conversation, self.file))
    }

    fn thumb_path(&self) -> Path {
        Path::from(format!(
            "{}/{}/{}.thumb",
            self.site, self.conversation, self.file
        ))
    }

    fn meta_path(&self) -> Path {
        Path::from(format!(
            "{}/{}/{}.json",
            self.site, self.conversation, self.file
        ))
    }
}

/// What is known of a stored file besides its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileMeta {
    /// The name the sender gave (shown, and offered when saving; never a path).
    pub name: String,
    /// The type as sniffed from the bytes.
    pub content_type: String,
    /// Size in bytes, as stored (after metadata was removed).
    pub size: u64,
    /// Who uploaded it: a visitor id or an agent id.
    pub uploader: String,
    /// When it was uploaded.
    pub created: Timestamp,
    /// The message that carries it, once one does (a file is used by one message only).
    #[serde(default)]
    pub used_by: Option<String>,
    /// The type of its thumbnail (`FILE.thumb` beside it), for an image larger than one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumb: Option<String>,
}

/// The file back end: the data dir's `files/` folder or an S3-compatible bucket.
#[derive(Clone)]
pub struct FileStore {
    pub(super) inner: Arc<dyn ObjectStore>,
}

impl FileStore {
    /// The store the settings choose; the data dir's is under `data_dir/files`.
    pub fn from_settings(
        settings: &FilesSettings,
        data_dir: &std::path::Path,
    ) -> Result<Self, FileError> {
        match &settings.backend {
            FilesBackend::DataDir => Self::data_dir(&data_dir.join("files")),
            FilesBackend::S3(s3) => {
                let store = object_store::aws::AmazonS3Builder::new()
                    .with_endpoint(&s3.endpoint)
                    .with_bucket_name(&s3.bucket)
                    .with_region(&s3.region)
                    .with_access_key_id(&s3.access_key_id)
                    .with_secret_access_key(&s3.secret_access_key)
                    .with_allow_http(s3.allow_http)
                    // Path-style requests work with every S3-compatible server.
                    .with_virtual_hosted_style_request(false)
                    .build()
                    .map_err(FileError::from_store)?;
                Ok(Self::over(Arc::new(store)))
            }
        }
    }

    /// Files in a folder (created when missing).
    pub fn data_dir(dir: &std::path::Path) -> Result<Self, FileError> {
        std::fs::create_dir_all(dir).map_err(|e| FileError(e.to_string()))?;
        let store = object_store::local::LocalFileSystem::new_with_prefix(dir)
            .map_err(FileError::from_store)?;
        Ok(Self::over(Arc::new(store)))
    }

    /// Files in any object store (the tests' in-memory one, a bucket built elsewhere).
    pub fn over(inner: Arc<dyn ObjectStore>) -> Self {
        FileStore { inner }
    }

    /// Keeps a file and its metadata (the bytes first: metadata never names a missing file).
    pub async fn put(&self, key: &FileKey, bytes: Bytes, meta: &FileMeta) -> Result<(), FileError> {
        self.inner
            .put(&key.path(), PutPayload::from_bytes(bytes))
            .await
            .map_err(FileError::from_store)?;
        self.put_meta(key, meta).await
    }

    /// Replaces a file's metadata (marking it used).
    pub async fn put_meta(&self, key: &FileKey, meta: &FileMeta) -> Result<(), FileError> {
        let json = serde_json::to_vec(meta).map_err(|e| FileError(e.to_string()))?;
        self.inner
            .put(&key.meta_path(), PutPayload::from(json))
            .await
            .map_err(FileError::from_store)?;
        Ok(())
    }

    /// A file's metadata; `None` when there is no such file.
    pub async fn meta(&self, key: &FileKey) -> Result<Option<FileMeta>, FileError> {
        let Some(json) = self.read(&key.meta_path()).await? else {
            return Ok(None);
        };
        serde_json::from_slice(&json)
            .map(Some)
            .map_err(|e| FileError(format!("metadata of {}: {e}", key.link_id())))
    }

    /// Keeps a file's thumbnail (made by [`super::thumb`]) beside it; erasing the conversation
    /// and the sweep of unused uploads take it with the file.
    pub async fn put_thumb(&self, key: &FileKey, bytes: Bytes) -> Result<(), FileError> {
        self.inner
            .put(&key.thumb_path(), PutPayload::from_bytes(bytes))
            .await
            .map(|_| ())
            .map_err(FileError::from_store)
    }

    /// A file's thumbnail and its type; `None` when the file has none.
    pub async fn thumb(&self, key: &FileKey) -> Result<Option<(Bytes, String)>, FileError> {
        let Some(meta) = self.meta(key).await? else {
            return Ok(None);
        };
        let Some(content_type) = meta.thumb else {
            return Ok(None);
        };
        Ok(self
            .read(&key.thumb_path())
            .await?
            .map(|bytes| (bytes, content_type)))
    }

    /// A file's bytes and metadata; `None` when there is no such file.
    pub async fn get(&self, key: &FileKey) -> Result<Option<(Bytes, FileMeta)>, FileError> {
        let Some(meta) = self.meta(key).await? else {
            return Ok(None);
        };
        Ok(self.read(&key.path()).await?.map(|bytes| (bytes, meta)))
    }

    pub(super) async fn read(&self, path: &Path) -> Result<Option<Bytes>, FileError> {
        match self.inner.get(path).await {
            Ok(found) => found.bytes().await.map(Some).map_err(FileError::from_store),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(FileError::from_store(e)),
        }
    }

    /// Deletes every file of a conversation (erasure, retention); returns how many objects.
    pub async fn delete_conversation(
        &self,
        site: &SiteId,
        conversation: &ConversationId,
    ) -> Result<usize, FileError> {
        let prefix = Path::from(format!("{site}/{conversation}"));
        let found: Vec<Path> = self
            .inner
            .list(Some(&prefix))
            .map_ok(|m| m.location)
            .try_collect()
            .await
            .map_err(FileError::from_store)?;
        for path in &found {
            self.delete(path).await?;
        }
        Ok(found.len())
    }

    /// Every conversation that has files, as `(site, conversation)`: what the sweep checks
    /// against the store (a conversation deleted by retention or the CLI leaves its files).
    pub async fn conversations(&self) -> Result<Vec<(SiteId, ConversationId)>, FileError> {
        let sites = self
            .inner
            .list_with_delimiter(None)
            .await
            .map_err(FileError::from_store)?;
        let mut found = Vec::new();
        for site_prefix in sites.common_prefixes {
            let Ok(site) = SiteId::parse(site_prefix.as_ref()) else {
                continue;
            };
            let convs = self
                .inner
                .list_with_delimiter(Some(&site_prefix))
                .await
                .map_err(FileError::from_store)?;
            for conv_prefix in convs.common_prefixes {
                let name = conv_prefix.filename().unwrap_or_default();
                if let Ok(conv) = ConversationId::parse(name) {
                    found.push((site.clone(), conv));
                }
            }
        }
        Ok(found)
    }

    pub(super) async fn delete(&self, path: &Path) -> Result<(), FileError> {
        match self.inner.delete(path).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(FileError::from_store(e)),
        }
    }

    /// Deletes uploads that no message used and that were uploaded before `before`;
    /// returns how many files. Walks every file's metadata: run it rarely (daily).
    pub async fn sweep_unused(&self, before: Timestamp) -> Result<usize, FileError> {
        let metas: Vec<Path> = self
            .inner
            .list(None)
            .try_filter(|m| std::future::ready(m.location.as_ref().ends_with(".json")))
            .map_ok(|m| m.location)
            .try_collect()
            .await
            .map_err(FileError::from_store)?;
        let mut swept = 0;
        for meta_path in metas {
            let Some(key) = key_of_meta(&meta_path) else {
                continue;
            };
            let Some(meta) = self.meta(&key).await? else {
                continue;
            };
            if meta.used_by.is_none() && meta.created.0 < before.0 {
                self.delete(&key.thumb_path()).await?;
                self.delete(&key.path()).await?;
                self.delete(&meta_path).await?;
                swept += 1;
            }
        }
        Ok(swept)
    }
}

/// `site/conversation/file.json` back to the file's key.
fn key_of_meta(path: &Path) -> Option<FileKey> {
    let text = path.as_ref().strip_suffix(".json")?;
    FileKey::from_link_id(&text.replace('/', "."))
}
