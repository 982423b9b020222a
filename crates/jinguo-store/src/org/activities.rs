//! Activities: any organised event. Later programmes (training, roadshows, family points) build
//! on this register; it feeds "activities held" and "participants (人次)".

use chrono::NaiveDate;
use jinguo_domain::RegionCode;
use jinguo_domain::insight::metric;
use jinguo_domain::org::ActivityCategory;
use sea_orm::{ConnectionTrait, QueryResult, Value};
use serde::Serialize;

use super::federations::region_of_row;
use crate::ids::next_id;
use crate::{Page, Result, Scope, Work, sql, vals};

#[derive(Debug, Clone, Serialize)]
pub struct Activity {
    pub id: i64,
    pub federation: i64,
    pub federation_name: String,
    pub region: RegionCode,
    pub region_name: String,
    pub held_on: NaiveDate,
    pub category: ActivityCategory,
    pub title: String,
    pub place: String,
    pub participants: i64,
}

#[derive(Debug, Clone)]
pub struct NewActivity {
    pub federation: i64,
    pub region: RegionCode,
    pub held_on: NaiveDate,
    pub category: ActivityCategory,
    pub title: String,
    pub place: String,
    pub participants: i64,
    pub created_by: Option<i64>,
}

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub category: Option<ActivityCategory>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

const SELECT: &str = "SELECT a.id, a.federation, f.name AS federation_name, a.region, r.name AS region_name, a.held_on, a.category, a.title, a.place, a.participants \
     FROM activities a JOIN federations f ON f.id = a.federation JOIN regions r ON r.code = a.region";

fn from_row(row: &QueryResult) -> Result<Activity> {
    let category: String = sql::get(row, "category")?;
    Ok(Activity {
        id: sql::get(row, "id")?,
        federation: sql::get(row, "federation")?,
        federation_name: sql::get(row, "federation_name")?,
        region: region_of_row(row, "region")?,
        region_name: sql::get(row, "region_name")?,
        held_on: sql::get(row, "held_on")?,
        category: ActivityCategory::parse(&category).unwrap_or(ActivityCategory::Other),
        title: sql::get(row, "title")?,
        place: sql::get(row, "place")?,
        participants: sql::get(row, "participants")?,
    })
}

pub async fn get<C: ConnectionTrait>(c: &C, scope: &Scope, id: i64) -> Result<Option<Activity>> {
    let (low, high) = scope.bounds();
    let row = sql::one(c, &format!("{SELECT} WHERE a.id = ? AND a.region BETWEEN ? AND ?"), vals![id, low, high]).await?;
    row.as_ref().map(from_row).transpose()
}

/// Activities in `scope`, newest first; the cursor is `held_on.id` of the last item.
pub async fn list<C: ConnectionTrait>(c: &C, scope: &Scope, filter: &Filter, after: Option<&str>, limit: u64) -> Result<Page<Activity>> {
    let (low, high) = scope.bounds();
    let mut cond = String::from(" WHERE a.region BETWEEN ? AND ?");
    let mut values: Vec<Value> = vals![low, high];
    if let Some(cat) = filter.category {
        cond.push_str(" AND a.category = ?");
        values.push(cat.code().into());
    }
    if let Some(from) = filter.from {
        cond.push_str(" AND a.held_on >= ?");
        values.push(from.into());
    }
    if let Some(to) = filter.to {
        cond.push_str(" AND a.held_on <= ?");
        values.push(to.into());
    }
    let total: i64 = sql::scalar(c, &format!("SELECT COUNT(*) FROM activities a{cond}"), values.clone()).await?;
    if let Some((day, id)) = after.and_then(|s| {
        let (d, i) = s.split_once('.')?;
        Some((jinguo_domain::insight::parse_date(d)?, i.parse::<i64>().ok()?))
    }) {
        cond.push_str(" AND (a.held_on < ? OR (a.held_on = ? AND a.id < ?))");
        values.extend([day.into(), day.into(), id.into()]);
    }
    values.push((limit as i64 + 1).into());
    let rows = sql::all(c, &format!("{SELECT}{cond} ORDER BY a.held_on DESC, a.id DESC LIMIT ?"), values).await?;
    let mut items = rows.iter().map(from_row).collect::<Result<Vec<_>>>()?;
    let next = if items.len() as u64 > limit {
        items.truncate(limit as usize);
        items.last().map(|a| format!("{}.{}", a.held_on, a.id))
    } else {
        None
    };
    Ok(Page { items, total, next })
}

pub async fn insert(w: &mut Work, new: &NewActivity, now_ms: i64) -> Result<i64> {
    let id = next_id();
    sql::exec(
        &w.tx,
        "INSERT INTO activities (id, federation, region, held_on, category, title, place, participants, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        vals![id, new.federation, new.region.padded(), new.held_on, new.category.code(), new.title.clone(), new.place.clone(), new.participants, new.created_by, now_ms],
    )
    .await?;
    w.deltas.add(metric::ACTIVITIES, &new.region, new.held_on, 1);
    w.deltas.add(metric::ACTIVITY_PARTICIPANTS, &new.region, new.held_on, new.participants);
    w.deltas.add(&metric::activities_of_category(new.category), &new.region, new.held_on, 1);
    Ok(id)
}

/// Raw-scan counts of activities and participants in `scope` over a period: the baseline the
/// roll-ups are checked and benchmarked against.
pub async fn scan_totals<C: ConnectionTrait>(c: &C, scope: &Scope, from: NaiveDate, to: NaiveDate) -> Result<(i64, i64)> {
    let (low, high) = scope.bounds();
    let row = sql::one(
        c,
        "SELECT COUNT(*) AS n, CAST(COALESCE(SUM(participants), 0) AS BIGINT) AS p FROM activities WHERE region BETWEEN ? AND ? AND held_on BETWEEN ? AND ?",
        vals![low, high, from, to],
    )
    .await?;
    match row {
        Some(r) => Ok((sql::get(&r, "n")?, sql::get(&r, "p")?)),
        None => Ok((0, 0)),
    }
}

/// Rows per multi-row INSERT of [`insert_many`]. Far under the bound-parameter limits of both
/// engines (SQLite 32,766; PostgreSQL 65,535); measured on the demo city, PostgreSQL took about
/// half as long per row with 100-row statements as with 400-row ones, and SQLite the same.
const ROWS_PER_INSERT: usize = 100;

/// Inserts many activities with multi-row INSERTs and counts them in the roll-ups exactly as
/// [`insert`] counts each one. For bulk jobs (the demo city, imports), where a statement per
/// row would cost a round trip to the database's worker thread each (DESIGN.md §8).
pub async fn insert_many(w: &mut Work, rows: &[NewActivity], now_ms: i64) -> Result<Vec<i64>> {
    const INSERT: &str =
        "INSERT INTO activities (id, federation, region, held_on, category, title, place, participants, created_by, created_at) VALUES ";
    let mut ids = Vec::with_capacity(rows.len());
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        let mut text = String::with_capacity(INSERT.len() + chunk.len() * 34);
        text.push_str(INSERT);
        let mut values: Vec<Value> = Vec::with_capacity(chunk.len() * 10);
        for (i, new) in chunk.iter().enumerate() {
            if i > 0 {
                text.push_str(", ");
            }
            text.push_str("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
            let id = next_id();
            values.extend(vals![
                id,
                new.federation,
                new.region.padded(),
                new.held_on,
                new.category.code(),
                new.title.clone(),
                new.place.clone(),
                new.participants,
                new.created_by,
                now_ms
            ]);
            ids.push(id);
        }
        sql::exec(&w.tx, &text, values).await?;
    }
    for new in rows {
        w.deltas.add(metric::ACTIVITIES, &new.region, new.held_on, 1);
        w.deltas.add(metric::ACTIVITY_PARTICIPANTS, &new.region, new.held_on, new.participants);
        w.deltas.add(&metric::activities_of_category(new.category), &new.region, new.held_on, 1);
    }
    Ok(ids)
}

// ---- confirmed attendance ----

/// A person whose attendance was confirmed.
#[derive(Debug, Clone, Serialize)]
pub struct Attendee {
    pub person: i64,
    pub name: String,
    pub region: RegionCode,
    pub confirmed_at: i64,
}

/// Records that these people attended (people already confirmed are left as they were).
/// Returns how many were newly confirmed.
pub async fn confirm_attendance(w: &mut Work, activity: &Activity, people: &[i64], by: Option<i64>, now_ms: i64) -> Result<u64> {
    let mut added = 0;
    for person in people {
        added += sql::exec(
            &w.tx,
            "INSERT INTO activity_attendance (activity, person, region, confirmed_by, confirmed_at) VALUES (?, ?, ?, ?, ?) \
             ON CONFLICT (activity, person) DO NOTHING",
            vals![activity.id, *person, activity.region.padded(), by, now_ms],
        )
        .await?;
    }
    Ok(added)
}

/// The people confirmed for an activity, by name.
pub async fn attendees<C: ConnectionTrait>(c: &C, activity: i64) -> Result<Vec<Attendee>> {
    let rows = sql::all(
        c,
        "SELECT a.person, p.name, p.region, a.confirmed_at FROM activity_attendance a JOIN people p ON p.id = a.person \
         WHERE a.activity = ? ORDER BY a.confirmed_at, a.person",
        vals![activity],
    )
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Attendee {
                person: sql::get(r, "person")?,
                name: sql::get(r, "name")?,
                region: region_of_row(r, "region")?,
                confirmed_at: sql::get(r, "confirmed_at")?,
            })
        })
        .collect()
}

/// How many people are confirmed for an activity.
pub async fn attendance_count<C: ConnectionTrait>(c: &C, activity: i64) -> Result<i64> {
    sql::scalar(c, "SELECT COUNT(*) FROM activity_attendance WHERE activity = ?", vals![activity]).await
}
