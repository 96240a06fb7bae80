//! The widget's string catalogues, one per language, served at `/widget/lang/{code}.json`.
//!
//! The core widget carries English only (the fallback), which keeps it within its gzipped
//! budget however many languages there are. A shopper in another language has its catalogue
//! fetched by the widget while the page loads; it is embedded in the binary like the widget
//! (`src/build.rs` lists every `widget/lang/*.json`) and served the same way: ETag and `304`,
//! Brotli or gzip, a five-minute cache, and readable from any shop's origin (CORS `*`: the
//! catalogues are public and carry no credentials).

use super::assets::EmbeddedSet;
use super::error::ApiError;
use actix_web::{HttpRequest, HttpResponse, web};

/// Every catalogue as `(language code, JSON)`, in code order (`en` among them).
const CATALOGUES: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/widget_lang.rs"));

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/widget/lang/{file}")
            .route(web::get().to(catalogue))
            .route(web::head().to(catalogue)),
    );
}

/// The catalogues, served as `{code}.json`.
static SET: EmbeddedSet = EmbeddedSet::new(CATALOGUES, ".json", "application/json; charset=utf-8");

#[utoipa::path(get, path = "/widget/lang/{file}", operation_id = "get_widget_language", tag = "widget", params(("file" = String, Path, description = "`{code}.json`: a language code (`fr`, `de`) and `.json`")), responses((status = 200, description = "The widget's strings in that language: a JSON object with the same keys as `en.json` (ETag, Brotli or gzip on request, CORS `*`)", content_type = "application/json"), (status = 304, description = "Not modified: the If-None-Match ETag is current"), (status = 404, description = "No catalogue for that language (the widget then shows English)", body = super::docs::ErrorResponse)))]
async fn catalogue(req: HttpRequest, file: web::Path<String>) -> Result<HttpResponse, ApiError> {
    SET.answer(&req, &file, "language catalogue", "code")
}

#[cfg(test)]
mod tests {
    use super::CATALOGUES;
    use serde_json::{Map, Value};

    fn keys(json: &str) -> Map<String, Value> {
        match serde_json::from_str(json) {
            Ok(Value::Object(map)) => map,
            other => panic!("not a JSON object: {other:?}"),
        }
    }

    /// A contributor who adds a key to `en.json`, or a new language, is told exactly what a
    /// catalogue lacks or has too much; and a key that is a list in English (plural forms)
    /// is a list of as many strings everywhere.
    #[test]
    fn every_catalogue_has_exactly_the_english_keys() {
        let english = CATALOGUES
            .iter()
            .find(|(code, _)| *code == "en")
            .map(|(_, json)| keys(json))
            .expect("widget/lang/en.json");
        let mut problems = Vec::new();
        for (code, json) in CATALOGUES {
            let catalogue = keys(json);
            for (key, value) in &english {
                match (value, catalogue.get(key)) {
                    (_, None) => problems.push(format!("{code}.json lacks `{key}`")),
                    (Value::String(_), Some(Value::String(s))) if !s.is_empty() => {}
                    (Value::Array(en), Some(Value::Array(other)))
                        if other.len() == en.len() && other.iter().all(Value::is_string) => {}
                    (_, Some(_)) => problems.push(format!(
                        "{code}.json: `{key}` must be shaped like English's {value}"
                    )),
                }
            }
            for key in catalogue.keys().filter(|k| !english.contains_key(*k)) {
                problems.push(format!("{code}.json has `{key}`, which en.json does not"));
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    #[test]
    fn the_issues_languages_are_all_there() {
        for code in ["en", "de", "fr", "es", "it", "nl", "pl", "pt", "ro", "sv"] {
            assert!(
                CATALOGUES.iter().any(|(c, _)| *c == code),
                "widget/lang/{code}.json is missing"
            );
        }
    }
}
