//! Pages of the organisation network: the region tree, federations, women's homes, activities.

mod activities;
mod federations;
mod homes;
mod regions;

use axum::Router;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().merge(regions::router()).merge(federations::router()).merge(homes::router()).merge(activities::router())
}
