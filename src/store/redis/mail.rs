//! Email in redis: settings, the outbox, the delivery log, threads, suppressions,
//! inbound records and one-time codes. (Skeleton: filled in by the email store work.)

#![allow(unused_variables)] // skeleton: every method is still to be written

use super::RedisStore;
use crate::domain::{ConversationId, SiteId, Timestamp};
use crate::store::{Mail, StoreError};
use async_trait::async_trait;

#[async_trait]
impl Mail for RedisStore {
    async fn email_settings(
        &self,
        site: &SiteId,
    ) -> Result<Option<crate::email::EmailSettings>, StoreError> {
        todo!("email store")
    }

    async fn put_email_settings(
        &self,
        site: &SiteId,
        settings: &crate::email::EmailSettings,
    ) -> Result<(), StoreError> {
        todo!("email store")
    }

    async fn enqueue_email(&self, email: &crate::email::OutboxEmail) -> Result<bool, StoreError> {
        todo!("email store")
    }

    async fn claim_emails(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        limit: usize,
    ) -> Result<Vec<crate::email::OutboxEmail>, StoreError> {
        todo!("email store")
    }

    async fn finish_email(
        &self,
        id: &crate::domain::EmailId,
        entry: &crate::email::EmailLogEntry,
        keep: usize,
    ) -> Result<(), StoreError> {
        todo!("email store")
    }

    async fn email_by_key(
        &self,
        site: &SiteId,
        key: &str,
    ) -> Result<Option<crate::email::OutboxEmail>, StoreError> {
        todo!("email store")
    }

    async fn email_log(
        &self,
        site: &SiteId,
        limit: usize,
    ) -> Result<Vec<crate::email::EmailLogEntry>, StoreError> {
        todo!("email store")
    }

    async fn pending_emails(&self) -> Result<u64, StoreError> {
        todo!("email store")
    }

    async fn emails_since(
        &self,
        site: &SiteId,
        to: Option<&str>,
        since: Timestamp,
    ) -> Result<u64, StoreError> {
        todo!("email store")
    }

    async fn thread(
        &self,
        site: &SiteId,
        conversation: &ConversationId,
        new_token: &str,
    ) -> Result<crate::email::MailThread, StoreError> {
        todo!("email store")
    }

    async fn mark_emailed(
        &self,
        conversation: &ConversationId,
        seq: u64,
    ) -> Result<(), StoreError> {
        todo!("email store")
    }

    async fn thread_by_token(
        &self,
        token: &str,
    ) -> Result<Option<crate::email::MailThread>, StoreError> {
        todo!("email store")
    }

    async fn suppress(&self, entry: &crate::email::Suppression) -> Result<(), StoreError> {
        todo!("email store")
    }

    async fn suppression(
        &self,
        site: &SiteId,
        email: &str,
    ) -> Result<Option<crate::email::Suppression>, StoreError> {
        todo!("email store")
    }

    async fn suppressions(
        &self,
        site: &SiteId,
        limit: usize,
    ) -> Result<Vec<crate::email::Suppression>, StoreError> {
        todo!("email store")
    }

    async fn unsuppress(&self, site: &SiteId, email: &str) -> Result<bool, StoreError> {
        todo!("email store")
    }

    async fn record_inbound(&self, record: &crate::email::InboundRecord) -> Result<(), StoreError> {
        todo!("email store")
    }

    async fn inbound_emails(
        &self,
        conversation: &ConversationId,
    ) -> Result<Vec<crate::email::InboundRecord>, StoreError> {
        todo!("email store")
    }

    async fn put_email_code(
        &self,
        site: &SiteId,
        email: &str,
        code_hash: &str,
        expires: Timestamp,
    ) -> Result<(), StoreError> {
        todo!("email store")
    }

    async fn take_email_code(
        &self,
        site: &SiteId,
        email: &str,
        code_hash: &str,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        todo!("email store")
    }
}
