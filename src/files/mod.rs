//! Attachments' outbound side: where uploaded files are kept ([`FileStore`], the data dir on
//! one node or an S3-compatible bucket for several, behind one `object_store` interface),
//! what a file really is ([`sniff`]: the type read from its bytes, location metadata removed
//! from images) and the two signed strings around it ([`FileKeys`]: the short-lived upload
//! token bound to a conversation, and the expiring link a file is fetched with), and the
//! optional virus scan before a file is kept ([`scan`]: a clamd over its `INSTREAM` protocol).
//! Agents' avatars live in the same store ([`avatars`]); images get a small copy to show
//! ([`thumb`]).
//! The use cases (who may upload where, what a message may carry) are the application's
//! (`chat::attachments`); this module knows nothing of sites' rules.

mod avatars;
mod keys;
pub mod scan;
pub mod sniff;
mod store;
pub mod thumb;

pub use keys::{FileKeys, LINK_TTL_MS, UPLOAD_TOKEN_TTL_MS, UploadGrant};
pub use scan::{ScanError, Scanner, Verdict};
pub use store::{FileError, FileKey, FileMeta, FileStore, UNUSED_UPLOAD_TTL_MS};
