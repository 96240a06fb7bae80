//! The widget's lazily loaded parts, served at `/widget/part/{name}.js`.
//!
//! What only some chats need — the rating row of a closed chat, the pre-chat form of a site
//! that asks one — is not in `/widget.js`, which keeps the script every shop page loads
//! within its size budget. The widget adds a part's `<script>` the first time a chat needs it;
//! the part hands itself to the widget with a `shopchat:part` event (see `src/build.rs`, which
//! minifies `widget/parts/*.js` and lists them for this module to embed). Served like the
//! widget: ETag and `304`, Brotli or gzip, a five-minute cache, loadable by isolated shops.

use super::assets::EmbeddedSet;
use super::error::ApiError;
use actix_web::{HttpRequest, HttpResponse, web};

/// Every part as `(name, minified script)`, in name order.
const PARTS: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/widget_parts.rs"));

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/widget/part/{file}")
            .route(web::get().to(part))
            .route(web::head().to(part)),
    );
}

/// The parts, served as `{name}.js`.
static SET: EmbeddedSet = EmbeddedSet::new(PARTS, ".js", "text/javascript; charset=utf-8");

#[utoipa::path(get, path = "/widget/part/{file}", operation_id = "get_widget_part", tag = "widget", params(("file" = String, Path, description = "`{name}.js`: `prechat`, `rating`, `alerts` or `email`")), responses((status = 200, description = "A part of the widget it loads when a chat needs it (ETag, Brotli or gzip on request)", content_type = "text/javascript"), (status = 304, description = "Not modified: the If-None-Match ETag is current"), (status = 404, description = "No such part", body = super::docs::ErrorResponse)))]
async fn part(req: HttpRequest, file: web::Path<String>) -> Result<HttpResponse, ApiError> {
    SET.answer(&req, &file, "widget part", "file")
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
