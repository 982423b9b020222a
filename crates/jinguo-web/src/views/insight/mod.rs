//! Pages of figures: the organisation figures of a region and period, with a breakdown by
//! child region; and the work report written from them.

mod figures;
mod report;

use axum::Router;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().merge(figures::router()).merge(report::router())
}
