//! A visitor's browsing state and how each event changes it: sessions and visits, the
//! current page and its clock, the trail, cart, product, campaign and identity.

use super::cart::MAX_CART_ITEMS;
use super::event::MAX_ATTRIBUTES;
use super::{
    BrowsingEvent, Cart, Known, MAX_ORDERS, Order, PageInfo, Product, TrailEntry, Utm, VerifiedId,
};
use crate::domain::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::VecDeque;

/// Half an hour without activity ends a browsing session, as analytics tools count it.
pub const SESSION_GAP_MS: i64 = 30 * 60 * 1000;

/// How many pages of trail are kept per visitor; enough for an agent, bounded for memory.
pub(super) const TRAIL_LEN: usize = 30;

/// Everything the server remembers about one visitor's browsing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct VisitorState {
    /// Number of browsing sessions so far (1 on the first visit).
    pub visits: u32,
    /// When the current session began.
    #[schema(value_type = i64)]
    pub session_started_at: Timestamp,
    /// Last activity of any kind.
    #[schema(value_type = i64)]
    pub last_seen_at: Timestamp,
    /// Page views in the current session.
    pub pages_this_session: u32,
    /// The page the shopper is on now.
    #[schema(value_type = Option<super::PageData>)]
    pub current_page: Option<PageInfo>,
    /// When the current page was opened.
    #[schema(value_type = Option<i64>)]
    pub page_entered_at: Option<Timestamp>,
    /// Name of the last non-page event, with its time: `[name, ms since the epoch]`.
    #[schema(value_type = Option<Vec<Value>>)]
    pub last_event: Option<(String, Timestamp)>,
    /// Recent pages, oldest first, at most `TRAIL_LEN`.
    #[schema(value_type = Vec<TrailEntry>)]
    pub trail: VecDeque<TrailEntry>,
    /// The cart, if the shop reported one.
    #[serde(default)]
    pub cart: Option<Cart>,
    /// The product on the current page, if any.
    #[serde(default)]
    pub product: Option<Product>,
    /// Campaign of the session's landing page.
    #[serde(default)]
    pub utm: Utm,
    /// Host of the session's referrer.
    #[serde(default)]
    pub referrer_host: Option<String>,
    /// Device class.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub device: Option<Known>,
    /// Browser language.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub language: Option<Known>,
    /// The shop said who this is (an `identify` with `user_id` or `email`).
    #[serde(default)]
    pub identified: bool,
    /// The id a verified `identify` proved: the only link to the shop's customer records.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified: Option<VerifiedId>,
    /// Custom attributes from `identify`.
    #[serde(default)]
    pub attributes: Map<String, Value>,
    /// The shopper showed exit intent on the current page.
    #[serde(default)]
    pub exit_intent: bool,
    /// The visitor has an open conversation (kept here so every tab sees the same answer).
    #[serde(default)]
    pub in_conversation: bool,
    /// Tags rules have put on this visitor.
    #[serde(default)]
    pub tags: std::collections::BTreeSet<String>,
    /// The shopper's recent purchases, oldest first, at most [`MAX_ORDERS`].
    #[serde(default)]
    #[schema(value_type = Vec<Order>)]
    pub orders: VecDeque<Order>,
    /// Last thing the shopper did (not what the page reports by itself, such as `idle`):
    /// `idle_time` counts from here. `None` in states saved before it existed, which count
    /// from `last_seen_at`.
    #[serde(default)]
    #[schema(value_type = Option<i64>)]
    pub last_active_at: Option<Timestamp>,
}

impl VisitorState {
    /// A visitor seen for the first time.
    pub fn first_visit(now: Timestamp) -> Self {
        VisitorState {
            visits: 1,
            session_started_at: now,
            last_seen_at: now,
            pages_this_session: 0,
            current_page: None,
            page_entered_at: None,
            last_event: None,
            trail: VecDeque::new(),
            cart: None,
            product: None,
            utm: Utm::default(),
            referrer_host: None,
            device: None,
            language: None,
            identified: false,
            verified: None,
            attributes: Map::new(),
            exit_intent: false,
            in_conversation: false,
            tags: Default::default(),
            orders: VecDeque::new(),
            last_active_at: Some(now),
        }
    }

    /// A known visitor connects again: after a gap of [`SESSION_GAP_MS`] this is a new visit,
    /// otherwise (a reload, a new tab, a page change) the same session goes on.
    pub fn returns(&mut self, now: Timestamp) {
        if now.millis_since(self.last_seen_at) > SESSION_GAP_MS {
            self.visits = self.visits.saturating_add(1);
            self.session_started_at = now;
            self.pages_this_session = 0;
            self.current_page = None;
            self.page_entered_at = None;
            self.product = None;
            self.exit_intent = false;
            self.utm = Utm::default();
            self.referrer_host = None;
        }
        self.last_seen_at = now;
        // Opening or reloading a page is something the shopper did.
        self.active(now);
    }

    /// The shopper did something (wrote, typed, browsed): the idle clock starts again.
    pub fn active(&mut self, now: Timestamp) {
        self.last_active_at = Some(now);
    }

    /// Applies a browsing event. A page view of the page the shopper is already on (a reload
    /// or a reconnect that repeats it) is not counted twice.
    pub fn apply(&mut self, event: &BrowsingEvent, now: Timestamp) {
        self.last_seen_at = now;
        if event.is_activity() {
            self.active(now);
        }
        match event {
            BrowsingEvent::PageView(page) => {
                if self.current_page.as_ref().map(|p| &p.url) == Some(&page.url) {
                    return;
                }
                if self.pages_this_session == 0 {
                    self.utm = Utm::from_url(&page.url);
                    self.referrer_host = page
                        .referrer
                        .as_deref()
                        .and_then(|r| url::Url::parse(r).ok())
                        .and_then(|u| u.host_str().map(str::to_owned));
                }
                // Copied only when they change: most pages repeat the last one's.
                if page.device.is_some() && self.device != page.device {
                    self.device = page.device.clone();
                }
                if page.language.is_some() && self.language != page.language {
                    self.language = page.language.clone();
                }
                self.pages_this_session = self.pages_this_session.saturating_add(1);
                self.current_page = Some(page.clone());
                self.page_entered_at = Some(now);
                self.product = None;
                self.exit_intent = false;
                if self.trail.len() == TRAIL_LEN {
                    self.trail.pop_front();
                }
                self.trail.push_back(TrailEntry {
                    at: now,
                    page: page.clone(),
                });
            }
            BrowsingEvent::ProductView(product) => {
                self.product = Some(product.clone());
            }
            BrowsingEvent::CartUpdate(cart) => self.cart = Some(cart.clone()),
            BrowsingEvent::AddToCart(item) => {
                let cart = self.cart.get_or_insert_with(Cart::default);
                cart.total += item.price.unwrap_or(0.0) * f64::from(item.qty);
                let len = cart.items.len();
                match cart.items.iter_mut().find(|i| i.sku == item.sku) {
                    Some(line) => line.qty = line.qty.saturating_add(item.qty),
                    None if len < MAX_CART_ITEMS => cart.items.push(item.clone()),
                    None => {}
                }
            }
            BrowsingEvent::Identify {
                attributes,
                verified,
            } => {
                if let Some(id) = verified {
                    // A new verified id replaces the old one: another customer logged in.
                    self.verified = Some(id.clone());
                }
                for (key, value) in attributes {
                    if self.attributes.len() < MAX_ATTRIBUTES || self.attributes.contains_key(key) {
                        self.attributes.insert(key.clone(), value.clone());
                    }
                }
                self.identified |=
                    attributes.contains_key("user_id") || attributes.contains_key("email");
            }
            BrowsingEvent::ExitIntent => self.exit_intent = true,
            BrowsingEvent::Other { name, props } if name == "purchase" => {
                if self.orders.len() == MAX_ORDERS {
                    self.orders.pop_front();
                }
                self.orders.push_back(Order::from_props(props, now));
            }
            BrowsingEvent::Other { .. } => {}
        }
        if !matches!(event, BrowsingEvent::PageView(_)) {
            self.last_event = Some((event.name().to_owned(), now));
        }
    }

    /// Milliseconds on the current page, if any.
    pub fn time_on_page(&self, now: Timestamp) -> Option<i64> {
        self.page_entered_at.map(|t| now.millis_since(t))
    }

    /// Milliseconds since the session began.
    pub fn session_duration(&self, now: Timestamp) -> i64 {
        now.millis_since(self.session_started_at)
    }

    /// When the shopper last did something; the start of the idle clock.
    pub fn idle_since(&self) -> Timestamp {
        self.last_active_at.unwrap_or(self.last_seen_at)
    }

    /// Milliseconds since the shopper last did anything.
    pub fn idle_time(&self, now: Timestamp) -> i64 {
        now.millis_since(self.idle_since())
    }

    /// A returning visitor has had an earlier session.
    pub fn is_returning(&self) -> bool {
        self.visits > 1
    }
}
