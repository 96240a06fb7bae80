//! Accounts: who a request's token belongs to, the credentials a login checks, a new token
//! after a login, a password change that revokes every earlier token, and an account's own
//! name and email. Password hashing
//! stays at the edge (its bounded job pool belongs to the HTTP state); these methods are the
//! store and bus side of it.

use crate::auth::JwtError;
use crate::bus::BusEvent;
use crate::chat::{ChatError, ChatService};
use crate::domain::{AgentId, Email, SiteId};
use crate::store::{AccountChange, Agent, AgentCredentials, Membership};

/// A freshly issued agent token and its expiry (seconds since the epoch).
#[derive(Debug, Clone)]
pub struct IssuedToken {
    /// The JWT.
    pub token: String,
    /// When it stops working.
    pub expires_at: u64,
}

/// Why an account action could not finish.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// The account was deleted meanwhile.
    #[error("account no longer exists")]
    Gone,
    /// Signing the token failed (not expected with an HMAC key).
    #[error(transparent)]
    Sign(#[from] JwtError),
    /// The store failed.
    #[error(transparent)]
    Chat(#[from] ChatError),
}

impl ChatService {
    /// The account behind a checked token and its site memberships, or `None` if it was
    /// deleted: what every authenticated request starts from.
    pub async fn account(
        &self,
        agent: &AgentId,
    ) -> Result<Option<(Agent, Vec<Membership>)>, ChatError> {
        let Some(found) = self.store.agent(agent).await? else {
            return Ok(None);
        };
        let memberships = self.store.memberships(agent).await?;
        Ok(Some((found, memberships)))
    }

    /// The account with this login email and its password hash, if there is one.
    pub async fn credentials(&self, email: &Email) -> Result<Option<AgentCredentials>, ChatError> {
        Ok(self.store.agent_credentials(email).await?)
    }

    /// A token at the account's current generation, so a later password change revokes it.
    pub async fn issue_token(&self, agent: &AgentId) -> Result<IssuedToken, AccountError> {
        let generation = self
            .store
            .token_generation(agent)
            .await
            .map_err(ChatError::from)?
            .ok_or(AccountError::Gone)?;
        let (token, expires_at) = self.jwt.issue(agent, generation)?;
        Ok(IssuedToken { token, expires_at })
    }

    /// Stores a new password hash (which bumps the token generation: every earlier token
    /// stops working), closes the agent's open dashboards so they re-authenticate, and issues
    /// the token the caller continues with. `any_site` is one of the agent's sites: a
    /// reconnect sent to any site reaches all of the agent's sockets.
    pub async fn password_changed(
        &self,
        agent: &AgentId,
        any_site: Option<&SiteId>,
        hash: String,
    ) -> Result<IssuedToken, AccountError> {
        self.store
            .set_password(agent, hash, false)
            .await
            .map_err(ChatError::from)?;
        if let Some(site) = any_site {
            self.publish(BusEvent::reconnect_agent(site, agent)).await;
        }
        self.issue_token(agent).await
    }

    /// Changes the account's display name and/or login email: checked at the edge, where an
    /// email change's password is verified too (hashing belongs there). Nothing is cached or
    /// announced: every message, status and `ready` frame reads the agent's name from the
    /// store, so shoppers see the new name from the next one on, on every node.
    pub async fn update_account(
        &self,
        agent: &AgentId,
        change: AccountChange,
    ) -> Result<Agent, ChatError> {
        Ok(self.store.update_account(agent, &change).await?)
    }
}
