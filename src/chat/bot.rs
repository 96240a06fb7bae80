//! The bot's turn: the site's external bot when it has one, else the knowledge base. Runs in
//! its own task so a slow bot never holds up the shopper's socket, and ends in an answer or a
//! handoff — never in silence.

use super::ChatService;
use crate::conversation::phrases::Line;
use crate::conversation::{ChatSettings, Conversation, HandoffReason, Stage};
use crate::domain::{Author, AuthorKind, Message, MessageText, SiteId, Timestamp};
use crate::protocol::agent::LiveVisitor;
use crate::store::NewMessage;
use serde::Deserialize;
use std::time::Duration;

impl ChatService {
    /// Whether new conversations on the site start with a bot that can answer.
    pub(super) async fn available(&self, site: &SiteId) -> bool {
        let settings = self.settings(site).await;
        if !settings.bot_enabled {
            return false;
        }
        if settings.bot_webhook_url.is_some() {
            return true;
        }
        match self.knowledge(site).await {
            Ok(kb) => !kb.is_empty(),
            Err(_) => false,
        }
    }
}

/// External bot calls in flight on this node. Each holds a blocking thread for up to its
/// timeout, so they are bounded; a message that finds no slot goes to people at once.
pub(super) const SLOTS: usize = 64;

impl ChatService {
    /// Answers a shopper's message in the background.
    pub(super) fn spawn_answer(&self, conv: Conversation, text: String) {
        let service = self.clone();
        tokio::spawn(async move {
            let settings = service.settings(&conv.site_id).await;
            match settings.bot_webhook_url.clone() {
                Some(url) => match service.bot_slots.clone().try_acquire_owned() {
                    Ok(_slot) => service.external(&conv, &settings, &url, &text).await,
                    Err(_) => {
                        tracing::warn!(site = %conv.site_id, "external bot busy; handing off");
                        let _ = service
                            .hand_off(&conv.id, HandoffReason::ExternalBot, 0)
                            .await;
                    }
                },
                None => service.knowledge_base(&conv, &settings, &text).await,
            }
        });
    }
}

impl ChatService {
    async fn knowledge_base(&self, conv: &Conversation, settings: &ChatSettings, text: &str) {
        let min = settings
            .bot_min_score
            .unwrap_or(crate::library::kb::DEFAULT_MIN_SCORE);
        let kb = match self.knowledge(&conv.site_id).await {
            Ok(kb) => kb,
            Err(e) => {
                tracing::warn!(error = %e, "knowledge base unavailable; handing off");
                let _ = self.hand_off(&conv.id, HandoffReason::BotMissed, 0).await;
                return;
            }
        };
        // The model first, when the site lets it answer shoppers; its checked answer counts
        // as a hit. Without one, everything below runs exactly as it does without a model.
        if let Some(said) = self.bot_model_answer(conv, settings, &kb, text).await {
            let _ = self
                .change(&conv.id, |c, _| {
                    c.bot_misses = 0;
                    Ok(None)
                })
                .await;
            self.bot_says(conv, &settings.bot_name, &said).await;
            return;
        }
        // In the shopper's language where an article has a version in it (the widget's
        // choice at `hello`, kept with the visitor), and so is the miss line.
        let language = self.chat_language(&conv.site_id, &conv.visitor_id).await;
        let found = kb.answer_in(text, min, language.as_deref());
        let hit = found.is_some();
        // Misses in a row: a hit resets the count, enough misses hand the chat to people.
        let counted = self
            .change(&conv.id, |c, _| {
                c.bot_misses = if hit { 0 } else { c.bot_misses + 1 };
                Ok(None)
            })
            .await;
        match found {
            Some(m) => {
                self.bot_says(conv, &settings.bot_name, &m.answer).await;
            }
            None => {
                let misses = counted.map(|(c, _)| c.bot_misses).unwrap_or(u32::MAX);
                if misses >= settings.bot_max_misses {
                    let _ = self.hand_off(&conv.id, HandoffReason::BotMissed, 0).await;
                } else {
                    // Names the widget's "Talk to a person" button as the shopper sees it.
                    let miss = Line::BotMiss.text(language.as_deref());
                    self.bot_says(conv, &settings.bot_name, &miss).await;
                }
            }
        }
    }
}

/// What an external bot may answer.
#[derive(Debug, Deserialize)]
struct BotReply {
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    handoff: bool,
}

impl ChatService {
    /// POSTs the conversation, the message and the shopper's context to the site's bot, signed
    /// like every shopchat webhook (`X-Shopchat-Signature: sha256=HMAC(secret, "{ts}.{body}")`
    /// with `X-Shopchat-Timestamp: {ts}`), and acts on its reply. A timeout, an error or an
    /// empty reply hands the chat to people.
    async fn external(&self, conv: &Conversation, settings: &ChatSettings, url: &str, text: &str) {
        let visitor = match self.hub.visitor_state(&conv.site_id, &conv.visitor_id) {
            Some(v) => Some(v),
            None => self
                .store
                .load_visitor(&conv.site_id, &conv.visitor_id)
                .await
                .ok()
                .flatten(),
        };
        let history = self
            .store
            .messages_after(&conv.id, conv.last_seq.saturating_sub(20), 20)
            .await
            .unwrap_or_default();
        let secret = match self.store.site(&conv.site_id).await {
            Ok(Some(site)) => site.identity_secret,
            _ => return,
        };
        let body = serde_json::json!({
        "event": "conversation.message",
        "site_id": conv.site_id,
        "conversation": { "id": conv.id, "state": conv.lifecycle.stage.name(), "tags": conv.tags },
        "message": { "text": text, "visitor_id": conv.visitor_id },
        "history": history,
        "shopper": visitor.as_ref().map(|v| serde_json::json!({
            "summary": LiveVisitor::of(&conv.site_id, &conv.visitor_id, v),
            "cart": v.cart,
            "product": v.product,
            "attributes": if v.identified { serde_json::Value::Object(v.attributes.clone()) } else { serde_json::Value::Null },
        })),
    })
    .to_string();
        let ts = Timestamp::now().0 / 1000;
        let signature = crate::webhooks::signature(&secret, &format!("{ts}.{body}"));
        let timeout = Duration::from_millis(settings.bot_webhook_timeout_ms);
        let reply = call_bot(url, ts, signature, body, timeout).await;
        match reply {
            Ok(reply) => {
                let said = match reply.text.as_deref().map(str::trim) {
                    Some(t) if !t.is_empty() => {
                        self.bot_says(conv, &settings.bot_name, t).await.is_some()
                    }
                    _ => false,
                };
                if reply.handoff || !said {
                    let _ = self.hand_off(&conv.id, HandoffReason::ExternalBot, 0).await;
                }
            }
            Err(e) => {
                metrics::counter!("shopchat_bot_webhook_failures_total").increment(1);
                tracing::warn!(error = %e, site = %conv.site_id, "external bot failed; handing off");
                let _ = self.hand_off(&conv.id, HandoffReason::ExternalBot, 0).await;
            }
        }
    }

    /// A message the bot writes into a conversation, if the bot still has it.
    async fn bot_says(&self, conv: &Conversation, name: &str, text: &str) -> Option<Message> {
        let fresh = self.store.conversation(&conv.id).await.ok()??;
        if !matches!(fresh.lifecycle.stage, Stage::Bot) {
            return None;
        }
        let max = self.settings.limits.max_message_chars;
        let clipped: String = text.chars().take(max).collect();
        let message = NewMessage {
            author: Author {
                kind: AuthorKind::Bot,
                name: name.to_owned(),
            },
            author_id: format!("bot:{}", conv.site_id),
            text: MessageText::parse(&clipped, max).ok()?,
            client_msg_id: None,
            ts: Timestamp::now(),
            attachments: Vec::new(),
        };
        let stored = self.store.append_message(&conv.id, message).await.ok()?;
        self.appended(&stored);
        metrics::counter!("shopchat_messages_stored_total", "author" => "bot").increment(1);
        self.deliver_message(&fresh, &stored.message).await;
        Some(stored.message)
    }
}

/// Largest answer read from an external bot.
const MAX_BOT_REPLY: usize = 64 * 1024;

/// The node's client for external bots (built once; each call carries its site's timeout).
fn bot_client() -> Option<&'static reqwest::Client> {
    static CLIENT: std::sync::OnceLock<Option<reqwest::Client>> = std::sync::OnceLock::new();
    CLIENT
        .get_or_init(|| crate::webhooks::client::client(Duration::from_secs(15)).ok())
        .as_ref()
}

/// POSTs the signed body to the site's bot and reads its reply, all within `timeout`; a
/// non-2xx status, a body over [`MAX_BOT_REPLY`] or one that is not a reply is an error.
async fn call_bot(
    url: &str,
    ts: i64,
    signature: String,
    body: String,
    timeout: Duration,
) -> Result<BotReply, String> {
    let client = bot_client().ok_or("no HTTP client")?;
    let call = async {
        let response = client
            .post(url)
            .timeout(timeout)
            .header("Content-Type", "application/json")
            .header("X-Shopchat-Timestamp", ts.to_string())
            .header("X-Shopchat-Signature", signature)
            .body(body)
            .send()
            .await
            .map_err(|e| e.without_url().to_string())?;
        if !response.status().is_success() {
            return Err(format!("status {}", response.status().as_u16()));
        }
        let bytes = crate::webhooks::client::body_up_to(response, MAX_BOT_REPLY).await?;
        serde_json::from_slice::<BotReply>(&bytes).map_err(|e| format!("bad reply: {e}"))
    };
    // The request's timeout covers sending; this one also covers reading the body.
    tokio::time::timeout(timeout, call)
        .await
        .unwrap_or_else(|_| Err("timed out".to_owned()))
}
