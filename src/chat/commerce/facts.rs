//! Loading the shop's facts about a verified visitor for rules, and marking valued customers'
//! chats so routing serves them first.

use super::super::{ChatService, apply_tag};
use crate::commerce::facts::shop_facts;
use crate::conversation::Conversation;
use crate::domain::{SiteId, VerifiedId, VisitorId};
use crate::triggers::ShopFacts;
use std::sync::Arc;

/// Queue priority of a valued customer's chat: a rule's "high".
const VALUED_PRIORITY: u8 = 5;
/// The tag a valued customer's chat gets, so agents see why it came first.
const VALUED_TAG: &str = "vip";

impl ChatService {
    /// The shop's facts about a verified visitor; `None` when the shop has nothing on them
    /// or the store cannot say now (rules then see the facts as unknown, as for anyone).
    pub(crate) async fn shop_facts(
        &self,
        site: &SiteId,
        verified: &VerifiedId,
    ) -> Option<Arc<ShopFacts>> {
        match self.context_for(site, verified).await {
            Ok(Some(context)) => Some(Arc::new(shop_facts(
                context.customer.as_ref(),
                &context.orders,
            ))),
            Ok(None) => None,
            Err(e) => {
                tracing::warn!(site = %site, error = %e, "shop facts unavailable");
                None
            }
        }
    }

    /// Before a queued chat is routed: a valued customer (the site's threshold of money spent,
    /// or one of its tags) gets a high priority and the `vip` tag. Only the shop's verified
    /// word counts, never what the browser claims.
    pub(in crate::chat) async fn mark_valued(&self, conv: &Conversation) {
        if conv.priority >= VALUED_PRIORITY && conv.tags.iter().any(|t| t == VALUED_TAG) {
            return;
        }
        if !self.is_valued(&conv.site_id, &conv.visitor_id).await {
            return;
        }
        let _ = self
            .change(&conv.id, |c, _| {
                apply_tag(c, VALUED_TAG);
                c.priority = c.priority.max(VALUED_PRIORITY);
                Ok(None)
            })
            .await;
    }

    async fn is_valued(&self, site: &SiteId, visitor: &VisitorId) -> bool {
        let Ok(Some(context)) = self.verified_customer(site, visitor).await else {
            return false;
        };
        let Some(customer) = context.customer else {
            return false;
        };
        match self.store.commerce_settings(site).await {
            Ok(settings) => settings.is_valued(&customer),
            Err(_) => false,
        }
    }
}
