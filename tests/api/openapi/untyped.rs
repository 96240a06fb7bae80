//! No operation of the served document answers (with a 2xx) or reads a JSON body that is an
//! untyped object, except the few that are free-form on purpose, named here with the reason:
//! a route added with `body = Object` fails this test until it gets a schema.

use super::conform::untyped;
use super::served;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// A trigger rule is a document of conditions and actions validated field by field
/// (`422` with `errors[].path`), described in README's "Trigger rules", not by a schema.
const RULE_SPEC: &str = "a trigger rule spec, free-form on purpose (README, Trigger rules)";
/// The platforms' own payloads: their schemas are Shopify's and WooCommerce's, not ours.
const PLATFORM: &str = "the platform's own webhook payload, verified by signature";

/// `(operationId, "request" | status)` that may stay untyped, with the reason.
const FREE_FORM: &[(&str, &str, &str)] = &[
    ("list_rules", "200", RULE_SPEC),
    ("create_rule", "request", RULE_SPEC),
    ("create_rule", "201", RULE_SPEC),
    ("get_rule", "200", RULE_SPEC),
    ("replace_rule", "request", RULE_SPEC),
    ("replace_rule", "200", RULE_SPEC),
    ("enable_rule", "200", RULE_SPEC),
    ("disable_rule", "200", RULE_SPEC),
    ("shopify_webhook", "request", PLATFORM),
    ("woocommerce_webhook", "request", PLATFORM),
];

/// The JSON schema of a request body or response, if it has one.
fn json_schema(part: &Value) -> Option<&Value> {
    let schema = &part["content"]["application/json"]["schema"];
    (!schema.is_null()).then_some(schema)
}

/// Every `(operationId, "request" | 2xx status)` whose JSON schema is untyped.
fn untyped_parts(doc: &Value) -> BTreeSet<(String, String)> {
    let mut found = BTreeSet::new();
    for (_, item) in doc["paths"].as_object().unwrap() {
        for (_, operation) in item.as_object().unwrap() {
            let Some(id) = operation["operationId"].as_str() else {
                continue;
            };
            if let Some(schema) = json_schema(&operation["requestBody"])
                && untyped(doc, schema)
            {
                found.insert((id.to_owned(), "request".to_owned()));
            }
            for (status, response) in operation["responses"].as_object().into_iter().flatten() {
                if status.starts_with('2')
                    && let Some(schema) = json_schema(response)
                    && untyped(doc, schema)
                {
                    found.insert((id.to_owned(), status.clone()));
                }
            }
        }
    }
    found
}

#[tokio::test]
async fn no_operation_answers_or_reads_an_untyped_object_but_the_free_form_ones() {
    let app = crate::helpers::spawn_app().await;
    let doc = served(&app).await;
    let allowed: BTreeMap<(String, String), &str> = FREE_FORM
        .iter()
        .map(|(id, part, why)| (((*id).to_owned(), (*part).to_owned()), *why))
        .collect();
    let found = untyped_parts(&doc);
    let unexpected: Vec<String> = found
        .iter()
        .filter(|part| !allowed.contains_key(*part))
        .map(|(id, part)| format!("{id} {part}"))
        .collect();
    assert!(
        unexpected.is_empty(),
        "{} untyped JSON bodies (give each a schema, or name it in FREE_FORM with why):\n{}",
        unexpected.len(),
        unexpected.join("\n")
    );
    // The allowance is exact: an entry that got a schema leaves the list.
    let stale: Vec<String> = allowed
        .keys()
        .filter(|part| !found.contains(*part))
        .map(|(id, part)| format!("{id} {part}"))
        .collect();
    assert!(
        stale.is_empty(),
        "typed now, drop from FREE_FORM: {stale:?}"
    );
    app.stop().await;
}
