//! Two-cancer screening (两癌筛查) pages: the list of a region's screenings with filters (kind,
//! result, statistical year) and repeats flagged; recording a screening from her record on a
//! phone-sized form; a screening's page with the follow-up form for an abnormal result; the
//! overdue follow-ups sorted by how overdue; coverage of each child region for a statistical year.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::NaiveDate;
use jinguo_app::AppError;
use jinguo_app::health::{CoverageRow, FOLLOW_UP_DAYS, ScreeningFilter, ScreeningInput};
use jinguo_domain::access::Permission;
use jinguo_domain::people::{ScreeningKind, ScreeningResult, statistical_year};
use jinguo_store::health::Screening;
use serde::Deserialize;

use crate::auth::PageUser;
use crate::state::AppState;
use crate::views::{Chrome, FormErrors, PageError, PageResult, SelectOption, link, page_region, render, render_status, see_other};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/screenings", get(list))
        .route("/screenings/overdue", get(overdue))
        .route("/screenings/coverage", get(coverage))
        .route("/screenings/new", get(new_form).post(create))
        .route("/screenings/{id}", get(detail))
        .route("/screenings/{id}/follow-up", post(follow_up))
}

/// A screening as a row of a list (or the facts of its page) shows it.
pub struct ScreeningRow {
    pub id: i64,
    pub person: i64,
    /// Masked (张*) in lists; empty for roles that do not see identity.
    pub name: String,
    pub region: String,
    pub kind: &'static str,
    pub screened_on: String,
    /// "2025 年度（2025-04-01 至 2026-03-31）" as officers say it, short.
    pub stat_year: i64,
    pub site: String,
    pub result_code: &'static str,
    pub result: &'static str,
    pub repeat: bool,
    pub needs_follow_up: bool,
    pub follow_up_on: String,
    pub diagnosis: String,
    /// Days past the 30 days allowed for the follow-up (0 when not overdue).
    pub days_overdue: i64,
}

impl ScreeningRow {
    fn new(s: &Screening, today: NaiveDate) -> ScreeningRow {
        let needs = s.result.needs_follow_up();
        let days_overdue = if needs && s.follow_up_on.is_none() { ((today - s.screened_on).num_days() - FOLLOW_UP_DAYS).max(0) } else { 0 };
        ScreeningRow {
            id: s.id,
            person: s.person,
            name: s.person_name.clone(),
            region: s.region.short().to_owned(),
            kind: s.kind.label(),
            screened_on: s.screened_on.to_string(),
            stat_year: s.stat_year,
            site: s.site.clone(),
            result_code: s.result.code(),
            result: s.result.label(),
            repeat: s.repeat_in_year,
            needs_follow_up: needs,
            follow_up_on: s.follow_up_on.map(|d| d.to_string()).unwrap_or_default(),
            diagnosis: s.diagnosis.clone(),
            days_overdue,
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
        Err(PageError(AppError::Forbidden("您的角色无权登记两癌筛查".into())))
    }
}

/// The statistical years offered in filters: this one and the five before it.
fn year_options(today: NaiveDate, current: &str) -> Vec<SelectOption> {
    let this = statistical_year(today);
    (this - 5..=this)
        .rev()
        .map(|y| SelectOption::new(y.to_string(), format!("{y} 年度（{y}-04-01 至 {}-03-31）", y + 1), current))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The list
// ---------------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "screenings/list.html")]
struct ListPage {
    chrome: Chrome,
    region: String,
    kinds: Vec<SelectOption>,
    results: Vec<SelectOption>,
    years: Vec<SelectOption>,
    rows: Vec<ScreeningRow>,
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
    kind: Option<String>,
    result: Option<String>,
    year: Option<String>,
    after: Option<String>,
}

async fn list(State(state): State<AppState>, user: PageUser, Query(q): Query<ListQuery>) -> PageResult {
    let actor = &user.actor;
    let region = page_region(q.region.as_deref())?;
    // Unknown filter values are ignored rather than refused: they only come from edited URLs.
    let kind = ScreeningKind::ALL.into_iter().find(|k| Some(k.code()) == q.kind.as_deref());
    let result = ScreeningResult::ALL.into_iter().find(|r| Some(r.code()) == q.result.as_deref());
    let year = q.year.as_deref().and_then(|y| y.trim().parse::<i64>().ok());
    let page = state
        .app
        .list_screenings(
            actor,
            region.as_ref(),
            ScreeningFilter { kind: kind.map(|k| k.code()), result: result.map(|r| r.code()), year },
            q.after.as_deref(),
            50,
        )
        .await?;
    let shown = region.or_else(|| actor.region.clone());
    let mut chrome = Chrome::new(&user, "/screenings");
    if let Some(r) = &shown {
        chrome = chrome.with_region(&state, actor, r, "/screenings").await;
    }
    let region = shown.map(|r| r.short().to_owned()).unwrap_or_default();
    let (kind, result) = (kind.map(|k| k.code()).unwrap_or(""), result.map(|r| r.code()).unwrap_or(""));
    let year = year.map(|y| y.to_string()).unwrap_or_default();
    let next = page
        .next
        .as_deref()
        .map(|n| link("/screenings", &[("region", &region), ("kind", kind), ("result", result), ("year", &year), ("after", n)]))
        .unwrap_or_default();
    let export = link("/screenings/export", &[("region", &region), ("kind", kind), ("result", result), ("year", &year)]);
    let today = state.app.today();
    Ok(render(&ListPage {
        chrome,
        region,
        kinds: ScreeningKind::ALL.into_iter().map(|k| SelectOption::new(k.code(), k.label(), kind)).collect(),
        results: ScreeningResult::ALL.into_iter().map(|r| SelectOption::new(r.code(), r.label(), result)).collect(),
        years: year_options(today, &year),
        rows: page.items.iter().map(|s| ScreeningRow::new(s, today)).collect(),
        total: page.total,
        next,
        identity: sees_identity(&user),
        can_write: actor.can(Permission::WritePeople),
        export,
    }))
}

// ---------------------------------------------------------------------------------------------
// Overdue follow-ups
// ---------------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "screenings/overdue.html")]
struct OverduePage {
    chrome: Chrome,
    today: String,
    rows: Vec<ScreeningRow>,
    total: i64,
    next: String,
    identity: bool,
}

#[derive(Deserialize)]
struct OverdueQuery {
    region: Option<String>,
    after: Option<String>,
}

async fn overdue(State(state): State<AppState>, user: PageUser, Query(q): Query<OverdueQuery>) -> PageResult {
    let actor = &user.actor;
    let region = page_region(q.region.as_deref())?;
    // Oldest screening first is most overdue first: every one had the same 30 days.
    let page = state.app.overdue_follow_ups(actor, region.as_ref(), q.after.as_deref(), 50).await?;
    let shown = region.or_else(|| actor.region.clone());
    let mut chrome = Chrome::new(&user, "/screenings");
    if let Some(r) = &shown {
        chrome = chrome.with_region(&state, actor, r, "/screenings/overdue").await;
    }
    let region = shown.map(|r| r.short().to_owned()).unwrap_or_default();
    let next = page.next.as_deref().map(|n| link("/screenings/overdue", &[("region", &region), ("after", n)])).unwrap_or_default();
    let today = state.app.today();
    Ok(render(&OverduePage {
        chrome,
        today: today.to_string(),
        rows: page.items.iter().map(|s| ScreeningRow::new(s, today)).collect(),
        total: page.total,
        next,
        identity: sees_identity(&user),
    }))
}

// ---------------------------------------------------------------------------------------------
// Coverage
// ---------------------------------------------------------------------------------------------

pub struct CoverageLine {
    pub region: String,
    pub name: String,
    pub screened: i64,
    pub eligible: i64,
    pub percent: String,
    /// For `<meter>`: 0–100, capped (a woman screened may have moved away).
    pub meter: String,
    pub low: bool,
}

impl CoverageLine {
    fn new(r: &CoverageRow) -> CoverageLine {
        CoverageLine {
            region: r.region.short().to_owned(),
            name: r.name.clone(),
            screened: r.screened,
            eligible: r.eligible,
            percent: if r.eligible > 0 { format!("{:.1}%", r.percent) } else { "—".to_owned() },
            meter: format!("{:.1}", r.percent.clamp(0.0, 100.0)),
            low: r.eligible > 0 && r.percent < 50.0,
        }
    }
}

#[derive(Template)]
#[template(path = "screenings/coverage.html")]
struct CoveragePage {
    chrome: Chrome,
    region: String,
    years: Vec<SelectOption>,
    year: i32,
    total: CoverageLine,
    children: Vec<CoverageLine>,
}

#[derive(Deserialize)]
struct CoverageQuery {
    region: Option<String>,
    year: Option<String>,
}

async fn coverage(State(state): State<AppState>, user: PageUser, Query(q): Query<CoverageQuery>) -> PageResult {
    let actor = &user.actor;
    let today = state.app.today();
    let region = match page_region(q.region.as_deref())?.or_else(|| actor.region.clone()).or_else(|| state.app.config.city.clone()) {
        Some(r) => r,
        None => return Err(PageError(AppError::NotFound)),
    };
    let year = q.year.as_deref().and_then(|y| y.trim().parse::<i32>().ok()).unwrap_or_else(|| statistical_year(today));
    let rows = state.app.screening_coverage(actor, &region, year).await?;
    let chrome = Chrome::new(&user, "/screenings").with_region(&state, actor, &region, "/screenings/coverage").await;
    let mut lines = rows.iter().map(CoverageLine::new);
    let Some(total) = lines.next() else { return Err(PageError(AppError::NotFound)) };
    Ok(render(&CoveragePage {
        chrome,
        region: region.short().to_owned(),
        years: year_options(today, &year.to_string()),
        year,
        total,
        children: lines.collect(),
    }))
}

// ---------------------------------------------------------------------------------------------
// Recording a screening
// ---------------------------------------------------------------------------------------------

/// One radio button.
pub struct Choice {
    pub code: &'static str,
    pub label: &'static str,
    pub checked: bool,
}

#[derive(Default, Deserialize)]
struct NewForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    person: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    screened_on: String,
    #[serde(default)]
    site: String,
    #[serde(default)]
    result: String,
}

#[derive(Template)]
#[template(path = "screenings/new.html")]
struct NewPage {
    chrome: Chrome,
    f: NewForm,
    /// Her masked name, village and age, when she could be read.
    who: String,
    kinds: Vec<Choice>,
    results: Vec<Choice>,
    errors: FormErrors,
}

async fn new_page(state: &AppState, user: &PageUser, f: NewForm, errors: FormErrors) -> Result<NewPage, PageError> {
    let who = match f.person.trim().parse::<i64>() {
        Ok(id) => match state.app.person(&user.actor, id).await {
            Ok(p) => {
                let name = p.name.as_deref().map(jinguo_crypto::mask::name).unwrap_or_default();
                let place = crate::views::short_place(&p.region_name);
                format!("{name}{}{place}，{} 岁", if name.is_empty() { "" } else { "，" }, p.age)
            }
            Err(AppError::NotFound) => return Err(PageError(AppError::NotFound)),
            Err(e) => return Err(e.into()),
        },
        Err(_) => String::new(),
    };
    let kinds = ScreeningKind::ALL.into_iter().map(|k| Choice { code: k.code(), label: k.label(), checked: f.kind == k.code() }).collect();
    let results =
        ScreeningResult::ALL.into_iter().map(|r| Choice { code: r.code(), label: r.label(), checked: f.result == r.code() }).collect();
    Ok(NewPage { chrome: Chrome::new(user, "/screenings"), f, who, kinds, results, errors })
}

#[derive(Deserialize)]
struct NewQuery {
    person: Option<String>,
}

async fn new_form(State(state): State<AppState>, user: PageUser, Query(q): Query<NewQuery>) -> PageResult {
    require_write(&user)?;
    let f = NewForm { person: q.person.unwrap_or_default(), screened_on: state.app.today().to_string(), ..NewForm::default() };
    Ok(render(&new_page(&state, &user, f, FormErrors::default()).await?))
}

async fn create(State(state): State<AppState>, user: PageUser, Form(f): Form<NewForm>) -> PageResult {
    user.check_csrf(&f.csrf)?;
    require_write(&user)?;
    let input = ScreeningInput {
        person: f.person.clone(),
        kind: f.kind.clone(),
        screened_on: Some(f.screened_on.clone()).filter(|s| !s.trim().is_empty()),
        site: f.site.clone(),
        result: f.result.clone(),
    };
    let (status, errors) = match state.app.record_screening(&user.actor, &input).await {
        Ok(s) => return Ok(see_other(&format!("/screenings/{}?saved=1", s.id))),
        Err(AppError::Invalid(e)) => (StatusCode::UNPROCESSABLE_ENTITY, e),
        Err(e) => return Err(e.into()),
    };
    Ok(render_status(status, &new_page(&state, &user, f, FormErrors(errors)).await?))
}

// ---------------------------------------------------------------------------------------------
// One screening and its follow-up
// ---------------------------------------------------------------------------------------------

#[derive(Default, Deserialize)]
struct FollowUpForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    follow_up_on: String,
    #[serde(default)]
    diagnosis: String,
}

#[derive(Template)]
#[template(path = "screenings/screening.html")]
struct DetailPage {
    chrome: Chrome,
    s: ScreeningRow,
    identity: bool,
    can_write: bool,
    f: FollowUpForm,
    errors: FormErrors,
}

async fn detail_page(state: &AppState, user: &PageUser, id: i64) -> Result<DetailPage, PageError> {
    let s = state.app.screening(&user.actor, id).await?;
    let chrome = Chrome::new(user, "/screenings").with_region(state, &user.actor, &s.region, "/screenings").await;
    let today = state.app.today();
    let mut row = ScreeningRow::new(&s, today);
    row.name = jinguo_crypto::mask::name(&row.name);
    let f = FollowUpForm { follow_up_on: today.to_string(), diagnosis: s.diagnosis.clone(), ..FollowUpForm::default() };
    Ok(DetailPage {
        chrome,
        s: row,
        identity: sees_identity(user),
        can_write: user.actor.can(Permission::WritePeople),
        f,
        errors: FormErrors::default(),
    })
}

#[derive(Deserialize)]
struct DetailQuery {
    saved: Option<String>,
    followed: Option<String>,
}

async fn detail(State(state): State<AppState>, user: PageUser, Path(id): Path<i64>, Query(q): Query<DetailQuery>) -> PageResult {
    let mut page = detail_page(&state, &user, id).await?;
    if q.followed.is_some() {
        page.chrome = page.chrome.notice("已登记随访");
    } else if q.saved.is_some() {
        let notice = if page.s.repeat {
            "已登记；她本统计年度已做过同类筛查，本次记为重复，不重复计数"
        } else {
            "已登记筛查"
        };
        page.chrome = page.chrome.notice(notice);
    }
    Ok(render(&page))
}

async fn follow_up(State(state): State<AppState>, user: PageUser, Path(id): Path<i64>, Form(f): Form<FollowUpForm>) -> PageResult {
    user.check_csrf(&f.csrf)?;
    let day = Some(f.follow_up_on.as_str()).filter(|s| !s.trim().is_empty());
    match state.app.record_follow_up(&user.actor, id, day, &f.diagnosis).await {
        Ok(_) => Ok(see_other(&format!("/screenings/{id}?followed=1"))),
        Err(AppError::Invalid(e)) => {
            let mut page = detail_page(&state, &user, id).await?;
            page.f = f;
            page.errors = FormErrors(e);
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e) => Err(e.into()),
    }
}
