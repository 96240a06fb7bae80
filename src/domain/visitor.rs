//! What the server knows about a visitor's browsing: the facts the trigger engine reads
//! (current page, time on page, pages this session, visits) and the page trail an agent sees.
//! Pure: time comes in as an argument, so sessions and visits can be tested without a clock.

use super::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::VecDeque;

/// Half an hour without activity ends a browsing session, as analytics tools count it.
pub const SESSION_GAP_MS: i64 = 30 * 60 * 1000;

/// How many pages of trail are kept per visitor; enough for an agent, bounded for memory.
const TRAIL_LEN: usize = 30;
const MAX_URL: usize = 2048;
const MAX_TITLE: usize = 300;

/// The kind of page, which rules and agents care about more than the URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum PageType {
    /// A product detail page.
    Product,
    /// The cart.
    Cart,
    /// Any checkout step.
    Checkout,
    /// Anything else.
    #[default]
    Other,
}

/// A page the shopper is on, as the widget reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageInfo {
    /// Full URL.
    pub url: String,
    /// Path part of the URL, for rules that match paths.
    pub path: String,
    /// Document title, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Page kind.
    #[serde(rename = "type", default)]
    pub page_type: PageType,
    /// Referrer URL, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referrer: Option<String>,
    /// `mobile`, `tablet` or `desktop`, as the widget reports it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
    /// The browser's language tag (`de-DE`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
}

impl PageInfo {
    /// Reads `{url, title?, type?, referrer?}` from an event's properties; `Err` names the field.
    pub fn from_props(props: &Map<String, Value>) -> Result<Self, (&'static str, String)> {
        let url_text = match props.get("url") {
            Some(Value::String(s)) => s,
            Some(_) => return Err(("url", "must be a string".into())),
            None => return Err(("url", "is required".into())),
        };
        if url_text.len() > MAX_URL {
            return Err(("url", format!("is longer than {MAX_URL} characters")));
        }
        let url = url::Url::parse(url_text)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .ok_or(("url", "must be an absolute http(s) URL".to_string()))?;
        let title = match props.get("title") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.chars().take(MAX_TITLE).collect()),
            Some(_) => return Err(("title", "must be a string".into())),
        };
        let page_type = match props.get("type") {
            None | Some(Value::Null) => PageType::Other,
            Some(v) => serde_json::from_value(v.clone()).map_err(|_| {
                (
                    "type",
                    "must be one of product, cart, checkout, other".to_string(),
                )
            })?,
        };
        let referrer = match props.get("referrer") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.is_empty() => None,
            Some(Value::String(s)) => Some(s.chars().take(MAX_URL).collect()),
            Some(_) => return Err(("referrer", "must be a string".into())),
        };
        let device = match optional_text(props, "device", 20)? {
            Some(d) if matches!(d.as_str(), "mobile" | "tablet" | "desktop") => Some(d),
            Some(_) => return Err(("device", "must be mobile, tablet or desktop".into())),
            None => None,
        };
        let language = optional_text(props, "language", 35)?;
        Ok(PageInfo {
            path: url.path().to_owned(),
            url: url.into(),
            title,
            page_type,
            referrer,
            device,
            language,
        })
    }
}

/// Text property of at most `max` characters, if present.
fn optional_text(
    props: &Map<String, Value>,
    field: &'static str,
    max: usize,
) -> Result<Option<String>, (&'static str, String)> {
    match props.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.chars().count() <= max => Ok(Some(s.clone())),
        Some(Value::String(_)) => Err((field, format!("is longer than {max} characters"))),
        Some(_) => Err((field, "must be a string".into())),
    }
}

/// Number property, if present; must be finite and not negative.
fn optional_amount(
    props: &Map<String, Value>,
    field: &'static str,
) -> Result<Option<f64>, (&'static str, String)> {
    match props.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => match v.as_f64() {
            Some(n) if n.is_finite() && n >= 0.0 => Ok(Some(n)),
            _ => Err((field, "must be a number, zero or more".into())),
        },
    }
}

/// Items kept in a cart; enough for any real cart, bounded for memory.
const MAX_CART_ITEMS: usize = 100;
/// Custom attributes kept per visitor.
const MAX_ATTRIBUTES: usize = 50;

/// One line of the shopper's cart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CartItem {
    /// Stock keeping unit.
    pub sku: String,
    /// Quantity.
    #[serde(default = "one")]
    pub qty: u32,
    /// Unit price, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<f64>,
    /// Product name, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

fn one() -> u32 {
    1
}

impl CartItem {
    fn from_props(props: &Map<String, Value>) -> Result<Self, (&'static str, String)> {
        let sku = optional_text(props, "sku", 100)?.ok_or(("sku", "is required".to_string()))?;
        let qty = match props.get("qty") {
            None | Some(Value::Null) => 1,
            Some(v) => v
                .as_u64()
                .filter(|q| (1..=10_000).contains(q))
                .ok_or(("qty", "must be a whole number from 1 to 10000".to_string()))?
                as u32,
        };
        Ok(CartItem {
            sku,
            qty,
            price: optional_amount(props, "price")?,
            name: optional_text(props, "name", 200)?,
        })
    }
}

/// The shopper's cart as the shop reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Cart {
    /// Total value.
    pub total: f64,
    /// ISO currency code, if given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// Lines, at most `MAX_CART_ITEMS`.
    pub items: Vec<CartItem>,
}

impl Cart {
    /// Reads `{total, currency?, items: [{sku, qty?, price?, name?}]}`.
    pub fn from_props(props: &Map<String, Value>) -> Result<Self, (&'static str, String)> {
        let items = match props.get("items") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(list)) if list.len() <= MAX_CART_ITEMS => list
                .iter()
                .map(|v| {
                    v.as_object()
                        .ok_or(("items", "must hold objects".to_string()))
                        .and_then(CartItem::from_props)
                })
                .collect::<Result<_, _>>()?,
            Some(Value::Array(_)) => {
                return Err(("items", format!("may hold at most {MAX_CART_ITEMS} lines")));
            }
            Some(_) => return Err(("items", "must be a list".into())),
        };
        let total = match optional_amount(props, "total")? {
            Some(t) => t,
            None => items
                .iter()
                .map(|i| i.price.unwrap_or(0.0) * f64::from(i.qty))
                .sum(),
        };
        Ok(Cart {
            total,
            currency: optional_text(props, "currency", 3)?,
            items,
        })
    }

    /// Number of units in the cart.
    pub fn item_count(&self) -> u32 {
        self.items.iter().map(|i| i.qty).sum()
    }
}

/// A product the shopper is looking at (from the page's JSON-LD or a `product_view` call).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Product {
    /// SKU.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
    /// Name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Price.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<f64>,
    /// Category.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
}

impl Product {
    fn from_props(props: &Map<String, Value>) -> Result<Self, (&'static str, String)> {
        Ok(Product {
            sku: optional_text(props, "sku", 100)?,
            name: optional_text(props, "name", 200)?,
            price: optional_amount(props, "price")?,
            category: optional_text(props, "category", 100)?,
        })
    }
}

/// Campaign parameters of the page that started the session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Utm {
    /// utm_source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// utm_medium.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub medium: Option<String>,
    /// utm_campaign.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub campaign: Option<String>,
}

impl Utm {
    fn from_url(url: &str) -> Utm {
        let mut utm = Utm::default();
        if let Ok(parsed) = url::Url::parse(url) {
            for (key, value) in parsed.query_pairs() {
                let value: String = value.chars().take(100).collect();
                match key.as_ref() {
                    "utm_source" => utm.source = Some(value),
                    "utm_medium" => utm.medium = Some(value),
                    "utm_campaign" => utm.campaign = Some(value),
                    _ => {}
                }
            }
        }
        utm
    }
}

/// A browsing event the widget reports.
#[derive(Debug, Clone, PartialEq)]
pub enum BrowsingEvent {
    /// The shopper opened a page (or a single-page app changed route).
    PageView(PageInfo),
    /// The page shows a product (`product_view`).
    ProductView(Product),
    /// The whole cart as it is now (`cart_update`).
    CartUpdate(Cart),
    /// One product went into the cart (`add_to_cart`).
    AddToCart(CartItem),
    /// The shop told who the shopper is (`identify`): custom attributes.
    Identify(Map<String, Value>),
    /// The pointer left towards the browser's chrome (`exit_intent`).
    ExitIntent,
    /// Any other named event (`add_to_cart`, `exit_intent`, a shop's own `track` call): kept
    /// for the trigger engine, which decides what each means.
    Other {
        /// Event name, `[a-z0-9_.:-]{1,64}`.
        name: String,
        /// The event's properties as sent.
        props: Map<String, Value>,
    },
}

impl BrowsingEvent {
    /// Validates an `event` frame's name and props; `Err` is (field, reason).
    pub fn parse(name: &str, props: Map<String, Value>) -> Result<Self, (&'static str, String)> {
        let valid_name = (1..=64).contains(&name.len())
            && name.bytes().all(|b| {
                b.is_ascii_lowercase()
                    || b.is_ascii_digit()
                    || matches!(b, b'_' | b'-' | b'.' | b':')
            });
        if !valid_name {
            return Err((
                "name",
                "must be 1 to 64 of a-z, 0-9, `_`, `-`, `.`, `:`".into(),
            ));
        }
        match name {
            "page_view" => PageInfo::from_props(&props).map(BrowsingEvent::PageView),
            "product_view" => Product::from_props(&props).map(BrowsingEvent::ProductView),
            "cart_update" => Cart::from_props(&props).map(BrowsingEvent::CartUpdate),
            "add_to_cart" => CartItem::from_props(&props).map(BrowsingEvent::AddToCart),
            "identify" if props.len() > MAX_ATTRIBUTES => {
                Err(("props", format!("at most {MAX_ATTRIBUTES} attributes")))
            }
            "identify" => Ok(BrowsingEvent::Identify(props)),
            "exit_intent" => Ok(BrowsingEvent::ExitIntent),
            _ => Ok(BrowsingEvent::Other {
                name: name.to_owned(),
                props,
            }),
        }
    }

    /// Whether the event shows the shopper doing something. The widget reports `idle` (no
    /// input for a while), `visibility` (the tab was hidden or shown) and `exit_intent` (the
    /// pointer left the page) by itself; those must not restart the idle clock, or an idle
    /// rule would fire late or never. Everything else (pages, products, cart, the shop's own
    /// `track` calls, widget clicks) is the shopper's doing.
    pub fn is_activity(&self) -> bool {
        !matches!(self.name(), "idle" | "visibility" | "exit_intent")
    }

    /// The event's wire name, which rules name in `when`.
    pub fn name(&self) -> &str {
        match self {
            BrowsingEvent::PageView(_) => "page_view",
            BrowsingEvent::ProductView(_) => "product_view",
            BrowsingEvent::CartUpdate(_) => "cart_update",
            BrowsingEvent::AddToCart(_) => "add_to_cart",
            BrowsingEvent::Identify(_) => "identify",
            BrowsingEvent::ExitIntent => "exit_intent",
            BrowsingEvent::Other { name, .. } => name,
        }
    }
}

/// Orders kept per visitor; enough for "where is my order?", bounded for memory.
pub const MAX_ORDERS: usize = 10;
const MAX_ORDER_ID: usize = 100;

/// A purchase the shop reported with `track('purchase', {order_id, total, currency})`, kept so
/// agents (and canned replies) can speak about the shopper's latest order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Order {
    /// The shop's order number, if it sent a usable one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Order value, if a finite amount of zero or more.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<f64>,
    /// ISO currency code, if three letters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// When the purchase was reported.
    pub at: Timestamp,
}

impl Order {
    /// Reads a `purchase` event's props leniently: a bad value is dropped, never an error, so
    /// a shop's sloppy tracking call still records that a purchase happened.
    pub fn from_props(props: &Map<String, Value>, at: Timestamp) -> Order {
        let id = match props.get("order_id") {
            Some(Value::String(s)) => Some(s.trim().to_owned()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        }
        .filter(|s| !s.is_empty() && s.chars().count() <= MAX_ORDER_ID);
        let total = props
            .get("total")
            .and_then(Value::as_f64)
            .filter(|t| t.is_finite() && *t >= 0.0);
        let currency = props
            .get("currency")
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|c| c.len() == 3 && c.bytes().all(|b| b.is_ascii_alphabetic()))
            .map(str::to_ascii_uppercase);
        Order {
            id,
            total,
            currency,
            at,
        }
    }
}

/// One entry of the page trail shown to agents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrailEntry {
    /// When the page was opened.
    pub at: Timestamp,
    /// The page.
    pub page: PageInfo,
}

/// Everything the server remembers about one visitor's browsing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VisitorState {
    /// Number of browsing sessions so far (1 on the first visit).
    pub visits: u32,
    /// When the current session began.
    pub session_started_at: Timestamp,
    /// Last activity of any kind.
    pub last_seen_at: Timestamp,
    /// Page views in the current session.
    pub pages_this_session: u32,
    /// The page the shopper is on now.
    pub current_page: Option<PageInfo>,
    /// When the current page was opened.
    pub page_entered_at: Option<Timestamp>,
    /// Name of the last non-page event, with its time.
    pub last_event: Option<(String, Timestamp)>,
    /// Recent pages, oldest first, at most `TRAIL_LEN`.
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
    pub device: Option<String>,
    /// Browser language.
    #[serde(default)]
    pub language: Option<String>,
    /// The shop said who this is (an `identify` with `user_id` or `email`).
    #[serde(default)]
    pub identified: bool,
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
    /// What proactive rules have done to this visitor (frequency caps, fatigue, dismissals).
    #[serde(default)]
    pub triggers: crate::triggers::TriggerHistory,
    /// The shopper's recent purchases, oldest first, at most [`MAX_ORDERS`].
    #[serde(default)]
    pub orders: VecDeque<Order>,
    /// Last thing the shopper did (not what the page reports by itself, such as `idle`):
    /// `idle_time` counts from here. `None` in states saved before it existed, which count
    /// from `last_seen_at`.
    #[serde(default)]
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
            attributes: Map::new(),
            exit_intent: false,
            in_conversation: false,
            tags: Default::default(),
            triggers: Default::default(),
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
                if page.device.is_some() {
                    self.device = page.device.clone();
                }
                if page.language.is_some() {
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
            BrowsingEvent::Identify(attributes) => {
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn page(url: &str) -> BrowsingEvent {
        let props = json!({ "url": url, "title": "T" });
        BrowsingEvent::parse("page_view", props.as_object().unwrap().clone()).unwrap()
    }

    #[test]
    fn page_views_count_once_per_page_and_set_time_on_page() {
        let mut s = VisitorState::first_visit(Timestamp(0));
        s.apply(&page("https://s.example/a"), Timestamp(10));
        s.apply(&page("https://s.example/a"), Timestamp(20));
        s.apply(&page("https://s.example/b?x=1"), Timestamp(30));
        assert_eq!(s.pages_this_session, 2);
        assert_eq!(s.current_page.as_ref().unwrap().path, "/b");
        assert_eq!(s.time_on_page(Timestamp(100)), Some(70));
        assert_eq!(s.trail.len(), 2);
    }

    #[test]
    fn a_long_gap_starts_a_new_visit() {
        let mut s = VisitorState::first_visit(Timestamp(0));
        s.apply(&page("https://s.example/a"), Timestamp(1));
        s.returns(Timestamp(1 + SESSION_GAP_MS));
        assert_eq!((s.visits, s.pages_this_session), (1, 1));
        s.returns(Timestamp(2 + 2 * SESSION_GAP_MS + 1));
        assert_eq!((s.visits, s.pages_this_session), (2, 0));
        assert!(s.is_returning());
    }

    #[test]
    fn trail_is_bounded() {
        let mut s = VisitorState::first_visit(Timestamp(0));
        for i in 0..100 {
            s.apply(&page(&format!("https://s.example/{i}")), Timestamp(i));
        }
        assert_eq!(s.trail.len(), TRAIL_LEN);
        assert_eq!(s.trail.back().unwrap().page.path, "/99");
    }

    #[test]
    fn cart_product_campaign_and_identity_facts() {
        let mut s = VisitorState::first_visit(Timestamp(0));
        let props = |v: serde_json::Value| v.as_object().unwrap().clone();
        let landing = props(
            json!({ "url": "https://s.example/?utm_source=news&utm_campaign=fall",
            "referrer": "https://www.google.com/search?q=x", "device": "mobile", "language": "de-DE" }),
        );
        s.apply(
            &BrowsingEvent::parse("page_view", landing).unwrap(),
            Timestamp(1),
        );
        assert_eq!(s.utm.source.as_deref(), Some("news"));
        assert_eq!(s.referrer_host.as_deref(), Some("www.google.com"));
        assert_eq!(
            (s.device.as_deref(), s.language.as_deref()),
            (Some("mobile"), Some("de-DE"))
        );
        let product = props(json!({ "sku": "J-1", "name": "Jacket", "price": 120.0 }));
        s.apply(
            &BrowsingEvent::parse("product_view", product).unwrap(),
            Timestamp(2),
        );
        let add = props(json!({ "sku": "J-1", "qty": 2, "price": 120.0 }));
        s.apply(
            &BrowsingEvent::parse("add_to_cart", add.clone()).unwrap(),
            Timestamp(3),
        );
        s.apply(
            &BrowsingEvent::parse("add_to_cart", add).unwrap(),
            Timestamp(4),
        );
        let cart = s.cart.as_ref().unwrap();
        assert_eq!(
            (cart.total, cart.item_count(), cart.items.len()),
            (480.0, 4, 1)
        );
        s.apply(
            &BrowsingEvent::parse(
                "identify",
                props(json!({ "email": "a@b.c", "tier": "gold" })),
            )
            .unwrap(),
            Timestamp(5),
        );
        assert!(s.identified);
        assert_eq!(s.attributes["tier"], "gold");
        s.apply(
            &BrowsingEvent::parse("exit_intent", Map::new()).unwrap(),
            Timestamp(6),
        );
        assert!(s.exit_intent);
        assert_eq!(s.last_event.as_ref().unwrap().0, "exit_intent");
        s.apply(&page("https://s.example/other"), Timestamp(7));
        assert!(
            !s.exit_intent && s.product.is_none(),
            "page facts reset on a new page"
        );
        assert_eq!(
            s.utm.source.as_deref(),
            Some("news"),
            "the campaign is the session's"
        );
    }

    #[test]
    fn purchases_keep_the_last_orders_and_drop_bad_values() {
        let mut s = VisitorState::first_visit(Timestamp(0));
        let props = |v: serde_json::Value| v.as_object().unwrap().clone();
        let good = props(json!({ "order_id": "A-1", "total": 89.9, "currency": "eur" }));
        s.apply(
            &BrowsingEvent::parse("purchase", good).unwrap(),
            Timestamp(1),
        );
        let order = s.orders.back().unwrap();
        assert_eq!(order.id.as_deref(), Some("A-1"));
        assert_eq!(order.total, Some(89.9));
        assert_eq!(order.currency.as_deref(), Some("EUR"));
        assert_eq!(order.at, Timestamp(1));

        let bad = props(json!({ "order_id": "x".repeat(500), "total": -3, "currency": "euro" }));
        s.apply(
            &BrowsingEvent::parse("purchase", bad).unwrap(),
            Timestamp(2),
        );
        let order = s.orders.back().unwrap();
        assert_eq!(
            (order.id.as_deref(), order.total, order.currency.as_deref()),
            (None, None, None)
        );
        assert_eq!(s.last_event.as_ref().unwrap().0, "purchase");

        for i in 0..20 {
            let p = props(json!({ "order_id": i, "total": i }));
            s.apply(
                &BrowsingEvent::parse("purchase", p).unwrap(),
                Timestamp(10 + i),
            );
        }
        assert_eq!(s.orders.len(), MAX_ORDERS);
        assert_eq!(s.orders.back().unwrap().id.as_deref(), Some("19"));
        assert_eq!(s.orders.front().unwrap().id.as_deref(), Some("10"));

        // A state stored before orders existed still loads.
        let mut stored = serde_json::to_value(&s).unwrap();
        stored.as_object_mut().unwrap().remove("orders");
        let loaded: VisitorState = serde_json::from_value(stored).unwrap();
        assert!(loaded.orders.is_empty());
    }

    #[test]
    fn bad_events_name_the_field() {
        let props = json!({ "url": "javascript:alert(1)" })
            .as_object()
            .unwrap()
            .clone();
        assert_eq!(
            BrowsingEvent::parse("page_view", props).unwrap_err().0,
            "url"
        );
        assert_eq!(
            BrowsingEvent::parse("Bad Name", Map::new()).unwrap_err().0,
            "name"
        );
        assert_eq!(
            BrowsingEvent::parse("add_to_cart", Map::new())
                .unwrap_err()
                .0,
            "sku"
        );
        let negative = json!({ "total": -5 }).as_object().unwrap().clone();
        assert_eq!(
            BrowsingEvent::parse("cart_update", negative).unwrap_err().0,
            "total"
        );
        assert!(matches!(
            BrowsingEvent::parse("newsletter_signup", Map::new()),
            Ok(BrowsingEvent::Other { .. })
        ));
    }
}
