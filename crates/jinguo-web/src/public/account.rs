//! The portal's front page, registration with consent, login, logout, and her account page
//! (the consents she gave; withdrawing them closes the account).

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use jinguo_app::AppError;
use jinguo_app::public::ConsentView;
use jinguo_domain::public::{ConsentPurpose, SignupInput};
use serde::Deserialize;

use super::{FORM_COOKIE, MaybePublicUser, PUBLIC_COOKIE, PublicChrome, PublicUser, origin};
use crate::auth::{ClientIp, check_csrf, cookie, set_cookie};
use crate::state::AppState;
use crate::views::{FormErrors, PageResult, china_time, render, render_status, safe_next, see_other};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/public", get(home))
        .route("/public/register", get(register_page).post(register))
        .route("/public/login", get(login_page).post(login))
        .route("/public/logout", post(logout))
        .route("/public/account", get(account_page))
        .route("/public/account/close", post(close_account))
}

#[derive(Template)]
#[template(path = "public/home.html")]
struct HomePage {
    chrome: PublicChrome,
}

async fn home(visitor: MaybePublicUser) -> Response {
    render(&HomePage { chrome: visitor.chrome("/public") })
}

/// Where to go after login or registration: a public page of this site, else the portal.
fn public_next(next: &str) -> String {
    let n = safe_next(next);
    if n.starts_with("/public") { n.to_owned() } else { "/public".to_owned() }
}

/// Renders a form page with a fresh form token in a short-lived cookie (no session yet).
fn with_form_token(state: &AppState, status: StatusCode, page: impl FnOnce(String) -> Response) -> Response {
    let csrf = jinguo_crypto::random_token(16);
    let mut res = page(csrf.clone());
    *res.status_mut() = status;
    if let Ok(v) = set_cookie(FORM_COOKIE, &csrf, state.config.secure_cookies, Some(1800)).parse() {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

/// Sets the session cookie and clears the form cookie.
fn logged_in(state: &AppState, token: &str, to: &str) -> Response {
    let mut res = see_other(to);
    for c in [
        set_cookie(PUBLIC_COOKIE, token, state.config.secure_cookies, None),
        set_cookie(FORM_COOKIE, "", state.config.secure_cookies, Some(0)),
    ] {
        if let Ok(v) = c.parse() {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    res
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// Registration
// ---------------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "public/register.html")]
struct RegisterPage {
    chrome: PublicChrome,
    csrf: String,
    next: String,
    phone: String,
    nickname: String,
    agree_terms: bool,
    agree_personal_info: bool,
    terms: &'static str,
    personal_info: &'static str,
    errors: FormErrors,
}

#[derive(Deserialize, Default)]
struct RegisterForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    next: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    nickname: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
    agree_terms: Option<String>,
    agree_personal_info: Option<String>,
}

fn register_form(state: &AppState, status: StatusCode, f: &RegisterForm, errors: FormErrors) -> Response {
    with_form_token(state, status, |csrf| {
        render(&RegisterPage {
            chrome: PublicChrome::default(),
            csrf,
            next: public_next(&f.next),
            phone: f.phone.clone(),
            nickname: f.nickname.clone(),
            agree_terms: f.agree_terms.is_some(),
            agree_personal_info: f.agree_personal_info.is_some(),
            terms: ConsentPurpose::Terms.text(),
            personal_info: ConsentPurpose::PersonalInfo.text(),
            errors,
        })
    })
}

async fn register_page(State(state): State<AppState>, Query(q): Query<NextQuery>) -> Response {
    let f = RegisterForm { next: q.next.unwrap_or_default(), ..RegisterForm::default() };
    register_form(&state, StatusCode::OK, &f, FormErrors::default())
}

async fn register(State(state): State<AppState>, ClientIp(ip): ClientIp, headers: HeaderMap, Form(f): Form<RegisterForm>) -> Response {
    let fail = |status: StatusCode, e: AppError| register_form(&state, status, &f, FormErrors::from_error(&e));
    if check_csrf(&cookie(&headers, FORM_COOKIE).unwrap_or_default(), &f.csrf).is_err() {
        return fail(StatusCode::FORBIDDEN, AppError::invalid("form", "页面已过期，请重新填写"));
    }
    if state.login_limiter.check_key(&ip).is_err() {
        return fail(StatusCode::TOO_MANY_REQUESTS, AppError::invalid("form", "操作过于频繁，请稍后再试"));
    }
    let input = SignupInput {
        phone: f.phone.clone(),
        nickname: f.nickname.clone(),
        password: f.password.clone(),
        confirm: f.confirm.clone(),
        agree_terms: f.agree_terms.is_some(),
        agree_personal_info: f.agree_personal_info.is_some(),
    };
    match state.app.register_public(&input, &origin(ip, &headers)).await {
        Ok(login) => logged_in(&state, &login.token, &public_next(&f.next)),
        Err(e) => fail(crate::error::status(&e), e),
    }
}

// ---------------------------------------------------------------------------------------------
// Login and logout
// ---------------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "public/login.html")]
struct LoginPage {
    chrome: PublicChrome,
    csrf: String,
    next: String,
    next_encoded: String,
    phone: String,
    error: String,
}

fn login_form(state: &AppState, status: StatusCode, next: &str, phone: &str, error: String) -> Response {
    let next = public_next(next);
    with_form_token(state, status, |csrf| {
        render(&LoginPage {
            chrome: PublicChrome::default(),
            csrf,
            next_encoded: crate::auth::urlencode(&next),
            next,
            phone: phone.to_owned(),
            error,
        })
    })
}

async fn login_page(State(state): State<AppState>, Query(q): Query<NextQuery>) -> Response {
    login_form(&state, StatusCode::OK, q.next.as_deref().unwrap_or("/public"), "", String::new())
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    next: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    password: String,
}

async fn login(State(state): State<AppState>, ClientIp(ip): ClientIp, headers: HeaderMap, Form(f): Form<LoginForm>) -> Response {
    if check_csrf(&cookie(&headers, FORM_COOKIE).unwrap_or_default(), &f.csrf).is_err() {
        return login_form(&state, StatusCode::FORBIDDEN, &f.next, &f.phone, "登录页面已过期，请重新输入".into());
    }
    if state.login_limiter.check_key(&ip).is_err() {
        return login_form(&state, StatusCode::TOO_MANY_REQUESTS, &f.next, &f.phone, "登录尝试过于频繁，请稍后再试".into());
    }
    match state.app.login_public(&f.phone, &f.password, &origin(ip, &headers)).await {
        Ok(login) => logged_in(&state, &login.token, &public_next(&f.next)),
        Err(e) => login_form(&state, crate::error::status(&e), &f.next, &f.phone, e.to_string()),
    }
}

#[derive(Deserialize)]
struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

async fn logout(State(state): State<AppState>, user: PublicUser, Form(f): Form<CsrfForm>) -> PageResult {
    user.check_csrf(&f.csrf)?;
    state.app.logout_public(&user.account).await?;
    let mut res = see_other("/public");
    if let Ok(v) = set_cookie(PUBLIC_COOKIE, "", state.config.secure_cookies, Some(0)).parse() {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(res)
}

// ---------------------------------------------------------------------------------------------
// Her account
// ---------------------------------------------------------------------------------------------

struct ConsentRow {
    label: &'static str,
    version: String,
    granted: String,
    withdrawn: String,
}

impl From<ConsentView> for ConsentRow {
    fn from(c: ConsentView) -> Self {
        ConsentRow {
            label: c.label,
            version: c.version,
            granted: china_time(c.granted_at),
            withdrawn: c.withdrawn_at.map(china_time).unwrap_or_default(),
        }
    }
}

#[derive(Template)]
#[template(path = "public/account.html")]
struct AccountPage {
    chrome: PublicChrome,
    phone: String,
    consents: Vec<ConsentRow>,
    errors: FormErrors,
}

async fn account_page(State(state): State<AppState>, user: PublicUser) -> PageResult {
    let consents = state.app.public_consents(&user.account).await?.into_iter().map(ConsentRow::from).collect();
    Ok(render(&AccountPage { chrome: user.chrome(), phone: user.account.phone_masked.clone(), consents, errors: FormErrors::default() }))
}

#[derive(Deserialize)]
struct CloseForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    password: String,
}

async fn close_account(State(state): State<AppState>, user: PublicUser, Form(f): Form<CloseForm>) -> PageResult {
    user.check_csrf(&f.csrf)?;
    match state.app.close_public_account(&user.account, &f.password).await {
        Ok(()) => {
            let mut res = see_other("/public?closed=1");
            if let Ok(v) = set_cookie(PUBLIC_COOKIE, "", state.config.secure_cookies, Some(0)).parse() {
                res.headers_mut().append(header::SET_COOKIE, v);
            }
            Ok(res)
        }
        Err(AppError::Invalid(e)) => {
            let consents = state.app.public_consents(&user.account).await?.into_iter().map(ConsentRow::from).collect();
            let page = AccountPage {
                chrome: user.chrome(),
                phone: user.account.phone_masked.clone(),
                consents,
                errors: FormErrors::from_error(&AppError::Invalid(e)),
            };
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e) => Err(e.into()),
    }
}
