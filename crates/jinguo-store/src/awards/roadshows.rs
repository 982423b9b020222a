//! Roadshows (巡讲): events telling honoured families' stories, with the date, the place, the
//! families featured and the audience. Events and their audience are flows on the day held.

use chrono::NaiveDate;
use jinguo_domain::RegionCode;
use jinguo_domain::insight::metric;
use sea_orm::{ConnectionTrait, QueryResult, Value};
use serde::Serialize;

use crate::ids::next_id;
use crate::org::federations::region_of_row;
use crate::{Page, Result, Scope, Work, sql, vals};

#[derive(Debug, Clone, Serialize)]
pub struct Roadshow {
    pub id: i64,
    pub region: RegionCode,
    pub region_name: String,
    pub held_on: NaiveDate,
    pub place: String,
    pub title: String,
    pub audience: i64,
    pub note: String,
    /// `(family id, family name)` of the families featured.
    pub families: Vec<(i64, String)>,
}

const SELECT: &str = "SELECT x.id, x.region, r.name AS region_name, x.held_on, x.place, x.title, x.audience, x.note \
     FROM roadshows x JOIN regions r ON r.code = x.region";

fn from_row(row: &QueryResult) -> Result<Roadshow> {
    Ok(Roadshow {
        id: sql::get(row, "id")?,
        region: region_of_row(row, "region")?,
        region_name: sql::get(row, "region_name")?,
        held_on: sql::get(row, "held_on")?,
        place: sql::get(row, "place")?,
        title: sql::get(row, "title")?,
        audience: sql::get(row, "audience")?,
        note: sql::get(row, "note")?,
        families: Vec::new(),
    })
}

async fn with_families<C: ConnectionTrait>(c: &C, mut r: Roadshow) -> Result<Roadshow> {
    let rows = sql::all(
        c,
        "SELECT f.id, f.name FROM roadshow_families x JOIN families f ON f.id = x.family WHERE x.roadshow = ? ORDER BY f.name, f.id",
        vals![r.id],
    )
    .await?;
    r.families = rows.iter().map(|x| Ok((sql::get(x, "id")?, sql::get(x, "name")?))).collect::<Result<_>>()?;
    Ok(r)
}

pub async fn get<C: ConnectionTrait>(c: &C, scope: &Scope, id: i64) -> Result<Option<Roadshow>> {
    let (low, high) = scope.bounds();
    let row = sql::one(c, &format!("{SELECT} WHERE x.id = ? AND x.region BETWEEN ? AND ?"), vals![id, low, high]).await?;
    match row.as_ref().map(from_row).transpose()? {
        Some(r) => Ok(Some(with_families(c, r).await?)),
        None => Ok(None),
    }
}

/// Roadshows in scope, by region then id, each with its families.
pub async fn list<C: ConnectionTrait>(c: &C, scope: &Scope, after: Option<&str>, limit: u64) -> Result<Page<Roadshow>> {
    let (low, high) = scope.bounds();
    let cond = String::from(" WHERE x.region BETWEEN ? AND ?");
    let values: Vec<Value> = vals![low, high];
    let listing = crate::help::Listing { select: SELECT, from: "roadshows x", alias: "x", from_row, key: |x| (x.region.padded(), x.id) };
    let page = crate::help::page_by_region(c, &listing, cond, values, after, limit).await?;
    let mut items = Vec::with_capacity(page.items.len());
    for r in page.items {
        items.push(with_families(c, r).await?);
    }
    Ok(Page { items, total: page.total, next: page.next })
}

#[derive(Debug, Clone)]
pub struct NewRoadshow {
    pub region: RegionCode,
    pub held_on: NaiveDate,
    pub place: String,
    pub title: String,
    pub audience: i64,
    pub note: String,
    pub families: Vec<i64>,
    pub created_by: Option<i64>,
}

pub async fn insert(w: &mut Work, r: &NewRoadshow, now_ms: i64) -> Result<i64> {
    let id = next_id();
    sql::exec(
        &w.tx,
        "INSERT INTO roadshows (id, region, held_on, place, title, audience, note, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        vals![id, r.region.padded(), r.held_on, r.place.clone(), r.title.clone(), r.audience, r.note.clone(), r.created_by, now_ms],
    )
    .await?;
    for f in &r.families {
        sql::write(&w.tx, "INSERT INTO roadshow_families (roadshow, family) VALUES (?, ?)", vals![id, *f], "同一家庭重复选择").await?;
    }
    w.deltas.add(metric::ROADSHOWS, &r.region, r.held_on, 1);
    w.deltas.add(metric::ROADSHOW_AUDIENCE, &r.region, r.held_on, r.audience);
    Ok(id)
}
