//! Families: the list by village (with the ranking when the city turns it on), registering a
//! family, and the family's page with its forms.

use crate::views::SavedQuery;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use axum::{Form, Router};
use jinguo_app::family::families::{FamilyInput, MemberInput};
use jinguo_app::family::points::EntryInput;
use jinguo_app::family::store::RedeemInput;
use jinguo_domain::access::Permission;
use jinguo_domain::family::{MottoStatus, Relation};
use jinguo_domain::{Level, RegionCode};
use serde::Deserialize;

use super::refusal;
use crate::auth::PageUser;
use crate::state::AppState;
use crate::views::{
    Chrome, PageError, PageResult, SelectOption, china_time, link, page_region, render, render_status, see_other, short_place,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/families", get(list))
        .route("/families/new", get(new_form).post(create))
        .route("/families/{id}", get(page))
        .route("/families/{id}/members", post(add_member))
        .route("/families/{id}/members/{member}/remove", post(remove_member))
        .route("/families/{id}/points", post(add_points))
        .route("/families/{id}/redemptions", post(redeem))
        .route("/families/{id}/mottos", post(add_motto))
        .route("/redemptions/{id}/fulfil", post(fulfil))
        .route("/redemptions/{id}/cancel", post(cancel))
        .route("/mottos", get(mottos))
        .route("/mottos/{id}/review", post(review))
}

pub struct FamilyRow {
    pub id: i64,
    pub name: String,
    pub village: String,
    pub head: String,
    pub members: i64,
    pub balance: i64,
}

impl FamilyRow {
    fn new(f: &jinguo_store::family::families::Family) -> FamilyRow {
        FamilyRow {
            id: f.id,
            name: f.name.clone(),
            village: short_place(&f.region_name),
            head: f.head_name.clone(),
            members: f.members,
            balance: f.balance,
        }
    }
}

#[derive(Template)]
#[template(path = "family/families.html")]
struct ListPage {
    chrome: Chrome,
    region: String,
    q: String,
    rows: Vec<FamilyRow>,
    total: i64,
    next: String,
    can_write: bool,
    ranking: Vec<FamilyRow>,
}

#[derive(Deserialize)]
struct ListQuery {
    region: Option<String>,
    q: Option<String>,
    after: Option<String>,
}

async fn list(State(state): State<AppState>, user: PageUser, Query(q): Query<ListQuery>) -> PageResult {
    let actor = &user.actor;
    let region = page_region(q.region.as_deref())?;
    let text = q.q.clone().unwrap_or_default();
    let page = state.app.list_families(actor, region.as_ref(), Some(&text), q.after.as_deref(), 50).await?;
    let shown = region.or_else(|| actor.region.clone());
    let mut chrome = Chrome::new(&user, "/families");
    let mut ranking = Vec::new();
    if let Some(r) = &shown {
        chrome = chrome.with_region(&state, actor, r, "/families").await;
        if r.level() == Level::Village {
            ranking = state.app.family_ranking(actor, r).await?.iter().map(FamilyRow::new).collect();
        }
    }
    let region = shown.map(|r| r.short().to_owned()).unwrap_or_default();
    let next = page.next.as_deref().map(|n| link("/families", &[("region", &region), ("q", &text), ("after", n)])).unwrap_or_default();
    Ok(render(&ListPage {
        chrome,
        region,
        q: text,
        rows: page.items.iter().map(FamilyRow::new).collect(),
        total: page.total,
        next,
        can_write: actor.can(Permission::WritePeople),
        ranking,
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
}

#[derive(Template)]
#[template(path = "family/family_new.html")]
struct NewPage {
    chrome: Chrome,
    f: NewForm,
    error: String,
}

async fn new_form(user: PageUser) -> PageResult {
    let region = user.actor.region.as_ref().filter(|r| r.level() == Level::Village).map(|r| r.short().to_owned()).unwrap_or_default();
    Ok(render(&NewPage { chrome: Chrome::new(&user, "/families"), f: NewForm { region, ..NewForm::default() }, error: String::new() }))
}

async fn create(State(state): State<AppState>, user: PageUser, Form(f): Form<NewForm>) -> PageResult {
    user.check_csrf(&f.csrf)?;
    let input = FamilyInput { region: f.region.clone(), name: f.name.clone(), members: Vec::new() };
    let (status, error) = match state.app.create_family(&user.actor, &input).await {
        Ok(fam) => return Ok(see_other(&format!("/families/{}?saved=1", fam.id))),
        Err(e) => refusal(e)?,
    };
    Ok(render_status(status, &NewPage { chrome: Chrome::new(&user, "/families"), f, error }))
}

pub struct MemberRow {
    pub id: i64,
    pub name: String,
    pub relation: &'static str,
    pub joined: String,
    pub left: String,
}

pub struct EntryRow {
    pub day: String,
    pub kind: &'static str,
    pub points: i64,
    pub reason: String,
}

pub struct RedemptionRow {
    pub id: i64,
    pub item: String,
    pub quantity: i64,
    pub points: i64,
    pub status: &'static str,
    pub reserved: bool,
    pub at: String,
}

pub struct MottoRow {
    pub id: i64,
    pub family: i64,
    pub family_name: String,
    pub village: String,
    pub body: String,
    pub status: &'static str,
    pub note: String,
}

pub struct HonourRow {
    pub year: i64,
    pub title: String,
    pub kind: String,
    pub level: String,
}

#[derive(Template)]
#[template(path = "family/family.html")]
struct FamilyPage {
    chrome: Chrome,
    id: i64,
    name: String,
    village: String,
    region: String,
    head: String,
    balance: i64,
    members: Vec<MemberRow>,
    entries: Vec<EntryRow>,
    redemptions: Vec<RedemptionRow>,
    mottos: Vec<MottoRow>,
    honours: Vec<HonourRow>,
    can_write: bool,
    relations: Vec<SelectOption>,
    rules: Vec<SelectOption>,
    items: Vec<SelectOption>,
    /// A fresh key for the redemption form: a resubmitted form never redeems twice.
    key: String,
    /// Which form the message is for: member | points | redeem | motto | row.
    error_for: &'static str,
    error: String,
}

async fn family_page(state: &AppState, user: &PageUser, id: i64) -> Result<FamilyPage, PageError> {
    let actor = &user.actor;
    let d = state.app.family_detail(actor, id).await?;
    let chrome = Chrome::new(user, "/families").with_region(state, actor, &d.family.region, "/families").await;
    let rules = state.app.points_rules_for(&d.family.region).await?;
    let items = state.app.store_items_for_family(actor, id).await?;
    Ok(FamilyPage {
        chrome,
        id,
        name: d.family.name.clone(),
        village: short_place(&d.family.region_name),
        region: d.family.region.short().to_owned(),
        head: d.family.head_name.clone(),
        balance: d.family.balance,
        members: d
            .members
            .iter()
            .map(|m| MemberRow {
                id: m.id,
                name: m.person_name.clone(),
                relation: m.relation.label(),
                joined: m.joined_on.to_string(),
                left: m.left_on.map(|d| d.to_string()).unwrap_or_default(),
            })
            .collect(),
        entries: d
            .entries
            .iter()
            .map(|e| EntryRow { day: e.entry_day.to_string(), kind: e.kind.label(), points: e.points, reason: e.reason.clone() })
            .collect(),
        redemptions: d
            .redemptions
            .iter()
            .map(|r| RedemptionRow {
                id: r.id,
                item: r.item_name.clone(),
                quantity: r.quantity,
                points: r.points,
                status: r.status.label(),
                reserved: r.status == jinguo_domain::family::RedemptionStatus::Reserved,
                at: china_time(r.created_at),
            })
            .collect(),
        mottos: d.mottos.iter().map(motto_row).collect(),
        honours: d
            .honours
            .iter()
            .map(|h| HonourRow { year: h.year, title: h.title.clone(), kind: h.kind.clone(), level: h.level.clone() })
            .collect(),
        can_write: actor.can(Permission::WritePeople),
        relations: Relation::ALL.into_iter().map(|r| SelectOption::new(r.code(), r.label(), "other")).collect(),
        rules: rules
            .iter()
            .filter(|r| r.kind == "deduct")
            .map(|r| SelectOption::new(r.id.to_string(), format!("{}（扣 {} 分）", r.name, r.points), ""))
            .collect(),
        items: items
            .iter()
            .map(|i| {
                SelectOption::new(
                    i.id.to_string(),
                    format!("{}（{} 分，库存 {}，{}）", i.name, i.price, i.stock, short_place(&i.region_name)),
                    "",
                )
            })
            .collect(),
        key: format!("page-{}", jinguo_store::ids::next_id()),
        error_for: "",
        error: String::new(),
    })
}

fn motto_row(m: &jinguo_store::family::mottos::Motto) -> MottoRow {
    MottoRow {
        id: m.id,
        family: m.family,
        family_name: m.family_name.clone(),
        village: short_place(&m.region_name),
        body: m.body.clone(),
        status: m.status.label(),
        note: m.review_note.clone(),
    }
}

async fn page(State(state): State<AppState>, user: PageUser, Path(id): Path<i64>, Query(q): Query<SavedQuery>) -> PageResult {
    let mut p = family_page(&state, &user, id).await?;
    if q.saved.is_some() {
        p.chrome = p.chrome.notice("已保存");
    }
    Ok(render(&p))
}

async fn again(state: &AppState, user: &PageUser, id: i64, which: &'static str, e: jinguo_app::AppError) -> PageResult {
    let (status, error) = refusal(e)?;
    let mut p = family_page(state, user, id).await?;
    p.error_for = which;
    p.error = error;
    Ok(render_status(status, &p))
}

#[derive(Default, Deserialize)]
struct MemberForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    id_number: String,
    #[serde(default)]
    relation: String,
}

async fn add_member(State(state): State<AppState>, user: PageUser, Path(id): Path<i64>, Form(f): Form<MemberForm>) -> PageResult {
    user.check_csrf(&f.csrf)?;
    let idn = f.id_number.trim();
    let found = if idn.is_empty() {
        None
    } else {
        state.app.list_people(&user.actor, None, None, Some(idn), None, 2).await?.items.into_iter().next()
    };
    let Some(p) = found else {
        let msg = if idn.is_empty() {
            "请填写成员的身份证号码"
        } else {
            "您的管辖范围内没有登记该身份证号码的人员，请先在“妇女信息”中登记"
        };
        return again(&state, &user, id, "member", jinguo_app::AppError::invalid("id_number", msg)).await;
    };
    match state.app.add_family_member(&user.actor, id, &MemberInput { person: p.id.to_string(), relation: f.relation.clone() }).await {
        Ok(_) => Ok(see_other(&format!("/families/{id}?saved=1"))),
        Err(e) => again(&state, &user, id, "member", e).await,
    }
}

#[derive(Deserialize)]
struct CsrfForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    decision: String,
}

async fn remove_member(
    State(state): State<AppState>,
    user: PageUser,
    Path((id, member)): Path<(i64, i64)>,
    Form(f): Form<CsrfForm>,
) -> PageResult {
    user.check_csrf(&f.csrf)?;
    match state.app.remove_family_member(&user.actor, id, member).await {
        Ok(_) => Ok(see_other(&format!("/families/{id}?saved=1"))),
        Err(e) => again(&state, &user, id, "row", e).await,
    }
}

#[derive(Default, Deserialize)]
struct PointsForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    points: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    rule: String,
}

async fn add_points(State(state): State<AppState>, user: PageUser, Path(id): Path<i64>, Form(f): Form<PointsForm>) -> PageResult {
    user.check_csrf(&f.csrf)?;
    let input = EntryInput {
        family: id.to_string(),
        points: f.points.clone(),
        kind: f.kind.clone(),
        reason: f.reason.clone(),
        rule: Some(f.rule.clone()).filter(|s| !s.trim().is_empty()),
        entry_day: None,
    };
    match state.app.record_points(&user.actor, &input).await {
        Ok(_) => Ok(see_other(&format!("/families/{id}?saved=1"))),
        Err(e) => again(&state, &user, id, "points", e).await,
    }
}

#[derive(Default, Deserialize)]
struct RedeemForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    item: String,
    #[serde(default)]
    quantity: String,
    #[serde(default)]
    key: String,
}

async fn redeem(State(state): State<AppState>, user: PageUser, Path(id): Path<i64>, Form(f): Form<RedeemForm>) -> PageResult {
    user.check_csrf(&f.csrf)?;
    let input = RedeemInput { family: id.to_string(), item: f.item.clone(), quantity: f.quantity.clone(), idempotency_key: f.key.clone() };
    match state.app.redeem(&user.actor, &input).await {
        Ok(_) => Ok(see_other(&format!("/families/{id}?saved=1"))),
        Err(e) => again(&state, &user, id, "redeem", e).await,
    }
}

async fn fulfil(State(state): State<AppState>, user: PageUser, Path(id): Path<i64>, Form(f): Form<CsrfForm>) -> PageResult {
    user.check_csrf(&f.csrf)?;
    let r = state.app.fulfil_redemption(&user.actor, id).await?;
    Ok(see_other(&format!("/families/{}?saved=1", r.family)))
}

async fn cancel(State(state): State<AppState>, user: PageUser, Path(id): Path<i64>, Form(f): Form<CsrfForm>) -> PageResult {
    user.check_csrf(&f.csrf)?;
    let r = state.app.redemption(&user.actor, id).await?;
    match state.app.cancel_redemption(&user.actor, id, &f.reason).await {
        Ok(r) => Ok(see_other(&format!("/families/{}?saved=1", r.family))),
        Err(e) => again(&state, &user, r.family, "row", e).await,
    }
}

#[derive(Default, Deserialize)]
struct MottoForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    body: String,
}

async fn add_motto(State(state): State<AppState>, user: PageUser, Path(id): Path<i64>, Form(f): Form<MottoForm>) -> PageResult {
    user.check_csrf(&f.csrf)?;
    match state.app.submit_motto(&user.actor, id, &f.body).await {
        Ok(_) => Ok(see_other(&format!("/families/{id}?saved=1"))),
        Err(e) => again(&state, &user, id, "motto", e).await,
    }
}

#[derive(Template)]
#[template(path = "family/mottos.html")]
struct MottosPage {
    chrome: Chrome,
    rows: Vec<MottoRow>,
    can_write: bool,
    error: String,
    region: String,
}

async fn mottos_page(state: &AppState, user: &PageUser) -> Result<MottosPage, PageError> {
    let rows = state.app.list_mottos(&user.actor, Some(MottoStatus::Pending)).await?;
    let region = user.actor.region.as_ref().or(state.app.config.city.as_ref()).map(RegionCode::short).unwrap_or("").to_owned();
    Ok(MottosPage {
        chrome: Chrome::new(user, "/mottos"),
        rows: rows.iter().map(motto_row).collect(),
        can_write: user.actor.can(Permission::WritePeople),
        error: String::new(),
        region,
    })
}

async fn mottos(State(state): State<AppState>, user: PageUser, Query(q): Query<SavedQuery>) -> PageResult {
    let mut p = mottos_page(&state, &user).await?;
    if q.saved.is_some() {
        p.chrome = p.chrome.notice("已保存");
    }
    Ok(render(&p))
}

async fn review(State(state): State<AppState>, user: PageUser, Path(id): Path<i64>, Form(f): Form<CsrfForm>) -> PageResult {
    user.check_csrf(&f.csrf)?;
    let note = Some(f.note.as_str());
    match state.app.review_motto(&user.actor, id, f.decision == "approve", note).await {
        Ok(_) => Ok(see_other("/mottos?saved=1")),
        Err(e) => {
            let (status, error) = refusal(e)?;
            let mut p = mottos_page(&state, &user).await?;
            p.error = error;
            Ok(render_status(status, &p))
        }
    }
}
