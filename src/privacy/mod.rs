//! Data-subject rights and retention as values, with no I/O: who an owner asks about (the
//! [`Subject`]), what an export holds ([`ExportDocument`]), what an erasure removed
//! ([`Counts`]), how long a site keeps data ([`RetentionSettings`]) and the audit record of
//! who exported or erased what ([`AuditEntry`]). The application (`chat::privacy`) finds and
//! removes the data through the store's `Privacy` area and the other areas' reads.

mod audit;
mod export;
mod retention;
mod subject;

pub use audit::{Action, Actor, AuditEntry, AuditSubject, email_digest};
pub use export::{ConversationExport, Counts, ExportDocument, LinkedCustomer, VisitorExport};
pub use retention::{MAX_RETENTION_DAYS, RetentionSettings, cutoff};
pub use subject::{Subject, SubjectError, SubjectRequest};
