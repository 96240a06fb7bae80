//! The HTTP edge: decode, authorise (one [`SiteScope`] extractor for every site-scoped
//! route), call one method of the application (`ChatService`), encode JSON.

mod access_log;
mod agent_api;
pub use access_log::access_log;
mod ai_api;
mod assets;
pub mod auth_routes;
mod caller;
mod canned_api;
mod commerce_admin;
mod commerce_api;
mod commerce_pane_api;
mod conversations_api;
mod dashboard;
mod demo;
mod docs;
mod email_api;
mod error;
mod files_api;
mod health;
mod json;
mod library_api;
mod library_versions;
mod mail_inbound;
mod metrics;
pub mod openapi;
mod outbound_api;
mod privacy_api;
mod profile_api;
mod reports_api;
mod root;
mod rules_api;
mod shop_hooks;
mod site_scope;
mod team_api;
mod widget_lang;
mod widget_parts;

pub use caller::Caller;
pub use error::ApiError;
pub use site_scope::{OwnerScope, SiteScope};

use actix_web::web;

/// Largest JSON body the API reads.
const MAX_BODY: usize = 64 * 1024;

/// Registers every HTTP route.
pub fn routes(cfg: &mut web::ServiceConfig) {
    let query_errors = web::QueryConfig::default().error_handler(|err, _req| {
        ApiError::bad_request("invalid_field", format!("query string: {err}")).into()
    });
    cfg.app_data(web::PayloadConfig::new(MAX_BODY))
        .app_data(query_errors)
        .configure(root::routes)
        .configure(health::routes)
        .configure(metrics::routes)
        .configure(openapi::routes)
        .configure(assets::routes)
        .configure(widget_lang::routes)
        .configure(widget_parts::routes)
        .configure(demo::routes)
        .configure(dashboard::routes)
        .configure(shop_hooks::routes)
        .configure(email_api::public_routes)
        .configure(files_api::routes)
        .service(
            web::scope("/api/v1")
                // JSON compresses to a fraction (lists, transcripts, reports): Brotli or gzip
                // when the client accepts it. Only answers without a Content-Encoding of
                // their own; sockets never reach here (their upgrade is taken before actix).
                .wrap(actix_web::middleware::Compress::default())
                // Answers carry tokens and shoppers' data: never cached by a browser or a
                // proxy, and never sniffed into something other than the JSON they are.
                // Outside `Compress`, so its `Vary` stands when it encoded and this one is
                // added when it did not.
                .wrap(
                    actix_web::middleware::DefaultHeaders::new()
                        .add((actix_web::http::header::CACHE_CONTROL, "no-store"))
                        .add((actix_web::http::header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
                        .add((actix_web::http::header::VARY, "Accept-Encoding")),
                )
                .configure(auth_routes::routes)
                .configure(agent_api::routes)
                .configure(conversations_api::routes)
                .configure(files_api::api_routes)
                .configure(commerce_pane_api::routes)
                .configure(rules_api::routes)
                .configure(library_api::routes)
                .configure(canned_api::routes)
                .configure(ai_api::routes)
                .configure(team_api::routes)
                .configure(reports_api::routes)
                .configure(outbound_api::routes)
                .configure(email_api::routes)
                .configure(privacy_api::routes)
                .configure(commerce_admin::routes)
                .configure(commerce_api::routes)
                .configure(mail_inbound::routes)
                .default_service(web::to(|| async { ApiError::not_found("route") })),
        );
}
