//! Families: a household of the register in a village, its head and members with relations.
//! A person is in at most one family at a time (the open-membership unique index), and every
//! family has a balance row from the day it is created.

use chrono::NaiveDate;
use jinguo_domain::RegionCode;
use jinguo_domain::family::Relation;
use jinguo_domain::insight::metric;
use sea_orm::{ConnectionTrait, DbBackend, QueryResult, Value};
use serde::Serialize;

use crate::ids::next_id;
use crate::org::federations::region_of_row;
use crate::{Page, Result, Scope, StoreError, Work, sql, vals};

#[derive(Debug, Clone, Serialize)]
pub struct Family {
    pub id: i64,
    pub region: RegionCode,
    pub region_name: String,
    pub name: String,
    pub head: Option<i64>,
    pub head_name: String,
    /// Current members.
    pub members: i64,
    pub balance: i64,
    pub created_at: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Member {
    pub id: i64,
    pub person: i64,
    pub person_name: String,
    pub relation: Relation,
    pub joined_on: NaiveDate,
    pub left_on: Option<NaiveDate>,
}

/// An honour of the family (rows of `honours`, kept by the awards module).
#[derive(Debug, Clone, Serialize)]
pub struct Honour {
    pub person: Option<i64>,
    pub kind: String,
    pub level: String,
    pub year: i64,
    pub title: String,
}

const SELECT: &str = "SELECT f.id, f.region, r.name AS region_name, f.name, f.head, COALESCE(h.name, '') AS head_name, \
     (SELECT COUNT(*) FROM family_members m WHERE m.family = f.id AND m.left_on IS NULL) AS members, \
     COALESCE(b.balance, 0) AS balance, f.created_at \
     FROM families f JOIN regions r ON r.code = f.region LEFT JOIN people h ON h.id = f.head \
     LEFT JOIN family_balances b ON b.family = f.id";

fn from_row(row: &QueryResult) -> Result<Family> {
    Ok(Family {
        id: sql::get(row, "id")?,
        region: region_of_row(row, "region")?,
        region_name: sql::get(row, "region_name")?,
        name: sql::get(row, "name")?,
        head: sql::get(row, "head")?,
        head_name: sql::get(row, "head_name")?,
        members: sql::get(row, "members")?,
        balance: sql::get(row, "balance")?,
        created_at: sql::get(row, "created_at")?,
    })
}

pub async fn get<C: ConnectionTrait>(c: &C, scope: &Scope, id: i64) -> Result<Option<Family>> {
    let (low, high) = scope.bounds();
    let row = sql::one(c, &format!("{SELECT} WHERE f.id = ? AND f.region BETWEEN ? AND ?"), vals![id, low, high]).await?;
    row.as_ref().map(from_row).transpose()
}

/// Families in scope, by region then id; `q` finds by part of the name.
pub async fn list<C: ConnectionTrait>(c: &C, scope: &Scope, q: Option<&str>, after: Option<&str>, limit: u64) -> Result<Page<Family>> {
    let (low, high) = scope.bounds();
    let mut cond = String::from(" WHERE f.region BETWEEN ? AND ?");
    let mut values: Vec<Value> = vals![low, high];
    if let Some(q) = q.map(str::trim).filter(|q| !q.is_empty()) {
        cond.push_str(" AND f.name LIKE ?");
        values.push(format!("%{}%", q.replace(['%', '_'], "")).into());
    }
    let listing = crate::help::Listing { select: SELECT, from: "families f", alias: "f", from_row, key: |f| (f.region.padded(), f.id) };
    crate::help::page_by_region(c, &listing, cond, values, after, limit).await
}

/// The families of one village by balance, highest first (the ranking the city may turn on).
pub async fn ranking<C: ConnectionTrait>(c: &C, village: &RegionCode, limit: u64) -> Result<Vec<Family>> {
    let rows =
        sql::all(c, &format!("{SELECT} WHERE f.region = ? ORDER BY balance DESC, f.id LIMIT ?"), vals![village.padded(), limit as i64])
            .await?;
    rows.iter().map(from_row).collect()
}

#[derive(Debug, Clone)]
pub struct NewFamily {
    pub region: RegionCode,
    pub name: String,
    /// Members with their relations; the one marked head (or else the first) heads the family.
    pub members: Vec<(i64, Relation)>,
    pub day: NaiveDate,
    pub created_by: Option<i64>,
}

/// Creates a family with its members and its (empty) balance. A member already in another
/// family is a `Conflict`.
pub async fn insert(w: &mut Work, new: &NewFamily, now_ms: i64) -> Result<i64> {
    let id = next_id();
    let head = new.members.iter().find(|(_, r)| *r == Relation::Head).or(new.members.first()).map(|(p, _)| *p);
    sql::exec(
        &w.tx,
        "INSERT INTO families (id, region, name, head, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        vals![id, new.region.padded(), new.name.clone(), head, new.created_by, now_ms, now_ms],
    )
    .await?;
    sql::exec(
        &w.tx,
        "INSERT INTO family_balances (family, region, balance, updated_at) VALUES (?, ?, 0, ?)",
        vals![id, new.region.padded(), now_ms],
    )
    .await?;
    for (person, relation) in &new.members {
        add_member_row(w, id, &new.region, *person, *relation, new.day, now_ms).await?;
    }
    w.deltas.add(metric::FAMILIES, &new.region, new.day, 1);
    Ok(id)
}

async fn add_member_row(
    w: &mut Work,
    family: i64,
    region: &RegionCode,
    person: i64,
    relation: Relation,
    day: NaiveDate,
    now_ms: i64,
) -> Result<i64> {
    let id = next_id();
    sql::write(
        &w.tx,
        "INSERT INTO family_members (id, family, person, region, relation, joined_on, left_on, created_at) VALUES (?, ?, ?, ?, ?, ?, NULL, ?)",
        vals![id, family, person, region.padded(), relation.code(), day, now_ms],
        "她已是另一个家庭的成员，请先将她移出原家庭",
    )
    .await?;
    Ok(id)
}

/// A person joins a family (she must be in no family now).
pub async fn add_member(w: &mut Work, family: &Family, person: i64, relation: Relation, day: NaiveDate, now_ms: i64) -> Result<i64> {
    let id = add_member_row(w, family.id, &family.region, person, relation, day, now_ms).await?;
    if relation == Relation::Head || family.head.is_none() {
        sql::exec(&w.tx, "UPDATE families SET head = ?, updated_at = ? WHERE id = ?", vals![person, now_ms, family.id]).await?;
    }
    Ok(id)
}

/// A member leaves on `day`; a head who leaves leaves the family without a head.
pub async fn remove_member(w: &mut Work, family: &Family, member: &Member, day: NaiveDate, now_ms: i64) -> Result<()> {
    sql::exec(&w.tx, "UPDATE family_members SET left_on = ? WHERE id = ? AND left_on IS NULL", vals![day, member.id]).await?;
    if family.head == Some(member.person) {
        sql::exec(&w.tx, "UPDATE families SET head = NULL, updated_at = ? WHERE id = ?", vals![now_ms, family.id]).await?;
    }
    Ok(())
}

const MEMBER_SELECT: &str = "SELECT m.id, m.person, p.name AS person_name, m.relation, m.joined_on, m.left_on \
     FROM family_members m JOIN people p ON p.id = m.person";

fn member_from_row(r: &QueryResult) -> Result<Member> {
    let relation: String = sql::get(r, "relation")?;
    Ok(Member {
        id: sql::get(r, "id")?,
        person: sql::get(r, "person")?,
        person_name: sql::get(r, "person_name")?,
        relation: Relation::parse(&relation).unwrap_or(Relation::Other),
        joined_on: sql::get(r, "joined_on")?,
        left_on: sql::get(r, "left_on")?,
    })
}

/// The members of a family, current ones first.
pub async fn members<C: ConnectionTrait>(c: &C, family: i64) -> Result<Vec<Member>> {
    let rows = sql::all(
        c,
        &format!("{MEMBER_SELECT} WHERE m.family = ? ORDER BY CASE WHEN m.left_on IS NULL THEN 0 ELSE 1 END, m.joined_on, m.id"),
        vals![family],
    )
    .await?;
    rows.iter().map(member_from_row).collect()
}

pub async fn member<C: ConnectionTrait>(c: &C, family: i64, id: i64) -> Result<Option<Member>> {
    let row = sql::one(c, &format!("{MEMBER_SELECT} WHERE m.family = ? AND m.id = ?"), vals![family, id]).await?;
    row.as_ref().map(member_from_row).transpose()
}

/// The family a person belongs to now: `(id, name)`.
pub async fn open_family_of<C: ConnectionTrait>(c: &C, person: i64) -> Result<Option<(i64, String)>> {
    let row = sql::one(
        c,
        "SELECT f.id, f.name FROM family_members m JOIN families f ON f.id = m.family WHERE m.person = ? AND m.left_on IS NULL",
        vals![person],
    )
    .await?;
    row.map(|r| Ok((sql::get(&r, "id")?, sql::get(&r, "name")?))).transpose()
}

/// The honours of a family: rows of the table `honours` (created by the awards module, migration
/// 0012), newest first; empty while that table does not exist.
pub async fn family_honours<C: ConnectionTrait>(c: &C, family: i64) -> Result<Vec<Honour>> {
    let exists: i64 = match c.get_database_backend() {
        DbBackend::Postgres => {
            sql::scalar(
                c,
                "SELECT COUNT(*) FROM information_schema.tables WHERE table_name = 'honours' AND table_schema = current_schema()",
                vec![],
            )
            .await?
        }
        _ => sql::scalar(c, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'honours'", vec![]).await?,
    };
    if exists == 0 {
        return Ok(Vec::new());
    }
    let rows = sql::all(
        c,
        "SELECT person, CAST(kind AS TEXT) AS kind, CAST(level AS TEXT) AS level, CAST(year AS BIGINT) AS year, CAST(title AS TEXT) AS title \
         FROM honours WHERE family = ? ORDER BY year DESC",
        vals![family],
    )
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Honour {
                person: sql::get(r, "person")?,
                kind: sql::get(r, "kind")?,
                level: sql::get(r, "level")?,
                year: sql::get(r, "year")?,
                title: sql::get(r, "title")?,
            })
        })
        .collect()
}

/// The family id and region of a balance row, for writes that name a family.
pub async fn family_ref<C: ConnectionTrait>(c: &C, id: i64) -> Result<(i64, RegionCode)> {
    let row = sql::one(c, "SELECT id, region FROM families WHERE id = ?", vals![id]).await?.ok_or(StoreError::NotFound)?;
    Ok((sql::get(&row, "id")?, region_of_row(&row, "region")?))
}

/// People of villages in scope who are in no family, by region then id: the demo's households.
pub async fn people_without_family<C: ConnectionTrait>(c: &C, scope: &Scope, limit: u64) -> Result<Vec<(i64, RegionCode)>> {
    let (low, high) = scope.bounds();
    let rows = sql::all(
        c,
        "SELECT p.id, p.region FROM people p WHERE p.region BETWEEN ? AND ? AND p.region NOT LIKE '%000' \
         AND NOT EXISTS (SELECT 1 FROM family_members m WHERE m.person = p.id) ORDER BY p.region, p.id LIMIT ?",
        vals![low, high, limit as i64],
    )
    .await?;
    rows.iter().map(|r| Ok((sql::get(r, "id")?, region_of_row(r, "region")?))).collect()
}
