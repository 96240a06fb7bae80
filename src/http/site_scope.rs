//! The site a site-scoped route acts on: the `{site_id}` of the path, parsed once, and the
//! authenticated caller's membership of it checked before the handler runs (and before its
//! body is read), so no handler can forget the check and another site's agent learns nothing.
//! [`OwnerScope`] adds the owner check that every route changing a site needs.

use super::{ApiError, Caller};
use crate::domain::{Role, SiteId};
use actix_web::{FromRequest, HttpRequest, dev::Payload};
use std::future::Future;
use std::ops::Deref;
use std::pin::Pin;

/// A caller that belongs to the site in the path.
#[derive(Debug, Clone)]
pub struct SiteScope {
    /// Who asks.
    pub caller: Caller,
    /// The site of the path.
    pub site: SiteId,
    /// The caller's role on it.
    pub role: Role,
}

/// A caller that owns the site in the path.
#[derive(Debug, Clone)]
pub struct OwnerScope(pub SiteScope);

impl Deref for OwnerScope {
    type Target = SiteScope;
    fn deref(&self) -> &SiteScope {
        &self.0
    }
}

/// 400 naming `site_id` when the path's site id is malformed (a route without one is a
/// programming error, answered the same way rather than panicking).
fn path_site(req: &HttpRequest) -> Result<SiteId, ApiError> {
    let text = req.match_info().get("site_id").unwrap_or_default();
    SiteId::parse(text)
        .map_err(|e| ApiError::bad_request("invalid_field", e.to_string()).with_field("site_id"))
}

impl FromRequest for SiteScope {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<SiteScope, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let caller = Caller::from_request(req, payload);
        let site = path_site(req);
        Box::pin(async move {
            // Authentication first: a stranger gets 401 whatever the path says.
            let caller = caller.await?;
            let site = site?;
            let role = caller.require_site(&site)?;
            Ok(SiteScope { caller, site, role })
        })
    }
}

impl FromRequest for OwnerScope {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<OwnerScope, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let scope = SiteScope::from_request(req, payload);
        Box::pin(async move {
            let scope = scope.await?;
            match scope.role {
                Role::Owner => Ok(OwnerScope(scope)),
                Role::Agent => Err(ApiError::forbidden("only the site's owners may do this")),
            }
        })
    }
}

impl SiteScope {
    /// The conversation named in the path if it belongs to this site: a malformed id is 400
    /// naming `conversation_id`, another site's conversation 404, never a leak.
    pub async fn conversation(
        &self,
        chat: &crate::chat::ChatService,
        id: &str,
    ) -> Result<crate::conversation::Conversation, ApiError> {
        let id = crate::domain::ConversationId::parse(id).map_err(|e| {
            ApiError::bad_request("invalid_field", e.to_string()).with_field("conversation_id")
        })?;
        Ok(chat.site_conversation(&self.site, &id).await?)
    }
}
