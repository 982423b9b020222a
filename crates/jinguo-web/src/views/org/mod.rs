//! Pages of the organisation network.

mod federations;

use axum::Router;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().merge(federations::router())
}
