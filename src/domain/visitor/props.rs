//! Readers for the optional fields of an event's properties, shared by the values that parse
//! themselves from an event; each `Err` is (field, reason) so the widget learns what to fix.

use serde_json::{Map, Value};

/// Text property of at most `max` characters, if present.
pub(super) fn optional_text(
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
