//! The public side of family awards (`/public/awards/…`): the campaigns open today and the
//! published notices (reading needs no account), self-nomination with photos, the vote and
//! objections to a nominee on the notice (each needs a public account).

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use jinguo_app::AppError;
use jinguo_app::awards::{NominationInput, PublicVoter};
use jinguo_domain::Invalid;
use jinguo_domain::awards::window_closed;
use jinguo_store::awards::{Campaign, CampaignStatus};
use serde::Deserialize;

use super::{MaybePublicUser, PublicChrome, PublicUser};
use crate::state::AppState;
use crate::views::awards::{field_of, read_multipart};
use crate::views::{FormErrors, PageResult, render, render_status, see_other, short_place};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/public/awards", get(list))
        .route("/public/awards/{id}", get(campaign))
        .route("/public/awards/{id}/nominate", get(nominate_form))
        .route("/public/awards/nominations/{id}/vote", post(vote))
        .route("/public/awards/nominations/{id}/object", post(object))
        .route("/public/awards/photos/{id}", get(photo))
}

/// Self-nomination posts photos: mounted with the upload body limit.
pub fn upload_router() -> Router<AppState> {
    Router::new().route("/public/awards/{id}/nominate", post(nominate))
}

fn voter(u: &PublicUser) -> PublicVoter {
    PublicVoter { account: u.account.id, ip: u.account.ip.clone() }
}

pub struct CampaignLink {
    pub id: i64,
    pub title: String,
    pub what: String,
}

#[derive(Template)]
#[template(path = "public/awards.html")]
struct ListPage {
    chrome: PublicChrome,
    open: Vec<CampaignLink>,
    notices: Vec<CampaignLink>,
}

async fn list(State(state): State<AppState>, visitor: MaybePublicUser) -> PageResult {
    let (published, open) = state.app.public_campaigns().await?;
    let today = state.app.today();
    let open = open
        .iter()
        .map(|c| {
            let t = c.timetable;
            let mut what = Vec::new();
            if t.nominate_from <= today && today <= t.nominate_to {
                what.push(format!("推荐至 {}", t.nominate_to));
            }
            if let Some((a, b)) = t.vote
                && a <= today
                && today <= b
            {
                what.push(format!("投票至 {b}"));
            }
            CampaignLink { id: c.id, title: c.title.clone(), what: what.join("，") }
        })
        .collect();
    let notices = published
        .iter()
        .map(|c| CampaignLink {
            id: c.id,
            title: c.title.clone(),
            what: match (c.status, c.notice_start, c.notice_end) {
                (CampaignStatus::Finalised, _, _) => "已公布最终名单".into(),
                (_, Some(a), Some(b)) => format!("公示 {a} 至 {b}"),
                _ => String::new(),
            },
        })
        .collect();
    Ok(render(&ListPage { chrome: visitor.chrome("/public/awards"), open, notices }))
}

pub struct Nominee {
    pub id: i64,
    pub family: String,
    pub person: String,
    pub village: String,
    pub story: String,
    pub votes: i64,
    pub photos: Vec<i64>,
}

#[derive(Template)]
#[template(path = "public/award.html")]
struct CampaignPage {
    chrome: PublicChrome,
    c: CampaignLink,
    can_nominate: bool,
    nominate_until: String,
    voting: bool,
    vote_until: String,
    candidates: Vec<Nominee>,
    notice: bool,
    notice_open: bool,
    notice_period: String,
    finalised: bool,
    listed: Vec<Nominee>,
    message: String,
    good: String,
}

#[derive(Deserialize)]
struct CampaignQuery {
    done: Option<String>,
}

async fn nominees(state: &AppState, list: Vec<jinguo_store::awards::nominations::Nomination>) -> Vec<Nominee> {
    let mut out = Vec::with_capacity(list.len());
    for n in list {
        let photos = jinguo_store::awards::nominations::photos(state.app.db.reader(), n.id).await.unwrap_or_default();
        out.push(Nominee {
            id: n.id,
            family: n.family_name,
            person: n.person_name.unwrap_or_default(),
            village: short_place(&n.region_name),
            story: n.story,
            votes: n.votes,
            photos: photos.iter().map(|p| p.id).collect(),
        });
    }
    out
}

async fn campaign_page(state: &AppState, chrome: PublicChrome, id: i64, message: String, good: String) -> Result<CampaignPage, AppError> {
    let (c, candidates): (Campaign, _) = state.app.public_candidates(id).await?;
    let today = state.app.today();
    let t = c.timetable;
    let listed = match c.notice_start {
        Some(_) => state.app.public_notice(id).await?.1,
        None => Vec::new(),
    };
    Ok(CampaignPage {
        chrome,
        can_nominate: c.status == CampaignStatus::Open && window_closed("", t.nominate_from, t.nominate_to, today).is_none(),
        nominate_until: t.nominate_to.to_string(),
        voting: !candidates.is_empty(),
        vote_until: t.vote.map(|v| v.1.to_string()).unwrap_or_default(),
        candidates: nominees(state, candidates).await,
        notice: c.notice_start.is_some(),
        notice_open: c.status == CampaignStatus::Notice && c.notice_end.is_some_and(|e| today <= e),
        notice_period: match (c.notice_start, c.notice_end) {
            (Some(a), Some(b)) => format!("{a} 至 {b}"),
            _ => String::new(),
        },
        finalised: c.status == CampaignStatus::Finalised,
        listed: nominees(state, listed).await,
        c: CampaignLink { id: c.id, title: c.title.clone(), what: c.kind_name.clone() },
        message,
        good,
    })
}

async fn campaign(
    State(state): State<AppState>,
    visitor: MaybePublicUser,
    Path(id): Path<i64>,
    Query(q): Query<CampaignQuery>,
) -> PageResult {
    let good = match q.done.as_deref() {
        Some("vote") => "投票成功，谢谢您的参与",
        Some("flagged") => "已收到您的投票，系统核实后计入",
        Some("object") => "已收到您的异议，妇联将核实并答复",
        Some("nominate") => "推荐已提交，请等待所在镇(街道)妇联审核",
        _ => "",
    };
    let chrome = visitor.chrome(&format!("/public/awards/{id}"));
    Ok(render(&campaign_page(&state, chrome, id, String::new(), good.into()).await?))
}

#[derive(Deserialize)]
struct ActionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    campaign: i64,
    #[serde(default)]
    text: String,
}

/// A refused public action: the campaign page again with the message (nothing was written).
async fn refused(state: &AppState, user: &PublicUser, campaign: i64, e: AppError) -> PageResult {
    let status = crate::error::status(&e);
    let message = match &e {
        AppError::Invalid(inv) => inv.summary(),
        other => other.to_string(),
    };
    match e {
        AppError::Invalid(_) | AppError::Conflict(_) => {
            Ok(render_status(status, &campaign_page(state, user.chrome(), campaign, message, String::new()).await?))
        }
        other => Err(other.into()),
    }
}

async fn vote(State(state): State<AppState>, user: PublicUser, Path(id): Path<i64>, Form(f): Form<ActionForm>) -> PageResult {
    user.check_csrf(&f.csrf)?;
    match state.app.vote(&voter(&user), id).await {
        Ok(true) => Ok(see_other(&format!("/public/awards/{}?done=vote", f.campaign))),
        Ok(false) => Ok(see_other(&format!("/public/awards/{}?done=flagged", f.campaign))),
        Err(e) => refused(&state, &user, f.campaign, e).await,
    }
}

async fn object(State(state): State<AppState>, user: PublicUser, Path(id): Path<i64>, Form(f): Form<ActionForm>) -> PageResult {
    user.check_csrf(&f.csrf)?;
    match state.app.object(&voter(&user), id, &f.text).await {
        Ok(_) => Ok(see_other(&format!("/public/awards/{}?done=object", f.campaign))),
        Err(e) => refused(&state, &user, f.campaign, e).await,
    }
}

async fn photo(State(state): State<AppState>, Path(id): Path<i64>) -> Result<Response, crate::views::PageError> {
    let (mime, bytes) = state.app.nomination_photo(None, id).await?;
    Ok(([(header::CONTENT_TYPE, mime), (header::CACHE_CONTROL, "public, max-age=3600".to_owned())], bytes).into_response())
}

#[derive(Default)]
struct NominateForm {
    head_id_number: String,
    nominator: String,
    person: String,
    story: String,
}

#[derive(Template)]
#[template(path = "public/award_nominate.html")]
struct NominatePage {
    chrome: PublicChrome,
    campaign: i64,
    title: String,
    for_person: bool,
    f: NominateForm,
    errors: FormErrors,
}

async fn nominate_form(State(state): State<AppState>, user: PublicUser, Path(id): Path<i64>) -> PageResult {
    let (c, _) = state.app.public_candidates(id).await?;
    let f = NominateForm { nominator: user.account.nickname.clone(), ..NominateForm::default() };
    Ok(render(&NominatePage {
        chrome: user.chrome(),
        campaign: id,
        title: c.title,
        for_person: c.for_person,
        f,
        errors: FormErrors::default(),
    }))
}

async fn nominate(State(state): State<AppState>, user: PublicUser, Path(id): Path<i64>, form: Multipart) -> PageResult {
    let (fields, photos) = read_multipart(form).await?;
    user.check_csrf(&field_of(&fields, "csrf"))?;
    let f = NominateForm {
        head_id_number: field_of(&fields, "head_id_number"),
        nominator: field_of(&fields, "nominator"),
        person: field_of(&fields, "person"),
        story: field_of(&fields, "story"),
    };
    let input = NominationInput {
        campaign: id.to_string(),
        family: String::new(),
        person: Some(f.person.clone()).filter(|s| !s.trim().is_empty()),
        source: None,
        nominator: Some(f.nominator.clone()),
        story: f.story.clone(),
    };
    let (status, errors) = match state.app.self_nominate(&voter(&user), &input, &f.head_id_number, &photos).await {
        Ok(_) => return Ok(see_other(&format!("/public/awards/{id}?done=nominate"))),
        Err(AppError::Invalid(e)) => (StatusCode::UNPROCESSABLE_ENTITY, e),
        Err(AppError::Conflict(m)) => (StatusCode::CONFLICT, Invalid::field("head_id_number", m)),
        Err(e) => return Err(e.into()),
    };
    let (c, _) = state.app.public_candidates(id).await?;
    Ok(render_status(
        status,
        &NominatePage { chrome: user.chrome(), campaign: id, title: c.title, for_person: c.for_person, f, errors: FormErrors(errors) },
    ))
}
