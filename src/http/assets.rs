//! Files the server embeds and serves: the widget script (pages from `static/` join it with
//! the dashboard and demo shop).
//! Embedded with rust-embed so the binary is the whole deployment. Each answer carries an
//! ETag (from the file's SHA-256) and a short cache lifetime, so a shop's pages revalidate
//! cheaply and a new widget reaches every shop within minutes; gzip when the browser asks.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use rust_embed::RustEmbed;
use std::fmt::Write;
use std::io::Write as _;
use std::sync::OnceLock;

#[derive(RustEmbed)]
#[folder = "widget/"]
struct Widget;

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/widget.js")
            .route(web::get().to(widget))
            .route(web::head().to(widget)),
    );
}

#[utoipa::path(get, path = "/widget.js", tag = "widget", responses((status = 200, description = "The widget script (ETag, gzip on request)", content_type = "text/javascript"), (status = 304, description = "Not modified")))]
async fn widget(req: HttpRequest) -> HttpResponse {
    match Widget::get("widget.js") {
        Some(file) => {
            let gzipped = widget_gzipped(&file.data);
            serve(&req, file, "text/javascript; charset=utf-8", gzipped)
        }
        None => HttpResponse::NotFound().finish(),
    }
}

/// The widget gzipped once, at the best level: every shop's every page load fetches it, so
/// the bytes saved (a fifth, against on-the-fly compression) are worth one slow compression.
fn widget_gzipped(data: &[u8]) -> Option<&'static [u8]> {
    static GZIPPED: OnceLock<Option<Vec<u8>>> = OnceLock::new();
    GZIPPED
        .get_or_init(|| {
            let mut encoder =
                flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
            encoder.write_all(data).ok()?;
            encoder.finish().ok()
        })
        .as_deref()
}

fn accepts_gzip(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',').any(|enc| {
                let mut parts = enc.split(';');
                let name = parts.next().unwrap_or("").trim();
                let refused = parts.any(|p| p.trim().replace(' ', "") == "q=0");
                (name.eq_ignore_ascii_case("gzip") || name == "*") && !refused
            })
        })
}

/// An embedded file with its ETag; `gzipped` is sent instead to browsers that accept gzip.
fn serve(
    req: &HttpRequest,
    file: rust_embed::EmbeddedFile,
    content_type: &str,
    gzipped: Option<&'static [u8]>,
) -> HttpResponse {
    let hash = file.metadata.sha256_hash();
    let mut etag = String::with_capacity(34);
    etag.push('"');
    for byte in &hash[..16] {
        let _ = write!(etag, "{byte:02x}");
    }
    etag.push('"');
    let matches = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let mut response = if matches {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .insert_header((header::VARY, "Accept-Encoding"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"));
    if matches {
        return response.finish();
    }
    response.content_type(content_type);
    if let Some(gzipped) = gzipped.filter(|_| accepts_gzip(req)) {
        return response
            .insert_header((header::CONTENT_ENCODING, "gzip"))
            .body(gzipped);
    }
    response.body(file.data.into_owned())
}
