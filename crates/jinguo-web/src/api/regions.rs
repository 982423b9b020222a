//! Regions: public facts, readable without a login.

use axum::Json;
use axum::extract::{Path, State};
use jinguo_app::AppError;
use jinguo_domain::RegionCode;

use super::dto::{List, Region};
use crate::error::ApiError;
use crate::state::AppState;

fn code(s: &str) -> Result<RegionCode, ApiError> {
    RegionCode::parse(s).map_err(|e| ApiError(AppError::invalid("code", e.to_string())))
}

/// One region with its child and descendant counts.
#[utoipa::path(get, path = "/api/v1/regions/{code}", tag = "regions", params(("code" = String, Path, description = "2/4/6/9/12-digit region code")),
    responses((status = 200, body = Region), (status = 404, body = super::dto::ErrorBody)))]
pub async fn get(State(state): State<AppState>, Path(c): Path<String>) -> Result<Json<Region>, ApiError> {
    Ok(Json(state.app.region(&code(&c)?).await?.into()))
}

/// The children of a region.
#[utoipa::path(get, path = "/api/v1/regions/{code}/children", tag = "regions", params(("code" = String, Path)),
    responses((status = 200, body = List<Region>), (status = 404, body = super::dto::ErrorBody)))]
pub async fn children(State(state): State<AppState>, Path(c): Path<String>) -> Result<Json<List<Region>>, ApiError> {
    let kids = state.app.region_children(Some(&code(&c)?)).await?;
    Ok(Json(List::all(kids.into_iter().map(Region::from).collect())))
}
