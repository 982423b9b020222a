//! Women's homes (妇女之家) and their standardisation checklist.

use chrono::NaiveDate;
use jinguo_domain::RegionCode;
use jinguo_domain::insight::metric;
use jinguo_domain::org::HomeCheckItem;
use sea_orm::{ConnectionTrait, QueryResult, Value};
use serde::Serialize;

use super::federations::{parse_cursor, region_of_row};
use crate::ids::next_id;
use crate::{Page, Result, Scope, Work, sql, vals};

#[derive(Debug, Clone, Serialize)]
pub struct Home {
    pub id: i64,
    pub region: RegionCode,
    pub region_name: String,
    pub federation: i64,
    pub name: String,
    pub address: String,
    pub keeper: String,
    pub established_on: NaiveDate,
    pub standardised: bool,
    pub standardised_on: Option<NaiveDate>,
    /// How many checklist items hold now.
    pub items_holding: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct HomeItem {
    pub item: HomeCheckItem,
    pub holds: bool,
    pub checked_on: NaiveDate,
    pub checked_by: String,
    pub note: String,
}

#[derive(Debug, Clone)]
pub struct NewHome {
    pub region: RegionCode,
    pub federation: i64,
    pub name: String,
    pub address: String,
    pub keeper: String,
    pub established_on: NaiveDate,
}

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub standardised: Option<bool>,
    pub q: Option<String>,
}

const SELECT: &str = "SELECT h.id, h.region, r.name AS region_name, h.federation, h.name, h.address, h.keeper, h.established_on, \
     h.standardised, h.standardised_on, \
     (SELECT COUNT(*) FROM women_home_items i WHERE i.home = h.id AND i.holds = TRUE) AS items_holding \
     FROM women_homes h JOIN regions r ON r.code = h.region";

fn from_row(row: &QueryResult) -> Result<Home> {
    Ok(Home {
        id: sql::get(row, "id")?,
        region: region_of_row(row, "region")?,
        region_name: sql::get(row, "region_name")?,
        federation: sql::get(row, "federation")?,
        name: sql::get(row, "name")?,
        address: sql::get(row, "address")?,
        keeper: sql::get(row, "keeper")?,
        established_on: sql::get(row, "established_on")?,
        standardised: sql::get(row, "standardised")?,
        standardised_on: sql::get(row, "standardised_on")?,
        items_holding: sql::get(row, "items_holding")?,
    })
}

pub async fn get<C: ConnectionTrait>(c: &C, scope: &Scope, id: i64) -> Result<Option<Home>> {
    let (low, high) = scope.bounds();
    let row = sql::one(c, &format!("{SELECT} WHERE h.id = ? AND h.region BETWEEN ? AND ?"), vals![id, low, high]).await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn of_region<C: ConnectionTrait>(c: &C, region: &RegionCode) -> Result<Option<Home>> {
    let row = sql::one(c, &format!("{SELECT} WHERE h.region = ?"), vals![region.padded()]).await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn items<C: ConnectionTrait>(c: &C, home: i64) -> Result<Vec<HomeItem>> {
    let rows = sql::all(c, "SELECT item, holds, checked_on, checked_by, note FROM women_home_items WHERE home = ?", vals![home]).await?;
    let mut out = Vec::new();
    for r in &rows {
        let code: String = sql::get(r, "item")?;
        if let Some(item) = HomeCheckItem::parse(&code) {
            out.push(HomeItem {
                item,
                holds: sql::get(r, "holds")?,
                checked_on: sql::get(r, "checked_on")?,
                checked_by: sql::get(r, "checked_by")?,
                note: sql::get(r, "note")?,
            });
        }
    }
    out.sort_by_key(|i| HomeCheckItem::ALL.iter().position(|x| *x == i.item));
    Ok(out)
}

pub async fn list<C: ConnectionTrait>(c: &C, scope: &Scope, filter: &Filter, after: Option<&str>, limit: u64) -> Result<Page<Home>> {
    let (low, high) = scope.bounds();
    let mut cond = String::from(" WHERE h.region BETWEEN ? AND ?");
    let mut values: Vec<Value> = vals![low, high];
    if let Some(s) = filter.standardised {
        cond.push_str(" AND h.standardised = ?");
        values.push(s.into());
    }
    if let Some(q) = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        cond.push_str(" AND h.name LIKE ?");
        values.push(format!("%{}%", q.replace(['%', '_'], "")).into());
    }
    let total: i64 = sql::scalar(c, &format!("SELECT COUNT(*) FROM women_homes h{cond}"), values.clone()).await?;
    if let Some((region, id)) = after.and_then(parse_cursor) {
        cond.push_str(" AND (h.region > ? OR (h.region = ? AND h.id > ?))");
        values.extend([region.clone().into(), region.into(), id.into()]);
    }
    values.push((limit as i64 + 1).into());
    let rows = sql::all(c, &format!("{SELECT}{cond} ORDER BY h.region, h.id LIMIT ?"), values).await?;
    let mut items = rows.iter().map(from_row).collect::<Result<Vec<_>>>()?;
    let next = if items.len() as u64 > limit {
        items.truncate(limit as usize);
        items.last().map(|h| format!("{}.{}", h.region.padded(), h.id))
    } else {
        None
    };
    Ok(Page { items, total, next })
}

pub async fn insert(w: &mut Work, new: &NewHome, now_ms: i64) -> Result<i64> {
    let id = next_id();
    sql::write(
        &w.tx,
        "INSERT INTO women_homes (id, region, federation, name, address, keeper, established_on, standardised, standardised_on, created_at, updated_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, FALSE, NULL, ?, ?)",
        vals![id, new.region.padded(), new.federation, new.name.clone(), new.address.clone(), new.keeper.clone(), new.established_on, now_ms, now_ms],
        "该村(社区)已有妇女之家",
    )
    .await?;
    w.deltas.add(metric::WOMEN_HOMES, &new.region, new.established_on, 1);
    Ok(id)
}

pub async fn update_details(w: &mut Work, home: &Home, name: &str, address: &str, keeper: &str, now_ms: i64) -> Result<()> {
    sql::exec(
        &w.tx,
        "UPDATE women_homes SET name = ?, address = ?, keeper = ?, updated_at = ? WHERE id = ?",
        vals![name.to_owned(), address.to_owned(), keeper.to_owned(), now_ms, home.id],
    )
    .await?;
    Ok(())
}

/// Records one checklist check and keeps the home's standardised state (and its roll-up) in
/// step: it becomes standardised on the day the last missing item is found to hold, and stops
/// being standardised on the day an item is found not to hold. Returns the new state.
#[allow(clippy::too_many_arguments)] // one value per column of the check; a struct would only rename them
pub async fn record_check(
    w: &mut Work,
    home: &Home,
    item: HomeCheckItem,
    holds: bool,
    checked_on: NaiveDate,
    checked_by: &str,
    note: &str,
    now_ms: i64,
) -> Result<bool> {
    sql::exec(
        &w.tx,
        "INSERT INTO women_home_items (home, item, holds, checked_on, checked_by, note) VALUES (?, ?, ?, ?, ?, ?) \
         ON CONFLICT (home, item) DO UPDATE SET holds = excluded.holds, checked_on = excluded.checked_on, checked_by = excluded.checked_by, note = excluded.note",
        vals![home.id, item.code(), holds, checked_on, checked_by.to_owned(), note.to_owned()],
    )
    .await?;
    let holding: i64 = sql::scalar(&w.tx, "SELECT COUNT(*) FROM women_home_items WHERE home = ? AND holds = TRUE", vals![home.id]).await?;
    let now_standardised = holding == HomeCheckItem::ALL.len() as i64;
    if now_standardised != home.standardised {
        let on: Option<NaiveDate> = now_standardised.then_some(checked_on);
        sql::exec(
            &w.tx,
            "UPDATE women_homes SET standardised = ?, standardised_on = ?, updated_at = ? WHERE id = ?",
            vals![now_standardised, on, now_ms, home.id],
        )
        .await?;
        w.deltas.add(metric::WOMEN_HOMES_STANDARDISED, &home.region, checked_on, if now_standardised { 1 } else { -1 });
    } else {
        sql::exec(&w.tx, "UPDATE women_homes SET updated_at = ? WHERE id = ?", vals![now_ms, home.id]).await?;
    }
    Ok(now_standardised)
}

/// Standardised homes in `scope` now: the register count the roll-up must agree with.
pub async fn count_standardised<C: ConnectionTrait>(c: &C, scope: &Scope) -> Result<i64> {
    let (low, high) = scope.bounds();
    sql::scalar(c, "SELECT COUNT(*) FROM women_homes WHERE region BETWEEN ? AND ? AND standardised = TRUE", vals![low, high]).await
}

// ---- bulk writes (the demo city, imports of existing homes) ----

/// Rows per multi-row INSERT of [`insert_many`] (see `activities::insert_many` for why 100).
const ROWS_PER_INSERT: usize = 100;

/// One check of a checklist item, as [`record_check`] takes it.
#[derive(Debug, Clone)]
pub struct NewCheck {
    pub item: HomeCheckItem,
    pub holds: bool,
    pub checked_on: NaiveDate,
    pub checked_by: String,
    pub note: String,
}

/// A home with the checks made of it since it was established, in the order they were made.
#[derive(Debug, Clone)]
pub struct NewHomeWithChecks {
    pub home: NewHome,
    pub checks: Vec<NewCheck>,
}

/// What a home's checks add up to: the last check of each item, the days the home became
/// (+1) or stopped being (−1) standardised, and where it stands after the last check.
struct Replay<'a> {
    last: Vec<&'a NewCheck>,
    changes: Vec<(NaiveDate, i64)>,
    standardised_on: Option<NaiveDate>,
}

/// Replays checks one by one with the rule of [`record_check`]: a home is standardised while
/// every item's latest check holds.
fn replay(checks: &[NewCheck]) -> Replay<'_> {
    let mut last: Vec<&NewCheck> = Vec::new();
    let mut changes = Vec::new();
    let mut standardised_on = None;
    for check in checks {
        match last.iter_mut().find(|c| c.item == check.item) {
            Some(slot) => *slot = check,
            None => last.push(check),
        }
        let now = last.len() == HomeCheckItem::ALL.len() && last.iter().all(|c| c.holds);
        if now != standardised_on.is_some() {
            changes.push((check.checked_on, if now { 1 } else { -1 }));
            standardised_on = now.then_some(check.checked_on);
        }
    }
    Replay { last, changes, standardised_on }
}

/// Registers many homes with their checklist history in multi-row INSERTs: each home as
/// [`insert`] registers it, then its checks as [`record_check`] would record them one after
/// the other (the item rows keep each item's last check; the roll-ups get every change of the
/// standardised state on its day). Checks are taken in the order given.
pub async fn insert_many(w: &mut Work, rows: &[NewHomeWithChecks], now_ms: i64) -> Result<Vec<i64>> {
    const HOMES: &str = "INSERT INTO women_homes (id, region, federation, name, address, keeper, established_on, standardised, standardised_on, created_at, updated_at) VALUES ";
    const ITEMS: &str = "INSERT INTO women_home_items (home, item, holds, checked_on, checked_by, note) VALUES ";
    let ids: Vec<i64> = rows.iter().map(|_| next_id()).collect();
    let replays: Vec<Replay<'_>> = rows.iter().map(|r| replay(&r.checks)).collect();
    for (chunk, start) in rows.chunks(ROWS_PER_INSERT).zip((0..).step_by(ROWS_PER_INSERT)) {
        let mut text = String::from(HOMES);
        let mut values: Vec<Value> = Vec::with_capacity(chunk.len() * 11);
        for (i, row) in chunk.iter().enumerate() {
            let (id, replay, h) = (ids[start + i], &replays[start + i], &row.home);
            text.push_str(if i > 0 { ", (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)" } else { "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)" });
            values.extend(vals![
                id,
                h.region.padded(),
                h.federation,
                h.name.clone(),
                h.address.clone(),
                h.keeper.clone(),
                h.established_on,
                replay.standardised_on.is_some(),
                replay.standardised_on,
                now_ms,
                now_ms
            ]);
        }
        sql::write(&w.tx, &text, values, "该村(社区)已有妇女之家").await?;
    }
    let items: Vec<(i64, &NewCheck)> = ids.iter().zip(&replays).flat_map(|(id, r)| r.last.iter().map(move |c| (*id, *c))).collect();
    for chunk in items.chunks(ROWS_PER_INSERT) {
        let mut text = String::from(ITEMS);
        let mut values: Vec<Value> = Vec::with_capacity(chunk.len() * 6);
        for (i, (home, c)) in chunk.iter().enumerate() {
            text.push_str(if i > 0 { ", (?, ?, ?, ?, ?, ?)" } else { "(?, ?, ?, ?, ?, ?)" });
            values.extend(vals![*home, c.item.code(), c.holds, c.checked_on, c.checked_by.clone(), c.note.clone()]);
        }
        sql::exec(&w.tx, &text, values).await?;
    }
    for (row, replay) in rows.iter().zip(&replays) {
        w.deltas.add(metric::WOMEN_HOMES, &row.home.region, row.home.established_on, 1);
        for &(day, delta) in &replay.changes {
            w.deltas.add(metric::WOMEN_HOMES_STANDARDISED, &row.home.region, day, delta);
        }
    }
    Ok(ids)
}
