//! One-to-one help and aid pages: the help section of a woman's record (her pairings, the aid
//! she was given, her groups, with forms to add a pairing and aid), and the mutual-aid groups:
//! their list, forming one, and a group's page with its members and meetings.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Form, Router};
use jinguo_app::AppError;
use jinguo_app::help::{AidInput, GroupInput, MeetingInput, MemberInput, PairingInput};
use jinguo_domain::Invalid;
use jinguo_domain::access::Permission;
use jinguo_domain::help::{AidKind, Fen, HelperKind};
use serde::Deserialize;

use crate::auth::PageUser;
use crate::state::AppState;
use crate::views::{
    Chrome, FormErrors, PageError, PageResult, SelectOption, link, page_region, render, render_status, see_other, short_place,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/people/{id}/pairings", post(add_pairing))
        .route("/people/{id}/aid", post(add_aid))
        .route("/help/pairings/{id}/end", post(end_pairing))
        .route("/help/groups", get(groups))
        .route("/help/groups/new", get(new_group_form).post(create_group))
        .route("/help/groups/{id}", get(group))
        .route("/help/groups/{id}/members", post(add_member))
        .route("/help/groups/{id}/members/{member}/leave", post(leave))
        .route("/help/groups/{id}/meetings", post(add_meeting))
}

fn require_write(user: &PageUser) -> Result<(), PageError> {
    if user.actor.can(Permission::WritePeople) {
        Ok(())
    } else {
        Err(PageError(AppError::Forbidden("您的角色无权登记帮扶信息".into())))
    }
}

fn helper_kinds(current: &str) -> Vec<SelectOption> {
    HelperKind::ALL.into_iter().map(|k| SelectOption::new(k.code(), k.label(), current)).collect()
}

fn aid_kinds(current: &str) -> Vec<SelectOption> {
    AidKind::ALL.into_iter().map(|k| SelectOption::new(k.code(), k.label(), current)).collect()
}

// ---------------------------------------------------------------------------------------------
// Her record: pairings, aid, groups
// ---------------------------------------------------------------------------------------------

pub struct PairingRow {
    pub id: i64,
    pub helper: String,
    pub kind: &'static str,
    pub started: String,
    pub ended: String,
    pub reason: String,
    pub active: bool,
}

pub struct AidRow {
    pub kind: &'static str,
    pub date: String,
    pub amount: String,
    pub source: String,
    pub note: String,
}

pub struct MembershipRow {
    pub group: i64,
    pub name: String,
    pub joined: String,
    pub left: String,
}

#[derive(Default, Deserialize)]
pub struct PairingForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub helper_name: String,
    #[serde(default)]
    pub helper_kind: String,
    #[serde(default)]
    pub started_on: String,
}

#[derive(Default, Deserialize)]
pub struct AidForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub given_on: String,
    #[serde(default)]
    pub amount: String,
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub note: String,
}

/// The help section of her record (`templates/help/person_section.html`).
pub struct PersonHelp {
    pub pairings: Vec<PairingRow>,
    pub aid: Vec<AidRow>,
    pub aid_total: String,
    pub groups: Vec<MembershipRow>,
    pub can_write: bool,
    pub helper_kinds: Vec<SelectOption>,
    pub aid_kinds: Vec<SelectOption>,
    pub pf: PairingForm,
    pub af: AidForm,
    pub pairing_errors: FormErrors,
    pub aid_errors: FormErrors,
}

/// Her help, for her record page (she was read in the user's scope by the caller).
pub async fn person_help(state: &AppState, user: &PageUser, person: i64) -> Result<PersonHelp, PageError> {
    let h = state.app.help_of_person(&user.actor, person).await?;
    let today = state.app.today().to_string();
    let total: i64 = h.aid.iter().map(|a| a.amount.fen()).sum();
    Ok(PersonHelp {
        pairings: h
            .pairings
            .iter()
            .map(|p| PairingRow {
                id: p.id,
                helper: p.helper_name.clone(),
                kind: p.helper_kind.label(),
                started: p.started_on.to_string(),
                ended: p.ended_on.map(|d| d.to_string()).unwrap_or_default(),
                reason: p.end_reason.clone(),
                active: p.ended_on.is_none(),
            })
            .collect(),
        aid: h
            .aid
            .iter()
            .map(|a| AidRow {
                kind: a.kind.label(),
                date: a.given_on.to_string(),
                amount: a.amount.yuan(),
                source: a.source.clone(),
                note: a.note.clone(),
            })
            .collect(),
        aid_total: Fen(total).yuan(),
        groups: h
            .groups
            .iter()
            .map(|g| MembershipRow {
                group: g.group,
                name: g.group_name.clone(),
                joined: g.joined_on.to_string(),
                left: g.left_on.map(|d| d.to_string()).unwrap_or_default(),
            })
            .collect(),
        can_write: user.actor.can(Permission::WritePeople),
        helper_kinds: helper_kinds(""),
        aid_kinds: aid_kinds(""),
        pf: PairingForm { started_on: today.clone(), ..PairingForm::default() },
        af: AidForm { given_on: today, ..AidForm::default() },
        pairing_errors: FormErrors::default(),
        aid_errors: FormErrors::default(),
    })
}

/// The woman a form posts for.
pub struct PersonRef {
    pub id: i64,
}

/// A help form shown again, alone, with the messages beside its fields.
#[derive(Template)]
#[template(path = "help/person_form.html")]
struct PersonFormPage {
    chrome: Chrome,
    person: i64,
    /// What the included form fields read as `p.id`.
    p: PersonRef,
    who: String,
    /// "pairing" or "aid".
    which: &'static str,
    help: PersonHelp,
}

async fn person_form_page(
    state: &AppState,
    user: &PageUser,
    person: i64,
    which: &'static str,
    mut help: PersonHelp,
) -> Result<PersonFormPage, PageError> {
    let p = state.app.person(&user.actor, person).await?;
    let name = p.name.as_deref().map(jinguo_crypto::mask::name).unwrap_or_default();
    let who = format!("{name}{}{}", if name.is_empty() { "" } else { "，" }, short_place(&p.region_name));
    help.helper_kinds = helper_kinds(&help.pf.helper_kind);
    help.aid_kinds = aid_kinds(&help.af.kind);
    Ok(PersonFormPage { chrome: Chrome::new(user, "/people"), person, p: PersonRef { id: person }, who, which, help })
}

async fn add_pairing(State(state): State<AppState>, user: PageUser, Path(id): Path<i64>, Form(f): Form<PairingForm>) -> PageResult {
    user.check_csrf(&f.csrf)?;
    require_write(&user)?;
    let input = PairingInput {
        person: id.to_string(),
        helper_name: f.helper_name.clone(),
        helper_kind: f.helper_kind.clone(),
        started_on: Some(f.started_on.clone()).filter(|s| !s.trim().is_empty()),
    };
    let (status, errors) = match state.app.start_pairing(&user.actor, &input).await {
        Ok(_) => return Ok(see_other(&format!("/people/{id}?saved=1#help"))),
        Err(AppError::Invalid(e)) => (StatusCode::UNPROCESSABLE_ENTITY, e),
        Err(AppError::Conflict(m)) => (StatusCode::CONFLICT, Invalid::field("helper_name", m)),
        Err(e) => return Err(e.into()),
    };
    let mut help = person_help(&state, &user, id).await?;
    help.pf = f;
    help.pairing_errors = FormErrors(errors);
    Ok(render_status(status, &person_form_page(&state, &user, id, "pairing", help).await?))
}

async fn add_aid(State(state): State<AppState>, user: PageUser, Path(id): Path<i64>, Form(f): Form<AidForm>) -> PageResult {
    user.check_csrf(&f.csrf)?;
    require_write(&user)?;
    let optional = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
    let input = AidInput {
        person: id.to_string(),
        kind: f.kind.clone(),
        given_on: optional(&f.given_on),
        amount: f.amount.clone(),
        source: f.source.clone(),
        note: optional(&f.note),
    };
    let errors = match state.app.record_aid(&user.actor, &input).await {
        Ok(_) => return Ok(see_other(&format!("/people/{id}?saved=1#help"))),
        Err(AppError::Invalid(e)) => e,
        Err(e) => return Err(e.into()),
    };
    let mut help = person_help(&state, &user, id).await?;
    help.af = f;
    help.aid_errors = FormErrors(errors);
    Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &person_form_page(&state, &user, id, "aid", help).await?))
}

#[derive(Default, Deserialize)]
struct EndForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    ended_on: String,
    #[serde(default)]
    end_reason: String,
}

#[derive(Template)]
#[template(path = "help/pairing_end.html")]
struct EndPage {
    chrome: Chrome,
    p: PairingRow,
    person: i64,
    f: EndForm,
    errors: FormErrors,
}

async fn end_pairing(State(state): State<AppState>, user: PageUser, Path(id): Path<i64>, Form(f): Form<EndForm>) -> PageResult {
    user.check_csrf(&f.csrf)?;
    let day = Some(f.ended_on.as_str()).filter(|s| !s.trim().is_empty());
    let errors = match state.app.end_pairing(&user.actor, id, day, &f.end_reason).await {
        Ok(p) => return Ok(see_other(&format!("/people/{}?saved=1#help", p.person))),
        Err(AppError::Invalid(e)) => e,
        Err(e) => return Err(e.into()),
    };
    let p = state.app.pairing(&user.actor, id).await?;
    let row = PairingRow {
        id: p.id,
        helper: p.helper_name.clone(),
        kind: p.helper_kind.label(),
        started: p.started_on.to_string(),
        ended: String::new(),
        reason: String::new(),
        active: true,
    };
    let page = EndPage { chrome: Chrome::new(&user, "/people"), p: row, person: p.person, f, errors: FormErrors(errors) };
    Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
}

// ---------------------------------------------------------------------------------------------
// Mutual-aid groups
// ---------------------------------------------------------------------------------------------

pub struct GroupRow {
    pub id: i64,
    pub name: String,
    pub village: String,
    pub region: String,
    pub topic: String,
    pub leader: String,
    pub formed: String,
    pub members: i64,
    pub meetings: i64,
}

impl GroupRow {
    fn new(g: &jinguo_store::help::groups::Group) -> GroupRow {
        GroupRow {
            id: g.id,
            name: g.name.clone(),
            village: short_place(&g.region_name),
            region: g.region.short().to_owned(),
            topic: g.topic.clone(),
            leader: g.leader.clone(),
            formed: g.formed_on.to_string(),
            members: g.members,
            meetings: g.meetings,
        }
    }
}

#[derive(Template)]
#[template(path = "help/groups.html")]
struct GroupsPage {
    chrome: Chrome,
    region: String,
    q: String,
    rows: Vec<GroupRow>,
    total: i64,
    next: String,
    identity: bool,
    can_write: bool,
}

#[derive(Deserialize)]
struct GroupsQuery {
    region: Option<String>,
    q: Option<String>,
    after: Option<String>,
}

async fn groups(State(state): State<AppState>, user: PageUser, Query(q): Query<GroupsQuery>) -> PageResult {
    let actor = &user.actor;
    let region = page_region(q.region.as_deref())?;
    let text = q.q.clone().unwrap_or_default();
    let page = state.app.list_groups(actor, region.as_ref(), Some(&text), q.after.as_deref(), 50).await?;
    let shown = region.or_else(|| actor.region.clone());
    let mut chrome = Chrome::new(&user, "/help/groups");
    if let Some(r) = &shown {
        chrome = chrome.with_region(&state, actor, r, "/help/groups").await;
    }
    let region = shown.map(|r| r.short().to_owned()).unwrap_or_default();
    let next = page.next.as_deref().map(|n| link("/help/groups", &[("region", &region), ("q", &text), ("after", n)])).unwrap_or_default();
    Ok(render(&GroupsPage {
        chrome,
        region,
        q: text,
        rows: page.items.iter().map(GroupRow::new).collect(),
        total: page.total,
        next,
        identity: actor.sees_identity(),
        can_write: actor.can(Permission::WritePeople),
    }))
}

#[derive(Default, Deserialize)]
struct GroupForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    topic: String,
    #[serde(default)]
    leader: String,
    #[serde(default)]
    formed_on: String,
}

#[derive(Template)]
#[template(path = "help/group_new.html")]
struct NewGroupPage {
    chrome: Chrome,
    f: GroupForm,
    errors: FormErrors,
}

async fn new_group_form(State(state): State<AppState>, user: PageUser) -> PageResult {
    require_write(&user)?;
    let region = user.actor.region.as_ref().map(|r| r.short().to_owned()).unwrap_or_default();
    let f = GroupForm { region, formed_on: state.app.today().to_string(), ..GroupForm::default() };
    Ok(render(&NewGroupPage { chrome: Chrome::new(&user, "/help/groups"), f, errors: FormErrors::default() }))
}

async fn create_group(State(state): State<AppState>, user: PageUser, Form(f): Form<GroupForm>) -> PageResult {
    user.check_csrf(&f.csrf)?;
    require_write(&user)?;
    let optional = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
    let input = GroupInput {
        region: f.region.clone(),
        name: f.name.clone(),
        topic: optional(&f.topic),
        leader: f.leader.clone(),
        formed_on: optional(&f.formed_on),
    };
    let errors = match state.app.create_group(&user.actor, &input).await {
        Ok(g) => return Ok(see_other(&format!("/help/groups/{}?saved=1", g.id))),
        Err(AppError::Invalid(e)) => e,
        Err(e) => return Err(e.into()),
    };
    Ok(render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &NewGroupPage { chrome: Chrome::new(&user, "/help/groups"), f, errors: FormErrors(errors) },
    ))
}

pub struct MemberRow {
    pub id: i64,
    pub person: i64,
    pub name: String,
    pub joined: String,
    pub left: String,
}

pub struct MeetingRow {
    pub date: String,
    pub topic: String,
    pub attendees: i64,
    pub note: String,
}

#[derive(Default, Deserialize)]
struct MemberForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    id_number: String,
    #[serde(default)]
    joined_on: String,
}

#[derive(Default, Deserialize)]
struct MeetingForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    held_on: String,
    #[serde(default)]
    topic: String,
    #[serde(default)]
    attendees: String,
    #[serde(default)]
    note: String,
}

#[derive(Template)]
#[template(path = "help/group.html")]
struct GroupPage {
    chrome: Chrome,
    g: GroupRow,
    members: Vec<MemberRow>,
    meetings: Vec<MeetingRow>,
    identity: bool,
    can_write: bool,
    mf: MemberForm,
    ef: MeetingForm,
    member_errors: FormErrors,
    meeting_errors: FormErrors,
}

async fn group_page(state: &AppState, user: &PageUser, id: i64) -> Result<GroupPage, PageError> {
    let d = state.app.group(&user.actor, id).await?;
    let chrome = Chrome::new(user, "/help/groups").with_region(state, &user.actor, &d.group.region, "/help/groups").await;
    let today = state.app.today().to_string();
    Ok(GroupPage {
        chrome,
        g: GroupRow::new(&d.group),
        members: d
            .members
            .iter()
            .map(|m| MemberRow {
                id: m.id,
                person: m.person,
                name: m.person_name.clone(),
                joined: m.joined_on.to_string(),
                left: m.left_on.map(|d| d.to_string()).unwrap_or_default(),
            })
            .collect(),
        meetings: d
            .meetings
            .iter()
            .map(|m| MeetingRow { date: m.held_on.to_string(), topic: m.topic.clone(), attendees: m.attendees, note: m.note.clone() })
            .collect(),
        identity: user.actor.sees_identity(),
        can_write: user.actor.can(Permission::WritePeople),
        mf: MemberForm { joined_on: today.clone(), ..MemberForm::default() },
        ef: MeetingForm { held_on: today, ..MeetingForm::default() },
        member_errors: FormErrors::default(),
        meeting_errors: FormErrors::default(),
    })
}

#[derive(Deserialize)]
struct GroupQuery {
    saved: Option<String>,
}

async fn group(State(state): State<AppState>, user: PageUser, Path(id): Path<i64>, Query(q): Query<GroupQuery>) -> PageResult {
    let mut page = group_page(&state, &user, id).await?;
    if q.saved.is_some() {
        page.chrome = page.chrome.notice("已保存");
    }
    Ok(render(&page))
}

async fn add_member(State(state): State<AppState>, user: PageUser, Path(id): Path<i64>, Form(f): Form<MemberForm>) -> PageResult {
    user.check_csrf(&f.csrf)?;
    let input = MemberInput {
        person: None,
        id_number: Some(f.id_number.clone()),
        joined_on: Some(f.joined_on.clone()).filter(|s| !s.trim().is_empty()),
    };
    let (status, errors) = match state.app.add_group_member(&user.actor, id, &input).await {
        Ok(_) => return Ok(see_other(&format!("/help/groups/{id}?saved=1"))),
        Err(AppError::Invalid(e)) => (StatusCode::UNPROCESSABLE_ENTITY, e),
        Err(AppError::Conflict(m)) => (StatusCode::CONFLICT, Invalid::field("id_number", m)),
        Err(e) => return Err(e.into()),
    };
    let mut page = group_page(&state, &user, id).await?;
    page.mf = f;
    page.member_errors = FormErrors(errors);
    Ok(render_status(status, &page))
}

#[derive(Deserialize)]
struct LeaveForm {
    #[serde(default)]
    csrf: String,
}

async fn leave(
    State(state): State<AppState>,
    user: PageUser,
    Path((id, member)): Path<(i64, i64)>,
    Form(f): Form<LeaveForm>,
) -> PageResult {
    user.check_csrf(&f.csrf)?;
    state.app.remove_group_member(&user.actor, id, member, None).await?;
    Ok(see_other(&format!("/help/groups/{id}?saved=1")))
}

async fn add_meeting(State(state): State<AppState>, user: PageUser, Path(id): Path<i64>, Form(f): Form<MeetingForm>) -> PageResult {
    user.check_csrf(&f.csrf)?;
    let optional = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
    let input =
        MeetingInput { held_on: optional(&f.held_on), topic: f.topic.clone(), attendees: optional(&f.attendees), note: optional(&f.note) };
    let errors = match state.app.record_group_meeting(&user.actor, id, &input).await {
        Ok(_) => return Ok(see_other(&format!("/help/groups/{id}?saved=1"))),
        Err(AppError::Invalid(e)) => e,
        Err(e) => return Err(e.into()),
    };
    let mut page = group_page(&state, &user, id).await?;
    page.ef = f;
    page.meeting_errors = FormErrors(errors);
    Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
}
