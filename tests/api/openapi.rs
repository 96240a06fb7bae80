//! The served OpenAPI document is valid, so API tools and client generators take it as is:
//! it parses as OpenAPI 3.1 with a maintained parser (`oas3`), every operation has a unique
//! `operationId`, a tag and a 2xx answer, every `$ref` points at something, every path
//! parameter in a template is declared (and none that is not in it), and every operation
//! that reads a JSON body or a query string documents the 400 it answers to a bad one.

mod answers;
mod commerce_answers;
mod conform;
mod library_answers;
mod mail_answers;
mod privacy_answers;
mod report_answers;
mod untyped;

use crate::helpers::spawn_app;
use oas3::spec::{ObjectOrReference, ParameterIn};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Every `$ref` string anywhere in `value`, with where it was found.
fn refs<'a>(value: &'a Value, at: &str, out: &mut Vec<(String, &'a str)>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                if key == "$ref" {
                    if let Some(target) = inner.as_str() {
                        out.push((at.to_owned(), target));
                    }
                } else {
                    refs(inner, &format!("{at}/{key}"), out);
                }
            }
        }
        Value::Array(items) => {
            for (i, inner) in items.iter().enumerate() {
                refs(inner, &format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

/// The `{name}`s of a path template.
fn template_params(path: &str) -> BTreeSet<String> {
    path.split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name.to_owned()))
        .collect()
}

#[tokio::test]
async fn the_served_document_is_valid_openapi() {
    let app = spawn_app().await;
    let text = app
        .http
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let raw: Value = serde_json::from_str(&text).unwrap();
    let spec = oas3::from_json(&text).expect("the document parses as OpenAPI 3.1");
    assert!(spec.openapi.starts_with("3.1"), "{}", spec.openapi);

    let mut problems = Vec::new();

    let mut found = Vec::new();
    refs(&raw, "#", &mut found);
    assert!(!found.is_empty(), "the document uses shared components");
    for (at, target) in &found {
        let resolves = target
            .strip_prefix('#')
            .is_some_and(|pointer| raw.pointer(pointer).is_some());
        if !resolves {
            problems.push(format!("{at}: $ref {target} does not resolve"));
        }
    }

    let mut operation_ids: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let paths = spec.paths.as_ref().expect("paths");
    assert!(paths.len() > 50, "the whole API is described");
    for (path, item) in paths {
        for (method, operation) in item.methods() {
            let name = format!("{method} {path}");
            match &operation.operation_id {
                Some(id) => operation_ids
                    .entry(id.clone())
                    .or_default()
                    .push(name.clone()),
                None => problems.push(format!("{name}: no operationId")),
            }
            if operation.tags.is_empty() {
                problems.push(format!("{name}: no tag"));
            }
            let responses = operation.responses.clone().unwrap_or_default();
            if !responses.keys().any(|status| status.starts_with('2')) {
                problems.push(format!("{name}: no 2xx response"));
            }

            let mut declared = BTreeSet::new();
            let mut has_query = false;
            for parameter in item.parameters.iter().chain(&operation.parameters) {
                let parameter = match parameter.resolve(&spec) {
                    Ok(p) => p,
                    Err(e) => {
                        problems.push(format!("{name}: parameter does not resolve: {e}"));
                        continue;
                    }
                };
                match parameter.location {
                    ParameterIn::Path => {
                        if parameter.required != Some(true) {
                            problems.push(format!(
                                "{name}: path parameter {} not required",
                                parameter.name
                            ));
                        }
                        declared.insert(parameter.name);
                    }
                    ParameterIn::Query => has_query = true,
                    _ => {}
                }
            }
            let in_template = template_params(path);
            for missing in in_template.difference(&declared) {
                problems.push(format!("{name}: path parameter {missing} not declared"));
            }
            for extra in declared.difference(&in_template) {
                problems.push(format!(
                    "{name}: declares path parameter {extra} not in the path"
                ));
            }

            let json_body = matches!(
                &operation.request_body,
                Some(ObjectOrReference::Object(body)) if body.content.contains_key("application/json")
            ) || matches!(
                &operation.request_body,
                Some(ObjectOrReference::Ref { .. })
            );
            if (json_body || has_query) && !responses.contains_key("400") {
                problems.push(format!(
                    "{name}: reads a body or query but documents no 400"
                ));
            }
        }
    }
    for (id, uses) in &operation_ids {
        if uses.len() > 1 {
            problems.push(format!("operationId {id} used by {}", uses.join(", ")));
        }
    }
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
    app.stop().await;
}

#[test]
fn template_params_are_read_from_the_path() {
    assert_eq!(
        template_params("/api/v1/sites/{site_id}/rules/{rule_id}"),
        BTreeSet::from(["site_id".to_owned(), "rule_id".to_owned()])
    );
    assert!(template_params("/healthz").is_empty());
}

/// Panics unless `body` is what `schema` describes (see [`conform::conforms`]).
fn matches_schema(doc: &Value, schema: &Value, body: &Value, what: &str) {
    if let Err(why) = conform::conforms(doc, schema, body, what) {
        panic!("{why}");
    }
}

/// The schema of the 200 answer of `method path` in the served document.
fn ok_schema<'a>(doc: &'a Value, path: &str, method: &str) -> &'a Value {
    &doc["paths"][path][method]["responses"]["200"]["content"]["application/json"]["schema"]
}

#[tokio::test]
async fn the_typed_site_schemas_describe_what_the_routes_answer() {
    let (app, owner) = crate::helpers::spawn_app_as_owner().await;
    let doc = served(&app).await;
    let site_path = "/api/v1/sites/{site_id}";
    let site = app.get_json(&app.site_path(""), &owner).await;
    assert!(
        site["identity_secret"].is_string(),
        "an owner sees the secret"
    );
    matches_schema(&doc, ok_schema(&doc, site_path, "get"), &site, "GET site");
    matches_schema(
        &doc,
        ok_schema(&doc, site_path, "patch"),
        &site,
        "PATCH site",
    );

    let list = app.get_json("/api/v1/sites", &owner).await;
    let list_schema = ok_schema(&doc, "/api/v1/sites", "get");
    matches_schema(&doc, list_schema, &list, "GET sites");
    let mut entry_schema = list_schema.clone();
    if let Some(target) = list_schema["$ref"].as_str() {
        entry_schema = doc
            .pointer(target.strip_prefix('#').unwrap())
            .unwrap()
            .clone();
    }
    let entry = &entry_schema["properties"]["sites"]["items"];
    let sites = list["sites"].as_array().unwrap();
    assert!(!sites.is_empty());
    for site in sites {
        assert!(site["ai"].is_boolean());
        matches_schema(&doc, entry, site, "an entry of GET sites");
    }
    app.stop().await;
}

async fn served(app: &crate::common::TestApp) -> Value {
    let response = app
        .http
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap();
    response.json().await.unwrap()
}

#[tokio::test]
async fn the_typed_conversation_and_message_schemas_describe_what_the_routes_answer() {
    let (app, owner) = crate::helpers::spawn_app_as_owner().await;
    let doc = served(&app).await;
    let (_shopper, conversation) = crate::ai_draft_counts::shopper_writes(&app, "Hello?").await;
    let posted = app
        .agent_says(&owner, &conversation, "Hi, how can I help?")
        .await;
    let messages_path = "/api/v1/sites/{site_id}/conversations/{conversation_id}/messages";
    let created = &doc["paths"][messages_path]["post"]["responses"]["201"]["content"]["application/json"]
        ["schema"];
    matches_schema(&doc, created, &posted, "POST message");

    let page = app
        .get_json(
            &app.site_path(&format!("/conversations/{conversation}/messages")),
            &owner,
        )
        .await;
    assert!(page["messages"].as_array().unwrap().len() >= 2, "{page}");
    matches_schema(
        &doc,
        ok_schema(&doc, messages_path, "get"),
        &page,
        "GET messages",
    );

    let list = app.get_json(&app.site_path("/conversations"), &owner).await;
    assert!(
        !list["conversations"].as_array().unwrap().is_empty(),
        "{list}"
    );
    let list_path = "/api/v1/sites/{site_id}/conversations";
    matches_schema(
        &doc,
        ok_schema(&doc, list_path, "get"),
        &list,
        "GET conversations",
    );
    app.stop().await;
}
