//! The register of women (妇女信息): the masked list with filters, the registration form a
//! village officer fills in on her phone, a woman's record, and revealing her full ID number,
//! phone and address with a stated reason (audited; the full values appear once, on the
//! response page, never in a URL).

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Form, Router};
use jinguo_app::AppError;
use jinguo_app::people::{PersonInput, PersonView, Registration, Revealed};
use jinguo_domain::access::Permission;
use jinguo_domain::people::PersonCategory;
use jinguo_domain::{Invalid, Level};
use serde::Deserialize;

use crate::auth::PageUser;
use crate::state::AppState;
use crate::views::{
    Chrome, FormErrors, PageError, PageResult, SelectOption, link, page_region, render, render_status, see_other, short_place,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/people", get(list))
        .route("/people/new", get(new_form).post(create))
        .route("/people/{id}", get(detail))
        .route("/people/{id}/reveal", post(reveal))
}

/// Shown on her record when the ID number typed was already registered in scope.
const FOUND_NOTICE: &str = "该身份证号码已登记，已为您打开她的信息";

/// Whether the user's role sees who a person is (name, masked ID number and phone).
fn sees_identity(user: &PageUser) -> bool {
    user.actor.role.is_none_or(|r| r.sees_identity())
}

/// A person as a row of the list (or the facts of her record) shows her.
pub struct Row {
    pub id: i64,
    pub name: String,
    pub id_number: String,
    pub phone: String,
    pub address: String,
    pub sex: String,
    pub age: u32,
    pub categories: Vec<&'static str>,
    pub village: String,
    pub region: String,
    pub region_name: String,
}

/// An absent or hidden value.
const DASH: &str = "—";

impl Row {
    fn new(p: &PersonView) -> Row {
        let or_dash = |v: &Option<String>| v.clone().filter(|s| !s.is_empty()).unwrap_or_else(|| DASH.to_owned());
        Row {
            id: p.id,
            name: or_dash(&p.name),
            id_number: or_dash(&p.id_number),
            phone: or_dash(&p.phone),
            address: or_dash(&p.address),
            sex: p.sex.clone(),
            age: p.age,
            categories: p.categories.iter().map(|c| c.label()).collect(),
            village: short_place(&p.region_name),
            region: p.region.short().to_owned(),
            region_name: p.region_name.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "people/list.html")]
struct ListPage {
    chrome: Chrome,
    region: String,
    categories: Vec<SelectOption>,
    q: String,
    rows: Vec<Row>,
    total: i64,
    next: String,
    identity: bool,
    can_write: bool,
    /// The export page for the list as filtered.
    export: String,
    errors: FormErrors,
}

#[derive(Deserialize)]
struct ListQuery {
    region: Option<String>,
    category: Option<String>,
    q: Option<String>,
    after: Option<String>,
}

async fn list(State(state): State<AppState>, user: PageUser, Query(q): Query<ListQuery>) -> PageResult {
    let actor = &user.actor;
    let region = page_region(q.region.as_deref())?;
    let category = q.category.clone().unwrap_or_default();
    let text = q.q.clone().unwrap_or_default();
    let (page, errors) = match state.app.people_table(actor, region.as_ref(), Some(&category), Some(&text), q.after.as_deref()).await {
        Ok(page) => (Some(page), Invalid::default()),
        Err(AppError::Invalid(e)) => (None, e),
        Err(e) => return Err(e.into()),
    };
    let shown = region.or_else(|| actor.region.clone());
    let mut chrome = Chrome::new(&user, "/people");
    if let Some(r) = &shown {
        chrome = chrome.with_region(&state, actor, r, "/people").await;
    }
    let region = shown.map(|r| r.short().to_owned()).unwrap_or_default();
    let (rows, total, next) = match page {
        Some(p) => {
            let next = p
                .next
                .as_deref()
                .map(|n| link("/people", &[("region", &region), ("category", &category), ("q", &text), ("after", n)]))
                .unwrap_or_default();
            (p.items.iter().map(Row::new).collect(), p.total, next)
        }
        None => (Vec::new(), 0, String::new()),
    };
    let categories = PersonCategory::ALL.into_iter().map(|c| SelectOption::new(c.code(), c.label(), &category)).collect();
    let export = link("/people/export", &[("region", &region), ("category", &category), ("q", &text)]);
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok(render_status(
        status,
        &ListPage {
            chrome,
            region,
            categories,
            q: text,
            rows,
            total,
            next,
            identity: sees_identity(&user),
            can_write: actor.can(Permission::WritePeople),
            export,
            errors: FormErrors(errors),
        },
    ))
}

/// The registration form as typed.
#[derive(Default)]
struct NewForm {
    csrf: String,
    name: String,
    id_number: String,
    phone: String,
    region: String,
    categories: Vec<String>,
    address: String,
}

impl NewForm {
    /// Reads a urlencoded body, keeping every `categories` value (checkboxes send one each).
    fn parse(body: &[u8]) -> NewForm {
        let mut f = NewForm::default();
        for (key, value) in form_pairs(body) {
            match key.as_str() {
                "csrf" => f.csrf = value,
                "name" => f.name = value,
                "id_number" => f.id_number = value,
                "phone" => f.phone = value,
                "region" => f.region = value,
                "categories" => f.categories.push(value),
                "address" => f.address = value,
                _ => {}
            }
        }
        f
    }
}

/// The pairs of an `application/x-www-form-urlencoded` body, in order, repeated keys kept.
fn form_pairs(body: &[u8]) -> Vec<(String, String)> {
    body.split(|b| *b == b'&')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut kv = part.splitn(2, |b| *b == b'=');
            let key = decode_component(kv.next().unwrap_or_default());
            let value = decode_component(kv.next().unwrap_or_default());
            (key, value)
        })
        .collect()
}

/// `+` to a space and `%XX` to its byte; a malformed escape stays as typed.
fn decode_component(s: &[u8]) -> String {
    let hex = |b: u8| (b as char).to_digit(16);
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b'+' => out.push(b' '),
            b'%' => match (s.get(i + 1).copied().and_then(hex), s.get(i + 2).copied().and_then(hex)) {
                (Some(h), Some(l)) => {
                    out.push(u8::try_from(h * 16 + l).unwrap_or(b'?'));
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// One checkbox of the categories.
pub struct CategoryBox {
    pub code: &'static str,
    pub label: &'static str,
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "people/new.html")]
struct NewPage {
    chrome: Chrome,
    f: NewForm,
    /// The villages of a village or town officer's scope; empty means a code field.
    villages: Vec<SelectOption>,
    boxes: Vec<CategoryBox>,
    errors: FormErrors,
}

async fn new_page(state: &AppState, user: &PageUser, f: NewForm, errors: FormErrors) -> Result<NewPage, PageError> {
    let mut villages = Vec::new();
    if let Some(own) = &user.actor.region {
        match own.level() {
            Level::Village => {
                let v = state.app.region(own).await?;
                villages.push(SelectOption::new(v.code.short(), short_place(&v.name), &f.region));
            }
            Level::Town => {
                villages = state
                    .app
                    .region_children(Some(own))
                    .await?
                    .into_iter()
                    .map(|v| SelectOption::new(v.code.short(), short_place(&v.name), &f.region))
                    .collect();
            }
            _ => {}
        }
    }
    // One village: it is hers, chosen already.
    if let [only] = villages.as_mut_slice() {
        only.selected = true;
    }
    let boxes = PersonCategory::ALL
        .into_iter()
        .map(|c| CategoryBox { code: c.code(), label: c.label(), checked: f.categories.iter().any(|v| v == c.code() || v == c.label()) })
        .collect();
    let chrome = Chrome::new(user, "/people");
    Ok(NewPage { chrome, f, villages, boxes, errors })
}

fn require_write(user: &PageUser) -> Result<(), PageError> {
    if user.actor.can(Permission::WritePeople) {
        Ok(())
    } else {
        Err(PageError(AppError::Forbidden("您的角色无权登记妇女信息".into())))
    }
}

async fn new_form(State(state): State<AppState>, user: PageUser) -> PageResult {
    require_write(&user)?;
    Ok(render(&new_page(&state, &user, NewForm::default(), FormErrors::default()).await?))
}

async fn create(State(state): State<AppState>, user: PageUser, body: Bytes) -> PageResult {
    let f = NewForm::parse(&body);
    user.check_csrf(&f.csrf)?;
    require_write(&user)?;
    let optional = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
    let input = PersonInput {
        name: f.name.clone(),
        id_number: f.id_number.clone(),
        phone: optional(&f.phone),
        region: f.region.clone(),
        categories: f.categories.clone(),
        address: optional(&f.address),
    };
    let (status, errors) = match state.app.register_person(&user.actor, &input).await {
        Ok(Registration::Created(p)) => return Ok(see_other(&format!("/people/{}?saved=1", p.id))),
        Ok(Registration::Existing(p)) => return Ok(see_other(&format!("/people/{}?found=1", p.id))),
        Err(AppError::Invalid(e)) => (StatusCode::UNPROCESSABLE_ENTITY, e),
        Err(AppError::Conflict(m)) => (StatusCode::CONFLICT, Invalid::field("id_number", m)),
        // A village outside her scope: said beside the field, the form kept.
        Err(AppError::Forbidden(m)) => (StatusCode::FORBIDDEN, Invalid::field("region", m)),
        Err(e) => return Err(e.into()),
    };
    Ok(render_status(status, &new_page(&state, &user, f, FormErrors(errors)).await?))
}

#[derive(Template)]
#[template(path = "people/person.html")]
struct DetailPage {
    chrome: Chrome,
    p: Row,
    identity: bool,
    can_reveal: bool,
    reason: String,
    revealed: Option<Revealed>,
    errors: FormErrors,
    /// Her open care case, if any.
    care_case: Option<i64>,
    /// In a vulnerable category, with no open case, and the user may open one.
    can_open_case: bool,
    /// A woman of screening age (35–64) and the user may record a screening.
    can_screen: bool,
    /// Her pairings, aid and groups (`templates/help/person_section.html`).
    help: crate::views::help::PersonHelp,
}

#[derive(Deserialize)]
struct DetailQuery {
    saved: Option<String>,
    found: Option<String>,
}

async fn detail_page(state: &AppState, user: &PageUser, id: i64) -> Result<DetailPage, PageError> {
    let p = state.app.person(&user.actor, id).await?;
    let chrome = Chrome::new(user, "/people").with_region(state, &user.actor, &p.region, "/people").await;
    // She was read within the user's scope just above, so her open case may be looked up.
    let care_case = state.app.open_case_of(&user.actor, id).await?;
    let can_open_case = care_case.is_none() && p.categories.iter().any(|c| c.is_vulnerable()) && user.actor.can(Permission::WritePeople);
    let can_screen = p.sex == "女" && (35..=64).contains(&p.age) && user.actor.can(Permission::WritePeople);
    Ok(DetailPage {
        chrome,
        p: Row::new(&p),
        identity: sees_identity(user),
        can_reveal: user.actor.can(Permission::RevealPersonal),
        reason: String::new(),
        revealed: None,
        errors: FormErrors::default(),
        care_case,
        can_open_case,
        can_screen,
        help: crate::views::help::person_help(state, user, id).await?,
    })
}

async fn detail(State(state): State<AppState>, user: PageUser, Path(id): Path<i64>, Query(q): Query<DetailQuery>) -> PageResult {
    let mut page = detail_page(&state, &user, id).await?;
    if q.found.is_some() {
        page.chrome = page.chrome.notice(FOUND_NOTICE);
    } else if q.saved.is_some() {
        page.chrome = page.chrome.notice("已登记");
    }
    Ok(render(&page))
}

#[derive(Deserialize)]
struct RevealForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
}

async fn reveal(State(state): State<AppState>, user: PageUser, Path(id): Path<i64>, Form(f): Form<RevealForm>) -> PageResult {
    user.check_csrf(&f.csrf)?;
    match state.app.reveal_person(&user.actor, id, &f.reason).await {
        Ok(revealed) => {
            let mut page = detail_page(&state, &user, id).await?;
            page.revealed = Some(revealed);
            page.reason = f.reason.trim().to_owned();
            Ok(render(&page))
        }
        Err(AppError::Invalid(e)) => {
            let mut page = detail_page(&state, &user, id).await?;
            page.reason = f.reason;
            page.errors = FormErrors(e);
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::{NewForm, decode_component};

    #[test]
    fn form_bodies_keep_every_category_and_decode_chinese() {
        let f = NewForm::parse(b"csrf=t&name=%E5%BC%A0%E7%A7%80%E5%85%B0&categories=hardship&categories=left_behind&address=a+b%2");
        assert_eq!((f.csrf.as_str(), f.name.as_str()), ("t", "张秀兰"));
        assert_eq!(f.categories, ["hardship", "left_behind"]);
        assert_eq!(f.address, "a b%2");
        assert_eq!(decode_component(b"%"), "%");
        assert_eq!(decode_component(b"x%41"), "xA");
    }
}
