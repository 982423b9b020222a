//! Pages of figures: the organisation figures of a region and period, with a breakdown by
//! child region; and the work report written from them.

mod completeness;
mod figures;
mod report;
mod trace;

use axum::Router;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().merge(figures::router()).merge(completeness::router()).merge(trace::router()).merge(report::router())
}
