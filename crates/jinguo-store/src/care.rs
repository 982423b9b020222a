//! Care cases (动态监测) and visits (走访). A visit is entered once and serves every use: the
//! case's next due date, the visitor's record, and the figures.

use chrono::NaiveDate;
use jinguo_domain::insight::metric;
use jinguo_domain::people::RiskLevel;
use jinguo_domain::{Level, RegionCode};
use sea_orm::{ConnectionTrait, QueryResult, Value};
use serde::Serialize;

use crate::ids::next_id;
use crate::org::federations::{parse_cursor, region_of_row};
use crate::{Page, Result, Scope, Work, sql, vals};

#[derive(Debug, Clone, Serialize)]
pub struct CareCase {
    pub id: i64,
    pub person: i64,
    pub person_name: String,
    pub region: RegionCode,
    pub region_name: String,
    pub risk: RiskLevel,
    pub interval_days: i64,
    pub opened_on: NaiveDate,
    pub last_visit_on: Option<NaiveDate>,
    pub next_due: NaiveDate,
    pub closed_on: Option<NaiveDate>,
    pub close_reason: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Visit {
    pub id: i64,
    pub visited_on: NaiveDate,
    pub visitor_name: String,
    pub findings: String,
    pub needs: String,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct Filter {
    pub risk: Option<RiskLevel>,
    /// Some(true): open only; Some(false): closed only.
    pub open: Option<bool>,
}

const SELECT: &str = "SELECT c.id, c.person, p.name AS person_name, c.region, r.name AS region_name, c.risk, c.interval_days, c.opened_on, \
     c.last_visit_on, c.next_due, c.closed_on, c.close_reason FROM care_cases c JOIN people p ON p.id = c.person JOIN regions r ON r.code = c.region";

fn from_row(row: &QueryResult) -> Result<CareCase> {
    let risk: String = sql::get(row, "risk")?;
    Ok(CareCase {
        id: sql::get(row, "id")?,
        person: sql::get(row, "person")?,
        person_name: sql::get(row, "person_name")?,
        region: region_of_row(row, "region")?,
        region_name: sql::get(row, "region_name")?,
        risk: RiskLevel::parse(&risk).unwrap_or(RiskLevel::Medium),
        interval_days: sql::get(row, "interval_days")?,
        opened_on: sql::get(row, "opened_on")?,
        last_visit_on: sql::get(row, "last_visit_on")?,
        next_due: sql::get(row, "next_due")?,
        closed_on: sql::get(row, "closed_on")?,
        close_reason: sql::get(row, "close_reason")?,
    })
}

fn risk_metric(risk: RiskLevel) -> String {
    format!("{}.{}", metric::CARE_CASES, risk.code())
}

pub async fn get<C: ConnectionTrait>(c: &C, scope: &Scope, id: i64) -> Result<Option<CareCase>> {
    let (low, high) = scope.bounds();
    let row = sql::one(c, &format!("{SELECT} WHERE c.id = ? AND c.region BETWEEN ? AND ?"), vals![id, low, high]).await?;
    row.as_ref().map(from_row).transpose()
}

/// The open case of a person, if any.
pub async fn open_case_of<C: ConnectionTrait>(c: &C, person: i64) -> Result<Option<i64>> {
    let row = sql::one(c, "SELECT id FROM care_cases WHERE person = ? AND closed_on IS NULL", vals![person]).await?;
    row.map(|r| sql::get(&r, "id")).transpose()
}

pub async fn list<C: ConnectionTrait>(c: &C, scope: &Scope, filter: Filter, after: Option<&str>, limit: u64) -> Result<Page<CareCase>> {
    let (low, high) = scope.bounds();
    let mut cond = String::from(" WHERE c.region BETWEEN ? AND ?");
    let mut values: Vec<Value> = vals![low, high];
    if let Some(r) = filter.risk {
        cond.push_str(" AND c.risk = ?");
        values.push(r.code().into());
    }
    match filter.open {
        Some(true) => cond.push_str(" AND c.closed_on IS NULL"),
        Some(false) => cond.push_str(" AND c.closed_on IS NOT NULL"),
        None => {}
    }
    let total: i64 = sql::scalar(c, &format!("SELECT COUNT(*) FROM care_cases c{cond}"), values.clone()).await?;
    if let Some((region, id)) = after.and_then(parse_cursor) {
        cond.push_str(" AND (c.region > ? OR (c.region = ? AND c.id > ?))");
        values.extend([region.clone().into(), region.into(), id.into()]);
    }
    values.push((limit as i64 + 1).into());
    let rows = sql::all(c, &format!("{SELECT}{cond} ORDER BY c.region, c.id LIMIT ?"), values).await?;
    let mut items = rows.iter().map(from_row).collect::<Result<Vec<_>>>()?;
    let next = if items.len() as u64 > limit {
        items.truncate(limit as usize);
        items.last().map(|c| format!("{}.{}", c.region.padded(), c.id))
    } else {
        None
    };
    Ok(Page { items, total, next })
}

/// Open cases in `scope` whose next visit was due before `day`, the most overdue first; the
/// cursor is `next_due.id`.
/// The region term of the overdue queries. For a city or wider, the open cases' due-date index
/// (`care_cases_overdue`) reads only the overdue entries, while the region index would read every
/// case of the city; SQLite's planner cannot tell the two ranges apart, so there the term is
/// written `+region`, which keeps it off the region index. Narrower scopes (a county, a village)
/// are best read through the region index, and PostgreSQL's statistics choose by themselves.
fn overdue_region_term<C: ConnectionTrait>(c: &C, scope: &Scope, column: &str) -> String {
    let wide = scope.root().is_none_or(|r| matches!(r.level(), Level::Province | Level::City));
    if wide && c.get_database_backend() == sea_orm::DbBackend::Sqlite { format!("+{column}") } else { column.to_owned() }
}

pub async fn overdue<C: ConnectionTrait>(c: &C, scope: &Scope, day: NaiveDate, after: Option<&str>, limit: u64) -> Result<Page<CareCase>> {
    let (low, high) = scope.bounds();
    let mut cond =
        format!(" WHERE c.closed_on IS NULL AND c.next_due < ? AND {} BETWEEN ? AND ?", overdue_region_term(c, scope, "c.region"));
    let mut values: Vec<Value> = vals![day, low, high];
    let total: i64 = sql::scalar(c, &format!("SELECT COUNT(*) FROM care_cases c{cond}"), values.clone()).await?;
    if let Some((due, id)) = after.and_then(|s| {
        let (d, i) = s.split_once('.')?;
        Some((jinguo_domain::insight::parse_date(d)?, i.parse::<i64>().ok()?))
    }) {
        cond.push_str(" AND (c.next_due > ? OR (c.next_due = ? AND c.id > ?))");
        values.extend([due.into(), due.into(), id.into()]);
    }
    values.push((limit as i64 + 1).into());
    let rows = sql::all(c, &format!("{SELECT}{cond} ORDER BY c.next_due, c.id LIMIT ?"), values).await?;
    let mut items = rows.iter().map(from_row).collect::<Result<Vec<_>>>()?;
    let next = if items.len() as u64 > limit {
        items.truncate(limit as usize);
        items.last().map(|c| format!("{}.{}", c.next_due, c.id))
    } else {
        None
    };
    Ok(Page { items, total, next })
}

/// Open cases in `scope` overdue on `day`: the register figure of overdue visits.
pub async fn count_overdue<C: ConnectionTrait>(c: &C, scope: &Scope, day: NaiveDate) -> Result<i64> {
    let (low, high) = scope.bounds();
    sql::scalar(
        c,
        &format!(
            "SELECT COUNT(*) FROM care_cases WHERE closed_on IS NULL AND next_due < ? AND {} BETWEEN ? AND ?",
            overdue_region_term(c, scope, "region")
        ),
        vals![day, low, high],
    )
    .await
}

#[derive(Debug, Clone)]
pub struct NewCase {
    pub person: i64,
    pub region: RegionCode,
    pub risk: RiskLevel,
    pub interval_days: i64,
    pub opened_on: NaiveDate,
    pub opened_by: Option<i64>,
}

pub async fn open(w: &mut Work, new: &NewCase, now_ms: i64) -> Result<i64> {
    let id = next_id();
    let next_due = new.opened_on + chrono::Duration::days(new.interval_days);
    sql::write(
        &w.tx,
        "INSERT INTO care_cases (id, person, region, risk, interval_days, opened_on, last_visit_on, next_due, closed_on, close_reason, opened_by, created_at, updated_at) \
         VALUES (?, ?, ?, ?, ?, ?, NULL, ?, NULL, '', ?, ?, ?)",
        vals![id, new.person, new.region.padded(), new.risk.code(), new.interval_days, new.opened_on, next_due, new.opened_by, now_ms, now_ms],
        "她已有一份进行中的监测档案",
    )
    .await?;
    w.deltas.add(metric::CARE_CASES, &new.region, new.opened_on, 1);
    w.deltas.add(&risk_metric(new.risk), &new.region, new.opened_on, 1);
    Ok(id)
}

#[derive(Debug, Clone)]
pub struct NewVisit {
    pub visited_on: NaiveDate,
    pub visitor_account: Option<i64>,
    pub visitor_name: String,
    pub findings: String,
    pub needs: String,
}

/// Records a visit and moves the case's next due date on from its latest visit.
pub async fn record_visit(w: &mut Work, case: &CareCase, v: &NewVisit, now_ms: i64) -> Result<i64> {
    let id = next_id();
    sql::exec(
        &w.tx,
        "INSERT INTO visits (id, care_case, person, region, visited_on, visitor_account, visitor_name, findings, needs, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        vals![id, case.id, case.person, case.region.padded(), v.visited_on, v.visitor_account, v.visitor_name.clone(), v.findings.clone(), v.needs.clone(), now_ms],
    )
    .await?;
    let last = case.last_visit_on.map_or(v.visited_on, |l| l.max(v.visited_on));
    let next_due = last + chrono::Duration::days(case.interval_days);
    sql::exec(
        &w.tx,
        "UPDATE care_cases SET last_visit_on = ?, next_due = ?, updated_at = ? WHERE id = ?",
        vals![last, next_due, now_ms, case.id],
    )
    .await?;
    w.deltas.add(metric::CARE_VISITS, &case.region, v.visited_on, 1);
    Ok(id)
}

/// Gives every open case of `risk` the interval `days` (closed cases keep theirs, as a record of
/// how they were run). Their next due dates stay; the next visit moves them on with `days`.
pub async fn set_open_intervals<C: ConnectionTrait>(c: &C, risk: RiskLevel, days: i64, now_ms: i64) -> Result<u64> {
    sql::exec(
        c,
        "UPDATE care_cases SET interval_days = ?, updated_at = ? WHERE risk = ? AND closed_on IS NULL AND interval_days <> ?",
        vals![days, now_ms, risk.code(), days],
    )
    .await
}

/// Closes a case on `day` with a reason.
pub async fn close(w: &mut Work, case: &CareCase, day: NaiveDate, reason: &str, now_ms: i64) -> Result<()> {
    sql::exec(
        &w.tx,
        "UPDATE care_cases SET closed_on = ?, close_reason = ?, updated_at = ? WHERE id = ?",
        vals![day, reason.to_owned(), now_ms, case.id],
    )
    .await?;
    w.deltas.add(metric::CARE_CASES, &case.region, day, -1);
    w.deltas.add(&risk_metric(case.risk), &case.region, day, -1);
    Ok(())
}

pub async fn visits<C: ConnectionTrait>(c: &C, case: i64) -> Result<Vec<Visit>> {
    let rows = sql::all(
        c,
        "SELECT id, visited_on, visitor_name, findings, needs FROM visits WHERE care_case = ? ORDER BY visited_on DESC, id DESC",
        vals![case],
    )
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Visit {
                id: sql::get(r, "id")?,
                visited_on: sql::get(r, "visited_on")?,
                visitor_name: sql::get(r, "visitor_name")?,
                findings: sql::get(r, "findings")?,
                needs: sql::get(r, "needs")?,
            })
        })
        .collect()
}

/// The overdue list computed the slow way, from the raw visits: each open case's latest visit
/// (or its opening) plus its interval, compared with `day`, sorted by how overdue. The baseline
/// of `jinguo bench overdue`, and a check on `next_due`; returns the total and the first
/// `limit` case ids in the order of [`overdue`].
pub async fn scan_overdue<C: ConnectionTrait>(c: &C, scope: &Scope, day: NaiveDate, limit: usize) -> Result<(i64, Vec<i64>)> {
    let (low, high) = scope.bounds();
    let latest = sql::all(
        c,
        "SELECT care_case, MAX(visited_on) AS last FROM visits WHERE region BETWEEN ? AND ? GROUP BY care_case",
        vals![low.clone(), high.clone()],
    )
    .await?;
    let mut last: std::collections::HashMap<i64, NaiveDate> = std::collections::HashMap::with_capacity(latest.len());
    for row in &latest {
        last.insert(sql::get(row, "care_case")?, sql::get(row, "last")?);
    }
    let open = sql::all(
        c,
        "SELECT id, opened_on, interval_days FROM care_cases WHERE closed_on IS NULL AND region BETWEEN ? AND ?",
        vals![low, high],
    )
    .await?;
    let mut due: Vec<(NaiveDate, i64)> = Vec::new();
    for row in &open {
        let id: i64 = sql::get(row, "id")?;
        let opened: NaiveDate = sql::get(row, "opened_on")?;
        let interval: i64 = sql::get(row, "interval_days")?;
        let next = last.get(&id).copied().unwrap_or(opened).max(opened) + chrono::Duration::days(interval);
        if next < day {
            due.push((next, id));
        }
    }
    due.sort_unstable();
    Ok((due.len() as i64, due.into_iter().take(limit).map(|(_, id)| id).collect()))
}
