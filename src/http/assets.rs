//! Files the server embeds and serves: the widget script (pages from `static/` join it with
//! the dashboard and demo shop).
//! Embedded in the binary so the binary is the whole deployment. Each answer carries an
//! ETag (from the file's SHA-256) and a short cache lifetime, so a shop's pages revalidate
//! cheaply and a new widget reaches every shop within minutes; Brotli or gzip when the
//! browser asks (each compressed once, at the best level).

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use sha2::{Digest, Sha256};
use std::fmt::Write;
use std::io::Write as _;
use std::sync::OnceLock;

/// The widget as shops load it: `src/build.rs` joins the readable parts in `widget/src/` and
/// minifies them at compile time.
const WIDGET_JS: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/widget.js"));

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/widget.js")
            .route(web::get().to(widget))
            .route(web::head().to(widget)),
    );
}

#[utoipa::path(get, path = "/widget.js", tag = "widget", responses((status = 200, description = "The widget script (ETag, Brotli or gzip on request)", content_type = "text/javascript"), (status = 304, description = "Not modified")))]
async fn widget(req: HttpRequest) -> HttpResponse {
    let encoded = if accepts(&req, "br") {
        widget_brotli(WIDGET_JS).map(|b| ("br", b))
    } else {
        None
    };
    let encoded = encoded.or_else(|| {
        widget_gzipped(WIDGET_JS)
            .filter(|_| accepts(&req, "gzip"))
            .map(|g| ("gzip", g))
    });
    let mut response = serve(
        &req,
        WIDGET_JS,
        widget_etag(),
        "text/javascript; charset=utf-8",
        encoded,
    );
    // Shops that isolate their pages (COEP `require-corp`) may load it from our origin.
    response.headers_mut().insert(
        header::HeaderName::from_static("cross-origin-resource-policy"),
        header::HeaderValue::from_static("cross-origin"),
    );
    response
}

/// The widget's ETag, hashed once: the bytes are fixed for the life of the binary.
fn widget_etag() -> &'static str {
    static ETAG: OnceLock<String> = OnceLock::new();
    ETAG.get_or_init(|| etag_of(WIDGET_JS))
}

/// A strong ETag: the first 16 bytes of the SHA-256 of `data`, in hex and quotes.
fn etag_of(data: &[u8]) -> String {
    let hash = Sha256::digest(data);
    let mut etag = String::with_capacity(34);
    etag.push('"');
    for byte in &hash[..16] {
        let _ = write!(etag, "{byte:02x}");
    }
    etag.push('"');
    etag
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

/// The widget Brotli-compressed once, at the best quality: a tenth or so smaller than gzip
/// for the browsers that accept it (all current ones, over https).
fn widget_brotli(data: &[u8]) -> Option<&'static [u8]> {
    static BROTLI: OnceLock<Option<Vec<u8>>> = OnceLock::new();
    BROTLI
        .get_or_init(|| {
            let mut out = Vec::new();
            {
                let mut encoder = brotli::CompressorWriter::new(&mut out, 4096, 11, 22);
                encoder.write_all(data).ok()?;
                encoder.flush().ok()?;
            }
            Some(out)
        })
        .as_deref()
}

/// Whether the request's `Accept-Encoding` takes `encoding` (or `*`), not refused with q=0.
fn accepts(req: &HttpRequest, encoding: &str) -> bool {
    req.headers()
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',').any(|enc| {
                let mut parts = enc.split(';');
                let name = parts.next().unwrap_or("").trim();
                let refused = parts.any(|p| p.trim().replace(' ', "") == "q=0");
                (name.eq_ignore_ascii_case(encoding) || name == "*") && !refused
            })
        })
}

/// An embedded file with its ETag; `encoded` (a content coding the browser accepts, and the
/// bytes in it) is sent instead when given.
fn serve(
    req: &HttpRequest,
    body: &'static [u8],
    etag: &str,
    content_type: &str,
    encoded: Option<(&'static str, &'static [u8])>,
) -> HttpResponse {
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
        .insert_header((header::ETAG, etag.to_owned()))
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .insert_header((header::VARY, "Accept-Encoding"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"));
    if matches {
        return response.finish();
    }
    response.content_type(content_type);
    if let Some((coding, bytes)) = encoded {
        return response
            .insert_header((header::CONTENT_ENCODING, coding))
            .body(bytes);
    }
    response.body(body)
}
