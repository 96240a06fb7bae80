//! The pages a shopper opens: what the widget reports about each, the campaign of the page
//! that started a session, and the trail of recent pages an agent sees.

use super::props::Prop;
use crate::domain::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::sync::Arc;

const MAX_URL: usize = 2048;
const MAX_TITLE: usize = 300;

/// The kind of page, which rules and agents care about more than the URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, utoipa::ToSchema)]
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

/// A page the shopper is on, as the widget reports it. Shared, not copied: the current page,
/// the trail entry, the live-visitors summary and the event that brought it all hold the same
/// one, so recording a page view allocates its text once. Reads as its [`PageData`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageInfo(Arc<PageData>);

/// What the widget reports about a page (see [`PageInfo`], which shares one).
#[derive(Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PageData {
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
    #[schema(value_type = Option<String>)]
    pub device: Option<Known>,
    /// The browser's language tag (`de-DE`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub language: Option<Known>,
}

/// A short text that repeats across page views: borrowed when it is one the server knows (a
/// device class, a common language tag), so reading a page does not allocate it; owned
/// otherwise. Stored and sent as plain text.
pub type Known = std::borrow::Cow<'static, str>;

/// Language tags browsers commonly report (`navigator.language`), kept without a copy.
const COMMON_LANGUAGES: &[&str] = &[
    "en", "en-US", "en-GB", "en-AU", "en-CA", "en-IE", "en-IN", "en-NZ", "de", "de-DE", "de-AT",
    "de-CH", "fr", "fr-FR", "fr-BE", "fr-CA", "fr-CH", "es", "es-ES", "es-MX", "es-419", "it",
    "it-IT", "nl", "nl-NL", "nl-BE", "pl", "pl-PL", "pt", "pt-PT", "pt-BR", "ro", "ro-RO", "sv",
    "sv-SE", "da", "da-DK", "fi", "fi-FI", "nb", "nb-NO", "no", "cs", "cs-CZ", "sk", "hu", "hu-HU",
    "el", "tr", "tr-TR", "ru", "ru-RU", "uk", "ja", "ja-JP", "zh-CN", "zh-TW", "ko", "ko-KR",
];

/// The tag, borrowed when it is a common one.
fn known_language(tag: &str) -> Known {
    match COMMON_LANGUAGES.iter().find(|known| **known == tag) {
        Some(known) => Known::Borrowed(known),
        None => Known::Owned(tag.to_owned()),
    }
}

impl std::ops::Deref for PageInfo {
    type Target = PageData;

    fn deref(&self) -> &PageData {
        &self.0
    }
}

/// Stored and sent exactly as the page's fields, as before pages were shared.
impl Serialize for PageInfo {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for PageInfo {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        PageData::deserialize(deserializer).map(|page| PageInfo(Arc::new(page)))
    }
}

/// The properties a page view is read from, whatever carried them: a decoded JSON map
/// ([`PageProps::of`]) or the wire decoder reading a `page_view` frame in place. One
/// validation ([`PageInfo::from_page_props`]) serves both, so they accept and refuse alike.
#[derive(Debug, Clone, Copy, Default)]
pub struct PageProps<'a> {
    /// `url`.
    pub url: Prop<'a>,
    /// `title`.
    pub title: Prop<'a>,
    /// `type`.
    pub page_type: Prop<'a>,
    /// `referrer`.
    pub referrer: Prop<'a>,
    /// `device`.
    pub device: Prop<'a>,
    /// `language`.
    pub language: Prop<'a>,
}

impl<'a> PageProps<'a> {
    /// The page's properties in an event's (or `hello`'s) property map.
    pub fn of(props: &'a Map<String, Value>) -> Self {
        let get = |key: &str| Prop::of(props.get(key));
        PageProps {
            url: get("url"),
            title: get("title"),
            page_type: get("type"),
            referrer: get("referrer"),
            device: get("device"),
            language: get("language"),
        }
    }
}

impl PageInfo {
    /// Reads `{url, title?, type?, referrer?}` from an event's properties; `Err` names the field.
    pub fn from_props(props: &Map<String, Value>) -> Result<Self, (&'static str, String)> {
        Self::from_page_props(PageProps::of(props))
    }

    /// Validates a page's properties; `Err` is (field, reason), the first field at fault in
    /// the order url, title, type, referrer, device, language.
    pub fn from_page_props(props: PageProps<'_>) -> Result<Self, (&'static str, String)> {
        let url_text = match props.url {
            Prop::Text(s) => s,
            Prop::Absent => return Err(("url", "is required".into())),
            Prop::Null | Prop::Other => return Err(("url", "must be a string".into())),
        };
        if url_text.len() > MAX_URL {
            return Err(("url", format!("is longer than {MAX_URL} characters")));
        }
        let url = url::Url::parse(url_text)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .ok_or_else(|| ("url", "must be an absolute http(s) URL".to_string()))?;
        let title = match props.title {
            Prop::Absent | Prop::Null => None,
            Prop::Text(s) => Some(cut(s, MAX_TITLE)),
            Prop::Other => return Err(("title", "must be a string".into())),
        };
        let page_type = match props.page_type {
            Prop::Absent | Prop::Null => PageType::Other,
            Prop::Text("product") => PageType::Product,
            Prop::Text("cart") => PageType::Cart,
            Prop::Text("checkout") => PageType::Checkout,
            Prop::Text("other") => PageType::Other,
            Prop::Text(_) | Prop::Other => {
                return Err((
                    "type",
                    "must be one of product, cart, checkout, other".to_string(),
                ));
            }
        };
        let referrer = match props.referrer {
            Prop::Absent | Prop::Null => None,
            Prop::Text("") => None,
            Prop::Text(s) => Some(cut(s, MAX_URL)),
            Prop::Other => return Err(("referrer", "must be a string".into())),
        };
        let device = match props.device.optional_text("device", 20)? {
            Some("mobile") => Some(Known::Borrowed("mobile")),
            Some("tablet") => Some(Known::Borrowed("tablet")),
            Some("desktop") => Some(Known::Borrowed("desktop")),
            Some(_) => return Err(("device", "must be mobile, tablet or desktop".into())),
            None => None,
        };
        let language = props
            .language
            .optional_text("language", 35)?
            .map(known_language);
        Ok(PageInfo(Arc::new(PageData {
            path: url.path().to_owned(),
            url: url.into(),
            title,
            page_type,
            referrer,
            device,
            language,
        })))
    }
}

/// The first `max` characters of `text`, copied once (collecting characters one by one grows
/// the string several times).
fn cut(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((end, _)) => text[..end].to_owned(),
        None => text.to_owned(),
    }
}

/// Campaign parameters of the page that started the session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default, utoipa::ToSchema)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TrailEntry {
    /// When the page was opened.
    #[schema(value_type = i64)]
    pub at: Timestamp,
    /// The page.
    #[schema(value_type = PageData)]
    pub page: PageInfo,
}
