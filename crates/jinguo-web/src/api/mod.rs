//! The JSON API under `/api/v1`, described by `/api/openapi.json`. Lists answer
//! `{"items", "total", "next"}` with keyset paging (`?after=`); errors answer
//! `{"error": {"code", "message"}}` with a stable code and a Chinese message. Ids are strings
//! (they are 64-bit, beyond what JavaScript numbers hold exactly).

mod auth;
mod awards;
mod care;
mod completeness;
pub mod dto;
mod education;
mod family;
mod help;
mod insight;
mod org;
mod people;
mod regions;
mod school;
mod screenings;
mod sheets;

use axum::Router;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::de::DeserializeOwned;
use utoipa::OpenApi;

use crate::error::ApiError;
use crate::state::AppState;

pub fn router(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/api/v1/auth/login", post(auth::login))
        .route("/api/v1/auth/logout", post(auth::logout))
        .route("/api/v1/regions/{code}", get(regions::get))
        .route("/api/v1/regions/{code}/children", get(regions::children))
        .route("/api/v1/federations", get(org::list_federations).post(org::create_federation))
        .route("/api/v1/federations/{id}", get(org::get_federation).patch(org::update_federation))
        .route("/api/v1/federations/{id}/terms", post(org::add_term))
        .route("/api/v1/federations/{id}/executive-members", post(org::add_executive_member))
        .route("/api/v1/women-homes", get(org::list_homes).post(org::create_home))
        .route("/api/v1/women-homes/{id}", get(org::get_home))
        .route("/api/v1/women-homes/{id}/checks", post(org::check_home))
        .route("/api/v1/activities", get(org::list_activities).post(org::create_activity))
        .route("/api/v1/activities/{id}", get(org::get_activity))
        .route("/api/v1/activities/{id}/attendance", get(org::list_attendance).post(org::confirm_attendance))
        .route("/api/v1/people", get(people::list).post(people::create))
        .route("/api/v1/people/template", get(sheets::template))
        .route("/api/v1/people/export", post(sheets::export))
        .route("/api/v1/people/{id}", get(people::get))
        .route("/api/v1/people/{id}/reveal", post(people::reveal))
        .route("/api/v1/care/cases", get(care::list).post(care::open))
        .route("/api/v1/care/cases/template", get(sheets::care_template))
        .route("/api/v1/care/cases/export", post(sheets::care_export))
        .route("/api/v1/care/cases/{id}", get(care::get))
        .route("/api/v1/care/cases/{id}/visits", post(care::visit))
        .route("/api/v1/care/cases/{id}/close", post(care::close))
        .route("/api/v1/care/overdue", get(care::overdue))
        .route("/api/v1/care/overdue/export", post(sheets::overdue_export))
        .route("/api/v1/care/pairings", get(help::list_pairings).post(help::create_pairing))
        .route("/api/v1/care/pairings/{id}", get(help::get_pairing))
        .route("/api/v1/care/pairings/{id}/end", post(help::end_pairing))
        .route("/api/v1/care/aid", get(help::list_aid).post(help::create_aid))
        .route("/api/v1/care/aid/{id}", get(help::get_aid))
        .route("/api/v1/care/groups", get(help::list_groups).post(help::create_group))
        .route("/api/v1/care/groups/{id}", get(help::get_group))
        .route("/api/v1/care/groups/{id}/members", post(help::add_member))
        .route("/api/v1/care/groups/{id}/members/{member}/leave", post(help::leave))
        .route("/api/v1/care/groups/{id}/meetings", post(help::add_meeting))
        .route("/api/v1/screenings", get(screenings::list).post(screenings::create))
        .route("/api/v1/screenings/template", get(sheets::screening_template))
        .route("/api/v1/screenings/export", post(sheets::screening_export))
        .route("/api/v1/screenings/overdue", get(screenings::overdue))
        .route("/api/v1/screenings/{id}/follow-up", post(screenings::follow_up))
        .route("/api/v1/indicators", get(insight::indicators))
        .route("/api/v1/completeness", get(completeness::completeness))
        .route("/api/v1/indicators/{id}/records", get(insight::records))
        // Families, family points, goods store, mottos (issue 4, part B).
        .route("/api/v1/families", get(family::list_families).post(family::create_family))
        .route("/api/v1/families/{id}", get(family::get_family))
        .route("/api/v1/families/{id}/members", post(family::add_member))
        .route("/api/v1/families/{id}/members/{member}/remove", post(family::remove_member))
        .route("/api/v1/families/{id}/mottos", post(family::submit_motto))
        .route("/api/v1/mottos/{id}/review", post(family::review_motto))
        .route("/api/v1/points/entries", post(family::create_entry))
        .route("/api/v1/points/redemptions", post(family::redeem))
        .route("/api/v1/points/redemptions/{id}", get(family::get_redemption))
        .route("/api/v1/points/redemptions/{id}/fulfil", post(family::fulfil))
        .route("/api/v1/points/redemptions/{id}/cancel", post(family::cancel))
        .route("/api/v1/store/items", get(family::list_items).post(family::create_item))
        .route("/api/v1/store/items/{id}", get(family::get_item))
        .route("/api/v1/store/items/{id}/restock", post(family::restock))
        .route("/api/v1/store/items/{id}/stocktakes", post(family::stocktake))
        .route("/api/v1/activities/{id}/points", post(family::activity_points))
        // Award campaigns (issue 4).
        .route("/api/v1/awards/campaigns", get(awards::list_campaigns).post(awards::create_campaign))
        .route("/api/v1/awards/campaigns/{id}", get(awards::get_campaign))
        .route("/api/v1/awards/campaigns/{id}/nominations", get(awards::list_nominations))
        .route("/api/v1/awards/campaigns/{id}/objections", get(awards::list_objections))
        .route("/api/v1/awards/campaigns/{id}/notice", post(awards::publish_notice))
        .route("/api/v1/awards/campaigns/{id}/finalise", post(awards::finalise))
        .route("/api/v1/awards/nominations/{id}", get(awards::get_nomination))
        .route("/api/v1/awards/nominations/{id}/review", post(awards::review))
        .route("/api/v1/awards/nominations/{id}/resubmit", post(awards::resubmit))
        .route("/api/v1/awards/nominations/{id}/flagged-votes", post(awards::settle_votes))
        .route("/api/v1/awards/objections/{id}/answer", post(awards::answer_objection))
        .route("/api/v1/awards/honours", get(awards::list_honours).post(awards::create_honour))
        .route("/api/v1/awards/families/{id}/honours", get(awards::family_honours))
        .route("/api/v1/awards/roadshows", get(awards::list_roadshows).post(awards::create_roadshow))
        .route("/api/v1/awards/roadshows/{id}", get(awards::get_roadshow))
        // Family education and the online parent school (issue 4, part D).
        .route("/api/v1/education/centres", get(education::list_centres).post(education::create_centre))
        .route("/api/v1/education/centres/{id}", get(education::get_centre))
        .route("/api/v1/education/centres/{id}/teams", post(education::create_team))
        .route("/api/v1/education/teams", get(education::list_teams))
        .route("/api/v1/education/teams/{id}", get(education::get_team))
        .route("/api/v1/education/teams/{id}/lecturers", post(education::create_lecturer))
        .route("/api/v1/education/lecturers", get(education::list_lecturers))
        .route("/api/v1/education/lecturers/{id}", get(education::get_lecturer))
        .route("/api/v1/education/lecturers/{id}/leave", post(education::lecturer_leaves))
        .route("/api/v1/education/activities", get(education::list_activities).post(education::create_activity))
        .route("/api/v1/education/activities/{id}", get(education::get_activity))
        .route("/api/v1/education/households", get(education::households))
        .route("/api/v1/school/items", get(school::list_items).post(school::create_item))
        .route("/api/v1/school/items/{id}", get(school::get_item).patch(school::update_item))
        .route("/api/v1/school/items/{id}/publish", post(school::publish_item))
        .route("/api/v1/school/consultations", get(school::queue))
        .route("/api/v1/school/consultations/{id}", get(school::get_consultation))
        .route("/api/v1/school/consultations/{id}/assign", post(school::assign))
        .route("/api/v1/school/consultations/{id}/answer", post(school::answer))
        .layer(axum::middleware::from_fn_with_state(state, crate::middleware::api_rate_limit))
        .route("/api/openapi.json", get(openapi_json))
}

/// Routes that take a spreadsheet upload (mounted with the larger body limit).
pub fn upload_router(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/api/v1/people/import", post(sheets::import))
        .route("/api/v1/care/cases/import", post(sheets::care_import))
        .route("/api/v1/screenings/import", post(sheets::screening_import))
        // A nomination carries its photos (base64, up to 5 MB each).
        .route("/api/v1/awards/nominations", post(awards::create_nomination))
        .layer(axum::middleware::from_fn_with_state(state, crate::middleware::api_rate_limit))
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Jinguo API", description = "巾帼 — 妇联工作平台 JSON API。除登录和区划外，所有接口需要 `Authorization: Bearer <token>`。"),
    paths(
        auth::login, auth::logout,
        regions::get, regions::children,
        org::list_federations, org::create_federation, org::get_federation, org::update_federation, org::add_term, org::add_executive_member,
        org::list_homes, org::create_home, org::get_home, org::check_home,
        org::list_activities, org::create_activity, org::get_activity, org::list_attendance, org::confirm_attendance,
        people::create, people::list, people::get, people::reveal,
        sheets::template, sheets::import, sheets::export,
        sheets::care_template, sheets::care_import, sheets::care_export, sheets::overdue_export,
        sheets::screening_template, sheets::screening_import, sheets::screening_export,
        care::open, care::list, care::get, care::visit, care::close, care::overdue,
        help::create_pairing, help::list_pairings, help::get_pairing, help::end_pairing,
        help::create_aid, help::list_aid, help::get_aid,
        help::create_group, help::list_groups, help::get_group, help::add_member, help::leave, help::add_meeting,
        screenings::create, screenings::list, screenings::follow_up, screenings::overdue,
        insight::indicators, insight::records,
        completeness::completeness,
        family::create_family, family::list_families, family::get_family, family::add_member, family::remove_member,
        family::submit_motto, family::review_motto, family::create_entry, family::redeem, family::get_redemption,
        family::fulfil, family::cancel, family::create_item, family::list_items, family::get_item, family::restock,
        family::stocktake, family::activity_points,
        awards::create_campaign, awards::list_campaigns, awards::get_campaign, awards::publish_notice, awards::finalise,
        awards::create_nomination, awards::list_nominations, awards::get_nomination, awards::review, awards::resubmit, awards::settle_votes,
        awards::list_objections, awards::answer_objection,
        awards::create_honour, awards::list_honours, awards::family_honours,
        awards::create_roadshow, awards::list_roadshows, awards::get_roadshow,
        education::create_centre, education::list_centres, education::get_centre, education::create_team, education::list_teams, education::get_team,
        education::create_lecturer, education::list_lecturers, education::get_lecturer, education::lecturer_leaves,
        education::create_activity, education::list_activities, education::get_activity, education::households,
        school::create_item, school::list_items, school::get_item, school::update_item, school::publish_item,
        school::queue, school::get_consultation, school::assign, school::answer,
    ),
    components(schemas(dto::ErrorBody, dto::ErrorDetail)),
    modifiers(&BearerAuth),
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("bearer", SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()));
    }
}

async fn openapi_json() -> Response {
    axum::Json(ApiDoc::openapi()).into_response()
}

/// `Json<T>` whose rejections answer in the API's error format, in Chinese.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(e) => Err(ApiError::bad_request("bad_request", format!("请求体不是有效的 JSON，或缺少必填字段：{}", e.body_text()))),
        }
    }
}

/// `Query<T>` whose rejections answer in the API's error format.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(ApiQuery(v)),
            Err(e) => Err(ApiError::bad_request("bad_request", format!("查询参数有误：{}", e.body_text()))),
        }
    }
}

/// Parses a path or query id, with the API's error for a malformed one.
pub(crate) fn parse_id(s: &str) -> Result<i64, ApiError> {
    s.trim().parse().map_err(|_| ApiError(jinguo_app::AppError::NotFound))
}

/// Parses an optional region parameter.
/// The region and period of a figures request: the region asked for, else the caller's own,
/// else the city; the period asked for, else 1 January of this year to today.
pub(crate) fn region_and_period(
    state: &crate::state::AppState,
    actor: &jinguo_app::Actor,
    region: Option<&str>,
    from: Option<&str>,
    to: Option<&str>,
) -> Result<(jinguo_domain::RegionCode, jinguo_domain::insight::Period), ApiError> {
    use jinguo_app::AppError;
    use jinguo_domain::insight::Period;
    let region = match parse_region(region)? {
        Some(r) => r,
        None => actor
            .region
            .clone()
            .or_else(|| state.app.config.city.clone())
            .ok_or_else(|| AppError::invalid("region", "请指定地区 region"))?,
    };
    let default = Period::year_to_date(state.app.today());
    let from = from.map(str::to_owned).unwrap_or_else(|| default.from.to_string());
    let to = to.map(str::to_owned).unwrap_or_else(|| default.to.to_string());
    let period = Period::parse(&from, &to).map_err(AppError::Invalid)?;
    Ok((region, period))
}

pub(crate) fn parse_region(s: Option<&str>) -> Result<Option<jinguo_domain::RegionCode>, ApiError> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => {
            jinguo_domain::RegionCode::parse(s).map(Some).map_err(|e| ApiError(jinguo_app::AppError::invalid("region", e.to_string())))
        }
    }
}
