//! Server-rendered pages (askama templates under `templates/`). Every staff page shares the
//! chrome of `layout.html`: the top bar with the federation, the region breadcrumb, and a left
//! menu by area showing only what the role may use. Pages work without JavaScript; forms carry
//! a CSRF token and re-show themselves with the message beside the field on error.

mod access;
mod account;
mod audit;
pub mod awards;
mod care;
mod education;
mod family;
mod help;
mod home;
mod insight;
pub mod org;
mod people;
mod screenings;
pub mod sheets;

use std::convert::Infallible;

use askama::Template;
use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use jinguo_app::{Actor, AppError};
use jinguo_domain::access::Permission;
use jinguo_domain::{Invalid, RegionCode};

use crate::auth::PageUser;
use crate::state::AppState;

pub fn router(_state: AppState) -> Router<AppState> {
    Router::new()
        .route("/static/jinguo.css", get(stylesheet))
        .merge(account::router())
        .merge(home::router())
        .merge(org::router())
        .merge(people::router())
        .merge(sheets::router())
        .merge(care::router())
        .merge(screenings::router())
        .merge(help::router())
        .merge(family::router())
        .merge(awards::router())
        .merge(education::router())
        .merge(insight::router())
        .merge(access::router())
        .merge(audit::router())
}

async fn stylesheet() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../../static/jinguo.css"),
    )
        .into_response()
}

/// A link in the breadcrumb.
pub struct Crumb {
    pub label: String,
    pub href: String,
}

pub struct MenuItem {
    pub label: &'static str,
    pub href: &'static str,
    pub active: bool,
}

pub struct MenuSection {
    pub title: &'static str,
    pub items: Vec<MenuItem>,
}

/// What every staff page shows around its content.
pub struct Chrome {
    pub user_name: String,
    pub role_label: String,
    pub federation_name: String,
    pub csrf: String,
    pub crumbs: Vec<Crumb>,
    pub menu: Vec<MenuSection>,
    /// A one-line confirmation after a successful form ("已保存").
    pub notice: String,
}

impl Chrome {
    /// The chrome for `user`, with `active` the href of the current menu entry.
    pub fn new(user: &PageUser, active: &str) -> Chrome {
        let a = &user.actor;
        Chrome {
            user_name: a.display_name.clone(),
            role_label: a.role.map(|r| r.label()).unwrap_or("操作员").to_owned(),
            federation_name: a.federation_name.clone(),
            csrf: user.csrf.clone(),
            crumbs: Vec::new(),
            menu: menu(a, active),
            notice: String::new(),
        }
    }

    pub fn notice(mut self, notice: impl Into<String>) -> Chrome {
        self.notice = notice.into();
        self
    }

    /// The breadcrumb of `region` within the actor's scope: each level links to `base?region=`.
    pub async fn with_region(mut self, state: &AppState, actor: &Actor, region: &RegionCode, base: &str) -> Chrome {
        if let Ok(lineage) = state.app.region_lineage(region).await {
            for r in lineage.into_iter().filter(|r| actor.scope.contains(&r.code)) {
                let href = if &r.code == region { String::new() } else { format!("{base}?region={}", r.code) };
                self.crumbs.push(Crumb { label: r.name, href });
            }
        }
        self
    }
}

fn menu(actor: &Actor, active: &str) -> Vec<MenuSection> {
    let item = |label, href: &'static str| MenuItem { label, href, active: href == active };
    let mut sections = Vec::new();
    if actor.can(Permission::ReadRegisters) {
        sections.push(MenuSection {
            title: "组织",
            items: vec![
                item("工作首页", "/"),
                item("区划与组织", "/regions"),
                item("妇联组织", "/federations"),
                item("妇女之家", "/homes"),
                item("活动", "/activities"),
            ],
        });
    }
    if actor.can(Permission::ReadRegisters) {
        sections.push(MenuSection {
            title: "关爱",
            items: vec![
                item("妇女信息", "/people"),
                item("监测档案", "/care/cases"),
                item("逾期未走访", "/care/overdue"),
                item("两癌筛查", "/screenings"),
                item("互助小组", "/help/groups"),
            ],
        });
    }
    if actor.can(Permission::ReadRegisters) {
        sections.push(MenuSection {
            title: "家庭",
            items: vec![
                item("家庭", "/families"),
                item("评选活动", "/awards"),
                item("家庭荣誉", "/awards/honours"),
                item("巡讲活动", "/awards/roadshows"),
                item("积分超市", "/store/items"),
                item("家风家训审核", "/mottos"),
                item("家庭教育指导中心", "/education/centres"),
                item("家庭教育活动", "/education/activities"),
                item("家长学校", "/school/items"),
                item("家长咨询", "/school/consultations"),
            ],
        });
    }
    if actor.can(Permission::ReadIndicators) {
        sections.push(MenuSection {
            title: "数据",
            items: vec![item("数据驾驶舱", "/dashboard"), item("数据完整性", "/completeness"), item("工作报告", "/reports")],
        });
    }
    let mut system = Vec::new();
    if actor.can(Permission::ManageAccounts) || actor.can(Permission::ManageSecurity) {
        system.push(item("账号管理", "/admin/accounts"));
    }
    if actor.can(Permission::ReadAudit) {
        system.push(item("审计日志", "/audit"));
    }
    if actor.can(Permission::ManageRegions) {
        system.push(item("走访周期", "/admin/visit-intervals"));
    }
    system.push(item("修改密码", "/account/password"));
    sections.push(MenuSection { title: "系统", items: system });
    sections
}

/// Field errors of a form, looked up by field name in templates.
#[derive(Default)]
pub struct FormErrors(pub Invalid);

impl FormErrors {
    pub fn msg(&self, field: &str) -> &str {
        self.0.message_for(field).unwrap_or("")
    }

    /// Messages of fields the form does not show on their own.
    pub fn other(&self, shown: &[&str]) -> String {
        self.0.errors.iter().filter(|e| !shown.contains(&e.field.as_str())).map(|e| e.message.as_str()).collect::<Vec<_>>().join("；")
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The errors of a failed use case: its field errors, or its message under `form`.
    pub fn from_error(e: &AppError) -> FormErrors {
        match e {
            AppError::Invalid(i) => FormErrors(i.clone()),
            other => FormErrors(Invalid::field("form", other.to_string())),
        }
    }

    /// The first message, whatever its field (a form with one field).
    pub fn first(&self) -> &str {
        self.0.errors.first().map(|e| e.message.as_str()).unwrap_or("")
    }
}

/// Renders a template into a page, or an error page if rendering fails.
pub fn render(t: &impl Template) -> Response {
    render_status(StatusCode::OK, t)
}

pub fn render_status(status: StatusCode, t: &impl Template) -> Response {
    match t.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => error_page(AppError::Internal(format!("template: {e}"))),
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    title: String,
    message: String,
}

/// The page shown for an error outcome.
pub fn error_page(e: AppError) -> Response {
    if let AppError::Internal(cause) = &e {
        tracing::error!(cause = %cause, "internal error");
    }
    let status = crate::error::status(&e);
    let title = match &e {
        AppError::NotFound => "未找到",
        AppError::Forbidden(_) => "无权操作",
        AppError::Unauthorized(_) | AppError::SecondFactorRequired => "请登录",
        AppError::Invalid(_) => "填写有误",
        AppError::Conflict(_) => "记录冲突",
        AppError::Refused { .. } => "无法办理",
        AppError::Locked(_) => "账号已锁定",
        AppError::Internal(_) => "出错了",
    };
    let page = ErrorPage { title: title.into(), message: e.to_string() };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => (status, e.to_string()).into_response(),
    }
}

/// The outcome of a page handler: a page, or an error shown as a page.
pub type PageResult = Result<Response, PageError>;

pub struct PageError(pub AppError);

impl From<AppError> for PageError {
    fn from(e: AppError) -> Self {
        PageError(e)
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        error_page(self.0)
    }
}

/// Parses an optional `region` query value for a page; a bad code is a 404 page.
pub fn page_region(s: Option<&str>) -> Result<Option<RegionCode>, PageError> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => RegionCode::parse(s).map(Some).map_err(|_| PageError(AppError::NotFound)),
    }
}

/// The `?saved=1` a page is redirected to after a successful form.
#[derive(serde::Deserialize)]
pub struct SavedQuery {
    pub saved: Option<String>,
}

/// A local path to go back to after login (never another site).
pub fn safe_next(next: &str) -> &str {
    if next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') { next } else { "/" }
}

/// A visitor who may or may not be logged in (public pages that show more to staff). A session
/// that is missing, expired or still enrolling its second factor counts as no session.
pub struct MaybeUser(pub Option<PageUser>);

impl FromRequestParts<AppState> for MaybeUser {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(MaybeUser(PageUser::from_request_parts(parts, state).await.ok()))
    }
}

/// One `<option>` of a select.
pub struct SelectOption {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

impl SelectOption {
    pub fn new(value: impl Into<String>, label: impl Into<String>, current: &str) -> SelectOption {
        let value = value.into();
        let selected = value == current;
        SelectOption { value, label: label.into(), selected }
    }
}

/// The one-line notice after a redirect with `?saved=…`.
pub fn saved_notice(saved: Option<&str>) -> &'static str {
    if saved.is_some() { "已保存" } else { "" }
}

/// `path?k=v&…` with the empty values left out and the others percent-encoded.
pub fn link(path: &str, params: &[(&str, &str)]) -> String {
    let query: Vec<String> =
        params.iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| format!("{k}={}", crate::auth::urlencode(v))).collect();
    if query.is_empty() { path.to_owned() } else { format!("{path}?{}", query.join("&")) }
}

/// A moment (Unix milliseconds) in China time (UTC+8), as `YYYY-MM-DD HH:MM:SS`.
pub fn china_time(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| (t + chrono::Duration::hours(8)).format("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_default()
}

/// Parses an optional `YYYY-MM-DD` filter value; a bad one adds its message to `errors`.
pub fn filter_date(field: &str, label: &str, value: Option<&str>, errors: &mut Invalid) -> Option<chrono::NaiveDate> {
    let v = value.map(str::trim).filter(|v| !v.is_empty())?;
    let day = jinguo_domain::insight::parse_date(v);
    if day.is_none() {
        errors.add(field, format!("{label}格式应为 YYYY-MM-DD"));
    }
    day
}

/// A village's name as officers say it in a list: "土街头社区居民委员会" → "土街头社区".
pub fn short_place(name: &str) -> String {
    ["居民委员会", "村民委员会", "居委会", "村委会"].iter().find_map(|suffix| name.strip_suffix(suffix)).unwrap_or(name).to_owned()
}

/// Redirect after a successful POST (303, so a reload does not resubmit).
pub fn see_other(to: &str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, to.to_owned())]).into_response()
}

#[cfg(test)]
mod tests {
    #[test]
    fn links_leave_out_empty_values_and_encode_the_rest() {
        assert_eq!(super::link("/homes", &[("region", "4205"), ("q", ""), ("after", "a b")]), "/homes?region=4205&after=a%20b");
        assert_eq!(super::link("/homes", &[("q", "")]), "/homes");
    }

    #[test]
    fn villages_lose_the_committee_in_lists() {
        assert_eq!(super::short_place("土街头社区居民委员会"), "土街头社区");
        assert_eq!(super::short_place("大树湾村村民委员会"), "大树湾村");
        assert_eq!(super::short_place("西陵街道"), "西陵街道");
    }

    #[test]
    fn times_are_shown_in_china_time() {
        // 2026-11-28 02:00:00 UTC is ten in the morning in China.
        assert_eq!(super::china_time(1_795_831_200_000), "2026-11-28 10:00:00");
    }

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(super::safe_next("/federations?region=4205"), "/federations?region=4205");
        assert_eq!(super::safe_next("//evil.example"), "/");
        assert_eq!(super::safe_next("https://evil.example"), "/");
    }
}
