//! Indicators for a region subtree and period.

use axum::Json;
use axum::extract::{Path, State};
use jinguo_app::AppError;
use jinguo_app::trace::{PAGE_SIZE, Trace};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::dto::{IndicatorValue, List};
use super::{ApiQuery, region_and_period};
use crate::auth::ApiUser;
use crate::error::ApiError;
use crate::state::AppState;

#[derive(Deserialize, IntoParams)]
pub struct IndicatorQuery {
    /// Region code; default the caller's own region.
    region: Option<String>,
    /// First day, YYYY-MM-DD; default 1 January of this year.
    from: Option<String>,
    /// Last day, YYYY-MM-DD; default today.
    to: Option<String>,
    /// Comma-separated indicator ids; default all.
    ids: Option<String>,
}

/// Every indicator for the region's subtree over the period.
#[utoipa::path(get, path = "/api/v1/indicators", tag = "insight", params(IndicatorQuery), security(("bearer" = [])),
    responses((status = 200, body = List<IndicatorValue>), (status = 404, body = super::dto::ErrorBody), (status = 422, body = super::dto::ErrorBody)))]
pub async fn indicators(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiQuery(q): ApiQuery<IndicatorQuery>,
) -> Result<Json<List<IndicatorValue>>, ApiError> {
    let (region, period) = region_and_period(&state, &actor, q.region.as_deref(), q.from.as_deref(), q.to.as_deref())?;
    let wanted: Vec<&str> = q.ids.as_deref().map(|s| s.split(',').map(str::trim).filter(|s| !s.is_empty()).collect()).unwrap_or_default();
    for id in &wanted {
        if jinguo_domain::insight::indicator(id).is_none() {
            return Err(AppError::invalid("ids", format!("未知的指标：{id}")).into());
        }
    }
    let figures = state.app.indicators(&actor, &region, period, &wanted).await?;
    Ok(Json(List::all(figures.into_iter().map(IndicatorValue::from).collect())))
}

#[derive(Deserialize, IntoParams)]
pub struct RecordsQuery {
    /// Region code; default the caller's own region.
    region: Option<String>,
    /// First day, YYYY-MM-DD; default 1 January of this year.
    from: Option<String>,
    /// Last day, YYYY-MM-DD; default today.
    to: Option<String>,
    /// Page number from 0, 50 records a page.
    page: Option<u64>,
}

/// One record behind a figure.
#[derive(Serialize, ToSchema)]
pub struct TraceRecord {
    /// YYYY-MM-DD, or null for timeless registers (villages).
    day: Option<String>,
    /// 12-digit region code and its name.
    region: String,
    region_name: String,
    /// What the record is, in Chinese.
    label: String,
    /// The person it concerns, masked (张*), when it names one.
    name: Option<String>,
    /// What it adds to the figure: 1, or participants, points, fen for money.
    value: i64,
    /// Path of the record's own page, where there is one.
    link: Option<String>,
}

/// The records behind one figure, a page at a time.
#[derive(Serialize, ToSchema)]
pub struct TraceRecords {
    /// The indicator's id and its figure, as `/api/v1/indicators` gives it.
    indicator: IndicatorValue,
    /// Records behind the figure (all pages); for a count it equals the figure.
    total: i64,
    /// The sum of the records' values (all pages): the figure (in fen for money).
    sum: i64,
    items: Vec<TraceRecord>,
    /// The next page number, or null on the last page.
    next: Option<u64>,
    /// For a ratio: the ids of its numerator and denominator, each traceable on its own.
    parts: Vec<String>,
}

/// The records behind one indicator's figure for the region's subtree over the period.
#[utoipa::path(get, path = "/api/v1/indicators/{id}/records", tag = "insight", params(("id" = String, Path, description = "indicator id"), RecordsQuery), security(("bearer" = [])),
    responses((status = 200, body = TraceRecords), (status = 403, body = super::dto::ErrorBody), (status = 404, body = super::dto::ErrorBody), (status = 422, body = super::dto::ErrorBody)))]
pub async fn records(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<RecordsQuery>,
) -> Result<Json<TraceRecords>, ApiError> {
    let (region, period) = region_and_period(&state, &actor, q.region.as_deref(), q.from.as_deref(), q.to.as_deref())?;
    let page = q.page.unwrap_or(0);
    let (ind, trace) = state.app.trace(&actor, &id, &region, period, page).await?;
    let figure = state.app.indicators(&actor, &region, period, &[ind.id]).await?.into_iter().next().ok_or(AppError::NotFound)?;
    let mut out = TraceRecords { indicator: IndicatorValue::from(figure), total: 0, sum: 0, items: vec![], next: None, parts: vec![] };
    match trace {
        Trace::Ratio { numerator, denominator } => out.parts = vec![numerator.id.to_owned(), denominator.id.to_owned()],
        Trace::Records(p) => {
            out.total = p.records;
            out.sum = p.sum;
            out.next = ((page + 1) * PAGE_SIZE < p.records as u64).then_some(page + 1);
            out.items = p
                .items
                .into_iter()
                .map(|r| TraceRecord {
                    day: r.day.map(|d| d.to_string()),
                    region: r.region,
                    region_name: r.region_name,
                    label: r.label,
                    name: r.name,
                    value: r.value,
                    link: r.link,
                })
                .collect();
        }
    }
    Ok(Json(out))
}
