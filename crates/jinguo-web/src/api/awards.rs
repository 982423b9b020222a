//! Award campaigns under `/api/v1/awards/…`: campaigns, nominations (photos as base64 in JSON),
//! reviews, the notice and its objections, finalising, honours and roadshows. Votes, objections
//! and self-nominations are the public's, made on the public pages with a public account; the
//! API answers staff.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use base64::Engine;
use jinguo_app::AppError;
use jinguo_app::awards::{
    CampaignDetail, CampaignInput, HonourFilter, HonourInput, NominationDetail, NominationFilter, NominationInput, PhotoUpload, QuotaInput,
    ReviewInput, RoadshowInput,
};
use jinguo_domain::awards::{AwardKind, HonourLevel, Stage};
use jinguo_store::awards::honours::Honour;
use jinguo_store::awards::nominations::Nomination;
use jinguo_store::awards::objections::Objection;
use jinguo_store::awards::roadshows::Roadshow;
use jinguo_store::awards::{Campaign, Quota};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::dto::{self, List};
use super::{ApiJson, ApiQuery, parse_id, parse_region};
use crate::auth::ApiUser;
use crate::error::ApiError;
use crate::state::AppState;

fn text(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Reads a body whose scalar fields may come as JSON numbers or strings.
fn input<T: serde::de::DeserializeOwned>(mut v: serde_json::Value) -> Result<T, ApiError> {
    if let Some(obj) = v.as_object_mut() {
        for (_, val) in obj.iter_mut() {
            if val.is_number() || val.is_boolean() {
                *val = serde_json::Value::String(text(val).unwrap_or_default());
            }
        }
    }
    serde_json::from_value(v).map_err(|e| ApiError(AppError::invalid("body", format!("请求字段有误：{e}"))))
}

// ---------------------------------------------------------------------------------------------
// Campaigns
// ---------------------------------------------------------------------------------------------

#[derive(Serialize, ToSchema)]
pub struct QuotaOut {
    pub county: String,
    pub county_name: String,
    pub quota: i64,
    pub town_used: i64,
    pub county_used: i64,
    pub city_used: i64,
}

impl From<Quota> for QuotaOut {
    fn from(q: Quota) -> QuotaOut {
        QuotaOut {
            county: q.county.short().to_owned(),
            county_name: q.county_name,
            quota: q.quota,
            town_used: q.town_used,
            county_used: q.county_used,
            city_used: q.city_used,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CampaignOut {
    pub id: String,
    pub region: String,
    /// civilised | most_beautiful | integrity | good_mother_in_law | good_daughter_in_law | science_star | custom
    pub kind: String,
    pub kind_name: String,
    pub for_person: bool,
    pub year: i64,
    pub title: String,
    pub nominate_from: String,
    pub nominate_to: String,
    pub review_from: String,
    pub review_to: String,
    pub vote_from: Option<String>,
    pub vote_to: Option<String>,
    pub vote_weight: i64,
    pub notice_from: String,
    pub notice_days: i64,
    pub notice_start: Option<String>,
    pub notice_end: Option<String>,
    /// open | notice | finalised
    pub status: String,
    pub status_label: String,
    pub finalised_on: Option<String>,
}

impl From<Campaign> for CampaignOut {
    fn from(c: Campaign) -> CampaignOut {
        let t = c.timetable;
        CampaignOut {
            id: c.id.to_string(),
            region: c.region.short().to_owned(),
            kind: c.kind.code().to_owned(),
            kind_name: c.kind_name,
            for_person: c.for_person,
            year: c.year,
            title: c.title,
            nominate_from: t.nominate_from.to_string(),
            nominate_to: t.nominate_to.to_string(),
            review_from: t.review_from.to_string(),
            review_to: t.review_to.to_string(),
            vote_from: t.vote.map(|v| v.0.to_string()),
            vote_to: t.vote.map(|v| v.1.to_string()),
            vote_weight: c.vote_weight,
            notice_from: t.notice_from.to_string(),
            notice_days: t.notice_days,
            notice_start: c.notice_start.map(|d| d.to_string()),
            notice_end: c.notice_end.map(|d| d.to_string()),
            status: c.status.code().to_owned(),
            status_label: c.status.label().to_owned(),
            finalised_on: c.finalised_on.map(|d| d.to_string()),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct StageCount {
    pub stage: String,
    pub label: String,
    pub count: i64,
}

#[derive(Serialize, ToSchema)]
pub struct CampaignDetailOut {
    #[serde(flatten)]
    pub campaign: CampaignOut,
    pub quotas: Vec<QuotaOut>,
    /// Nominations by stage, in the caller's scope.
    pub stages: Vec<StageCount>,
    pub open_objections: i64,
}

impl From<CampaignDetail> for CampaignDetailOut {
    fn from(d: CampaignDetail) -> CampaignDetailOut {
        CampaignDetailOut {
            campaign: d.campaign.into(),
            quotas: d.quotas.into_iter().map(Into::into).collect(),
            stages: d.stages.into_iter().map(|(s, n)| StageCount { stage: s.code().into(), label: s.label().into(), count: n }).collect(),
            open_objections: d.open_objections,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct NewQuota {
    /// A county's code.
    county: String,
    quota: i64,
}

#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct NewCampaign {
    /// civilised | most_beautiful | integrity | good_mother_in_law | good_daughter_in_law | science_star | custom
    kind: String,
    /// Required for custom.
    kind_name: Option<String>,
    /// For custom: whether the honour names a person.
    for_person: Option<bool>,
    year: i64,
    title: Option<String>,
    nominate_from: String,
    nominate_to: String,
    review_from: String,
    review_to: String,
    vote_from: Option<String>,
    vote_to: Option<String>,
    /// % of the composite score from the vote (default 30 with a vote).
    vote_weight: Option<i64>,
    notice_from: String,
    /// Default 7.
    notice_days: Option<i64>,
    quotas: Vec<NewQuota>,
}

/// Creates a campaign (city federation).
#[utoipa::path(post, path = "/api/v1/awards/campaigns", tag = "awards", request_body = NewCampaign, security(("bearer" = [])),
    responses((status = 201, body = CampaignDetailOut), (status = 403, body = dto::ErrorBody), (status = 422, body = dto::ErrorBody)))]
pub async fn create_campaign(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(mut v): ApiJson<serde_json::Value>,
) -> Result<(StatusCode, Json<CampaignDetailOut>), ApiError> {
    let quotas: Vec<QuotaInput> = v
        .get("quotas")
        .and_then(|q| q.as_array())
        .map(|a| {
            a.iter()
                .map(|q| QuotaInput {
                    county: q.get("county").and_then(text).unwrap_or_default(),
                    quota: q.get("quota").and_then(text).unwrap_or_default(),
                })
                .collect()
        })
        .unwrap_or_default();
    if let Some(o) = v.as_object_mut() {
        o.remove("quotas");
    }
    let mut i: CampaignInput = input(v)?;
    i.quotas = quotas;
    let d = state.app.create_campaign(&actor, &i).await?;
    Ok((StatusCode::CREATED, Json(d.into())))
}

#[derive(Deserialize, IntoParams)]
pub struct CampaignQuery {
    year: Option<i64>,
}

/// Campaigns, the latest year first.
#[utoipa::path(get, path = "/api/v1/awards/campaigns", tag = "awards", params(CampaignQuery), security(("bearer" = [])),
    responses((status = 200, body = List<CampaignOut>)))]
pub async fn list_campaigns(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiQuery(q): ApiQuery<CampaignQuery>,
) -> Result<Json<List<CampaignOut>>, ApiError> {
    let all = state.app.list_campaigns(&actor, q.year).await?;
    Ok(Json(List::all(all.into_iter().map(Into::into).collect())))
}

/// A campaign with its quotas and nominations by stage.
#[utoipa::path(get, path = "/api/v1/awards/campaigns/{id}", tag = "awards", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = CampaignDetailOut), (status = 404, body = dto::ErrorBody)))]
pub async fn get_campaign(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<CampaignDetailOut>, ApiError> {
    Ok(Json(state.app.campaign(&actor, parse_id(&id)?).await?.into()))
}

/// Publishes the public notice (公示) of the nominees the city approved.
#[utoipa::path(post, path = "/api/v1/awards/campaigns/{id}/notice", tag = "awards", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = CampaignDetailOut), (status = 403, body = dto::ErrorBody), (status = 409, body = dto::ErrorBody), (status = 422, body = dto::ErrorBody)))]
pub async fn publish_notice(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<CampaignDetailOut>, ApiError> {
    Ok(Json(state.app.publish_notice(&actor, parse_id(&id)?).await?.into()))
}

/// Finalises the campaign after the notice ended: honours are recorded.
#[utoipa::path(post, path = "/api/v1/awards/campaigns/{id}/finalise", tag = "awards", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = CampaignDetailOut), (status = 403, body = dto::ErrorBody), (status = 409, body = dto::ErrorBody), (status = 422, body = dto::ErrorBody)))]
pub async fn finalise(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<CampaignDetailOut>, ApiError> {
    Ok(Json(state.app.finalise_campaign(&actor, parse_id(&id)?).await?.into()))
}

// ---------------------------------------------------------------------------------------------
// Nominations
// ---------------------------------------------------------------------------------------------

#[derive(Serialize, ToSchema)]
pub struct NominationOut {
    pub id: String,
    pub campaign: String,
    pub region: String,
    pub region_name: String,
    pub county: String,
    pub family: String,
    pub family_name: String,
    pub person: Option<String>,
    pub person_name: Option<String>,
    /// federation | third_party | self
    pub source: String,
    pub nominator: String,
    pub story: String,
    /// submitted | town_approved | county_approved | city_approved | returned | withdrawn
    pub stage: String,
    pub stage_label: String,
    pub return_reason: String,
    pub panel_score: Option<i64>,
    pub nominated_on: String,
    pub votes: i64,
    pub flagged_votes: i64,
    pub photos: i64,
}

impl From<Nomination> for NominationOut {
    fn from(n: Nomination) -> NominationOut {
        NominationOut {
            id: n.id.to_string(),
            campaign: n.campaign.to_string(),
            region: n.region.short().to_owned(),
            region_name: n.region_name,
            county: n.county.short().to_owned(),
            family: n.family.to_string(),
            family_name: n.family_name,
            person: n.person.map(|p| p.to_string()),
            person_name: n.person_name,
            source: n.source.code().to_owned(),
            nominator: n.nominator,
            story: n.story,
            stage: n.stage.code().to_owned(),
            stage_label: n.stage.label().to_owned(),
            return_reason: n.return_reason,
            panel_score: n.panel_score,
            nominated_on: n.nominated_on.to_string(),
            votes: n.votes,
            flagged_votes: n.flagged_votes,
            photos: n.photos,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ReviewOut {
    /// town | county | city
    pub level: String,
    /// approve | return
    pub decision: String,
    pub reason: String,
    pub reviewer: String,
    pub at: i64,
}

#[derive(Serialize, ToSchema)]
pub struct ObjectionOut {
    pub id: String,
    pub nomination: String,
    pub family_name: String,
    pub text: String,
    pub raised_on: String,
    /// open | upheld | dismissed
    pub status: String,
    pub answer: String,
}

impl From<Objection> for ObjectionOut {
    fn from(o: Objection) -> ObjectionOut {
        ObjectionOut {
            id: o.id.to_string(),
            nomination: o.nomination.to_string(),
            family_name: o.family_name,
            text: o.text,
            raised_on: o.raised_on.to_string(),
            status: o.status,
            answer: o.answer,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct NominationDetailOut {
    #[serde(flatten)]
    pub nomination: NominationOut,
    /// Photo ids (`GET /awards/photos/{id}` on the staff pages).
    pub photo_ids: Vec<String>,
    pub reviews: Vec<ReviewOut>,
    pub objections: Vec<ObjectionOut>,
    /// Composite score in tenths of a point (panel and vote, weighted).
    pub score: i64,
}

impl From<NominationDetail> for NominationDetailOut {
    fn from(d: NominationDetail) -> NominationDetailOut {
        NominationDetailOut {
            nomination: d.nomination.into(),
            photo_ids: d.photos.iter().map(|p| p.id.to_string()).collect(),
            reviews: d
                .reviews
                .into_iter()
                .map(|r| ReviewOut { level: r.level, decision: r.decision, reason: r.reason, reviewer: r.reviewer_name, at: r.at_ms })
                .collect(),
            objections: d.objections.into_iter().map(Into::into).collect(),
            score: d.score,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct NewPhoto {
    name: String,
    /// The file, base64; JPEG, PNG or WebP, at most 5 MB.
    data: String,
}

#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct NewNomination {
    campaign: String,
    family: String,
    /// For the person kinds: the member nominated.
    person: Option<String>,
    /// federation (default) | third_party
    source: Option<String>,
    /// Required for third_party.
    nominator: Option<String>,
    story: String,
    photos: Option<Vec<NewPhoto>>,
}

/// Nominates a family (and a member, for the person kinds) for a campaign.
#[utoipa::path(post, path = "/api/v1/awards/nominations", tag = "awards", request_body = NewNomination, security(("bearer" = [])),
    responses((status = 201, body = NominationDetailOut), (status = 403, body = dto::ErrorBody), (status = 409, body = dto::ErrorBody), (status = 422, body = dto::ErrorBody)))]
pub async fn create_nomination(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(mut v): ApiJson<serde_json::Value>,
) -> Result<(StatusCode, Json<NominationDetailOut>), ApiError> {
    let mut photos = Vec::new();
    if let Some(list) = v.as_object_mut().and_then(|o| o.remove("photos")).and_then(|p| p.as_array().cloned()) {
        for p in list {
            let name = p.get("name").and_then(text).unwrap_or_default();
            let data = p.get("data").and_then(|d| d.as_str()).unwrap_or_default();
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(data.trim())
                .map_err(|_| ApiError(AppError::invalid("photos", format!("照片“{name}”不是有效的 base64 数据"))))?;
            photos.push(PhotoUpload { name, bytes });
        }
    }
    let i: NominationInput = input(v)?;
    let d = state.app.nominate(&actor, &i, &photos).await?;
    Ok((StatusCode::CREATED, Json(d.into())))
}

#[derive(Deserialize, IntoParams)]
pub struct NominationQuery {
    /// submitted | town_approved | county_approved | city_approved | returned | withdrawn
    stage: Option<String>,
    after: Option<String>,
    limit: Option<u64>,
}

/// A campaign's nominations in the caller's scope.
#[utoipa::path(get, path = "/api/v1/awards/campaigns/{id}/nominations", tag = "awards", params(("id" = String, Path), NominationQuery), security(("bearer" = [])),
    responses((status = 200, body = List<NominationOut>), (status = 404, body = dto::ErrorBody)))]
pub async fn list_nominations(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<NominationQuery>,
) -> Result<Json<List<NominationOut>>, ApiError> {
    let stage = match q.stage.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(Stage::parse(s).ok_or_else(|| ApiError(AppError::invalid("stage", format!("阶段无效：{s}"))))?),
    };
    let filter = NominationFilter { stage, family: None };
    let page = state.app.list_nominations(&actor, parse_id(&id)?, filter, q.after.as_deref(), q.limit.unwrap_or(50)).await?;
    Ok(Json(List::from_page(page, NominationOut::from)))
}

/// A nomination with its reviews and objections.
#[utoipa::path(get, path = "/api/v1/awards/nominations/{id}", tag = "awards", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = NominationDetailOut), (status = 404, body = dto::ErrorBody)))]
pub async fn get_nomination(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<NominationDetailOut>, ApiError> {
    Ok(Json(state.app.nomination(&actor, parse_id(&id)?).await?.into()))
}

#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct NewReview {
    /// approve | return
    decision: String,
    /// Required when sending back.
    reason: Option<String>,
    /// City level: the panel's score, 0–100.
    panel_score: Option<i64>,
}

/// The level whose turn it is approves (within its county's quota) or sends back.
#[utoipa::path(post, path = "/api/v1/awards/nominations/{id}/review", tag = "awards", params(("id" = String, Path)), request_body = NewReview, security(("bearer" = [])),
    responses((status = 200, body = NominationDetailOut), (status = 403, body = dto::ErrorBody), (status = 409, body = dto::ErrorBody), (status = 422, body = dto::ErrorBody)))]
pub async fn review(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<String>,
    ApiJson(v): ApiJson<serde_json::Value>,
) -> Result<Json<NominationDetailOut>, ApiError> {
    let i: ReviewInput = input(v)?;
    Ok(Json(state.app.review_nomination(&actor, parse_id(&id)?, &i).await?.into()))
}

#[derive(Deserialize, ToSchema)]
pub struct Resubmit {
    #[serde(default)]
    story: String,
}

/// Submits a returned nomination again with its story revised.
#[utoipa::path(post, path = "/api/v1/awards/nominations/{id}/resubmit", tag = "awards", params(("id" = String, Path)), request_body = Resubmit, security(("bearer" = [])),
    responses((status = 200, body = NominationDetailOut), (status = 409, body = dto::ErrorBody), (status = 422, body = dto::ErrorBody)))]
pub async fn resubmit(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<Resubmit>,
) -> Result<Json<NominationDetailOut>, ApiError> {
    Ok(Json(state.app.resubmit_nomination(&actor, parse_id(&id)?, &b.story).await?.into()))
}

#[derive(Deserialize, ToSchema)]
pub struct SettleVotes {
    /// true: count the flagged votes; false: reject them.
    count: bool,
}

#[derive(Serialize, ToSchema)]
pub struct Settled {
    pub votes: u64,
}

/// The city counts or rejects a nominee's flagged votes.
#[utoipa::path(post, path = "/api/v1/awards/nominations/{id}/flagged-votes", tag = "awards", params(("id" = String, Path)), request_body = SettleVotes, security(("bearer" = [])),
    responses((status = 200, body = Settled), (status = 403, body = dto::ErrorBody), (status = 404, body = dto::ErrorBody)))]
pub async fn settle_votes(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<SettleVotes>,
) -> Result<Json<Settled>, ApiError> {
    Ok(Json(Settled { votes: state.app.settle_flagged_votes(&actor, parse_id(&id)?, b.count).await? }))
}

/// A campaign's objections (open ones first).
#[utoipa::path(get, path = "/api/v1/awards/campaigns/{id}/objections", tag = "awards", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = List<ObjectionOut>), (status = 404, body = dto::ErrorBody)))]
pub async fn list_objections(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<List<ObjectionOut>>, ApiError> {
    let all = state.app.list_objections(&actor, parse_id(&id)?).await?;
    Ok(Json(List::all(all.into_iter().map(Into::into).collect())))
}

#[derive(Deserialize, ToSchema)]
pub struct AnswerObjection {
    /// true: the objection holds and the nominee is withdrawn.
    upheld: bool,
    #[serde(default)]
    answer: String,
}

/// The city answers an objection.
#[utoipa::path(post, path = "/api/v1/awards/objections/{id}/answer", tag = "awards", params(("id" = String, Path)), request_body = AnswerObjection, security(("bearer" = [])),
    responses((status = 200, body = ObjectionOut), (status = 403, body = dto::ErrorBody), (status = 409, body = dto::ErrorBody), (status = 422, body = dto::ErrorBody)))]
pub async fn answer_objection(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<AnswerObjection>,
) -> Result<Json<ObjectionOut>, ApiError> {
    Ok(Json(state.app.answer_objection(&actor, parse_id(&id)?, b.upheld, &b.answer).await?.into()))
}

// ---------------------------------------------------------------------------------------------
// Honours and roadshows
// ---------------------------------------------------------------------------------------------

#[derive(Serialize, ToSchema)]
pub struct HonourOut {
    pub id: String,
    pub family: String,
    pub family_name: String,
    pub person: Option<String>,
    pub person_name: Option<String>,
    pub campaign: Option<String>,
    pub kind: String,
    pub kind_label: String,
    /// city | province | national
    pub level: String,
    pub level_label: String,
    pub year: i64,
    pub title: String,
    pub region: String,
    pub region_name: String,
    pub awarded_on: String,
}

impl From<Honour> for HonourOut {
    fn from(h: Honour) -> HonourOut {
        HonourOut {
            id: h.id.to_string(),
            family: h.family.to_string(),
            family_name: h.family_name,
            person: h.person.map(|p| p.to_string()),
            person_name: h.person_name,
            campaign: h.campaign.map(|c| c.to_string()),
            kind: h.kind.code().to_owned(),
            kind_label: h.kind.label().to_owned(),
            level: h.level.code().to_owned(),
            level_label: h.level.label().to_owned(),
            year: h.year,
            title: h.title,
            region: h.region.short().to_owned(),
            region_name: h.region_name,
            awarded_on: h.awarded_on.to_string(),
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct NewHonour {
    family: String,
    person: Option<String>,
    kind: String,
    /// city | province | national
    level: String,
    title: String,
    awarded_on: Option<String>,
}

/// Records an honour by hand (province, national, or an earlier city one).
#[utoipa::path(post, path = "/api/v1/awards/honours", tag = "awards", request_body = NewHonour, security(("bearer" = [])),
    responses((status = 201, body = HonourOut), (status = 403, body = dto::ErrorBody), (status = 422, body = dto::ErrorBody)))]
pub async fn create_honour(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(v): ApiJson<serde_json::Value>,
) -> Result<(StatusCode, Json<HonourOut>), ApiError> {
    let i: HonourInput = input(v)?;
    Ok((StatusCode::CREATED, Json(state.app.record_honour(&actor, &i).await?.into())))
}

#[derive(Deserialize, IntoParams)]
pub struct HonourQuery {
    region: Option<String>,
    level: Option<String>,
    kind: Option<String>,
    year: Option<i64>,
    campaign: Option<String>,
    after: Option<String>,
    limit: Option<u64>,
}

/// Honours in scope.
#[utoipa::path(get, path = "/api/v1/awards/honours", tag = "awards", params(HonourQuery), security(("bearer" = [])),
    responses((status = 200, body = List<HonourOut>), (status = 404, body = dto::ErrorBody), (status = 422, body = dto::ErrorBody)))]
pub async fn list_honours(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiQuery(q): ApiQuery<HonourQuery>,
) -> Result<Json<List<HonourOut>>, ApiError> {
    let region = parse_region(q.region.as_deref())?;
    let blank = |s: &Option<String>| s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
    let filter = HonourFilter {
        level: blank(&q.level).map(|l| HonourLevel::parse(&l)).transpose().map_err(AppError::Invalid)?,
        kind: blank(&q.kind).map(|k| AwardKind::parse(&k)).transpose().map_err(AppError::Invalid)?,
        year: q.year,
        campaign: blank(&q.campaign).map(|c| parse_id(&c)).transpose()?,
    };
    let page = state.app.list_honours(&actor, region.as_ref(), filter, q.after.as_deref(), q.limit.unwrap_or(50)).await?;
    Ok(Json(List::from_page(page, HonourOut::from)))
}

/// A family's honours.
#[utoipa::path(get, path = "/api/v1/awards/families/{id}/honours", tag = "awards", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = List<HonourOut>), (status = 404, body = dto::ErrorBody)))]
pub async fn family_honours(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<List<HonourOut>>, ApiError> {
    let all = state.app.honours_of_family(&actor, parse_id(&id)?).await?;
    Ok(Json(List::all(all.into_iter().map(Into::into).collect())))
}

#[derive(Serialize, ToSchema)]
pub struct RoadshowFamily {
    pub id: String,
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct RoadshowOut {
    pub id: String,
    pub region: String,
    pub region_name: String,
    pub held_on: String,
    pub place: String,
    pub title: String,
    pub audience: i64,
    pub note: String,
    pub families: Vec<RoadshowFamily>,
}

impl From<Roadshow> for RoadshowOut {
    fn from(r: Roadshow) -> RoadshowOut {
        RoadshowOut {
            id: r.id.to_string(),
            region: r.region.short().to_owned(),
            region_name: r.region_name,
            held_on: r.held_on.to_string(),
            place: r.place,
            title: r.title,
            audience: r.audience,
            note: r.note,
            families: r.families.into_iter().map(|(id, name)| RoadshowFamily { id: id.to_string(), name }).collect(),
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct NewRoadshow {
    region: String,
    held_on: Option<String>,
    place: String,
    title: String,
    audience: i64,
    note: Option<String>,
    /// Ids of the families whose stories were told.
    families: Vec<String>,
}

/// Records a roadshow (巡讲).
#[utoipa::path(post, path = "/api/v1/awards/roadshows", tag = "awards", request_body = NewRoadshow, security(("bearer" = [])),
    responses((status = 201, body = RoadshowOut), (status = 403, body = dto::ErrorBody), (status = 422, body = dto::ErrorBody)))]
pub async fn create_roadshow(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(mut v): ApiJson<serde_json::Value>,
) -> Result<(StatusCode, Json<RoadshowOut>), ApiError> {
    let families: Vec<String> =
        v.get("families").and_then(|f| f.as_array()).map(|a| a.iter().filter_map(text).collect()).unwrap_or_default();
    if let Some(o) = v.as_object_mut() {
        o.remove("families");
    }
    let mut i: RoadshowInput = input(v)?;
    i.families = families;
    Ok((StatusCode::CREATED, Json(state.app.record_roadshow(&actor, &i).await?.into())))
}

#[derive(Deserialize, IntoParams)]
pub struct RoadshowQuery {
    region: Option<String>,
    after: Option<String>,
    limit: Option<u64>,
}

/// Roadshows in scope.
#[utoipa::path(get, path = "/api/v1/awards/roadshows", tag = "awards", params(RoadshowQuery), security(("bearer" = [])),
    responses((status = 200, body = List<RoadshowOut>), (status = 404, body = dto::ErrorBody)))]
pub async fn list_roadshows(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiQuery(q): ApiQuery<RoadshowQuery>,
) -> Result<Json<List<RoadshowOut>>, ApiError> {
    let region = parse_region(q.region.as_deref())?;
    let page = state.app.list_roadshows(&actor, region.as_ref(), q.after.as_deref(), q.limit.unwrap_or(50)).await?;
    Ok(Json(List::from_page(page, RoadshowOut::from)))
}

/// A roadshow.
#[utoipa::path(get, path = "/api/v1/awards/roadshows/{id}", tag = "awards", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = RoadshowOut), (status = 404, body = dto::ErrorBody)))]
pub async fn get_roadshow(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<RoadshowOut>, ApiError> {
    Ok(Json(state.app.roadshow(&actor, parse_id(&id)?).await?.into()))
}
