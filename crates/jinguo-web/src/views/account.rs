//! Login, logout, the administrator's second-factor enrolment, changing one's password.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use jinguo_app::AppError;
use jinguo_app::access::auth::LoginInput;
use serde::Deserialize;

use super::{Chrome, FormErrors, PageResult, render, render_status, safe_next, see_other};
use crate::auth::{ClientIp, EnrollingUser, PageUser, SESSION_COOKIE, check_csrf, cookie, set_cookie, user_agent};
use crate::state::AppState;

const LOGIN_CSRF_COOKIE: &str = "jinguo_login";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .route("/account/totp", get(totp_page).post(totp_enrol))
        .route("/account/password", get(password_page).post(change_password))
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    csrf: String,
    next: String,
    username: String,
    error: String,
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

/// The login form. A fresh token in a cookie and in the form guards against login CSRF.
async fn login_page(State(state): State<AppState>, Query(q): Query<NextQuery>) -> Response {
    let csrf = jinguo_crypto::random_token(16);
    let page = LoginPage {
        csrf: csrf.clone(),
        next: safe_next(q.next.as_deref().unwrap_or("/")).to_owned(),
        username: String::new(),
        error: String::new(),
    };
    let mut res = render(&page);
    if let Ok(v) = set_cookie(LOGIN_CSRF_COOKIE, &csrf, state.config.secure_cookies, Some(600)).parse() {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    next: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    totp: String,
}

async fn login(State(state): State<AppState>, ClientIp(ip): ClientIp, headers: HeaderMap, Form(f): Form<LoginForm>) -> Response {
    let again = |status: StatusCode, error: String| {
        let csrf = jinguo_crypto::random_token(16);
        let page = LoginPage { csrf: csrf.clone(), next: safe_next(&f.next).to_owned(), username: f.username.clone(), error };
        let mut res = render_status(status, &page);
        if let Ok(v) = set_cookie(LOGIN_CSRF_COOKIE, &csrf, state.config.secure_cookies, Some(600)).parse() {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
        res
    };
    if check_csrf(&cookie(&headers, LOGIN_CSRF_COOKIE).unwrap_or_default(), &f.csrf).is_err() {
        return again(StatusCode::FORBIDDEN, "登录页面已过期，请重新输入".into());
    }
    if state.login_limiter.check_key(&ip).is_err() {
        return again(StatusCode::TOO_MANY_REQUESTS, "登录尝试过于频繁，请稍后再试".into());
    }
    let input = LoginInput {
        username: f.username.clone(),
        password: f.password.clone(),
        totp: Some(f.totp.clone()),
        ip: ip.to_string(),
        user_agent: user_agent(&headers),
    };
    match state.app.login(&input).await {
        Ok(ok) => {
            let to = if ok.must_enrol { "/account/totp" } else { safe_next(&f.next) };
            let mut res = see_other(to);
            for c in [
                set_cookie(SESSION_COOKIE, &ok.token, state.config.secure_cookies, None),
                set_cookie(LOGIN_CSRF_COOKIE, "", state.config.secure_cookies, Some(0)),
            ] {
                if let Ok(v) = c.parse() {
                    res.headers_mut().append(header::SET_COOKIE, v);
                }
            }
            res
        }
        Err(e) => {
            let status = crate::error::status(&e);
            again(status, e.to_string())
        }
    }
}

#[derive(Deserialize)]
struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

async fn logout(State(state): State<AppState>, user: PageUser, Form(f): Form<CsrfForm>) -> PageResult {
    user.check_csrf(&f.csrf)?;
    state.app.logout(&user.actor).await?;
    let mut res = see_other("/login");
    if let Ok(v) = set_cookie(SESSION_COOKIE, "", state.config.secure_cookies, Some(0)).parse() {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(res)
}

#[derive(Template)]
#[template(path = "totp.html")]
struct TotpPage {
    csrf: String,
    secret: String,
    uri: String,
    error: String,
}

async fn totp_page(State(state): State<AppState>, user: EnrollingUser) -> Response {
    let secret = state.app.new_totp_secret();
    let uri = jinguo_crypto::totp::provisioning_uri(&secret, &user.actor.username, "Jinguo");
    render(&TotpPage { csrf: user.csrf, secret, uri, error: String::new() })
}

#[derive(Deserialize)]
struct TotpForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    secret: String,
    #[serde(default)]
    code: String,
}

async fn totp_enrol(State(state): State<AppState>, user: EnrollingUser, Form(f): Form<TotpForm>) -> PageResult {
    check_csrf(&user.csrf, &f.csrf)?;
    match state.app.enrol_totp(&user.actor, &f.secret, &f.code).await {
        Ok(()) => Ok(see_other("/")),
        Err(AppError::Invalid(e)) => {
            let uri = jinguo_crypto::totp::provisioning_uri(&f.secret, &user.actor.username, "Jinguo");
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &TotpPage { csrf: user.csrf, secret: f.secret, uri, error: e.summary() }))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    chrome: Chrome,
    errors: FormErrors,
}

async fn password_page(user: PageUser) -> Response {
    render(&PasswordPage { chrome: Chrome::new(&user, "/account/password"), errors: FormErrors::default() })
}

#[derive(Deserialize)]
struct PasswordForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    old: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    confirm: String,
}

async fn change_password(State(state): State<AppState>, user: PageUser, Form(f): Form<PasswordForm>) -> PageResult {
    user.check_csrf(&f.csrf)?;
    match state.app.change_password(&user.actor, &f.old, &f.new, &f.confirm).await {
        Ok(()) => Ok(render(&PasswordPage {
            chrome: Chrome::new(&user, "/account/password").notice("密码已修改"),
            errors: FormErrors::default(),
        })),
        Err(AppError::Invalid(e)) => Ok(render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &PasswordPage { chrome: Chrome::new(&user, "/account/password"), errors: FormErrors(e) },
        )),
        Err(e) => Err(e.into()),
    }
}
