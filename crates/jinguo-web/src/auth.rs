//! Who is calling: the API's bearer token, or the pages' session cookie, turned into an
//! [`Actor`] by the app layer's session check.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use jinguo_app::{Actor, AppError};

use crate::error::ApiError;
use crate::state::AppState;

pub const SESSION_COOKIE: &str = "jinguo_session";

/// The client's address as [`crate::middleware::client_address`] resolved it (through trusted
/// proxies), else as the socket saw it. Rate limits are keyed by it and audit entries record it.
pub fn client_ip(parts: &Parts) -> IpAddr {
    match parts.extensions.get::<ClientAddr>() {
        Some(ClientAddr(ip)) => *ip,
        None => peer_ip(parts),
    }
}

/// The address of the other end of the socket.
pub fn peer_ip(parts: &Parts) -> IpAddr {
    parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip()).unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST))
}

/// The client's address resolved once per request, kept in the request's extensions.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub IpAddr);

/// The client behind `peer` given the `X-Forwarded-For` values (each a comma-separated list
/// that every proxy appended to): `peer` itself unless it is a trusted proxy; otherwise the
/// nearest address in the list that is not a trusted proxy, read from the right, since only the
/// entries our own proxies appended can be believed and a client can write any on the left.
/// An entry that is not an address stops the walk at the proxy that passed it on. IPv4
/// addresses seen through an IPv6 socket (`::ffff:a.b.c.d`) count as the IPv4 address.
pub fn forwarded_client<'a>(peer: IpAddr, forwarded: impl DoubleEndedIterator<Item = &'a str>, trusted: &[IpAddr]) -> IpAddr {
    let peer = peer.to_canonical();
    let trusted = |ip: &IpAddr| trusted.iter().any(|t| t.to_canonical() == *ip);
    if !trusted(&peer) {
        return peer;
    }
    let mut client = peer;
    for entry in forwarded.rev().flat_map(|v| v.rsplit(',')).map(str::trim).filter(|e| !e.is_empty()) {
        match entry.parse::<IpAddr>().map(|ip| ip.to_canonical()) {
            Ok(ip) => {
                client = ip;
                if !trusted(&ip) {
                    break;
                }
            }
            Err(_) => break,
        }
    }
    client
}

pub fn user_agent(headers: &HeaderMap) -> String {
    headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or("").chars().take(200).collect()
}

/// A cookie's value from the request.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// A `Set-Cookie` value with the attributes of the security baseline.
pub fn set_cookie(name: &str, value: &str, secure: bool, max_age: Option<i64>) -> String {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict");
    if secure {
        c.push_str("; Secure");
    }
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    c
}

/// The client's address, as an extractor.
pub struct ClientIp(pub IpAddr);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(client_ip(parts)))
    }
}

/// An API caller with a valid bearer token.
pub struct ApiUser(pub Actor);

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
            .map(str::trim)
            .ok_or_else(|| ApiError(AppError::Unauthorized("请先登录：缺少 Authorization: Bearer 令牌".into())))?;
        let ip = client_ip(parts).to_string();
        let auth = state.app.authenticate(token, &ip).await?;
        if auth.must_enrol {
            return Err(ApiError(AppError::Forbidden("请先在网页上设置动态验证码（双因素认证）".into())));
        }
        Ok(ApiUser(auth.actor))
    }
}

/// A page visitor with a valid session cookie. Without one, the page redirects to the login.
pub struct PageUser {
    pub actor: Actor,
    pub csrf: String,
}

/// Where to send a visitor whose session is missing or incomplete.
pub enum PageRejection {
    Login(String),
    Enrol,
    Error(AppError),
}

impl IntoResponse for PageRejection {
    fn into_response(self) -> Response {
        match self {
            PageRejection::Login(next) => Redirect::to(&format!("/login?next={}", urlencode(&next))).into_response(),
            PageRejection::Enrol => Redirect::to("/account/totp").into_response(),
            PageRejection::Error(e) => crate::views::error_page(e),
        }
    }
}

pub fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

async fn page_session(parts: &Parts, state: &AppState) -> Result<jinguo_app::access::auth::Authenticated, PageRejection> {
    let next = parts.uri.path_and_query().map(|p| p.as_str().to_owned()).unwrap_or_else(|| "/".into());
    let token = cookie(&parts.headers, SESSION_COOKIE).ok_or_else(|| PageRejection::Login(next.clone()))?;
    let ip = client_ip(parts).to_string();
    match state.app.authenticate(&token, &ip).await {
        Ok(a) => Ok(a),
        Err(AppError::Unauthorized(_)) => Err(PageRejection::Login(next)),
        Err(e) => Err(PageRejection::Error(e)),
    }
}

impl FromRequestParts<AppState> for PageUser {
    type Rejection = PageRejection;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let auth = page_session(parts, state).await?;
        if auth.must_enrol {
            return Err(PageRejection::Enrol);
        }
        Ok(PageUser { actor: auth.actor, csrf: auth.csrf })
    }
}

/// A visitor whose session may still need the second factor enrolled (the enrolment page).
pub struct EnrollingUser {
    pub actor: Actor,
    pub csrf: String,
}

impl FromRequestParts<AppState> for EnrollingUser {
    type Rejection = PageRejection;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let auth = page_session(parts, state).await?;
        Ok(EnrollingUser { actor: auth.actor, csrf: auth.csrf })
    }
}

impl PageUser {
    /// Checks a form's CSRF token against the session's.
    pub fn check_csrf(&self, token: &str) -> Result<(), AppError> {
        check_csrf(&self.csrf, token)
    }
}

pub fn check_csrf(expected: &str, token: &str) -> Result<(), AppError> {
    let ok = expected.len() == token.len() && expected.bytes().zip(token.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0;
    if ok && !expected.is_empty() {
        Ok(())
    } else {
        Err(AppError::Forbidden("页面已过期或来源不明（CSRF 校验失败），请刷新页面后重试".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn the_forwarded_client_is_believed_only_through_trusted_proxies() {
        let proxy = ip("10.0.0.2");
        let trusted = [proxy, ip("10.0.0.3")];
        let client = |peer: &str, headers: &[&str], trusted: &[IpAddr]| forwarded_client(ip(peer), headers.iter().copied(), trusted);
        // Straight from the client: whatever it writes in the header is ignored.
        assert_eq!(client("198.51.100.9", &["203.0.113.7"], &trusted), ip("198.51.100.9"));
        assert_eq!(client("10.0.0.2", &["203.0.113.7"], &[]), ip("10.0.0.2"));
        // Through the proxy: the address it appended.
        assert_eq!(client("10.0.0.2", &["203.0.113.7"], &trusted), ip("203.0.113.7"));
        // A forged entry on the left does not move the client; two proxies are walked through,
        // over several header lines too.
        assert_eq!(client("10.0.0.2", &["1.2.3.4, 203.0.113.7"], &trusted), ip("203.0.113.7"));
        assert_eq!(client("10.0.0.2", &["1.2.3.4, 203.0.113.7, 10.0.0.3"], &trusted), ip("203.0.113.7"));
        assert_eq!(client("10.0.0.2", &["1.2.3.4", "203.0.113.7", "10.0.0.3"], &trusted), ip("203.0.113.7"));
        // Garbage, or no header: the proxy that passed the request on is the client.
        assert_eq!(client("10.0.0.2", &["unknown"], &trusted), proxy);
        assert_eq!(client("10.0.0.2", &["203.0.113.7, unknown"], &trusted), proxy);
        assert_eq!(client("10.0.0.2", &[], &trusted), proxy);
        // IPv6, and an IPv4 proxy seen through a dual-stack socket.
        assert_eq!(client("::ffff:10.0.0.2", &["2001:db8::7"], &trusted), ip("2001:db8::7"));
        assert_eq!(client("::ffff:198.51.100.9", &["203.0.113.7"], &trusted), ip("198.51.100.9"));
    }

    #[test]
    fn cookies_are_read_and_written_with_the_baseline_attributes() {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, "a=1; jinguo_session=abc; b=2".parse().unwrap());
        assert_eq!(cookie(&h, SESSION_COOKIE).as_deref(), Some("abc"));
        let c = set_cookie("x", "y", true, None);
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Strict") && c.contains("Secure"));
        assert!(!set_cookie("x", "y", false, None).contains("Secure"));
    }

    #[test]
    fn csrf_must_match() {
        assert!(check_csrf("abc", "abc").is_ok());
        assert!(check_csrf("abc", "abd").is_err());
        assert!(check_csrf("", "").is_err());
    }
}
