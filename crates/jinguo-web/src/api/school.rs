//! The online parent school under `/api/v1/school/…`: articles and videos (drafts, publishing,
//! views), and the consultation queue with assignment and answers. Parents ask and rate on the
//! public pages, not here.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use jinguo_app::AppError;
use jinguo_app::school::{ItemFilter, ItemInput};
use jinguo_domain::education::{AgeGroup, ItemKind, ItemStatus, wait_words};
use jinguo_store::education::consultations::Consultation;
use jinguo_store::education::school::Item;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::dto::{self, List};
use super::education::input;
use super::{ApiJson, ApiQuery, parse_id, parse_region};
use crate::auth::ApiUser;
use crate::error::ApiError;
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct ItemOut {
    pub id: String,
    pub region: String,
    pub region_name: String,
    /// article | video
    pub kind: String,
    pub kind_label: String,
    pub title: String,
    pub body: String,
    pub video_url: String,
    pub topic: String,
    pub age_group: String,
    pub age_group_label: String,
    /// draft | published
    pub status: String,
    pub published_on: Option<String>,
    /// Views counted so far (written in batches).
    pub views: i64,
}

impl From<Item> for ItemOut {
    fn from(i: Item) -> ItemOut {
        ItemOut {
            id: i.id.to_string(),
            region: i.region.short().to_owned(),
            region_name: i.region_name,
            kind: i.kind.code().to_owned(),
            kind_label: i.kind.label().to_owned(),
            title: i.title,
            body: i.body,
            video_url: i.video_url,
            topic: i.topic,
            age_group: i.age_group.code().to_owned(),
            age_group_label: i.age_group.label().to_owned(),
            status: i.status.code().to_owned(),
            published_on: i.published_on.map(|d| d.to_string()),
            views: i.views,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct NewItem {
    /// Default: the caller's federation's region.
    region: Option<String>,
    /// article | video
    kind: String,
    title: String,
    /// Required for an article.
    body: Option<String>,
    /// Required for a video; https only.
    video_url: Option<String>,
    topic: String,
    /// all | infant | preschool | primary | junior | senior (default all)
    age_group: Option<String>,
    /// Publish today instead of saving a draft.
    #[serde(default)]
    publish: bool,
}

/// Writes an article or a video (a draft unless `publish`).
#[utoipa::path(post, path = "/api/v1/school/items", tag = "school", request_body = NewItem, security(("bearer" = [])),
    responses((status = 201, body = ItemOut), (status = 403, body = dto::ErrorBody), (status = 422, body = dto::ErrorBody)))]
pub async fn create_item(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(v): ApiJson<serde_json::Value>,
) -> Result<(StatusCode, Json<ItemOut>), ApiError> {
    let i: ItemInput = input(v, &["region"])?;
    Ok((StatusCode::CREATED, Json(state.app.create_school_item(&actor, &i).await?.into())))
}

#[derive(Deserialize, IntoParams)]
pub struct ItemQuery {
    region: Option<String>,
    /// article | video
    kind: Option<String>,
    /// draft | published
    status: Option<String>,
    age_group: Option<String>,
    after: Option<String>,
    limit: Option<u64>,
}

/// Articles and videos of federations in scope (drafts too).
#[utoipa::path(get, path = "/api/v1/school/items", tag = "school", params(ItemQuery), security(("bearer" = [])),
    responses((status = 200, body = List<ItemOut>), (status = 404, body = dto::ErrorBody), (status = 422, body = dto::ErrorBody)))]
pub async fn list_items(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiQuery(q): ApiQuery<ItemQuery>,
) -> Result<Json<List<ItemOut>>, ApiError> {
    let region = parse_region(q.region.as_deref())?;
    let mut filter = ItemFilter::default();
    if let Some(k) = q.kind.as_deref().filter(|k| !k.is_empty()) {
        filter.kind = Some(ItemKind::parse(k).map_err(AppError::Invalid)?);
    }
    if let Some(s) = q.status.as_deref().filter(|k| !k.is_empty()) {
        filter.status = Some(ItemStatus::from_code(s).ok_or_else(|| AppError::invalid("status", "状态应为 draft 或 published"))?);
    }
    if let Some(a) = q.age_group.as_deref().filter(|k| !k.is_empty()) {
        filter.age_group = Some(AgeGroup::parse(a).map_err(AppError::Invalid)?);
    }
    state.flush_school_views().await;
    let page = state.app.list_school_items(&actor, region.as_ref(), &filter, q.after.as_deref(), q.limit.unwrap_or(50)).await?;
    Ok(Json(List::from_page(page, ItemOut::from)))
}

/// An article or video.
#[utoipa::path(get, path = "/api/v1/school/items/{id}", tag = "school", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = ItemOut), (status = 404, body = dto::ErrorBody)))]
pub async fn get_item(State(state): State<AppState>, ApiUser(actor): ApiUser, Path(id): Path<String>) -> Result<Json<ItemOut>, ApiError> {
    state.flush_school_views().await;
    Ok(Json(state.app.school_item(&actor, parse_id(&id)?).await?.into()))
}

/// Changes an item's title, body, video address, topic or age group (all given again).
#[utoipa::path(patch, path = "/api/v1/school/items/{id}", tag = "school", params(("id" = String, Path)), request_body = NewItem, security(("bearer" = [])),
    responses((status = 200, body = ItemOut), (status = 403, body = dto::ErrorBody), (status = 404, body = dto::ErrorBody), (status = 422, body = dto::ErrorBody)))]
pub async fn update_item(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<String>,
    ApiJson(v): ApiJson<serde_json::Value>,
) -> Result<Json<ItemOut>, ApiError> {
    let i: ItemInput = input(v, &["region"])?;
    Ok(Json(state.app.update_school_item(&actor, parse_id(&id)?, &i).await?.into()))
}

/// Publishes a draft today.
#[utoipa::path(post, path = "/api/v1/school/items/{id}/publish", tag = "school", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = ItemOut), (status = 403, body = dto::ErrorBody), (status = 404, body = dto::ErrorBody), (status = 409, body = dto::ErrorBody)))]
pub async fn publish_item(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<ItemOut>, ApiError> {
    Ok(Json(state.app.publish_school_item(&actor, parse_id(&id)?).await?.into()))
}

#[derive(Serialize, ToSchema)]
pub struct ConsultationOut {
    pub id: String,
    pub region: String,
    pub region_name: String,
    pub age_group: String,
    pub age_group_label: String,
    pub question: String,
    /// Milliseconds since the epoch.
    pub asked_at: i64,
    /// waiting | assigned | answered | rated
    pub status: String,
    pub status_label: String,
    /// How long the parent waited (until answered, or until now), in milliseconds and in words.
    pub waited_ms: i64,
    pub waited: String,
    pub lecturer: Option<String>,
    pub lecturer_name: Option<String>,
    pub answer: String,
    pub answered_at: Option<i64>,
    /// good | ok | poor
    pub rating: Option<String>,
}

fn consultation_out(q: Consultation, now_ms: i64) -> ConsultationOut {
    let status = q.status();
    let waited_ms = q.waited_ms(now_ms);
    ConsultationOut {
        id: q.id.to_string(),
        region: q.region.short().to_owned(),
        region_name: q.region_name,
        age_group: q.age_group.code().to_owned(),
        age_group_label: q.age_group.label().to_owned(),
        question: q.question,
        asked_at: q.asked_at,
        status: status.code().to_owned(),
        status_label: status.label().to_owned(),
        waited_ms,
        waited: wait_words(waited_ms),
        lecturer: q.lecturer.map(|l| l.to_string()),
        lecturer_name: q.lecturer_name,
        answer: q.answer,
        answered_at: q.answered_at,
        rating: q.rating.map(|r| r.code().to_owned()),
    }
}

#[derive(Deserialize, IntoParams)]
pub struct QueueQuery {
    region: Option<String>,
    /// open (unanswered, default) | all
    status: Option<String>,
    after: Option<String>,
    limit: Option<u64>,
}

/// The consultation queue in scope, the longest waiting first.
#[utoipa::path(get, path = "/api/v1/school/consultations", tag = "school", params(QueueQuery), security(("bearer" = [])),
    responses((status = 200, body = List<ConsultationOut>), (status = 404, body = dto::ErrorBody), (status = 422, body = dto::ErrorBody)))]
pub async fn queue(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiQuery(q): ApiQuery<QueueQuery>,
) -> Result<Json<List<ConsultationOut>>, ApiError> {
    let region = parse_region(q.region.as_deref())?;
    let open = match q.status.as_deref() {
        None | Some("") | Some("open") => true,
        Some("all") => false,
        Some(other) => return Err(AppError::invalid("status", format!("状态应为 open 或 all：{other}")).into()),
    };
    let now = state.app.now_ms();
    let page = state.app.consultation_queue(&actor, region.as_ref(), open, q.after.as_deref(), q.limit.unwrap_or(50)).await?;
    Ok(Json(List::from_page(page, |c| consultation_out(c, now))))
}

/// A consultation.
#[utoipa::path(get, path = "/api/v1/school/consultations/{id}", tag = "school", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = ConsultationOut), (status = 404, body = dto::ErrorBody)))]
pub async fn get_consultation(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<ConsultationOut>, ApiError> {
    let q = state.app.consultation(&actor, parse_id(&id)?).await?;
    Ok(Json(consultation_out(q, state.app.now_ms())))
}

#[derive(Deserialize, ToSchema)]
pub struct Assign {
    /// The lecturer's id.
    #[schema(value_type = String)]
    lecturer: serde_json::Value,
}

/// Assigns an expert (a lecturer) to a consultation.
#[utoipa::path(post, path = "/api/v1/school/consultations/{id}/assign", tag = "school", params(("id" = String, Path)), request_body = Assign, security(("bearer" = [])),
    responses((status = 200, body = ConsultationOut), (status = 403, body = dto::ErrorBody), (status = 404, body = dto::ErrorBody), (status = 409, body = dto::ErrorBody), (status = 422, body = dto::ErrorBody)))]
pub async fn assign(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<Assign>,
) -> Result<Json<ConsultationOut>, ApiError> {
    let lecturer = b.lecturer.as_str().map(str::to_owned).unwrap_or_else(|| b.lecturer.to_string());
    let q = state.app.assign_consultation(&actor, parse_id(&id)?, &lecturer).await?;
    Ok(Json(consultation_out(q, state.app.now_ms())))
}

#[derive(Deserialize, ToSchema)]
pub struct Answer {
    #[serde(default)]
    answer: String,
}

/// Records the assigned expert's answer.
#[utoipa::path(post, path = "/api/v1/school/consultations/{id}/answer", tag = "school", params(("id" = String, Path)), request_body = Answer, security(("bearer" = [])),
    responses((status = 200, body = ConsultationOut), (status = 403, body = dto::ErrorBody), (status = 404, body = dto::ErrorBody), (status = 409, body = dto::ErrorBody), (status = 422, body = dto::ErrorBody)))]
pub async fn answer(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<Answer>,
) -> Result<Json<ConsultationOut>, ApiError> {
    let q = state.app.answer_consultation(&actor, parse_id(&id)?, &b.answer).await?;
    Ok(Json(consultation_out(q, state.app.now_ms())))
}
