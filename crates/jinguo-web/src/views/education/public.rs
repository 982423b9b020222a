//! The parent school's public pages (线上家长学校), phone-first and without JavaScript: the list
//! of published articles and videos (by kind and age group, newest first) and one item to read.
//! No account is needed to read; a read counts one view in the in-memory buffer, never a write.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::routing::get;
use axum::Router;
use jinguo_app::school::ItemFilter;
use jinguo_domain::education::{AgeGroup, ItemKind};
use serde::Deserialize;

use super::school::ItemRow;
use crate::state::AppState;
use crate::views::{PageResult, SelectOption, link, render};

pub fn router() -> Router<AppState> {
    Router::new().route("/public/school", get(list)).route("/public/school/{id}", get(read))
}

#[derive(Template)]
#[template(path = "education/public_list.html")]
struct ListPage {
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

async fn list(State(state): State<AppState>, Query(q): Query<ListQuery>) -> PageResult {
    let kind_text = q.kind.clone().unwrap_or_default();
    let age_text = q.age.clone().unwrap_or_default();
    let filter = ItemFilter { kind: ItemKind::parse(&kind_text).ok(), age_group: AgeGroup::parse(&age_text).ok(), status: None };
    let page = state.app.public_school_items(&filter, q.after.as_deref(), 20).await?;
    let kind = filter.kind.map(|k| k.code()).unwrap_or("");
    let age = filter.age_group.map(|a| a.code()).unwrap_or("");
    let next = page.next.as_deref().map(|n| link("/public/school", &[("kind", kind), ("age", age), ("after", n)])).unwrap_or_default();
    Ok(render(&ListPage {
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
    i: ItemRow,
    video: bool,
    video_url: String,
    paragraphs: Vec<String>,
}

async fn read(State(state): State<AppState>, Path(id): Path<i64>) -> PageResult {
    let item = state.app.public_school_item(id).await?;
    state.school_views.record(&item);
    Ok(render(&ItemPage {
        video: item.kind == ItemKind::Video,
        video_url: item.video_url.clone(),
        paragraphs: item.body.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect(),
        i: ItemRow::new(&item),
    }))
}
