//! The register of people: masked by default, revealed with a reason.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use jinguo_app::people::{PersonInput, PersonView, Registration};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::dto::{self, List};
use super::{ApiJson, ApiQuery, parse_id, parse_region};
use crate::auth::ApiUser;
use crate::error::ApiError;
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct Person {
    pub id: String,
    /// The village code.
    pub region: String,
    pub region_name: String,
    /// Full on a record, masked (张*) in lists; null for roles that do not see identity.
    pub name: Option<String>,
    /// Masked: 420502********1234.
    pub id_number: Option<String>,
    /// Masked: 138****5678.
    pub phone: Option<String>,
    pub address: Option<String>,
    /// 男 | 女
    pub sex: String,
    pub age: u32,
    /// Codes: hardship, left_behind, disability, single_mother, serious_illness, gig_worker, scientist, other.
    pub categories: Vec<String>,
    pub category_labels: Vec<String>,
    /// True when the ID number was already registered and this is her existing record.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub existing: bool,
}

impl Person {
    fn new(p: PersonView, existing: bool) -> Person {
        Person {
            id: p.id.to_string(),
            region: p.region.short().to_owned(),
            region_name: p.region_name,
            name: p.name,
            id_number: p.id_number,
            phone: p.phone,
            address: p.address,
            sex: p.sex,
            age: p.age,
            categories: p.categories.iter().map(|c| c.code().to_owned()).collect(),
            category_labels: p.categories.iter().map(|c| c.label().to_owned()).collect(),
            existing,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct CreatePerson {
    name: String,
    /// 18 characters, GB 11643.
    id_number: String,
    phone: Option<String>,
    /// The 12-digit village code.
    region: String,
    /// Codes (or Chinese labels).
    categories: Option<Vec<String>>,
    address: Option<String>,
}

/// Registers a person; an ID number already registered in scope answers 200 with her record.
#[utoipa::path(post, path = "/api/v1/people", tag = "people", request_body = CreatePerson, security(("bearer" = [])),
    responses((status = 201, body = Person), (status = 200, body = Person, description = "already registered: her existing record"),
        (status = 403, body = dto::ErrorBody), (status = 409, body = dto::ErrorBody, description = "registered in another region"), (status = 422, body = dto::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(input): ApiJson<PersonInput>,
) -> Result<(StatusCode, Json<Person>), ApiError> {
    Ok(match state.app.register_person(&actor, &input).await? {
        Registration::Created(p) => (StatusCode::CREATED, Json(Person::new(p, false))),
        Registration::Existing(p) => (StatusCode::OK, Json(Person::new(p, true))),
    })
}

#[derive(Deserialize, IntoParams)]
pub struct PeopleQuery {
    region: Option<String>,
    category: Option<String>,
    /// A name (part of it), or a full ID number or phone number.
    q: Option<String>,
    after: Option<String>,
    limit: Option<u64>,
}

/// People in the caller's scope, masked.
#[utoipa::path(get, path = "/api/v1/people", tag = "people", params(PeopleQuery), security(("bearer" = [])),
    responses((status = 200, body = List<Person>), (status = 404, body = dto::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiQuery(q): ApiQuery<PeopleQuery>,
) -> Result<Json<List<Person>>, ApiError> {
    let region = parse_region(q.region.as_deref())?;
    let page = state
        .app
        .list_people(&actor, region.as_ref(), q.category.as_deref(), q.q.as_deref(), q.after.as_deref(), q.limit.unwrap_or(50))
        .await?;
    Ok(Json(List::from_page(page, |p| Person::new(p, false))))
}

/// One person, masked.
#[utoipa::path(get, path = "/api/v1/people/{id}", tag = "people", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = Person), (status = 404, body = dto::ErrorBody)))]
pub async fn get(State(state): State<AppState>, ApiUser(actor): ApiUser, Path(id): Path<String>) -> Result<Json<Person>, ApiError> {
    Ok(Json(Person::new(state.app.person(&actor, parse_id(&id)?).await?, false)))
}

#[derive(Deserialize, ToSchema)]
pub struct RevealRequest {
    /// Why the full values are needed (recorded in the audit log).
    #[serde(default)]
    reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct RevealResponse {
    name: String,
    id_number: String,
    phone: Option<String>,
    address: Option<String>,
}

/// The full ID number, phone and address, with a reason; audited.
#[utoipa::path(post, path = "/api/v1/people/{id}/reveal", tag = "people", params(("id" = String, Path)), request_body = RevealRequest, security(("bearer" = [])),
    responses((status = 200, body = RevealResponse), (status = 403, body = dto::ErrorBody), (status = 404, body = dto::ErrorBody), (status = 422, body = dto::ErrorBody)))]
pub async fn reveal(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<String>,
    ApiJson(r): ApiJson<RevealRequest>,
) -> Result<Json<RevealResponse>, ApiError> {
    let v = state.app.reveal_person(&actor, parse_id(&id)?, &r.reason).await?;
    Ok(Json(RevealResponse { name: v.name, id_number: v.id_number, phone: v.phone, address: v.address }))
}
