//! The public portal (DESIGN.md §9): phone-first pages for women, parents and families, with
//! their own light accounts (phone + password, consent recorded), apart from staff pages and
//! staff sessions. Reading needs no account; nominating, voting, objecting, asking and redeeming
//! do.
//!
//! Modules that add public pages take [`PublicUser`] (a logged-in member of the public, or a
//! redirect to the public login) or [`MaybePublicUser`], render with a [`PublicChrome`] and the
//! `public/layout.html` template, and check the form token with [`PublicUser::check_csrf`].

mod account;
pub(crate) mod awards;

use std::convert::Infallible;

use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use jinguo_app::AppError;
use jinguo_app::public::{Origin, PublicAccount};

use crate::auth::{check_csrf, client_ip, cookie, urlencode, user_agent};
use crate::state::AppState;

/// The public session's cookie (staff sessions use their own).
pub const PUBLIC_COOKIE: &str = "jinguo_public";
/// The cookie holding the form token of the login and registration forms (before a session).
const FORM_COOKIE: &str = "jinguo_public_form";

pub fn router() -> Router<AppState> {
    account::router().merge(awards::router())
}

/// A logged-in member of the public. Without a session, the page redirects to the public login
/// and comes back after it.
pub struct PublicUser {
    pub account: PublicAccount,
    pub csrf: String,
}

impl PublicUser {
    /// Checks a form's token against the session's.
    pub fn check_csrf(&self, token: &str) -> Result<(), AppError> {
        check_csrf(&self.csrf, token)
    }

    /// The chrome of a page she sees.
    pub fn chrome(&self) -> PublicChrome {
        PublicChrome { nickname: self.account.nickname.clone(), csrf: self.csrf.clone(), next: String::new() }
    }
}

/// Where a visitor without a public session goes.
pub enum PublicRejection {
    Login(String),
    Error(AppError),
}

impl IntoResponse for PublicRejection {
    fn into_response(self) -> Response {
        match self {
            PublicRejection::Login(next) => Redirect::to(&format!("/public/login?next={}", urlencode(&next))).into_response(),
            PublicRejection::Error(e) => crate::views::error_page(e),
        }
    }
}

impl FromRequestParts<AppState> for PublicUser {
    type Rejection = PublicRejection;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let next = parts.uri.path_and_query().map(|p| p.as_str().to_owned()).unwrap_or_else(|| "/public".into());
        let token = cookie(&parts.headers, PUBLIC_COOKIE).ok_or_else(|| PublicRejection::Login(next.clone()))?;
        match state.app.authenticate_public(&token, &client_ip(parts).to_string()).await {
            Ok(v) => Ok(PublicUser { account: v.account, csrf: v.csrf }),
            Err(AppError::Unauthorized(_)) => Err(PublicRejection::Login(next)),
            Err(e) => Err(PublicRejection::Error(e)),
        }
    }
}

/// A visitor who may or may not be logged in: reading pages that offer more to members.
pub struct MaybePublicUser(pub Option<PublicUser>);

impl FromRequestParts<AppState> for MaybePublicUser {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(MaybePublicUser(PublicUser::from_request_parts(parts, state).await.ok()))
    }
}

impl MaybePublicUser {
    /// The chrome of a reading page; `here` is where the login link brings her back to.
    pub fn chrome(&self, here: &str) -> PublicChrome {
        match &self.0 {
            Some(u) => u.chrome(),
            None => PublicChrome { nickname: String::new(), csrf: String::new(), next: urlencode(here) },
        }
    }
}

/// What the public layout shows around every page: who is logged in (and the token of the
/// logout form), or login and registration links that come back to this page.
#[derive(Debug, Clone, Default)]
pub struct PublicChrome {
    /// Empty when nobody is logged in.
    pub nickname: String,
    pub csrf: String,
    /// This page, percent-encoded, for the login link.
    pub next: String,
}

impl PublicChrome {
    pub fn logged_in(&self) -> bool {
        !self.nickname.is_empty()
    }
}

/// Where a request came from, for the use cases.
pub fn origin(parts_ip: std::net::IpAddr, headers: &axum::http::HeaderMap) -> Origin {
    Origin { ip: parts_ip.to_string(), user_agent: user_agent(headers) }
}
