//! Indicators for a region subtree and period.

use axum::Json;
use axum::extract::State;
use jinguo_app::AppError;
use jinguo_domain::insight::Period;
use serde::Deserialize;
use utoipa::IntoParams;

use super::dto::{IndicatorValue, List};
use super::{ApiQuery, parse_region};
use crate::auth::ApiUser;
use crate::error::ApiError;
use crate::state::AppState;

#[derive(Deserialize, IntoParams)]
pub struct IndicatorQuery {
    /// Region code; default the caller's own region.
    region: Option<String>,
    /// First day, YYYY-MM-DD; default 1 January of this year.
    from: Option<String>,
    /// Last day, YYYY-MM-DD; default today.
    to: Option<String>,
    /// Comma-separated indicator ids; default all.
    ids: Option<String>,
}

/// Every indicator for the region's subtree over the period.
#[utoipa::path(get, path = "/api/v1/indicators", tag = "insight", params(IndicatorQuery), security(("bearer" = [])),
    responses((status = 200, body = List<IndicatorValue>), (status = 404, body = super::dto::ErrorBody), (status = 422, body = super::dto::ErrorBody)))]
pub async fn indicators(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiQuery(q): ApiQuery<IndicatorQuery>,
) -> Result<Json<List<IndicatorValue>>, ApiError> {
    let region = match parse_region(q.region.as_deref())? {
        Some(r) => r,
        None => actor
            .region
            .clone()
            .or_else(|| state.app.config.city.clone())
            .ok_or_else(|| AppError::invalid("region", "请指定地区 region"))?,
    };
    let today = state.app.today();
    let default = Period::year_to_date(today);
    let from = q.from.unwrap_or_else(|| default.from.to_string());
    let to = q.to.unwrap_or_else(|| default.to.to_string());
    let period = Period::parse(&from, &to).map_err(AppError::Invalid)?;
    let wanted: Vec<&str> = q.ids.as_deref().map(|s| s.split(',').map(str::trim).filter(|s| !s.is_empty()).collect()).unwrap_or_default();
    for id in &wanted {
        if jinguo_domain::insight::indicator(id).is_none() {
            return Err(AppError::invalid("ids", format!("未知的指标：{id}")).into());
        }
    }
    let figures = state.app.indicators(&actor, &region, period, &wanted).await?;
    Ok(Json(List::all(figures.into_iter().map(IndicatorValue::from).collect())))
}
