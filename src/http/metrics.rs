//! `/metrics` for Prometheus: counters and histograms recorded across the server, plus gauges
//! read at scrape time.

use crate::state::AppState;
use actix_web::{HttpResponse, web};

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    // Prometheus asks for gzip; the text (one line per series and bucket) shrinks tenfold.
    cfg.service(
        web::resource("/metrics")
            .wrap(actix_web::middleware::Compress::default())
            .route(web::get().to(metrics)),
    );
}

#[utoipa::path(get, path = "/metrics", operation_id = "get_metrics", tag = "operations", responses((status = 200, description = "Prometheus text format", content_type = "text/plain")))]
async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    let handle = crate::telemetry::metrics_handle();
    metrics::gauge!("shopchat_shopper_sockets").set(state.chat.shopper_sockets() as f64);
    metrics::gauge!("shopchat_uploads_in_flight").set(state.chat.uploads_in_flight() as f64);
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(handle.render())
}
