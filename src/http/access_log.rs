//! The access log: one line per HTTP request — method, the matched route's pattern, status,
//! time taken — at `info` under the target `shopchat::access` (`RUST_LOG=shopchat::access=off`
//! silences it). The route is logged as its pattern (`/api/v1/sites/{site_id}/…`), never the
//! path or query as sent: paths carry ids and emailed links' tokens, queries may carry
//! tokens, and none of that belongs in logs.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use std::time::Instant;

/// The middleware (`App::wrap(from_fn(access_log))`).
pub async fn access_log(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let method = req.method().clone();
    let answer = next.call(req).await;
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    match &answer {
        Ok(response) => {
            let route = response
                .request()
                .match_pattern()
                .unwrap_or_else(|| "(no route)".to_owned());
            tracing::info!(
                target: "shopchat::access",
                method = %method,
                route = %route,
                status = response.status().as_u16(),
                ms = format!("{ms:.1}"),
                "request"
            );
        }
        Err(e) => {
            tracing::info!(
                target: "shopchat::access",
                method = %method,
                status = e.as_response_error().status_code().as_u16(),
                ms = format!("{ms:.1}"),
                "request"
            );
        }
    }
    answer
}
