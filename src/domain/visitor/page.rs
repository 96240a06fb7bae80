//! The pages a shopper opens: what the widget reports about each, the campaign of the page
//! that started a session, and the trail of recent pages an agent sees.

use super::props::optional_text;
use crate::domain::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

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
    /// The campaign named in a landing page's query string.
    pub(super) fn from_url(url: &str) -> Utm {
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

/// One entry of the page trail shown to agents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrailEntry {
    /// When the page was opened.
    pub at: Timestamp,
    /// The page.
    pub page: PageInfo,
}
