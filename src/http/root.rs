//! `/`: someone who opens the server's address in a browser lands on the dashboard's sign-in
//! rather than a blank 404.

use actix_web::http::header;
use actix_web::{HttpResponse, web};

/// The route.
pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/",
        web::get().to(|| async {
            HttpResponse::Found()
                .insert_header((header::LOCATION, "/agent/"))
                .finish()
        }),
    );
}
