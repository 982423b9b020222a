//! Federation pages: the list with filters, a new-domain federation's form, and a federation's
//! page with its terms and executive members.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Form, Router};
use jinguo_app::AppError;
use jinguo_app::org::federations::FederationInput;
use jinguo_domain::org::{FederationKind, TermStatus};
use jinguo_store::org::federations::{ExecutiveMember, Federation, Filter, Term};
use serde::Deserialize;

use crate::auth::PageUser;
use crate::state::AppState;
use crate::views::{Chrome, FormErrors, PageError, PageResult, page_region, render, render_status, see_other};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/federations", get(list))
        .route("/federations/new", get(new_form).post(create))
        .route("/federations/{id}", get(detail))
        .route("/federations/{id}/members-count", post(update_members))
        .route("/federations/{id}/terms", post(add_term))
        .route("/federations/{id}/executive-members", post(add_member))
        .route("/federations/{id}/executive-members/{member}/end", post(end_member))
}

/// A federation as a row shows it.
pub struct Row {
    pub id: i64,
    pub name: String,
    pub region_name: String,
    pub kind_label: &'static str,
    pub members: i64,
    pub term_label: &'static str,
    pub term_class: &'static str,
    pub term_end: String,
}

pub fn term_badge(status: TermStatus) -> (&'static str, &'static str) {
    let class = match status {
        TermStatus::Current => "ok",
        TermStatus::Due => "warn",
        TermStatus::Overdue => "bad",
        TermStatus::None => "none",
    };
    (status.label(), class)
}

impl Row {
    fn new(f: &Federation, today: chrono::NaiveDate) -> Row {
        let (term_label, term_class) = term_badge(TermStatus::on(today, f.term_end));
        Row {
            id: f.id,
            name: f.name.clone(),
            region_name: f.region_name.clone(),
            kind_label: f.kind.label(),
            members: f.members,
            term_label,
            term_class,
            term_end: f.term_end.map(|d| d.to_string()).unwrap_or_default(),
        }
    }
}

pub struct KindOption {
    pub code: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

fn kind_options(selected: &str, new_domain_only: bool) -> Vec<KindOption> {
    FederationKind::ALL
        .into_iter()
        .filter(|k| !new_domain_only || k.is_new_domain())
        .map(|k| KindOption { code: k.code(), label: k.label(), selected: k.code() == selected })
        .collect()
}

#[derive(Template)]
#[template(path = "org/federations.html")]
struct ListPage {
    chrome: Chrome,
    region: String,
    q: String,
    kind: String,
    kinds: Vec<KindOption>,
    rows: Vec<Row>,
    total: i64,
    next: String,
    can_write: bool,
}

#[derive(Deserialize)]
struct ListQuery {
    region: Option<String>,
    kind: Option<String>,
    q: Option<String>,
    after: Option<String>,
}

async fn list(State(state): State<AppState>, user: PageUser, Query(q): Query<ListQuery>) -> PageResult {
    let actor = &user.actor;
    let region = page_region(q.region.as_deref())?;
    let kind = q.kind.clone().unwrap_or_default();
    let mut filter = Filter { q: q.q.clone(), ..Default::default() };
    match kind.as_str() {
        "" => {}
        "new_domain" => filter.new_domain_only = true,
        k => filter.kind = Some(FederationKind::parse(k).ok_or(PageError(AppError::NotFound))?),
    }
    let page = state.app.list_federations(actor, region.as_ref(), &filter, q.after.as_deref(), 50).await?;
    let today = state.app.today();
    let shown = region.clone().or_else(|| actor.region.clone());
    let mut chrome = Chrome::new(&user, "/federations");
    if let Some(r) = &shown {
        chrome = chrome.with_region(&state, actor, r, "/federations").await;
    }
    let next = page
        .next
        .as_ref()
        .map(|n| {
            format!(
                "/federations?region={}&kind={}&q={}&after={}",
                shown.as_ref().map(|r| r.short()).unwrap_or(""),
                kind,
                crate::auth::urlencode(q.q.as_deref().unwrap_or("")),
                n
            )
        })
        .unwrap_or_default();
    Ok(render(&ListPage {
        chrome,
        region: shown.map(|r| r.short().to_owned()).unwrap_or_default(),
        q: q.q.unwrap_or_default(),
        kinds: kind_options(&kind, false),
        kind,
        rows: page.items.iter().map(|f| Row::new(f, today)).collect(),
        total: page.total,
        next,
        can_write: actor.can(jinguo_domain::access::Permission::WriteOrg),
    }))
}

#[derive(Template)]
#[template(path = "org/federation_new.html")]
struct NewPage {
    chrome: Chrome,
    kinds: Vec<KindOption>,
    input: FederationInput,
    errors: FormErrors,
}

#[derive(Deserialize)]
struct NewQuery {
    region: Option<String>,
}

async fn new_form(user: PageUser, Query(q): Query<NewQuery>) -> PageResult {
    let region = q.region.or_else(|| user.actor.region.as_ref().map(|r| r.short().to_owned())).unwrap_or_default();
    let input = FederationInput { region, ..Default::default() };
    Ok(render(&NewPage { chrome: Chrome::new(&user, "/federations"), kinds: kind_options("", true), input, errors: FormErrors::default() }))
}

#[derive(Deserialize)]
struct NewForm {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    input: FederationInput,
}

async fn create(State(state): State<AppState>, user: PageUser, Form(f): Form<NewForm>) -> PageResult {
    user.check_csrf(&f.csrf)?;
    match state.app.create_federation(&user.actor, &f.input).await {
        Ok(fed) => Ok(see_other(&format!("/federations/{}?saved=1", fed.id))),
        Err(AppError::Invalid(e)) => Ok(render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &NewPage {
                chrome: Chrome::new(&user, "/federations"),
                kinds: kind_options(&f.input.kind, true),
                input: f.input,
                errors: FormErrors(e),
            },
        )),
        Err(AppError::Conflict(m)) => {
            let errors = FormErrors(jinguo_domain::Invalid::field("name", m));
            Ok(render_status(
                StatusCode::CONFLICT,
                &NewPage { chrome: Chrome::new(&user, "/federations"), kinds: kind_options(&f.input.kind, true), input: f.input, errors },
            ))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "org/federation.html")]
struct DetailPage {
    chrome: Chrome,
    f: Federation,
    row: Row,
    terms: Vec<Term>,
    current_members: Vec<ExecutiveMember>,
    former_members: Vec<ExecutiveMember>,
    can_write: bool,
    errors: FormErrors,
    today: String,
}

#[derive(Deserialize)]
struct DetailQuery {
    saved: Option<String>,
}

async fn detail_page(state: &AppState, user: &PageUser, id: i64, errors: FormErrors, notice: &str) -> Result<DetailPage, PageError> {
    let d = state.app.federation(&user.actor, id).await?;
    let today = state.app.today();
    let chrome =
        Chrome::new(user, "/federations").with_region(state, &user.actor, &d.federation.region, "/federations").await.notice(notice);
    let (current_members, former_members) = d.executive_members.into_iter().partition(|m| m.left_on.is_none());
    Ok(DetailPage {
        chrome,
        row: Row::new(&d.federation, today),
        f: d.federation,
        terms: d.terms,
        current_members,
        former_members,
        can_write: user.actor.can(jinguo_domain::access::Permission::WriteOrg),
        errors,
        today: today.to_string(),
    })
}

async fn detail(State(state): State<AppState>, user: PageUser, Path(id): Path<i64>, Query(q): Query<DetailQuery>) -> PageResult {
    let notice = if q.saved.is_some() { "已保存" } else { "" };
    Ok(render(&detail_page(&state, &user, id, FormErrors::default(), notice).await?))
}

/// Re-shows the federation page with the form's errors, or goes back to it on success.
async fn after_write(state: &AppState, user: &PageUser, id: i64, result: Result<(), AppError>) -> PageResult {
    match result {
        Ok(()) => Ok(see_other(&format!("/federations/{id}?saved=1"))),
        Err(AppError::Invalid(e)) => {
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &detail_page(state, user, id, FormErrors(e), "").await?))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct MembersForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    members: String,
}

async fn update_members(State(state): State<AppState>, user: PageUser, Path(id): Path<i64>, Form(f): Form<MembersForm>) -> PageResult {
    user.check_csrf(&f.csrf)?;
    let r = state.app.update_federation(&user.actor, id, &f.name, Some(&f.members)).await.map(|_| ());
    after_write(&state, &user, id, r).await
}

#[derive(Deserialize)]
struct TermForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    start_on: String,
    #[serde(default)]
    end_on: String,
    #[serde(default)]
    chair: String,
}

async fn add_term(State(state): State<AppState>, user: PageUser, Path(id): Path<i64>, Form(f): Form<TermForm>) -> PageResult {
    user.check_csrf(&f.csrf)?;
    let r = state.app.add_term(&user.actor, id, &f.start_on, &f.end_on, &f.chair).await.map(|_| ());
    after_write(&state, &user, id, r).await
}

#[derive(Deserialize)]
struct MemberForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    position: String,
    #[serde(default)]
    workplace: String,
    #[serde(default)]
    joined_on: String,
}

async fn add_member(State(state): State<AppState>, user: PageUser, Path(id): Path<i64>, Form(f): Form<MemberForm>) -> PageResult {
    user.check_csrf(&f.csrf)?;
    let r = state.app.add_executive_member(&user.actor, id, &f.name, &f.position, &f.workplace, Some(&f.joined_on)).await.map(|_| ());
    after_write(&state, &user, id, r).await
}

#[derive(Deserialize)]
struct EndForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    left_on: String,
}

async fn end_member(
    State(state): State<AppState>,
    user: PageUser,
    Path((id, member)): Path<(i64, i64)>,
    Form(f): Form<EndForm>,
) -> PageResult {
    user.check_csrf(&f.csrf)?;
    let r = state.app.end_executive_member(&user.actor, id, member, Some(&f.left_on)).await;
    after_write(&state, &user, id, r).await
}
