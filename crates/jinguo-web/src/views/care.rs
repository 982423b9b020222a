//! Dynamic monitoring (动态监测) pages: the list of care cases with filters, the overdue list of
//! a region sorted by how overdue, opening a case from her record, and her case page with the
//! visit form at the top for an officer on her phone, the visits newest first, and closing.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::NaiveDate;
use jinguo_app::AppError;
use jinguo_app::care::VisitInput;
use jinguo_domain::Invalid;
use jinguo_domain::access::Permission;
use jinguo_domain::people::RiskLevel;
use jinguo_store::care::{CareCase, Filter, Visit};
use serde::Deserialize;

use crate::auth::PageUser;
use crate::state::AppState;
use crate::views::{
    Chrome, FormErrors, PageError, PageResult, SelectOption, link, page_region, render, render_status, see_other, short_place,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/care/cases", get(list))
        .route("/care/overdue", get(overdue))
        .route("/care/cases/new", get(new_form).post(create))
        .route("/care/cases/{id}", get(detail))
        .route("/care/cases/{id}/visits", post(visit))
        .route("/care/cases/{id}/close", post(close))
        .route("/admin/visit-intervals", get(intervals_form).post(intervals_save))
}

/// A case as a row of a list (or the facts of her case page) shows it.
pub struct CaseRow {
    pub id: i64,
    pub person: i64,
    /// Masked (张*); empty for roles that do not see identity.
    pub name: String,
    pub village: String,
    pub region: String,
    pub risk_code: &'static str,
    pub risk: &'static str,
    pub interval: String,
    pub opened: String,
    pub last_visit: String,
    pub next_due: String,
    /// Days past the next due date (0 when not overdue or closed).
    pub days_overdue: i64,
    pub open: bool,
    pub closed: String,
    pub close_reason: String,
}

/// How often a case is visited, as officers say it.
fn interval_label(days: i64) -> String {
    match days {
        30 => "每月走访".to_owned(),
        90 => "每季度走访".to_owned(),
        182 | 183 => "每半年走访".to_owned(),
        d => format!("每 {d} 天走访"),
    }
}

impl CaseRow {
    fn new(c: &CareCase, today: NaiveDate) -> CaseRow {
        let open = c.closed_on.is_none();
        let days_overdue = if open { (today - c.next_due).num_days().max(0) } else { 0 };
        CaseRow {
            id: c.id,
            person: c.person,
            name: c.person_name.clone(),
            village: short_place(&c.region_name),
            region: c.region.short().to_owned(),
            risk_code: c.risk.code(),
            risk: c.risk.label(),
            interval: interval_label(c.interval_days),
            opened: c.opened_on.to_string(),
            last_visit: c.last_visit_on.map(|d| d.to_string()).unwrap_or_else(|| "尚未走访".to_owned()),
            next_due: c.next_due.to_string(),
            days_overdue,
            open,
            closed: c.closed_on.map(|d| d.to_string()).unwrap_or_default(),
            close_reason: c.close_reason.clone(),
        }
    }
}

fn sees_identity(user: &PageUser) -> bool {
    user.actor.role.is_none_or(|r| r.sees_identity())
}

fn require_write(user: &PageUser) -> Result<(), PageError> {
    if user.actor.can(Permission::WritePeople) {
        Ok(())
    } else {
        Err(PageError(AppError::Forbidden("您的角色无权登记监测档案".into())))
    }
}

// ---------------------------------------------------------------------------------------------
// The list and the overdue list
// ---------------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "care/list.html")]
struct ListPage {
    chrome: Chrome,
    region: String,
    risks: Vec<SelectOption>,
    statuses: Vec<SelectOption>,
    rows: Vec<CaseRow>,
    total: i64,
    next: String,
    identity: bool,
    can_write: bool,
    /// The export page for the list as filtered.
    export: String,
}

#[derive(Deserialize)]
struct ListQuery {
    region: Option<String>,
    risk: Option<String>,
    status: Option<String>,
    after: Option<String>,
}

async fn list(State(state): State<AppState>, user: PageUser, Query(q): Query<ListQuery>) -> PageResult {
    let actor = &user.actor;
    let region = page_region(q.region.as_deref())?;
    let risk_text = q.risk.clone().unwrap_or_default();
    let risk = RiskLevel::ALL.into_iter().find(|r| r.code() == risk_text);
    let status = match q.status.as_deref() {
        Some("open") | None => "open",
        Some("closed") => "closed",
        Some(_) => "all",
    };
    let open = match status {
        "open" => Some(true),
        "closed" => Some(false),
        _ => None,
    };
    let page = state.app.list_cases(actor, region.as_ref(), Filter { risk, open }, q.after.as_deref(), 50).await?;
    let shown = region.or_else(|| actor.region.clone());
    let mut chrome = Chrome::new(&user, "/care/cases");
    if let Some(r) = &shown {
        chrome = chrome.with_region(&state, actor, r, "/care/cases").await;
    }
    let region = shown.map(|r| r.short().to_owned()).unwrap_or_default();
    let risk_code = risk.map(|r| r.code()).unwrap_or("");
    let next = page
        .next
        .as_deref()
        .map(|n| link("/care/cases", &[("region", &region), ("risk", risk_code), ("status", status), ("after", n)]))
        .unwrap_or_default();
    let export = link("/care/cases/export", &[("region", &region), ("risk", risk_code), ("status", status)]);
    let today = state.app.today();
    let risks = RiskLevel::ALL.into_iter().map(|r| SelectOption::new(r.code(), format!("{}风险", r.label()), risk_code)).collect();
    let statuses =
        [("open", "进行中"), ("closed", "已结案"), ("all", "全部")].into_iter().map(|(v, l)| SelectOption::new(v, l, status)).collect();
    Ok(render(&ListPage {
        chrome,
        region,
        risks,
        statuses,
        rows: page.items.iter().map(|c| CaseRow::new(c, today)).collect(),
        total: page.total,
        next,
        identity: sees_identity(&user),
        can_write: actor.can(Permission::WritePeople),
        export,
    }))
}

#[derive(Template)]
#[template(path = "care/overdue.html")]
struct OverduePage {
    chrome: Chrome,
    today: String,
    rows: Vec<CaseRow>,
    total: i64,
    next: String,
    identity: bool,
    /// The export page for this list.
    export: String,
}

#[derive(Deserialize)]
struct OverdueQuery {
    region: Option<String>,
    after: Option<String>,
}

async fn overdue(State(state): State<AppState>, user: PageUser, Query(q): Query<OverdueQuery>) -> PageResult {
    let actor = &user.actor;
    let region = page_region(q.region.as_deref())?;
    let page = state.app.overdue_cases(actor, region.as_ref(), q.after.as_deref(), 50).await?;
    let shown = region.or_else(|| actor.region.clone());
    let mut chrome = Chrome::new(&user, "/care/overdue");
    if let Some(r) = &shown {
        chrome = chrome.with_region(&state, actor, r, "/care/overdue").await;
    }
    let region = shown.map(|r| r.short().to_owned()).unwrap_or_default();
    let next = page.next.as_deref().map(|n| link("/care/overdue", &[("region", &region), ("after", n)])).unwrap_or_default();
    let export = link("/care/overdue/export", &[("region", &region)]);
    let today = state.app.today();
    Ok(render(&OverduePage {
        chrome,
        today: today.to_string(),
        rows: page.items.iter().map(|c| CaseRow::new(c, today)).collect(),
        total: page.total,
        next,
        identity: sees_identity(&user),
        export,
    }))
}

// ---------------------------------------------------------------------------------------------
// Opening a case
// ---------------------------------------------------------------------------------------------

/// One radio button of the risk levels.
pub struct RiskChoice {
    pub code: &'static str,
    pub label: &'static str,
    pub interval: String,
    pub checked: bool,
}

#[derive(Default, Deserialize)]
struct OpenForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    person: String,
    #[serde(default)]
    risk: String,
    #[serde(default)]
    opened_on: String,
}

#[derive(Template)]
#[template(path = "care/new.html")]
struct NewPage {
    chrome: Chrome,
    f: OpenForm,
    /// Her masked name and village, when she could be read.
    who: String,
    choices: Vec<RiskChoice>,
    errors: FormErrors,
}

async fn new_page(state: &AppState, user: &PageUser, f: OpenForm, errors: FormErrors) -> Result<NewPage, PageError> {
    let who = match f.person.trim().parse::<i64>() {
        Ok(id) => match state.app.person(&user.actor, id).await {
            Ok(p) => {
                let name = p.name.as_deref().map(jinguo_crypto::mask::name).unwrap_or_default();
                let cats: Vec<&str> = p.categories.iter().map(|c| c.label()).collect();
                let cats = if cats.is_empty() { "未填写人员类别".to_owned() } else { cats.join("、") };
                format!("{name}{}{}（{cats}）", if name.is_empty() { "" } else { "，" }, short_place(&p.region_name))
            }
            Err(AppError::NotFound) => return Err(PageError(AppError::NotFound)),
            Err(e) => return Err(e.into()),
        },
        Err(_) => String::new(),
    };
    let intervals = state.app.visit_intervals().await?;
    let choices = RiskLevel::ALL
        .into_iter()
        .map(|r| RiskChoice { code: r.code(), label: r.label(), interval: interval_label(intervals.days(r)), checked: f.risk == r.code() })
        .collect();
    Ok(NewPage { chrome: Chrome::new(user, "/care/cases"), f, who, choices, errors })
}

#[derive(Deserialize)]
struct NewQuery {
    person: Option<String>,
}

async fn new_form(State(state): State<AppState>, user: PageUser, Query(q): Query<NewQuery>) -> PageResult {
    require_write(&user)?;
    let f = OpenForm { person: q.person.unwrap_or_default(), opened_on: state.app.today().to_string(), ..OpenForm::default() };
    Ok(render(&new_page(&state, &user, f, FormErrors::default()).await?))
}

async fn create(State(state): State<AppState>, user: PageUser, Form(f): Form<OpenForm>) -> PageResult {
    user.check_csrf(&f.csrf)?;
    require_write(&user)?;
    let opened = Some(f.opened_on.as_str()).filter(|s| !s.trim().is_empty());
    let (status, errors) = match state.app.open_case(&user.actor, &f.person, &f.risk, opened).await {
        Ok(c) => return Ok(see_other(&format!("/care/cases/{}?opened=1", c.id))),
        Err(AppError::Invalid(e)) => (StatusCode::UNPROCESSABLE_ENTITY, e),
        Err(AppError::Conflict(m)) => (StatusCode::CONFLICT, Invalid::field("person", m)),
        Err(e) => return Err(e.into()),
    };
    Ok(render_status(status, &new_page(&state, &user, f, FormErrors(errors)).await?))
}

// ---------------------------------------------------------------------------------------------
// Her case
// ---------------------------------------------------------------------------------------------

#[derive(Default, Deserialize)]
struct VisitForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    visited_on: String,
    #[serde(default)]
    findings: String,
    #[serde(default)]
    needs: String,
    #[serde(default)]
    visitor: String,
}

#[derive(Default, Deserialize)]
struct CloseForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    closed_on: String,
    #[serde(default)]
    reason: String,
}

#[derive(Template)]
#[template(path = "care/case.html")]
struct CasePage {
    chrome: Chrome,
    c: CaseRow,
    visits: Vec<Visit>,
    identity: bool,
    can_write: bool,
    v: VisitForm,
    k: CloseForm,
    errors: FormErrors,
    close_errors: FormErrors,
}

async fn case_page(state: &AppState, user: &PageUser, id: i64) -> Result<CasePage, PageError> {
    let d = state.app.care_case(&user.actor, id).await?;
    let mut c = CaseRow::new(&d.case, state.app.today());
    c.name = jinguo_crypto::mask::name(&c.name);
    let chrome = Chrome::new(user, "/care/cases").with_region(state, &user.actor, &d.case.region, "/care/cases").await;
    let today = state.app.today().to_string();
    let mut visits = d.visits;
    visits.sort_by(|a, b| b.visited_on.cmp(&a.visited_on).then(b.id.cmp(&a.id)));
    Ok(CasePage {
        chrome,
        c,
        visits,
        identity: sees_identity(user),
        can_write: user.actor.can(Permission::WritePeople),
        v: VisitForm { visited_on: today.clone(), visitor: user.actor.display_name.clone(), ..VisitForm::default() },
        k: CloseForm { closed_on: today, ..CloseForm::default() },
        errors: FormErrors::default(),
        close_errors: FormErrors::default(),
    })
}

#[derive(Deserialize)]
struct CaseQuery {
    opened: Option<String>,
    visited: Option<String>,
    closed: Option<String>,
}

async fn detail(State(state): State<AppState>, user: PageUser, Path(id): Path<i64>, Query(q): Query<CaseQuery>) -> PageResult {
    let mut page = case_page(&state, &user, id).await?;
    if q.visited.is_some() {
        let notice = format!("已登记走访，下次走访应在 {} 前", page.c.next_due);
        page.chrome = page.chrome.notice(notice);
    } else if q.opened.is_some() {
        page.chrome = page.chrome.notice("已建立监测档案");
    } else if q.closed.is_some() {
        page.chrome = page.chrome.notice("已结案");
    }
    Ok(render(&page))
}

async fn visit(State(state): State<AppState>, user: PageUser, Path(id): Path<i64>, Form(f): Form<VisitForm>) -> PageResult {
    user.check_csrf(&f.csrf)?;
    let optional = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
    let input = VisitInput {
        visited_on: optional(&f.visited_on),
        findings: f.findings.clone(),
        needs: optional(&f.needs),
        visitor: optional(&f.visitor),
    };
    match state.app.record_visit(&user.actor, id, &input).await {
        Ok(_) => Ok(see_other(&format!("/care/cases/{id}?visited=1"))),
        Err(AppError::Invalid(e)) => {
            let mut page = case_page(&state, &user, id).await?;
            page.v = f;
            page.errors = FormErrors(e);
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e) => Err(e.into()),
    }
}

async fn close(State(state): State<AppState>, user: PageUser, Path(id): Path<i64>, Form(f): Form<CloseForm>) -> PageResult {
    user.check_csrf(&f.csrf)?;
    let day = Some(f.closed_on.as_str()).filter(|s| !s.trim().is_empty());
    match state.app.close_case(&user.actor, id, day, &f.reason).await {
        Ok(_) => Ok(see_other(&format!("/care/cases/{id}?closed=1"))),
        Err(AppError::Invalid(e)) => {
            let mut page = case_page(&state, &user, id).await?;
            page.k = f;
            page.close_errors = FormErrors(e);
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// Visit intervals (system administrator)
// ---------------------------------------------------------------------------------------------

#[derive(Default, Deserialize)]
struct IntervalsForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    high: String,
    #[serde(default)]
    medium: String,
    #[serde(default)]
    low: String,
}

#[derive(Template)]
#[template(path = "care/intervals.html")]
struct IntervalsPage {
    chrome: Chrome,
    f: IntervalsForm,
    errors: FormErrors,
}

fn require_settings(user: &PageUser) -> Result<(), PageError> {
    if user.actor.can(Permission::ManageRegions) {
        Ok(())
    } else {
        Err(PageError(AppError::Forbidden("只有系统管理员可以设置走访周期".into())))
    }
}

#[derive(Deserialize)]
struct IntervalsQuery {
    saved: Option<String>,
}

async fn intervals_form(State(state): State<AppState>, user: PageUser, Query(q): Query<IntervalsQuery>) -> PageResult {
    require_settings(&user)?;
    let v = state.app.visit_intervals().await?;
    let f = IntervalsForm { high: v.high.to_string(), medium: v.medium.to_string(), low: v.low.to_string(), ..IntervalsForm::default() };
    let mut chrome = Chrome::new(&user, "/admin/visit-intervals");
    if let Some(n) = q.saved.as_deref().and_then(|n| n.parse::<u64>().ok()) {
        chrome = chrome.notice(format!("已保存；{n} 份进行中的监测档案自下次走访起按新周期计算"));
    }
    Ok(render(&IntervalsPage { chrome, f, errors: FormErrors::default() }))
}

async fn intervals_save(State(state): State<AppState>, user: PageUser, Form(f): Form<IntervalsForm>) -> PageResult {
    user.check_csrf(&f.csrf)?;
    require_settings(&user)?;
    match state.app.set_visit_intervals(&user.actor, &f.high, &f.medium, &f.low).await {
        Ok(change) => Ok(see_other(&format!("/admin/visit-intervals?saved={}", change.open_cases))),
        Err(AppError::Invalid(e)) => Ok(render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &IntervalsPage { chrome: Chrome::new(&user, "/admin/visit-intervals"), f, errors: FormErrors(e) },
        )),
        Err(e) => Err(e.into()),
    }
}
