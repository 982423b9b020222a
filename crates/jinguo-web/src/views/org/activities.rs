//! Activity pages: the list with filters (region, category, dates) and the form to record an
//! activity organised by the officer's own federation.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Form, Router};
use jinguo_app::AppError;
use jinguo_app::org::activities::ActivityInput;
use jinguo_domain::Invalid;
use jinguo_domain::access::Permission;
use jinguo_domain::org::ActivityCategory;
use jinguo_store::org::activities::{Activity, Filter};
use serde::Deserialize;

use crate::auth::PageUser;
use crate::state::AppState;
use crate::views::{
    Chrome, FormErrors, PageError, PageResult, SelectOption, filter_date, link, page_region, render, render_status, saved_notice,
    see_other, short_place,
};

pub fn router() -> Router<AppState> {
    Router::new().route("/activities", get(list)).route("/activities/new", get(new_form).post(create))
}

fn category_options(current: &str) -> Vec<SelectOption> {
    ActivityCategory::ALL.into_iter().map(|c| SelectOption::new(c.code(), c.label(), current)).collect()
}

/// An activity as a row of the list shows it.
pub struct Row {
    pub held_on: String,
    pub title: String,
    pub place: String,
    pub category: &'static str,
    pub organiser: String,
    pub region_name: String,
    pub participants: i64,
}

impl Row {
    fn new(a: &Activity) -> Row {
        Row {
            held_on: a.held_on.to_string(),
            title: a.title.clone(),
            place: a.place.clone(),
            category: a.category.label(),
            organiser: a.federation_name.clone(),
            region_name: short_place(&a.region_name),
            participants: a.participants,
        }
    }
}

#[derive(Template)]
#[template(path = "org/activities.html")]
struct ListPage {
    chrome: Chrome,
    region: String,
    categories: Vec<SelectOption>,
    from: String,
    to: String,
    rows: Vec<Row>,
    total: i64,
    next: String,
    can_write: bool,
    errors: FormErrors,
}

#[derive(Deserialize)]
struct ListQuery {
    region: Option<String>,
    category: Option<String>,
    from: Option<String>,
    to: Option<String>,
    after: Option<String>,
    saved: Option<String>,
}

async fn list(State(state): State<AppState>, user: PageUser, Query(q): Query<ListQuery>) -> PageResult {
    let actor = &user.actor;
    let region = page_region(q.region.as_deref())?;
    let category = q.category.clone().unwrap_or_default();
    let mut invalid = Invalid::new();
    let filter = Filter {
        category: match category.as_str() {
            "" => None,
            c => Some(ActivityCategory::parse(c).ok_or(PageError(AppError::NotFound))?),
        },
        from: filter_date("from", "开始日期", q.from.as_deref(), &mut invalid),
        to: filter_date("to", "结束日期", q.to.as_deref(), &mut invalid),
    };
    let page = state.app.list_activities(actor, region.as_ref(), &filter, q.after.as_deref(), 50).await?;
    let shown = region.or_else(|| actor.region.clone());
    let mut chrome = Chrome::new(&user, "/activities").notice(saved_notice(q.saved.as_deref()));
    if let Some(r) = &shown {
        chrome = chrome.with_region(&state, actor, r, "/activities").await;
    }
    let region = shown.map(|r| r.short().to_owned()).unwrap_or_default();
    let (from, to) = (q.from.unwrap_or_default(), q.to.unwrap_or_default());
    let next = page
        .next
        .as_deref()
        .map(|n| link("/activities", &[("region", &region), ("category", &category), ("from", &from), ("to", &to), ("after", n)]))
        .unwrap_or_default();
    let status = if invalid.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok(render_status(
        status,
        &ListPage {
            chrome,
            region,
            categories: category_options(&category),
            from,
            to,
            rows: page.items.iter().map(Row::new).collect(),
            total: page.total,
            next,
            can_write: actor.can(Permission::WriteOrg),
            errors: FormErrors(invalid),
        },
    ))
}

/// The fields of the activity form, as typed.
#[derive(Deserialize, Default)]
struct NewForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    held_on: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    participants: String,
    #[serde(default)]
    region: String,
}

#[derive(Template)]
#[template(path = "org/activity_new.html")]
struct NewPage {
    chrome: Chrome,
    f: NewForm,
    categories: Vec<SelectOption>,
    errors: FormErrors,
}

fn new_page(user: &PageUser, f: NewForm, errors: FormErrors) -> NewPage {
    NewPage { chrome: Chrome::new(user, "/activities"), categories: category_options(&f.category), f, errors }
}

async fn new_form(State(state): State<AppState>, user: PageUser) -> PageResult {
    if !user.actor.can(Permission::WriteOrg) {
        return Err(PageError(AppError::Forbidden("您的角色无权登记活动".into())));
    }
    let f = NewForm { held_on: state.app.today().to_string(), ..Default::default() };
    Ok(render(&new_page(&user, f, FormErrors::default())))
}

async fn create(State(state): State<AppState>, user: PageUser, Form(f): Form<NewForm>) -> PageResult {
    user.check_csrf(&f.csrf)?;
    let input = ActivityInput {
        federation: None,
        region: Some(f.region.clone()),
        held_on: f.held_on.clone(),
        category: f.category.clone(),
        title: f.title.clone(),
        place: Some(f.place.clone()),
        participants: Some(f.participants.clone()),
    };
    match state.app.create_activity(&user.actor, &input).await {
        Ok(_) => Ok(see_other("/activities?saved=1")),
        Err(AppError::Invalid(e)) => Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &new_page(&user, f, FormErrors(e)))),
        Err(e) => Err(e.into()),
    }
}
