//! Honours (荣誉) on families and persons: recorded by a finalised campaign (city) or by hand
//! (province, national, or a city honour from before the platform). Counted in the roll-ups on
//! the day recorded, by level and by kind.

use chrono::NaiveDate;
use jinguo_domain::RegionCode;
use jinguo_domain::awards::{AwardKind, HonourLevel};
use jinguo_domain::insight::metric;
use sea_orm::{ConnectionTrait, QueryResult, Value};
use serde::Serialize;

use crate::ids::next_id;
use crate::org::federations::region_of_row;
use crate::{Page, Result, Scope, Work, sql, vals};

#[derive(Debug, Clone, Serialize)]
pub struct Honour {
    pub id: i64,
    pub family: i64,
    pub family_name: String,
    pub person: Option<i64>,
    pub person_name: Option<String>,
    pub campaign: Option<i64>,
    pub kind: AwardKind,
    pub level: HonourLevel,
    pub year: i64,
    pub title: String,
    pub region: RegionCode,
    pub region_name: String,
    pub awarded_on: NaiveDate,
}

const SELECT: &str = "SELECT h.id, h.family, f.name AS family_name, h.person, p.name AS person_name, h.campaign, h.kind, h.level, h.year, \
     h.title, h.region, r.name AS region_name, h.awarded_on FROM honours h JOIN families f ON f.id = h.family \
     JOIN regions r ON r.code = h.region LEFT JOIN people p ON p.id = h.person";

fn from_row(row: &QueryResult) -> Result<Honour> {
    let kind: String = sql::get(row, "kind")?;
    let level: String = sql::get(row, "level")?;
    Ok(Honour {
        id: sql::get(row, "id")?,
        family: sql::get(row, "family")?,
        family_name: sql::get(row, "family_name")?,
        person: sql::get(row, "person")?,
        person_name: sql::get(row, "person_name")?,
        campaign: sql::get(row, "campaign")?,
        kind: AwardKind::parse(&kind).unwrap_or(AwardKind::Custom),
        level: HonourLevel::parse(&level).unwrap_or(HonourLevel::City),
        year: sql::get(row, "year")?,
        title: sql::get(row, "title")?,
        region: region_of_row(row, "region")?,
        region_name: sql::get(row, "region_name")?,
        awarded_on: sql::get(row, "awarded_on")?,
    })
}

/// A family's honours, the latest year first: what the family's page shows (the caller has read
/// the family in scope).
pub async fn of_family<C: ConnectionTrait>(c: &C, family: i64) -> Result<Vec<Honour>> {
    let rows = sql::all(c, &format!("{SELECT} WHERE h.family = ? ORDER BY h.year DESC, h.id DESC"), vals![family]).await?;
    rows.iter().map(from_row).collect()
}

#[derive(Debug, Clone, Copy, Default)]
pub struct Filter {
    pub level: Option<HonourLevel>,
    pub kind: Option<AwardKind>,
    pub year: Option<i64>,
    pub campaign: Option<i64>,
}

/// Honours in scope, by region then id.
pub async fn list<C: ConnectionTrait>(c: &C, scope: &Scope, filter: Filter, after: Option<&str>, limit: u64) -> Result<Page<Honour>> {
    let (low, high) = scope.bounds();
    let mut cond = String::from(" WHERE h.region BETWEEN ? AND ?");
    let mut values: Vec<Value> = vals![low, high];
    if let Some(l) = filter.level {
        cond.push_str(" AND h.level = ?");
        values.push(l.code().into());
    }
    if let Some(k) = filter.kind {
        cond.push_str(" AND h.kind = ?");
        values.push(k.code().into());
    }
    if let Some(y) = filter.year {
        cond.push_str(" AND h.year = ?");
        values.push(y.into());
    }
    if let Some(cp) = filter.campaign {
        cond.push_str(" AND h.campaign = ?");
        values.push(cp.into());
    }
    let listing = crate::help::Listing { select: SELECT, from: "honours h", alias: "h", from_row, key: |x| (x.region.padded(), x.id) };
    crate::help::page_by_region(c, &listing, cond, values, after, limit).await
}

#[derive(Debug, Clone)]
pub struct NewHonour {
    pub family: i64,
    pub person: Option<i64>,
    pub campaign: Option<i64>,
    pub kind: AwardKind,
    pub level: HonourLevel,
    pub year: i64,
    pub title: String,
    pub region: RegionCode,
    pub awarded_on: NaiveDate,
    pub created_by: Option<i64>,
}

pub async fn insert(w: &mut Work, h: &NewHonour, now_ms: i64) -> Result<i64> {
    let id = next_id();
    sql::exec(
        &w.tx,
        "INSERT INTO honours (id, family, person, campaign, kind, level, year, title, region, awarded_on, created_by, created_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        vals![
            id,
            h.family,
            h.person,
            h.campaign,
            h.kind.code(),
            h.level.code(),
            h.year,
            h.title.clone(),
            h.region.padded(),
            h.awarded_on,
            h.created_by,
            now_ms
        ],
    )
    .await?;
    w.deltas.add(metric::HONOURS, &h.region, h.awarded_on, 1);
    w.deltas.add(&metric::honours_of_level(h.level), &h.region, h.awarded_on, 1);
    w.deltas.add(&metric::honours_of_kind(h.kind), &h.region, h.awarded_on, 1);
    Ok(id)
}

/// The raw count of honours in scope recorded in `from..=to`: the check on the roll-ups.
pub async fn scan_count<C: ConnectionTrait>(
    c: &C,
    scope: &Scope,
    level: Option<HonourLevel>,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<i64> {
    let (low, high) = scope.bounds();
    match level {
        Some(l) => {
            sql::scalar(
                c,
                "SELECT COUNT(*) FROM honours WHERE region BETWEEN ? AND ? AND level = ? AND awarded_on BETWEEN ? AND ?",
                vals![low, high, l.code(), from, to],
            )
            .await
        }
        None => {
            sql::scalar(
                c,
                "SELECT COUNT(*) FROM honours WHERE region BETWEEN ? AND ? AND awarded_on BETWEEN ? AND ?",
                vals![low, high, from, to],
            )
            .await
        }
    }
}
