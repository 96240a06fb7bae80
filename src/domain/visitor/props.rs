//! Readers for the optional fields of an event's properties, shared by the values that parse
//! themselves from an event; each `Err` is (field, reason) so the widget learns what to fix.

use serde_json::{Map, Value};

/// One property as validation reads it: absent, null, text, or anything else (a number, a
/// list…), which a text field refuses without needing to know more.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Prop<'a> {
    /// Not sent.
    #[default]
    Absent,
    /// Sent as `null`.
    Null,
    /// Sent as text.
    Text(&'a str),
    /// Sent as something other than text or null.
    Other,
}

impl<'a> Prop<'a> {
    /// A property of a decoded JSON map.
    pub fn of(value: Option<&'a Value>) -> Self {
        match value {
            None => Prop::Absent,
            Some(Value::Null) => Prop::Null,
            Some(Value::String(s)) => Prop::Text(s),
            Some(_) => Prop::Other,
        }
    }

    /// Text of at most `max` characters, if present.
    pub(super) fn optional_text(
        self,
        field: &'static str,
        max: usize,
    ) -> Result<Option<&'a str>, (&'static str, String)> {
        match self {
            Prop::Absent | Prop::Null => Ok(None),
            Prop::Text(s) if s.chars().count() <= max => Ok(Some(s)),
            Prop::Text(_) => Err((field, format!("is longer than {max} characters"))),
            Prop::Other => Err((field, "must be a string".into())),
        }
    }
}

/// Text property of at most `max` characters, if present.
pub(super) fn optional_text(
    props: &Map<String, Value>,
    field: &'static str,
    max: usize,
) -> Result<Option<String>, (&'static str, String)> {
    Prop::of(props.get(field))
        .optional_text(field, max)
        .map(|text| text.map(str::to_owned))
}

/// Number property, if present; must be finite and not negative.
pub(super) fn optional_amount(
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
