//! The owners' and agents' REST use cases: sites, accounts, the team, rules, the library
//! (articles, canned replies, suggestions), conversations read over REST, reports and
//! readiness. Each is an `impl ChatService` block, so the HTTP edge reaches the store, the
//! bus, the hub and the caches only through these methods: a handler decodes, authorises,
//! calls one method and encodes.

mod accounts;
mod conversations;
mod health;
mod library;
mod outbound;
mod reports;
mod rules;
mod sites;
mod suggestions;
mod team;

pub use accounts::{AccountError, IssuedToken};
pub use conversations::TranscriptEntry;
pub use outbound::{CreatedEndpoint, EndpointView, MAX_ENDPOINTS, NewEndpoint};
pub use reports::SiteReport;
pub use suggestions::Suggestion;
pub use team::{Invitation, MemberChange};
