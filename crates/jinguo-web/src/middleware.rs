//! Cross-cutting layers: the client's address, security headers, request metrics, API rate limits.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::auth::{ClientAddr, client_ip, forwarded_client, peer_ip};
use crate::error::ApiError;
use crate::state::AppState;

/// Resolves who is calling, once per request, behind the trusted proxies if any (see
/// [`forwarded_client`]); handlers, rate limits and audit entries read it through `client_ip`.
pub async fn client_address(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let (mut parts, body) = req.into_parts();
    let forwarded = parts.headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok());
    let client = forwarded_client(peer_ip(&parts), forwarded, &state.config.trusted_proxies);
    parts.extensions.insert(ClientAddr(client));
    next.run(Request::from_parts(parts, body)).await
}

/// CSP, framing, sniffing and referrer headers on every response (DESIGN.md §5).
pub async fn security_headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

const BUCKETS_MS: [f64; 10] = [1.0, 2.5, 5.0, 10.0, 25.0, 50.0, 100.0, 250.0, 1000.0, 5000.0];

struct Metrics {
    by_class: [AtomicU64; 5],
    buckets: [AtomicU64; 10],
    count: AtomicU64,
    sum_us: AtomicU64,
}

static METRICS: Metrics = Metrics {
    by_class: [const { AtomicU64::new(0) }; 5],
    buckets: [const { AtomicU64::new(0) }; 10],
    count: AtomicU64::new(0),
    sum_us: AtomicU64::new(0),
};

/// Counts requests by status class and latency.
pub async fn count_requests(req: Request, next: Next) -> Response {
    let start = Instant::now();
    let res = next.run(req).await;
    let elapsed = start.elapsed();
    let class = (res.status().as_u16() / 100).clamp(1, 5) as usize - 1;
    METRICS.by_class[class].fetch_add(1, Ordering::Relaxed);
    METRICS.count.fetch_add(1, Ordering::Relaxed);
    METRICS.sum_us.fetch_add(elapsed.as_micros() as u64, Ordering::Relaxed);
    let ms = elapsed.as_secs_f64() * 1000.0;
    for (i, b) in BUCKETS_MS.iter().enumerate() {
        if ms <= *b {
            METRICS.buckets[i].fetch_add(1, Ordering::Relaxed);
        }
    }
    res
}

/// `GET /metrics`: Prometheus text exposition.
pub async fn metrics() -> Response {
    let mut out = String::from(
        "# HELP jinguo_http_requests_total HTTP requests served, by status class.\n# TYPE jinguo_http_requests_total counter\n",
    );
    for (i, c) in METRICS.by_class.iter().enumerate() {
        out.push_str(&format!("jinguo_http_requests_total{{class=\"{}xx\"}} {}\n", i + 1, c.load(Ordering::Relaxed)));
    }
    out.push_str(
        "# HELP jinguo_http_request_duration_seconds Time to answer a request.\n# TYPE jinguo_http_request_duration_seconds histogram\n",
    );
    for (i, b) in BUCKETS_MS.iter().enumerate() {
        out.push_str(&format!(
            "jinguo_http_request_duration_seconds_bucket{{le=\"{}\"}} {}\n",
            b / 1000.0,
            METRICS.buckets[i].load(Ordering::Relaxed)
        ));
    }
    let count = METRICS.count.load(Ordering::Relaxed);
    out.push_str(&format!("jinguo_http_request_duration_seconds_bucket{{le=\"+Inf\"}} {count}\n"));
    out.push_str(&format!("jinguo_http_request_duration_seconds_sum {}\n", METRICS.sum_us.load(Ordering::Relaxed) as f64 / 1e6));
    out.push_str(&format!("jinguo_http_request_duration_seconds_count {count}\n"));
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], out).into_response()
}

/// Per-address rate limit on the JSON API.
pub async fn api_rate_limit(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    let ip = client_ip(&parts);
    if state.api_limiter.check_key(&ip).is_err() {
        let mut res = ApiError::bad_request("rate_limited", "请求过于频繁，请稍后再试");
        *res.status_mut() = StatusCode::TOO_MANY_REQUESTS;
        res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        return res;
    }
    next.run(Request::from_parts(parts, body)).await
}
