//! `/dashboard` (数据驾驶舱; `/figures` is the same page under its first name): every indicator
//! of a region for a period, as cards grouped by the speech's sections, each with the same period
//! a year and five years earlier and a small server-drawn trend of the six years; and a
//! breakdown of one indicator by child region, largest first, with a bar each.

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use chrono::{Datelike, NaiveDate};
use jinguo_app::AppError;
use jinguo_domain::Invalid;
use jinguo_domain::insight::{Change, INDICATORS, Period, Unit, indicator};
use serde::Deserialize;

use jinguo_app::insight::Figure;

use crate::auth::PageUser;
use crate::state::AppState;
use crate::views::home::FigureCard;
use crate::views::{Chrome, FormErrors, PageError, PageResult, SelectOption, filter_date, link, render_status};

pub fn router() -> Router<AppState> {
    Router::new().route("/dashboard", get(page)).route("/figures", get(page))
}

/// Where the page lives.
const PATH: &str = "/dashboard";
/// Years in a card's trend: the period and the five before it.
const TREND_YEARS: usize = 6;

/// The change from `before` to `now` (the wording is shared with the work report); with the
/// class that colours it.
fn change(now: f64, before: f64, unit: Unit) -> (String, &'static str) {
    let c = Change::between(now, before, unit);
    (c.short("上年同期"), c.rose().map_or("same", |up| if up { "up" } else { "down" }))
}

/// A line chart of `values` (oldest first) 120×32, with a dot on the last value. Built from
/// numbers only, so it is safe to put in the page as markup.
fn sparkline(values: &[f64], years: &[i32]) -> String {
    const W: f64 = 120.0;
    const H: f64 = 32.0;
    const PAD: f64 = 3.0;
    if values.is_empty() {
        return String::new();
    }
    let (lo, hi) = values.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    let lo = lo.min(0.0);
    let span = if hi - lo > 0.0 { hi - lo } else { 1.0 };
    let step = if values.len() > 1 { (W - 2.0 * PAD) / (values.len() - 1) as f64 } else { 0.0 };
    let point = |i: usize, v: f64| (PAD + step * i as f64, H - PAD - (v - lo) / span * (H - 2.0 * PAD));
    let points: Vec<String> = values
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            let (x, y) = point(i, v);
            format!("{x:.1},{y:.1}")
        })
        .collect();
    let (lx, ly) = point(values.len() - 1, values[values.len() - 1]);
    let title: Vec<String> = years.iter().zip(values).map(|(y, v)| format!("{y}年 {}", trim_number(*v))).collect();
    format!(
        "<svg class=\"spark\" viewBox=\"0 0 120 32\" width=\"120\" height=\"32\" role=\"img\" aria-label=\"{t}\"><title>{t}</title>\
         <line x1=\"{PAD}\" y1=\"{base:.1}\" x2=\"{x2}\" y2=\"{base:.1}\" class=\"base\"/>\
         <polyline points=\"{pts}\" class=\"line\"/><circle cx=\"{lx:.1}\" cy=\"{ly:.1}\" r=\"2.5\" class=\"dot\"/></svg>",
        t = title.join("，"),
        base = H - PAD - (0.0 - lo) / span * (H - 2.0 * PAD),
        x2 = W - PAD,
        pts = points.join(" "),
    )
}

/// A number as short as it can be said: `12`, `12.5`.
fn trim_number(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 { format!("{}", v.round() as i64) } else { format!("{v:.1}") }
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
    /// The same period a year earlier, and the change since (`+12.5%`, `-3.0 个百分点`).
    pub year_ago: String,
    pub change: String,
    /// `up`, `down` or `same`: the class of the change.
    pub trend_class: &'static str,
    /// The same period five years earlier.
    pub five_years_ago: String,
    /// A small line chart of the six years, as SVG markup built from numbers only.
    pub spark: String,
    /// The breakdown below shows this indicator.
    pub selected: bool,
    /// The same page, broken down by this indicator.
    pub href: String,
    /// Set when registers feeding the figure were not kept by every village in the period.
    pub note: Option<String>,
    /// The records behind the figure (`/dashboard/trace`), same region and period.
    pub trace: String,
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
pub(super) fn period(today: NaiveDate, from: Option<&str>, to: Option<&str>, errors: &mut Invalid) -> Period {
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

/// Dashboards computed at once, at most: each holds six years of every figure, the breakdown
/// and the completeness of every village while it renders, and two cores gain nothing from
/// more at a time; the rest wait their turn (this bounds the server's memory under load).
static COMPUTING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(4);

async fn page(State(state): State<AppState>, user: PageUser, Query(q): Query<FiguresQuery>) -> PageResult {
    let _turn = COMPUTING.acquire().await.map_err(|_| PageError(AppError::Internal("dashboard closed".into())))?;
    let actor = &user.actor;
    let region = super::region(&state, actor, q.region.as_deref())?;
    let today = state.app.today();
    let mut invalid = Invalid::new();
    let period = period(today, q.from.as_deref(), q.to.as_deref(), &mut invalid);
    let chosen =
        indicator(q.indicator.as_deref().filter(|s| !s.is_empty()).unwrap_or(DEFAULT_INDICATOR)).ok_or(PageError(AppError::NotFound))?;
    // The period and the same period in each of the five years before it, oldest first.
    let mut years = Vec::with_capacity(TREND_YEARS);
    for back in (0..TREND_YEARS as i32).rev() {
        years.push(state.app.indicators(actor, &region, period.years_earlier(back), &[]).await?);
    }
    let figures: &[Figure] = years.last().map(Vec::as_slice).unwrap_or_default();
    let r = state.app.region(&region).await?;
    let completeness = state.app.completeness(actor, &region, period).await?;

    let (code, from, to) = (region.short().to_owned(), period.from.to_string(), period.to.to_string());
    let here = |id: &str| link(PATH, &[("region", &code), ("from", &from), ("to", &to), ("indicator", id)]);
    let mut sections: Vec<Section> = Vec::new();
    for (i, f) in figures.iter().enumerate() {
        let series: Vec<f64> = years.iter().map(|y| y.get(i).map(|g| g.value).unwrap_or(0.0)).collect();
        let year_ago = series[series.len() - 2];
        let (change, trend_class) = change(f.value, year_ago, f.indicator.unit);
        let labels: Vec<i32> = (0..TREND_YEARS as i32).rev().map(|back| period.years_earlier(back).to.year()).collect();
        let card = Card {
            figure: FigureCard::new(f),
            year_ago: FigureCard::new(&Figure { indicator: f.indicator, value: year_ago }).value,
            change,
            trend_class,
            five_years_ago: FigureCard::new(&Figure { indicator: f.indicator, value: series[0] }).value,
            spark: sparkline(&series, &labels),
            selected: f.indicator.id == chosen.id,
            href: format!("{}#breakdown", here(f.indicator.id)),
            note: completeness.note_for(f.indicator.id),
            trace: link("/dashboard/trace", &[("indicator", f.indicator.id), ("region", &code), ("from", &from), ("to", &to)]),
        };
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
                href: link(PATH, &[("region", child.code.short()), ("from", &from), ("to", &to), ("indicator", chosen.id)]),
                value: FigureCard::new(&f).value,
                width: bar_width(f.value, max, chosen.unit),
            })
        })
        .collect();

    let mut chrome = Chrome::new(&user, PATH).with_region(&state, actor, &region, PATH).await;
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
    fn changes_are_relative_for_counts_and_in_points_for_percentages() {
        assert_eq!(change(110.0, 100.0, Unit::Count), ("+10.0%".to_owned(), "up"));
        assert_eq!(change(90.0, 100.0, Unit::Person), ("-10.0%".to_owned(), "down"));
        assert_eq!(change(100.0, 100.0, Unit::Count), ("持平".to_owned(), "same"));
        assert_eq!(change(5.0, 0.0, Unit::Count), ("上年同期为 0".to_owned(), "up"));
        assert_eq!(change(62.5, 60.0, Unit::Percent), ("+2.5 个百分点".to_owned(), "up"));
    }

    #[test]
    fn the_trend_has_a_point_a_year_and_says_its_values() {
        let svg = sparkline(&[0.0, 10.0, 20.0, 20.0, 30.0, 40.0], &[2021, 2022, 2023, 2024, 2025, 2026]);
        let points = svg.split("points=\"").nth(1).unwrap().split('"').next().unwrap();
        assert_eq!(points.split(' ').count(), 6);
        // The oldest (0) sits on the base line at the bottom, the newest (40) at the top.
        assert!(points.starts_with("3.0,29.0") && points.ends_with("117.0,3.0"), "{points}");
        assert!(svg.contains("2021年 0，2022年 10") && svg.contains("2026年 40"), "{svg}");
        assert!(!svg.contains('<') || svg.starts_with("<svg"));
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
