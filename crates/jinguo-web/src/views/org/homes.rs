//! Women's home pages (妇女之家): the list with filters, the form to register a village's home,
//! and a home's page with its six checklist items, the form to record a check, and the form
//! to change its name, address and keeper.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Form, Router};
use jinguo_app::AppError;
use jinguo_app::org::homes::{CheckInput, HomeInput};
use jinguo_domain::access::Permission;
use jinguo_domain::org::HomeCheckItem;
use jinguo_domain::{Invalid, Level};
use jinguo_store::org::homes::{Filter, Home};
use serde::Deserialize;

use crate::auth::PageUser;
use crate::state::AppState;
use crate::views::{
    Chrome, FormErrors, PageError, PageResult, SelectOption, link, page_region, render, render_status, saved_notice, see_other, short_place,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/homes", get(list))
        .route("/homes/new", get(new_form).post(create))
        .route("/homes/{id}", get(detail).post(update))
        .route("/homes/{id}/checks", post(check))
}

/// How many items the checklist has (a home is standardised when all hold).
const ITEMS: usize = HomeCheckItem::ALL.len();

/// A home as a row of the list shows it.
pub struct Row {
    pub id: i64,
    pub name: String,
    pub village: String,
    pub keeper: String,
    pub items_holding: i64,
    pub standardised: bool,
    pub standardised_on: String,
}

impl Row {
    fn new(h: &Home) -> Row {
        Row {
            id: h.id,
            name: h.name.clone(),
            village: short_place(&h.region_name),
            keeper: h.keeper.clone(),
            items_holding: h.items_holding,
            standardised: h.standardised,
            standardised_on: h.standardised_on.map(|d| d.to_string()).unwrap_or_default(),
        }
    }
}

#[derive(Template)]
#[template(path = "org/homes.html")]
struct ListPage {
    chrome: Chrome,
    region: String,
    q: String,
    std: String,
    rows: Vec<Row>,
    total: i64,
    next: String,
    can_write: bool,
    items: usize,
}

#[derive(Deserialize)]
struct ListQuery {
    region: Option<String>,
    /// 标准化: `yes`, `no`, or empty for all.
    std: Option<String>,
    q: Option<String>,
    after: Option<String>,
}

async fn list(State(state): State<AppState>, user: PageUser, Query(q): Query<ListQuery>) -> PageResult {
    let actor = &user.actor;
    let region = page_region(q.region.as_deref())?;
    let std = q.std.clone().unwrap_or_default();
    let standardised = match std.as_str() {
        "" => None,
        "yes" => Some(true),
        "no" => Some(false),
        _ => return Err(PageError(AppError::NotFound)),
    };
    let filter = Filter { standardised, q: q.q.clone() };
    let page = state.app.list_homes(actor, region.as_ref(), &filter, q.after.as_deref(), 50).await?;
    let shown = region.or_else(|| actor.region.clone());
    let mut chrome = Chrome::new(&user, "/homes");
    if let Some(r) = &shown {
        chrome = chrome.with_region(&state, actor, r, "/homes").await;
    }
    let region = shown.map(|r| r.short().to_owned()).unwrap_or_default();
    let text = q.q.unwrap_or_default();
    let next =
        page.next.as_deref().map(|n| link("/homes", &[("region", &region), ("std", &std), ("q", &text), ("after", n)])).unwrap_or_default();
    Ok(render(&ListPage {
        chrome,
        region,
        q: text,
        std,
        rows: page.items.iter().map(Row::new).collect(),
        total: page.total,
        next,
        can_write: actor.can(Permission::WriteOrg),
        items: ITEMS,
    }))
}

/// The fields of the form that registers a home, as typed.
#[derive(Deserialize, Default)]
struct NewForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    keeper: String,
    #[serde(default)]
    established_on: String,
}

#[derive(Template)]
#[template(path = "org/home_new.html")]
struct NewPage {
    chrome: Chrome,
    f: NewForm,
    /// Villages to choose from when the form was opened from a town.
    villages: Vec<SelectOption>,
    errors: FormErrors,
}

#[derive(Deserialize)]
struct NewQuery {
    region: Option<String>,
}

async fn new_page(state: &AppState, user: &PageUser, f: NewForm, errors: FormErrors) -> Result<NewPage, PageError> {
    let mut villages = Vec::new();
    // Opened from a town in scope: offer its villages by name.
    if let Ok(Some(town)) = page_region(Some(&f.region))
        && town.level() == Level::Town
        && user.actor.scope.contains(&town)
    {
        villages = state
            .app
            .region_children(Some(&town))
            .await?
            .into_iter()
            .map(|v| SelectOption::new(v.code.short(), v.name, &f.region))
            .collect();
    }
    let chrome = Chrome::new(user, "/homes");
    Ok(NewPage { chrome, f, villages, errors })
}

async fn new_form(State(state): State<AppState>, user: PageUser, Query(q): Query<NewQuery>) -> PageResult {
    if !user.actor.can(Permission::WriteOrg) {
        return Err(PageError(AppError::Forbidden("您的角色无权登记妇女之家".into())));
    }
    let region = q.region.or_else(|| user.actor.region.as_ref().map(|r| r.short().to_owned())).unwrap_or_default();
    let mut page = new_page(&state, &user, NewForm { region, ..Default::default() }, FormErrors::default()).await?;
    // Only a village's own code is a useful default; a town's code stays as the choice's hint.
    if page.f.region.len() != 12 {
        page.f.region = String::new();
    }
    Ok(render(&page))
}

async fn create(State(state): State<AppState>, user: PageUser, Form(f): Form<NewForm>) -> PageResult {
    user.check_csrf(&f.csrf)?;
    let input = HomeInput {
        region: f.region.clone(),
        name: f.name.clone(),
        address: Some(f.address.clone()),
        keeper: Some(f.keeper.clone()),
        established_on: Some(f.established_on.clone()),
    };
    let (status, errors) = match state.app.create_home(&user.actor, &input).await {
        Ok(home) => return Ok(see_other(&format!("/homes/{}?saved=1", home.id))),
        Err(AppError::Invalid(e)) => (StatusCode::UNPROCESSABLE_ENTITY, e),
        Err(AppError::Conflict(m)) => (StatusCode::CONFLICT, Invalid::field("region", m)),
        Err(e) => return Err(e.into()),
    };
    Ok(render_status(status, &new_page(&state, &user, f, FormErrors(errors)).await?))
}

/// A checklist item with its last check.
pub struct ItemRow {
    pub code: &'static str,
    pub label: &'static str,
    pub checked: bool,
    pub holds: bool,
    pub checked_on: String,
    pub checked_by: String,
    pub note: String,
}

/// The check form's values, as typed or by default.
#[derive(Deserialize, Default)]
struct CheckForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    item: String,
    #[serde(default)]
    holds: String,
    #[serde(default)]
    checked_on: String,
    #[serde(default)]
    checked_by: String,
    #[serde(default)]
    note: String,
}

/// The edit form's values.
#[derive(Deserialize, Default)]
struct EditForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    keeper: String,
}

#[derive(Template)]
#[template(path = "org/home.html")]
struct DetailPage {
    chrome: Chrome,
    h: Home,
    items: Vec<ItemRow>,
    holding: usize,
    total_items: usize,
    can_write: bool,
    check: CheckForm,
    item_options: Vec<SelectOption>,
    edit: EditForm,
    /// Which form the errors belong to: `check` or `edit`.
    failed: &'static str,
    errors: FormErrors,
}

impl DetailPage {
    /// The error of a field of the check form, if that form failed.
    fn check_error(&self, field: &str) -> &str {
        if self.failed == "check" { self.errors.msg(field) } else { "" }
    }

    fn edit_error(&self, field: &str) -> &str {
        if self.failed == "edit" { self.errors.msg(field) } else { "" }
    }
}

#[derive(Deserialize)]
struct DetailQuery {
    saved: Option<String>,
    /// Preselects the checklist item of the check form.
    item: Option<String>,
}

async fn detail_page(
    state: &AppState,
    user: &PageUser,
    id: i64,
    check: Option<CheckForm>,
    edit: Option<EditForm>,
    errors: FormErrors,
) -> Result<DetailPage, PageError> {
    let d = state.app.home(&user.actor, id).await?;
    let chrome = Chrome::new(user, "/homes").with_region(state, &user.actor, &d.home.region, "/homes").await;
    let items: Vec<ItemRow> = d
        .items
        .iter()
        .map(|(item, last)| ItemRow {
            code: item.code(),
            label: item.label(),
            checked: last.is_some(),
            holds: last.as_ref().is_some_and(|c| c.holds),
            checked_on: last.as_ref().map(|c| c.checked_on.to_string()).unwrap_or_default(),
            checked_by: last.as_ref().map(|c| c.checked_by.clone()).unwrap_or_default(),
            note: last.as_ref().map(|c| c.note.clone()).unwrap_or_default(),
        })
        .collect();
    let failed = if check.is_some() {
        "check"
    } else if edit.is_some() {
        "edit"
    } else {
        ""
    };
    let check = check.unwrap_or_else(|| CheckForm {
        checked_on: state.app.today().to_string(),
        checked_by: user.actor.display_name.clone(),
        ..Default::default()
    });
    let edit = edit.unwrap_or_else(|| EditForm {
        name: d.home.name.clone(),
        address: d.home.address.clone(),
        keeper: d.home.keeper.clone(),
        ..Default::default()
    });
    let item_options = HomeCheckItem::ALL.into_iter().map(|i| SelectOption::new(i.code(), i.label(), &check.item)).collect();
    Ok(DetailPage {
        chrome,
        holding: items.iter().filter(|i| i.holds).count(),
        total_items: items.len(),
        items,
        h: d.home,
        can_write: user.actor.can(Permission::WriteOrg),
        check,
        item_options,
        edit,
        failed,
        errors,
    })
}

async fn detail(State(state): State<AppState>, user: PageUser, Path(id): Path<i64>, Query(q): Query<DetailQuery>) -> PageResult {
    let mut page = detail_page(&state, &user, id, None, None, FormErrors::default()).await?;
    page.chrome = page.chrome.notice(saved_notice(q.saved.as_deref()));
    if let Some(item) = q.item.as_deref().and_then(HomeCheckItem::parse) {
        page.item_options.iter_mut().for_each(|o| o.selected = o.value == item.code());
    }
    Ok(render(&page))
}

async fn update(State(state): State<AppState>, user: PageUser, Path(id): Path<i64>, Form(f): Form<EditForm>) -> PageResult {
    user.check_csrf(&f.csrf)?;
    match state.app.update_home(&user.actor, id, &f.name, &f.address, &f.keeper).await {
        Ok(_) => Ok(see_other(&format!("/homes/{id}?saved=1"))),
        Err(AppError::Invalid(e)) => {
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &detail_page(&state, &user, id, None, Some(f), FormErrors(e)).await?))
        }
        Err(e) => Err(e.into()),
    }
}

async fn check(State(state): State<AppState>, user: PageUser, Path(id): Path<i64>, Form(f): Form<CheckForm>) -> PageResult {
    user.check_csrf(&f.csrf)?;
    let input = CheckInput {
        item: f.item.clone(),
        holds: f.holds.clone(),
        checked_on: Some(f.checked_on.clone()),
        checked_by: Some(f.checked_by.clone()),
        note: Some(f.note.clone()),
    };
    match state.app.check_home_item(&user.actor, id, &input).await {
        Ok(_) => Ok(see_other(&format!("/homes/{id}?saved=1"))),
        Err(AppError::Invalid(e)) => {
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &detail_page(&state, &user, id, Some(f), None, FormErrors(e)).await?))
        }
        Err(e) => Err(e.into()),
    }
}
