//! `/api/v1/openapi.json`: the HTTP API described for integrators and API tools, generated
//! from the handlers' annotations so it cannot drift from the routes.

use super::ai_api;
use super::canned_api;
use super::commerce_pane_api;
use super::docs::{ErrorDetail, ErrorResponse};
use super::email_api;
use super::files_api;
use super::library_api;
use super::mail_inbound;
use super::privacy_api;
use super::profile_api;
use super::widget_lang;
use super::widget_parts;
use super::{agent_api, assets, auth_routes, conversations_api, health, metrics, rules_api};
use super::{commerce_admin, commerce_api, outbound_api, reports_api, shop_hooks, team_api};
use actix_web::{HttpResponse, web};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
        // The push API's per-site key (`shk_…`), never an agent's JWT.
        components.add_security_scheme(
            "push_key",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("shk_ API key")
                    .build(),
            ),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "shopchat", description = "Proactive chat for online shops: agent and owner API. The shopper WebSocket is described in README.md."),
    paths(
        files_api::agent_upload_token, files_api::upload, files_api::get_file, files_api::get_avatar, reports_api::my_report, profile_api::set_avatar, profile_api::remove_avatar,
        auth_routes::login, auth_routes::change_password, auth_routes::me, profile_api::update_me,
        agent_api::list_sites, agent_api::get_site, agent_api::update_site, agent_api::list_messages,
        conversations_api::list_conversations, conversations_api::transcript, conversations_api::add_note,
        conversations_api::get_settings, conversations_api::put_settings, conversations_api::list_agents,
        conversations_api::update_agent,
        agent_api::post_message, agent_api::get_visitor,
        rules_api::list, rules_api::create, rules_api::simulate_journey, rules_api::get, rules_api::replace,
        rules_api::delete, rules_api::enable, rules_api::disable, rules_api::report,
        rules_api::get_settings, rules_api::put_settings,
        health::healthz, health::readyz, metrics::metrics, assets::widget, widget_lang::catalogue, widget_parts::part,
        library_api::list_articles, library_api::create_article, library_api::get_article,
        library_api::replace_article, library_api::delete_article,
        canned_api::list_canned, canned_api::create_canned, canned_api::get_canned,
        canned_api::replace_canned, canned_api::delete_canned, library_api::preview_canned,
        library_api::suggestions, library_api::draft, library_api::summary, ai_api::translate, ai_api::ai_usage, ai_api::get_provider, ai_api::put_provider, team_api::invite_agent, team_api::remove_agent,
        reports_api::site_report, commerce_pane_api::customer,
        outbound_api::list_endpoints, outbound_api::create_endpoint, outbound_api::delete_endpoint,
        outbound_api::test_endpoint, outbound_api::list_deliveries,
        email_api::get_settings, email_api::put_settings, email_api::delivery_log,
        email_api::suppressions, email_api::remove_suppression,
        commerce_admin::list_keys, commerce_admin::create_key, commerce_admin::revoke_key,
        commerce_admin::get_settings, commerce_admin::put_settings, commerce_admin::get_order,
        commerce_admin::get_customer, commerce_api::put_customer, commerce_api::put_order,
        commerce_api::put_shipment, commerce_api::import, shop_hooks::shopify, shop_hooks::woocommerce,
        mail_inbound::inbound, mail_inbound::emails,
        privacy_api::get_settings, privacy_api::put_settings, privacy_api::export,
        privacy_api::erase, privacy_api::audit,
    ),
    components(schemas(ErrorResponse, ErrorDetail, crate::store::DeliveryRecord, crate::store::DeliveryOutcome, crate::email::EmailLogEntry, crate::email::Suppression, crate::privacy::AuditEntry, crate::privacy::Counts)),
    modifiers(&BearerAuth)
)]
struct ApiDoc;

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    // Some 250 KB of JSON that API tools fetch whole: compressed when they accept it.
    cfg.service(
        web::resource("/api/v1/openapi.json")
            .wrap(actix_web::middleware::Compress::default())
            .route(web::get().to(openapi)),
    );
}

async fn openapi() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}
