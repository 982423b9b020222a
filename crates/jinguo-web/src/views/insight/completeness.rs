//! `/completeness` (数据完整性): for a region and period, which registers the villages kept and
//! which they did not, per child region, and the villages silent for six months or more.

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use jinguo_app::completeness::{Upkeep, watched_index};
use jinguo_domain::Invalid;
use jinguo_domain::insight::{STALE_MONTHS, WATCHED};
use serde::Deserialize;

use crate::auth::PageUser;
use crate::state::AppState;
use crate::views::{Chrome, FormErrors, PageResult, SelectOption, link, render_status};

pub fn router() -> Router<AppState> {
    Router::new().route(PATH, get(page))
}

const PATH: &str = "/completeness";
/// Silent villages listed on the page at most.
const SHOWN: usize = 200;

/// One cell: how the villages of a region kept one register.
pub struct Cell {
    /// `本期 3/120 村无记录` or `齐全`.
    pub text: String,
    /// The last record's day.
    pub last: String,
    pub incomplete: bool,
}

impl Cell {
    fn of(u: &Upkeep) -> Cell {
        Cell {
            text: if u.villages == 0 {
                "无村(社区)".to_owned()
            } else if u.incomplete() {
                format!("{}/{} 个村无记录", u.lacking, u.villages)
            } else {
                format!("{} 个村均有记录", u.villages)
            },
            last: u.last.map(|d| format!("最近 {d}")).unwrap_or_else(|| "从无记录".to_owned()),
            incomplete: u.incomplete(),
        }
    }
}

pub struct Row {
    pub name: String,
    pub href: String,
    pub cells: Vec<Cell>,
}

pub struct Silent {
    pub name: String,
    pub code: String,
    pub last: String,
}

#[derive(Template)]
#[template(path = "insight/completeness.html")]
struct CompletenessPage {
    chrome: Chrome,
    region: String,
    region_name: String,
    from: String,
    to: String,
    registers: Vec<&'static str>,
    whole: Row,
    rows: Vec<Row>,
    register_options: Vec<SelectOption>,
    chosen_label: &'static str,
    chosen: String,
    stale_months: u32,
    stale_before: String,
    silent: Vec<Silent>,
    silent_total: usize,
    errors: FormErrors,
}

#[derive(Deserialize)]
struct CompletenessQuery {
    region: Option<String>,
    from: Option<String>,
    to: Option<String>,
    register: Option<String>,
}

async fn page(State(state): State<AppState>, user: PageUser, Query(q): Query<CompletenessQuery>) -> PageResult {
    let actor = &user.actor;
    let region = super::region(&state, actor, q.region.as_deref())?;
    let mut invalid = Invalid::new();
    let period = super::figures::period(state.app.today(), q.from.as_deref(), q.to.as_deref(), &mut invalid);
    let chosen = watched_index(q.register.as_deref().filter(|s| !s.is_empty()).unwrap_or("visits"))?;
    let c = state.app.completeness(actor, &region, period).await?;
    let (code, from, to) = (region.short().to_owned(), period.from.to_string(), period.to.to_string());
    let here = |r: &str| link(PATH, &[("region", r), ("from", &from), ("to", &to), ("register", WATCHED[chosen].id)]);
    let row = |name: &str, code: &str, registers: &[Upkeep]| Row {
        name: name.to_owned(),
        href: here(code),
        cells: registers.iter().map(Cell::of).collect(),
    };
    let whole = row(&c.whole.name, c.whole.code.short(), &c.whole.registers);
    let rows = c.children.iter().filter(|k| actor.scope.contains(&k.code)).map(|k| row(&k.name, k.code.short(), &k.registers)).collect();
    let silent_all: Vec<_> = c.stale.iter().filter(|s| s.register == chosen).collect();
    let silent = silent_all
        .iter()
        .take(SHOWN)
        .map(|s| Silent {
            name: s.name.clone(),
            code: s.code.short().to_owned(),
            last: s.last.map(|d| d.to_string()).unwrap_or_else(|| "从无记录".to_owned()),
        })
        .collect();
    let mut chrome = Chrome::new(&user, PATH).with_region(&state, actor, &region, PATH).await;
    for crumb in chrome.crumbs.iter_mut().filter(|c| !c.href.is_empty()) {
        crumb.href = format!("{}&from={from}&to={to}&register={}", crumb.href, WATCHED[chosen].id);
    }
    let status = if invalid.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok(render_status(
        status,
        &CompletenessPage {
            chrome,
            region_name: c.whole.name.clone(),
            registers: WATCHED.iter().map(|w| w.label).collect(),
            whole,
            rows,
            register_options: WATCHED.iter().map(|w| SelectOption::new(w.id, w.label, WATCHED[chosen].id)).collect(),
            chosen_label: WATCHED[chosen].label,
            chosen: WATCHED[chosen].id.to_owned(),
            stale_months: STALE_MONTHS,
            stale_before: c.stale_before.to_string(),
            silent_total: silent_all.len(),
            silent,
            region: code,
            from,
            to,
            errors: FormErrors(invalid),
        },
    ))
}
