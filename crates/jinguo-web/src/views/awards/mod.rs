//! Award campaign pages for staff (menu section 家庭): the campaigns, creating one, a campaign's
//! page (timetable, quotas, nominations, notice, objections, finalising), nominating a family
//! with photos, a nomination's page with its review form, honours and roadshows.

use crate::views::SavedQuery;
use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Form, Router};
use jinguo_app::AppError;
use jinguo_app::awards::{
    CampaignDetail, CampaignInput, HonourFilter, HonourInput, NominationDetail, NominationFilter, NominationInput, PhotoUpload,
    ReviewInput, RoadshowInput, parse_quota_text,
};
use jinguo_domain::Invalid;
use jinguo_domain::access::Permission;
use jinguo_domain::awards::{AwardKind, HonourLevel, Stage};
use jinguo_store::awards::CampaignStatus;
use serde::Deserialize;

use crate::auth::PageUser;
use crate::state::AppState;
use crate::views::{Chrome, FormErrors, PageError, PageResult, SelectOption, render, render_status, see_other, short_place};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/awards", get(campaigns))
        .route("/awards/new", get(new_campaign).post(create_campaign))
        .route("/awards/{id}", get(campaign))
        .route("/awards/{id}/notice", post(publish))
        .route("/awards/{id}/finalise", post(finalise))
        .route("/awards/{id}/nominate", get(nominate_form))
        .route("/awards/nominations/{id}", get(nomination))
        .route("/awards/nominations/{id}/review", post(review))
        .route("/awards/nominations/{id}/resubmit", post(resubmit))
        .route("/awards/nominations/{id}/flagged", post(settle_flagged))
        .route("/awards/objections/{id}/answer", post(answer))
        .route("/awards/photos/{id}", get(photo))
        .route("/awards/honours", get(honours).post(create_honour))
        .route("/awards/roadshows", get(roadshows).post(create_roadshow))
}

/// The nomination form posts photos: mounted with the upload body limit.
pub fn upload_router() -> Router<AppState> {
    Router::new().route("/awards/{id}/nominate", post(nominate)).merge(crate::public::awards::upload_router())
}

fn is_city(user: &PageUser) -> bool {
    user.actor.role.is_none() || user.actor.role.and_then(|r| r.officer_level()) == Some(jinguo_domain::Level::City)
}

fn kinds(current: &str) -> Vec<SelectOption> {
    AwardKind::ALL.into_iter().map(|k| SelectOption::new(k.code(), k.label(), current)).collect()
}

fn levels(current: &str) -> Vec<SelectOption> {
    HonourLevel::ALL.into_iter().map(|l| SelectOption::new(l.code(), l.label(), current)).collect()
}

// ---------------------------------------------------------------------------------------------
// Campaigns
// ---------------------------------------------------------------------------------------------

pub struct CampaignRow {
    pub id: i64,
    pub title: String,
    pub kind: String,
    pub year: i64,
    pub status: &'static str,
    pub nominate: String,
    pub notice: String,
}

impl CampaignRow {
    fn new(c: &jinguo_store::awards::Campaign) -> CampaignRow {
        let t = &c.timetable;
        CampaignRow {
            id: c.id,
            title: c.title.clone(),
            kind: c.kind_name.clone(),
            year: c.year,
            status: c.status.label(),
            nominate: format!("{} 至 {}", t.nominate_from, t.nominate_to),
            notice: match (c.notice_start, c.notice_end) {
                (Some(a), Some(b)) => format!("{a} 至 {b}"),
                _ => format!("{} 起 {} 天", t.notice_from, t.notice_days),
            },
        }
    }
}

#[derive(Template)]
#[template(path = "awards/campaigns.html")]
struct CampaignsPage {
    chrome: Chrome,
    rows: Vec<CampaignRow>,
    can_create: bool,
}

async fn campaigns(State(state): State<AppState>, user: PageUser) -> PageResult {
    let all = state.app.list_campaigns(&user.actor, None).await?;
    Ok(render(&CampaignsPage {
        chrome: Chrome::new(&user, "/awards"),
        rows: all.iter().map(CampaignRow::new).collect(),
        can_create: is_city(&user) && user.actor.can(Permission::WriteOrg),
    }))
}

#[derive(Default, Deserialize)]
struct CampaignForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    kind_name: String,
    #[serde(default)]
    for_person: String,
    #[serde(default)]
    year: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    nominate_from: String,
    #[serde(default)]
    nominate_to: String,
    #[serde(default)]
    review_from: String,
    #[serde(default)]
    review_to: String,
    #[serde(default)]
    vote_from: String,
    #[serde(default)]
    vote_to: String,
    #[serde(default)]
    vote_weight: String,
    #[serde(default)]
    notice_from: String,
    #[serde(default)]
    notice_days: String,
    #[serde(default)]
    quotas: String,
}

#[derive(Template)]
#[template(path = "awards/campaign_new.html")]
struct NewCampaignPage {
    chrome: Chrome,
    f: CampaignForm,
    kinds: Vec<SelectOption>,
    errors: FormErrors,
}

async fn new_campaign(State(state): State<AppState>, user: PageUser) -> PageResult {
    if !is_city(&user) {
        return Err(PageError(AppError::Forbidden("只有市妇联可以发起评选".into())));
    }
    let today = state.app.today();
    let f = CampaignForm { year: today.format("%Y").to_string(), notice_days: "7".into(), ..CampaignForm::default() };
    Ok(render(&NewCampaignPage { chrome: Chrome::new(&user, "/awards"), kinds: kinds(""), f, errors: FormErrors::default() }))
}

async fn create_campaign(State(state): State<AppState>, user: PageUser, Form(f): Form<CampaignForm>) -> PageResult {
    user.check_csrf(&f.csrf)?;
    let opt = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
    let input = CampaignInput {
        kind: f.kind.clone(),
        kind_name: opt(&f.kind_name),
        for_person: opt(&f.for_person),
        year: f.year.clone(),
        title: opt(&f.title),
        nominate_from: f.nominate_from.clone(),
        nominate_to: f.nominate_to.clone(),
        review_from: f.review_from.clone(),
        review_to: f.review_to.clone(),
        vote_from: opt(&f.vote_from),
        vote_to: opt(&f.vote_to),
        vote_weight: opt(&f.vote_weight),
        notice_from: f.notice_from.clone(),
        notice_days: opt(&f.notice_days),
        quotas: parse_quota_text(&f.quotas),
    };
    let errors = match state.app.create_campaign(&user.actor, &input).await {
        Ok(d) => return Ok(see_other(&format!("/awards/{}?saved=1", d.campaign.id))),
        Err(AppError::Invalid(e)) => e,
        Err(e) => return Err(e.into()),
    };
    let kinds = kinds(&f.kind);
    Ok(render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &NewCampaignPage { chrome: Chrome::new(&user, "/awards"), f, kinds, errors: FormErrors(errors) },
    ))
}

pub struct QuotaRow {
    pub county: String,
    pub quota: i64,
    pub town: i64,
    pub county_used: i64,
    pub city: i64,
}

pub struct NominationRow {
    pub id: i64,
    pub family: String,
    pub person: String,
    pub village: String,
    pub source: &'static str,
    pub stage: &'static str,
    pub stage_code: &'static str,
    pub votes: i64,
    pub flagged: i64,
    pub score: String,
}

impl NominationRow {
    fn new(n: &jinguo_store::awards::nominations::Nomination) -> NominationRow {
        NominationRow {
            id: n.id,
            family: n.family_name.clone(),
            person: n.person_name.clone().unwrap_or_default(),
            village: short_place(&n.region_name),
            source: n.source.label(),
            stage: n.stage.label(),
            stage_code: n.stage.code(),
            votes: n.votes,
            flagged: n.flagged_votes,
            score: n.panel_score.map(|s| s.to_string()).unwrap_or_default(),
        }
    }
}

pub struct ObjectionRow {
    pub id: i64,
    pub nomination: i64,
    pub family: String,
    pub text: String,
    pub raised_on: String,
    pub status: &'static str,
    pub open: bool,
    pub answer: String,
}

#[derive(Template)]
#[template(path = "awards/campaign.html")]
struct CampaignPage {
    chrome: Chrome,
    c: CampaignRow,
    vote: String,
    vote_weight: i64,
    review: String,
    status_code: &'static str,
    quotas: Vec<QuotaRow>,
    stages: Vec<(String, i64)>,
    rows: Vec<NominationRow>,
    total: i64,
    objections: Vec<ObjectionRow>,
    city: bool,
    can_nominate: bool,
    message: String,
}

#[derive(Deserialize)]
struct CampaignQuery {
    saved: Option<String>,
    stage: Option<String>,
}

async fn campaign_page(
    state: &AppState,
    user: &PageUser,
    id: i64,
    stage: Option<&str>,
    message: String,
) -> Result<CampaignPage, PageError> {
    let CampaignDetail { campaign: c, quotas, stages, .. } = state.app.campaign(&user.actor, id).await?;
    let filter = NominationFilter { stage: stage.and_then(Stage::parse), family: None };
    let page = state.app.list_nominations(&user.actor, id, filter, None, 500).await?;
    let objections = state.app.list_objections(&user.actor, id).await?;
    let t = c.timetable;
    Ok(CampaignPage {
        chrome: Chrome::new(user, "/awards"),
        vote: t.vote.map(|(a, b)| format!("{a} 至 {b}")).unwrap_or_else(|| "不设投票".into()),
        vote_weight: c.vote_weight,
        review: format!("{} 至 {}", t.review_from, t.review_to),
        status_code: c.status.code(),
        quotas: quotas
            .iter()
            .map(|q| QuotaRow {
                county: q.county_name.clone(),
                quota: q.quota,
                town: q.town_used,
                county_used: q.county_used,
                city: q.city_used,
            })
            .collect(),
        stages: stages.iter().map(|(s, n)| (s.label().to_owned(), *n)).collect(),
        rows: page.items.iter().map(NominationRow::new).collect(),
        total: page.total,
        objections: objections
            .iter()
            .map(|o| ObjectionRow {
                id: o.id,
                nomination: o.nomination,
                family: o.family_name.clone(),
                text: o.text.clone(),
                raised_on: o.raised_on.to_string(),
                status: match o.status.as_str() {
                    "upheld" => "异议成立",
                    "dismissed" => "异议不成立",
                    _ => "待答复",
                },
                open: o.status == "open",
                answer: o.answer.clone(),
            })
            .collect(),
        city: is_city(user) && user.actor.can(Permission::WriteOrg),
        can_nominate: user.actor.can(Permission::WritePeople) && c.status == CampaignStatus::Open,
        c: CampaignRow::new(&c),
        message,
    })
}

async fn campaign(State(state): State<AppState>, user: PageUser, Path(id): Path<i64>, Query(q): Query<CampaignQuery>) -> PageResult {
    let mut page = campaign_page(&state, &user, id, q.stage.as_deref(), String::new()).await?;
    if q.saved.is_some() {
        page.chrome = page.chrome.notice("已保存");
    }
    Ok(render(&page))
}

#[derive(Deserialize)]
struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// A campaign-level action: on a refusal the campaign page shows the message.
async fn campaign_action(state: &AppState, user: &PageUser, id: i64, r: Result<CampaignDetail, AppError>) -> PageResult {
    match r {
        Ok(_) => Ok(see_other(&format!("/awards/{id}?saved=1"))),
        Err(AppError::Invalid(e)) => {
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &campaign_page(state, user, id, None, e.summary()).await?))
        }
        Err(AppError::Conflict(m)) => Ok(render_status(StatusCode::CONFLICT, &campaign_page(state, user, id, None, m).await?)),
        Err(e) => Err(e.into()),
    }
}

async fn publish(State(state): State<AppState>, user: PageUser, Path(id): Path<i64>, Form(f): Form<CsrfForm>) -> PageResult {
    user.check_csrf(&f.csrf)?;
    let r = state.app.publish_notice(&user.actor, id).await;
    campaign_action(&state, &user, id, r).await
}

async fn finalise(State(state): State<AppState>, user: PageUser, Path(id): Path<i64>, Form(f): Form<CsrfForm>) -> PageResult {
    user.check_csrf(&f.csrf)?;
    let r = state.app.finalise_campaign(&user.actor, id).await;
    campaign_action(&state, &user, id, r).await
}

#[derive(Deserialize)]
struct AnswerForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    answer: String,
    #[serde(default)]
    campaign: i64,
}

async fn answer(State(state): State<AppState>, user: PageUser, Path(id): Path<i64>, Form(f): Form<AnswerForm>) -> PageResult {
    user.check_csrf(&f.csrf)?;
    match state.app.answer_objection(&user.actor, id, f.decision == "upheld", &f.answer).await {
        Ok(o) => Ok(see_other(&format!("/awards/{}?saved=1#objections", o.campaign))),
        Err(AppError::Invalid(e)) => {
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &campaign_page(&state, &user, f.campaign, None, e.summary()).await?))
        }
        Err(AppError::Conflict(m)) => Ok(render_status(StatusCode::CONFLICT, &campaign_page(&state, &user, f.campaign, None, m).await?)),
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// Nominating
// ---------------------------------------------------------------------------------------------

#[derive(Default)]
struct NominateForm {
    family: String,
    person: String,
    source: String,
    nominator: String,
    story: String,
}

#[derive(Template)]
#[template(path = "awards/nominate.html")]
struct NominatePage {
    chrome: Chrome,
    campaign: i64,
    title: String,
    for_person: bool,
    families: Vec<SelectOption>,
    sources: Vec<SelectOption>,
    f: NominateForm,
    errors: FormErrors,
}

async fn nominate_page(state: &AppState, user: &PageUser, id: i64, f: NominateForm, errors: Invalid) -> Result<NominatePage, PageError> {
    let d = state.app.campaign(&user.actor, id).await?;
    let families = state
        .app
        .award_families(&user.actor, None)
        .await?
        .into_iter()
        .map(|x| SelectOption::new(x.id.to_string(), format!("{}（{}）", x.name, short_place(&x.region_name)), &f.family))
        .collect();
    let sources = [("federation", "妇联推荐"), ("third_party", "他人推荐(代为登记)")]
        .into_iter()
        .map(|(v, l)| SelectOption::new(v, l, if f.source.is_empty() { "federation" } else { &f.source }))
        .collect();
    Ok(NominatePage {
        chrome: Chrome::new(user, "/awards"),
        campaign: id,
        title: d.campaign.title,
        for_person: d.campaign.for_person,
        families,
        sources,
        f,
        errors: FormErrors(errors),
    })
}

async fn nominate_form(State(state): State<AppState>, user: PageUser, Path(id): Path<i64>) -> PageResult {
    Ok(render(&nominate_page(&state, &user, id, NominateForm::default(), Invalid::new()).await?))
}

/// Reads a multipart form: its text fields and its files (`photos`).
pub(crate) async fn read_multipart(mut form: Multipart) -> Result<(Vec<(String, String)>, Vec<PhotoUpload>), AppError> {
    let mut fields = Vec::new();
    let mut photos = Vec::new();
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(_) => return Err(AppError::invalid("photos", "上传未完成或文件过大（每张照片不超过 5 MB）")),
        };
        let name = field.name().unwrap_or_default().to_owned();
        if let Some(file) = field.file_name().map(str::to_owned) {
            let bytes = field.bytes().await.map_err(|_| AppError::invalid("photos", "上传未完成或文件过大（每张照片不超过 5 MB）"))?;
            // A file input left empty still sends a part with no name and no bytes.
            if !(file.is_empty() && bytes.is_empty()) {
                photos.push(PhotoUpload { name: file, bytes: bytes.to_vec() });
            }
        } else {
            let text = field.text().await.unwrap_or_default();
            fields.push((name, text));
        }
    }
    Ok((fields, photos))
}

pub(crate) fn field_of(fields: &[(String, String)], name: &str) -> String {
    fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default()
}

async fn nominate(State(state): State<AppState>, user: PageUser, Path(id): Path<i64>, form: Multipart) -> PageResult {
    let (fields, photos) = read_multipart(form).await?;
    user.check_csrf(&field_of(&fields, "csrf"))?;
    let f = NominateForm {
        family: field_of(&fields, "family"),
        person: field_of(&fields, "person"),
        source: field_of(&fields, "source"),
        nominator: field_of(&fields, "nominator"),
        story: field_of(&fields, "story"),
    };
    let opt = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
    let input = NominationInput {
        campaign: id.to_string(),
        family: f.family.clone(),
        person: opt(&f.person),
        source: opt(&f.source),
        nominator: opt(&f.nominator),
        story: f.story.clone(),
    };
    let (status, errors) = match state.app.nominate(&user.actor, &input, &photos).await {
        Ok(d) => return Ok(see_other(&format!("/awards/nominations/{}?saved=1", d.nomination.id))),
        Err(AppError::Invalid(e)) => (StatusCode::UNPROCESSABLE_ENTITY, e),
        Err(AppError::Conflict(m)) => (StatusCode::CONFLICT, Invalid::field("family", m)),
        Err(e) => return Err(e.into()),
    };
    Ok(render_status(status, &nominate_page(&state, &user, id, f, errors).await?))
}

// ---------------------------------------------------------------------------------------------
// A nomination
// ---------------------------------------------------------------------------------------------

pub struct ReviewRow {
    pub level: &'static str,
    pub decision: &'static str,
    pub reason: String,
    pub reviewer: String,
    pub at: String,
}

#[derive(Template)]
#[template(path = "awards/nomination.html")]
struct NominationPage {
    chrome: Chrome,
    n: NominationRow,
    campaign: i64,
    campaign_title: String,
    story: String,
    nominator: String,
    return_reason: String,
    photos: Vec<i64>,
    reviews: Vec<ReviewRow>,
    score: String,
    /// The level whose turn it is ("" when none), and whether this user reviews at it.
    waiting_for: &'static str,
    can_review: bool,
    city_review: bool,
    can_resubmit: bool,
    can_settle: bool,
    decision: String,
    reason: String,
    errors: FormErrors,
}

async fn nomination_page(state: &AppState, user: &PageUser, id: i64, errors: Invalid) -> Result<NominationPage, PageError> {
    let NominationDetail { nomination: n, campaign: c, photos, reviews, score, .. } = state.app.nomination(&user.actor, id).await?;
    let level = n.stage.reviewing_level();
    let mine = user.actor.role.and_then(|r| r.officer_level());
    let can_review = level.is_some()
        && c.status == CampaignStatus::Open
        && (user.actor.role.is_none() || mine == level)
        && user.actor.can(Permission::WritePeople);
    Ok(NominationPage {
        chrome: Chrome::new(user, "/awards"),
        campaign: c.id,
        campaign_title: c.title.clone(),
        story: n.story.clone(),
        nominator: n.nominator.clone(),
        return_reason: n.return_reason.clone(),
        photos: photos.iter().map(|p| p.id).collect(),
        reviews: reviews
            .iter()
            .map(|r| ReviewRow {
                level: match r.level.as_str() {
                    "town" => "镇(街道)级",
                    "county" => "县(区)级",
                    _ => "市级",
                },
                decision: if r.decision == "approve" { "通过" } else { "退回" },
                reason: r.reason.clone(),
                reviewer: r.reviewer_name.clone(),
                at: crate::views::china_time(r.at_ms),
            })
            .collect(),
        score: format!("{:.1}", score as f64 / 10.0),
        waiting_for: level.map(jinguo_domain::awards::level_label).unwrap_or(""),
        can_review,
        city_review: level == Some(jinguo_domain::Level::City),
        can_resubmit: n.stage == Stage::Returned && user.actor.can(Permission::WritePeople),
        can_settle: n.flagged_votes > 0 && is_city(user),
        n: NominationRow::new(&n),
        decision: String::new(),
        reason: String::new(),
        errors: FormErrors(errors),
    })
}

async fn nomination(State(state): State<AppState>, user: PageUser, Path(id): Path<i64>, Query(q): Query<SavedQuery>) -> PageResult {
    let mut page = nomination_page(&state, &user, id, Invalid::new()).await?;
    if q.saved.is_some() {
        page.chrome = page.chrome.notice("已保存");
    }
    Ok(render(&page))
}

#[derive(Deserialize)]
struct ReviewForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    panel_score: String,
}

async fn review(State(state): State<AppState>, user: PageUser, Path(id): Path<i64>, Form(f): Form<ReviewForm>) -> PageResult {
    user.check_csrf(&f.csrf)?;
    let input = ReviewInput {
        decision: f.decision.clone(),
        reason: Some(f.reason.clone()),
        panel_score: Some(f.panel_score.clone()).filter(|s| !s.trim().is_empty()),
    };
    let (status, errors) = match state.app.review_nomination(&user.actor, id, &input).await {
        Ok(_) => return Ok(see_other(&format!("/awards/nominations/{id}?saved=1"))),
        Err(AppError::Invalid(e)) => (StatusCode::UNPROCESSABLE_ENTITY, e),
        Err(AppError::Conflict(m)) => (StatusCode::CONFLICT, Invalid::field("decision", m)),
        Err(e) => return Err(e.into()),
    };
    let mut page = nomination_page(&state, &user, id, errors).await?;
    page.decision = f.decision;
    page.reason = f.reason;
    Ok(render_status(status, &page))
}

#[derive(Deserialize)]
struct ResubmitForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    story: String,
}

async fn resubmit(State(state): State<AppState>, user: PageUser, Path(id): Path<i64>, Form(f): Form<ResubmitForm>) -> PageResult {
    user.check_csrf(&f.csrf)?;
    let errors = match state.app.resubmit_nomination(&user.actor, id, &f.story).await {
        Ok(_) => return Ok(see_other(&format!("/awards/nominations/{id}?saved=1"))),
        Err(AppError::Invalid(e)) => e,
        Err(AppError::Conflict(m)) => Invalid::field("story", m),
        Err(e) => return Err(e.into()),
    };
    Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &nomination_page(&state, &user, id, errors).await?))
}

#[derive(Deserialize)]
struct SettleForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    count: String,
}

async fn settle_flagged(State(state): State<AppState>, user: PageUser, Path(id): Path<i64>, Form(f): Form<SettleForm>) -> PageResult {
    user.check_csrf(&f.csrf)?;
    state.app.settle_flagged_votes(&user.actor, id, f.count == "yes").await?;
    Ok(see_other(&format!("/awards/nominations/{id}?saved=1")))
}

async fn photo(State(state): State<AppState>, user: PageUser, Path(id): Path<i64>) -> PageResult {
    let (mime, bytes) = state.app.nomination_photo(Some(&user.actor), id).await?;
    Ok(([(header::CONTENT_TYPE, mime), (header::CACHE_CONTROL, "private, max-age=3600".to_owned())], bytes).into_response())
}

// ---------------------------------------------------------------------------------------------
// Honours and roadshows
// ---------------------------------------------------------------------------------------------

pub struct HonourRow {
    pub family: String,
    pub person: String,
    pub village: String,
    pub title: String,
    pub level: &'static str,
    pub kind: &'static str,
    pub year: i64,
    pub awarded_on: String,
}

#[derive(Default, Deserialize)]
struct HonourForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    family: String,
    #[serde(default)]
    person: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    level: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    awarded_on: String,
}

#[derive(Template)]
#[template(path = "awards/honours.html")]
struct HonoursPage {
    chrome: Chrome,
    rows: Vec<HonourRow>,
    total: i64,
    families: Vec<SelectOption>,
    kinds: Vec<SelectOption>,
    levels: Vec<SelectOption>,
    can_write: bool,
    f: HonourForm,
    errors: FormErrors,
}

async fn honours_page(state: &AppState, user: &PageUser, f: HonourForm, errors: Invalid) -> Result<HonoursPage, PageError> {
    let page = state.app.list_honours(&user.actor, None, HonourFilter::default(), None, 200).await?;
    let families = state
        .app
        .award_families(&user.actor, None)
        .await?
        .into_iter()
        .map(|x| SelectOption::new(x.id.to_string(), format!("{}（{}）", x.name, short_place(&x.region_name)), &f.family))
        .collect();
    Ok(HonoursPage {
        chrome: Chrome::new(user, "/awards/honours"),
        rows: page
            .items
            .iter()
            .map(|h| HonourRow {
                family: h.family_name.clone(),
                person: h.person_name.clone().unwrap_or_default(),
                village: short_place(&h.region_name),
                title: h.title.clone(),
                level: h.level.label(),
                kind: h.kind.label(),
                year: h.year,
                awarded_on: h.awarded_on.to_string(),
            })
            .collect(),
        total: page.total,
        families,
        kinds: kinds(&f.kind),
        levels: levels(if f.level.is_empty() { "province" } else { &f.level }),
        can_write: user.actor.can(Permission::WritePeople),
        f,
        errors: FormErrors(errors),
    })
}

async fn honours(State(state): State<AppState>, user: PageUser, Query(q): Query<SavedQuery>) -> PageResult {
    let mut page = honours_page(&state, &user, HonourForm::default(), Invalid::new()).await?;
    if q.saved.is_some() {
        page.chrome = page.chrome.notice("已保存");
    }
    Ok(render(&page))
}

async fn create_honour(State(state): State<AppState>, user: PageUser, Form(f): Form<HonourForm>) -> PageResult {
    user.check_csrf(&f.csrf)?;
    let opt = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
    let input = HonourInput {
        family: f.family.clone(),
        person: opt(&f.person),
        kind: f.kind.clone(),
        level: f.level.clone(),
        title: f.title.clone(),
        awarded_on: opt(&f.awarded_on),
    };
    let errors = match state.app.record_honour(&user.actor, &input).await {
        Ok(_) => return Ok(see_other("/awards/honours?saved=1")),
        Err(AppError::Invalid(e)) => e,
        Err(e) => return Err(e.into()),
    };
    Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &honours_page(&state, &user, f, errors).await?))
}

pub struct RoadshowRow {
    pub held_on: String,
    pub place: String,
    pub title: String,
    pub audience: i64,
    pub families: String,
}

#[derive(Default, Deserialize)]
struct RoadshowForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    held_on: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    audience: String,
    #[serde(default)]
    note: String,
    /// Family ids, separated by commas or spaces (or several `family` fields).
    #[serde(default)]
    families: String,
}

#[derive(Template)]
#[template(path = "awards/roadshows.html")]
struct RoadshowsPage {
    chrome: Chrome,
    rows: Vec<RoadshowRow>,
    total: i64,
    can_write: bool,
    f: RoadshowForm,
    errors: FormErrors,
}

async fn roadshows_page(state: &AppState, user: &PageUser, f: RoadshowForm, errors: Invalid) -> Result<RoadshowsPage, PageError> {
    let page = state.app.list_roadshows(&user.actor, None, None, 200).await?;
    Ok(RoadshowsPage {
        chrome: Chrome::new(user, "/awards/roadshows"),
        rows: page
            .items
            .iter()
            .map(|r| RoadshowRow {
                held_on: r.held_on.to_string(),
                place: r.place.clone(),
                title: r.title.clone(),
                audience: r.audience,
                families: r.families.iter().map(|(_, n)| n.as_str()).collect::<Vec<_>>().join("、"),
            })
            .collect(),
        total: page.total,
        can_write: user.actor.can(Permission::WriteOrg),
        f,
        errors: FormErrors(errors),
    })
}

async fn roadshows(State(state): State<AppState>, user: PageUser, Query(q): Query<SavedQuery>) -> PageResult {
    let f = RoadshowForm {
        region: user.actor.region.as_ref().map(|r| r.short().to_owned()).unwrap_or_default(),
        held_on: state.app.today().to_string(),
        ..RoadshowForm::default()
    };
    let mut page = roadshows_page(&state, &user, f, Invalid::new()).await?;
    if q.saved.is_some() {
        page.chrome = page.chrome.notice("已保存");
    }
    Ok(render(&page))
}

async fn create_roadshow(State(state): State<AppState>, user: PageUser, Form(f): Form<RoadshowForm>) -> PageResult {
    user.check_csrf(&f.csrf)?;
    let opt = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
    let input = RoadshowInput {
        region: f.region.clone(),
        held_on: opt(&f.held_on),
        place: f.place.clone(),
        title: f.title.clone(),
        audience: opt(&f.audience),
        note: opt(&f.note),
        families: f.families.split([',', '，', ' ', '、']).map(str::to_owned).filter(|s| !s.trim().is_empty()).collect(),
    };
    let errors = match state.app.record_roadshow(&user.actor, &input).await {
        Ok(_) => return Ok(see_other("/awards/roadshows?saved=1")),
        Err(AppError::Invalid(e)) => e,
        Err(e) => return Err(e.into()),
    };
    Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &roadshows_page(&state, &user, f, errors).await?))
}
