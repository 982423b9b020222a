//! Federations, their terms (换届) and executive members (执委).

use chrono::{Duration, NaiveDate};
use jinguo_domain::RegionCode;
use jinguo_domain::insight::metric;
use jinguo_domain::org::{FederationKind, TERM_DUE_WINDOW_DAYS};
use sea_orm::{ConnectionTrait, QueryResult, Value};
use serde::Serialize;

use crate::ids::next_id;
use crate::{Page, Result, Scope, StoreError, Work, sql, vals};

#[derive(Debug, Clone, Serialize)]
pub struct Federation {
    pub id: i64,
    pub region: RegionCode,
    pub region_name: String,
    pub kind: FederationKind,
    pub name: String,
    pub members: i64,
    pub established_on: NaiveDate,
    /// The end of the latest term, if any term was recorded.
    pub term_end: Option<NaiveDate>,
    pub term_number: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone)]
pub struct NewFederation {
    pub region: RegionCode,
    pub kind: FederationKind,
    pub name: String,
    pub members: i64,
    pub established_on: NaiveDate,
}

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub kind: Option<FederationKind>,
    pub new_domain_only: bool,
    pub q: Option<String>,
}

const SELECT: &str = "SELECT f.id, f.region, r.name AS region_name, f.kind, f.name, f.members, f.established_on, f.created_at, f.updated_at, \
     (SELECT MAX(t.end_on) FROM terms t WHERE t.federation = f.id) AS term_end, \
     (SELECT MAX(t.number) FROM terms t WHERE t.federation = f.id) AS term_number \
     FROM federations f JOIN regions r ON r.code = f.region";

pub(crate) fn region_of_row(row: &impl sql::Row, col: &str) -> Result<RegionCode> {
    let code: String = sql::get(row, col)?;
    RegionCode::parse(&code).map_err(|e| StoreError::Other(e.to_string()))
}

fn from_row(row: &QueryResult) -> Result<Federation> {
    let kind: String = sql::get(row, "kind")?;
    Ok(Federation {
        id: sql::get(row, "id")?,
        region: region_of_row(row, "region")?,
        region_name: sql::get(row, "region_name")?,
        kind: FederationKind::parse(&kind).unwrap_or(FederationKind::Region),
        name: sql::get(row, "name")?,
        members: sql::get(row, "members")?,
        established_on: sql::get(row, "established_on")?,
        term_end: sql::get(row, "term_end")?,
        term_number: sql::get(row, "term_number")?,
        created_at: sql::get(row, "created_at")?,
        updated_at: sql::get(row, "updated_at")?,
    })
}

/// The federation with `id` if it lies in `scope`.
pub async fn get<C: ConnectionTrait>(c: &C, scope: &Scope, id: i64) -> Result<Option<Federation>> {
    let (low, high) = scope.bounds();
    let row = sql::one(c, &format!("{SELECT} WHERE f.id = ? AND f.region BETWEEN ? AND ?"), vals![id, low, high]).await?;
    row.as_ref().map(from_row).transpose()
}

/// The region federation (市/县/镇/村妇联) of a region, if one exists.
pub async fn of_region<C: ConnectionTrait>(c: &C, region: &RegionCode) -> Result<Option<Federation>> {
    let row = sql::one(c, &format!("{SELECT} WHERE f.region = ? AND f.kind = 'region'"), vals![region.padded()]).await?;
    row.as_ref().map(from_row).transpose()
}

/// Federations in `scope`, ordered by region then id, `limit` a page after the cursor `after`.
pub async fn list<C: ConnectionTrait>(c: &C, scope: &Scope, filter: &Filter, after: Option<&str>, limit: u64) -> Result<Page<Federation>> {
    let (low, high) = scope.bounds();
    let mut cond = String::from(" WHERE f.region BETWEEN ? AND ?");
    let mut values: Vec<Value> = vals![low, high];
    if let Some(kind) = filter.kind {
        cond.push_str(" AND f.kind = ?");
        values.push(kind.code().into());
    }
    if filter.new_domain_only {
        cond.push_str(" AND f.kind <> 'region'");
    }
    if let Some(q) = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        cond.push_str(" AND f.name LIKE ?");
        values.push(format!("%{}%", q.replace(['%', '_'], "")).into());
    }
    let total: i64 = sql::scalar(c, &format!("SELECT COUNT(*) FROM federations f{cond}"), values.clone()).await?;
    if let Some((region, id)) = after.and_then(parse_cursor) {
        cond.push_str(" AND (f.region > ? OR (f.region = ? AND f.id > ?))");
        values.extend([region.clone().into(), region.into(), id.into()]);
    }
    values.push((limit as i64 + 1).into());
    let rows = sql::all(c, &format!("{SELECT}{cond} ORDER BY f.region, f.id LIMIT ?"), values).await?;
    let mut items = rows.iter().map(from_row).collect::<Result<Vec<_>>>()?;
    let next = if items.len() as u64 > limit {
        items.truncate(limit as usize);
        items.last().map(|f| format!("{}.{}", f.region.padded(), f.id))
    } else {
        None
    };
    Ok(Page { items, total, next })
}

pub(crate) fn parse_cursor(s: &str) -> Option<(String, i64)> {
    let (a, b) = s.split_once('.')?;
    if a.len() != 12 || !a.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    Some((a.to_owned(), b.parse().ok()?))
}

/// Creates a federation and counts it in the roll-ups.
pub async fn insert(w: &mut Work, new: &NewFederation, now_ms: i64) -> Result<i64> {
    let id = next_id();
    sql::write(
        &w.tx,
        "INSERT INTO federations (id, region, kind, name, members, established_on, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        vals![id, new.region.padded(), new.kind.code(), new.name.clone(), new.members, new.established_on, now_ms, now_ms],
        "同一区划下已有同名妇联组织，或该区划已有区域妇联",
    )
    .await?;
    let day = new.established_on;
    w.deltas.add(metric::FEDERATIONS, &new.region, day, 1);
    w.deltas.add(&metric::federations_of_kind(new.kind), &new.region, day, 1);
    if new.kind.is_new_domain() {
        w.deltas.add(metric::NEW_DOMAIN_FEDERATIONS, &new.region, day, 1);
        w.deltas.add(metric::NEW_DOMAIN_MEMBERS, &new.region, day, new.members);
    }
    Ok(id)
}

/// Changes a federation's name and member count; the member change is counted on `day`.
pub async fn update(w: &mut Work, before: &Federation, name: &str, members: i64, day: NaiveDate, now_ms: i64) -> Result<()> {
    sql::write(
        &w.tx,
        "UPDATE federations SET name = ?, members = ?, updated_at = ? WHERE id = ?",
        vals![name.to_owned(), members, now_ms, before.id],
        "同一区划下已有同名妇联组织",
    )
    .await?;
    if before.kind.is_new_domain() {
        w.deltas.add(metric::NEW_DOMAIN_MEMBERS, &before.region, day, members - before.members);
    }
    Ok(())
}

/// Counts of region federations in a subtree that exist (no region federation yet is created).
pub async fn count_in<C: ConnectionTrait>(c: &C, scope: &Scope) -> Result<i64> {
    let (low, high) = scope.bounds();
    sql::scalar(c, "SELECT COUNT(*) FROM federations WHERE region BETWEEN ? AND ?", vals![low, high]).await
}

// ---- terms ----

#[derive(Debug, Clone, Serialize)]
pub struct Term {
    pub id: i64,
    pub federation: i64,
    pub number: i64,
    pub start_on: NaiveDate,
    pub end_on: NaiveDate,
    pub chair: String,
}

pub async fn terms<C: ConnectionTrait>(c: &C, federation: i64) -> Result<Vec<Term>> {
    let rows = sql::all(
        c,
        "SELECT id, federation, number, start_on, end_on, chair FROM terms WHERE federation = ? ORDER BY number DESC",
        vals![federation],
    )
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Term {
                id: sql::get(r, "id")?,
                federation: sql::get(r, "federation")?,
                number: sql::get(r, "number")?,
                start_on: sql::get(r, "start_on")?,
                end_on: sql::get(r, "end_on")?,
                chair: sql::get(r, "chair")?,
            })
        })
        .collect()
}

/// Records a term renewal (换届): the next term number, counted as a renewal on `start_on`.
pub async fn add_term(w: &mut Work, f: &Federation, start_on: NaiveDate, end_on: NaiveDate, chair: &str, now_ms: i64) -> Result<Term> {
    let number: i64 =
        sql::scalar::<_, Option<i64>>(&w.tx, "SELECT MAX(number) FROM terms WHERE federation = ?", vals![f.id]).await?.unwrap_or(0) + 1;
    let id = next_id();
    sql::write(
        &w.tx,
        "INSERT INTO terms (id, federation, region, number, start_on, end_on, chair, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        vals![id, f.id, f.region.padded(), number, start_on, end_on, chair.to_owned(), now_ms],
        "届次重复",
    )
    .await?;
    w.deltas.add(metric::TERMS_RENEWED, &f.region, start_on, 1);
    Ok(Term { id, federation: f.id, number, start_on, end_on, chair: chair.to_owned() })
}

/// The latest start of a term of this federation (a new term must start after it).
pub async fn latest_term_start<C: ConnectionTrait>(c: &C, federation: i64) -> Result<Option<NaiveDate>> {
    sql::scalar(c, "SELECT MAX(start_on) FROM terms WHERE federation = ?", vals![federation]).await
}

/// How many federations in `scope` have a term renewal due (the latest term started by `day`
/// ends within the notice window after `day`) and how many are overdue (it ended before `day`),
/// in one pass over the terms.
pub async fn count_due_and_overdue<C: ConnectionTrait>(c: &C, scope: &Scope, day: NaiveDate) -> Result<(i64, i64)> {
    let (low, high) = scope.bounds();
    let window_end = day + Duration::days(TERM_DUE_WINDOW_DAYS);
    let row = sql::one(
        c,
        "SELECT CAST(COALESCE(SUM(CASE WHEN latest >= ? AND latest <= ? THEN 1 ELSE 0 END), 0) AS BIGINT) AS due, \
                CAST(COALESCE(SUM(CASE WHEN latest < ? THEN 1 ELSE 0 END), 0) AS BIGINT) AS overdue \
         FROM (SELECT t.federation, MAX(t.end_on) AS latest FROM terms t JOIN federations f ON f.id = t.federation \
               WHERE t.region BETWEEN ? AND ? AND t.start_on <= ? AND f.established_on <= ? GROUP BY t.federation) AS latest_terms",
        vals![day, window_end, day, low, high, day, day],
    )
    .await?;
    match row {
        Some(r) => Ok((sql::get(&r, "due")?, sql::get(&r, "overdue")?)),
        None => Ok((0, 0)),
    }
}

// ---- executive members ----

#[derive(Debug, Clone, Serialize)]
pub struct ExecutiveMember {
    pub id: i64,
    pub federation: i64,
    pub name: String,
    pub position: String,
    pub workplace: String,
    pub joined_on: NaiveDate,
    pub left_on: Option<NaiveDate>,
}

pub async fn executive_members<C: ConnectionTrait>(c: &C, federation: i64) -> Result<Vec<ExecutiveMember>> {
    let rows = sql::all(
        c,
        "SELECT id, federation, name, position, workplace, joined_on, left_on FROM executive_members WHERE federation = ? ORDER BY left_on IS NOT NULL, joined_on, id",
        vals![federation],
    )
    .await?;
    rows.iter()
        .map(|r| {
            Ok(ExecutiveMember {
                id: sql::get(r, "id")?,
                federation: sql::get(r, "federation")?,
                name: sql::get(r, "name")?,
                position: sql::get(r, "position")?,
                workplace: sql::get(r, "workplace")?,
                joined_on: sql::get(r, "joined_on")?,
                left_on: sql::get(r, "left_on")?,
            })
        })
        .collect()
}

pub async fn add_executive_member(
    w: &mut Work,
    f: &Federation,
    name: &str,
    position: &str,
    workplace: &str,
    joined_on: NaiveDate,
    now_ms: i64,
) -> Result<i64> {
    let id = next_id();
    sql::exec(
        &w.tx,
        "INSERT INTO executive_members (id, federation, region, name, position, workplace, joined_on, left_on, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?)",
        vals![id, f.id, f.region.padded(), name.to_owned(), position.to_owned(), workplace.to_owned(), joined_on, now_ms],
    )
    .await?;
    w.deltas.add(metric::EXECUTIVE_MEMBERS, &f.region, joined_on, 1);
    Ok(id)
}

/// Ends a member's service on `left_on`; false when she had already left or is not of `f`.
pub async fn end_executive_member(w: &mut Work, f: &Federation, member: i64, left_on: NaiveDate) -> Result<bool> {
    let n = sql::exec(
        &w.tx,
        "UPDATE executive_members SET left_on = ? WHERE id = ? AND federation = ? AND left_on IS NULL AND joined_on <= ?",
        vals![left_on, member, f.id, left_on],
    )
    .await?;
    if n == 1 {
        w.deltas.add(metric::EXECUTIVE_MEMBERS, &f.region, left_on, -1);
    }
    Ok(n == 1)
}

// ---- bulk writes (the demo city, imports of an existing organisation) ----

/// Rows per multi-row INSERT of the bulk writers below (see `activities::insert_many` for why
/// 100 rather than more).
const ROWS_PER_INSERT: usize = 100;

/// A term with its number given, for [`add_terms_many`].
#[derive(Debug, Clone)]
pub struct NewTerm {
    pub federation: i64,
    pub region: RegionCode,
    pub number: i64,
    pub start_on: NaiveDate,
    pub end_on: NaiveDate,
    pub chair: String,
}

/// Records many terms with multi-row INSERTs, each counted as a renewal on its start as
/// [`add_term`] counts one. The numbers are the caller's (a history brought in from elsewhere
/// starts wherever its federations' numbering stood); a repeated number is a `Conflict`.
pub async fn add_terms_many(w: &mut Work, rows: &[NewTerm], now_ms: i64) -> Result<Vec<i64>> {
    const INSERT: &str = "INSERT INTO terms (id, federation, region, number, start_on, end_on, chair, created_at) VALUES ";
    let mut ids = Vec::with_capacity(rows.len());
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        let mut text = String::from(INSERT);
        let mut values: Vec<Value> = Vec::with_capacity(chunk.len() * 8);
        for (i, t) in chunk.iter().enumerate() {
            if t.end_on <= t.start_on {
                return Err(StoreError::Other(format!("第 {} 届的结束日期 {} 不晚于开始日期 {}", t.number, t.end_on, t.start_on)));
            }
            text.push_str(if i > 0 { ", (?, ?, ?, ?, ?, ?, ?, ?)" } else { "(?, ?, ?, ?, ?, ?, ?, ?)" });
            let id = next_id();
            values.extend(vals![id, t.federation, t.region.padded(), t.number, t.start_on, t.end_on, t.chair.clone(), now_ms]);
            ids.push(id);
        }
        sql::write(&w.tx, &text, values, "届次重复").await?;
    }
    for t in rows {
        w.deltas.add(metric::TERMS_RENEWED, &t.region, t.start_on, 1);
    }
    Ok(ids)
}

/// An executive member with her whole service, for [`add_executive_members_many`].
#[derive(Debug, Clone)]
pub struct NewExecutiveMember {
    pub federation: i64,
    pub region: RegionCode,
    pub name: String,
    pub position: String,
    pub workplace: String,
    pub joined_on: NaiveDate,
    pub left_on: Option<NaiveDate>,
}

/// Records many executive members with multi-row INSERTs, counted in the roll-ups as
/// [`add_executive_member`] and [`end_executive_member`] count them: +1 on joining, −1 on
/// leaving.
pub async fn add_executive_members_many(w: &mut Work, rows: &[NewExecutiveMember], now_ms: i64) -> Result<Vec<i64>> {
    const INSERT: &str =
        "INSERT INTO executive_members (id, federation, region, name, position, workplace, joined_on, left_on, created_at) VALUES ";
    let mut ids = Vec::with_capacity(rows.len());
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        let mut text = String::from(INSERT);
        let mut values: Vec<Value> = Vec::with_capacity(chunk.len() * 9);
        for (i, m) in chunk.iter().enumerate() {
            if m.left_on.is_some_and(|left| left < m.joined_on) {
                return Err(StoreError::Other(format!("执委 {} 的离任日期早于任职日期", m.name)));
            }
            text.push_str(if i > 0 { ", (?, ?, ?, ?, ?, ?, ?, ?, ?)" } else { "(?, ?, ?, ?, ?, ?, ?, ?, ?)" });
            let id = next_id();
            values.extend(vals![
                id,
                m.federation,
                m.region.padded(),
                m.name.clone(),
                m.position.clone(),
                m.workplace.clone(),
                m.joined_on,
                m.left_on,
                now_ms
            ]);
            ids.push(id);
        }
        sql::exec(&w.tx, &text, values).await?;
    }
    for m in rows {
        w.deltas.add(metric::EXECUTIVE_MEMBERS, &m.region, m.joined_on, 1);
        if let Some(left) = m.left_on {
            w.deltas.add(metric::EXECUTIVE_MEMBERS, &m.region, left, -1);
        }
    }
    Ok(ids)
}
