//! API errors: an HTTP status with a JSON body `{"error": {"code", "message", "field"?}}`,
//! so a client can act on the code and a person can read the message.

use crate::chat::{AccountError, ChatError};
use crate::store::StoreError;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use serde_json::json;
use std::fmt;

/// An error answered to an API caller.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    field: Option<String>,
    /// Per-field problems (a rule with several mistakes), listed under `errors`.
    details: Vec<crate::triggers::FieldError>,
    /// Seconds for `Retry-After` on a 429 or 503, when the refusal knows when to come back.
    retry_after: Option<u64>,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            field: None,
            details: Vec::new(),
            retry_after: None,
        }
    }

    /// Sets `Retry-After` (seconds): when a refused client may usefully try again.
    pub fn with_retry_after(mut self, secs: u64) -> Self {
        self.retry_after = Some(secs.max(1));
        self
    }

    /// 503 `busy` with `Retry-After`: a bounded resource (password jobs) is all in use right
    /// now; nothing was done, and the same request may be sent again in a moment.
    pub fn busy(message: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, "busy", message).with_retry_after(1)
    }

    /// Names the request field at fault.
    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    /// 400: the request is malformed.
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// 401: no valid credentials.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }

    /// 403: valid credentials, but not for this.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    /// 403 with a code of its own, for refusals a client acts on differently.
    pub fn forbidden_code(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, code, message)
    }

    /// 404.
    pub fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("{what} not found"),
        )
    }

    /// 422: well-formed but invalid; each problem named by its path.
    pub fn invalid(what: &str, details: Vec<crate::triggers::FieldError>) -> Self {
        let summary: Vec<String> = details.iter().map(ToString::to_string).collect();
        let mut e = Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            format!("{what} is invalid: {}", summary.join("; ")),
        );
        e.details = details;
        e
    }

    /// 422 with a code of its own: the request is well-formed, but its content is refused
    /// (a file the virus scanner flagged).
    pub fn unprocessable(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
    }

    /// 409.
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "conflict", message)
    }

    /// 413: the body is larger than the limit (said before it was read).
    pub fn too_large(message: impl Into<String>) -> Self {
        Self::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", message)
    }

    /// 415: the content (as sniffed) is of a type not accepted here.
    pub fn unsupported_type(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_type",
            message,
        )
    }

    /// 429.
    pub fn too_many(message: impl Into<String>) -> Self {
        Self::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", message)
    }

    /// 500; the cause is logged, not sent.
    pub fn internal(cause: impl fmt::Display) -> Self {
        tracing::error!(error = %cause, "request failed");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error; try again",
        )
    }

    /// 503 with `Retry-After`: the shared store (Redis) is unreachable right now; nothing was
    /// done, and the same request may simply be sent again.
    pub fn unavailable(cause: impl fmt::Display) -> Self {
        tracing::warn!(error = %cause, "store unavailable");
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "the store is unreachable for a moment; retry",
        )
    }

    /// 503 with a code of its own and `Retry-After`: a service the request needs (the virus
    /// scanner) is not answering; nothing was done.
    pub fn unavailable_code(
        code: &'static str,
        message: impl Into<String>,
        retry_secs: u64,
    ) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, code, message).with_retry_after(retry_secs)
    }

    /// The status, for callers that inspect it.
    pub fn status(&self) -> StatusCode {
        self.status
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status.as_u16(),
            self.code,
            self.message
        )
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut body = json!({ "code": self.code, "message": self.message });
        if let Some(field) = &self.field {
            body["field"] = json!(field);
        }
        if !self.details.is_empty() {
            body["errors"] = json!(self.details);
        }
        let mut response = HttpResponse::build(self.status);
        if self.status == StatusCode::UNAUTHORIZED {
            response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
        }
        if let Some(secs) = self.retry_after {
            response.insert_header((header::RETRY_AFTER, secs.to_string()));
        } else if self.status == StatusCode::SERVICE_UNAVAILABLE {
            response.insert_header((header::RETRY_AFTER, "1"));
        }
        response.json(json!({ "error": body }))
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(m) => ApiError::conflict(m),
            StoreError::NotFound(what) => ApiError::not_found(what),
            e @ StoreError::Unavailable { .. } => ApiError::unavailable(e),
            other => ApiError::internal(other),
        }
    }
}

impl From<ChatError> for ApiError {
    /// A use case's refusal as HTTP: not found 404, a life-cycle refusal 409, a bad value 400
    /// naming the field, a rejected document 422 listing each field, the store's as above.
    fn from(e: ChatError) -> Self {
        match e {
            ChatError::NotFound(what) => ApiError::not_found(what),
            ChatError::Transition(t) => ApiError::conflict(t.to_string()),
            ChatError::Invalid { field, message } => {
                ApiError::bad_request("invalid_field", message).with_field(field)
            }
            ChatError::Rejected { what, errors } => ApiError::invalid(what, errors),
            ChatError::Store(s) => s.into(),
            ChatError::Files(e) => ApiError::internal(e),
            ChatError::Email(crate::chat::EmailRefused::Store(s)) => s.into(),
            ChatError::Email(
                e @ (crate::chat::EmailRefused::SiteLimit
                | crate::chat::EmailRefused::RecipientLimit),
            ) => ApiError::too_many(e.to_string()),
            ChatError::Email(e) => ApiError::conflict(e.to_string()),
        }
    }
}

impl From<AccountError> for ApiError {
    /// A deleted account is the token's problem (401); a signing failure is ours (500).
    fn from(e: AccountError) -> Self {
        match e {
            AccountError::Gone => ApiError::unauthorized("account no longer exists"),
            AccountError::Sign(e) => ApiError::internal(e),
            AccountError::Chat(e) => e.into(),
        }
    }
}

/// A use case's error with a 409 blamed on one request field (a taken shortcut, the last
/// owner's role), so a form can point at it; any other error as usual.
pub(super) fn conflict_on(field: &'static str) -> impl Fn(ChatError) -> ApiError {
    move |e| match e {
        ChatError::Store(StoreError::Conflict(m)) => ApiError::conflict(m).with_field(field),
        other => other.into(),
    }
}

impl actix_web::Responder for ApiError {
    type Body = actix_web::body::BoxBody;
    fn respond_to(self, _req: &actix_web::HttpRequest) -> HttpResponse {
        self.error_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn use_case_errors_keep_their_statuses() {
        let status = |e: ChatError| ApiError::from(e).status();
        assert_eq!(status(ChatError::NotFound("rule")), StatusCode::NOT_FOUND);
        let invalid = ApiError::from(ChatError::Invalid {
            field: "text",
            message: "empty".into(),
        });
        assert_eq!(invalid.status(), StatusCode::BAD_REQUEST);
        assert_eq!(invalid.field.as_deref(), Some("text"));
        let rejected = ChatError::Rejected {
            what: "the rule",
            errors: vec![crate::triggers::FieldError::new("when", "unknown event")],
        };
        assert_eq!(status(rejected), StatusCode::UNPROCESSABLE_ENTITY);
        let conflict = || ChatError::Store(StoreError::Conflict("taken".into()));
        assert_eq!(status(conflict()), StatusCode::CONFLICT);
        let blamed = conflict_on("shortcut")(conflict());
        assert_eq!(blamed.status(), StatusCode::CONFLICT);
        assert_eq!(blamed.field.as_deref(), Some("shortcut"));
        let other = conflict_on("shortcut")(ChatError::NotFound("canned reply"));
        assert_eq!(other.field, None);
    }

    #[test]
    fn a_deleted_account_is_unauthorized() {
        assert_eq!(
            ApiError::from(AccountError::Gone).status(),
            StatusCode::UNAUTHORIZED
        );
    }
}
