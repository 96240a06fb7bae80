//! The agent dashboard and owner console (`/agent/`): plain HTML, CSS and ES modules embedded
//! from `static/agent/`, so the binary stays the whole deployment and nothing needs a build
//! step. Agents keep this page open all day, so it is served with a strict Content Security
//! Policy: only our own scripts run, and text from shoppers can never become markup or script.

use super::ApiError;
use super::assets::{Prepared, serve as serve_embedded};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use rust_embed::RustEmbed;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

#[derive(RustEmbed)]
#[folder = "static/agent/"]
struct Dashboard;

/// Only our own files: scripts, styles, the API and the agent socket on this origin, images
/// from ourselves, inline SVG data or a file the agent is about to attach (`blob:`, made by
/// the page itself from the picked file). No framing (clickjacking an agent's "send" button).
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; \
                   connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; \
                   frame-ancestors 'none'";

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/agent",
        web::get().to(|| async {
            HttpResponse::PermanentRedirect()
                .insert_header((header::LOCATION, "/agent/"))
                .finish()
        }),
    )
    .route(
        "/agent/",
        web::get().to(|req: HttpRequest| async move { serve(&req, "index.html") }),
    )
    .route(
        "/agent/{file:.*}",
        web::get()
            .to(|req: HttpRequest, path: web::Path<String>| async move { serve(&req, &path) }),
    );
}

/// A path of plain segments (letters, digits, `-`, `_`, `.`), none of them hidden or a dot
/// segment, so a request can never leave the dashboard folder.
fn safe_path(path: &str) -> bool {
    !path.is_empty()
        && path.split('/').all(|segment| {
            !segment.is_empty()
                && !segment.starts_with('.')
                && segment
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        })
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        _ => "application/octet-stream",
    }
}

fn serve(req: &HttpRequest, path: &str) -> Result<HttpResponse, ApiError> {
    if !safe_path(path) {
        return Err(ApiError::not_found("file"));
    }
    let file = prepared(path).ok_or_else(|| ApiError::not_found("file"))?;
    // `no-cache` revalidates on every load (cheap on the ETag: a 304), so agents get a new
    // dashboard with the next reload after an upgrade instead of a mix of old and new modules.
    let mut response = serve_embedded(req, &file, "no-cache");
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        header::HeaderValue::from_static(CSP),
    );
    headers.insert(
        header::REFERRER_POLICY,
        header::HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        header::X_FRAME_OPTIONS,
        header::HeaderValue::from_static("DENY"),
    );
    Ok(response)
}

/// The dashboard file at `path`, prepared (hashed, compressed) on its first request and
/// kept: the set is the embedded folder, so the cache is bounded by it.
fn prepared(path: &str) -> Option<Arc<Prepared>> {
    static FILES: OnceLock<Mutex<HashMap<String, Arc<Prepared>>>> = OnceLock::new();
    let files = FILES.get_or_init(Default::default);
    // A panic elsewhere cannot leave the map half-written (inserts are single calls).
    if let Some(file) = files
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get(path)
    {
        return Some(file.clone());
    }
    let embedded = Dashboard::get(path)?;
    // Compressed outside the lock: two first requests may both compress, harmlessly.
    let file = Arc::new(Prepared::new(&embedded.data, content_type(path)));
    files
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(path.to_owned(), file.clone());
    Some(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_paths_inside_the_folder_are_served() {
        for good in ["index.html", "js/app.js", "js/agent/chat.js", "app.css"] {
            assert!(safe_path(good), "{good}");
        }
        for bad in [
            "",
            "../Cargo.toml",
            "js/../../Cargo.toml",
            "..",
            ".env",
            "js/.hidden.js",
            "a\\b",
            "js//app.js",
            "/etc/passwd",
            "%2e%2e/x",
        ] {
            assert!(!safe_path(bad), "{bad}");
        }
    }

    #[test]
    fn the_dashboard_has_an_index_and_its_modules() {
        assert!(Dashboard::get("index.html").is_some());
        assert!(Dashboard::get("js/app.js").is_some());
    }
}
