//! Pages of access administration (the system and the security administrator).

mod accounts;

use axum::Router;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().merge(accounts::router())
}
