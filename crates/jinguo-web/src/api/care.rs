//! Dynamic monitoring: care cases, visits, the overdue list.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use jinguo_app::AppError;
use jinguo_app::care::VisitInput;
use jinguo_domain::people::RiskLevel;
use jinguo_store::care::{CareCase, Filter};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::dto::{self, List};
use super::{ApiJson, ApiQuery, parse_id, parse_region};
use crate::auth::ApiUser;
use crate::error::ApiError;
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct Case {
    pub id: String,
    pub person: String,
    /// Masked in lists (张*); empty for roles that do not see identity.
    pub person_name: String,
    pub region: String,
    pub region_name: String,
    /// high | medium | low
    pub risk: String,
    pub risk_label: String,
    pub interval_days: i64,
    pub opened_on: String,
    pub last_visit_on: Option<String>,
    pub next_due: String,
    /// Days past the due date today (0 when not overdue or closed).
    pub days_overdue: i64,
    pub closed_on: Option<String>,
    pub close_reason: String,
}

impl Case {
    fn new(c: CareCase, today: chrono::NaiveDate) -> Case {
        let days_overdue = if c.closed_on.is_none() && c.next_due < today { (today - c.next_due).num_days() } else { 0 };
        Case {
            id: c.id.to_string(),
            person: c.person.to_string(),
            person_name: c.person_name,
            region: c.region.short().to_owned(),
            region_name: c.region_name,
            risk: c.risk.code().to_owned(),
            risk_label: c.risk.label().to_owned(),
            interval_days: c.interval_days,
            opened_on: c.opened_on.to_string(),
            last_visit_on: c.last_visit_on.map(|d| d.to_string()),
            next_due: c.next_due.to_string(),
            days_overdue,
            closed_on: c.closed_on.map(|d| d.to_string()),
            close_reason: c.close_reason,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct VisitOut {
    pub id: String,
    pub visited_on: String,
    pub visitor_name: String,
    pub findings: String,
    pub needs: String,
}

#[derive(Serialize, ToSchema)]
pub struct CaseDetail {
    #[serde(flatten)]
    pub case: Case,
    pub visits: Vec<VisitOut>,
}

#[derive(Deserialize, ToSchema)]
pub struct OpenCase {
    /// The person's id.
    #[schema(value_type = String)]
    person: serde_json::Value,
    /// high | medium | low (高/中/低)
    risk: String,
    opened_on: Option<String>,
}

/// Opens a care case for a registered woman in a vulnerable category.
#[utoipa::path(post, path = "/api/v1/care/cases", tag = "care", request_body = OpenCase, security(("bearer" = [])),
    responses((status = 201, body = Case), (status = 403, body = dto::ErrorBody), (status = 409, body = dto::ErrorBody), (status = 422, body = dto::ErrorBody)))]
pub async fn open(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(b): ApiJson<OpenCase>,
) -> Result<(StatusCode, Json<Case>), ApiError> {
    let person = b.person.as_str().map(str::to_owned).unwrap_or_else(|| b.person.to_string());
    let c = state.app.open_case(&actor, &person, &b.risk, b.opened_on.as_deref()).await?;
    Ok((StatusCode::CREATED, Json(Case::new(c, state.app.today()))))
}

#[derive(Deserialize, IntoParams)]
pub struct CaseQuery {
    region: Option<String>,
    /// high | medium | low
    risk: Option<String>,
    /// open | closed
    status: Option<String>,
    after: Option<String>,
    limit: Option<u64>,
}

/// Care cases in scope.
#[utoipa::path(get, path = "/api/v1/care/cases", tag = "care", params(CaseQuery), security(("bearer" = [])),
    responses((status = 200, body = List<Case>), (status = 404, body = dto::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiQuery(q): ApiQuery<CaseQuery>,
) -> Result<Json<List<Case>>, ApiError> {
    let region = parse_region(q.region.as_deref())?;
    let mut filter = Filter::default();
    if let Some(r) = q.risk.as_deref().filter(|r| !r.is_empty()) {
        filter.risk = Some(RiskLevel::parse(r).map_err(AppError::Invalid)?);
    }
    filter.open = match q.status.as_deref() {
        None | Some("") => None,
        Some("open") => Some(true),
        Some("closed") => Some(false),
        Some(other) => return Err(AppError::invalid("status", format!("状态应为 open 或 closed：{other}")).into()),
    };
    let page = state.app.list_cases(&actor, region.as_ref(), filter, q.after.as_deref(), q.limit.unwrap_or(50)).await?;
    let today = state.app.today();
    Ok(Json(List::from_page(page, |c| Case::new(c, today))))
}

/// A care case with its visits, newest first.
#[utoipa::path(get, path = "/api/v1/care/cases/{id}", tag = "care", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = CaseDetail), (status = 404, body = dto::ErrorBody)))]
pub async fn get(State(state): State<AppState>, ApiUser(actor): ApiUser, Path(id): Path<String>) -> Result<Json<CaseDetail>, ApiError> {
    let d = state.app.care_case(&actor, parse_id(&id)?).await?;
    Ok(Json(CaseDetail {
        case: Case::new(d.case, state.app.today()),
        visits: d
            .visits
            .into_iter()
            .map(|v| VisitOut {
                id: v.id.to_string(),
                visited_on: v.visited_on.to_string(),
                visitor_name: v.visitor_name,
                findings: v.findings,
                needs: v.needs,
            })
            .collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct NewVisit {
    visited_on: Option<String>,
    /// What the visitor found.
    findings: String,
    /// What she needs.
    needs: Option<String>,
    /// Default: the caller.
    visitor: Option<String>,
}

/// Records a visit (走访); answers the case with its next due date.
#[utoipa::path(post, path = "/api/v1/care/cases/{id}/visits", tag = "care", params(("id" = String, Path)), request_body = NewVisit, security(("bearer" = [])),
    responses((status = 201, body = Case), (status = 403, body = dto::ErrorBody), (status = 404, body = dto::ErrorBody), (status = 422, body = dto::ErrorBody)))]
pub async fn visit(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<String>,
    ApiJson(v): ApiJson<VisitInput>,
) -> Result<(StatusCode, Json<Case>), ApiError> {
    let c = state.app.record_visit(&actor, parse_id(&id)?, &v).await?;
    Ok((StatusCode::CREATED, Json(Case::new(c, state.app.today()))))
}

#[derive(Deserialize, ToSchema)]
pub struct CloseCase {
    closed_on: Option<String>,
    #[serde(default)]
    reason: String,
}

/// Closes a case with a reason.
#[utoipa::path(post, path = "/api/v1/care/cases/{id}/close", tag = "care", params(("id" = String, Path)), request_body = CloseCase, security(("bearer" = [])),
    responses((status = 200, body = Case), (status = 403, body = dto::ErrorBody), (status = 404, body = dto::ErrorBody), (status = 409, body = dto::ErrorBody), (status = 422, body = dto::ErrorBody)))]
pub async fn close(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<CloseCase>,
) -> Result<Json<Case>, ApiError> {
    let c = state.app.close_case(&actor, parse_id(&id)?, b.closed_on.as_deref(), &b.reason).await?;
    Ok(Json(Case::new(c, state.app.today())))
}

#[derive(Deserialize, IntoParams)]
pub struct OverdueQuery {
    region: Option<String>,
    after: Option<String>,
    limit: Option<u64>,
}

/// Open cases whose visit is overdue today, the most overdue first.
#[utoipa::path(get, path = "/api/v1/care/overdue", tag = "care", params(OverdueQuery), security(("bearer" = [])),
    responses((status = 200, body = List<Case>), (status = 404, body = dto::ErrorBody)))]
pub async fn overdue(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiQuery(q): ApiQuery<OverdueQuery>,
) -> Result<Json<List<Case>>, ApiError> {
    let region = parse_region(q.region.as_deref())?;
    let page = state.app.overdue_cases(&actor, region.as_ref(), q.after.as_deref(), q.limit.unwrap_or(50)).await?;
    let today = state.app.today();
    Ok(Json(List::from_page(page, |c| Case::new(c, today))))
}
