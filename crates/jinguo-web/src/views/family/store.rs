//! The goods store's pages: items in scope, putting one on the shelf, and an item's page with
//! restocking, stocktakes and its redemptions.

use crate::views::SavedQuery;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use axum::{Form, Router};
use jinguo_app::family::store::ItemInput;
use jinguo_domain::access::Permission;
use serde::Deserialize;

use super::refusal;
use crate::auth::PageUser;
use crate::state::AppState;
use crate::views::{Chrome, PageError, PageResult, china_time, link, page_region, render, render_status, see_other, short_place};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/store/items", get(list))
        .route("/store/items/new", get(new_form).post(create))
        .route("/store/items/{id}", get(page))
        .route("/store/items/{id}/restock", post(restock))
        .route("/store/items/{id}/stocktakes", post(stocktake))
}

pub struct ItemRow {
    pub id: i64,
    pub name: String,
    pub place: String,
    pub price: i64,
    pub stock: i64,
    pub reserved: i64,
}

impl ItemRow {
    fn new(i: &jinguo_store::family::store::Item) -> ItemRow {
        ItemRow { id: i.id, name: i.name.clone(), place: short_place(&i.region_name), price: i.price, stock: i.stock, reserved: i.reserved }
    }
}

#[derive(Template)]
#[template(path = "family/items.html")]
struct ListPage {
    chrome: Chrome,
    rows: Vec<ItemRow>,
    total: i64,
    next: String,
    can_write: bool,
}

#[derive(Deserialize)]
struct ListQuery {
    region: Option<String>,
    after: Option<String>,
}

async fn list(State(state): State<AppState>, user: PageUser, Query(q): Query<ListQuery>) -> PageResult {
    let actor = &user.actor;
    let region = page_region(q.region.as_deref())?;
    let page = state.app.list_store_items(actor, region.as_ref(), q.after.as_deref(), 50).await?;
    let shown = region.or_else(|| actor.region.clone());
    let mut chrome = Chrome::new(&user, "/store/items");
    if let Some(r) = &shown {
        chrome = chrome.with_region(&state, actor, r, "/store/items").await;
    }
    let region = shown.map(|r| r.short().to_owned()).unwrap_or_default();
    let next = page.next.as_deref().map(|n| link("/store/items", &[("region", &region), ("after", n)])).unwrap_or_default();
    Ok(render(&ListPage {
        chrome,
        rows: page.items.iter().map(ItemRow::new).collect(),
        total: page.total,
        next,
        can_write: actor.can(Permission::WritePeople),
    }))
}

#[derive(Default, Deserialize)]
struct NewForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    stock: String,
    #[serde(default)]
    price: String,
}

#[derive(Template)]
#[template(path = "family/item_new.html")]
struct NewPage {
    chrome: Chrome,
    f: NewForm,
    error: String,
}

async fn new_form(user: PageUser) -> PageResult {
    let region = user.actor.region.as_ref().map(|r| r.short().to_owned()).unwrap_or_default();
    Ok(render(&NewPage { chrome: Chrome::new(&user, "/store/items"), f: NewForm { region, ..NewForm::default() }, error: String::new() }))
}

async fn create(State(state): State<AppState>, user: PageUser, Form(f): Form<NewForm>) -> PageResult {
    user.check_csrf(&f.csrf)?;
    let input = ItemInput { region: f.region.clone(), name: f.name.clone(), stock: f.stock.clone(), price: f.price.clone() };
    let (status, error) = match state.app.create_store_item(&user.actor, &input).await {
        Ok(i) => return Ok(see_other(&format!("/store/items/{}?saved=1", i.id))),
        Err(e) => refusal(e)?,
    };
    Ok(render_status(status, &NewPage { chrome: Chrome::new(&user, "/store/items"), f, error }))
}

pub struct StocktakeRow {
    pub at: String,
    pub counted: i64,
    pub expected: i64,
    pub difference: i64,
    pub reason: String,
}

pub struct RedemptionRow {
    pub family: i64,
    pub family_name: String,
    pub quantity: i64,
    pub points: i64,
    pub status: &'static str,
    pub at: String,
}

#[derive(Template)]
#[template(path = "family/item.html")]
struct ItemPage {
    chrome: Chrome,
    i: ItemRow,
    region: String,
    sums: [i64; 5],
    stocktakes: Vec<StocktakeRow>,
    redemptions: Vec<RedemptionRow>,
    can_write: bool,
    error_for: &'static str,
    error: String,
}

async fn item_page(state: &AppState, user: &PageUser, id: i64) -> Result<ItemPage, PageError> {
    let d = state.app.store_item_detail(&user.actor, id).await?;
    let chrome = Chrome::new(user, "/store/items").with_region(state, &user.actor, &d.item.region, "/store/items").await;
    Ok(ItemPage {
        chrome,
        i: ItemRow::new(&d.item),
        region: d.item.region.short().to_owned(),
        sums: d.sums,
        stocktakes: d
            .stocktakes
            .iter()
            .map(|s| StocktakeRow {
                at: china_time(s.created_at),
                counted: s.counted,
                expected: s.expected,
                difference: s.difference,
                reason: s.reason.clone(),
            })
            .collect(),
        redemptions: d
            .redemptions
            .iter()
            .map(|r| RedemptionRow {
                family: r.family,
                family_name: r.family_name.clone(),
                quantity: r.quantity,
                points: r.points,
                status: r.status.label(),
                at: china_time(r.created_at),
            })
            .collect(),
        can_write: user.actor.can(Permission::WritePeople),
        error_for: "",
        error: String::new(),
    })
}

async fn page(State(state): State<AppState>, user: PageUser, Path(id): Path<i64>, Query(q): Query<SavedQuery>) -> PageResult {
    let mut p = item_page(&state, &user, id).await?;
    if q.saved.is_some() {
        p.chrome = p.chrome.notice("已保存");
    }
    Ok(render(&p))
}

#[derive(Default, Deserialize)]
struct CountForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    quantity: String,
    #[serde(default)]
    counted: String,
    #[serde(default)]
    reason: String,
}

async fn again(state: &AppState, user: &PageUser, id: i64, which: &'static str, e: jinguo_app::AppError) -> PageResult {
    let (status, error) = refusal(e)?;
    let mut p = item_page(state, user, id).await?;
    p.error_for = which;
    p.error = error;
    Ok(render_status(status, &p))
}

async fn restock(State(state): State<AppState>, user: PageUser, Path(id): Path<i64>, Form(f): Form<CountForm>) -> PageResult {
    user.check_csrf(&f.csrf)?;
    match state.app.restock_item(&user.actor, id, &f.quantity, Some(&f.reason)).await {
        Ok(_) => Ok(see_other(&format!("/store/items/{id}?saved=1"))),
        Err(e) => again(&state, &user, id, "restock", e).await,
    }
}

async fn stocktake(State(state): State<AppState>, user: PageUser, Path(id): Path<i64>, Form(f): Form<CountForm>) -> PageResult {
    user.check_csrf(&f.csrf)?;
    match state.app.stocktake(&user.actor, id, &f.counted, Some(&f.reason)).await {
        Ok(_) => Ok(see_other(&format!("/store/items/{id}?saved=1"))),
        Err(e) => again(&state, &user, id, "stocktake", e).await,
    }
}
