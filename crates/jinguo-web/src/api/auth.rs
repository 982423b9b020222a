//! `POST /api/v1/auth/login` and `/logout`.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::ApiJson;
use crate::auth::{ApiUser, ClientIp, user_agent};
use crate::error::ApiError;
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
    /// The administrator's six-digit TOTP code.
    #[serde(default)]
    pub totp: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct LoginResponse {
    /// Send as `Authorization: Bearer <token>`; it ends after 30 idle minutes.
    pub token: String,
}

/// Logs in and returns a bearer token.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401, body = super::dto::ErrorBody), (status = 423, body = super::dto::ErrorBody), (status = 429, body = super::dto::ErrorBody)))]
pub async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    body: Result<ApiJson<LoginRequest>, Response>,
) -> Response {
    if state.login_limiter.check_key(&ip).is_err() {
        let mut res = ApiError::bad_request("rate_limited", "登录尝试过于频繁，请稍后再试");
        *res.status_mut() = StatusCode::TOO_MANY_REQUESTS;
        return res;
    }
    let input = match body {
        Ok(ApiJson(v)) => v,
        Err(res) => return res,
    };
    let login = jinguo_app::access::auth::LoginInput {
        username: input.username,
        password: input.password,
        totp: input.totp,
        ip: ip.to_string(),
        user_agent: user_agent(&headers),
    };
    match state.app.login(&login).await {
        Ok(ok) if ok.must_enrol => {
            ApiError(jinguo_app::AppError::Forbidden("请先在网页上登录并设置动态验证码（双因素认证）".into())).into_response()
        }
        Ok(ok) => axum::Json(LoginResponse { token: ok.token }).into_response(),
        Err(e) => ApiError(e).into_response(),
    }
}

/// Ends the session of the token.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", security(("bearer" = [])), responses((status = 204), (status = 401, body = super::dto::ErrorBody)))]
pub async fn logout(State(state): State<AppState>, ApiUser(actor): ApiUser) -> Result<StatusCode, ApiError> {
    state.app.logout(&actor).await?;
    Ok(StatusCode::NO_CONTENT)
}
