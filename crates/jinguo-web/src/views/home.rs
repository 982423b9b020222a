//! The work home page: the organisation figures of the officer's region this year.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use jinguo_domain::access::Permission;
use jinguo_domain::insight::Period;

use super::{Chrome, PageResult, render};
use crate::auth::PageUser;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/", get(home))
}

/// A figure as a card shows it.
pub struct FigureCard {
    pub id: &'static str,
    pub label: &'static str,
    pub value: String,
    pub unit: &'static str,
}

impl FigureCard {
    pub fn new(f: &jinguo_app::insight::Figure) -> FigureCard {
        let value = jinguo_domain::insight::format_value(f.value, f.indicator.unit);
        FigureCard { id: f.indicator.id, label: f.indicator.label, value, unit: f.indicator.unit.label() }
    }
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    chrome: Chrome,
    region_name: String,
    region_code: String,
    period_label: String,
    cards: Vec<FigureCard>,
    can_read: bool,
}

const HOME_FIGURES: &[&str] = &[
    "org.federations",
    "org.new_domain.federations",
    "org.new_domain.members",
    "org.executive_members",
    "org.women_homes",
    "org.women_homes.standardised",
    "org.women_homes.coverage",
    "org.terms.renewed",
    "org.terms.due",
    "org.terms.overdue",
    "org.activities",
    "org.activities.participants",
];

async fn home(State(state): State<AppState>, user: PageUser) -> PageResult {
    let actor = &user.actor;
    let mut page = HomePage {
        chrome: Chrome::new(&user, "/"),
        region_name: String::new(),
        region_code: String::new(),
        period_label: String::new(),
        cards: Vec::new(),
        can_read: false,
    };
    if let Some(region) = actor.region.clone().filter(|_| actor.can(Permission::ReadIndicators)) {
        let period = Period::year_to_date(state.app.today());
        let figures = state.app.indicators(actor, &region, period, HOME_FIGURES).await?;
        page.cards = figures.iter().map(FigureCard::new).collect();
        page.region_name = state.app.region(&region).await.map(|r| r.name).unwrap_or_default();
        page.region_code = region.short().to_owned();
        page.period_label = format!("{} 至 {}", period.from, period.to);
        page.can_read = actor.can(Permission::ReadRegisters);
        page.chrome = page.chrome.with_region(&state, actor, &region, "/dashboard").await;
    }
    Ok(render(&page))
}
