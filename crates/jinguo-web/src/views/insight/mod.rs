//! Pages of figures: the organisation figures of a region and period, with a breakdown by
//! child region; and the work report written from them.

mod completeness;
mod figures;
mod report;
mod trace;

use axum::Router;
use jinguo_app::{Actor, AppError};
use jinguo_domain::RegionCode;

use crate::state::AppState;
use crate::views::{PageError, page_region};

/// The region a figures page shows: the one asked for, else the officer's, else the city.
fn region(state: &AppState, actor: &Actor, asked: Option<&str>) -> Result<RegionCode, PageError> {
    page_region(asked)?.or_else(|| actor.region.clone()).or_else(|| state.app.config.city.clone()).ok_or(PageError(AppError::NotFound))
}

pub fn router() -> Router<AppState> {
    Router::new().merge(figures::router()).merge(completeness::router()).merge(trace::router()).merge(report::router())
}
