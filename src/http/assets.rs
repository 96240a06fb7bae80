//! Files the server embeds and serves: the widget script here, and (through the same
//! [`Prepared`] and [`serve`]) the dashboard's files. One way of serving them all:
//! embedded in the binary so the binary is the whole deployment; each answer carries a
//! strong ETag (from the file's SHA-256) and `304 Not Modified` answers a matching
//! `If-None-Match`, so pages revalidate cheaply; Brotli or gzip when the browser asks, each
//! compressed once per file at the best level and sent as is (the API's on-the-fly
//! compression never touches an answer that already has a `Content-Encoding`).

use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, web};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::fmt::Write;
use std::io::Write as _;
use std::sync::OnceLock;

/// The widget as shops load it: `src/build.rs` joins the readable parts in `widget/src/` and
/// minifies them at compile time.
const WIDGET_JS: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/widget.js"));

/// A short lifetime, so a new widget reaches every shop within minutes while a shop's page
/// loads revalidate it at most every five minutes.
const WIDGET_CACHE: &str = "public, max-age=300";

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/widget.js")
            .route(web::get().to(widget))
            .route(web::head().to(widget)),
    );
}

#[utoipa::path(get, path = "/widget.js", operation_id = "get_widget", tag = "widget", responses((status = 200, description = "The widget script (ETag, Brotli or gzip on request)", content_type = "text/javascript"), (status = 304, description = "Not modified: the If-None-Match ETag is current")))]
async fn widget(req: HttpRequest) -> HttpResponse {
    static WIDGET: OnceLock<Prepared> = OnceLock::new();
    let file = WIDGET.get_or_init(|| Prepared::new(WIDGET_JS, "text/javascript; charset=utf-8"));
    let mut response = serve(&req, file, WIDGET_CACHE);
    // Shops that isolate their pages (COEP `require-corp`) may load it from our origin.
    response.headers_mut().insert(
        header::HeaderName::from_static("cross-origin-resource-policy"),
        header::HeaderValue::from_static("cross-origin"),
    );
    response
}

/// An embedded file made ready once: its bytes, ETag and content type, and the compressed
/// forms worth sending (text only, and only when smaller). The bytes are fixed for the life
/// of the binary, so this is computed on first request and kept.
pub(super) struct Prepared {
    body: Bytes,
    etag: String,
    content_type: &'static str,
    brotli: Option<Bytes>,
    gzip: Option<Bytes>,
}

impl Prepared {
    /// Hashes `data` and, for text, compresses it at the best levels: the files are fetched
    /// on every page load of every shop or agent, so one slow compression pays for itself.
    pub(super) fn new(data: &[u8], content_type: &'static str) -> Self {
        let text = content_type.starts_with("text/")
            || content_type.starts_with("image/svg")
            || content_type.starts_with("application/json");
        let smaller = |encoded: &Vec<u8>| encoded.len() < data.len();
        let (brotli, gzip) = if text {
            (
                brotli_of(data).filter(smaller).map(Bytes::from),
                gzip_of(data).filter(smaller).map(Bytes::from),
            )
        } else {
            (None, None)
        };
        Self {
            body: Bytes::copy_from_slice(data),
            etag: etag_of(data),
            content_type,
            brotli,
            gzip,
        }
    }

    /// The ETag sent with the file (its `If-None-Match` earns a 304).
    #[cfg(test)]
    fn etag(&self) -> &str {
        &self.etag
    }
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

/// `data` gzipped at the best level (`None` only if the encoder fails).
fn gzip_of(data: &[u8]) -> Option<Vec<u8>> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(data).ok()?;
    encoder.finish().ok()
}

/// `data` Brotli-compressed at the best quality: a tenth or so smaller than gzip for the
/// browsers that accept it (all current ones, over https).
fn brotli_of(data: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    {
        let mut encoder = brotli::CompressorWriter::new(&mut out, 4096, 11, 22);
        encoder.write_all(data).ok()?;
        encoder.flush().ok()?;
    }
    Some(out)
}

/// Whether the request's `Accept-Encoding` takes `encoding` (or `*`), not refused with q=0.
fn accepts(req: &HttpRequest, encoding: &str) -> bool {
    req.headers()
        .get_all(header::ACCEPT_ENCODING)
        .filter_map(|v| v.to_str().ok())
        .any(|v| {
            v.split(',').any(|enc| {
                let mut parts = enc.split(';');
                let name = parts.next().unwrap_or("").trim();
                let refused = parts.any(|p| {
                    let p = p.trim().replace(' ', "");
                    p.strip_prefix("q=")
                        .and_then(|q| q.parse::<f32>().ok())
                        .is_some_and(|q| q <= 0.0)
                });
                (name.eq_ignore_ascii_case(encoding) || name == "*") && !refused
            })
        })
}

/// Whether `If-None-Match` names `etag` (or `*`). The comparison is weak, as RFC 9110 asks
/// for this header: a `W/` prefix a proxy added still matches.
fn not_modified(req: &HttpRequest, etag: &str) -> bool {
    req.headers()
        .get_all(header::IF_NONE_MATCH)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == etag)
}

/// A set of embedded files served by name from one route (`/widget/lang/{file}`,
/// `/widget/part/{file}`): each made ready once on first use, answered like the widget
/// (ETag and `304`, Brotli or gzip, the widget's cache) and loadable from any shop — CORS `*`
/// for `fetch` (the files are public and carry no credentials) and CORP `cross-origin` for
/// shops that isolate their pages.
pub(super) struct EmbeddedSet {
    /// `(name, contents)` as `src/build.rs` listed them.
    files: &'static [(&'static str, &'static str)],
    /// What follows the name in the URL (`.json`, `.js`).
    suffix: &'static str,
    content_type: &'static str,
    prepared: OnceLock<HashMap<&'static str, Prepared>>,
}

impl EmbeddedSet {
    /// A set of `files`, each requested as `{name}{suffix}` and served as `content_type`.
    pub(super) const fn new(
        files: &'static [(&'static str, &'static str)],
        suffix: &'static str,
        content_type: &'static str,
    ) -> Self {
        EmbeddedSet {
            files,
            suffix,
            content_type,
            prepared: OnceLock::new(),
        }
    }

    /// The file `requested` names (`fr.json`), or a 404 naming `what` and `field`.
    pub(super) fn answer(
        &self,
        req: &HttpRequest,
        requested: &str,
        what: &'static str,
        field: &'static str,
    ) -> Result<HttpResponse, super::error::ApiError> {
        let prepared = self.prepared.get_or_init(|| {
            self.files
                .iter()
                .map(|(name, contents)| {
                    (*name, Prepared::new(contents.as_bytes(), self.content_type))
                })
                .collect()
        });
        let found = requested
            .strip_suffix(self.suffix)
            .and_then(|name| prepared.get(name));
        let Some(found) = found else {
            return Err(super::error::ApiError::not_found(what).with_field(field));
        };
        let mut response = serve(req, found, WIDGET_CACHE);
        let headers = response.headers_mut();
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            header::HeaderValue::from_static("*"),
        );
        headers.insert(
            header::HeaderName::from_static("cross-origin-resource-policy"),
            header::HeaderValue::from_static("cross-origin"),
        );
        Ok(response)
    }
}

/// Answers with an embedded file: `304` (headers only) when the browser's copy is current,
/// else the file, Brotli- or gzip-encoded when the browser accepts it. `cache_control` is
/// the caller's policy (a widget may be cached a while; the dashboard revalidates each load).
pub(super) fn serve(
    req: &HttpRequest,
    file: &Prepared,
    cache_control: &'static str,
) -> HttpResponse {
    let matches = not_modified(req, &file.etag);
    let mut response = if matches {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::ETAG, file.etag.clone()))
        .insert_header((header::CACHE_CONTROL, cache_control))
        .insert_header((header::VARY, "Accept-Encoding"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"));
    if matches {
        return response.finish();
    }
    response.content_type(file.content_type);
    let encoded = file
        .brotli
        .as_ref()
        .filter(|_| accepts(req, "br"))
        .map(|b| ("br", b))
        .or_else(|| {
            file.gzip
                .as_ref()
                .filter(|_| accepts(req, "gzip"))
                .map(|g| ("gzip", g))
        });
    match encoded {
        Some((coding, bytes)) => response
            .insert_header((header::CONTENT_ENCODING, coding))
            .body(bytes.clone()),
        None => response.body(file.body.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn accept_encoding_is_read_with_its_weights() {
        let req = |v: &str| {
            TestRequest::default()
                .insert_header((header::ACCEPT_ENCODING, v))
                .to_http_request()
        };
        assert!(accepts(&req("gzip, br"), "br"));
        assert!(accepts(&req("*"), "gzip"));
        assert!(!accepts(&req("br;q=0, gzip"), "br"));
        assert!(!accepts(&req("br; q=0.0"), "br"));
        assert!(accepts(&req("br;q=0.5"), "br"));
        assert!(!accepts(&req("identity"), "gzip"));
    }

    #[test]
    fn if_none_match_compares_weakly_and_takes_lists() {
        let file = Prepared::new(b"hello hello hello hello", "text/plain");
        let req = |v: &str| {
            TestRequest::default()
                .insert_header((header::IF_NONE_MATCH, v))
                .to_http_request()
        };
        let etag = file.etag().to_owned();
        assert!(not_modified(&req(&etag), &etag));
        assert!(not_modified(&req(&format!("W/{etag}")), &etag));
        assert!(not_modified(&req(&format!("\"other\", {etag}")), &etag));
        assert!(not_modified(&req("*"), &etag));
        assert!(!not_modified(&req("\"other\""), &etag));
    }

    #[test]
    fn images_are_not_compressed_again() {
        let png = Prepared::new(&[0u8; 4096], "image/png");
        assert!(png.brotli.is_none() && png.gzip.is_none());
        let text = Prepared::new(&[b'a'; 4096], "text/css; charset=utf-8");
        assert!(text.brotli.is_some() && text.gzip.is_some());
    }
}
