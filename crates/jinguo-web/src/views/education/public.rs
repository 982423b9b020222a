//! The parent school's public pages (线上家长学校), phone-first and without JavaScript: the list
//! of published articles and videos (by kind and age group, newest first) and one item to read,
//! for anyone; asking an expert, her own consultations and rating an answer, for a logged-in
//! member of the public. A read counts one view in the in-memory buffer, never a write.

use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use jinguo_app::AppError;
use jinguo_app::school::ItemFilter;
use jinguo_app::school::consultations::AskInput;
use jinguo_domain::education::{AgeGroup, ItemKind, Rating};
use jinguo_domain::{Invalid, Level};
use jinguo_store::education::consultations::Consultation;
use serde::Deserialize;

use super::school::ItemRow;
use crate::public::{MaybePublicUser, PublicChrome, PublicUser};
use crate::state::AppState;
use crate::views::{FormErrors, PageResult, SelectOption, china_time, link, render, render_status, see_other, short_place};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/public/school", get(list))
        .route("/public/school/ask", get(ask_form).post(ask))
        .route("/public/school/mine", get(mine))
        .route("/public/school/mine/{id}", get(my_one))
        .route("/public/school/mine/{id}/rate", post(rate))
        .route("/public/school/{id}", get(read))
}

#[derive(Template)]
#[template(path = "education/public_list.html")]
struct ListPage {
    chrome: PublicChrome,
    kinds: Vec<SelectOption>,
    ages: Vec<SelectOption>,
    rows: Vec<ItemRow>,
    total: i64,
    next: String,
}

#[derive(Deserialize)]
struct ListQuery {
    kind: Option<String>,
    age: Option<String>,
    after: Option<String>,
}

async fn list(State(state): State<AppState>, visitor: MaybePublicUser, Query(q): Query<ListQuery>) -> PageResult {
    let kind_text = q.kind.clone().unwrap_or_default();
    let age_text = q.age.clone().unwrap_or_default();
    let filter = ItemFilter { kind: ItemKind::parse(&kind_text).ok(), age_group: AgeGroup::parse(&age_text).ok(), status: None };
    let page = state.app.public_school_items(&filter, q.after.as_deref(), 20).await?;
    let kind = filter.kind.map(|k| k.code()).unwrap_or("");
    let age = filter.age_group.map(|a| a.code()).unwrap_or("");
    let next = page.next.as_deref().map(|n| link("/public/school", &[("kind", kind), ("age", age), ("after", n)])).unwrap_or_default();
    Ok(render(&ListPage {
        chrome: visitor.chrome("/public/school"),
        kinds: ItemKind::ALL.iter().map(|k| SelectOption::new(k.code(), k.label(), kind)).collect(),
        ages: AgeGroup::ALL.iter().map(|a| SelectOption::new(a.code(), a.label(), age)).collect(),
        rows: page.items.iter().map(ItemRow::new).collect(),
        total: page.total,
        next,
    }))
}

#[derive(Template)]
#[template(path = "education/public_item.html")]
struct ItemPage {
    chrome: PublicChrome,
    i: ItemRow,
    video: bool,
    video_url: String,
    paragraphs: Vec<String>,
}

async fn read(State(state): State<AppState>, visitor: MaybePublicUser, Path(id): Path<i64>) -> PageResult {
    let item = state.app.public_school_item(id).await?;
    state.school_views.record(&item);
    Ok(render(&ItemPage {
        chrome: visitor.chrome(&format!("/public/school/{id}")),
        video: item.kind == ItemKind::Video,
        video_url: item.video_url.clone(),
        paragraphs: item.body.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect(),
        i: ItemRow::new(&item),
    }))
}

// ---------------------------------------------------------------------------------------------
// Asking and rating (a public account)
// ---------------------------------------------------------------------------------------------

#[derive(Default, Deserialize)]
struct AskForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    age_group: String,
    #[serde(default)]
    question: String,
}

#[derive(Template)]
#[template(path = "education/public_ask.html")]
struct AskPage {
    chrome: PublicChrome,
    f: AskForm,
    places: Vec<SelectOption>,
    ages: Vec<SelectOption>,
    errors: FormErrors,
}

/// The counties of the city (and their towns), where a parent says she lives.
async fn places(state: &AppState, current: &str) -> Result<Vec<SelectOption>, AppError> {
    let Some(city) = state.app.config.city.clone() else { return Ok(Vec::new()) };
    let mut out = Vec::new();
    for county in state.app.region_children(Some(&city)).await?.into_iter().filter(|r| r.level == Level::County) {
        out.push(SelectOption::new(county.code.short(), county.name.clone(), current));
        for town in state.app.region_children(Some(&county.code)).await? {
            out.push(SelectOption::new(town.code.short(), format!("{} · {}", county.name, town.name), current));
        }
    }
    Ok(out)
}

async fn ask_page(state: &AppState, user: &PublicUser, f: AskForm, errors: FormErrors) -> Result<AskPage, AppError> {
    Ok(AskPage {
        chrome: user.chrome(),
        places: places(state, &f.region).await?,
        ages: AgeGroup::ALL.iter().map(|a| SelectOption::new(a.code(), a.label(), &f.age_group)).collect(),
        f,
        errors,
    })
}

async fn ask_form(State(state): State<AppState>, user: PublicUser) -> PageResult {
    let f = AskForm { age_group: "all".into(), ..AskForm::default() };
    Ok(render(&ask_page(&state, &user, f, FormErrors::default()).await?))
}

async fn ask(State(state): State<AppState>, user: PublicUser, Form(f): Form<AskForm>) -> PageResult {
    user.check_csrf(&f.csrf)?;
    let input = AskInput { region: f.region.clone(), age_group: Some(f.age_group.clone()), question: f.question.clone() };
    let (status, errors) = match state.app.ask_consultation(&user.account, &input).await {
        Ok(q) => return Ok(see_other(&format!("/public/school/mine/{}?asked=1", q.id))),
        Err(AppError::Invalid(e)) => (StatusCode::UNPROCESSABLE_ENTITY, e),
        Err(AppError::Conflict(m)) => (StatusCode::CONFLICT, Invalid::field("question", m)),
        Err(e) => return Err(e.into()),
    };
    Ok(render_status(status, &ask_page(&state, &user, f, FormErrors(errors)).await?))
}

pub struct MyRow {
    pub id: i64,
    pub question: String,
    pub place: String,
    pub asked: String,
    pub status: &'static str,
    pub answer: String,
    pub lecturer: String,
    pub answered: bool,
    pub rating: &'static str,
}

impl MyRow {
    fn new(q: &Consultation) -> MyRow {
        MyRow {
            id: q.id,
            question: q.question.clone(),
            place: short_place(&q.region_name),
            asked: china_time(q.asked_at),
            status: q.status().label(),
            answer: q.answer.clone(),
            lecturer: q.lecturer_name.clone().unwrap_or_default(),
            answered: q.answered_at.is_some(),
            rating: q.rating.map(|r| r.label()).unwrap_or(""),
        }
    }
}

#[derive(Template)]
#[template(path = "education/public_mine.html")]
struct MinePage {
    chrome: PublicChrome,
    rows: Vec<MyRow>,
}

async fn mine(State(state): State<AppState>, user: PublicUser) -> PageResult {
    let rows = state.app.my_consultations(user.account.id).await?.iter().map(MyRow::new).collect();
    Ok(render(&MinePage { chrome: user.chrome(), rows }))
}

#[derive(Template)]
#[template(path = "education/public_one.html")]
struct OnePage {
    chrome: PublicChrome,
    q: MyRow,
    ratings: Vec<SelectOption>,
    notice: &'static str,
    error: String,
}

#[derive(Deserialize)]
struct OneQuery {
    asked: Option<String>,
    rated: Option<String>,
}

fn ratings() -> Vec<SelectOption> {
    Rating::ALL.iter().map(|r| SelectOption::new(r.code(), r.label(), "")).collect()
}

async fn my_one(State(state): State<AppState>, user: PublicUser, Path(id): Path<i64>, Query(q): Query<OneQuery>) -> PageResult {
    let c = state.app.my_consultation(user.account.id, id).await?;
    let notice = if q.asked.is_some() {
        "已提交，专家解答后会显示在这里"
    } else if q.rated.is_some() {
        "感谢您的评价"
    } else {
        ""
    };
    Ok(render(&OnePage { chrome: user.chrome(), q: MyRow::new(&c), ratings: ratings(), notice, error: String::new() }))
}

#[derive(Deserialize)]
struct RateForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    rating: String,
}

async fn rate(State(state): State<AppState>, user: PublicUser, Path(id): Path<i64>, Form(f): Form<RateForm>) -> PageResult {
    user.check_csrf(&f.csrf)?;
    let (status, error) = match state.app.rate_consultation(&user.account, id, &f.rating).await {
        Ok(_) => return Ok(see_other(&format!("/public/school/mine/{id}?rated=1"))),
        Err(AppError::Invalid(e)) => (StatusCode::UNPROCESSABLE_ENTITY, e.summary()),
        Err(AppError::Conflict(m)) => (StatusCode::CONFLICT, m),
        Err(e) => return Err(e.into()),
    };
    let c = state.app.my_consultation(user.account.id, id).await?;
    Ok(render_status(status, &OnePage { chrome: user.chrome(), q: MyRow::new(&c), ratings: ratings(), notice: "", error }))
}
