//! Attachments over HTTP: an agent's upload token for a conversation of its site, the
//! upload itself (`POST /uploads`, authorised by the token alone, the body refused by its
//! declared length before a byte is read and counted while it streams), and the file by its
//! signed link (`GET /files/{id}`), served as a download that cannot run as a page.

use super::docs::{ErrorResponse, MemberOnly};
use super::error::ApiError;
use super::site_scope::SiteScope;
use crate::chat::{FileView, IssuedUploadToken, UploadRefused};
use crate::state::AppState;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use bytes::BytesMut;
use futures_util::StreamExt;
use serde::Deserialize;

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/uploads", web::post().to(upload))
        .route(
            "/uploads",
            web::method(actix_web::http::Method::OPTIONS).to(preflight),
        )
        .route("/files/{id}", web::get().to(get_file))
        .route("/avatars/{agent}/{version}", web::get().to(get_avatar));
}

pub(super) fn api_routes(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/sites/{site_id}/conversations/{conversation_id}/upload-token",
        web::post().to(agent_upload_token),
    );
}

/// Every refusal as HTTP, naming the field a client fixes.
impl From<UploadRefused> for ApiError {
    fn from(e: UploadRefused) -> Self {
        let message = e.to_string();
        match e {
            UploadRefused::BadToken => ApiError::unauthorized(message),
            UploadRefused::Disabled => {
                ApiError::forbidden_code("attachments_disabled", message).with_field("attachments")
            }
            UploadRefused::Closed => ApiError::conflict(message),
            UploadRefused::TooLarge { .. } => ApiError::too_large(message).with_field("body"),
            UploadRefused::Type(_) => ApiError::unsupported_type(message).with_field("type"),
            UploadRefused::Damaged(_) => {
                ApiError::bad_request("invalid_field", message).with_field("body")
            }
            UploadRefused::Infected(_) => {
                ApiError::unprocessable("infected", message).with_field("body")
            }
            // Logged by the use case; the client learns only that it may retry. clamd loads
            // its signatures for tens of seconds after a restart, hence the pause.
            UploadRefused::ScannerUnavailable(_) => {
                ApiError::unavailable_code("scanner_unavailable", message, 30)
            }
            UploadRefused::Storage(e) => ApiError::internal(e),
            UploadRefused::Store(e) => e.into(),
            UploadRefused::NoConversation => ApiError::not_found("conversation"),
        }
    }
}

/// An agent asks to attach files to a conversation of its site.
#[utoipa::path(post, path = "/api/v1/sites/{site_id}/conversations/{conversation_id}/upload-token", operation_id = "upload_token", tag = "attachments", params(super::docs::ConversationPath), security(("bearer" = [])), responses((status = 200, description = "A token for `POST /uploads`, good for ten minutes, and the site's limits", body = IssuedUploadToken), MemberOnly, (status = 404, description = "No such conversation on this site", body = ErrorResponse), (status = 409, description = "The conversation is closed", body = ErrorResponse)))]
async fn agent_upload_token(
    state: web::Data<AppState>,
    scope: SiteScope,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let conversation = scope.conversation(&state.chat, &path.1).await?;
    let issued = state
        .chat
        .agent_upload_token(&conversation, &scope.caller.agent.id)
        .await?;
    Ok(HttpResponse::Ok().json(issued))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct UploadQuery {
    /// The upload token (instead of `Authorization: Bearer`).
    token: Option<String>,
    /// The file's name as the sender knows it (shown, never used as a path; or `X-Filename`).
    filename: Option<String>,
}

/// The token from `Authorization: Bearer …` or `?token=`.
fn token_of<'a>(req: &'a HttpRequest, query: &'a UploadQuery) -> Option<&'a str> {
    req.headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .or(query.token.as_deref())
}

/// Uploads one file to the conversation the token names. The body is the file's raw bytes.
#[utoipa::path(post, path = "/uploads", operation_id = "upload", tag = "attachments", params(UploadQuery, ("Authorization" = Option<String>, Header, description = "`Bearer` and the upload token"), ("X-Filename" = Option<String>, Header, description = "The file's name, when not in the query")), request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "The file's bytes; the type is sniffed from them"), responses((status = 201, description = "Stored: its id for a message's `attachments`, and the type as sniffed", body = FileView), (status = 400, description = "An image that does not parse", body = ErrorResponse), (status = 401, description = "No valid upload token", body = ErrorResponse), (status = 403, description = "The site takes no attachments", body = ErrorResponse), (status = 413, description = "Larger than the site allows (refused before the body is read when Content-Length says so)", body = ErrorResponse), (status = 415, description = "A type the site does not accept", body = ErrorResponse), (status = 422, description = "`infected`: the virus scanner (when the server has one) found a signature, named in the message; nothing kept", body = ErrorResponse), (status = 503, description = "`busy`: every upload slot of this node is in use; `scanner_unavailable`: the server scans uploads and its scanner gave no verdict, nothing kept. Retry after `Retry-After`", body = ErrorResponse)))]
async fn upload(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<UploadQuery>,
    body: web::Payload,
) -> HttpResponse {
    // The widget uploads from the shop's origin: a refusal must be readable there too, so it
    // can say "too large" or "this type cannot be sent" instead of a bare network error.
    let mut response = match receive_upload(state, req, query, body).await {
        Ok(response) => response,
        Err(e) => actix_web::ResponseError::error_response(&e),
    };
    response.headers_mut().insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        header::HeaderValue::from_static("*"),
    );
    response
}

/// The upload's work: token, declared length, an upload slot, the counted body, the store.
async fn receive_upload(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<UploadQuery>,
    mut body: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let token = token_of(&req, &query).ok_or(UploadRefused::BadToken)?;
    let (grant, limits) = state.chat.upload_grant(token).await?;
    let too_large = || {
        ApiError::from(UploadRefused::TooLarge {
            max: limits.max_bytes,
        })
    };
    let (bytes, _slot) = read_capped(&state, &req, &mut body, limits.max_bytes, too_large).await?;
    let name = query
        .filename
        .as_deref()
        .or_else(|| {
            req.headers()
                .get("x-filename")
                .and_then(|v| v.to_str().ok())
        })
        .unwrap_or("file");
    let view = state
        .chat
        .store_upload(&grant, &limits, name, bytes)
        .await?;
    Ok(HttpResponse::Created().json(view))
}

/// Reads a body of at most `max` bytes while holding one of the node's upload slots (returned
/// with the bytes, so the slot is held until the caller has checked and stored them): a
/// declared `Content-Length` over `max` is refused before a byte is read, a longer stream
/// is cut off, and with every slot in use the answer is 503 before anything is read.
pub(super) async fn read_capped(
    state: &AppState,
    req: &HttpRequest,
    body: &mut web::Payload,
    max: u64,
    too_large: impl Fn() -> ApiError,
) -> Result<(bytes::Bytes, tokio::sync::OwnedSemaphorePermit), ApiError> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > max) {
        return Err(too_large());
    }
    let slot = state
        .chat
        .upload_slot()
        .ok_or_else(|| ApiError::busy("too many uploads at once on this server; retry"))?;
    let cap = usize::try_from(max).unwrap_or(usize::MAX);
    let mut bytes = BytesMut::with_capacity(declared.map_or(0, |l| l as usize).min(cap));
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| ApiError::bad_request("invalid_body", e.to_string()))?;
        if bytes.len() + chunk.len() > cap {
            return Err(too_large());
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok((bytes.freeze(), slot))
}

/// The widget uploads from the shop's own origin: the token, not a cookie, is the
/// credential, so any origin may send it.
async fn preflight() -> HttpResponse {
    HttpResponse::NoContent()
        .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
        .insert_header((header::ACCESS_CONTROL_ALLOW_METHODS, "POST"))
        .insert_header((
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            "authorization, content-type, x-filename",
        ))
        .insert_header((header::ACCESS_CONTROL_MAX_AGE, "600"))
        .finish()
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct LinkQuery {
    /// Expiry of the link, ms since the epoch.
    exp: Option<i64>,
    /// The link's signature.
    sig: Option<String>,
    /// `1`: the image's thumbnail (at most 320 px on its longer edge) instead of the file.
    thumb: Option<u8>,
}

/// A file by its signed link (as a message delivers it). Unknown, expired and forged links
/// are all the same 404.
#[utoipa::path(get, path = "/files/{id}", operation_id = "get_file", tag = "attachments", params(("id" = String, Path, description = "The link's file id (site.conversation.file)"), LinkQuery), responses((status = 200, description = "The bytes, with the sniffed type; images inline, other files as a download", content_type = "application/octet-stream"), (status = 400, description = "A malformed query (`exp` not a number)", body = ErrorResponse), (status = 404, description = "No such file, or the link is expired or not genuine", body = ErrorResponse)))]
async fn get_file(
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<LinkQuery>,
) -> Result<HttpResponse, ApiError> {
    let (Some(exp), Some(sig)) = (query.exp, query.sig.as_deref()) else {
        return Err(ApiError::not_found("file"));
    };
    if query.thumb == Some(1) {
        let Some((bytes, content_type)) = state
            .chat
            .open_thumb(&path, exp, sig)
            .await
            .map_err(ApiError::internal)?
        else {
            return Err(ApiError::not_found("file"));
        };
        return Ok(served(bytes, content_type, "inline".into(), LINK_CACHE));
    }
    let Some((bytes, meta)) = state
        .chat
        .open_file(&path, exp, sig)
        .await
        .map_err(ApiError::internal)?
    else {
        return Err(ApiError::not_found("file"));
    };
    let disposition = if meta.content_type.starts_with("image/") {
        "inline".to_owned()
    } else {
        format!("attachment; filename*=UTF-8''{}", percent(&meta.name))
    };
    Ok(served(bytes, meta.content_type, disposition, LINK_CACHE))
}

/// A signed link's answer may be kept as long as the link works (an hour), by this browser only.
const LINK_CACHE: &str = "private, max-age=3600";

/// Bytes we stored, served so that they can only ever be shown or saved: the type we
/// sniffed (never the browser's guess), no script or plugin even if opened as a page, and
/// loadable as an `<img>` by the shop's pages that isolate themselves (COEP).
fn served(
    bytes: bytes::Bytes,
    content_type: impl Into<String>,
    disposition: String,
    cache: &'static str,
) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, content_type.into()))
        .insert_header((header::CONTENT_DISPOSITION, disposition))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CACHE_CONTROL, cache))
        .insert_header(("Cross-Origin-Resource-Policy", "cross-origin"))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "sandbox; default-src 'none'",
        ))
        .body(bytes)
}

/// RFC 5987 percent-encoding of a file name: everything but unreserved characters.
fn percent(name: &str) -> String {
    name.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// An agent's avatar: public (any shop page shows it beside the agent's name), immutable (a
/// new picture gets a new path), and only ever an image we checked. Unknown is 404.
#[utoipa::path(get, path = "/avatars/{agent}/{version}", operation_id = "get_avatar", tag = "auth", params(("agent" = String, Path, description = "The agent (ag_…)"), ("version" = String, Path, description = "The picture's version, from the account's `avatar`")), responses((status = 200, description = "The picture (JPEG, PNG or WebP), cacheable for a year", content_type = "image/png"), (status = 404, description = "No such picture", body = ErrorResponse)))]
async fn get_avatar(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (agent, version) = path.into_inner();
    let agent = crate::domain::AgentId::parse(&agent).map_err(|_| ApiError::not_found("avatar"))?;
    let Some((bytes, content_type)) = state.chat.avatar(&agent, &version).await? else {
        return Err(ApiError::not_found("avatar"));
    };
    Ok(served(
        bytes,
        content_type,
        "inline".into(),
        "public, max-age=31536000, immutable",
    ))
}
