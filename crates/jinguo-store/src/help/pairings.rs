//! Pairings (结对帮扶): a helper — an executive member, a volunteer or a cadre — assigned to one
//! woman from a start date until the pairing ends. Started and ended pairings are flows; active
//! pairings a stock (+1 on the start date, −1 on the end date).

use chrono::NaiveDate;
use jinguo_domain::RegionCode;
use jinguo_domain::help::HelperKind;
use jinguo_domain::insight::metric;
use sea_orm::{ConnectionTrait, QueryResult, Value};
use serde::Serialize;

use crate::ids::next_id;
use crate::org::federations::region_of_row;
use crate::{Page, Result, Scope, Work, sql, vals};

#[derive(Debug, Clone, Serialize)]
pub struct Pairing {
    pub id: i64,
    pub person: i64,
    pub person_name: String,
    pub region: RegionCode,
    pub region_name: String,
    pub helper_name: String,
    pub helper_kind: HelperKind,
    pub started_on: NaiveDate,
    pub ended_on: Option<NaiveDate>,
    pub end_reason: String,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct Filter {
    pub person: Option<i64>,
    /// Some(true): active only; Some(false): ended only.
    pub active: Option<bool>,
    pub helper_kind: Option<HelperKind>,
}

const SELECT: &str = "SELECT x.id, x.person, p.name AS person_name, x.region, r.name AS region_name, x.helper_name, x.helper_kind, \
     x.started_on, x.ended_on, x.end_reason FROM pairings x JOIN people p ON p.id = x.person JOIN regions r ON r.code = x.region";

fn from_row(row: &QueryResult) -> Result<Pairing> {
    let kind: String = sql::get(row, "helper_kind")?;
    Ok(Pairing {
        id: sql::get(row, "id")?,
        person: sql::get(row, "person")?,
        person_name: sql::get(row, "person_name")?,
        region: region_of_row(row, "region")?,
        region_name: sql::get(row, "region_name")?,
        helper_name: sql::get(row, "helper_name")?,
        helper_kind: HelperKind::parse(&kind).unwrap_or(HelperKind::Volunteer),
        started_on: sql::get(row, "started_on")?,
        ended_on: sql::get(row, "ended_on")?,
        end_reason: sql::get(row, "end_reason")?,
    })
}

pub async fn get<C: ConnectionTrait>(c: &C, scope: &Scope, id: i64) -> Result<Option<Pairing>> {
    let (low, high) = scope.bounds();
    let row = sql::one(c, &format!("{SELECT} WHERE x.id = ? AND x.region BETWEEN ? AND ?"), vals![id, low, high]).await?;
    row.as_ref().map(from_row).transpose()
}

/// Pairings in scope, by region then id.
pub async fn list<C: ConnectionTrait>(c: &C, scope: &Scope, filter: Filter, after: Option<&str>, limit: u64) -> Result<Page<Pairing>> {
    let (low, high) = scope.bounds();
    let mut cond = String::from(" WHERE x.region BETWEEN ? AND ?");
    let mut values: Vec<Value> = vals![low, high];
    if let Some(p) = filter.person {
        cond.push_str(" AND x.person = ?");
        values.push(p.into());
    }
    match filter.active {
        Some(true) => cond.push_str(" AND x.ended_on IS NULL"),
        Some(false) => cond.push_str(" AND x.ended_on IS NOT NULL"),
        None => {}
    }
    if let Some(k) = filter.helper_kind {
        cond.push_str(" AND x.helper_kind = ?");
        values.push(k.code().into());
    }
    let listing = super::Listing { select: SELECT, from: "pairings x", alias: "x", from_row, key: |p| (p.region.padded(), p.id) };
    super::page_by_region(c, &listing, cond, values, after, limit).await
}

/// A woman's pairings, the active first, then the latest started (the caller has read her in
/// scope).
pub async fn of_person<C: ConnectionTrait>(c: &C, person: i64) -> Result<Vec<Pairing>> {
    let rows = sql::all(
        c,
        &format!("{SELECT} WHERE x.person = ? ORDER BY CASE WHEN x.ended_on IS NULL THEN 0 ELSE 1 END, x.started_on DESC, x.id DESC"),
        vals![person],
    )
    .await?;
    rows.iter().map(from_row).collect()
}

#[derive(Debug, Clone)]
pub struct NewPairing {
    pub person: i64,
    pub region: RegionCode,
    pub helper_name: String,
    pub helper_kind: HelperKind,
    pub started_on: NaiveDate,
    pub created_by: Option<i64>,
}

pub async fn insert(w: &mut Work, new: &NewPairing, now_ms: i64) -> Result<i64> {
    let id = next_id();
    sql::exec(
        &w.tx,
        "INSERT INTO pairings (id, person, region, helper_name, helper_kind, started_on, ended_on, end_reason, created_by, created_at, updated_at) \
         VALUES (?, ?, ?, ?, ?, ?, NULL, '', ?, ?, ?)",
        vals![id, new.person, new.region.padded(), new.helper_name.clone(), new.helper_kind.code(), new.started_on, new.created_by, now_ms, now_ms],
    )
    .await?;
    w.deltas.add(metric::HELP_PAIRINGS_STARTED, &new.region, new.started_on, 1);
    w.deltas.add(metric::HELP_PAIRINGS_ACTIVE, &new.region, new.started_on, 1);
    Ok(id)
}

/// Ends a pairing on `day`: from that day it is no longer active.
pub async fn end(w: &mut Work, p: &Pairing, day: NaiveDate, reason: &str, now_ms: i64) -> Result<()> {
    sql::exec(
        &w.tx,
        "UPDATE pairings SET ended_on = ?, end_reason = ?, updated_at = ? WHERE id = ? AND ended_on IS NULL",
        vals![day, reason.to_owned(), now_ms, p.id],
    )
    .await?;
    w.deltas.add(metric::HELP_PAIRINGS_ENDED, &p.region, day, 1);
    w.deltas.add(metric::HELP_PAIRINGS_ACTIVE, &p.region, day, -1);
    Ok(())
}

/// Raw counts over the register, the check on the roll-ups: pairings active at the end of `to`,
/// started in `from..=to`, ended in `from..=to`.
pub async fn scan_counts<C: ConnectionTrait>(c: &C, scope: &Scope, from: NaiveDate, to: NaiveDate) -> Result<(i64, i64, i64)> {
    let (low, high) = scope.bounds();
    let active: i64 = sql::scalar(
        c,
        "SELECT COUNT(*) FROM pairings WHERE region BETWEEN ? AND ? AND started_on <= ? AND (ended_on IS NULL OR ended_on > ?)",
        vals![low.clone(), high.clone(), to, to],
    )
    .await?;
    let started: i64 = sql::scalar(
        c,
        "SELECT COUNT(*) FROM pairings WHERE region BETWEEN ? AND ? AND started_on BETWEEN ? AND ?",
        vals![low.clone(), high.clone(), from, to],
    )
    .await?;
    let ended: i64 = sql::scalar(
        c,
        "SELECT COUNT(*) FROM pairings WHERE region BETWEEN ? AND ? AND ended_on BETWEEN ? AND ?",
        vals![low, high, from, to],
    )
    .await?;
    Ok((active, started, ended))
}
