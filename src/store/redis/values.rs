//! Turning Redis replies and stored JSON into records, with errors that name what broke.

use super::super::StoreError;
use ::redis::Value;
use std::collections::HashMap;

/// Wraps a client error with what the store was doing. Every Redis error is `Unavailable`:
/// a refused connection, a timeout or a dropped reply leaves the write's fate unknown, so the
/// caller reports a retryable error and acks nothing (a retry is deduplicated by
/// `client_msg_id`). This is the only place that knows the client's error type.
pub(super) fn redis_err(context: &'static str) -> impl Fn(::redis::RedisError) -> StoreError {
    move |source| StoreError::Unavailable {
        context,
        source: Box::new(source),
    }
}

/// Stored data that does not parse.
pub(super) fn corrupt(what: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(what.to_string())
}

/// A record as stored.
pub(super) fn to_json<T: serde::Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(corrupt)
}

/// A stored record; `what` names it in the error.
pub(super) fn from_json<T: serde::de::DeserializeOwned>(
    what: &str,
    json: &str,
) -> Result<T, StoreError> {
    serde_json::from_str(json).map_err(|e| corrupt(format!("{what}: {e}")))
}

/// A reply element as text (`None` for nil and nested replies).
pub(super) fn text(value: &Value) -> Option<String> {
    match value {
        Value::BulkString(bytes) => Some(String::from_utf8_lossy(bytes).into_owned()),
        Value::SimpleString(s) => Some(s.clone()),
        Value::Int(n) => Some(n.to_string()),
        Value::Okay => Some("OK".into()),
        _ => None,
    }
}

/// A flat `[field, value, field, value, …]` reply (HGETALL, a stream entry) as a map.
pub(super) fn pairs(value: &Value) -> HashMap<String, String> {
    let mut map = HashMap::new();
    match value {
        Value::Array(items) => {
            for pair in items.chunks(2) {
                if let [k, v] = pair
                    && let (Some(k), Some(v)) = (text(k), text(v))
                {
                    map.insert(k, v);
                }
            }
        }
        Value::Map(items) => {
            for (k, v) in items {
                if let (Some(k), Some(v)) = (text(k), text(v)) {
                    map.insert(k, v);
                }
            }
        }
        _ => {}
    }
    map
}

/// The elements of an array reply (empty for anything else).
pub(super) fn items(value: Value) -> Vec<Value> {
    match value {
        Value::Array(items) | Value::Set(items) => items,
        _ => Vec::new(),
    }
}

/// A numeric field of a map, 0 when absent (counters start at zero).
pub(super) fn number(map: &HashMap<String, String>, field: &str) -> Result<u64, StoreError> {
    match map.get(field) {
        None => Ok(0),
        Some(v) => v
            .parse()
            .map_err(|_| corrupt(format!("field {field} is not a number: {v}"))),
    }
}

/// A sorted-set score that holds milliseconds (exact: ms timestamps are far below 2^53).
pub(super) fn score_ms(score: &str) -> Result<i64, StoreError> {
    score
        .parse::<f64>()
        .map(|f| f as i64)
        .map_err(|_| corrupt(format!("score {score}")))
}
