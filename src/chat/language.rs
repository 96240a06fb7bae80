//! The language a shopper's widget shows, read back for the lines the server writes to them
//! (the bot's miss line, the transcript's notices, the rating line, the thanks for an email;
//! see [`crate::conversation::phrases`]) and for the knowledge base's versions.

use super::ChatService;
use crate::domain::{SiteId, VisitorId};

impl ChatService {
    /// The language the shopper's widget shows (chosen at `hello` by
    /// [`ChatService::shopper_language`], kept as the visitor's `chat_language`): the live
    /// state when the shopper is on this node, else the visitor as last saved (a shopper on
    /// another node, an agent acting while the shopper is away). `None` when unknown: the
    /// lines are then English.
    pub(super) async fn chat_language(&self, site: &SiteId, visitor: &VisitorId) -> Option<String> {
        if let Some(live) = self.hub.visitor_chat_language(site, visitor) {
            return live;
        }
        // A store error leaves the line in English rather than failing the change it
        // describes: the words matter less than the change itself.
        let saved = self.store.load_visitor(site, visitor).await.ok()??;
        saved.chat_language
    }
}
