//! The parent school's staff pages: articles and videos (list, write, edit, publish), and the
//! consultation queue, longest waiting first with the wait shown, where an expert is assigned
//! and the answer recorded.

use crate::views::SavedQuery;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Form, Router};
use jinguo_app::AppError;
use jinguo_app::school::{ItemFilter, ItemInput};
use jinguo_domain::education::{AgeGroup, ItemKind, ItemStatus, wait_words};
use jinguo_store::education::consultations::Consultation;
use jinguo_store::education::school::Item;
use serde::Deserialize;

use super::{can_write, optional, require_write};
use crate::auth::PageUser;
use crate::state::AppState;
use crate::views::{
    Chrome, FormErrors, PageError, PageResult, SelectOption, china_time, link, page_region, render, render_status, see_other, short_place,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/school/items", get(items))
        .route("/school/items/new", get(new_item_form).post(create_item))
        .route("/school/items/{id}", get(item).post(update_item))
        .route("/school/items/{id}/publish", post(publish_item))
        .route("/school/consultations", get(queue))
        .route("/school/consultations/{id}", get(consultation))
        .route("/school/consultations/{id}/assign", post(assign))
        .route("/school/consultations/{id}/answer", post(answer))
}

pub struct ItemRow {
    pub id: i64,
    pub title: String,
    pub kind: &'static str,
    pub topic: String,
    pub age: &'static str,
    pub status: &'static str,
    pub published: String,
    pub views: i64,
    pub by: String,
}

impl ItemRow {
    pub(super) fn new(i: &Item) -> ItemRow {
        ItemRow {
            id: i.id,
            title: i.title.clone(),
            kind: i.kind.label(),
            topic: i.topic.clone(),
            age: i.age_group.label(),
            status: i.status.label(),
            published: i.published_on.map(|d| d.to_string()).unwrap_or_default(),
            views: i.views,
            by: short_place(&i.region_name),
        }
    }
}

#[derive(Template)]
#[template(path = "education/items.html")]
struct ItemsPage {
    chrome: Chrome,
    region: String,
    kinds: Vec<SelectOption>,
    rows: Vec<ItemRow>,
    total: i64,
    next: String,
    can_write: bool,
}

#[derive(Deserialize)]
struct ItemsQuery {
    region: Option<String>,
    kind: Option<String>,
    after: Option<String>,
}

async fn items(State(state): State<AppState>, user: PageUser, Query(q): Query<ItemsQuery>) -> PageResult {
    let actor = &user.actor;
    let region = page_region(q.region.as_deref())?;
    let kind_text = q.kind.clone().unwrap_or_default();
    let kind = ItemKind::parse(&kind_text).ok();
    state.flush_school_views().await;
    let page =
        state.app.list_school_items(actor, region.as_ref(), &ItemFilter { kind, ..Default::default() }, q.after.as_deref(), 50).await?;
    let shown = region.or_else(|| actor.region.clone());
    let mut chrome = Chrome::new(&user, "/school/items");
    if let Some(r) = &shown {
        chrome = chrome.with_region(&state, actor, r, "/school/items").await;
    }
    let region = shown.map(|r| r.short().to_owned()).unwrap_or_default();
    let next =
        page.next.as_deref().map(|n| link("/school/items", &[("region", &region), ("kind", &kind_text), ("after", n)])).unwrap_or_default();
    Ok(render(&ItemsPage {
        chrome,
        kinds: ItemKind::ALL.iter().map(|k| SelectOption::new(k.code(), k.label(), kind.map(|k| k.code()).unwrap_or(""))).collect(),
        region,
        rows: page.items.iter().map(ItemRow::new).collect(),
        total: page.total,
        next,
        can_write: can_write(&user),
    }))
}

#[derive(Default, Deserialize)]
struct ItemForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    video_url: String,
    #[serde(default)]
    topic: String,
    #[serde(default)]
    age_group: String,
    #[serde(default)]
    publish: Option<String>,
}

impl ItemForm {
    fn input(&self) -> ItemInput {
        ItemInput {
            region: None,
            kind: self.kind.clone(),
            title: self.title.clone(),
            body: Some(self.body.clone()),
            video_url: Some(self.video_url.clone()),
            topic: self.topic.clone(),
            age_group: optional(&self.age_group),
            publish: self.publish.is_some(),
        }
    }
}

fn kinds(current: &str) -> Vec<SelectOption> {
    ItemKind::ALL.iter().map(|k| SelectOption::new(k.code(), k.label(), current)).collect()
}

fn ages(current: &str) -> Vec<SelectOption> {
    AgeGroup::ALL.iter().map(|a| SelectOption::new(a.code(), a.label(), current)).collect()
}

#[derive(Template)]
#[template(path = "education/item_new.html")]
struct NewItemPage {
    chrome: Chrome,
    f: ItemForm,
    kinds: Vec<SelectOption>,
    ages: Vec<SelectOption>,
    errors: FormErrors,
}

async fn new_item_form(user: PageUser) -> PageResult {
    require_write(&user)?;
    let f = ItemForm { kind: "article".into(), age_group: "all".into(), ..ItemForm::default() };
    Ok(render(&NewItemPage {
        chrome: Chrome::new(&user, "/school/items"),
        kinds: kinds(&f.kind),
        ages: ages(&f.age_group),
        f,
        errors: FormErrors::default(),
    }))
}

async fn create_item(State(state): State<AppState>, user: PageUser, Form(f): Form<ItemForm>) -> PageResult {
    user.check_csrf(&f.csrf)?;
    require_write(&user)?;
    let errors = match state.app.create_school_item(&user.actor, &f.input()).await {
        Ok(i) => return Ok(see_other(&format!("/school/items/{}?saved=1", i.id))),
        Err(AppError::Invalid(e)) => e,
        Err(e) => return Err(e.into()),
    };
    Ok(render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &NewItemPage {
            chrome: Chrome::new(&user, "/school/items"),
            kinds: kinds(&f.kind),
            ages: ages(&f.age_group),
            f,
            errors: FormErrors(errors),
        },
    ))
}

#[derive(Template)]
#[template(path = "education/item.html")]
struct ItemPage {
    chrome: Chrome,
    i: ItemRow,
    draft: bool,
    video: bool,
    body: String,
    video_url: String,
    can_write: bool,
    f: ItemForm,
    ages: Vec<SelectOption>,
    errors: FormErrors,
}

async fn item_page(state: &AppState, user: &PageUser, id: i64) -> Result<ItemPage, PageError> {
    state.flush_school_views().await;
    let i = state.app.school_item(&user.actor, id).await?;
    let chrome = Chrome::new(user, "/school/items").with_region(state, &user.actor, &i.region, "/school/items").await;
    let f = ItemForm {
        kind: i.kind.code().into(),
        title: i.title.clone(),
        body: i.body.clone(),
        video_url: i.video_url.clone(),
        topic: i.topic.clone(),
        age_group: i.age_group.code().into(),
        ..ItemForm::default()
    };
    Ok(ItemPage {
        chrome,
        draft: i.status == ItemStatus::Draft,
        video: i.kind == ItemKind::Video,
        body: i.body.clone(),
        video_url: i.video_url.clone(),
        i: ItemRow::new(&i),
        can_write: can_write(user),
        ages: ages(&f.age_group),
        f,
        errors: FormErrors::default(),
    })
}

async fn item(State(state): State<AppState>, user: PageUser, Path(id): Path<i64>, Query(q): Query<SavedQuery>) -> PageResult {
    let mut page = item_page(&state, &user, id).await?;
    if q.saved.is_some() {
        page.chrome = page.chrome.notice("已保存");
    }
    Ok(render(&page))
}

async fn update_item(State(state): State<AppState>, user: PageUser, Path(id): Path<i64>, Form(f): Form<ItemForm>) -> PageResult {
    user.check_csrf(&f.csrf)?;
    let errors = match state.app.update_school_item(&user.actor, id, &f.input()).await {
        Ok(_) => return Ok(see_other(&format!("/school/items/{id}?saved=1"))),
        Err(AppError::Invalid(e)) => e,
        Err(e) => return Err(e.into()),
    };
    let mut page = item_page(&state, &user, id).await?;
    page.ages = ages(&f.age_group);
    page.f = f;
    page.errors = FormErrors(errors);
    Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
}

#[derive(Deserialize)]
struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

async fn publish_item(State(state): State<AppState>, user: PageUser, Path(id): Path<i64>, Form(f): Form<CsrfForm>) -> PageResult {
    user.check_csrf(&f.csrf)?;
    state.app.publish_school_item(&user.actor, id).await?;
    Ok(see_other(&format!("/school/items/{id}?saved=1")))
}

// ---------------------------------------------------------------------------------------------
// Consultations
// ---------------------------------------------------------------------------------------------

pub struct ConsultationRow {
    pub id: i64,
    pub question: String,
    pub place: String,
    pub age: &'static str,
    pub asked: String,
    pub waited: String,
    pub status: &'static str,
    pub lecturer: String,
    pub answer: String,
    pub answered: String,
    pub rating: &'static str,
    pub open: bool,
}

impl ConsultationRow {
    fn new(q: &Consultation, now_ms: i64) -> ConsultationRow {
        ConsultationRow {
            id: q.id,
            question: q.question.clone(),
            place: short_place(&q.region_name),
            age: q.age_group.label(),
            asked: china_time(q.asked_at),
            waited: wait_words(q.waited_ms(now_ms)),
            status: q.status().label(),
            lecturer: q.lecturer_name.clone().unwrap_or_default(),
            answer: q.answer.clone(),
            answered: q.answered_at.map(china_time).unwrap_or_default(),
            rating: q.rating.map(|r| r.label()).unwrap_or(""),
            open: q.answered_at.is_none(),
        }
    }
}

#[derive(Template)]
#[template(path = "education/queue.html")]
struct QueuePage {
    chrome: Chrome,
    region: String,
    all: bool,
    rows: Vec<ConsultationRow>,
    total: i64,
    next: String,
}

#[derive(Deserialize)]
struct QueueQuery {
    region: Option<String>,
    status: Option<String>,
    after: Option<String>,
}

async fn queue(State(state): State<AppState>, user: PageUser, Query(q): Query<QueueQuery>) -> PageResult {
    let actor = &user.actor;
    let region = page_region(q.region.as_deref())?;
    let all = q.status.as_deref() == Some("all");
    let page = state.app.consultation_queue(actor, region.as_ref(), !all, q.after.as_deref(), 50).await?;
    let shown = region.or_else(|| actor.region.clone());
    let mut chrome = Chrome::new(&user, "/school/consultations");
    if let Some(r) = &shown {
        chrome = chrome.with_region(&state, actor, r, "/school/consultations").await;
    }
    let region = shown.map(|r| r.short().to_owned()).unwrap_or_default();
    let status = if all { "all" } else { "" };
    let next = page
        .next
        .as_deref()
        .map(|n| link("/school/consultations", &[("region", &region), ("status", status), ("after", n)]))
        .unwrap_or_default();
    let now = state.app.now_ms();
    Ok(render(&QueuePage {
        chrome,
        region,
        all,
        rows: page.items.iter().map(|c| ConsultationRow::new(c, now)).collect(),
        total: page.total,
        next,
    }))
}

#[derive(Template)]
#[template(path = "education/consultation.html")]
struct ConsultationPage {
    chrome: Chrome,
    c: ConsultationRow,
    assigned: bool,
    lecturers: Vec<SelectOption>,
    can_write: bool,
    answer_text: String,
    errors: FormErrors,
}

async fn consultation_page(state: &AppState, user: &PageUser, id: i64) -> Result<ConsultationPage, PageError> {
    let q = state.app.consultation(&user.actor, id).await?;
    let chrome = Chrome::new(user, "/school/consultations").with_region(state, &user.actor, &q.region, "/school/consultations").await;
    let lecturers =
        if q.answered_at.is_none() && can_write(user) { state.app.lecturers_for(&user.actor, &q.region).await? } else { Vec::new() };
    let current = q.lecturer.map(|l| l.to_string()).unwrap_or_default();
    Ok(ConsultationPage {
        chrome,
        assigned: q.lecturer.is_some(),
        lecturers: lecturers
            .iter()
            .map(|l| SelectOption::new(l.id.to_string(), format!("{}（{}）", l.name, l.speciality), &current))
            .collect(),
        c: ConsultationRow::new(&q, state.app.now_ms()),
        can_write: can_write(user),
        answer_text: String::new(),
        errors: FormErrors::default(),
    })
}

async fn consultation(State(state): State<AppState>, user: PageUser, Path(id): Path<i64>, Query(q): Query<SavedQuery>) -> PageResult {
    let mut page = consultation_page(&state, &user, id).await?;
    if q.saved.is_some() {
        page.chrome = page.chrome.notice("已保存");
    }
    Ok(render(&page))
}

#[derive(Deserialize)]
struct AssignForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    lecturer: String,
}

async fn assign(State(state): State<AppState>, user: PageUser, Path(id): Path<i64>, Form(f): Form<AssignForm>) -> PageResult {
    user.check_csrf(&f.csrf)?;
    let (status, errors) = match state.app.assign_consultation(&user.actor, id, &f.lecturer).await {
        Ok(_) => return Ok(see_other(&format!("/school/consultations/{id}?saved=1"))),
        Err(AppError::Invalid(e)) => (StatusCode::UNPROCESSABLE_ENTITY, e),
        Err(AppError::Conflict(m)) => (StatusCode::CONFLICT, jinguo_domain::Invalid::field("lecturer", m)),
        Err(e) => return Err(e.into()),
    };
    let mut page = consultation_page(&state, &user, id).await?;
    page.errors = FormErrors(errors);
    Ok(render_status(status, &page))
}

#[derive(Deserialize)]
struct AnswerForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    answer: String,
}

async fn answer(State(state): State<AppState>, user: PageUser, Path(id): Path<i64>, Form(f): Form<AnswerForm>) -> PageResult {
    user.check_csrf(&f.csrf)?;
    let (status, errors) = match state.app.answer_consultation(&user.actor, id, &f.answer).await {
        Ok(_) => return Ok(see_other(&format!("/school/consultations/{id}?saved=1"))),
        Err(AppError::Invalid(e)) => (StatusCode::UNPROCESSABLE_ENTITY, e),
        Err(AppError::Conflict(m)) => (StatusCode::CONFLICT, jinguo_domain::Invalid::field("answer", m)),
        Err(e) => return Err(e.into()),
    };
    let mut page = consultation_page(&state, &user, id).await?;
    page.answer_text = f.answer;
    page.errors = FormErrors(errors);
    Ok(render_status(status, &page))
}
