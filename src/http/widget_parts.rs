//! The widget's lazily loaded parts, served at `/widget/part/{name}.js`.
//!
//! What only some chats need — the rating row of a closed chat, the pre-chat form of a site
//! that asks one — is not in `/widget.js`, which keeps the script every shop page loads
//! within its size budget. The widget adds a part's `<script>` the first time a chat needs it;
//! the part hands itself to the widget with a `shopchat:part` event (see `src/build.rs`, which
//! minifies `widget/parts/*.js` and lists them for this module to embed). Served like the
//! widget: ETag and `304`, Brotli or gzip, a five-minute cache, loadable by isolated shops.

use super::assets::{Prepared, serve};
use super::error::ApiError;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use std::collections::HashMap;
use std::sync::OnceLock;

/// Every part as `(name, minified script)`, in name order.
const PARTS: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/widget_parts.rs"));

/// As long as the widget itself, so a part never lags the widget that loads it by more.
const PART_CACHE: &str = "public, max-age=300";

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/widget/part/{file}")
            .route(web::get().to(part))
            .route(web::head().to(part)),
    );
}

/// The parts made ready once (hashed and compressed), by name.
fn prepared() -> &'static HashMap<&'static str, Prepared> {
    static PREPARED: OnceLock<HashMap<&'static str, Prepared>> = OnceLock::new();
    PREPARED.get_or_init(|| {
        PARTS
            .iter()
            .map(|(name, script)| {
                let file = Prepared::new(script.as_bytes(), "text/javascript; charset=utf-8");
                (*name, file)
            })
            .collect()
    })
}

#[utoipa::path(get, path = "/widget/part/{file}", operation_id = "get_widget_part", tag = "widget", params(("file" = String, Path, description = "`{name}.js`: `rating` or `prechat`")), responses((status = 200, description = "A part of the widget it loads when a chat needs it (ETag, Brotli or gzip on request)", content_type = "text/javascript"), (status = 304, description = "Not modified: the If-None-Match ETag is current"), (status = 404, description = "No such part", body = super::docs::ErrorResponse)))]
async fn part(req: HttpRequest, file: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let found = file
        .strip_suffix(".js")
        .and_then(|name| prepared().get(name));
    let Some(found) = found else {
        return Err(ApiError::not_found("widget part").with_field("file"));
    };
    let mut response = serve(&req, found, PART_CACHE);
    // Shops that isolate their pages (COEP `require-corp`) may load it from our origin.
    response.headers_mut().insert(
        header::HeaderName::from_static("cross-origin-resource-policy"),
        header::HeaderValue::from_static("cross-origin"),
    );
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::PARTS;

    #[test]
    fn each_part_hands_itself_to_the_widget_by_its_name() {
        assert!(!PARTS.is_empty());
        for (name, script) in PARTS {
            assert!(script.contains("shopchat:part"), "{name}");
            let named = [
                format!("\"{name}\""),
                format!("'{name}'"),
                format!("`{name}`"),
            ];
            assert!(named.iter().any(|n| script.contains(n.as_str())), "{name}");
        }
    }
}
