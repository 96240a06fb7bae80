//! Sites as their members see and change them, the demo shop's site, and the site a
//! shopper socket names by public key.

use crate::chat::{ChatError, ChatService};
use crate::domain::{Origin, Role, SiteId, VisitorId};
use crate::store::{Membership, Site};
use crate::triggers::VisitorRecord;

impl ChatService {
    /// The caller's sites with its role on each; a membership whose site is gone is skipped
    /// (it is being deleted), so the list never fails on it.
    pub async fn member_sites(
        &self,
        memberships: &[Membership],
    ) -> Result<Vec<(Site, Role)>, ChatError> {
        let mut sites = Vec::with_capacity(memberships.len());
        for m in memberships {
            if let Some(site) = self.store.site(&m.site_id).await? {
                sites.push((site, m.role));
            }
        }
        Ok(sites)
    }

    /// One site, or `NotFound("site")`.
    pub async fn site(&self, id: &SiteId) -> Result<Site, ChatError> {
        self.store
            .site(id)
            .await?
            .ok_or(ChatError::NotFound("site"))
    }

    /// An owner renames a site or replaces its allowed origins (values checked by the caller);
    /// the shopper handshake reads the site afresh each time, so nothing is cached to drop.
    pub async fn update_site(
        &self,
        id: &SiteId,
        name: Option<String>,
        origins: Option<Vec<Origin>>,
    ) -> Result<Site, ChatError> {
        Ok(self.store.update_site(id, name, origins).await?)
    }

    /// The demo site the first start made (marked in the store, so renaming it keeps
    /// `/demo/` working), if there is one.
    pub async fn demo_site(&self) -> Result<Option<Site>, ChatError> {
        let Some(id) = self.store.server_value(crate::seed::DEMO_MARKER).await? else {
            return Ok(None);
        };
        match SiteId::parse(&id) {
            Ok(id) => Ok(self.store.site(&id).await?),
            Err(_) => Ok(None),
        }
    }

    /// The site a shopper socket names by its public key (checked before the upgrade).
    pub async fn site_by_public_key(&self, key: &str) -> Result<Option<Site>, ChatError> {
        Ok(self.store.site_by_public_key(key).await?)
    }

    /// A visitor's browsing state for an agent, and whether it is online: live on this node if
    /// its socket is here, else as last stored; online if any node has its socket.
    pub async fn visitor_profile(
        &self,
        site: &SiteId,
        visitor: &VisitorId,
    ) -> Result<(VisitorRecord, bool), ChatError> {
        let live = self.hub.visitor_state(site, visitor);
        let online = live.is_some() || self.visitor_live_elsewhere(site, visitor);
        let browsing = match live {
            Some(s) => s,
            None => self
                .store
                .load_visitor(site, visitor)
                .await?
                .ok_or(ChatError::NotFound("visitor"))?,
        };
        Ok((browsing, online))
    }
}
