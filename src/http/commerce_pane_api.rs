//! The agent's context pane over REST: who the shopper of a conversation is to the shop —
//! profile, recent orders with items, parcels, refunds, returns, open requests and whether an
//! order looks stuck. Any member of the site may read it; the conversation must belong to
//! the site in the path (404 otherwise, never a leak).

use super::docs::{ConversationPath, ErrorResponse, MemberOnly};
use super::{ApiError, SiteScope};
use crate::state::AppState;
use actix_web::{HttpResponse, web};

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/sites/{site_id}/conversations/{conversation_id}/customer",
        web::get().to(customer),
    );
}

#[utoipa::path(get, path = "/api/v1/sites/{site_id}/conversations/{conversation_id}/customer", operation_id = "get_conversation_customer", tag = "conversations", params(ConversationPath), security(("bearer" = [])), responses((status = 200, description = "`{link, customer, orders}`: `link` is `verified` (the shop vouched for the shopper through a signed identify) or `contact_email` (only the email the shopper typed matches: unverified), or null with no customer and no orders when the shop knows nothing about this shopper. `customer`: `{id, name, email, orders_count, total_spent, tags, since}`. `orders`, newest first (at most 10): `{id, number, placed, placed_at, status, order_status, financial_status, fulfillment_status, items: [{name, sku, quantity, price}], total, refunded, shipments: [{carrier, tracking_number, tracking_url, status, shipment_status, estimated_delivery, events: [{at, status, description, location}]}], refunds: [{amount, note, on}], returns: [{status, opened}], requests: [{id, kind, reason, conversation_id, made_at}], stuck, stuck_reason, status_url}`; money is formatted with its currency, links are http(s) only", body = crate::chat::CustomerPane), MemberOnly, (status = 404, description = "No such conversation on this site", body = ErrorResponse), (status = 503, description = "The store is unavailable; retry", body = ErrorResponse)))]
async fn customer(
    state: web::Data<AppState>,
    scope: SiteScope,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let conversation = scope.conversation(&state.chat, &path.1).await?;
    let pane = state.chat.customer_pane(&conversation).await?;
    Ok(HttpResponse::Ok().json(pane))
}
