//! What the HTTP handlers and sockets share: the application ([`ChatService`]) and the edge's
//! own concerns (the shopper session key, budgets for strangers, the bound on password
//! hashing, the shutdown signal). Agent tokens are the service's: it issues and checks them.
//! Built once by `startup`; cheap to clone.

use crate::auth::{PasswordJobs, SessionKey};
use crate::chat::ChatService;
use crate::config::Settings;
use crate::guards::{Budget, ClientAddr, LoginBudgets, PendingSockets};
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// Everything a request or socket handler needs, cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The application: every use case goes through it.
    pub chat: ChatService,
    /// Shopper session token key.
    pub sessions: SessionKey,
    /// Login budgets (per address, per email and address, per email), shared by every worker.
    pub logins: Arc<LoginBudgets>,
    /// The bound on argon2 work (logins, password changes, invitations).
    pub passwords: PasswordJobs,
    /// The settings the server runs with.
    pub settings: Arc<Settings>,
    /// Cancelled when the server shuts down, so sockets can close with "restarting".
    pub shutdown: CancellationToken,
    /// Sockets per client address that have not said `hello` or authenticated yet.
    pub pending_sockets: Arc<PendingSockets>,
    /// New anonymous visitors per client address.
    pub new_visitors: Arc<Budget<ClientAddr>>,
    /// New conversations per client address.
    pub new_conversations: Arc<Budget<ClientAddr>>,
    /// Emails a shopper asks for (transcripts, codes) per client address, so one stranger
    /// cannot make the shop's relay mail many addresses.
    pub email_requests: Arc<Budget<ClientAddr>>,
    /// Push-API requests per API key, so one shop's sync cannot starve the node.
    pub push_budget: Arc<Budget<crate::domain::ApiKeyId>>,
}
