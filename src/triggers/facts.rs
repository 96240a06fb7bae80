//! Facts: what a rule can ask about a visitor at a moment. Names are resolved to [`Fact`] once
//! when a rule is validated, so evaluation never compares strings to find a fact.

use super::ShopFacts;
use super::visitor::VisitorRecord;
use crate::domain::{AgentId, CartItem, PageType, Timestamp};
use serde_json::Value as Json;

/// A fact a condition can test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fact {
    /// `page.url`
    PageUrl,
    /// `page.path`
    PagePath,
    /// `page.title`
    PageTitle,
    /// `page.type`: product, cart, checkout, other
    PageType,
    /// `time_on_page`, seconds
    TimeOnPage,
    /// `pages_this_session`
    PagesThisSession,
    /// `session_duration`, seconds
    SessionDuration,
    /// `visits`
    Visits,
    /// `returning`
    Returning,
    /// `referrer.host`
    ReferrerHost,
    /// `utm.source`
    UtmSource,
    /// `utm.medium`
    UtmMedium,
    /// `utm.campaign`
    UtmCampaign,
    /// `device`: mobile, tablet, desktop
    Device,
    /// `language`
    Language,
    /// `cart.total`
    CartTotal,
    /// `cart.items`, units
    CartItems,
    /// `cart.skus`, for `contains` and `in`
    CartSkus,
    /// `product.sku`
    ProductSku,
    /// `product.name`
    ProductName,
    /// `product.price`
    ProductPrice,
    /// `product.category`
    ProductCategory,
    /// `identified`
    Identified,
    /// `visitor.NAME`: a custom attribute from `identify`
    Attribute(String),
    /// `idle_time`, seconds
    IdleTime,
    /// `exit_intent`
    ExitIntent,
    /// `agents_online`
    AgentsOnline,
    /// `business_hours`
    BusinessHours,
    /// `in_conversation`
    InConversation,
    /// `proactive_seen`: proactive messages this visitor has been shown
    ProactiveSeen,
    /// `customer.orders_count`: from the shop's records (verified visitors only)
    CustomerOrdersCount,
    /// `customer.total_spent`
    CustomerTotalSpent,
    /// `customer.tags`, for `contains` and `in`
    CustomerTags,
    /// `last_order.status`
    LastOrderStatus,
    /// `last_order.fulfillment_status`
    LastOrderFulfillment,
    /// `last_order.days_since`: whole days since the newest order was placed
    LastOrderDaysSince,
}

/// The type of a fact's values, for checking operators and values when a rule is saved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A number.
    Number,
    /// Text.
    Text,
    /// True or false.
    Bool,
    /// A list of text (SKUs).
    List,
    /// Whatever the shop sent (custom attributes).
    Any,
}

/// Which clock a time fact counts from; the timer planner needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    /// Since the current page opened.
    Page,
    /// Since the session began.
    Session,
    /// Since the last activity.
    Idle,
}

/// Every fact name, for error messages.
pub(super) const FACT_NAMES: &[&str] = &[
    "page.url",
    "page.path",
    "page.title",
    "page.type",
    "time_on_page",
    "pages_this_session",
    "session_duration",
    "visits",
    "returning",
    "referrer.host",
    "utm.source",
    "utm.medium",
    "utm.campaign",
    "device",
    "language",
    "cart.total",
    "cart.items",
    "cart.skus",
    "product.sku",
    "product.name",
    "product.price",
    "product.category",
    "identified",
    "visitor.<attribute>",
    "idle_time",
    "exit_intent",
    "agents_online",
    "business_hours",
    "in_conversation",
    "proactive_seen",
    "customer.orders_count",
    "customer.total_spent",
    "customer.tags",
    "last_order.status",
    "last_order.fulfillment_status",
    "last_order.days_since",
];

impl Fact {
    /// Resolves a fact name.
    pub fn parse(name: &str) -> Option<Fact> {
        use Fact::*;
        Some(match name {
            "page.url" => PageUrl,
            "page.path" => PagePath,
            "page.title" => PageTitle,
            "page.type" => PageType,
            "time_on_page" => TimeOnPage,
            "pages_this_session" => PagesThisSession,
            "session_duration" => SessionDuration,
            "visits" => Visits,
            "returning" => Returning,
            "referrer.host" => ReferrerHost,
            "utm.source" => UtmSource,
            "utm.medium" => UtmMedium,
            "utm.campaign" => UtmCampaign,
            "device" => Device,
            "language" => Language,
            "cart.total" => CartTotal,
            "cart.items" => CartItems,
            "cart.skus" => CartSkus,
            "product.sku" => ProductSku,
            "product.name" => ProductName,
            "product.price" => ProductPrice,
            "product.category" => ProductCategory,
            "identified" => Identified,
            "idle_time" => IdleTime,
            "exit_intent" => ExitIntent,
            "agents_online" => AgentsOnline,
            "business_hours" => BusinessHours,
            "in_conversation" => InConversation,
            "proactive_seen" => ProactiveSeen,
            "customer.orders_count" => CustomerOrdersCount,
            "customer.total_spent" => CustomerTotalSpent,
            "customer.tags" => CustomerTags,
            "last_order.status" => LastOrderStatus,
            "last_order.fulfillment_status" => LastOrderFulfillment,
            "last_order.days_since" => LastOrderDaysSince,
            other => {
                let attribute = other.strip_prefix("visitor.")?;
                let valid = (1..=64).contains(&attribute.len())
                    && attribute
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'_');
                return valid.then(|| Attribute(attribute.to_owned()));
            }
        })
    }

    /// The type of the fact's values.
    pub fn kind(&self) -> Kind {
        use Fact::*;
        match self {
            PageUrl | PagePath | PageTitle | PageType | ReferrerHost | UtmSource | UtmMedium
            | UtmCampaign | Device | Language | ProductSku | ProductName | ProductCategory
            | LastOrderStatus | LastOrderFulfillment => Kind::Text,
            TimeOnPage | PagesThisSession | SessionDuration | Visits | CartTotal | CartItems
            | ProductPrice | IdleTime | AgentsOnline | ProactiveSeen | CustomerOrdersCount
            | CustomerTotalSpent | LastOrderDaysSince => Kind::Number,
            Returning | Identified | ExitIntent | BusinessHours | InConversation => Kind::Bool,
            CartSkus | CustomerTags => Kind::List,
            Attribute(_) => Kind::Any,
        }
    }

    /// The clock of a time fact; `None` for facts that do not change by themselves.
    pub fn clock(&self) -> Option<Clock> {
        match self {
            Fact::TimeOnPage => Some(Clock::Page),
            Fact::SessionDuration => Some(Clock::Session),
            Fact::IdleTime => Some(Clock::Idle),
            _ => None,
        }
    }
}

/// A fact's value at one moment.
#[derive(Debug, Clone, PartialEq)]
pub enum FactValue<'a> {
    /// Not known (no page yet, no cart, attribute not set).
    Missing,
    /// A number.
    Number(f64),
    /// Text.
    Text(&'a str),
    /// True or false.
    Bool(bool),
    /// The cart's lines, tested by SKU.
    Items(&'a [CartItem]),
    /// A custom attribute.
    Json(&'a Json),
    /// The shop's tags on the customer, tested by name.
    Tags(&'a [String]),
}

/// Everything rules can see about one visitor at one moment. The clock is a field, never read
/// inside the engine, so evaluation is a pure function of its inputs.
#[derive(Debug, Clone, Copy)]
pub struct Facts<'a> {
    /// The moment of evaluation.
    pub now: Timestamp,
    /// The visitor's browsing state and trigger history.
    pub visitor: &'a VisitorRecord,
    /// Agents online for the site now (a message from an agent persona needs its agent here).
    pub online_agents: &'a [AgentId],
    /// Whether the site is within its business hours.
    pub business_hours: bool,
    /// Whether the visitor has an open conversation.
    pub in_conversation: bool,
    /// What the shop's systems say about a verified visitor (`None` for anyone else).
    pub shop: Option<&'a ShopFacts>,
}

fn text(value: Option<&str>) -> FactValue<'_> {
    value.map_or(FactValue::Missing, FactValue::Text)
}

fn secs(ms: i64) -> FactValue<'static> {
    FactValue::Number(ms as f64 / 1000.0)
}

impl<'a> Facts<'a> {
    /// When a clock started, if it has.
    pub fn clock_start(&self, clock: Clock) -> Option<Timestamp> {
        let v = self.visitor;
        match clock {
            Clock::Page => v.page_entered_at,
            Clock::Session => Some(v.session_started_at),
            Clock::Idle => Some(v.idle_since()),
        }
    }

    /// The value of a fact now.
    pub fn value(&self, fact: &Fact) -> FactValue<'a> {
        let v = self.visitor;
        let page = v.current_page.as_ref();
        let product = v.product.as_ref();
        let cart = v.cart.as_ref();
        match fact {
            Fact::PageUrl => text(page.map(|p| p.url.as_str())),
            Fact::PagePath => text(page.map(|p| p.path.as_str())),
            Fact::PageTitle => text(page.and_then(|p| p.title.as_deref())),
            Fact::PageType => text(page.map(|p| match p.page_type {
                PageType::Product => "product",
                PageType::Cart => "cart",
                PageType::Checkout => "checkout",
                PageType::Other => "other",
            })),
            Fact::TimeOnPage => v.time_on_page(self.now).map_or(FactValue::Missing, secs),
            Fact::PagesThisSession => FactValue::Number(f64::from(v.pages_this_session)),
            Fact::SessionDuration => secs(v.session_duration(self.now)),
            Fact::Visits => FactValue::Number(f64::from(v.visits)),
            Fact::Returning => FactValue::Bool(v.is_returning()),
            Fact::ReferrerHost => text(v.referrer_host.as_deref()),
            Fact::UtmSource => text(v.utm.source.as_deref()),
            Fact::UtmMedium => text(v.utm.medium.as_deref()),
            Fact::UtmCampaign => text(v.utm.campaign.as_deref()),
            Fact::Device => text(v.device.as_deref()),
            Fact::Language => text(v.language.as_deref()),
            Fact::CartTotal => FactValue::Number(cart.map_or(0.0, |c| c.total)),
            Fact::CartItems => FactValue::Number(f64::from(cart.map_or(0, |c| c.item_count()))),
            Fact::CartSkus => FactValue::Items(cart.map_or(&[], |c| c.items.as_slice())),
            Fact::ProductSku => text(product.and_then(|p| p.sku.as_deref())),
            Fact::ProductName => text(product.and_then(|p| p.name.as_deref())),
            Fact::ProductPrice => product
                .and_then(|p| p.price)
                .map_or(FactValue::Missing, FactValue::Number),
            Fact::ProductCategory => text(product.and_then(|p| p.category.as_deref())),
            Fact::Identified => FactValue::Bool(v.identified),
            Fact::Attribute(name) => v
                .attributes
                .get(name)
                .map_or(FactValue::Missing, FactValue::Json),
            Fact::IdleTime => secs(v.idle_time(self.now)),
            Fact::ExitIntent => FactValue::Bool(v.exit_intent),
            Fact::AgentsOnline => FactValue::Number(self.online_agents.len() as f64),
            Fact::BusinessHours => FactValue::Bool(self.business_hours),
            Fact::InConversation => FactValue::Bool(self.in_conversation),
            Fact::ProactiveSeen => FactValue::Number(f64::from(v.triggers.proactive_total())),
            shop => self.shop_value(shop),
        }
    }

    /// A fact from the shop's records; missing for a visitor the shop did not vouch for.
    fn shop_value(&self, fact: &Fact) -> FactValue<'a> {
        let Some(shop) = self.shop else {
            return FactValue::Missing;
        };
        match fact {
            Fact::CustomerOrdersCount => FactValue::Number(f64::from(shop.orders_count)),
            Fact::CustomerTotalSpent => shop
                .total_spent
                .map_or(FactValue::Missing, FactValue::Number),
            Fact::CustomerTags => FactValue::Tags(&shop.tags),
            Fact::LastOrderStatus => text(shop.last_order_status.as_deref()),
            Fact::LastOrderFulfillment => text(shop.last_order_fulfillment.as_deref()),
            Fact::LastOrderDaysSince => shop.last_order_at.map_or(FactValue::Missing, |at| {
                FactValue::Number((self.now.millis_since(at) / 86_400_000) as f64)
            }),
            _ => FactValue::Missing,
        }
    }
}
