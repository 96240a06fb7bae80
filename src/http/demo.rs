//! The demo shop (`/demo/`): a small fake store in plain HTML, CSS and JS, embedded from
//! `static/demo/`, with the widget snippet pasted exactly as a shop owner would. The demo site's
//! public key is generated at first start, so HTML pages carry a `{{SITE_KEY}}` placeholder that
//! is replaced, per request, with the key of the demo site the first start made (marked in the
//! store, see `seed::DEMO_MARKER`).

use super::ApiError;
use crate::seed::DEMO_CUSTOMER_ID;
use crate::state::AppState;
use actix_web::http::header;
use actix_web::{HttpResponse, web};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "static/"]
#[include = "demo/*"]
struct Static;

/// What HTML pages carry where the demo site's public key belongs.
const PLACEHOLDER: &str = "{{SITE_KEY}}";
/// What HTML pages carry where the demo customer's id and identity hash belong.
const CUSTOMER_PLACEHOLDER: &str = "{{DEMO_CUSTOMER}}";

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/demo",
        web::get().to(|| async {
            HttpResponse::PermanentRedirect()
                .insert_header((header::LOCATION, "/demo/"))
                .finish()
        }),
    )
    .route("/demo/", web::get().to(index))
    .route("/demo/{file:.*}", web::get().to(file));
}

async fn index(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    serve(&state, "index.html").await
}

async fn file(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let name = path.into_inner();
    let name = if name.is_empty() {
        "index.html"
    } else {
        name.as_str()
    };
    serve(&state, name).await
}

/// A plain file name of the demo folder: no directories, no dot segments, no backslashes.
fn safe_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && !name.contains("..")
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("json") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        _ => "application/octet-stream",
    }
}

async fn serve(state: &AppState, name: &str) -> Result<HttpResponse, ApiError> {
    if !safe_name(name) {
        return Err(ApiError::not_found("file"));
    }
    let file = Static::get(&format!("demo/{name}")).ok_or_else(|| ApiError::not_found("file"))?;
    let kind = content_type(name);
    let mut response = HttpResponse::Ok();
    response
        .content_type(kind)
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"));
    if !name.ends_with(".html") {
        response.insert_header((header::CACHE_CONTROL, "public, max-age=300"));
        return Ok(response.body(file.data.into_owned()));
    }
    let site = state
        .chat
        .demo_site()
        .await?
        .ok_or_else(|| ApiError::not_found("demo site"))?;
    // The demo customer's verified identity, as a shop's server would compute it.
    let customer = format!(
        "{DEMO_CUSTOMER_ID}:{}",
        crate::auth::identity_hash(&site.identity_secret, DEMO_CUSTOMER_ID)
    );
    let page = String::from_utf8_lossy(&file.data)
        .replace(PLACEHOLDER, &site.public_key)
        .replace(CUSTOMER_PLACEHOLDER, &customer);
    response.insert_header((header::CACHE_CONTROL, "no-cache"));
    Ok(response.body(page))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_names_are_served() {
        assert!(safe_name("index.html"));
        assert!(safe_name("shop.css"));
        for bad in [
            "",
            "../Cargo.toml",
            "..",
            ".env",
            "a/b.html",
            "a\\b",
            "x..html",
            "%2e",
        ] {
            assert!(!safe_name(bad), "{bad}");
        }
    }

    #[test]
    fn every_page_has_the_snippet_and_placeholder() {
        for name in Static::iter().filter(|n| n.ends_with(".html")) {
            let file = Static::get(&name).unwrap();
            let text = String::from_utf8_lossy(&file.data);
            assert!(text.contains(PLACEHOLDER), "{name}");
            assert!(text.contains(CUSTOMER_PLACEHOLDER), "{name}");
            assert!(text.contains("shopchat.q=shopchat.q||[]"), "{name}");
        }
    }
}
