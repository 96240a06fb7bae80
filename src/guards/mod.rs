//! Bounds for strangers, shared by the HTTP and socket edges and kept in `AppState`: who a
//! request comes from ([`ClientAddr`], behind trusted proxies, IPv6 by /64), per-key budgets
//! per minute ([`Budget`]), the login budgets ([`LoginBudgets`]) and the unidentified sockets
//! per address ([`PendingSockets`]). Below both edges, so neither imports the other.

mod client_addr;
mod logins;
mod pending;

pub use client_addr::{Budget, ClientAddr};
pub use logins::LoginBudgets;
pub use pending::{PendingSlot, PendingSockets};
