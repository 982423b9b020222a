//! Families, family points and the goods store: `/api/v1/families`, `/api/v1/points/…`,
//! `/api/v1/store/items`, `/api/v1/mottos/…`. Members' names are masked (张*); reviewers see
//! none. Refusals that depend on the records answer 409 with their own code:
//! `insufficient_points`, `out_of_stock`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use jinguo_app::AppError;
use jinguo_app::family::families::{FamilyDetail, FamilyInput, MemberInput};
use jinguo_app::family::points::EntryInput;
use jinguo_app::family::store::{ItemInput, RedeemInput};
use jinguo_store::family::families::Family;
use jinguo_store::family::mottos::Motto;
use jinguo_store::family::points::Entry;
use jinguo_store::family::store::{Item, Redemption};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use super::dto::{self, List};
use super::{ApiJson, ApiQuery, parse_id, parse_region};
use crate::auth::ApiUser;
use crate::error::ApiError;
use crate::state::AppState;

/// A field that may come as a JSON number or string, as a string ("" when absent or null).
fn text(v: &Value, field: &str) -> String {
    match v.get(field) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

fn object(v: &Value) -> Result<(), ApiError> {
    if v.is_object() { Ok(()) } else { Err(ApiError(AppError::invalid("body", "请求体应为 JSON 对象"))) }
}

// ---------------------------------------------------------------------------------------------
// Families
// ---------------------------------------------------------------------------------------------

#[derive(Serialize, ToSchema)]
pub struct FamilyOut {
    pub id: String,
    pub region: String,
    pub region_name: String,
    pub name: String,
    pub head: Option<String>,
    /// Masked (张*); empty for roles that do not see identity.
    pub head_name: String,
    pub members: i64,
    /// Points on the family's ledger now.
    pub balance: i64,
}

impl From<Family> for FamilyOut {
    fn from(f: Family) -> FamilyOut {
        FamilyOut {
            id: f.id.to_string(),
            region: f.region.short().to_owned(),
            region_name: f.region_name,
            name: f.name,
            head: f.head.map(|h| h.to_string()),
            head_name: f.head_name,
            members: f.members,
            balance: f.balance,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct MemberOut {
    pub id: String,
    pub person: String,
    /// Masked (张*).
    pub person_name: String,
    pub relation: String,
    pub relation_label: String,
    pub joined_on: String,
    pub left_on: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct EntryOut {
    pub id: String,
    pub family: String,
    /// Signed: positive credits, negative debits.
    pub points: i64,
    /// earn | deduct | adjust | expire | redeem | refund
    pub kind: String,
    pub kind_label: String,
    pub reason: String,
    pub rule: Option<String>,
    pub activity: Option<String>,
    pub redemption: Option<String>,
    pub entry_day: String,
}

impl From<Entry> for EntryOut {
    fn from(e: Entry) -> EntryOut {
        EntryOut {
            id: e.id.to_string(),
            family: e.family.to_string(),
            points: e.points,
            kind: e.kind.code().to_owned(),
            kind_label: e.kind.label().to_owned(),
            reason: e.reason,
            rule: e.rule.map(|x| x.to_string()),
            activity: e.activity.map(|x| x.to_string()),
            redemption: e.redemption.map(|x| x.to_string()),
            entry_day: e.entry_day.to_string(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct RedemptionOut {
    pub id: String,
    pub family: String,
    pub item: String,
    pub item_name: String,
    pub region: String,
    pub quantity: i64,
    /// Points deducted for it.
    pub points: i64,
    /// reserved | fulfilled | cancelled
    pub status: String,
    pub status_label: String,
    pub idempotency_key: String,
}

impl From<Redemption> for RedemptionOut {
    fn from(d: Redemption) -> RedemptionOut {
        RedemptionOut {
            id: d.id.to_string(),
            family: d.family.to_string(),
            item: d.item.to_string(),
            item_name: d.item_name,
            region: d.region.short().to_owned(),
            quantity: d.quantity,
            points: d.points,
            status: d.status.code().to_owned(),
            status_label: d.status.label().to_owned(),
            idempotency_key: d.idempotency_key,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct MottoOut {
    pub id: String,
    pub family: String,
    pub family_name: String,
    pub region: String,
    pub body: String,
    /// pending | approved | rejected
    pub status: String,
    pub review_note: String,
}

impl From<Motto> for MottoOut {
    fn from(m: Motto) -> MottoOut {
        MottoOut {
            id: m.id.to_string(),
            family: m.family.to_string(),
            family_name: m.family_name,
            region: m.region.short().to_owned(),
            body: m.body,
            status: m.status.code().to_owned(),
            review_note: m.review_note,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct HonourOut {
    pub person: Option<String>,
    pub kind: String,
    pub level: String,
    pub year: i64,
    pub title: String,
}

#[derive(Serialize, ToSchema)]
pub struct FamilyDetailOut {
    #[serde(flatten)]
    pub family: FamilyOut,
    pub member_list: Vec<MemberOut>,
    /// The latest ledger entries, newest first.
    pub entries: Vec<EntryOut>,
    pub redemptions: Vec<RedemptionOut>,
    pub mottos: Vec<MottoOut>,
    /// 荣誉.
    pub honours: Vec<HonourOut>,
}

impl From<FamilyDetail> for FamilyDetailOut {
    fn from(d: FamilyDetail) -> FamilyDetailOut {
        FamilyDetailOut {
            family: d.family.into(),
            member_list: d
                .members
                .into_iter()
                .map(|m| MemberOut {
                    id: m.id.to_string(),
                    person: m.person.to_string(),
                    person_name: m.person_name,
                    relation: m.relation.code().to_owned(),
                    relation_label: m.relation.label().to_owned(),
                    joined_on: m.joined_on.to_string(),
                    left_on: m.left_on.map(|d| d.to_string()),
                })
                .collect(),
            entries: d.entries.into_iter().map(EntryOut::from).collect(),
            redemptions: d.redemptions.into_iter().map(RedemptionOut::from).collect(),
            mottos: d.mottos.into_iter().map(MottoOut::from).collect(),
            honours: d
                .honours
                .into_iter()
                .map(|h| HonourOut { person: h.person.map(|p| p.to_string()), kind: h.kind, level: h.level, year: h.year, title: h.title })
                .collect(),
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct NewFamily {
    /// A village (12 digits).
    region: String,
    name: String,
    /// Person ids (the first is the head), or `{"person", "relation"}` objects; may be empty.
    members: Vec<String>,
}

fn members_of(v: &Value) -> Result<Vec<MemberInput>, ApiError> {
    match v.get("members") {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|m| match m {
                Value::String(s) => Ok(MemberInput { person: s.clone(), relation: String::new() }),
                Value::Number(n) => Ok(MemberInput { person: n.to_string(), relation: String::new() }),
                Value::Object(_) => Ok(MemberInput { person: text(m, "person"), relation: text(m, "relation") }),
                _ => Err(ApiError(AppError::invalid("members", "家庭成员应为人员编号"))),
            })
            .collect(),
        Some(_) => Err(ApiError(AppError::invalid("members", "members 应为人员编号的数组"))),
    }
}

/// Registers a family in a village, with members from the register (may be none).
#[utoipa::path(post, path = "/api/v1/families", tag = "family", request_body = NewFamily, security(("bearer" = [])),
    responses((status = 201, body = FamilyOut), (status = 403, body = dto::ErrorBody), (status = 409, body = dto::ErrorBody), (status = 422, body = dto::ErrorBody)))]
pub async fn create_family(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(v): ApiJson<Value>,
) -> Result<(StatusCode, Json<FamilyOut>), ApiError> {
    object(&v)?;
    let input = FamilyInput { region: text(&v, "region"), name: text(&v, "name"), members: members_of(&v)? };
    let f = state.app.create_family(&actor, &input).await?;
    Ok((StatusCode::CREATED, Json(f.into())))
}

#[derive(Deserialize, IntoParams)]
pub struct FamilyQuery {
    region: Option<String>,
    q: Option<String>,
    after: Option<String>,
    limit: Option<u64>,
}

/// Families in scope (by region), keyset-paged.
#[utoipa::path(get, path = "/api/v1/families", tag = "family", params(FamilyQuery), security(("bearer" = [])),
    responses((status = 200, body = List<FamilyOut>), (status = 404, body = dto::ErrorBody)))]
pub async fn list_families(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiQuery(q): ApiQuery<FamilyQuery>,
) -> Result<Json<List<FamilyOut>>, ApiError> {
    let region = parse_region(q.region.as_deref())?;
    let page = state.app.list_families(&actor, region.as_ref(), q.q.as_deref(), q.after.as_deref(), q.limit.unwrap_or(50)).await?;
    Ok(Json(List::from_page(page, FamilyOut::from)))
}

/// A family with its balance, members, ledger, redemptions, mottos and honours.
#[utoipa::path(get, path = "/api/v1/families/{id}", tag = "family", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = FamilyDetailOut), (status = 404, body = dto::ErrorBody)))]
pub async fn get_family(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<FamilyDetailOut>, ApiError> {
    Ok(Json(state.app.family_detail(&actor, parse_id(&id)?).await?.into()))
}

#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct NewMember {
    person: String,
    /// head | spouse | child | parent | parent_in_law | grandchild | sibling | other
    relation: Option<String>,
}

/// A person joins a family (she must be in no other family).
#[utoipa::path(post, path = "/api/v1/families/{id}/members", tag = "family", params(("id" = String, Path)), request_body = NewMember, security(("bearer" = [])),
    responses((status = 201, body = FamilyOut), (status = 403, body = dto::ErrorBody), (status = 409, body = dto::ErrorBody), (status = 422, body = dto::ErrorBody)))]
pub async fn add_member(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<String>,
    ApiJson(v): ApiJson<Value>,
) -> Result<(StatusCode, Json<FamilyOut>), ApiError> {
    object(&v)?;
    let m = MemberInput { person: text(&v, "person"), relation: text(&v, "relation") };
    let f = state.app.add_family_member(&actor, parse_id(&id)?, &m).await?;
    Ok((StatusCode::CREATED, Json(f.into())))
}

/// A member leaves the family.
#[utoipa::path(post, path = "/api/v1/families/{id}/members/{member}/remove", tag = "family", params(("id" = String, Path), ("member" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = FamilyOut), (status = 403, body = dto::ErrorBody), (status = 404, body = dto::ErrorBody), (status = 409, body = dto::ErrorBody)))]
pub async fn remove_member(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path((id, member)): Path<(String, String)>,
) -> Result<Json<FamilyOut>, ApiError> {
    Ok(Json(state.app.remove_family_member(&actor, parse_id(&id)?, parse_id(&member)?).await?.into()))
}

// ---------------------------------------------------------------------------------------------
// Points
// ---------------------------------------------------------------------------------------------

#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct NewEntry {
    family: String,
    /// Whole points; deductions may be given positive.
    points: i64,
    /// earn | deduct | adjust
    kind: String,
    reason: String,
    /// A rule of the city's list (its points and name are used when `points`/`reason` are empty).
    rule: Option<String>,
}

/// Records a points entry for a family. A debit beyond the balance: 409 `insufficient_points`.
#[utoipa::path(post, path = "/api/v1/points/entries", tag = "family", request_body = NewEntry, security(("bearer" = [])),
    responses((status = 201, body = EntryOut), (status = 403, body = dto::ErrorBody), (status = 409, body = dto::ErrorBody), (status = 422, body = dto::ErrorBody)))]
pub async fn create_entry(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(v): ApiJson<Value>,
) -> Result<(StatusCode, Json<EntryOut>), ApiError> {
    object(&v)?;
    let rule = text(&v, "rule");
    let day = text(&v, "entry_day");
    let input = EntryInput {
        family: text(&v, "family"),
        points: text(&v, "points"),
        kind: text(&v, "kind"),
        reason: text(&v, "reason"),
        rule: Some(rule).filter(|s| !s.is_empty()),
        entry_day: Some(day).filter(|s| !s.is_empty()),
    };
    let e = state.app.record_points(&actor, &input).await?;
    Ok((StatusCode::CREATED, Json(e.into())))
}

#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct NewRedemption {
    family: String,
    item: String,
    quantity: i64,
    /// Unique per family: a retry with the same key answers with the first redemption.
    idempotency_key: String,
}

/// Redeems an item for a family: stock reserved and points deducted atomically. 409 with
/// `insufficient_points` or `out_of_stock` when refused (nothing written); the same key again
/// answers 201 with the first redemption.
#[utoipa::path(post, path = "/api/v1/points/redemptions", tag = "family", request_body = NewRedemption, security(("bearer" = [])),
    responses((status = 201, body = RedemptionOut), (status = 403, body = dto::ErrorBody), (status = 409, body = dto::ErrorBody), (status = 422, body = dto::ErrorBody)))]
pub async fn redeem(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(v): ApiJson<Value>,
) -> Result<(StatusCode, Json<RedemptionOut>), ApiError> {
    object(&v)?;
    let input = RedeemInput {
        family: text(&v, "family"),
        item: text(&v, "item"),
        quantity: text(&v, "quantity"),
        idempotency_key: text(&v, "idempotency_key"),
    };
    let r = state.app.redeem(&actor, &input).await?;
    Ok((StatusCode::CREATED, Json(r.redemption.into())))
}

/// A redemption.
#[utoipa::path(get, path = "/api/v1/points/redemptions/{id}", tag = "family", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = RedemptionOut), (status = 404, body = dto::ErrorBody)))]
pub async fn get_redemption(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<RedemptionOut>, ApiError> {
    Ok(Json(state.app.redemption(&actor, parse_id(&id)?).await?.into()))
}

/// The family collected the goods.
#[utoipa::path(post, path = "/api/v1/points/redemptions/{id}/fulfil", tag = "family", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = RedemptionOut), (status = 403, body = dto::ErrorBody), (status = 404, body = dto::ErrorBody), (status = 409, body = dto::ErrorBody)))]
pub async fn fulfil(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<RedemptionOut>, ApiError> {
    Ok(Json(state.app.fulfil_redemption(&actor, parse_id(&id)?).await?.into()))
}

#[derive(Deserialize, ToSchema)]
pub struct CancelBody {
    #[serde(default)]
    reason: String,
}

/// Cancels a redemption not yet collected: stock and points come back, once.
#[utoipa::path(post, path = "/api/v1/points/redemptions/{id}/cancel", tag = "family", params(("id" = String, Path)), request_body = CancelBody, security(("bearer" = [])),
    responses((status = 200, body = RedemptionOut), (status = 403, body = dto::ErrorBody), (status = 404, body = dto::ErrorBody), (status = 409, body = dto::ErrorBody), (status = 422, body = dto::ErrorBody)))]
pub async fn cancel(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<CancelBody>,
) -> Result<Json<RedemptionOut>, ApiError> {
    Ok(Json(state.app.cancel_redemption(&actor, parse_id(&id)?, &b.reason).await?.into()))
}

// ---------------------------------------------------------------------------------------------
// Goods store
// ---------------------------------------------------------------------------------------------

#[derive(Serialize, ToSchema)]
pub struct ItemOut {
    pub id: String,
    pub region: String,
    pub region_name: String,
    pub name: String,
    /// Points per unit.
    pub price: i64,
    /// Units available to redeem.
    pub stock: i64,
    /// Units redeemed and not yet collected.
    pub reserved: i64,
}

impl From<Item> for ItemOut {
    fn from(i: Item) -> ItemOut {
        ItemOut {
            id: i.id.to_string(),
            region: i.region.short().to_owned(),
            region_name: i.region_name,
            name: i.name,
            price: i.price,
            stock: i.stock,
            reserved: i.reserved,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct NewItem {
    /// A village or a town.
    region: String,
    name: String,
    stock: i64,
    price: i64,
}

/// Puts an item on the shelf of a village's or town's goods store.
#[utoipa::path(post, path = "/api/v1/store/items", tag = "family", request_body = NewItem, security(("bearer" = [])),
    responses((status = 201, body = ItemOut), (status = 403, body = dto::ErrorBody), (status = 422, body = dto::ErrorBody)))]
pub async fn create_item(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(v): ApiJson<Value>,
) -> Result<(StatusCode, Json<ItemOut>), ApiError> {
    object(&v)?;
    let input = ItemInput { region: text(&v, "region"), name: text(&v, "name"), stock: text(&v, "stock"), price: text(&v, "price") };
    let i = state.app.create_store_item(&actor, &input).await?;
    Ok((StatusCode::CREATED, Json(i.into())))
}

#[derive(Deserialize, IntoParams)]
pub struct ItemQuery {
    region: Option<String>,
    after: Option<String>,
    limit: Option<u64>,
}

/// Items in scope.
#[utoipa::path(get, path = "/api/v1/store/items", tag = "family", params(ItemQuery), security(("bearer" = [])),
    responses((status = 200, body = List<ItemOut>), (status = 404, body = dto::ErrorBody)))]
pub async fn list_items(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiQuery(q): ApiQuery<ItemQuery>,
) -> Result<Json<List<ItemOut>>, ApiError> {
    let region = parse_region(q.region.as_deref())?;
    let page = state.app.list_store_items(&actor, region.as_ref(), q.after.as_deref(), q.limit.unwrap_or(50)).await?;
    Ok(Json(List::from_page(page, ItemOut::from)))
}

/// An item with its stock.
#[utoipa::path(get, path = "/api/v1/store/items/{id}", tag = "family", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = ItemOut), (status = 404, body = dto::ErrorBody)))]
pub async fn get_item(State(state): State<AppState>, ApiUser(actor): ApiUser, Path(id): Path<String>) -> Result<Json<ItemOut>, ApiError> {
    Ok(Json(state.app.store_item(&actor, parse_id(&id)?).await?.into()))
}

#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct RestockBody {
    quantity: i64,
    reason: Option<String>,
}

/// Adds stock to an item.
#[utoipa::path(post, path = "/api/v1/store/items/{id}/restock", tag = "family", params(("id" = String, Path)), request_body = RestockBody, security(("bearer" = [])),
    responses((status = 200, body = ItemOut), (status = 403, body = dto::ErrorBody), (status = 422, body = dto::ErrorBody)))]
pub async fn restock(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<String>,
    ApiJson(v): ApiJson<Value>,
) -> Result<Json<ItemOut>, ApiError> {
    object(&v)?;
    let reason = text(&v, "reason");
    Ok(Json(state.app.restock_item(&actor, parse_id(&id)?, &text(&v, "quantity"), Some(&reason)).await?.into()))
}

#[derive(Serialize, ToSchema)]
pub struct StocktakeOut {
    pub id: String,
    pub counted: i64,
    /// What the movements say should be on the shelf (opening + restocks − redemptions +
    /// cancellations + earlier differences, plus units reserved and not collected).
    pub expected: i64,
    pub difference: i64,
    pub reason: String,
}

#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct StocktakeBody {
    counted: i64,
    /// Required when the count differs from the ledger.
    reason: Option<String>,
}

/// Records a stocktake: the counted stock compared with the ledger, the difference recorded.
#[utoipa::path(post, path = "/api/v1/store/items/{id}/stocktakes", tag = "family", params(("id" = String, Path)), request_body = StocktakeBody, security(("bearer" = [])),
    responses((status = 201, body = StocktakeOut), (status = 403, body = dto::ErrorBody), (status = 422, body = dto::ErrorBody)))]
pub async fn stocktake(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<String>,
    ApiJson(v): ApiJson<Value>,
) -> Result<(StatusCode, Json<StocktakeOut>), ApiError> {
    object(&v)?;
    let reason = text(&v, "reason");
    let s = state.app.stocktake(&actor, parse_id(&id)?, &text(&v, "counted"), Some(&reason)).await?;
    Ok((
        StatusCode::CREATED,
        Json(StocktakeOut { id: s.id.to_string(), counted: s.counted, expected: s.expected, difference: s.difference, reason: s.reason }),
    ))
}

// ---------------------------------------------------------------------------------------------
// Mottos
// ---------------------------------------------------------------------------------------------

#[derive(Deserialize, ToSchema)]
pub struct MottoBody {
    #[serde(default)]
    body: String,
}

/// Submits a family motto (waits for an officer's review).
#[utoipa::path(post, path = "/api/v1/families/{id}/mottos", tag = "family", params(("id" = String, Path)), request_body = MottoBody, security(("bearer" = [])),
    responses((status = 201, body = MottoOut), (status = 403, body = dto::ErrorBody), (status = 422, body = dto::ErrorBody)))]
pub async fn submit_motto(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<MottoBody>,
) -> Result<(StatusCode, Json<MottoOut>), ApiError> {
    let m = state.app.submit_motto(&actor, parse_id(&id)?, &b.body).await?;
    Ok((StatusCode::CREATED, Json(m.into())))
}

#[derive(Deserialize, ToSchema)]
pub struct ReviewBody {
    #[serde(default)]
    approve: bool,
    note: Option<String>,
}

/// Approves or rejects a pending motto (a note is required to reject).
#[utoipa::path(post, path = "/api/v1/mottos/{id}/review", tag = "family", params(("id" = String, Path)), request_body = ReviewBody, security(("bearer" = [])),
    responses((status = 200, body = MottoOut), (status = 403, body = dto::ErrorBody), (status = 409, body = dto::ErrorBody), (status = 422, body = dto::ErrorBody)))]
pub async fn review_motto(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ReviewBody>,
) -> Result<Json<MottoOut>, ApiError> {
    Ok(Json(state.app.review_motto(&actor, parse_id(&id)?, b.approve, b.note.as_deref()).await?.into()))
}

#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct ActivityPointsBody {
    /// Points each family earns when a member's attendance is confirmed (once per activity).
    points: i64,
}

#[derive(Serialize, ToSchema)]
pub struct ActivityPointsOut {
    pub activity: String,
    pub points: i64,
}

/// Sets the points an activity gives for verified participation.
#[utoipa::path(post, path = "/api/v1/activities/{id}/points", tag = "family", params(("id" = String, Path)), request_body = ActivityPointsBody, security(("bearer" = [])),
    responses((status = 200, body = ActivityPointsOut), (status = 403, body = dto::ErrorBody), (status = 422, body = dto::ErrorBody)))]
pub async fn activity_points(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<String>,
    ApiJson(v): ApiJson<Value>,
) -> Result<Json<ActivityPointsOut>, ApiError> {
    object(&v)?;
    let aid = parse_id(&id)?;
    let n = state.app.set_activity_points(&actor, aid, &text(&v, "points")).await?;
    Ok(Json(ActivityPointsOut { activity: aid.to_string(), points: n }))
}
