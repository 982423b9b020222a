//! Family pages (menu section 家庭): families of a village with their page (members, balance,
//! ledger, redemptions, mottos, honours), the goods store's items with restock and stocktake,
//! the mottos waiting for review, and the public wall of approved mottos (`/public/mottos`).

mod families;
mod public;
mod store;

use axum::Router;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().merge(families::router()).merge(store::router()).merge(public::router())
}

/// The message of a refused form, as one line beside the form.
pub(crate) fn refusal(e: jinguo_app::AppError) -> Result<(axum::http::StatusCode, String), crate::views::PageError> {
    use axum::http::StatusCode;
    use jinguo_app::AppError;
    match e {
        AppError::Invalid(i) => Ok((StatusCode::UNPROCESSABLE_ENTITY, i.summary())),
        AppError::Conflict(m) | AppError::Refused { message: m, .. } => Ok((StatusCode::CONFLICT, m)),
        other => Err(other.into()),
    }
}
