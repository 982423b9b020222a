//! Federations, women's homes and activities: registers, in the caller's scope only.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use jinguo_app::AppError;
use jinguo_app::org::activities::ActivityInput;
use jinguo_app::org::federations::{FederationInput, number_or_text};
use jinguo_app::org::homes::{CheckInput, HomeInput};
use jinguo_domain::org::{ActivityCategory, FederationKind};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::dto::{self, List};
use super::{ApiJson, ApiQuery, parse_id, parse_region};
use crate::auth::ApiUser;
use crate::error::ApiError;
use crate::state::AppState;

fn limit(l: Option<u64>) -> u64 {
    l.unwrap_or(50).clamp(1, 500)
}

#[derive(Deserialize, IntoParams)]
pub struct FederationQuery {
    /// Region code: the subtree to list (default: the caller's whole scope).
    region: Option<String>,
    /// region | industry | area | park | enterprise | social_org | gig_platform, or `new_domain`.
    kind: Option<String>,
    /// Part of the name.
    q: Option<String>,
    after: Option<String>,
    limit: Option<u64>,
}

/// Federations in the caller's scope.
#[utoipa::path(get, path = "/api/v1/federations", tag = "org", params(FederationQuery), security(("bearer" = [])),
    responses((status = 200, body = List<dto::Federation>), (status = 404, body = dto::ErrorBody)))]
pub async fn list_federations(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiQuery(q): ApiQuery<FederationQuery>,
) -> Result<Json<List<dto::Federation>>, ApiError> {
    let region = parse_region(q.region.as_deref())?;
    let mut filter = jinguo_store::org::federations::Filter { q: q.q, ..Default::default() };
    match q.kind.as_deref().map(str::trim).filter(|k| !k.is_empty()) {
        None => {}
        Some("new_domain") => filter.new_domain_only = true,
        Some(k) => filter.kind = Some(FederationKind::parse(k).ok_or_else(|| AppError::invalid("kind", format!("未知的妇联类型：{k}")))?),
    }
    let page = state.app.list_federations(&actor, region.as_ref(), &filter, q.after.as_deref(), limit(q.limit)).await?;
    let today = state.app.today();
    Ok(Json(List::from_page(page, |f| dto::Federation::new(f, today))))
}

#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct CreateFederation {
    /// The region it sits under.
    region: String,
    name: String,
    /// industry | area | park | enterprise | social_org | gig_platform
    kind: String,
    members: Option<i64>,
    /// YYYY-MM-DD, default today.
    established_on: Option<String>,
}

/// Creates a new-domain federation under a region in scope.
#[utoipa::path(post, path = "/api/v1/federations", tag = "org", request_body = CreateFederation, security(("bearer" = [])),
    responses((status = 201, body = dto::Federation), (status = 403, body = dto::ErrorBody), (status = 422, body = dto::ErrorBody), (status = 409, body = dto::ErrorBody)))]
pub async fn create_federation(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(input): ApiJson<FederationInput>,
) -> Result<(StatusCode, Json<dto::Federation>), ApiError> {
    let f = state.app.create_federation(&actor, &input).await?;
    Ok((StatusCode::CREATED, Json(dto::Federation::new(f, state.app.today()))))
}

/// A federation with its terms and executive members.
#[utoipa::path(get, path = "/api/v1/federations/{id}", tag = "org", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = dto::FederationDetail), (status = 404, body = dto::ErrorBody)))]
pub async fn get_federation(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<dto::FederationDetail>, ApiError> {
    let d = state.app.federation(&actor, parse_id(&id)?).await?;
    Ok(Json(dto::FederationDetail {
        federation: dto::Federation::new(d.federation, state.app.today()),
        terms: d.terms.into_iter().map(Into::into).collect(),
        executive_members: d.executive_members.into_iter().map(Into::into).collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct UpdateFederation {
    name: Option<String>,
    #[serde(default, deserialize_with = "number_or_text")]
    #[schema(value_type = Option<i64>)]
    members: Option<String>,
}

/// Renames a federation or changes its member count.
#[utoipa::path(patch, path = "/api/v1/federations/{id}", tag = "org", params(("id" = String, Path)), request_body = UpdateFederation, security(("bearer" = [])),
    responses((status = 200, body = dto::Federation), (status = 403, body = dto::ErrorBody), (status = 404, body = dto::ErrorBody), (status = 422, body = dto::ErrorBody)))]
pub async fn update_federation(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<UpdateFederation>,
) -> Result<Json<dto::Federation>, ApiError> {
    let id = parse_id(&id)?;
    let name = match input.name {
        Some(n) => n,
        None => state.app.federation(&actor, id).await.map(|d| d.federation.name).or_else(|e| match e {
            // Let the write decide between not found and forbidden.
            AppError::NotFound => Ok(String::from("-")),
            other => Err(other),
        })?,
    };
    let f = state.app.update_federation(&actor, id, &name, input.members.as_deref()).await?;
    Ok(Json(dto::Federation::new(f, state.app.today())))
}

#[derive(Deserialize, ToSchema)]
pub struct NewTerm {
    start_on: String,
    end_on: String,
    chair: String,
}

/// Records a term renewal (换届).
#[utoipa::path(post, path = "/api/v1/federations/{id}/terms", tag = "org", params(("id" = String, Path)), request_body = NewTerm, security(("bearer" = [])),
    responses((status = 201, body = dto::Term), (status = 403, body = dto::ErrorBody), (status = 404, body = dto::ErrorBody), (status = 422, body = dto::ErrorBody)))]
pub async fn add_term(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<String>,
    ApiJson(t): ApiJson<NewTerm>,
) -> Result<(StatusCode, Json<dto::Term>), ApiError> {
    let term = state.app.add_term(&actor, parse_id(&id)?, &t.start_on, &t.end_on, &t.chair).await?;
    Ok((StatusCode::CREATED, Json(term.into())))
}

#[derive(Deserialize, ToSchema)]
pub struct NewExecutiveMember {
    name: String,
    /// 主席 / 副主席 / 执委 …
    position: String,
    #[serde(default)]
    workplace: String,
    joined_on: Option<String>,
}

#[derive(serde::Serialize, ToSchema)]
pub struct Created {
    id: String,
}

/// Adds an executive member (执委).
#[utoipa::path(post, path = "/api/v1/federations/{id}/executive-members", tag = "org", params(("id" = String, Path)), request_body = NewExecutiveMember, security(("bearer" = [])),
    responses((status = 201, body = Created), (status = 403, body = dto::ErrorBody), (status = 404, body = dto::ErrorBody), (status = 422, body = dto::ErrorBody)))]
pub async fn add_executive_member(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<String>,
    ApiJson(m): ApiJson<NewExecutiveMember>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let id = state.app.add_executive_member(&actor, parse_id(&id)?, &m.name, &m.position, &m.workplace, m.joined_on.as_deref()).await?;
    Ok((StatusCode::CREATED, Json(Created { id: id.to_string() })))
}

#[derive(Deserialize, IntoParams)]
pub struct HomeQuery {
    region: Option<String>,
    /// true | false
    standardised: Option<bool>,
    q: Option<String>,
    after: Option<String>,
    limit: Option<u64>,
}

/// Women's homes in the caller's scope.
#[utoipa::path(get, path = "/api/v1/women-homes", tag = "org", params(HomeQuery), security(("bearer" = [])),
    responses((status = 200, body = List<dto::Home>), (status = 404, body = dto::ErrorBody)))]
pub async fn list_homes(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiQuery(q): ApiQuery<HomeQuery>,
) -> Result<Json<List<dto::Home>>, ApiError> {
    let region = parse_region(q.region.as_deref())?;
    let filter = jinguo_store::org::homes::Filter { standardised: q.standardised, q: q.q };
    let page = state.app.list_homes(&actor, region.as_ref(), &filter, q.after.as_deref(), limit(q.limit)).await?;
    Ok(Json(List::from_page(page, dto::Home::from)))
}

#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct CreateHome {
    /// The 12-digit village code.
    region: String,
    name: Option<String>,
    address: Option<String>,
    keeper: Option<String>,
    established_on: Option<String>,
}

/// Registers a village's women's home.
#[utoipa::path(post, path = "/api/v1/women-homes", tag = "org", request_body = CreateHome, security(("bearer" = [])),
    responses((status = 201, body = dto::Home), (status = 403, body = dto::ErrorBody), (status = 409, body = dto::ErrorBody), (status = 422, body = dto::ErrorBody)))]
pub async fn create_home(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(input): ApiJson<HomeInput>,
) -> Result<(StatusCode, Json<dto::Home>), ApiError> {
    let h = state.app.create_home(&actor, &input).await?;
    Ok((StatusCode::CREATED, Json(h.into())))
}

/// A women's home with its checklist.
#[utoipa::path(get, path = "/api/v1/women-homes/{id}", tag = "org", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = dto::HomeDetail), (status = 404, body = dto::ErrorBody)))]
pub async fn get_home(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<dto::HomeDetail>, ApiError> {
    Ok(Json(state.app.home(&actor, parse_id(&id)?).await?.into()))
}

#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct NewCheck {
    /// premises | sign | rules | keeper | activities | records
    item: String,
    holds: bool,
    checked_on: Option<String>,
    checked_by: Option<String>,
    note: Option<String>,
}

/// Records a check of one checklist item.
#[utoipa::path(post, path = "/api/v1/women-homes/{id}/checks", tag = "org", params(("id" = String, Path)), request_body = NewCheck, security(("bearer" = [])),
    responses((status = 201, body = dto::Home), (status = 403, body = dto::ErrorBody), (status = 404, body = dto::ErrorBody), (status = 422, body = dto::ErrorBody)))]
pub async fn check_home(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<String>,
    ApiJson(v): ApiJson<serde_json::Value>,
) -> Result<(StatusCode, Json<dto::Home>), ApiError> {
    let text = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_owned);
    let holds = match v.get("holds") {
        Some(serde_json::Value::Bool(b)) => b.to_string(),
        Some(serde_json::Value::String(s)) => s.clone(),
        _ => String::new(),
    };
    let input = CheckInput {
        item: text("item").unwrap_or_default(),
        holds,
        checked_on: text("checked_on"),
        checked_by: text("checked_by"),
        note: text("note"),
    };
    let h = state.app.check_home_item(&actor, parse_id(&id)?, &input).await?;
    Ok((StatusCode::CREATED, Json(h.into())))
}

#[derive(Deserialize, IntoParams)]
pub struct ActivityQuery {
    region: Option<String>,
    category: Option<String>,
    from: Option<String>,
    to: Option<String>,
    after: Option<String>,
    limit: Option<u64>,
}

/// Activities in the caller's scope, newest first.
#[utoipa::path(get, path = "/api/v1/activities", tag = "org", params(ActivityQuery), security(("bearer" = [])),
    responses((status = 200, body = List<dto::Activity>), (status = 404, body = dto::ErrorBody)))]
pub async fn list_activities(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiQuery(q): ApiQuery<ActivityQuery>,
) -> Result<Json<List<dto::Activity>>, ApiError> {
    let region = parse_region(q.region.as_deref())?;
    let mut filter = jinguo_store::org::activities::Filter::default();
    if let Some(c) = q.category.as_deref().filter(|c| !c.is_empty()) {
        filter.category = Some(ActivityCategory::parse(c).ok_or_else(|| AppError::invalid("category", format!("未知的活动类别：{c}")))?);
    }
    let date = |field: &str, v: Option<&str>| -> Result<Option<chrono::NaiveDate>, ApiError> {
        match v.filter(|s| !s.is_empty()) {
            None => Ok(None),
            Some(s) => {
                jinguo_domain::insight::parse_date(s).map(Some).ok_or_else(|| ApiError(AppError::invalid(field, "日期格式应为 YYYY-MM-DD")))
            }
        }
    };
    filter.from = date("from", q.from.as_deref())?;
    filter.to = date("to", q.to.as_deref())?;
    let page = state.app.list_activities(&actor, region.as_ref(), &filter, q.after.as_deref(), limit(q.limit)).await?;
    Ok(Json(List::from_page(page, dto::Activity::from)))
}

#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct CreateActivity {
    /// The organising federation's id; default the caller's.
    federation: Option<String>,
    /// Where it was held (default the federation's region).
    region: Option<String>,
    held_on: String,
    /// political | culture | family_education | training | roadshow | volunteer | other
    category: String,
    title: String,
    place: Option<String>,
    participants: i64,
}

/// Records an activity.
#[utoipa::path(post, path = "/api/v1/activities", tag = "org", request_body = CreateActivity, security(("bearer" = [])),
    responses((status = 201, body = dto::Activity), (status = 403, body = dto::ErrorBody), (status = 422, body = dto::ErrorBody)))]
pub async fn create_activity(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(input): ApiJson<ActivityInput>,
) -> Result<(StatusCode, Json<dto::Activity>), ApiError> {
    let a = state.app.create_activity(&actor, &input).await?;
    Ok((StatusCode::CREATED, Json(a.into())))
}

/// One activity.
#[utoipa::path(get, path = "/api/v1/activities/{id}", tag = "org", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = dto::Activity), (status = 404, body = dto::ErrorBody)))]
pub async fn get_activity(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<dto::Activity>, ApiError> {
    Ok(Json(state.app.activity(&actor, parse_id(&id)?).await?.into()))
}

#[derive(Deserialize, ToSchema)]
pub struct Attendance {
    /// Ids of registered people (in the caller's scope) who attended.
    people: Vec<serde_json::Value>,
}

#[derive(serde::Serialize, ToSchema)]
pub struct Attendee {
    person: String,
    /// Masked: 张*.
    name: String,
    region: String,
}

fn attendees(list: Vec<jinguo_app::org::activities::AttendeeView>) -> List<Attendee> {
    List::all(
        list.into_iter().map(|a| Attendee { person: a.person.to_string(), name: a.name, region: a.region.short().to_owned() }).collect(),
    )
}

/// Confirms that registered people attended (the organiser's confirmation).
#[utoipa::path(post, path = "/api/v1/activities/{id}/attendance", tag = "org", params(("id" = String, Path)), request_body = Attendance, security(("bearer" = [])),
    responses((status = 200, body = List<Attendee>), (status = 403, body = dto::ErrorBody), (status = 404, body = dto::ErrorBody), (status = 422, body = dto::ErrorBody)))]
pub async fn confirm_attendance(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<Attendance>,
) -> Result<Json<List<Attendee>>, ApiError> {
    let people: Vec<String> = body.people.iter().map(|v| v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string())).collect();
    Ok(Json(attendees(state.app.confirm_attendance(&actor, parse_id(&id)?, &people).await?)))
}

/// The people confirmed for an activity.
#[utoipa::path(get, path = "/api/v1/activities/{id}/attendance", tag = "org", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = List<Attendee>), (status = 404, body = dto::ErrorBody)))]
pub async fn list_attendance(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<List<Attendee>>, ApiError> {
    Ok(Json(attendees(state.app.attendees(&actor, parse_id(&id)?).await?)))
}
