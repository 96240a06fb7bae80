//! What helps an agent answer: a canned reply filled in for one conversation (the preview),
//! and the replies and articles that match the shopper's last message (the suggestions).
//! Both render a reply the same way, so an agent sees the same text in both.

use crate::chat::{ChatError, ChatService};
use crate::conversation::Conversation;
use crate::domain::VisitorState;
use crate::library::canned::{self, RenderError, ShopData};
use crate::library::kb::language_for;
use crate::library::suggest::{self, MAX_SUGGESTIONS, Source};
use crate::store::{Agent, Article, CannedReply};
use crate::triggers::VisitorRecord;

/// One suggestion for an agent, best first.
#[derive(Debug, Clone)]
pub enum Suggestion {
    /// A canned reply, rendered for the conversation and the agent.
    Canned {
        /// The reply.
        reply: CannedReply,
        /// Its text, filled in.
        text: String,
        /// Normalised score.
        score: f32,
    },
    /// A knowledge-base article.
    Article {
        /// The article.
        article: Article,
        /// Normalised score.
        score: f32,
    },
}

impl ChatService {
    /// The shopper's browsing state: live on this node, else as last stored.
    pub(crate) async fn shopper_state(
        &self,
        conv: &Conversation,
    ) -> Result<Option<VisitorState>, ChatError> {
        Ok(self.shopper_record(conv).await?.map(|v| v.browsing))
    }

    /// The shopper as the server keeps them (browsing state, rule history, language): live on
    /// this node, else as last stored.
    async fn shopper_record(
        &self,
        conv: &Conversation,
    ) -> Result<Option<VisitorRecord>, ChatError> {
        Ok(
            match self.hub.visitor_state(&conv.site_id, &conv.visitor_id) {
                Some(live) => Some(live),
                None => {
                    self.store
                        .load_visitor(&conv.site_id, &conv.visitor_id)
                        .await?
                }
            },
        )
    }

    /// A canned reply filled in with this conversation's shopper, cart, product, order (the
    /// shop's own when it linked the shopper), customer and the calling agent. The outer
    /// error is the store's; the inner one says why the template did not render here (the
    /// owner's to fix, answered as such).
    pub async fn preview_canned(
        &self,
        conv: &Conversation,
        reply: &CannedReply,
        agent: &Agent,
    ) -> Result<Result<String, RenderError>, ChatError> {
        let visitor = self.shopper_record(conv).await?;
        let (shop, _) = self.agent_shop_data(conv).await;
        Ok(self.render_for(reply, visitor.as_ref(), &shop, agent, conv))
    }

    /// Up to [`MAX_SUGGESTIONS`] canned replies (rendered) and articles ranked against the
    /// shopper's last message, with that message; `None` if the shopper has written nothing.
    /// Ranking follows the site's first language, as the bot's does, and the state of the
    /// shopper's latest order in the shop's records moves fitting replies up (the tracking
    /// reply first for a parcel in transit). A reply whose template
    /// cannot render here is left out rather than failing the list; its preview names the
    /// error.
    pub async fn suggestions(
        &self,
        conv: &Conversation,
        agent: &Agent,
    ) -> Result<Option<(String, Vec<Suggestion>)>, ChatError> {
        let site = &conv.site_id;
        let Some(last) = self.store.last_shopper_message(&conv.id).await? else {
            return Ok(None);
        };
        let replies = self.store.list_canned(site).await?;
        let articles = self.store.list_articles(site).await?;
        let settings = self.store.chat_settings(site).await?;
        let language = language_for(settings.languages.first().map(String::as_str));
        let visitor = self.shopper_record(conv).await?;
        let (shop, focus) = self.agent_shop_data(conv).await;
        let ranked = suggest::rank(
            &last.text,
            &replies,
            &articles,
            language,
            focus,
            MAX_SUGGESTIONS,
        );
        let mut items = Vec::with_capacity(ranked.len());
        for hit in ranked {
            match hit.source {
                Source::Canned(id) => {
                    let Some(reply) = replies.iter().find(|r| r.id == id) else {
                        continue;
                    };
                    let Ok(text) = self.render_for(reply, visitor.as_ref(), &shop, agent, conv)
                    else {
                        continue;
                    };
                    items.push(Suggestion::Canned {
                        reply: reply.clone(),
                        text,
                        score: hit.score,
                    });
                }
                Source::Article(id) => {
                    let Some(article) = articles.iter().find(|a| a.id == id) else {
                        continue;
                    };
                    items.push(Suggestion::Article {
                        article: article.clone(),
                        score: hit.score,
                    });
                }
            }
        }
        Ok(Some((last.text, items)))
    }

    /// A canned reply filled in for a conversation and an agent, within the message length.
    /// The reply's version in the shopper's language (its body as written without one).
    fn render_for(
        &self,
        reply: &CannedReply,
        visitor: Option<&VisitorRecord>,
        shop: &ShopData,
        agent: &Agent,
        conv: &Conversation,
    ) -> Result<String, RenderError> {
        let sender = canned::Sender {
            name: &agent.display_name,
            email: agent.email.as_str(),
        };
        let browsing = visitor.map(|v| &v.browsing);
        let context = canned::context(browsing, &conv.visitor_id, sender, &conv.id, shop);
        let language = visitor.and_then(|v| v.chat_language.as_deref());
        canned::render(
            reply.body_in(language),
            &context,
            self.settings.limits.max_message_chars,
        )
    }
}
