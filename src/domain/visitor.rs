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
        Ok(PageInfo {
            path: url.path().to_owned(),
            url: url.into(),
            title,
            page_type,
            referrer,
        })
    }
}

/// A browsing event the widget reports.
#[derive(Debug, Clone, PartialEq)]
pub enum BrowsingEvent {
    /// The shopper opened a page (or a single-page app changed route).
    PageView(PageInfo),
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
        if name == "page_view" {
            return PageInfo::from_props(&props).map(BrowsingEvent::PageView);
        }
        Ok(BrowsingEvent::Other {
            name: name.to_owned(),
            props,
        })
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
        }
        self.last_seen_at = now;
    }

    /// Applies a browsing event. A page view of the page the shopper is already on (a reload
    /// or a reconnect that repeats it) is not counted twice.
    pub fn apply(&mut self, event: &BrowsingEvent, now: Timestamp) {
        self.last_seen_at = now;
        match event {
            BrowsingEvent::PageView(page) => {
                if self.current_page.as_ref().map(|p| &p.url) == Some(&page.url) {
                    return;
                }
                self.pages_this_session = self.pages_this_session.saturating_add(1);
                self.current_page = Some(page.clone());
                self.page_entered_at = Some(now);
                if self.trail.len() == TRAIL_LEN {
                    self.trail.pop_front();
                }
                self.trail.push_back(TrailEntry {
                    at: now,
                    page: page.clone(),
                });
            }
            BrowsingEvent::Other { name, .. } => {
                self.last_event = Some((name.clone(), now));
            }
        }
    }

    /// Milliseconds on the current page, if any.
    pub fn time_on_page(&self, now: Timestamp) -> Option<i64> {
        self.page_entered_at.map(|t| now.millis_since(t))
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
        assert!(matches!(
            BrowsingEvent::parse("add_to_cart", Map::new()),
            Ok(BrowsingEvent::Other { .. })
        ));
    }
}
