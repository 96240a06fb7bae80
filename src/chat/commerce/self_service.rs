//! "Where is my order?" answered by the bot from the shop's own data. A shopper sees only the
//! orders the shop vouched are theirs (a verified `identify`) or the one they proved with its
//! number and email; every fact the bot states is read from the stored order, nothing is
//! guessed. An order that looks stuck is not answered with a cheerful status: the bot says
//! honestly that a person will look, and the chat goes to people with the reason attached.
//! Once a person has the chat the bot stays silent — the agent has the order pane.

use super::super::{ChatError, ChatService};
use crate::bus::BusEvent;
use crate::commerce::stuck::stuck;
use crate::commerce::{ExternalId, FulfillmentStatus, Order, OrderStatus, StuckReason};
use crate::conversation::{Conversation, Stage};
use crate::domain::{
    Author, AuthorKind, Message, MessageText, SiteId, Timestamp, VerifiedId, VisitorId,
};
use crate::protocol::{OrderCard, ServerFrame};
use crate::store::NewMessage;

/// Orders the bot lists when asked "where is my order?": the recent ones are what a shopper
/// means.
const SHOWN: usize = 3;

/// What the bot says when the shop has no order for a verified shopper.
const NO_ORDERS: &str = "I couldn't find any orders for your account. If you placed one with \
                         another email address, or think this is wrong, press \"Talk to a \
                         person\" and someone from the team will help.";

/// What the bot says to a shopper the shop did not identify.
pub(crate) const ASK_FOR_NUMBER: &str = "I can look that up. Please enter your order number \
                                         and the email address you placed the order with.";

/// Who is asking: the id the shop vouched for (from the live session, which may be newer
/// than the stored one) and the orders proven with number and email in this session.
pub(crate) struct Asker<'a> {
    /// The site.
    pub(crate) site: &'a SiteId,
    /// The verified id, if the shop vouched for one.
    pub(crate) verified: Option<&'a VerifiedId>,
    /// Orders proven in this session.
    pub(crate) proven: &'a [ExternalId],
}

impl Asker<'_> {
    /// Whether the shopper can be shown any order without proving one first.
    pub(crate) fn known(&self) -> bool {
        self.verified.is_some() || !self.proven.is_empty()
    }
}

/// Whether the bot may still answer in the conversation: with the bot, or waiting for people
/// that no person has had yet. Once an agent took it, the agent answers.
pub(crate) fn bot_may_answer(conv: &Conversation) -> bool {
    match conv.lifecycle.stage {
        Stage::Bot => true,
        Stage::Queued => conv.lifecycle.last_agent.is_none(),
        _ => false,
    }
}

impl ChatService {
    /// Every order this shopper may be shown, newest placed first: the verified customer's
    /// recent orders and the ones proven in this session.
    pub(crate) async fn entitled_orders(&self, asker: &Asker<'_>) -> Result<Vec<Order>, ChatError> {
        let mut orders = match asker.verified {
            Some(id) => self
                .context_for(asker.site, id)
                .await?
                .map(|c| c.orders)
                .unwrap_or_default(),
            None => Vec::new(),
        };
        for id in asker.proven {
            if orders.iter().any(|o| &o.id == id) {
                continue;
            }
            if let Some(order) = self.store.order(asker.site, id).await? {
                orders.push(order);
            }
        }
        orders.sort_by_key(|o| std::cmp::Reverse(o.created_at));
        Ok(orders)
    }

    /// "Where is my order?" from a shopper who may see orders: the bot lists their recent
    /// ones, or says honestly that there are none.
    pub(crate) async fn answer_where_is_my_order(
        &self,
        conv: &Conversation,
        asker: &Asker<'_>,
    ) -> Result<(), ChatError> {
        let mut orders = self.entitled_orders(asker).await?;
        orders.truncate(SHOWN);
        if orders.is_empty() {
            self.order_bot_says(conv, NO_ORDERS).await;
            return Ok(());
        }
        self.tell_orders(conv, &orders).await
    }

    /// The bot tells the shopper about `orders` (already checked to be theirs), with cards
    /// for the widget; a stuck one goes to people with the reason.
    pub(crate) async fn tell_orders(
        &self,
        conv: &Conversation,
        orders: &[Order],
    ) -> Result<(), ChatError> {
        let after_days = self
            .commerce_settings(&conv.site_id)
            .await
            .map_or(5, |s| s.stuck_after_days);
        let now = Timestamp::now();
        let mut text = String::from(if orders.len() == 1 {
            "Here is your order:"
        } else {
            "Here are your latest orders:"
        });
        let mut cards = Vec::new();
        let mut stuck_ones = Vec::new();
        for order in orders {
            let reason = stuck(order, now, after_days);
            text.push_str("\n\n");
            match &reason {
                Some(r) => text.push_str(&stuck_lines(order, r)),
                None => text.push_str(&order_lines(order)),
            }
            cards.push(card(order, reason.is_some()));
            if let Some(r) = reason {
                stuck_ones.push((order, r));
            }
        }
        if !stuck_ones.is_empty() {
            text.push_str(
                "\n\nI'm passing this to a person from the team so they can look into it; \
                 they will reply here.",
            );
        }
        if self.order_bot_says(conv, &text).await.is_none() {
            return Ok(());
        }
        self.show_cards(&conv.site_id, &conv.visitor_id, cards, false)
            .await;
        for (order, reason) in &stuck_ones {
            let note = format!(
                "Order {} looks stuck: {}. Status: {}. The shopper asked where it is.",
                order.number,
                reason.describe(),
                order.status_label()
            );
            self.order_to_person(conv, "wismo", note).await?;
        }
        if stuck_ones.is_empty() {
            self.tag_conversation(conv, "wismo").await;
        }
        Ok(())
    }

    /// A shopper the shop did not identify asked about an order: the bot asks for the number
    /// and email, and the widget shows its form.
    pub(crate) async fn ask_for_order_number(&self, conv: &Conversation) {
        if self.order_bot_says(conv, ASK_FOR_NUMBER).await.is_some() {
            self.show_cards(&conv.site_id, &conv.visitor_id, Vec::new(), true)
                .await;
        }
    }

    /// Sends the widget the order cards (and, with `lookup`, the look-up form). Not stored:
    /// the bot's message says the same in words and survives a reload.
    pub(crate) async fn show_cards(
        &self,
        site: &SiteId,
        visitor: &VisitorId,
        orders: Vec<OrderCard>,
        lookup: bool,
    ) {
        let frame = ServerFrame::Orders { orders, lookup };
        self.publish(BusEvent::to_visitor(site, visitor, frame))
            .await;
    }

    /// A message the bot writes about orders, if the bot may still answer in the conversation
    /// (see [`bot_may_answer`]); `None` once a person has it.
    pub(crate) async fn order_bot_says(&self, conv: &Conversation, text: &str) -> Option<Message> {
        let fresh = self.store.conversation(&conv.id).await.ok()??;
        if !bot_may_answer(&fresh) {
            return None;
        }
        let name = self.settings(&conv.site_id).await.bot_name.clone();
        let max = self.settings.limits.max_message_chars;
        let clipped: String = text.chars().take(max).collect();
        let message = NewMessage {
            author: Author {
                kind: AuthorKind::Bot,
                name,
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
        metrics::counter!("shopchat_order_answers_total").increment(1);
        self.deliver_message(&fresh, &stored.message).await;
        Some(stored.message)
    }
}

/// A date as a shopper reads it (`30 Nov 2026`, UTC).
fn date(ts: Timestamp) -> String {
    chrono::DateTime::from_timestamp_millis(ts.0)
        .map(|d| d.format("%-d %b %Y").to_string())
        .unwrap_or_default()
}

/// The order's first line: number and date.
fn heading(order: &Order) -> String {
    format!("Order {} · placed {}", order.number, date(order.created_at))
}

/// An order as the bot writes it: every fact from the stored order, links as plain
/// `http(s)` URLs (the widget makes them links).
fn order_lines(order: &Order) -> String {
    let mut lines = vec![format!("{} · {}", heading(order), order.status_label())];
    let items = order.items_line();
    lines.push(if items.is_empty() {
        format!("Total {}", order.total_money().formatted())
    } else {
        format!("{items} · Total {}", order.total_money().formatted())
    });
    if let Some(parcel) = order.latest_shipment() {
        let mut parts = Vec::new();
        if let Some(carrier) = &parcel.carrier {
            parts.push(carrier.clone());
        }
        if let Some(number) = &parcel.tracking_number {
            parts.push(format!("tracking number {number}"));
        }
        if let Some(url) = &parcel.tracking_url {
            parts.push(format!("track it: {url}"));
        }
        if !parts.is_empty() {
            lines.push(parts.join(" · "));
        }
        if let Some(eta) = parcel.estimated_delivery
            && !parcel.status.is_final()
        {
            lines.push(format!("Estimated delivery: {}", date(eta)));
        }
    } else if let Some(url) = &order.status_url {
        lines.push(format!("Order page: {url}"));
    }
    lines.join("\n")
}

/// A stuck order as the bot writes it: no cheerful status, the reason in the shopper's words.
fn stuck_lines(order: &Order, reason: &StuckReason) -> String {
    format!(
        "{}\nSomething isn't right: {}.",
        heading(order),
        shopper_words(reason)
    )
}

/// Why an order needs a person, as the shopper reads it ([`StuckReason::describe`] is the
/// agent's version).
pub(crate) fn shopper_words(reason: &StuckReason) -> String {
    match reason {
        StuckReason::DeliveryProblem { status } => {
            format!("the carrier reports a problem with the delivery ({status})")
        }
        StuckReason::NoMovement { days } => format!("your parcel hasn't moved for {days} days"),
        StuckReason::NotShipped { days } => {
            format!("it was placed {days} days ago and hasn't been shipped yet")
        }
        StuckReason::Overdue { days } => {
            format!("it is {days} days past its estimated delivery date")
        }
    }
}

/// Whether a cancellation is worth asking for: nothing shipped and the order still open.
fn can_cancel(order: &Order) -> bool {
    matches!(
        order.status,
        OrderStatus::Pending | OrderStatus::Processing | OrderStatus::OnHold
    ) && order.fulfillment_status == FulfillmentStatus::Unfulfilled
        && order.shipments.is_empty()
}

/// Whether a return is worth asking for: something was shipped and the order is not undone.
fn can_return(order: &Order) -> bool {
    !matches!(
        order.status,
        OrderStatus::Cancelled | OrderStatus::Refunded | OrderStatus::Failed
    ) && (order.status == OrderStatus::Completed
        || order.fulfillment_status != FulfillmentStatus::Unfulfilled
        || !order.shipments.is_empty())
}

/// The widget's card for an order.
pub(crate) fn card(order: &Order, with_a_person: bool) -> OrderCard {
    let parcel = order.latest_shipment();
    OrderCard {
        number: order.number.to_string(),
        placed: date(order.created_at),
        status: order.status_label().to_owned(),
        items: order.items_line(),
        total: order.total_money().formatted(),
        placed_at: order.created_at.0,
        amount: order.total.to_string(),
        currency: order.currency.as_str().to_owned(),
        delivery_at: parcel
            .filter(|p| !p.status.is_final())
            .and_then(|p| p.estimated_delivery)
            .map(|t| t.0),
        carrier: parcel.and_then(|p| p.carrier.clone()),
        tracking_number: parcel.and_then(|p| p.tracking_number.clone()),
        tracking_url: parcel.and_then(|p| p.tracking_url.clone()),
        estimated_delivery: parcel
            .filter(|p| !p.status.is_final())
            .and_then(|p| p.estimated_delivery)
            .map(date),
        with_a_person,
        can_return: can_return(order),
        can_cancel: can_cancel(order),
    }
}
