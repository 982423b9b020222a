//! Service activities of family-education guidance (进社区/进学校/进农村): where and when, the
//! lecturer, the topic, and the households served — families of the register (one row each, in
//! the family's region, so scope and figures follow the family) and a count of unnamed
//! households kept on the activity. Activities are a flow (also by kind); household-times a flow;
//! households served *without double counting* are counted from the register
//! ([`households_served`]), because a distinct count over a period is not a sum of days.

use chrono::NaiveDate;
use jinguo_domain::RegionCode;
use jinguo_domain::education::ActivityKind;
use jinguo_domain::insight::metric;
use sea_orm::{ConnectionTrait, QueryResult, Value};
use serde::Serialize;

use crate::help::{Listing, page_by_region};
use crate::ids::next_id;
use crate::org::federations::region_of_row;
use crate::{Page, Result, Scope, StoreError, Work, sql, vals};

#[derive(Debug, Clone, Serialize)]
pub struct Activity {
    pub id: i64,
    pub region: RegionCode,
    pub region_name: String,
    pub kind: ActivityKind,
    pub held_on: NaiveDate,
    pub place: String,
    pub topic: String,
    pub lecturer: Option<i64>,
    pub lecturer_name: Option<String>,
    pub unnamed_households: i64,
    /// Families of the register served.
    pub families: i64,
}

const SELECT: &str = "SELECT a.id, a.region, r.name AS region_name, a.kind, a.held_on, a.place, a.topic, a.lecturer, l.name AS lecturer_name, \
     a.unnamed_households, (SELECT COUNT(*) FROM education_households h WHERE h.activity = a.id) AS families \
     FROM education_activities a JOIN regions r ON r.code = a.region LEFT JOIN lecturers l ON l.id = a.lecturer";

fn from_row(row: &QueryResult) -> Result<Activity> {
    let kind: String = sql::get(row, "kind")?;
    Ok(Activity {
        id: sql::get(row, "id")?,
        region: region_of_row(row, "region")?,
        region_name: sql::get(row, "region_name")?,
        kind: ActivityKind::parse(&kind).map_err(|e| StoreError::Other(e.summary()))?,
        held_on: sql::get(row, "held_on")?,
        place: sql::get(row, "place")?,
        topic: sql::get(row, "topic")?,
        lecturer: sql::get(row, "lecturer")?,
        lecturer_name: sql::get(row, "lecturer_name")?,
        unnamed_households: sql::get(row, "unnamed_households")?,
        families: sql::get(row, "families")?,
    })
}

pub async fn get<C: ConnectionTrait>(c: &C, scope: &Scope, id: i64) -> Result<Option<Activity>> {
    let (low, high) = scope.bounds();
    let row = sql::one(c, &format!("{SELECT} WHERE a.id = ? AND a.region BETWEEN ? AND ?"), vals![id, low, high]).await?;
    row.as_ref().map(from_row).transpose()
}

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub kind: Option<ActivityKind>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

/// Activities in scope, by region then id.
pub async fn list<C: ConnectionTrait>(c: &C, scope: &Scope, f: &Filter, after: Option<&str>, limit: u64) -> Result<Page<Activity>> {
    let (low, high) = scope.bounds();
    let mut cond = String::from(" WHERE a.region BETWEEN ? AND ?");
    let mut values: Vec<Value> = vals![low, high];
    if let Some(k) = f.kind {
        cond.push_str(" AND a.kind = ?");
        values.push(k.code().into());
    }
    if let Some(d) = f.from {
        cond.push_str(" AND a.held_on >= ?");
        values.push(d.into());
    }
    if let Some(d) = f.to {
        cond.push_str(" AND a.held_on <= ?");
        values.push(d.into());
    }
    let listing =
        Listing { select: SELECT, from: "education_activities a", alias: "a", from_row, key: |x: &Activity| (x.region.padded(), x.id) };
    page_by_region(c, &listing, cond, values, after, limit).await
}

/// A family of the register as an activity names it.
#[derive(Debug, Clone, Serialize)]
pub struct FamilyRef {
    pub id: i64,
    pub name: String,
    pub region: RegionCode,
    pub region_name: String,
}

fn family_from_row(r: &QueryResult) -> Result<FamilyRef> {
    Ok(FamilyRef {
        id: sql::get(r, "id")?,
        name: sql::get(r, "name")?,
        region: region_of_row(r, "region")?,
        region_name: sql::get(r, "region_name")?,
    })
}

/// A family, whatever the scope (the caller checks the scope against its region).
pub async fn family<C: ConnectionTrait>(c: &C, id: i64) -> Result<Option<FamilyRef>> {
    let row = sql::one(
        c,
        "SELECT f.id, f.name, f.region, r.name AS region_name FROM families f JOIN regions r ON r.code = f.region WHERE f.id = ?",
        vals![id],
    )
    .await?;
    row.as_ref().map(family_from_row).transpose()
}

/// The families an activity served, by name.
pub async fn families<C: ConnectionTrait>(c: &C, activity: i64) -> Result<Vec<FamilyRef>> {
    let rows = sql::all(
        c,
        "SELECT f.id, f.name, f.region, r.name AS region_name FROM education_households h JOIN families f ON f.id = h.family \
         JOIN regions r ON r.code = f.region WHERE h.activity = ? ORDER BY f.name, f.id",
        vals![activity],
    )
    .await?;
    rows.iter().map(family_from_row).collect()
}

#[derive(Debug, Clone)]
pub struct NewActivity {
    pub region: RegionCode,
    pub kind: ActivityKind,
    pub held_on: NaiveDate,
    pub place: String,
    pub topic: String,
    pub lecturer: Option<i64>,
    pub unnamed_households: i64,
    /// Families served (distinct; checked in scope by the caller).
    pub families: Vec<FamilyRef>,
    pub created_by: Option<i64>,
}

pub async fn insert(w: &mut Work, new: &NewActivity, now_ms: i64) -> Result<i64> {
    let id = next_id();
    sql::exec(
        &w.tx,
        "INSERT INTO education_activities (id, region, kind, held_on, place, topic, lecturer, unnamed_households, created_by, created_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        vals![
            id,
            new.region.padded(),
            new.kind.code(),
            new.held_on,
            new.place.clone(),
            new.topic.clone(),
            new.lecturer,
            new.unnamed_households,
            new.created_by,
            now_ms
        ],
    )
    .await?;
    for f in &new.families {
        sql::write(
            &w.tx,
            "INSERT INTO education_households (id, activity, family, region, served_on) VALUES (?, ?, ?, ?, ?)",
            vals![next_id(), id, f.id, f.region.padded(), new.held_on],
            "同一家庭在一次活动中只能登记一次",
        )
        .await?;
        w.deltas.add(metric::EDU_HOUSEHOLD_TIMES, &f.region, new.held_on, 1);
    }
    w.deltas.add(metric::EDU_ACTIVITIES, &new.region, new.held_on, 1);
    w.deltas.add(&metric::edu_activities_of_kind(new.kind), &new.region, new.held_on, 1);
    w.deltas.add(metric::EDU_HOUSEHOLD_TIMES, &new.region, new.held_on, new.unnamed_households);
    Ok(id)
}

/// Households served in `from..=to` in scope, without double counting: distinct families of the
/// register (by the family's region), and the unnamed households counted at activities (by the
/// activity's region), which cannot be told apart and are added as counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Served {
    pub families: i64,
    pub unnamed: i64,
}

impl Served {
    pub fn total(self) -> i64 {
        self.families + self.unnamed
    }
}

pub async fn households_served<C: ConnectionTrait>(c: &C, scope: &Scope, from: NaiveDate, to: NaiveDate) -> Result<Served> {
    let (low, high) = scope.bounds();
    let families: i64 = sql::scalar(
        c,
        "SELECT COUNT(DISTINCT family) FROM education_households WHERE region BETWEEN ? AND ? AND served_on BETWEEN ? AND ?",
        vals![low.clone(), high.clone(), from, to],
    )
    .await?;
    let unnamed: Option<i64> = sql::scalar(
        c,
        "SELECT CAST(SUM(unnamed_households) AS BIGINT) FROM education_activities WHERE region BETWEEN ? AND ? AND held_on BETWEEN ? AND ?",
        vals![low, high, from, to],
    )
    .await?;
    Ok(Served { families, unnamed: unnamed.unwrap_or(0) })
}

/// Families of the register in scope (the first `limit` by id): for the demo's activities.
pub async fn families_in<C: ConnectionTrait>(c: &C, scope: &Scope, limit: u64) -> Result<Vec<FamilyRef>> {
    let (low, high) = scope.bounds();
    let rows = sql::all(
        c,
        "SELECT f.id, f.name, f.region, r.name AS region_name FROM families f JOIN regions r ON r.code = f.region \
         WHERE f.region BETWEEN ? AND ? ORDER BY f.id LIMIT ?",
        vals![low, high, limit as i64],
    )
    .await?;
    rows.iter().map(family_from_row).collect()
}
