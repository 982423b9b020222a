//! `/dashboard/trace?indicator=ID&region=&from=&to=&page=`: the records behind one figure (issue
//! 5, point 2), fifty a page, names masked, each linked to its own page; the figure beside the
//! list's count and sum, which must agree. A ratio shows its two parts, each linked to its trace.

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::routing::get;
use jinguo_app::AppError;
use jinguo_app::insight::Figure;
use jinguo_app::trace::{PAGE_SIZE, Trace, TraceRow};
use jinguo_domain::Invalid;
use jinguo_domain::insight::{Period, Unit, indicator};
use serde::Deserialize;

use crate::auth::PageUser;
use crate::state::AppState;
use crate::views::home::FigureCard;
use crate::views::{Chrome, PageError, PageResult, filter_date, link, render};

pub fn router() -> Router<AppState> {
    Router::new().route("/dashboard/trace", get(page))
}

const PATH: &str = "/dashboard/trace";

#[derive(Deserialize)]
struct TraceQuery {
    indicator: Option<String>,
    region: Option<String>,
    from: Option<String>,
    to: Option<String>,
    page: Option<u64>,
}

/// A part of a ratio, with its figure and its own trace.
struct RatioPart {
    label: &'static str,
    value: String,
    unit: &'static str,
    href: String,
}

#[derive(Template)]
#[template(path = "insight/trace.html")]
struct TracePageView {
    chrome: Chrome,
    label: &'static str,
    unit: &'static str,
    region_name: String,
    period_label: String,
    figure: String,
    /// The list's count, or its sum in the figure's unit for sums.
    list_total: String,
    list_kind: &'static str,
    agrees: bool,
    records: i64,
    rows: Vec<TraceRow>,
    parts: Vec<RatioPart>,
    dashboard: String,
    prev: Option<String>,
    next: Option<String>,
    page_label: String,
}

fn value_of(v: i64, unit: Unit) -> String {
    if unit == Unit::Yuan { format!("{}.{:02}", v / 100, (v % 100).abs()) } else { v.to_string() }
}

async fn page(State(state): State<AppState>, user: PageUser, Query(q): Query<TraceQuery>) -> PageResult {
    let actor = &user.actor;
    let id = q.indicator.as_deref().unwrap_or_default();
    let ind = indicator(id).ok_or(PageError(AppError::invalid("indicator", format!("未知的指标：{id}"))))?;
    let region = super::region(&state, actor, q.region.as_deref())?;
    let mut invalid = Invalid::new();
    let default = Period::year_to_date(state.app.today());
    let from = filter_date("from", "开始日期", q.from.as_deref(), &mut invalid).unwrap_or(default.from);
    let to = filter_date("to", "结束日期", q.to.as_deref(), &mut invalid).unwrap_or(default.to);
    if !invalid.is_empty() {
        return Err(PageError(AppError::Invalid(invalid)));
    }
    let period = Period::new(from, to).map_err(|e| PageError(AppError::Invalid(e)))?;
    let page_no = q.page.unwrap_or(0);
    let (_, trace) = state.app.trace(actor, ind.id, &region, period, page_no).await?;
    let figures = state.app.indicators(actor, &region, period, &[ind.id]).await?;
    let figure = figures.first().map(FigureCard::new).map(|c| c.value).unwrap_or_default();
    let r = state.app.region(&region).await?;
    let (code, from, to) = (region.short().to_owned(), period.from.to_string(), period.to.to_string());
    let here = |id: &str, page: Option<u64>| {
        let p = page.map(|p| p.to_string()).unwrap_or_default();
        link(PATH, &[("indicator", id), ("region", &code), ("from", &from), ("to", &to), ("page", &p)])
    };
    let mut view = TracePageView {
        chrome: Chrome::new(&user, "/dashboard").with_region(&state, actor, &region, PATH).await,
        label: ind.label,
        unit: ind.unit.label(),
        region_name: r.name,
        period_label: format!("{from} 至 {to}"),
        figure: figure.clone(),
        list_total: String::new(),
        list_kind: "",
        agrees: true,
        records: 0,
        rows: vec![],
        parts: vec![],
        dashboard: link("/dashboard", &[("region", &code), ("from", &from), ("to", &to)]),
        prev: None,
        next: None,
        page_label: String::new(),
    };
    for c in view.chrome.crumbs.iter_mut().filter(|c| !c.href.is_empty()) {
        c.href = format!("{}&indicator={}&from={from}&to={to}", c.href, ind.id);
    }
    match trace {
        Trace::Ratio { numerator, denominator } => {
            let values = state.app.indicators(actor, &region, period, &[numerator.id, denominator.id]).await?;
            for part in [numerator, denominator] {
                let v = values.iter().find(|f| f.indicator.id == part.id).map(|f| f.value).unwrap_or(0.0);
                view.parts.push(RatioPart {
                    label: part.label,
                    value: FigureCard::new(&Figure { indicator: part, value: v }).value,
                    unit: part.unit.label(),
                    href: here(part.id, None),
                });
            }
        }
        Trace::Records(p) => {
            let is_count = p.sum == p.records && p.items.iter().all(|r| r.value == 1);
            let total = if ind.unit == Unit::Yuan { p.sum as f64 / 100.0 } else { p.sum as f64 };
            view.list_total = FigureCard::new(&Figure { indicator: ind, value: total }).value;
            view.list_kind = if is_count { "条记录" } else { "（各条记录之和）" };
            view.agrees = view.list_total == figure;
            view.records = p.records;
            let pages = (p.records as u64).div_ceil(PAGE_SIZE).max(1);
            view.page_label = format!("第 {} / {pages} 页，共 {} 条", page_no + 1, p.records);
            view.prev = (page_no > 0).then(|| here(ind.id, Some(page_no - 1)));
            view.next = (page_no + 1 < pages).then(|| here(ind.id, Some(page_no + 1)));
            view.rows = p
                .items
                .into_iter()
                .map(|mut r| {
                    if ind.unit == Unit::Yuan {
                        r.label = format!("{}（{} 元）", r.label, value_of(r.value, ind.unit));
                    }
                    r
                })
                .collect();
        }
    }
    Ok(render(&view))
}
