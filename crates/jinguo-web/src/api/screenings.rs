//! Two-cancer screening: records, follow-ups, the overdue follow-up list.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use jinguo_app::health::{ScreeningFilter, ScreeningInput};
use jinguo_store::health::Screening;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::dto::{self, List};
use super::{ApiJson, ApiQuery, parse_id, parse_region};
use crate::auth::ApiUser;
use crate::error::ApiError;
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct ScreeningOut {
    pub id: String,
    pub person: String,
    /// Masked (张*) in lists; empty for roles that do not see identity.
    pub person_name: String,
    pub region: String,
    /// cervical | breast
    pub kind: String,
    pub kind_label: String,
    pub screened_on: String,
    /// The statistical year (1 April – 31 March), named by the year it starts in.
    pub stat_year: i64,
    pub site: String,
    /// normal | abnormal | suspected
    pub result: String,
    pub result_label: String,
    /// A second screening for the same cancer in the statistical year: recorded, not counted.
    pub repeat_in_year: bool,
    pub follow_up_on: Option<String>,
    pub diagnosis: String,
}

impl From<Screening> for ScreeningOut {
    fn from(s: Screening) -> ScreeningOut {
        ScreeningOut {
            id: s.id.to_string(),
            person: s.person.to_string(),
            person_name: s.person_name,
            region: s.region.short().to_owned(),
            kind: s.kind.code().to_owned(),
            kind_label: s.kind.label().to_owned(),
            screened_on: s.screened_on.to_string(),
            stat_year: s.stat_year,
            site: s.site,
            result: s.result.code().to_owned(),
            result_label: s.result.label().to_owned(),
            repeat_in_year: s.repeat_in_year,
            follow_up_on: s.follow_up_on.map(|d| d.to_string()),
            diagnosis: s.diagnosis,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct NewScreening {
    person: String,
    /// cervical | breast
    kind: String,
    screened_on: Option<String>,
    site: String,
    /// normal | abnormal | suspected
    result: String,
}

/// Records a screening of a woman aged 35–64.
#[utoipa::path(post, path = "/api/v1/screenings", tag = "health", request_body = NewScreening, security(("bearer" = [])),
    responses((status = 201, body = ScreeningOut), (status = 403, body = dto::ErrorBody), (status = 422, body = dto::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(mut v): ApiJson<serde_json::Value>,
) -> Result<(StatusCode, Json<ScreeningOut>), ApiError> {
    if let Some(p) = v.get("person").filter(|p| p.is_number()).map(|p| p.to_string()) {
        v["person"] = serde_json::Value::String(p);
    }
    let input: ScreeningInput =
        serde_json::from_value(v).map_err(|e| ApiError(jinguo_app::AppError::invalid("person", format!("请求字段有误：{e}"))))?;
    let s = state.app.record_screening(&actor, &input).await?;
    Ok((StatusCode::CREATED, Json(s.into())))
}

#[derive(Deserialize, IntoParams)]
pub struct ScreeningQuery {
    region: Option<String>,
    kind: Option<String>,
    /// normal | abnormal | suspected
    result: Option<String>,
    /// Statistical year, e.g. 2025 for 2025-04-01 … 2026-03-31.
    year: Option<i64>,
    after: Option<String>,
    limit: Option<u64>,
}

/// Screenings in scope, newest first.
#[utoipa::path(get, path = "/api/v1/screenings", tag = "health", params(ScreeningQuery), security(("bearer" = [])),
    responses((status = 200, body = List<ScreeningOut>), (status = 404, body = dto::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiQuery(q): ApiQuery<ScreeningQuery>,
) -> Result<Json<List<ScreeningOut>>, ApiError> {
    let region = parse_region(q.region.as_deref())?;
    let page = state
        .app
        .list_screenings(
            &actor,
            region.as_ref(),
            ScreeningFilter { kind: q.kind.as_deref(), result: q.result.as_deref(), year: q.year },
            q.after.as_deref(),
            q.limit.unwrap_or(50),
        )
        .await?;
    Ok(Json(List::from_page(page, ScreeningOut::from)))
}

#[derive(Deserialize, ToSchema)]
pub struct FollowUp {
    follow_up_on: Option<String>,
    #[serde(default)]
    diagnosis: String,
}

/// Records the follow-up of an abnormal or suspected result.
#[utoipa::path(post, path = "/api/v1/screenings/{id}/follow-up", tag = "health", params(("id" = String, Path)), request_body = FollowUp, security(("bearer" = [])),
    responses((status = 200, body = ScreeningOut), (status = 403, body = dto::ErrorBody), (status = 404, body = dto::ErrorBody), (status = 422, body = dto::ErrorBody)))]
pub async fn follow_up(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<String>,
    ApiJson(f): ApiJson<FollowUp>,
) -> Result<Json<ScreeningOut>, ApiError> {
    let s = state.app.record_follow_up(&actor, parse_id(&id)?, f.follow_up_on.as_deref(), &f.diagnosis).await?;
    Ok(Json(s.into()))
}

#[derive(Deserialize, IntoParams)]
pub struct OverdueQuery {
    region: Option<String>,
    after: Option<String>,
    limit: Option<u64>,
}

/// Abnormal results still without a follow-up 30 days after the screening, oldest first.
#[utoipa::path(get, path = "/api/v1/screenings/overdue", tag = "health", params(OverdueQuery), security(("bearer" = [])),
    responses((status = 200, body = List<ScreeningOut>), (status = 404, body = dto::ErrorBody)))]
pub async fn overdue(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiQuery(q): ApiQuery<OverdueQuery>,
) -> Result<Json<List<ScreeningOut>>, ApiError> {
    let region = parse_region(q.region.as_deref())?;
    let page = state.app.overdue_follow_ups(&actor, region.as_ref(), q.after.as_deref(), q.limit.unwrap_or(50)).await?;
    Ok(Json(List::from_page(page, ScreeningOut::from)))
}
