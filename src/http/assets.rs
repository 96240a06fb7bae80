//! Files the server embeds and serves: the widget script (pages from `static/` join it with
//! the dashboard and demo shop).
//! Embedded with rust-embed so the binary is the whole deployment. Each answer carries an
//! ETag (from the file's SHA-256) and a short cache lifetime, so a shop's pages revalidate
//! cheaply and a new widget reaches every shop within minutes; gzip when the browser asks.

use actix_web::http::header;
use actix_web::middleware::Compress;
use actix_web::{HttpRequest, HttpResponse, web};
use rust_embed::RustEmbed;
use std::fmt::Write;

#[derive(RustEmbed)]
#[folder = "widget/"]
struct Widget;

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/widget.js")
            .wrap(Compress::default())
            .route(web::get().to(widget))
            .route(web::head().to(widget)),
    );
}

#[utoipa::path(get, path = "/widget.js", tag = "widget", responses((status = 200, description = "The widget script (ETag, gzip on request)", content_type = "text/javascript"), (status = 304, description = "Not modified")))]
async fn widget(req: HttpRequest) -> HttpResponse {
    match Widget::get("widget.js") {
        Some(file) => serve(&req, file, "text/javascript; charset=utf-8"),
        None => HttpResponse::NotFound().finish(),
    }
}

fn serve(req: &HttpRequest, file: rust_embed::EmbeddedFile, content_type: &str) -> HttpResponse {
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
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"));
    if matches {
        return response.finish();
    }
    response
        .content_type(content_type)
        .body(file.data.into_owned())
}
