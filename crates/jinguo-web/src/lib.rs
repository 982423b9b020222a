//! Jinguo's HTTP layer (axum): server-rendered pages (`views`), the JSON API (`api`), auth and
//! sessions, security headers, rate limits, health and metrics. Handlers hold no SQL and no
//! rules: they parse the request, call `jinguo-app`, and render the outcome.

pub mod api;
mod auth;
/// The name of the staff pages' session cookie.
pub use auth::SESSION_COOKIE;
mod error;
mod middleware;
pub mod public;
mod state;
pub mod views;

use std::net::SocketAddr;

use axum::Router;
use axum::routing::get;
use jinguo_app::App;
use tower_http::limit::RequestBodyLimitLayer;

pub use state::{AppState, WebConfig};

/// The largest request body, except spreadsheet uploads.
const BODY_LIMIT: usize = 2 * 1024 * 1024;

/// The whole application router.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/metrics", get(middleware::metrics))
        .merge(
            api::router(state.clone())
                .merge(views::router(state.clone()))
                .merge(public::router())
                .layer(RequestBodyLimitLayer::new(BODY_LIMIT)),
        )
        .merge(
            api::upload_router(state.clone())
                .merge(views::sheets::upload_router())
                .merge(views::awards::upload_router())
                .layer(RequestBodyLimitLayer::new(views::sheets::UPLOAD_LIMIT)),
        )
        .layer(axum::extract::DefaultBodyLimit::disable())
        .layer(axum::middleware::from_fn(middleware::security_headers))
        .layer(axum::middleware::from_fn(middleware::count_requests))
        .layer(axum::middleware::from_fn_with_state(state.clone(), middleware::client_address))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}

/// Serves the platform on `listener` until Ctrl-C or SIGTERM; requests in flight finish and
/// nothing committed is lost.
pub async fn serve(app: App, config: WebConfig, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    let state = AppState::new(app, config);
    let sweeper = state.clone();
    tokio::spawn(async move { sweeper.sweep_sessions_forever().await });
    let views = state.clone();
    tokio::spawn(async move { views.flush_school_views_forever().await });
    let last = state.clone();
    let served = axum::serve(listener, router(state).into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown_signal())
        .await;
    last.flush_school_views().await;
    served
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}
