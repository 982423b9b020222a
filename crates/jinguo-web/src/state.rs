//! Shared state of the web layer.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use jinguo_app::App;

/// Settings of the web layer.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Mark cookies `Secure` (set when serving behind TLS).
    pub secure_cookies: bool,
    /// Login attempts allowed per client address per minute.
    pub login_per_minute: u32,
    /// API requests allowed per client address per second (bursts of twice that).
    pub api_per_second: u32,
    /// Reverse proxies whose `X-Forwarded-For` is believed: a request arriving from one of
    /// these addresses is taken to come from the address the proxies forwarded. Empty: the
    /// header is ignored (anyone could write it) and the socket's address is the client's.
    pub trusted_proxies: Vec<IpAddr>,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig { secure_cookies: false, login_per_minute: 20, api_per_second: 50, trusted_proxies: Vec::new() }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub app: App,
    pub config: Arc<WebConfig>,
    pub login_limiter: Arc<DefaultKeyedRateLimiter<IpAddr>>,
    pub api_limiter: Arc<DefaultKeyedRateLimiter<IpAddr>>,
    /// Spreadsheet imports running or recently finished.
    pub jobs: Arc<crate::views::sheets::Jobs>,
    /// Parent-school views counted in memory, written in batches (see `jinguo_app::school`).
    pub school_views: Arc<jinguo_app::school::ViewBuffer>,
}

impl AppState {
    pub fn new(app: App, config: WebConfig) -> AppState {
        let per_minute = NonZeroU32::new(config.login_per_minute.max(1)).unwrap_or(NonZeroU32::MIN);
        let per_second = NonZeroU32::new(config.api_per_second.max(1)).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(config.api_per_second.max(1).saturating_mul(2)).unwrap_or(NonZeroU32::MIN);
        AppState {
            login_limiter: Arc::new(RateLimiter::keyed(Quota::per_minute(per_minute))),
            api_limiter: Arc::new(RateLimiter::keyed(Quota::per_second(per_second).allow_burst(burst))),
            app,
            config: Arc::new(config),
            jobs: Arc::default(),
            school_views: Arc::default(),
        }
    }

    /// Removes idle sessions every few minutes, and forgets idle rate-limit keys.
    pub async fn sweep_sessions_forever(self) {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(300));
        loop {
            tick.tick().await;
            let idle_before = self.app.now_ms() - jinguo_domain::access::SESSION_IDLE_MINUTES * 60_000;
            if let Err(e) = jinguo_store::access::sessions::purge_idle(self.app.db.writer(), idle_before).await {
                tracing::warn!(error = %e, "session sweep failed");
            }
            if let Err(e) = jinguo_store::public::purge_idle_sessions(self.app.db.writer(), idle_before).await {
                tracing::warn!(error = %e, "public session sweep failed");
            }
            self.login_limiter.retain_recent();
            self.api_limiter.retain_recent();
        }
    }
}

/// Parent-school views: written every half minute, before staff read them, and at shutdown.
impl AppState {
    pub async fn flush_school_views(&self) {
        if let Err(e) = self.app.flush_school_views(&self.school_views).await {
            tracing::warn!(error = %e, "writing parent-school views failed; kept for the next try");
        }
    }

    pub async fn flush_school_views_forever(self) {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(30));
        loop {
            tick.tick().await;
            self.flush_school_views().await;
        }
    }
}
