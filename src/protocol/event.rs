//! The `event` frame, read in one pass. A `page_view` whose `name` comes before its `props` (as
//! the widget sends it) is read straight into its page: the properties are looked at where
//! they lie in the frame's text and only what the page keeps is copied. Any other event, or
//! a page view written the other way round, keeps its properties as a JSON map, exactly as
//! before. Both accept and refuse the same frames: the page's properties are validated by
//! the same code ([`PageInfo::from_page_props`]), values are read as a map would read them
//! (the last of a repeated key wins; unknown keys are decoded, not skipped, so what a map
//! refuses is refused here too), and the frame's own fields are checked like a derived struct
//! (`name` required, no field twice).

use crate::domain::{BrowsingEvent, PageInfo, PageProps, Prop};
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::fmt;

/// `event`: something the shopper did.
#[derive(Debug)]
pub struct EventFrame {
    name: Cow<'static, str>,
    body: Body,
}

#[derive(Debug)]
enum Body {
    /// The properties as sent.
    Props(Map<String, Value>),
    /// A page view's page, already read and validated (or why not).
    Page(Result<PageInfo, (&'static str, String)>),
}

impl EventFrame {
    /// Event name (`page_view`, `add_to_cart`, a custom name…), as sent.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The properties as sent, for `identify`'s proof to be checked (and taken out) before
    /// the event is read; `None` for a page view read straight into its page.
    pub fn props_mut(&mut self) -> Option<&mut Map<String, Value>> {
        match &mut self.body {
            Body::Props(props) => Some(props),
            Body::Page(_) => None,
        }
    }

    /// The browsing event the frame reports; `Err` is (field, reason), as from
    /// [`BrowsingEvent::parse`].
    pub fn into_event(self) -> Result<BrowsingEvent, (&'static str, String)> {
        match self.body {
            Body::Props(props) => BrowsingEvent::parse(&self.name, props),
            Body::Page(page) => page.map(BrowsingEvent::PageView),
        }
    }
}

/// The same frame as a plain derived struct: what the slow path decodes again to name the
/// field at fault.
#[derive(Debug, serde::Deserialize)]
pub(super) struct PlainEventFrame {
    #[allow(dead_code)]
    name: String,
    #[serde(default)]
    #[allow(dead_code)]
    props: Map<String, Value>,
}

impl<'de> Deserialize<'de> for EventFrame {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(FrameVisitor)
    }
}

struct FrameVisitor;

impl<'de> Visitor<'de> for FrameVisitor {
    type Value = EventFrame;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("struct EventFrame")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<EventFrame, A::Error> {
        let mut name: Option<Cow<'de, str>> = None;
        let mut body = None;
        while let Some(Text(key)) = map.next_key::<Text<'de>>()? {
            match key.as_ref() {
                "name" if name.is_some() => return Err(de::Error::duplicate_field("name")),
                "name" => name = Some(map.next_value::<Text<'de>>()?.0),
                "props" if body.is_some() => return Err(de::Error::duplicate_field("props")),
                "props" if name.as_deref() == Some("page_view") => {
                    let page = map.next_value::<WirePage<'de>>()?;
                    body = Some(Body::Page(PageInfo::from_page_props(page.props())));
                }
                "props" => body = Some(Body::Props(map.next_value()?)),
                _ => {
                    map.next_value::<de::IgnoredAny>()?;
                }
            }
        }
        let name = match name {
            None => return Err(de::Error::missing_field("name")),
            Some(n) if n == "page_view" => Cow::Borrowed("page_view"),
            Some(n) => Cow::Owned(n.into_owned()),
        };
        Ok(EventFrame {
            name,
            body: body.unwrap_or_else(|| Body::Props(Map::new())),
        })
    }
}

/// A string, borrowed from the frame's text unless it holds escapes.
struct Text<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(V)
    }
}

/// One property value as a page reads it; anything but text and null is only validated (as a
/// JSON value would be) and remembered as "other".
enum WireProp<'a> {
    Null,
    Text(Cow<'a, str>),
    Other,
}

impl<'de> Deserialize<'de> for WireProp<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(PropVisitor)
    }
}

struct PropVisitor;

impl<'de> Visitor<'de> for PropVisitor {
    type Value = WireProp<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<WireProp<'de>, E> {
        Ok(WireProp::Text(Cow::Borrowed(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<WireProp<'de>, E> {
        Ok(WireProp::Text(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<WireProp<'de>, E> {
        Ok(WireProp::Text(Cow::Owned(v)))
    }
    fn visit_unit<E: de::Error>(self) -> Result<WireProp<'de>, E> {
        Ok(WireProp::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<WireProp<'de>, E> {
        Ok(WireProp::Null)
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<WireProp<'de>, E> {
        Ok(WireProp::Other)
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<WireProp<'de>, E> {
        Ok(WireProp::Other)
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<WireProp<'de>, E> {
        Ok(WireProp::Other)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<WireProp<'de>, E> {
        Ok(WireProp::Other)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<WireProp<'de>, A::Error> {
        while seq.next_element::<Value>()?.is_some() {}
        Ok(WireProp::Other)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<WireProp<'de>, A::Error> {
        while map.next_entry::<String, Value>()?.is_some() {}
        Ok(WireProp::Other)
    }
}

/// A page view's properties as they lie in the frame.
#[derive(Default)]
struct WirePage<'a> {
    url: Option<WireProp<'a>>,
    title: Option<WireProp<'a>>,
    page_type: Option<WireProp<'a>>,
    referrer: Option<WireProp<'a>>,
    device: Option<WireProp<'a>>,
    language: Option<WireProp<'a>>,
}

fn prop<'p>(value: &'p Option<WireProp<'_>>) -> Prop<'p> {
    match value {
        None => Prop::Absent,
        Some(WireProp::Null) => Prop::Null,
        Some(WireProp::Text(t)) => Prop::Text(t),
        Some(WireProp::Other) => Prop::Other,
    }
}

impl WirePage<'_> {
    fn props(&self) -> PageProps<'_> {
        PageProps {
            url: prop(&self.url),
            title: prop(&self.title),
            page_type: prop(&self.page_type),
            referrer: prop(&self.referrer),
            device: prop(&self.device),
            language: prop(&self.language),
        }
    }
}

impl<'de> Deserialize<'de> for WirePage<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = WirePage<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<WirePage<'de>, A::Error> {
                let mut page = WirePage::default();
                while let Some(Text(key)) = map.next_key::<Text<'de>>()? {
                    let slot = match key.as_ref() {
                        "url" => &mut page.url,
                        "title" => &mut page.title,
                        "type" => &mut page.page_type,
                        "referrer" => &mut page.referrer,
                        "device" => &mut page.device,
                        "language" => &mut page.language,
                        _ => {
                            map.next_value::<Value>()?;
                            continue;
                        }
                    };
                    *slot = Some(map.next_value()?);
                }
                Ok(page)
            }
        }
        deserializer.deserialize_map(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// What the frame meant before page views were read in place: a derived struct, then
    /// `BrowsingEvent::parse` over the property map.
    fn as_before(text: &str) -> Option<Result<BrowsingEvent, (&'static str, String)>> {
        #[derive(serde::Deserialize)]
        struct Before {
            name: String,
            #[serde(default)]
            props: Map<String, Value>,
        }
        let before: Before = serde_json::from_str(text).ok()?;
        Some(BrowsingEvent::parse(&before.name, before.props))
    }

    fn as_now(text: &str) -> Option<Result<BrowsingEvent, (&'static str, String)>> {
        serde_json::from_str::<EventFrame>(text)
            .ok()
            .map(EventFrame::into_event)
    }

    #[test]
    fn page_views_read_in_place_mean_what_they_meant() {
        let frames = [
            r##"{"type":"event","name":"page_view","props":{"url":"https://s.example/products/7","type":"product"}}"##,
            r##"{"type":"event","name":"page_view","props":{"url":"https://S.example/a b?x=\"1\"#f","title":"Jacket \u00e9","referrer":"","device":"mobile","language":"de-DE","extra":{"k":[1,2]}}}"##,
            r##"{"props":{"url":"https://s.example/"},"name":"page_view","type":"event"}"##,
            r##"{"name":"page_view","props":{"url":"https://s.example/","url":"https://s.example/b"}}"##,
            r##"{"name":"page_view","props":{"url":"https://s.example/","title":null,"type":null}}"##,
            r##"{"name":"page_view","props":{"url":"javascript:alert(1)"}}"##,
            r##"{"name":"page_view","props":{"url":5}}"##,
            r##"{"name":"page_view","props":{"url":null}}"##,
            r##"{"name":"page_view","props":{}}"##,
            r##"{"name":"page_view"}"##,
            r##"{"name":"page_view","props":null}"##,
            r##"{"name":"page_view","props":[1]}"##,
            r##"{"name":"page_view","props":{"url":"https://s.example/","type":"PRODUCT"}}"##,
            r##"{"name":"page_view","props":{"url":"https://s.example/","type":3}}"##,
            r##"{"name":"page_view","props":{"url":"https://s.example/","title":["x"]}}"##,
            r##"{"name":"page_view","props":{"url":"https://s.example/","device":"phone"}}"##,
            r##"{"name":"page_view","props":{"url":"https://s.example/","language":"a-very-long-language-tag-that-goes-on"}}"##,
            r##"{"name":"page_view","props":{"url":"https://s.example/","other":"\ud800"}}"##,
            r##"{"name":"page_view","name":"page_view","props":{"url":"https://s.example/"}}"##,
            r##"{"name":"page_view","props":{"url":"https://s.example/"},"props":{}}"##,
            r##"{"name":"pag\u0065_view","props":{"u\u0072l":"https://s.example/\u00e9"}}"##,
            r##"{"name":5,"props":{}}"##,
            r##"{"props":{}}"##,
            r##"{"name":"add_to_cart","props":{"sku":"J-1","qty":2}}"##,
            r##"{"name":"identify","props":{"email":"a@b.c"}}"##,
            r##"{"name":"Bad Name"}"##,
        ];
        for text in frames {
            assert_eq!(as_now(text), as_before(text), "{text}");
        }
    }

    fn prop_value() -> impl Strategy<Value = Value> {
        prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i32>().prop_map(Value::from),
            prop_oneof![
                Just("https://s.example/products/7?utm_source=x".to_owned()),
                Just("http://s.example".to_owned()),
                Just("ftp://s.example/".to_owned()),
                Just("".to_owned()),
                Just("product".to_owned()),
                Just("mobile".to_owned()),
                ".{0,40}",
            ]
            .prop_map(Value::String),
            prop::collection::vec(any::<u8>().prop_map(Value::from), 0..3).prop_map(Value::Array),
        ]
    }

    proptest! {
        /// Whatever a page view's properties hold, in whatever order, the frame means the same.
        #[test]
        fn any_page_view_means_what_it_meant(
            props in prop::collection::vec((prop_oneof![
                Just("url"), Just("title"), Just("type"), Just("referrer"), Just("device"),
                Just("language"), Just("other")], prop_value()), 0..8),
            props_first in any::<bool>(),
        ) {
            let body = props
                .iter()
                .map(|(k, v)| format!("{}:{v}", Value::from(*k)))
                .collect::<Vec<_>>()
                .join(",");
            let text = if props_first {
                format!(r#"{{"props":{{{body}}},"name":"page_view"}}"#)
            } else {
                format!(r#"{{"type":"event","name":"page_view","props":{{{body}}}}}"#)
            };
            prop_assert_eq!(as_now(&text), as_before(&text), "{}", text);
        }
    }
}
