//! One-to-one help and aid: pairings (结对帮扶), aid (救助) and mutual-aid groups (互助小组)
//! under `/api/v1/care/…`. Lists show women's names masked (张*); reviewers see none.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use jinguo_app::AppError;
use jinguo_app::help::{AidFilter, AidInput, GroupInput, MeetingInput, MemberInput, PairingFilter, PairingInput};
use jinguo_domain::help::{AidKind, HelperKind};
use jinguo_store::help::aid::Aid;
use jinguo_store::help::groups::Group;
use jinguo_store::help::pairings::Pairing;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::dto::{self, List};
use super::{ApiJson, ApiQuery, parse_id, parse_region};
use crate::auth::ApiUser;
use crate::error::ApiError;
use crate::state::AppState;

/// Reads a body whose id and count fields may come as JSON numbers or strings.
fn input<T: DeserializeOwned>(mut v: serde_json::Value, fields: &[&str]) -> Result<T, ApiError> {
    for f in fields {
        if let Some(n) = v.get(*f).filter(|x| x.is_number()).map(|x| x.to_string()) {
            v[*f] = serde_json::Value::String(n);
        }
    }
    serde_json::from_value(v).map_err(|e| ApiError(AppError::invalid("body", format!("请求字段有误：{e}"))))
}

fn parse_day(field: &str, label: &str, s: Option<&str>) -> Result<Option<chrono::NaiveDate>, ApiError> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => jinguo_domain::insight::parse_date(s)
            .map(Some)
            .ok_or_else(|| ApiError(AppError::invalid(field, format!("{label}格式应为 YYYY-MM-DD")))),
    }
}

fn parse_person(s: Option<&str>) -> Result<Option<i64>, ApiError> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s.parse().map(Some).map_err(|_| ApiError(AppError::invalid("person", "人员编号应为数字"))),
    }
}

// ---------------------------------------------------------------------------------------------
// Pairings
// ---------------------------------------------------------------------------------------------

#[derive(Serialize, ToSchema)]
pub struct PairingOut {
    pub id: String,
    pub person: String,
    /// Masked in lists (张*); empty for roles that do not see identity.
    pub person_name: String,
    pub region: String,
    pub region_name: String,
    pub helper_name: String,
    /// executive_member | volunteer | cadre
    pub helper_kind: String,
    pub helper_kind_label: String,
    pub started_on: String,
    pub ended_on: Option<String>,
    pub end_reason: String,
    pub active: bool,
}

impl From<Pairing> for PairingOut {
    fn from(p: Pairing) -> PairingOut {
        PairingOut {
            id: p.id.to_string(),
            person: p.person.to_string(),
            person_name: p.person_name,
            region: p.region.short().to_owned(),
            region_name: p.region_name,
            helper_name: p.helper_name,
            helper_kind: p.helper_kind.code().to_owned(),
            helper_kind_label: p.helper_kind.label().to_owned(),
            started_on: p.started_on.to_string(),
            active: p.ended_on.is_none(),
            ended_on: p.ended_on.map(|d| d.to_string()),
            end_reason: p.end_reason,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct NewPairing {
    /// The woman's id.
    person: String,
    helper_name: String,
    /// executive_member | volunteer | cadre (执委/志愿者/干部)
    helper_kind: String,
    /// Default: today.
    started_on: Option<String>,
}

/// Pairs a helper with a registered woman (结对帮扶).
#[utoipa::path(post, path = "/api/v1/care/pairings", tag = "help", request_body = NewPairing, security(("bearer" = [])),
    responses((status = 201, body = PairingOut), (status = 403, body = dto::ErrorBody), (status = 409, body = dto::ErrorBody), (status = 422, body = dto::ErrorBody)))]
pub async fn create_pairing(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(v): ApiJson<serde_json::Value>,
) -> Result<(StatusCode, Json<PairingOut>), ApiError> {
    let i: PairingInput = input(v, &["person"])?;
    let p = state.app.start_pairing(&actor, &i).await?;
    Ok((StatusCode::CREATED, Json(p.into())))
}

#[derive(Deserialize, IntoParams)]
pub struct PairingQuery {
    region: Option<String>,
    person: Option<String>,
    /// active | ended
    status: Option<String>,
    /// executive_member | volunteer | cadre
    helper_kind: Option<String>,
    after: Option<String>,
    limit: Option<u64>,
}

/// Pairings in scope.
#[utoipa::path(get, path = "/api/v1/care/pairings", tag = "help", params(PairingQuery), security(("bearer" = [])),
    responses((status = 200, body = List<PairingOut>), (status = 404, body = dto::ErrorBody), (status = 422, body = dto::ErrorBody)))]
pub async fn list_pairings(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiQuery(q): ApiQuery<PairingQuery>,
) -> Result<Json<List<PairingOut>>, ApiError> {
    let region = parse_region(q.region.as_deref())?;
    let mut filter = PairingFilter { person: parse_person(q.person.as_deref())?, ..PairingFilter::default() };
    filter.active = match q.status.as_deref() {
        None | Some("") => None,
        Some("active") => Some(true),
        Some("ended") => Some(false),
        Some(other) => return Err(AppError::invalid("status", format!("状态应为 active 或 ended：{other}")).into()),
    };
    if let Some(k) = q.helper_kind.as_deref().filter(|k| !k.is_empty()) {
        filter.helper_kind = Some(HelperKind::parse(k).map_err(AppError::Invalid)?);
    }
    let page = state.app.list_pairings(&actor, region.as_ref(), filter, q.after.as_deref(), q.limit.unwrap_or(50)).await?;
    Ok(Json(List::from_page(page, PairingOut::from)))
}

/// A pairing.
#[utoipa::path(get, path = "/api/v1/care/pairings/{id}", tag = "help", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = PairingOut), (status = 404, body = dto::ErrorBody)))]
pub async fn get_pairing(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<PairingOut>, ApiError> {
    Ok(Json(state.app.pairing(&actor, parse_id(&id)?).await?.into()))
}

#[derive(Deserialize, ToSchema)]
pub struct EndPairing {
    /// Default: today.
    ended_on: Option<String>,
    #[serde(default)]
    reason: String,
}

/// Ends a pairing with a reason.
#[utoipa::path(post, path = "/api/v1/care/pairings/{id}/end", tag = "help", params(("id" = String, Path)), request_body = EndPairing, security(("bearer" = [])),
    responses((status = 200, body = PairingOut), (status = 403, body = dto::ErrorBody), (status = 404, body = dto::ErrorBody), (status = 409, body = dto::ErrorBody), (status = 422, body = dto::ErrorBody)))]
pub async fn end_pairing(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<EndPairing>,
) -> Result<Json<PairingOut>, ApiError> {
    let p = state.app.end_pairing(&actor, parse_id(&id)?, b.ended_on.as_deref(), &b.reason).await?;
    Ok(Json(p.into()))
}

// ---------------------------------------------------------------------------------------------
// Aid
// ---------------------------------------------------------------------------------------------

#[derive(Serialize, ToSchema)]
pub struct AidOut {
    pub id: String,
    pub person: String,
    /// Masked in lists (张*); empty for roles that do not see identity.
    pub person_name: String,
    pub region: String,
    pub region_name: String,
    /// living | medical | education | other
    pub kind: String,
    pub kind_label: String,
    pub given_on: String,
    /// Whole fen (分).
    pub amount_fen: i64,
    /// Yuan with two decimals, e.g. "1200.50".
    pub amount: String,
    pub source: String,
    pub note: String,
}

impl From<Aid> for AidOut {
    fn from(a: Aid) -> AidOut {
        AidOut {
            id: a.id.to_string(),
            person: a.person.to_string(),
            person_name: a.person_name,
            region: a.region.short().to_owned(),
            region_name: a.region_name,
            kind: a.kind.code().to_owned(),
            kind_label: a.kind.label().to_owned(),
            given_on: a.given_on.to_string(),
            amount_fen: a.amount.fen(),
            amount: a.amount.yuan(),
            source: a.source,
            note: a.note,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct NewAid {
    /// The woman's id.
    person: String,
    /// living | medical | education | other (生活救助/医疗帮扶/子女助学/其他)
    kind: String,
    /// Default: today.
    given_on: Option<String>,
    /// Yuan as text, at most two decimals: "1200.50".
    amount: String,
    /// Where the money came from.
    source: String,
    note: Option<String>,
}

/// Records aid given to a registered woman.
#[utoipa::path(post, path = "/api/v1/care/aid", tag = "help", request_body = NewAid, security(("bearer" = [])),
    responses((status = 201, body = AidOut), (status = 403, body = dto::ErrorBody), (status = 422, body = dto::ErrorBody)))]
pub async fn create_aid(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(v): ApiJson<serde_json::Value>,
) -> Result<(StatusCode, Json<AidOut>), ApiError> {
    let i: AidInput = input(v, &["person", "amount"])?;
    let a = state.app.record_aid(&actor, &i).await?;
    Ok((StatusCode::CREATED, Json(a.into())))
}

#[derive(Deserialize, IntoParams)]
pub struct AidQuery {
    region: Option<String>,
    person: Option<String>,
    /// living | medical | education | other
    kind: Option<String>,
    from: Option<String>,
    to: Option<String>,
    after: Option<String>,
    limit: Option<u64>,
}

/// Aid in scope, the latest first.
#[utoipa::path(get, path = "/api/v1/care/aid", tag = "help", params(AidQuery), security(("bearer" = [])),
    responses((status = 200, body = List<AidOut>), (status = 404, body = dto::ErrorBody), (status = 422, body = dto::ErrorBody)))]
pub async fn list_aid(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiQuery(q): ApiQuery<AidQuery>,
) -> Result<Json<List<AidOut>>, ApiError> {
    let region = parse_region(q.region.as_deref())?;
    let mut filter = AidFilter {
        person: parse_person(q.person.as_deref())?,
        from: parse_day("from", "开始日期", q.from.as_deref())?,
        to: parse_day("to", "结束日期", q.to.as_deref())?,
        ..AidFilter::default()
    };
    if let Some(k) = q.kind.as_deref().filter(|k| !k.is_empty()) {
        filter.kind = Some(AidKind::parse(k).map_err(AppError::Invalid)?);
    }
    let page = state.app.list_aid(&actor, region.as_ref(), filter, q.after.as_deref(), q.limit.unwrap_or(50)).await?;
    Ok(Json(List::from_page(page, AidOut::from)))
}

/// An aid record.
#[utoipa::path(get, path = "/api/v1/care/aid/{id}", tag = "help", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = AidOut), (status = 404, body = dto::ErrorBody)))]
pub async fn get_aid(State(state): State<AppState>, ApiUser(actor): ApiUser, Path(id): Path<String>) -> Result<Json<AidOut>, ApiError> {
    Ok(Json(state.app.aid(&actor, parse_id(&id)?).await?.into()))
}

// ---------------------------------------------------------------------------------------------
// Mutual-aid groups
// ---------------------------------------------------------------------------------------------

#[derive(Serialize, ToSchema)]
pub struct GroupOut {
    pub id: String,
    pub region: String,
    pub region_name: String,
    pub name: String,
    pub topic: String,
    /// Masked in lists (张*); empty for roles that do not see identity.
    pub leader: String,
    pub formed_on: String,
    /// Current members.
    pub members: i64,
    pub meetings: i64,
}

impl From<Group> for GroupOut {
    fn from(g: Group) -> GroupOut {
        GroupOut {
            id: g.id.to_string(),
            region: g.region.short().to_owned(),
            region_name: g.region_name,
            name: g.name,
            topic: g.topic,
            leader: g.leader,
            formed_on: g.formed_on.to_string(),
            members: g.members,
            meetings: g.meetings,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct MemberOut {
    /// The membership's id (for leaving).
    pub id: String,
    pub person: String,
    /// Masked (张*); empty for roles that do not see identity.
    pub person_name: String,
    pub joined_on: String,
    pub left_on: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct MeetingOut {
    pub id: String,
    pub held_on: String,
    pub topic: String,
    pub attendees: i64,
    pub note: String,
}

#[derive(Serialize, ToSchema)]
pub struct GroupDetail {
    #[serde(flatten)]
    pub group: GroupOut,
    pub member_list: Vec<MemberOut>,
    pub meeting_list: Vec<MeetingOut>,
}

impl From<jinguo_app::help::GroupDetail> for GroupDetail {
    fn from(d: jinguo_app::help::GroupDetail) -> GroupDetail {
        GroupDetail {
            group: d.group.into(),
            member_list: d
                .members
                .into_iter()
                .map(|m| MemberOut {
                    id: m.id.to_string(),
                    person: m.person.to_string(),
                    person_name: m.person_name,
                    joined_on: m.joined_on.to_string(),
                    left_on: m.left_on.map(|d| d.to_string()),
                })
                .collect(),
            meeting_list: d
                .meetings
                .into_iter()
                .map(|m| MeetingOut {
                    id: m.id.to_string(),
                    held_on: m.held_on.to_string(),
                    topic: m.topic,
                    attendees: m.attendees,
                    note: m.note,
                })
                .collect(),
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct NewGroup {
    /// The region code of the group (usually a village).
    region: String,
    name: String,
    topic: Option<String>,
    /// The group leader's name.
    leader: String,
    /// Default: today.
    formed_on: Option<String>,
}

/// Forms a mutual-aid group (互助小组).
#[utoipa::path(post, path = "/api/v1/care/groups", tag = "help", request_body = NewGroup, security(("bearer" = [])),
    responses((status = 201, body = GroupOut), (status = 403, body = dto::ErrorBody), (status = 422, body = dto::ErrorBody)))]
pub async fn create_group(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(v): ApiJson<serde_json::Value>,
) -> Result<(StatusCode, Json<GroupOut>), ApiError> {
    let i: GroupInput = input(v, &["region"])?;
    let g = state.app.create_group(&actor, &i).await?;
    Ok((StatusCode::CREATED, Json(g.into())))
}

#[derive(Deserialize, IntoParams)]
pub struct GroupQuery {
    region: Option<String>,
    /// Part of the name.
    q: Option<String>,
    after: Option<String>,
    limit: Option<u64>,
}

/// Mutual-aid groups in scope.
#[utoipa::path(get, path = "/api/v1/care/groups", tag = "help", params(GroupQuery), security(("bearer" = [])),
    responses((status = 200, body = List<GroupOut>), (status = 404, body = dto::ErrorBody)))]
pub async fn list_groups(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiQuery(q): ApiQuery<GroupQuery>,
) -> Result<Json<List<GroupOut>>, ApiError> {
    let region = parse_region(q.region.as_deref())?;
    let page = state.app.list_groups(&actor, region.as_ref(), q.q.as_deref(), q.after.as_deref(), q.limit.unwrap_or(50)).await?;
    Ok(Json(List::from_page(page, GroupOut::from)))
}

/// A group with its members and meetings.
#[utoipa::path(get, path = "/api/v1/care/groups/{id}", tag = "help", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = GroupDetail), (status = 404, body = dto::ErrorBody)))]
pub async fn get_group(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<GroupDetail>, ApiError> {
    Ok(Json(state.app.group(&actor, parse_id(&id)?).await?.into()))
}

#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct NewMember {
    /// The woman's id; or give `id_number` in full instead.
    person: Option<String>,
    id_number: Option<String>,
    /// Default: today.
    joined_on: Option<String>,
}

/// A woman joins the group.
#[utoipa::path(post, path = "/api/v1/care/groups/{id}/members", tag = "help", params(("id" = String, Path)), request_body = NewMember, security(("bearer" = [])),
    responses((status = 201, body = GroupDetail), (status = 403, body = dto::ErrorBody), (status = 404, body = dto::ErrorBody), (status = 409, body = dto::ErrorBody), (status = 422, body = dto::ErrorBody)))]
pub async fn add_member(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<String>,
    ApiJson(v): ApiJson<serde_json::Value>,
) -> Result<(StatusCode, Json<GroupDetail>), ApiError> {
    let i: MemberInput = input(v, &["person"])?;
    let d = state.app.add_group_member(&actor, parse_id(&id)?, &i).await?;
    Ok((StatusCode::CREATED, Json(d.into())))
}

#[derive(Deserialize, ToSchema)]
pub struct LeaveGroup {
    /// Default: today.
    left_on: Option<String>,
}

/// A member leaves the group.
#[utoipa::path(post, path = "/api/v1/care/groups/{id}/members/{member}/leave", tag = "help", params(("id" = String, Path), ("member" = String, Path)), request_body = LeaveGroup, security(("bearer" = [])),
    responses((status = 200, body = GroupDetail), (status = 403, body = dto::ErrorBody), (status = 404, body = dto::ErrorBody), (status = 409, body = dto::ErrorBody), (status = 422, body = dto::ErrorBody)))]
pub async fn leave(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path((id, member)): Path<(String, String)>,
    ApiJson(b): ApiJson<LeaveGroup>,
) -> Result<Json<GroupDetail>, ApiError> {
    let d = state.app.remove_group_member(&actor, parse_id(&id)?, parse_id(&member)?, b.left_on.as_deref()).await?;
    Ok(Json(d.into()))
}

#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct NewMeeting {
    /// Default: today.
    held_on: Option<String>,
    topic: String,
    /// How many took part.
    #[schema(value_type = i64)]
    attendees: serde_json::Value,
    note: Option<String>,
}

/// Records a meeting of the group.
#[utoipa::path(post, path = "/api/v1/care/groups/{id}/meetings", tag = "help", params(("id" = String, Path)), request_body = NewMeeting, security(("bearer" = [])),
    responses((status = 201, body = GroupDetail), (status = 403, body = dto::ErrorBody), (status = 404, body = dto::ErrorBody), (status = 422, body = dto::ErrorBody)))]
pub async fn add_meeting(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<String>,
    ApiJson(v): ApiJson<serde_json::Value>,
) -> Result<(StatusCode, Json<GroupDetail>), ApiError> {
    let i: MeetingInput = input(v, &["attendees"])?;
    let d = state.app.record_group_meeting(&actor, parse_id(&id)?, &i).await?;
    Ok((StatusCode::CREATED, Json(d.into())))
}
