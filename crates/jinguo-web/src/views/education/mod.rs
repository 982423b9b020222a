//! Family education pages (menu section 家庭): guidance centres with their lecturer teams and
//! lecturers, service activities with the households they served (counted once per period,
//! unnamed households added as counted, and the page says so), and the parent school's staff
//! side (`school`): articles and videos, and the consultation queue.

mod public;
mod school;

use crate::views::SavedQuery;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Form, Router};
use jinguo_app::AppError;
use jinguo_app::education::{ActivityFilter, ActivityInput, CentreInput, LecturerInput, TeamInput};
use jinguo_domain::access::Permission;
use jinguo_domain::education::ActivityKind;
use jinguo_domain::insight::Period;
use jinguo_domain::{Invalid, RegionCode};
use serde::Deserialize;

use crate::auth::PageUser;
use crate::state::AppState;
use crate::views::{
    Chrome, FormErrors, PageError, PageResult, SelectOption, filter_date, link, page_region, render, render_status, see_other, short_place,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/education/centres", get(centres).post(create_centre))
        .route("/education/centres/{id}", get(centre))
        .route("/education/centres/{id}/teams", post(create_team))
        .route("/education/teams/{id}", get(team))
        .route("/education/teams/{id}/lecturers", post(add_lecturer))
        .route("/education/lecturers/{id}/leave", post(lecturer_leaves))
        .route("/education/activities", get(activities))
        .route("/education/activities/new", get(new_activity_form).post(create_activity))
        .route("/education/activities/{id}", get(activity))
        .merge(school::router())
        .merge(public::router())
}

pub(super) fn can_write(user: &PageUser) -> bool {
    user.actor.can(Permission::WriteOrg)
}

pub(super) fn require_write(user: &PageUser) -> Result<(), PageError> {
    if can_write(user) { Ok(()) } else { Err(PageError(AppError::Forbidden("您的角色无权登记家庭教育信息".into()))) }
}

fn optional(s: &str) -> Option<String> {
    Some(s.trim().to_owned()).filter(|s| !s.is_empty())
}

// ---------------------------------------------------------------------------------------------
// Centres
// ---------------------------------------------------------------------------------------------

pub struct CentreRow {
    pub id: i64,
    pub name: String,
    pub place: String,
    pub level: &'static str,
    pub founded: String,
    pub teams: i64,
    pub lecturers: i64,
}

impl CentreRow {
    fn new(c: &jinguo_store::education::centres::Centre) -> CentreRow {
        CentreRow {
            id: c.id,
            name: c.name.clone(),
            place: short_place(&c.region_name),
            level: c.level.label(),
            founded: c.founded_on.to_string(),
            teams: c.teams,
            lecturers: c.lecturers,
        }
    }
}

#[derive(Default, Deserialize)]
struct CentreForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    founded_on: String,
}

#[derive(Template)]
#[template(path = "education/centres.html")]
struct CentresPage {
    chrome: Chrome,
    rows: Vec<CentreRow>,
    total: i64,
    next: String,
    can_write: bool,
    f: CentreForm,
    errors: FormErrors,
}

#[derive(Deserialize)]
struct ListQuery {
    region: Option<String>,
    after: Option<String>,
    saved: Option<String>,
}

async fn centres_page(
    state: &AppState,
    user: &PageUser,
    region: Option<RegionCode>,
    after: Option<&str>,
) -> Result<CentresPage, PageError> {
    let actor = &user.actor;
    let page = state.app.list_centres(actor, region.as_ref(), after, 50).await?;
    let shown = region.or_else(|| actor.region.clone());
    let mut chrome = Chrome::new(user, "/education/centres");
    if let Some(r) = &shown {
        chrome = chrome.with_region(state, actor, r, "/education/centres").await;
    }
    let region = shown.map(|r| r.short().to_owned()).unwrap_or_default();
    let next = page.next.as_deref().map(|n| link("/education/centres", &[("region", &region), ("after", n)])).unwrap_or_default();
    let f = CentreForm { region: region.clone(), founded_on: state.app.today().to_string(), ..CentreForm::default() };
    Ok(CentresPage {
        chrome,
        rows: page.items.iter().map(CentreRow::new).collect(),
        total: page.total,
        next,
        can_write: can_write(user),
        f,
        errors: FormErrors::default(),
    })
}

async fn centres(State(state): State<AppState>, user: PageUser, Query(q): Query<ListQuery>) -> PageResult {
    let region = page_region(q.region.as_deref())?;
    let mut page = centres_page(&state, &user, region, q.after.as_deref()).await?;
    if q.saved.is_some() {
        page.chrome = page.chrome.notice("已保存");
    }
    Ok(render(&page))
}

async fn create_centre(State(state): State<AppState>, user: PageUser, Form(f): Form<CentreForm>) -> PageResult {
    user.check_csrf(&f.csrf)?;
    require_write(&user)?;
    let input = CentreInput {
        region: f.region.clone(),
        name: optional(&f.name),
        address: optional(&f.address),
        founded_on: optional(&f.founded_on),
    };
    let (status, errors) = match state.app.create_centre(&user.actor, &input).await {
        Ok(c) => return Ok(see_other(&format!("/education/centres/{}?saved=1", c.id))),
        Err(AppError::Invalid(e)) => (StatusCode::UNPROCESSABLE_ENTITY, e),
        Err(AppError::Conflict(m)) => (StatusCode::CONFLICT, Invalid::field("region", m)),
        Err(e) => return Err(e.into()),
    };
    let mut page = centres_page(&state, &user, None, None).await?;
    page.f = f;
    page.errors = FormErrors(errors);
    Ok(render_status(status, &page))
}

pub struct TeamRow {
    pub id: i64,
    pub name: String,
    pub formed: String,
    pub lecturers: i64,
}

#[derive(Default, Deserialize)]
struct TeamForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    formed_on: String,
}

#[derive(Template)]
#[template(path = "education/centre.html")]
struct CentrePage {
    chrome: Chrome,
    c: CentreRow,
    address: String,
    region: String,
    teams: Vec<TeamRow>,
    can_write: bool,
    f: TeamForm,
    errors: FormErrors,
}

async fn centre_page(state: &AppState, user: &PageUser, id: i64) -> Result<CentrePage, PageError> {
    let d = state.app.centre(&user.actor, id).await?;
    let chrome = Chrome::new(user, "/education/centres").with_region(state, &user.actor, &d.centre.region, "/education/centres").await;
    Ok(CentrePage {
        chrome,
        c: CentreRow::new(&d.centre),
        address: d.centre.address.clone(),
        region: d.centre.region.short().to_owned(),
        teams: d
            .teams
            .iter()
            .map(|t| TeamRow { id: t.id, name: t.name.clone(), formed: t.formed_on.to_string(), lecturers: t.lecturers })
            .collect(),
        can_write: can_write(user),
        f: TeamForm { formed_on: state.app.today().to_string(), ..TeamForm::default() },
        errors: FormErrors::default(),
    })
}

async fn centre(State(state): State<AppState>, user: PageUser, Path(id): Path<i64>, Query(q): Query<SavedQuery>) -> PageResult {
    let mut page = centre_page(&state, &user, id).await?;
    if q.saved.is_some() {
        page.chrome = page.chrome.notice("已保存");
    }
    Ok(render(&page))
}

async fn create_team(State(state): State<AppState>, user: PageUser, Path(id): Path<i64>, Form(f): Form<TeamForm>) -> PageResult {
    user.check_csrf(&f.csrf)?;
    let input = TeamInput { name: f.name.clone(), formed_on: optional(&f.formed_on) };
    let errors = match state.app.create_team(&user.actor, id, &input).await {
        Ok(t) => return Ok(see_other(&format!("/education/teams/{}?saved=1", t.id))),
        Err(AppError::Invalid(e)) => e,
        Err(e) => return Err(e.into()),
    };
    let mut page = centre_page(&state, &user, id).await?;
    page.f = f;
    page.errors = FormErrors(errors);
    Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
}

pub struct LecturerRow {
    pub id: i64,
    pub name: String,
    pub speciality: String,
    pub joined: String,
    pub left: String,
}

#[derive(Default, Deserialize)]
struct LecturerForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    speciality: String,
    #[serde(default)]
    joined_on: String,
}

#[derive(Template)]
#[template(path = "education/team.html")]
struct TeamPage {
    chrome: Chrome,
    id: i64,
    name: String,
    centre: i64,
    centre_name: String,
    formed: String,
    lecturers: Vec<LecturerRow>,
    can_write: bool,
    f: LecturerForm,
    errors: FormErrors,
}

async fn team_page(state: &AppState, user: &PageUser, id: i64) -> Result<TeamPage, PageError> {
    let d = state.app.team(&user.actor, id).await?;
    let chrome = Chrome::new(user, "/education/centres").with_region(state, &user.actor, &d.team.region, "/education/centres").await;
    Ok(TeamPage {
        chrome,
        id,
        name: d.team.name.clone(),
        centre: d.team.centre,
        centre_name: d.team.centre_name.clone(),
        formed: d.team.formed_on.to_string(),
        lecturers: d
            .lecturers
            .iter()
            .map(|l| LecturerRow {
                id: l.id,
                name: l.name.clone(),
                speciality: l.speciality.clone(),
                joined: l.joined_on.to_string(),
                left: l.left_on.map(|d| d.to_string()).unwrap_or_default(),
            })
            .collect(),
        can_write: can_write(user),
        f: LecturerForm { joined_on: state.app.today().to_string(), ..LecturerForm::default() },
        errors: FormErrors::default(),
    })
}

async fn team(State(state): State<AppState>, user: PageUser, Path(id): Path<i64>, Query(q): Query<SavedQuery>) -> PageResult {
    let mut page = team_page(&state, &user, id).await?;
    if q.saved.is_some() {
        page.chrome = page.chrome.notice("已保存");
    }
    Ok(render(&page))
}

async fn add_lecturer(State(state): State<AppState>, user: PageUser, Path(id): Path<i64>, Form(f): Form<LecturerForm>) -> PageResult {
    user.check_csrf(&f.csrf)?;
    let input = LecturerInput { name: f.name.clone(), speciality: f.speciality.clone(), joined_on: optional(&f.joined_on) };
    let errors = match state.app.add_lecturer(&user.actor, id, &input).await {
        Ok(_) => return Ok(see_other(&format!("/education/teams/{id}?saved=1"))),
        Err(AppError::Invalid(e)) => e,
        Err(e) => return Err(e.into()),
    };
    let mut page = team_page(&state, &user, id).await?;
    page.f = f;
    page.errors = FormErrors(errors);
    Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
}

#[derive(Deserialize)]
struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

async fn lecturer_leaves(State(state): State<AppState>, user: PageUser, Path(id): Path<i64>, Form(f): Form<CsrfForm>) -> PageResult {
    user.check_csrf(&f.csrf)?;
    let l = state.app.lecturer_leaves(&user.actor, id, None).await?;
    Ok(see_other(&format!("/education/teams/{}?saved=1", l.team)))
}

// ---------------------------------------------------------------------------------------------
// Activities
// ---------------------------------------------------------------------------------------------

pub struct ActivityRow {
    pub id: i64,
    pub date: String,
    pub kind: &'static str,
    pub place: String,
    pub village: String,
    pub topic: String,
    pub lecturer: String,
    pub families: i64,
    pub unnamed: i64,
}

impl ActivityRow {
    fn new(a: &jinguo_store::education::activities::Activity) -> ActivityRow {
        ActivityRow {
            id: a.id,
            date: a.held_on.to_string(),
            kind: a.kind.label(),
            place: a.place.clone(),
            village: short_place(&a.region_name),
            topic: a.topic.clone(),
            lecturer: a.lecturer_name.clone().unwrap_or_default(),
            families: a.families,
            unnamed: a.unnamed_households,
        }
    }
}

#[derive(Template)]
#[template(path = "education/activities.html")]
struct ActivitiesPage {
    chrome: Chrome,
    region: String,
    kinds: Vec<SelectOption>,
    from: String,
    to: String,
    rows: Vec<ActivityRow>,
    total: i64,
    next: String,
    served_families: i64,
    served_unnamed: i64,
    served_total: i64,
    errors: String,
    can_write: bool,
}

#[derive(Deserialize)]
struct ActivitiesQuery {
    region: Option<String>,
    kind: Option<String>,
    from: Option<String>,
    to: Option<String>,
    after: Option<String>,
}

async fn activities(State(state): State<AppState>, user: PageUser, Query(q): Query<ActivitiesQuery>) -> PageResult {
    let actor = &user.actor;
    let region = page_region(q.region.as_deref())?;
    let mut errors = Invalid::new();
    let today = state.app.today();
    let from = filter_date("from", "开始日期", q.from.as_deref(), &mut errors).unwrap_or_else(|| Period::year_to_date(today).from);
    let to = filter_date("to", "结束日期", q.to.as_deref(), &mut errors).unwrap_or(today);
    let kind_text = q.kind.clone().unwrap_or_default();
    let kind = match kind_text.trim() {
        "" => None,
        k => ActivityKind::parse(k).map_err(|e| errors.add("kind", e.summary())).ok(),
    };
    let period = Period::new(from, to).unwrap_or(Period { from: to, to });
    if from > to {
        errors.add("from", "开始日期不能晚于结束日期");
    }
    let filter = ActivityFilter { kind, from: Some(period.from), to: Some(period.to) };
    let page = state.app.list_education_activities(actor, region.as_ref(), &filter, q.after.as_deref(), 50).await?;
    let served = state.app.households_served(actor, region.as_ref(), period).await?;
    let shown = region.or_else(|| actor.region.clone());
    let mut chrome = Chrome::new(&user, "/education/activities");
    if let Some(r) = &shown {
        chrome = chrome.with_region(&state, actor, r, "/education/activities").await;
    }
    let region = shown.map(|r| r.short().to_owned()).unwrap_or_default();
    let (from, to) = (period.from.to_string(), period.to.to_string());
    let next = page
        .next
        .as_deref()
        .map(|n| link("/education/activities", &[("region", &region), ("kind", &kind_text), ("from", &from), ("to", &to), ("after", n)]))
        .unwrap_or_default();
    Ok(render(&ActivitiesPage {
        chrome,
        kinds: ActivityKind::ALL.iter().map(|k| SelectOption::new(k.code(), k.label(), kind.map(|k| k.code()).unwrap_or(""))).collect(),
        region,
        from,
        to,
        rows: page.items.iter().map(ActivityRow::new).collect(),
        total: page.total,
        next,
        served_families: served.families,
        served_unnamed: served.unnamed,
        served_total: served.total(),
        errors: errors.summary(),
        can_write: can_write(&user),
    }))
}

#[derive(Default, Deserialize)]
struct ActivityForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    held_on: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    topic: String,
    #[serde(default)]
    lecturer: String,
    #[serde(default)]
    families: String,
    #[serde(default)]
    unnamed_households: String,
}

#[derive(Template)]
#[template(path = "education/activity_new.html")]
struct NewActivityPage {
    chrome: Chrome,
    f: ActivityForm,
    kinds: Vec<SelectOption>,
    lecturers: Vec<SelectOption>,
    errors: FormErrors,
}

async fn new_activity_page(state: &AppState, user: &PageUser, f: ActivityForm, errors: FormErrors) -> Result<NewActivityPage, PageError> {
    let around = RegionCode::parse(&f.region).ok().or_else(|| user.actor.region.clone());
    let lecturers = match &around {
        Some(r) if user.actor.scope.contains(r) => state.app.lecturers_for(&user.actor, r).await?,
        _ => Vec::new(),
    };
    Ok(NewActivityPage {
        chrome: Chrome::new(user, "/education/activities"),
        kinds: ActivityKind::ALL.iter().map(|k| SelectOption::new(k.code(), k.label(), &f.kind)).collect(),
        lecturers: lecturers
            .iter()
            .map(|l| SelectOption::new(l.id.to_string(), format!("{}（{}，{}）", l.name, l.speciality, l.team_name), &f.lecturer))
            .collect(),
        f,
        errors,
    })
}

async fn new_activity_form(State(state): State<AppState>, user: PageUser) -> PageResult {
    require_write(&user)?;
    let region = user.actor.region.as_ref().map(|r| r.short().to_owned()).unwrap_or_default();
    let f = ActivityForm { region, held_on: state.app.today().to_string(), kind: "community".into(), ..ActivityForm::default() };
    Ok(render(&new_activity_page(&state, &user, f, FormErrors::default()).await?))
}

async fn create_activity(State(state): State<AppState>, user: PageUser, Form(f): Form<ActivityForm>) -> PageResult {
    user.check_csrf(&f.csrf)?;
    require_write(&user)?;
    let input = ActivityInput {
        region: f.region.clone(),
        kind: f.kind.clone(),
        held_on: optional(&f.held_on),
        place: f.place.clone(),
        topic: f.topic.clone(),
        lecturer: optional(&f.lecturer),
        families: optional(&f.families),
        unnamed_households: optional(&f.unnamed_households),
    };
    let errors = match state.app.record_education_activity(&user.actor, &input).await {
        Ok(d) => return Ok(see_other(&format!("/education/activities/{}?saved=1", d.activity.id))),
        Err(AppError::Invalid(e)) => e,
        Err(e) => return Err(e.into()),
    };
    Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &new_activity_page(&state, &user, f, FormErrors(errors)).await?))
}

pub struct FamilyRow {
    pub name: String,
    pub village: String,
}

#[derive(Template)]
#[template(path = "education/activity.html")]
struct ActivityPage {
    chrome: Chrome,
    a: ActivityRow,
    region: String,
    families: Vec<FamilyRow>,
}

async fn activity(State(state): State<AppState>, user: PageUser, Path(id): Path<i64>, Query(q): Query<SavedQuery>) -> PageResult {
    let d = state.app.education_activity(&user.actor, id).await?;
    let mut chrome =
        Chrome::new(&user, "/education/activities").with_region(&state, &user.actor, &d.activity.region, "/education/activities").await;
    if q.saved.is_some() {
        chrome = chrome.notice("已保存");
    }
    Ok(render(&ActivityPage {
        chrome,
        a: ActivityRow::new(&d.activity),
        region: d.activity.region.short().to_owned(),
        families: d.families.iter().map(|f| FamilyRow { name: f.name.clone(), village: short_place(&f.region_name) }).collect(),
    }))
}
