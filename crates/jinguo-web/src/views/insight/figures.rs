//! `/figures`: every indicator of a region for a period, as cards grouped by the report's
//! sections, and a breakdown of one indicator by child region, largest first, with a bar each.

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use chrono::{Datelike, NaiveDate};
use jinguo_app::AppError;
use jinguo_domain::Invalid;
use jinguo_domain::insight::{INDICATORS, Period, Unit, indicator};
use serde::Deserialize;

use crate::auth::PageUser;
use crate::state::AppState;
use crate::views::home::FigureCard;
use crate::views::{Chrome, FormErrors, PageError, PageResult, SelectOption, filter_date, link, page_region, render_status};

pub fn router() -> Router<AppState> {
    Router::new().route("/figures", get(page))
}

/// The indicator broken down by child region when none is chosen.
const DEFAULT_INDICATOR: &str = "org.women_homes.coverage";

/// The cards of one section of the report.
pub struct Section {
    pub title: &'static str,
    pub cards: Vec<Card>,
}

pub struct Card {
    pub figure: FigureCard,
    /// The breakdown below shows this indicator.
    pub selected: bool,
    /// The same page, broken down by this indicator.
    pub href: String,
}

/// One child region in the breakdown.
pub struct Share {
    pub name: String,
    pub href: String,
    pub value: String,
    /// Width of the bar, 0–100 (a CSS class `w0`…`w100`).
    pub width: u32,
}

#[derive(Template)]
#[template(path = "insight/figures.html")]
struct FiguresPage {
    chrome: Chrome,
    region: String,
    region_name: String,
    from: String,
    to: String,
    period_label: String,
    this_year: (String, String),
    last_year: (String, String),
    sections: Vec<Section>,
    indicators: Vec<SelectOption>,
    chosen_label: &'static str,
    chosen_unit: &'static str,
    shares: Vec<Share>,
    has_children: bool,
    errors: FormErrors,
}

#[derive(Deserialize)]
struct FiguresQuery {
    region: Option<String>,
    from: Option<String>,
    to: Option<String>,
    indicator: Option<String>,
}

impl FiguresPage {
    /// The id of the indicator broken down, for links and hidden fields.
    fn chosen_id(&self) -> &str {
        self.indicators.iter().find(|o| o.selected).map(|o| o.value.as_str()).unwrap_or(DEFAULT_INDICATOR)
    }
}

/// The period asked for; a bad bound keeps its default and leaves a message in `errors`.
fn period(today: NaiveDate, from: Option<&str>, to: Option<&str>, errors: &mut Invalid) -> Period {
    let default = Period::year_to_date(today);
    let from = filter_date("from", "开始日期", from, errors).unwrap_or(default.from);
    let to = filter_date("to", "结束日期", to, errors).unwrap_or(default.to);
    match Period::new(from, to) {
        Ok(p) => p,
        Err(e) => {
            errors.errors.extend(e.errors);
            default
        }
    }
}

/// Bar width in percent: percentages on their own scale, counts against the largest.
fn bar_width(value: f64, max: f64, unit: Unit) -> u32 {
    let w = if unit == Unit::Percent {
        value
    } else if max > 0.0 {
        value * 100.0 / max
    } else {
        0.0
    };
    w.round().clamp(0.0, 100.0) as u32
}

async fn page(State(state): State<AppState>, user: PageUser, Query(q): Query<FiguresQuery>) -> PageResult {
    let actor = &user.actor;
    let region = page_region(q.region.as_deref())?
        .or_else(|| actor.region.clone())
        .or_else(|| state.app.config.city.clone())
        .ok_or(PageError(AppError::NotFound))?;
    let today = state.app.today();
    let mut invalid = Invalid::new();
    let period = period(today, q.from.as_deref(), q.to.as_deref(), &mut invalid);
    let chosen =
        indicator(q.indicator.as_deref().filter(|s| !s.is_empty()).unwrap_or(DEFAULT_INDICATOR)).ok_or(PageError(AppError::NotFound))?;
    let figures = state.app.indicators(actor, &region, period, &[]).await?;
    let r = state.app.region(&region).await?;

    let (code, from, to) = (region.short().to_owned(), period.from.to_string(), period.to.to_string());
    let here = |id: &str| link("/figures", &[("region", &code), ("from", &from), ("to", &to), ("indicator", id)]);
    let mut sections: Vec<Section> = Vec::new();
    for f in &figures {
        let card =
            Card { figure: FigureCard::new(f), selected: f.indicator.id == chosen.id, href: format!("{}#breakdown", here(f.indicator.id)) };
        match sections.iter_mut().find(|s| s.title == f.indicator.group.label()) {
            Some(s) => s.cards.push(card),
            None => sections.push(Section { title: f.indicator.group.label(), cards: vec![card] }),
        }
    }

    // The chosen indicator for each child region within scope, largest first.
    let children: Vec<_> = state.app.region_children(Some(&region)).await?.into_iter().filter(|c| actor.scope.contains(&c.code)).collect();
    let mut values = Vec::with_capacity(children.len());
    for child in &children {
        let v = state.app.indicators(actor, &child.code, period, &[chosen.id]).await?;
        values.push((child, v.into_iter().next()));
    }
    values.sort_by(|a, b| {
        let (x, y) = (a.1.as_ref().map(|f| f.value).unwrap_or(0.0), b.1.as_ref().map(|f| f.value).unwrap_or(0.0));
        y.total_cmp(&x).then_with(|| a.0.code.cmp(&b.0.code))
    });
    let max = values.iter().filter_map(|(_, f)| f.as_ref().map(|f| f.value)).fold(0.0, f64::max);
    let shares = values
        .into_iter()
        .filter_map(|(child, f)| {
            let f = f?;
            Some(Share {
                name: child.name.clone(),
                href: link("/figures", &[("region", child.code.short()), ("from", &from), ("to", &to), ("indicator", chosen.id)]),
                value: FigureCard::new(&f).value,
                width: bar_width(f.value, max, chosen.unit),
            })
        })
        .collect();

    let mut chrome = Chrome::new(&user, "/figures").with_region(&state, actor, &region, "/figures").await;
    // Walking the breadcrumb keeps the period and the chosen indicator.
    for c in chrome.crumbs.iter_mut().filter(|c| !c.href.is_empty()) {
        c.href = format!("{}&from={from}&to={to}&indicator={}", c.href, chosen.id);
    }
    let year = today.year();
    let status = if invalid.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok(render_status(
        status,
        &FiguresPage {
            chrome,
            region_name: r.name,
            period_label: format!("{from} 至 {to}"),
            this_year: (format!("{year}-01-01"), today.to_string()),
            last_year: (format!("{}-01-01", year - 1), format!("{}-12-31", year - 1)),
            indicators: INDICATORS
                .iter()
                .map(|i| SelectOption::new(i.id, format!("{}（{}）", i.label, i.unit.label()), chosen.id))
                .collect(),
            chosen_label: chosen.label,
            chosen_unit: chosen.unit.label(),
            has_children: !children.is_empty(),
            shares,
            sections,
            region: code,
            from,
            to,
            errors: FormErrors(invalid),
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_counts_to_the_largest_and_percentages_to_a_hundred() {
        assert_eq!(bar_width(5.0, 10.0, Unit::Count), 50);
        assert_eq!(bar_width(10.0, 10.0, Unit::PersonTimes), 100);
        assert_eq!(bar_width(0.0, 0.0, Unit::Count), 0);
        assert_eq!(bar_width(37.4, 80.0, Unit::Percent), 37);
        assert_eq!(bar_width(120.0, 120.0, Unit::Percent), 100);
    }

    #[test]
    fn a_bad_period_keeps_the_default_and_says_why() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
        let mut e = Invalid::new();
        let p = period(today, Some("2026-02-30"), None, &mut e);
        assert_eq!(p, Period::year_to_date(today));
        assert!(e.message_for("from").is_some());
        let mut e = Invalid::new();
        let p = period(today, Some("2026-06-01"), Some("2026-05-01"), &mut e);
        assert_eq!((p, e.message_for("from")), (Period::year_to_date(today), Some("开始日期不能晚于结束日期")));
    }
}
