//! Family education (四级家庭教育指导服务体系) under `/api/v1/education/…`: guidance centres,
//! lecturer teams, lecturers, service activities and households served.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use jinguo_app::AppError;
use jinguo_app::education::{ActivityFilter, ActivityInput, CentreInput, LecturerInput, TeamInput};
use jinguo_domain::education::ActivityKind;
use jinguo_domain::insight::Period;
use jinguo_store::education::activities::Activity;
use jinguo_store::education::centres::{Centre, Lecturer, Team};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::dto::{self, List};
use super::{ApiJson, ApiQuery, parse_id, parse_region};
use crate::auth::ApiUser;
use crate::error::ApiError;
use crate::state::AppState;

/// Reads a body whose id and count fields may come as JSON numbers, strings or (for id lists)
/// arrays.
pub(super) fn input<T: DeserializeOwned>(mut v: serde_json::Value, fields: &[&str]) -> Result<T, ApiError> {
    for f in fields {
        let Some(x) = v.get(*f) else { continue };
        let s = match x {
            serde_json::Value::Number(n) => Some(n.to_string()),
            serde_json::Value::Array(a) => {
                Some(a.iter().map(|e| e.as_str().map(str::to_owned).unwrap_or_else(|| e.to_string())).collect::<Vec<_>>().join(","))
            }
            _ => None,
        };
        if let Some(s) = s {
            v[*f] = serde_json::Value::String(s);
        }
    }
    serde_json::from_value(v).map_err(|e| ApiError(AppError::invalid("body", format!("请求字段有误：{e}"))))
}

pub(super) fn parse_day(field: &str, label: &str, s: Option<&str>) -> Result<Option<chrono::NaiveDate>, ApiError> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => jinguo_domain::insight::parse_date(s)
            .map(Some)
            .ok_or_else(|| ApiError(AppError::invalid(field, format!("{label}格式应为 YYYY-MM-DD")))),
    }
}

#[derive(Serialize, ToSchema)]
pub struct CentreOut {
    pub id: String,
    pub region: String,
    pub region_name: String,
    /// city | county | town | village (the region's level)
    pub level: String,
    pub level_label: String,
    pub name: String,
    pub address: String,
    pub founded_on: String,
    pub teams: i64,
    pub lecturers: i64,
}

impl From<Centre> for CentreOut {
    fn from(c: Centre) -> CentreOut {
        CentreOut {
            id: c.id.to_string(),
            region: c.region.short().to_owned(),
            region_name: c.region_name,
            level: c.level.code_name().to_owned(),
            level_label: c.level.label().to_owned(),
            name: c.name,
            address: c.address,
            founded_on: c.founded_on.to_string(),
            teams: c.teams,
            lecturers: c.lecturers,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct TeamOut {
    pub id: String,
    pub centre: String,
    pub centre_name: String,
    pub region: String,
    pub region_name: String,
    pub name: String,
    pub formed_on: String,
    pub lecturers: i64,
}

impl From<Team> for TeamOut {
    fn from(t: Team) -> TeamOut {
        TeamOut {
            id: t.id.to_string(),
            centre: t.centre.to_string(),
            centre_name: t.centre_name,
            region: t.region.short().to_owned(),
            region_name: t.region_name,
            name: t.name,
            formed_on: t.formed_on.to_string(),
            lecturers: t.lecturers,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct LecturerOut {
    pub id: String,
    pub team: String,
    pub team_name: String,
    pub region: String,
    pub region_name: String,
    pub name: String,
    pub speciality: String,
    pub joined_on: String,
    pub left_on: Option<String>,
}

impl From<Lecturer> for LecturerOut {
    fn from(l: Lecturer) -> LecturerOut {
        LecturerOut {
            id: l.id.to_string(),
            team: l.team.to_string(),
            team_name: l.team_name,
            region: l.region.short().to_owned(),
            region_name: l.region_name,
            name: l.name,
            speciality: l.speciality,
            joined_on: l.joined_on.to_string(),
            left_on: l.left_on.map(|d| d.to_string()),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CentreDetail {
    #[serde(flatten)]
    pub centre: CentreOut,
    pub team_list: Vec<TeamOut>,
}

#[derive(Serialize, ToSchema)]
pub struct TeamDetail {
    #[serde(flatten)]
    pub team: TeamOut,
    pub lecturer_list: Vec<LecturerOut>,
}

#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct NewCentre {
    /// A city, county, town or village code; one centre per region.
    region: String,
    /// Default: 西陵区家庭教育指导中心 / 土街头社区家庭教育指导站.
    name: Option<String>,
    address: Option<String>,
    /// Default: today.
    founded_on: Option<String>,
}

#[derive(Deserialize, IntoParams)]
pub struct ListQuery {
    region: Option<String>,
    after: Option<String>,
    limit: Option<u64>,
}

/// Opens the guidance centre of a region (家庭教育指导中心/站).
#[utoipa::path(post, path = "/api/v1/education/centres", tag = "education", request_body = NewCentre, security(("bearer" = [])),
    responses((status = 201, body = CentreOut), (status = 403, body = dto::ErrorBody), (status = 409, body = dto::ErrorBody), (status = 422, body = dto::ErrorBody)))]
pub async fn create_centre(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(v): ApiJson<serde_json::Value>,
) -> Result<(StatusCode, Json<CentreOut>), ApiError> {
    let i: CentreInput = input(v, &["region"])?;
    Ok((StatusCode::CREATED, Json(state.app.create_centre(&actor, &i).await?.into())))
}

/// Guidance centres in scope.
#[utoipa::path(get, path = "/api/v1/education/centres", tag = "education", params(ListQuery), security(("bearer" = [])),
    responses((status = 200, body = List<CentreOut>), (status = 404, body = dto::ErrorBody)))]
pub async fn list_centres(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<List<CentreOut>>, ApiError> {
    let region = parse_region(q.region.as_deref())?;
    let page = state.app.list_centres(&actor, region.as_ref(), q.after.as_deref(), q.limit.unwrap_or(50)).await?;
    Ok(Json(List::from_page(page, CentreOut::from)))
}

/// A centre with its lecturer teams.
#[utoipa::path(get, path = "/api/v1/education/centres/{id}", tag = "education", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = CentreDetail), (status = 404, body = dto::ErrorBody)))]
pub async fn get_centre(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<CentreDetail>, ApiError> {
    let d = state.app.centre(&actor, parse_id(&id)?).await?;
    Ok(Json(CentreDetail { centre: d.centre.into(), team_list: d.teams.into_iter().map(TeamOut::from).collect() }))
}

#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct NewTeam {
    name: String,
    /// Default: today.
    formed_on: Option<String>,
}

/// Forms a lecturer team (讲师团) of a centre.
#[utoipa::path(post, path = "/api/v1/education/centres/{id}/teams", tag = "education", params(("id" = String, Path)), request_body = NewTeam, security(("bearer" = [])),
    responses((status = 201, body = TeamOut), (status = 403, body = dto::ErrorBody), (status = 404, body = dto::ErrorBody), (status = 422, body = dto::ErrorBody)))]
pub async fn create_team(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<String>,
    ApiJson(v): ApiJson<serde_json::Value>,
) -> Result<(StatusCode, Json<TeamOut>), ApiError> {
    let i: TeamInput = input(v, &[])?;
    Ok((StatusCode::CREATED, Json(state.app.create_team(&actor, parse_id(&id)?, &i).await?.into())))
}

/// Lecturer teams in scope.
#[utoipa::path(get, path = "/api/v1/education/teams", tag = "education", params(ListQuery), security(("bearer" = [])),
    responses((status = 200, body = List<TeamOut>), (status = 404, body = dto::ErrorBody)))]
pub async fn list_teams(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<List<TeamOut>>, ApiError> {
    let region = parse_region(q.region.as_deref())?;
    let page = state.app.list_teams(&actor, region.as_ref(), q.after.as_deref(), q.limit.unwrap_or(50)).await?;
    Ok(Json(List::from_page(page, TeamOut::from)))
}

/// A team with its lecturers.
#[utoipa::path(get, path = "/api/v1/education/teams/{id}", tag = "education", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = TeamDetail), (status = 404, body = dto::ErrorBody)))]
pub async fn get_team(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<TeamDetail>, ApiError> {
    let d = state.app.team(&actor, parse_id(&id)?).await?;
    Ok(Json(TeamDetail { team: d.team.into(), lecturer_list: d.lecturers.into_iter().map(LecturerOut::from).collect() }))
}

#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct NewLecturer {
    name: String,
    /// e.g. 亲子沟通, 青春期心理.
    speciality: String,
    /// Default: today.
    joined_on: Option<String>,
}

/// A lecturer joins a team (name and speciality; no contact is kept).
#[utoipa::path(post, path = "/api/v1/education/teams/{id}/lecturers", tag = "education", params(("id" = String, Path)), request_body = NewLecturer, security(("bearer" = [])),
    responses((status = 201, body = LecturerOut), (status = 403, body = dto::ErrorBody), (status = 404, body = dto::ErrorBody), (status = 422, body = dto::ErrorBody)))]
pub async fn create_lecturer(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<String>,
    ApiJson(v): ApiJson<serde_json::Value>,
) -> Result<(StatusCode, Json<LecturerOut>), ApiError> {
    let i: LecturerInput = input(v, &[])?;
    Ok((StatusCode::CREATED, Json(state.app.add_lecturer(&actor, parse_id(&id)?, &i).await?.into())))
}

#[derive(Deserialize, IntoParams)]
pub struct LecturerQuery {
    region: Option<String>,
    /// current | all (default current)
    status: Option<String>,
    after: Option<String>,
    limit: Option<u64>,
}

/// Lecturers in scope.
#[utoipa::path(get, path = "/api/v1/education/lecturers", tag = "education", params(LecturerQuery), security(("bearer" = [])),
    responses((status = 200, body = List<LecturerOut>), (status = 404, body = dto::ErrorBody)))]
pub async fn list_lecturers(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiQuery(q): ApiQuery<LecturerQuery>,
) -> Result<Json<List<LecturerOut>>, ApiError> {
    let region = parse_region(q.region.as_deref())?;
    let current = match q.status.as_deref() {
        None | Some("") | Some("current") => true,
        Some("all") => false,
        Some(other) => return Err(AppError::invalid("status", format!("状态应为 current 或 all：{other}")).into()),
    };
    let page = state.app.list_lecturers(&actor, region.as_ref(), current, q.after.as_deref(), q.limit.unwrap_or(50)).await?;
    Ok(Json(List::from_page(page, LecturerOut::from)))
}

/// A lecturer.
#[utoipa::path(get, path = "/api/v1/education/lecturers/{id}", tag = "education", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = LecturerOut), (status = 404, body = dto::ErrorBody)))]
pub async fn get_lecturer(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<LecturerOut>, ApiError> {
    Ok(Json(state.app.lecturer(&actor, parse_id(&id)?).await?.into()))
}

#[derive(Deserialize, ToSchema)]
pub struct LeaveTeam {
    /// Default: today.
    left_on: Option<String>,
}

/// A lecturer leaves her team.
#[utoipa::path(post, path = "/api/v1/education/lecturers/{id}/leave", tag = "education", params(("id" = String, Path)), request_body = LeaveTeam, security(("bearer" = [])),
    responses((status = 200, body = LecturerOut), (status = 403, body = dto::ErrorBody), (status = 404, body = dto::ErrorBody), (status = 409, body = dto::ErrorBody)))]
pub async fn lecturer_leaves(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<LeaveTeam>,
) -> Result<Json<LecturerOut>, ApiError> {
    Ok(Json(state.app.lecturer_leaves(&actor, parse_id(&id)?, b.left_on.as_deref()).await?.into()))
}

#[derive(Serialize, ToSchema)]
pub struct FamilyOut {
    pub id: String,
    pub name: String,
    pub region: String,
    pub region_name: String,
}

#[derive(Serialize, ToSchema)]
pub struct ActivityOut {
    pub id: String,
    pub region: String,
    pub region_name: String,
    /// community | school | rural
    pub kind: String,
    pub kind_label: String,
    pub held_on: String,
    pub place: String,
    pub topic: String,
    pub lecturer: Option<String>,
    pub lecturer_name: Option<String>,
    /// Families of the register served.
    pub families: i64,
    /// Households served that were not named, as counted.
    pub unnamed_households: i64,
}

impl From<Activity> for ActivityOut {
    fn from(a: Activity) -> ActivityOut {
        ActivityOut {
            id: a.id.to_string(),
            region: a.region.short().to_owned(),
            region_name: a.region_name,
            kind: a.kind.code().to_owned(),
            kind_label: a.kind.label().to_owned(),
            held_on: a.held_on.to_string(),
            place: a.place,
            topic: a.topic,
            lecturer: a.lecturer.map(|l| l.to_string()),
            lecturer_name: a.lecturer_name,
            families: a.families,
            unnamed_households: a.unnamed_households,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ActivityDetail {
    #[serde(flatten)]
    pub activity: ActivityOut,
    pub family_list: Vec<FamilyOut>,
}

#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct NewActivity {
    region: String,
    /// community | school | rural (进社区/进学校/进农村)
    kind: String,
    /// Default: today.
    held_on: Option<String>,
    place: String,
    topic: String,
    /// The lecturer's id (of the region or a centre above it).
    lecturer: Option<String>,
    /// Ids of families of the register served (an array, or a comma-separated string).
    #[schema(value_type = Vec<String>)]
    families: Option<serde_json::Value>,
    /// Households served that are not named.
    #[schema(value_type = i64)]
    unnamed_households: Option<serde_json::Value>,
}

/// Records a guidance activity and the households it served.
#[utoipa::path(post, path = "/api/v1/education/activities", tag = "education", request_body = NewActivity, security(("bearer" = [])),
    responses((status = 201, body = ActivityDetail), (status = 403, body = dto::ErrorBody), (status = 422, body = dto::ErrorBody)))]
pub async fn create_activity(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(v): ApiJson<serde_json::Value>,
) -> Result<(StatusCode, Json<ActivityDetail>), ApiError> {
    let i: ActivityInput = input(v, &["region", "lecturer", "families", "unnamed_households"])?;
    let d = state.app.record_education_activity(&actor, &i).await?;
    Ok((StatusCode::CREATED, Json(activity_detail(d))))
}

fn activity_detail(d: jinguo_app::education::ActivityDetail) -> ActivityDetail {
    ActivityDetail {
        activity: d.activity.into(),
        family_list: d
            .families
            .into_iter()
            .map(|f| FamilyOut { id: f.id.to_string(), name: f.name, region: f.region.short().to_owned(), region_name: f.region_name })
            .collect(),
    }
}

#[derive(Deserialize, IntoParams)]
pub struct ActivityQuery {
    region: Option<String>,
    /// community | school | rural
    kind: Option<String>,
    from: Option<String>,
    to: Option<String>,
    after: Option<String>,
    limit: Option<u64>,
}

/// Guidance activities in scope.
#[utoipa::path(get, path = "/api/v1/education/activities", tag = "education", params(ActivityQuery), security(("bearer" = [])),
    responses((status = 200, body = List<ActivityOut>), (status = 404, body = dto::ErrorBody), (status = 422, body = dto::ErrorBody)))]
pub async fn list_activities(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiQuery(q): ApiQuery<ActivityQuery>,
) -> Result<Json<List<ActivityOut>>, ApiError> {
    let region = parse_region(q.region.as_deref())?;
    let mut filter = ActivityFilter {
        from: parse_day("from", "开始日期", q.from.as_deref())?,
        to: parse_day("to", "结束日期", q.to.as_deref())?,
        ..Default::default()
    };
    if let Some(k) = q.kind.as_deref().filter(|k| !k.is_empty()) {
        filter.kind = Some(ActivityKind::parse(k).map_err(AppError::Invalid)?);
    }
    let page = state.app.list_education_activities(&actor, region.as_ref(), &filter, q.after.as_deref(), q.limit.unwrap_or(50)).await?;
    Ok(Json(List::from_page(page, ActivityOut::from)))
}

/// An activity with the families it served.
#[utoipa::path(get, path = "/api/v1/education/activities/{id}", tag = "education", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = ActivityDetail), (status = 404, body = dto::ErrorBody)))]
pub async fn get_activity(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<ActivityDetail>, ApiError> {
    Ok(Json(activity_detail(state.app.education_activity(&actor, parse_id(&id)?).await?)))
}

#[derive(Deserialize, IntoParams)]
pub struct HouseholdsQuery {
    region: Option<String>,
    from: String,
    to: String,
}

#[derive(Serialize, ToSchema)]
pub struct HouseholdsOut {
    /// Distinct families of the register served in the period.
    pub families: i64,
    /// Unnamed households, added as counted (they cannot be told apart).
    pub unnamed: i64,
    /// families + unnamed: the figure `family.education.households`.
    pub total: i64,
}

/// Households served in a period, without double counting.
#[utoipa::path(get, path = "/api/v1/education/households", tag = "education", params(HouseholdsQuery), security(("bearer" = [])),
    responses((status = 200, body = HouseholdsOut), (status = 404, body = dto::ErrorBody), (status = 422, body = dto::ErrorBody)))]
pub async fn households(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiQuery(q): ApiQuery<HouseholdsQuery>,
) -> Result<Json<HouseholdsOut>, ApiError> {
    let region = parse_region(q.region.as_deref())?;
    let period = Period::parse(&q.from, &q.to).map_err(AppError::Invalid)?;
    let s = state.app.households_served(&actor, region.as_ref(), period).await?;
    Ok(Json(HouseholdsOut { families: s.families, unnamed: s.unnamed, total: s.total() }))
}
