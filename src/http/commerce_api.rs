//! The push API: a shop's own back end sends its customers, orders and parcels, server to
//! server, with a per-site key (`Authorization: Bearer shk_…`). The key names the site, so
//! the routes carry none. An agent's token is never accepted here (and a key never on the
//! dashboard's routes: it is not a token). Each key has a request budget, so one shop's sync
//! cannot starve the node. Upserts are idempotent and keyed by the shop's ids; the answer says
//! what happened (`created`, `updated`, `unchanged`).
//!
//! The id in the path is the record's: a body may leave `id` out (the path fills it); a body
//! whose `id` differs is refused with 422 naming `id`.

use super::commerce_admin::shop_id;
use super::docs::ErrorResponse;
use super::{ApiError, json};
use crate::chat::{ChatError, KEY_PREFIX};
use crate::commerce::{Customer, ExternalId, Order, Shipment, Upsert};
use crate::domain::SiteId;
use crate::state::AppState;
use crate::triggers::FieldError;
use actix_web::{FromRequest, HttpRequest, HttpResponse, dev::Payload, http::header, web};
use serde::Deserialize;
use serde_json::{Value, json};
use std::future::Future;
use std::pin::Pin;

/// Largest import body: a thousand orders with their items and parcels.
const MAX_IMPORT_BODY: usize = 4 * 1024 * 1024;
/// Largest single-record body (an order with 250 items and 20 parcels fits).
const MAX_RECORD_BODY: usize = 512 * 1024;

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    let record = || web::PayloadConfig::new(MAX_RECORD_BODY);
    cfg.service(
        web::resource("/commerce/customers/{customer_id}")
            .app_data(record())
            .route(web::put().to(put_customer)),
    )
    .service(
        web::resource("/commerce/orders/{order_id}")
            .app_data(record())
            .route(web::put().to(put_order)),
    )
    .service(
        web::resource("/commerce/orders/{order_id}/shipments/{shipment_id}")
            .app_data(record())
            .route(web::put().to(put_shipment)),
    )
    .service(
        web::resource("/commerce/import")
            .app_data(web::PayloadConfig::new(MAX_IMPORT_BODY))
            .route(web::post().to(import)),
    );
}

/// The site a push request writes to, proven by its key, within the key's budget.
pub(super) struct PushKey {
    site: SiteId,
}

async fn push_key(state: web::Data<AppState>, header: Option<String>) -> Result<PushKey, ApiError> {
    let header = header.ok_or_else(|| {
        ApiError::unauthorized("missing Authorization: Bearer shk_… (a push API key)")
    })?;
    let secret = header
        .strip_prefix("Bearer ")
        .map(str::trim)
        .filter(|s| s.starts_with(KEY_PREFIX))
        .ok_or_else(|| {
            ApiError::unauthorized("the push API takes a site's API key (`Bearer shk_…`)")
        })?;
    let key = state
        .chat
        .push_key(secret)
        .await?
        .ok_or_else(|| ApiError::unauthorized("unknown or revoked API key"))?;
    if !state.push_budget.allow(&key.id) {
        return Err(
            ApiError::too_many("this API key's request budget is spent; slow down")
                .with_retry_after(1),
        );
    }
    Ok(PushKey { site: key.site_id })
}

impl FromRequest for PushKey {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<PushKey, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let header = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|h| h.to_str().ok())
            .map(str::to_owned);
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::internal("application state missing"))?;
            push_key(state, header).await
        })
    }
}

/// A use case's refusal, with a rejected record's first bad field as `field`.
fn named(e: ChatError) -> ApiError {
    let field = match &e {
        ChatError::Rejected { errors, .. } => errors.first().map(|f| f.path.clone()),
        _ => None,
    };
    let api = ApiError::from(e);
    match field {
        Some(f) => api.with_field(f),
        None => api,
    }
}

/// 422 naming one field.
fn mismatch(what: &'static str, field: &str, message: &str) -> ApiError {
    ApiError::invalid(what, vec![FieldError::new(field, message)]).with_field(field)
}

/// The body with `field` filled from the path (or checked against it), decoded as `T`.
fn with_id<T: serde::de::DeserializeOwned>(
    what: &'static str,
    body: &[u8],
    field: &str,
    id: &ExternalId,
) -> Result<T, ApiError> {
    let mut value: Value = json::parse(body)?;
    let Some(object) = value.as_object_mut() else {
        return Err(ApiError::bad_request(
            "bad_json",
            "the body must be a JSON object",
        ));
    };
    match object.get(field) {
        None | Some(Value::Null) => {
            object.insert(field.to_owned(), Value::String(id.as_str().to_owned()));
        }
        Some(given) => {
            let same = serde_json::from_value::<ExternalId>(given.clone()).is_ok_and(|g| &g == id);
            if !same {
                return Err(mismatch(
                    what,
                    field,
                    "must match the id in the path (or be left out)",
                ));
            }
        }
    }
    // Decoded from bytes again so a bad field is named with its path, as everywhere else.
    let bytes = serde_json::to_vec(&value).map_err(ApiError::internal)?;
    json::parse(&bytes)
}

fn answer(id: &ExternalId, outcome: Upsert) -> HttpResponse {
    let body = json!({ "id": id, "result": outcome });
    match outcome {
        Upsert::Created => HttpResponse::Created().json(body),
        Upsert::Updated | Upsert::Unchanged => HttpResponse::Ok().json(body),
    }
}

#[utoipa::path(put, path = "/api/v1/commerce/customers/{customer_id}", operation_id = "put_customer", tag = "push API", params(("customer_id" = String, Path, description = "The shop's customer id")), request_body(content = crate::commerce::Customer, description = "A customer: `{id?, email?, name?, tags?, orders_count?, total_spent?: {amount, currency}, created_at, updated_at}` (times in ms since the epoch)"), security(("push_key" = [])), responses((status = 201, description = "`{id, result: \"created\"}`", body = super::docs::UpsertAnswer), (status = 200, description = "`{id, result: \"updated\" | \"unchanged\"}` (an older `updated_at` changes nothing)", body = super::docs::UpsertAnswer), (status = 400, description = "Malformed JSON or field; `field` names it", body = ErrorResponse), (status = 401, description = "No, unknown or revoked API key", body = ErrorResponse), (status = 422, description = "Out of bounds; `field` names it", body = ErrorResponse), (status = 429, description = "The key's budget is spent", body = ErrorResponse)))]
async fn put_customer(
    state: web::Data<AppState>,
    key: PushKey,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let id = shop_id("customer_id", &path)?;
    let customer: Customer = with_id("the customer", &body, "id", &id)?;
    let outcome = state
        .chat
        .push_customer(&key.site, customer)
        .await
        .map_err(named)?;
    Ok(answer(&id, outcome))
}

#[utoipa::path(put, path = "/api/v1/commerce/orders/{order_id}", operation_id = "put_order", tag = "push API", params(("order_id" = String, Path, description = "The shop's order id")), request_body(content = crate::commerce::Order, description = "An order: `{id?, number, customer_id?, email?, status, financial_status?, fulfillment_status?, currency, items: [{sku?, name, quantity, price}], subtotal?, shipping?, tax?, total, shipments?, refunds?, returns?, status_url?, created_at, updated_at}`; amounts as decimal text, times in ms since the epoch"), security(("push_key" = [])), responses((status = 201, description = "`{id, result: \"created\"}`", body = super::docs::UpsertAnswer), (status = 200, description = "`{id, result: \"updated\" | \"unchanged\"}`", body = super::docs::UpsertAnswer), (status = 400, description = "Malformed JSON or field; `field` names it (`items[0].price`)", body = ErrorResponse), (status = 401, description = "No, unknown or revoked API key", body = ErrorResponse), (status = 422, description = "Out of bounds or a non-http(s) link; `field` names it", body = ErrorResponse), (status = 429, description = "The key's budget is spent", body = ErrorResponse)))]
async fn put_order(
    state: web::Data<AppState>,
    key: PushKey,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let id = shop_id("order_id", &path)?;
    let order: Order = with_id("the order", &body, "id", &id)?;
    let outcome = state
        .chat
        .push_order(&key.site, order)
        .await
        .map_err(named)?;
    Ok(answer(&id, outcome))
}

#[utoipa::path(put, path = "/api/v1/commerce/orders/{order_id}/shipments/{shipment_id}", operation_id = "put_shipment", tag = "push API", params(("order_id" = String, Path, description = "The shop's order id"), ("shipment_id" = String, Path, description = "The shop's parcel id")), request_body(content = crate::commerce::Shipment, description = "A parcel: `{id?, carrier?, tracking_number?, tracking_url?, status, estimated_delivery?, events?, created_at, updated_at}`"), security(("push_key" = [])), responses((status = 200, description = "`{id, result: \"updated\"}`: the parcel is on the order now (new, or newer than the stored one: the order changed); `{id, result: \"unchanged\"}`: as new as the stored parcel", body = super::docs::UpsertAnswer), (status = 400, description = "Malformed; `field` names it", body = ErrorResponse), (status = 401, description = "No, unknown or revoked API key", body = ErrorResponse), (status = 404, description = "No such order (push it first)", body = ErrorResponse), (status = 422, description = "Out of bounds; `field` names it", body = ErrorResponse)))]
async fn put_shipment(
    state: web::Data<AppState>,
    key: PushKey,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let order = shop_id("order_id", &path.0)?;
    let id = shop_id("shipment_id", &path.1)?;
    let shipment: Shipment = with_id("the shipment", &body, "id", &id)?;
    let outcome = state
        .chat
        .push_shipment(&key.site, &order, shipment)
        .await
        .map_err(named)?;
    Ok(answer(&id, outcome))
}

/// A back-fill batch.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct ImportBody {
    /// Customers, each with its `id`.
    #[serde(default)]
    customers: Vec<Customer>,
    /// Orders, each with its `id`.
    #[serde(default)]
    orders: Vec<Order>,
}

#[utoipa::path(post, path = "/api/v1/commerce/import", operation_id = "import_commerce", tag = "push API", request_body(content = ImportBody, description = "`{customers: [...], orders: [...]}`, at most 1,000 records and 4 MiB per call; each record as in the PUT routes (with its `id`)"), security(("push_key" = [])), responses((status = 200, description = "`{customers: {created, updated, unchanged}, orders: {...}}`", body = crate::commerce::ImportReport), (status = 400, description = "Malformed; `field` names it (`orders[12].currency`)", body = ErrorResponse), (status = 401, description = "No, unknown or revoked API key", body = ErrorResponse), (status = 413, description = "Body over 4 MiB"), (status = 422, description = "Over 1,000 records, or a record out of bounds; `field` names it", body = ErrorResponse)))]
async fn import(
    state: web::Data<AppState>,
    key: PushKey,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let batch: ImportBody = json::parse(&body)?;
    let report = state
        .chat
        .push_import(&key.site, batch.customers, batch.orders)
        .await
        .map_err(named)?;
    Ok(HttpResponse::Ok().json(report))
}
