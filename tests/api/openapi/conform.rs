//! Whether a JSON value is what a schema of the served document describes: the checker the
//! answer tests use, and the test that no operation answers (or reads) an untyped object.
//! Strict where drift hides: every required property present, no property the schema does not
//! describe, JSON types as declared (an integer where `integer` is), enum values listed,
//! `oneOf` met by one of its alternatives, down through nested objects, maps and arrays.

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// `schema` with its `$ref` followed.
pub(super) fn resolved<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(target) => resolved(doc, doc.pointer(target.strip_prefix('#').unwrap()).unwrap()),
        None => schema,
    }
}

/// The properties of an object schema (name: its schema, required), through `allOf`.
fn properties<'a>(
    doc: &'a Value,
    schema: &'a Value,
    out: &mut BTreeMap<String, (&'a Value, bool)>,
) {
    let schema = resolved(doc, schema);
    for part in schema["allOf"].as_array().into_iter().flatten() {
        properties(doc, part, out);
    }
    let required: BTreeSet<&str> = schema["required"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    for (name, inner) in schema["properties"].as_object().into_iter().flatten() {
        out.insert(name.clone(), (inner, required.contains(name.as_str())));
    }
}

/// The schema a map's values must meet (`additionalProperties` as a schema), through `allOf`.
fn map_values<'a>(doc: &'a Value, schema: &'a Value) -> Option<&'a Value> {
    let schema = resolved(doc, schema);
    if schema["additionalProperties"].is_object() {
        return Some(&schema["additionalProperties"]);
    }
    schema["allOf"]
        .as_array()
        .into_iter()
        .flatten()
        .find_map(|part| map_values(doc, part))
}

/// The keywords that say something about a value; a schema with none of them is `{}`,
/// which accepts anything (serde_json's `Value`).
const CONSTRAINING: &[&str] = &[
    "$ref",
    "type",
    "properties",
    "additionalProperties",
    "allOf",
    "oneOf",
    "anyOf",
    "enum",
    "items",
    "const",
];

/// Whether `schema` is `{}` (any value), as opposed to a described one.
fn is_any(schema: &Value) -> bool {
    schema
        .as_object()
        .is_some_and(|o| CONSTRAINING.iter().all(|k| !o.contains_key(*k)))
}

/// The JSON type names `value` satisfies (`integer` is also a `number`).
fn type_names(value: &Value) -> &'static [&'static str] {
    match value {
        Value::Null => &["null"],
        Value::Bool(_) => &["boolean"],
        Value::Number(n) if n.is_i64() || n.is_u64() => &["integer", "number"],
        Value::Number(_) => &["number"],
        Value::String(_) => &["string"],
        Value::Array(_) => &["array"],
        Value::Object(_) => &["object"],
    }
}

/// Why `body` does not meet `schema`, or `Ok`.
pub(super) fn conforms(
    doc: &Value,
    schema: &Value,
    body: &Value,
    what: &str,
) -> Result<(), String> {
    let schema = resolved(doc, schema);
    if is_any(schema) {
        return Ok(());
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(alternatives) = schema[key].as_array() {
            let failures: Vec<String> = alternatives
                .iter()
                .filter_map(|a| conforms(doc, a, body, what).err())
                .collect();
            if failures.len() == alternatives.len() {
                return Err(format!(
                    "{what}: {body} meets none of its {key}: {}",
                    failures.join(" | ")
                ));
            }
            return Ok(());
        }
    }
    let declared: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if !declared.is_empty() && !type_names(body).iter().any(|t| declared.contains(t)) {
        return Err(format!("{what}: {body} is not of type {declared:?}"));
    }
    if let Some(values) = schema["enum"].as_array()
        && !values.contains(body)
    {
        return Err(format!("{what}: {body} is not one of {values:?}"));
    }
    match body {
        Value::Null => {
            let nullable = declared.contains(&"null")
                || schema["enum"].as_array().is_some_and(|v| v.contains(body));
            if nullable {
                Ok(())
            } else {
                Err(format!("{what}: null where the schema allows none"))
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                conforms(doc, &schema["items"], item, &format!("{what}[{i}]"))?;
            }
            Ok(())
        }
        Value::Object(object) => object_conforms(doc, schema, object, what),
        _ => {
            // A scalar under `allOf` (a documented `$ref` to an enum) meets every part.
            for part in schema["allOf"].as_array().into_iter().flatten() {
                conforms(doc, part, body, what)?;
            }
            Ok(())
        }
    }
}

fn object_conforms(
    doc: &Value,
    schema: &Value,
    object: &serde_json::Map<String, Value>,
    what: &str,
) -> Result<(), String> {
    let mut described = BTreeMap::new();
    properties(doc, schema, &mut described);
    let values = map_values(doc, schema);
    if described.is_empty() && values.is_none() {
        return Err(format!("{what}: a typed schema, not a bare object"));
    }
    for (key, value) in object {
        let inner = match (described.get(key), values) {
            (Some((inner, _)), _) => *inner,
            (None, Some(inner)) => inner,
            (None, None) => return Err(format!("{what}: `{key}` is not in the schema")),
        };
        conforms(doc, inner, value, &format!("{what}.{key}"))?;
    }
    for (name, (_, required)) in &described {
        if *required && !object.contains_key(name) {
            return Err(format!("{what}: required `{name}` missing"));
        }
    }
    Ok(())
}

/// Whether a schema describes nothing: a bare `object` (utoipa's `Object`) or `{}` (a bare
/// `serde_json::Value`), also as the items of an array. A map with typed values, an enum, a
/// scalar or an object with properties is typed.
pub(super) fn untyped(doc: &Value, schema: &Value) -> bool {
    let schema = resolved(doc, schema);
    if is_any(schema) {
        return true;
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        if let Some(parts) = schema[key].as_array() {
            return parts
                .iter()
                .all(|p| untyped(doc, p) || resolved(doc, p)["type"] == "null");
        }
    }
    let kinds: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if kinds.contains(&"array") {
        return untyped(doc, &schema["items"]);
    }
    let has_properties = schema["properties"]
        .as_object()
        .is_some_and(|p| !p.is_empty());
    let typed_map =
        schema["additionalProperties"].is_object() && !is_any(&schema["additionalProperties"]);
    let scalar = kinds.iter().any(|k| !["object", "null"].contains(k));
    !(has_properties || typed_map || scalar || schema["enum"].is_array())
}

#[test]
fn the_checker_refuses_what_drifted_and_accepts_what_is_described() {
    let doc = serde_json::json!({ "components": { "schemas": {
        "Kind": { "type": "string", "enum": ["a", "b"] },
        "Thing": { "type": "object", "required": ["id", "n"], "properties": {
            "id": { "type": "string" },
            "n": { "type": "integer" },
            "kind": { "oneOf": [{ "type": "null" }, { "$ref": "#/components/schemas/Kind" }] },
            "tags": { "type": "array", "items": { "type": "string" } },
            "extra": {},
        } },
    } } });
    let thing = serde_json::json!({ "$ref": "#/components/schemas/Thing" });
    let check = |body: Value| conforms(&doc, &thing, &body, "thing");
    assert!(
        check(serde_json::json!({ "id": "x", "n": 1, "kind": null, "tags": ["t"], "extra": [1] }))
            .is_ok()
    );
    assert!(check(serde_json::json!({ "id": "x", "n": 1, "kind": "b" })).is_ok());
    for (bad, why) in [
        (serde_json::json!({ "n": 1 }), "required `id` missing"),
        (
            serde_json::json!({ "id": "x", "n": 1, "idd": 1 }),
            "`idd` is not in the schema",
        ),
        (serde_json::json!({ "id": "x", "n": 1.5 }), "not of type"),
        (serde_json::json!({ "id": 7, "n": 1 }), "not of type"),
        (
            serde_json::json!({ "id": "x", "n": 1, "kind": "c" }),
            "meets none",
        ),
        (
            serde_json::json!({ "id": "x", "n": 1, "tags": [1] }),
            "not of type",
        ),
        (serde_json::json!({ "id": null, "n": 1 }), "not of type"),
    ] {
        let error = check(bad.clone()).expect_err(&bad.to_string());
        assert!(error.contains(why), "{bad}: {error}");
    }
    assert!(untyped(&doc, &serde_json::json!({ "type": "object" })));
    assert!(untyped(&doc, &serde_json::json!({})));
    assert!(untyped(
        &doc,
        &serde_json::json!({ "type": "array", "items": { "type": "object" } })
    ));
    assert!(!untyped(&doc, &thing));
    assert!(!untyped(
        &doc,
        &serde_json::json!({ "type": "object", "additionalProperties": { "type": "integer" } })
    ));
}
