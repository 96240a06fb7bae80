//! Attachments, the use cases: an upload token for a participant of an open conversation, an
//! upload checked against the site's limits (size before the body is read, type sniffed from
//! the bytes, location metadata removed from images), scanned for viruses when the server has
//! a clamd, and kept under ids only, the signed
//! link a file is fetched by, and the attachments a message carries, checked and marked used.
//! The HTTP edge reads the body; everything it decides on comes from here. Agents' avatars
//! are checked the same way (`avatars`).

mod avatars;
mod messages;

pub use avatars::AVATAR_MAX_BYTES;

use super::ChatService;
use crate::conversation::attachments::AttachmentSettings;
use crate::conversation::{Conversation, Stage};
use crate::domain::{AgentId, FileId, SiteId, Timestamp, VisitorId};
use crate::files::{
    FileError, FileKey, FileMeta, LINK_TTL_MS, ScanError, UPLOAD_TOKEN_TTL_MS, UploadGrant,
    Verdict, sniff, thumb,
};
use bytes::Bytes;
use serde::Serialize;

/// [`thumb::thumbnail`] on the blocking pool (decoding would stall an async thread for tens of
/// milliseconds); `None` for a file that is no image, needs none or does not decode. Callers
/// hold an upload slot, which bounds how many run at once.
async fn thumbnail_off_thread(
    content_type: &'static str,
    bytes: &Bytes,
) -> Option<thumb::Thumbnail> {
    if !content_type.starts_with("image/") {
        return None;
    }
    let image = bytes.clone();
    tokio::task::spawn_blocking(move || thumb::thumbnail(content_type, &image))
        .await
        .ok()
        .flatten()
}

/// Longest file name kept (characters); a longer one is cut, never refused.
const MAX_NAME_CHARS: usize = 120;
/// Uploads a node reads at once: each is held in memory (up to a site's `max_bytes`, at most
/// 25 MiB) while it is sniffed, stripped and scanned, so this bounds that memory to 200 MiB
/// (and the node's connections to the virus scanner to 8).
pub(super) const UPLOAD_SLOTS: usize = 8;

/// Why an upload or an upload token was refused; the edge answers each with its own status
/// and the field at fault.
#[derive(Debug, thiserror::Error)]
pub enum UploadRefused {
    /// The token is not genuine, expired, or names a conversation that is closed or gone.
    #[error("the upload token is not valid")]
    BadToken,
    /// The site does not take attachments.
    #[error("this site does not accept attachments")]
    Disabled,
    /// The conversation is closed.
    #[error("the conversation is closed")]
    Closed,
    /// Larger than the site allows.
    #[error("the file is larger than {max} bytes")]
    TooLarge {
        /// The site's limit.
        max: u64,
    },
    /// The sniffed type is not one the site accepts.
    #[error("files of type {0} are not accepted")]
    Type(String),
    /// An image that does not parse, so its metadata could not be removed.
    #[error(transparent)]
    Damaged(#[from] sniff::SniffError),
    /// The virus scanner found a signature in the file: its name.
    #[error("the virus scanner found {0} in this file; it was not kept")]
    Infected(String),
    /// The server scans uploads and its scanner could not give a verdict (unreachable, too
    /// slow, or refusing the file): nothing unscanned is kept.
    #[error("the virus scanner is unavailable; the file was not kept, try again later")]
    ScannerUnavailable(#[source] ScanError),
    /// The file back end failed.
    #[error(transparent)]
    Storage(#[from] FileError),
    /// The shopper has no open conversation, or named one that is not its open one.
    #[error("no open conversation of this visitor to attach files to")]
    NoConversation,
    /// The store failed while the conversation was read.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

impl UploadRefused {
    /// The code of the `error` frame a shopper's socket gets.
    pub fn code(&self) -> crate::protocol::ErrorCode {
        use crate::protocol::ErrorCode;
        match self {
            UploadRefused::NoConversation | UploadRefused::BadToken => ErrorCode::NoConversation,
            UploadRefused::Closed => ErrorCode::NoConversation,
            UploadRefused::Disabled => ErrorCode::NotAllowed,
            UploadRefused::TooLarge { .. }
            | UploadRefused::Type(_)
            | UploadRefused::Damaged(_)
            | UploadRefused::Infected(_) => ErrorCode::InvalidField,
            UploadRefused::Storage(_)
            | UploadRefused::Store(_)
            | UploadRefused::ScannerUnavailable(_) => ErrorCode::Internal,
        }
    }
}

/// What an upload token is, as answered to the one who asked.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct IssuedUploadToken {
    /// Sent as `Authorization: Bearer …` (or `?token=`) on `POST /uploads`.
    pub token: String,
    /// When it stops working, ms since the epoch.
    #[schema(value_type = i64)]
    pub expires_at: Timestamp,
    /// The site's limits, so a client can refuse a file before sending it.
    pub limits: AttachmentSettings,
}

/// An uploaded file as its uploader and the message's readers see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FileView {
    /// The file's id (`f_…`), which a message's `attachments` names.
    #[schema(value_type = String)]
    pub id: FileId,
    /// The name the sender gave (text, never a path).
    pub name: String,
    /// The type as sniffed from the bytes.
    #[serde(rename = "type")]
    pub content_type: String,
    /// Size in bytes as stored.
    pub size: u64,
    /// `/files/…?exp=…&sig=…`: a signed link that works for an hour; absent in the upload's
    /// answer (the file is reached through the message that carries it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

impl ChatService {
    /// An upload token for an agent of the conversation's site (the caller checked that)
    /// while the conversation is open.
    pub async fn agent_upload_token(
        &self,
        conversation: &Conversation,
        agent: &AgentId,
    ) -> Result<IssuedUploadToken, UploadRefused> {
        self.upload_token(conversation, agent.to_string()).await
    }

    /// An upload token for the shopper of an open conversation; another visitor's
    /// conversation is refused as if it did not exist.
    pub async fn shopper_upload_token(
        &self,
        conversation: &Conversation,
        visitor: &VisitorId,
    ) -> Result<IssuedUploadToken, UploadRefused> {
        if &conversation.visitor_id != visitor {
            return Err(UploadRefused::BadToken);
        }
        self.upload_token(conversation, visitor.to_string()).await
    }

    async fn upload_token(
        &self,
        conversation: &Conversation,
        uploader: String,
    ) -> Result<IssuedUploadToken, UploadRefused> {
        let limits = self
            .settings(&conversation.site_id)
            .await
            .attachments
            .clone();
        if !limits.enabled {
            return Err(UploadRefused::Disabled);
        }
        if conversation.lifecycle.stage == Stage::Closed {
            return Err(UploadRefused::Closed);
        }
        let grant = UploadGrant {
            site: conversation.site_id.clone(),
            conversation: conversation.id.clone(),
            uploader,
            expires_at: Timestamp(Timestamp::now().0 + UPLOAD_TOKEN_TTL_MS),
        };
        Ok(IssuedUploadToken {
            token: self.file_keys.upload_token(&grant),
            expires_at: grant.expires_at,
            limits,
        })
    }

    /// One of this node's upload slots, held while a body is read and kept; `None` when all
    /// are in use (the edge answers 503 with `Retry-After`, nothing read).
    pub fn upload_slot(&self) -> Option<tokio::sync::OwnedSemaphorePermit> {
        self.upload_slots.clone().try_acquire_owned().ok()
    }

    /// Uploads this node is reading now (for `/metrics`).
    pub fn uploads_in_flight(&self) -> usize {
        UPLOAD_SLOTS - self.upload_slots.available_permits()
    }

    /// What a token allows and the site's limits, checked before the body is read: the edge
    /// refuses a body longer than `max_bytes` without reading it.
    pub async fn upload_grant(
        &self,
        token: &str,
    ) -> Result<(UploadGrant, AttachmentSettings), UploadRefused> {
        let grant = self
            .file_keys
            .check_upload_token(token, Timestamp::now())
            .ok_or(UploadRefused::BadToken)?;
        let limits = self.settings(&grant.site).await.attachments.clone();
        if !limits.enabled {
            return Err(UploadRefused::Disabled);
        }
        Ok((grant, limits))
    }

    /// Keeps an uploaded file: its type sniffed and checked against the site's list, image
    /// metadata removed, scanned when the server has a virus scanner, stored under
    /// `site/conversation/file` with the sender's name as metadata only.
    pub async fn store_upload(
        &self,
        grant: &UploadGrant,
        limits: &AttachmentSettings,
        name: &str,
        bytes: Bytes,
    ) -> Result<FileView, UploadRefused> {
        if bytes.len() as u64 > limits.max_bytes {
            return Err(UploadRefused::TooLarge {
                max: limits.max_bytes,
            });
        }
        let content_type = sniff::sniff(&bytes);
        if !limits.accepts(content_type) {
            return Err(UploadRefused::Type(content_type.to_owned()));
        }
        let bytes = sniff::strip_metadata(content_type, bytes)?;
        // Scanned after the metadata is removed: the bytes scanned are exactly the bytes kept
        // and served (removing a block joins what was around it, which the original did not
        // hold side by side), and what was removed is never kept, so it needs no verdict.
        // After the cheap checks, so the scanner only sees files that would otherwise be kept.
        let upload = format!(
            "site {} conversation {} uploader {}",
            grant.site, grant.conversation, grant.uploader
        );
        self.scan(&upload, &bytes).await?;
        let key = FileKey {
            site: grant.site.clone(),
            conversation: grant.conversation.clone(),
            file: FileId::generate(),
        };
        // An image larger than a thumbnail gets one, made off the async threads (decoding is
        // the expensive step, bounded by the upload slot the caller holds and the decoder's
        // limits); one that will not decode is kept without (it is shown as it is).
        let thumb = thumbnail_off_thread(content_type, &bytes).await;
        let meta = FileMeta {
            name: clean_name(name),
            content_type: content_type.to_owned(),
            size: bytes.len() as u64,
            uploader: grant.uploader.clone(),
            created: Timestamp::now(),
            used_by: None,
            thumb: thumb.as_ref().map(|t| t.content_type.to_owned()),
        };
        if let Some(thumb) = thumb {
            self.files.put_thumb(&key, thumb.bytes).await?;
        }
        self.files.put(&key, bytes, &meta).await?;
        Ok(view(&key, &meta, None))
    }

    /// The virus scan of an upload, when the server has a scanner: clean passes, a signature
    /// found refuses the file, and no verdict refuses it too (fail closed: an owner who
    /// configured scanning expects no unscanned file to be kept). Logs name the upload's
    /// site and conversation (`upload`: whose file it is, for the log), never its content.
    /// Agents' avatars go through it too.
    pub(super) async fn scan(&self, upload: &str, bytes: &[u8]) -> Result<(), UploadRefused> {
        let Some(scanner) = &self.scanner else {
            return Ok(());
        };
        let verdict = scanner.scan(bytes).await;
        let result = match &verdict {
            Ok(Verdict::Clean) => "clean",
            Ok(Verdict::Infected(_)) => "infected",
            Err(_) => "error",
        };
        metrics::counter!("shopchat_uploads_scanned_total", "result" => result).increment(1);
        match verdict {
            Ok(Verdict::Clean) => Ok(()),
            Ok(Verdict::Infected(signature)) => {
                tracing::warn!(
                    %upload,
                    %signature,
                    "upload refused: the virus scanner found a signature"
                );
                Err(UploadRefused::Infected(signature))
            }
            Err(error) => {
                tracing::warn!(
                    %upload,
                    clamd = %scanner.address(),
                    %error,
                    "upload refused: no verdict from the virus scanner"
                );
                Err(UploadRefused::ScannerUnavailable(error))
            }
        }
    }

    /// A file by its signed link: `None` for a bad or expired signature or an unknown file
    /// (the answer never tells which).
    pub async fn open_file(
        &self,
        link_id: &str,
        exp: i64,
        sig: &str,
    ) -> Result<Option<(Bytes, FileMeta)>, FileError> {
        let Some(key) = self.linked_key(link_id, exp, sig) else {
            return Ok(None);
        };
        self.files.get(&key).await
    }

    /// The file a genuine, unexpired link names; `None` for any other link.
    fn linked_key(&self, link_id: &str, exp: i64, sig: &str) -> Option<FileKey> {
        self.file_keys
            .link_is_valid(link_id, exp, sig, Timestamp::now())
            .then(|| FileKey::from_link_id(link_id))
            .flatten()
    }

    /// A file's thumbnail (bytes and type) by the file's own signed link: the small copy is
    /// the same capability as the file. `None` as [`Self::open_file`], or when it has none.
    pub async fn open_thumb(
        &self,
        link_id: &str,
        exp: i64,
        sig: &str,
    ) -> Result<Option<(Bytes, String)>, FileError> {
        let Some(key) = self.linked_key(link_id, exp, sig) else {
            return Ok(None);
        };
        self.files.thumb(&key).await
    }

    /// A file of a conversation as a reader sees it, with a freshly signed link; `None` when
    /// the conversation has no such file.
    pub async fn file_view(
        &self,
        conversation: &Conversation,
        file: &FileId,
    ) -> Result<Option<FileView>, FileError> {
        let key = FileKey {
            site: conversation.site_id.clone(),
            conversation: conversation.id.clone(),
            file: file.clone(),
        };
        let Some(meta) = self.files.meta(&key).await? else {
            return Ok(None);
        };
        let exp = Timestamp(Timestamp::now().0 + LINK_TTL_MS);
        let sig = self.file_keys.link_signature(&key.link_id(), exp);
        let url = format!("/files/{}?exp={}&sig={sig}", key.link_id(), exp.0);
        Ok(Some(view(&key, &meta, Some(url))))
    }

    /// Deletes a conversation's files (erasure and retention).
    pub async fn delete_conversation_files(
        &self,
        conversation: &Conversation,
    ) -> Result<usize, FileError> {
        self.files
            .delete_conversation(&conversation.site_id, &conversation.id)
            .await
    }

    /// Deletes the files of every conversation of a visitor (erasure), before the store
    /// forgets which conversations were theirs; returns how many objects.
    pub(crate) async fn erase_visitor_files(
        &self,
        site: &SiteId,
        visitor: &VisitorId,
    ) -> Result<usize, super::ChatError> {
        let filter = crate::conversation::ConversationFilter {
            site: Some(site.clone()),
            visitor: Some(visitor.clone()),
            limit: u32::MAX,
            ..Default::default()
        };
        let mut deleted = 0;
        for conv in self.store.find_conversations(&filter).await? {
            deleted += self.delete_conversation_files(&conv).await?;
        }
        Ok(deleted)
    }

    /// The file sweep, run with the retention sweep: uploads no message used within a day,
    /// and the files of conversations the store no longer has (expired by retention, or
    /// erased by the CLI, which does not reach the file back end). Returns how many files
    /// and conversations it removed.
    pub async fn sweep_files(&self) -> Result<usize, super::ChatError> {
        let before = Timestamp(Timestamp::now().0 - crate::files::UNUSED_UPLOAD_TTL_MS);
        let mut removed = self.files.sweep_unused(before).await?;
        for (site, conversation) in self.files.conversations().await? {
            if self.store.conversation(&conversation).await?.is_none() {
                self.files.delete_conversation(&site, &conversation).await?;
                removed += 1;
            }
        }
        Ok(removed)
    }
}

fn view(key: &FileKey, meta: &FileMeta, url: Option<String>) -> FileView {
    FileView {
        id: key.file.clone(),
        name: meta.name.clone(),
        content_type: meta.content_type.clone(),
        size: meta.size,
        url,
    }
}

/// The name shown: the last path part of what the sender gave, without control characters,
/// cut to [`MAX_NAME_CHARS`]; `file` when nothing is left. Never used as a path.
fn clean_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let clean: String = last
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_NAME_CHARS)
        .collect();
    let clean = clean.trim();
    if clean.is_empty() || clean == "." || clean == ".." {
        "file".to_owned()
    } else {
        clean.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::clean_name;

    #[test]
    fn a_name_is_text_never_a_path() {
        assert_eq!(clean_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_name("C:\\x\\a\u{0}b.png"), "ab.png");
        assert_eq!(clean_name(".."), "file");
        assert_eq!(clean_name(""), "file");
    }
}
