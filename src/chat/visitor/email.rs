//! The shopper's email requests on a live connection: the transcript, a one-time code, and
//! the code back (which lets the order look-up show the orders placed with that address).

use super::ShopperSession;
use crate::chat::ChatError;
use crate::chat::CodeRefusal;
use crate::guards::ClientAddr;

impl ShopperSession {
    /// "Email me the transcript" for `conversation` (else the latest), to `email` (else the
    /// conversation's contact email). Returns where it goes.
    pub async fn transcript(
        &self,
        conversation: Option<&str>,
        email: Option<&str>,
    ) -> Result<String, ChatError> {
        self.service
            .request_transcript(&self.site.id, &self.visitor, conversation, email)
            .await
    }

    /// Sends a one-time code to `email`. Returns the address.
    pub async fn email_code(&self, email: &str) -> Result<String, ChatError> {
        self.service.send_code(&self.site.id, email).await
    }

    /// Checks the code; a right one proves the address on this connection.
    pub async fn verify_code(
        &mut self,
        email: &str,
        code: &str,
        addr: &ClientAddr,
    ) -> Result<String, CodeRefusal> {
        let proven = self
            .service
            .verify_code(&self.site.id, email, code, addr)
            .await?;
        self.proven_email = Some(proven.clone());
        Ok(proven)
    }
}
