//! Per-address and per-job budgets that keep a stranger from exhausting a node.

use std::time::Duration;

/// Budgets that keep a stranger from exhausting a node. Each acts before the work it guards:
/// a socket is refused before it is upgraded, a login before its password is hashed.
#[derive(Debug, Clone)]
pub struct Guards {
    /// A shopper socket that has not said `hello` by then is closed (1008).
    pub hello_timeout: Duration,
    /// Sockets one client address may hold before `hello` / `auth`; more are refused (429).
    pub max_pending_sockets_per_addr: usize,
    /// Peers whose `X-Forwarded-For` names the real client (a load balancer in front).
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// A shopper session token older than this starts a new visitor.
    pub session_ttl: Duration,
    /// New anonymous visitors per client address per minute.
    pub new_visitors_per_addr_per_min: u32,
    /// New conversations per client address per minute.
    pub new_conversations_per_addr_per_min: u32,
    /// Password hashes (argon2id, ~19 MiB each) computed at once.
    pub password_jobs: usize,
    /// Login attempts per client address per minute.
    pub login_per_addr_per_min: u32,
    /// Login attempts per email and client address per minute.
    pub login_per_email_addr_per_min: u32,
    /// Login attempts per email from everywhere per minute: looser, so a stranger cannot lock
    /// a real user out, but still a ceiling on distributed guessing.
    pub login_per_email_per_min: u32,
}

impl Default for Guards {
    fn default() -> Self {
        Guards {
            hello_timeout: Duration::from_secs(10),
            max_pending_sockets_per_addr: 64,
            trusted_proxies: Vec::new(),
            session_ttl: Duration::from_secs(90 * 24 * 3600),
            new_visitors_per_addr_per_min: 60,
            new_conversations_per_addr_per_min: 20,
            password_jobs: std::thread::available_parallelism().map_or(2, |n| n.get()),
            login_per_addr_per_min: 30,
            login_per_email_addr_per_min: 10,
            login_per_email_per_min: 100,
        }
    }
}
