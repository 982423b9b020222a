//! `/admin/accounts`: staff accounts for the system administrator (create, disable, enable,
//! reset a password) and the security administrator (unlock, reset a second factor). Every
//! action is a POST form with the CSRF token; anyone else gets the 403 page.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Form, Router};
use jinguo_app::AppError;
use jinguo_app::access::accounts::AccountInput;
use jinguo_domain::Invalid;
use jinguo_domain::access::{Permission, Role};
use jinguo_store::access::accounts::Account;
use serde::Deserialize;

use crate::auth::PageUser;
use crate::state::AppState;
use crate::views::{Chrome, FormErrors, PageResult, SelectOption, china_time, link, render_status, see_other};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/accounts", get(list).post(create))
        .route("/admin/accounts/{id}/disable", post(disable))
        .route("/admin/accounts/{id}/enable", post(enable))
        .route("/admin/accounts/{id}/password", post(reset_password))
        .route("/admin/accounts/{id}/unlock", post(unlock))
        .route("/admin/accounts/{id}/totp-reset", post(reset_totp))
}

/// The password rule, shown beside every password field.
const PASSWORD_HINT: &str = "至少 8 位，包含大写字母、小写字母、数字、符号中的至少三类";

/// An account as a row shows it.
pub struct Row {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub federation_name: String,
    pub role_label: &'static str,
    pub is_admin: bool,
    pub disabled: bool,
    /// "2026-11-28 10:15" while locked after failed logins, else empty.
    pub locked_until: String,
    pub failed_logins: i64,
    pub totp_set: bool,
    pub is_self: bool,
}

impl Row {
    fn new(a: &Account, now_ms: i64, me: Option<i64>) -> Row {
        let locked = a.locked_until.filter(|&t| t > now_ms);
        Row {
            id: a.id,
            username: a.username.clone(),
            display_name: a.display_name.clone(),
            federation_name: a.federation_name.clone(),
            role_label: a.role.label(),
            is_admin: a.role.is_admin(),
            disabled: a.disabled,
            locked_until: locked.map(|t| china_time(t).chars().take(16).collect()).unwrap_or_default(),
            failed_logins: a.failed_logins,
            totp_set: a.totp_secret.is_some(),
            is_self: me == Some(a.id),
        }
    }
}

/// The create form's fields, as typed.
#[derive(Deserialize, Default)]
struct CreateForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    org: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    password: String,
}

#[derive(Template)]
#[template(path = "access/accounts.html")]
struct ListPage {
    chrome: Chrome,
    q: String,
    rows: Vec<Row>,
    total: i64,
    next: String,
    /// System administrator: create, disable, enable, reset passwords.
    can_manage: bool,
    /// Security administrator: unlock, reset second factors.
    can_secure: bool,
    create: CreateForm,
    roles: Vec<SelectOption>,
    /// The form the errors belong to: `create`, or the account whose password reset failed.
    failed: Failed,
    errors: FormErrors,
    password_hint: &'static str,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Failed {
    Nothing,
    Create,
    Row(i64),
}

impl ListPage {
    fn create_error(&self, field: &str) -> &str {
        if self.failed == Failed::Create { self.errors.msg(field) } else { "" }
    }

    /// The error of the row's reset form, if that one failed.
    fn row_error(&self, id: &i64) -> &str {
        if self.failed == Failed::Row(*id) { self.errors.first() } else { "" }
    }

    fn create_open(&self) -> bool {
        self.failed == Failed::Create
    }
}

#[derive(Deserialize)]
struct ListQuery {
    q: Option<String>,
    after: Option<String>,
    saved: Option<String>,
}

fn notice(saved: Option<&str>) -> &'static str {
    match saved {
        Some("created") => "账号已创建",
        Some("disabled") => "账号已停用，其登录已结束",
        Some("enabled") => "账号已启用",
        Some("password") => "密码已重置，该账号须用新密码重新登录",
        Some("unlocked") => "账号已解锁",
        Some("totp") => "动态验证码已重置，该管理员下次登录时须重新设置",
        Some(_) => "已保存",
        None => "",
    }
}

async fn list_page(
    state: &AppState,
    user: &PageUser,
    q: &str,
    after: Option<&str>,
    create: CreateForm,
    failed: Failed,
    errors: Invalid,
) -> Result<ListPage, AppError> {
    let actor = &user.actor;
    let page = state.app.list_accounts(actor, Some(q), after, 50).await?;
    let now = state.app.now_ms();
    let roles = Role::ALL.into_iter().filter(|r| !r.is_admin()).map(|r| SelectOption::new(r.code(), r.label(), &create.role)).collect();
    Ok(ListPage {
        chrome: Chrome::new(user, "/admin/accounts"),
        q: q.to_owned(),
        rows: page.items.iter().map(|a| Row::new(a, now, actor.account)).collect(),
        total: page.total,
        next: page.next.as_deref().map(|n| link("/admin/accounts", &[("q", q), ("after", n)])).unwrap_or_default(),
        can_manage: actor.can(Permission::ManageAccounts),
        can_secure: actor.can(Permission::ManageSecurity),
        create,
        roles,
        failed,
        errors: FormErrors(errors),
        password_hint: PASSWORD_HINT,
    })
}

async fn list(State(state): State<AppState>, user: PageUser, Query(q): Query<ListQuery>) -> PageResult {
    let mut page =
        list_page(&state, &user, q.q.as_deref().unwrap_or(""), q.after.as_deref(), CreateForm::default(), Failed::Nothing, Invalid::new())
            .await?;
    page.chrome = page.chrome.notice(notice(q.saved.as_deref()));
    Ok(render_status(StatusCode::OK, &page))
}

async fn create(State(state): State<AppState>, user: PageUser, Form(f): Form<CreateForm>) -> PageResult {
    user.check_csrf(&f.csrf)?;
    let input = AccountInput {
        username: f.username.clone(),
        display_name: f.display_name.clone(),
        org: f.org.clone(),
        role: f.role.clone(),
        password: f.password.clone(),
    };
    let (status, errors) = match state.app.create_account(&user.actor, &input).await {
        Ok(a) => return Ok(see_other(&link("/admin/accounts", &[("q", &a.username), ("saved", "created")]))),
        Err(AppError::Invalid(mut e)) => {
            // The domain lists the role codes; the form offers a choice instead.
            e.errors
                .iter_mut()
                .filter(|x| x.field == "role" && Role::parse(&f.role).is_err())
                .for_each(|x| x.message = "请选择角色".into());
            (StatusCode::UNPROCESSABLE_ENTITY, e)
        }
        Err(AppError::Conflict(m)) => (StatusCode::CONFLICT, Invalid::field("username", m)),
        Err(e) => return Err(e.into()),
    };
    // The password is never sent back to the browser.
    let f = CreateForm { password: String::new(), ..f };
    Ok(render_status(status, &list_page(&state, &user, "", None, f, Failed::Create, errors).await?))
}

#[derive(Deserialize)]
struct ActionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    password: String,
}

/// After an action on one account: back to the list with a notice, or the list again with the
/// error beside that account.
async fn after(state: &AppState, user: &PageUser, id: i64, done: &str, result: Result<(), AppError>) -> PageResult {
    match result {
        Ok(()) => Ok(see_other(&format!("/admin/accounts?saved={done}"))),
        Err(AppError::Invalid(e)) => Ok(render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &list_page(state, user, "", None, CreateForm::default(), Failed::Row(id), e).await?,
        )),
        Err(e) => Err(e.into()),
    }
}

async fn disable(State(state): State<AppState>, user: PageUser, Path(id): Path<i64>, Form(f): Form<ActionForm>) -> PageResult {
    user.check_csrf(&f.csrf)?;
    let r = state.app.set_account_disabled(&user.actor, id, true).await;
    after(&state, &user, id, "disabled", r).await
}

async fn enable(State(state): State<AppState>, user: PageUser, Path(id): Path<i64>, Form(f): Form<ActionForm>) -> PageResult {
    user.check_csrf(&f.csrf)?;
    let r = state.app.set_account_disabled(&user.actor, id, false).await;
    after(&state, &user, id, "enabled", r).await
}

async fn reset_password(State(state): State<AppState>, user: PageUser, Path(id): Path<i64>, Form(f): Form<ActionForm>) -> PageResult {
    user.check_csrf(&f.csrf)?;
    let r = state.app.reset_password(&user.actor, id, &f.password).await;
    after(&state, &user, id, "password", r).await
}

async fn unlock(State(state): State<AppState>, user: PageUser, Path(id): Path<i64>, Form(f): Form<ActionForm>) -> PageResult {
    user.check_csrf(&f.csrf)?;
    let r = state.app.unlock_account(&user.actor, id).await;
    after(&state, &user, id, "unlocked", r).await
}

async fn reset_totp(State(state): State<AppState>, user: PageUser, Path(id): Path<i64>, Form(f): Form<ActionForm>) -> PageResult {
    user.check_csrf(&f.csrf)?;
    let r = state.app.reset_totp(&user.actor, id).await;
    after(&state, &user, id, "totp", r).await
}
