//! The same application error, rendered two ways: as `{"error":{"code","message"}}` for the API
//! and as a page for the browser. Unexpected errors are logged with their cause and shown as
//! an opaque message.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jinguo_app::AppError;
use serde_json::json;

pub fn status(e: &AppError) -> StatusCode {
    match e {
        AppError::NotFound => StatusCode::NOT_FOUND,
        AppError::Forbidden(_) => StatusCode::FORBIDDEN,
        AppError::Unauthorized(_) | AppError::SecondFactorRequired => StatusCode::UNAUTHORIZED,
        AppError::Locked(_) => StatusCode::LOCKED,
        AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
        AppError::Conflict(_) | AppError::Refused { .. } => StatusCode::CONFLICT,
        AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// An error answered by the JSON API.
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        ApiError(e)
    }
}

impl ApiError {
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Response {
        (StatusCode::BAD_REQUEST, Json(json!({"error": {"code": code, "message": message.into()}}))).into_response()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let e = self.0;
        if let AppError::Internal(cause) = &e {
            tracing::error!(cause = %cause, "internal error");
        }
        let mut body = json!({"error": {"code": e.code(), "message": e.to_string()}});
        if let AppError::Invalid(inv) = &e {
            body["error"]["fields"] = json!(inv.errors);
        }
        (status(&e), Json(body)).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_outcome_has_its_status() {
        assert_eq!(status(&AppError::NotFound), StatusCode::NOT_FOUND);
        assert_eq!(status(&AppError::Forbidden("x".into())), StatusCode::FORBIDDEN);
        assert_eq!(status(&AppError::invalid("f", "m")), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(status(&AppError::Conflict("x".into())), StatusCode::CONFLICT);
        assert_eq!(status(&AppError::Locked("x".into())), StatusCode::LOCKED);
        assert_eq!(status(&AppError::Internal("db".into())), StatusCode::INTERNAL_SERVER_ERROR);
    }
}
