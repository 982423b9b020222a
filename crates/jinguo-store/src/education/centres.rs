//! Guidance centres (家庭教育指导中心/站), one per region at city, county, town or village level;
//! lecturer teams (讲师团) of a centre; lecturers (讲师) of a team. All three are stocks in the
//! roll-ups: centres also by level, lecturers −1 when they leave.

use chrono::NaiveDate;
use jinguo_domain::insight::metric;
use jinguo_domain::{Level, RegionCode};
use sea_orm::{ConnectionTrait, QueryResult, Value};
use serde::Serialize;

use crate::help::{Listing, page_by_region};
use crate::ids::next_id;
use crate::org::federations::region_of_row;
use crate::{Page, Result, Scope, Work, sql, vals};

#[derive(Debug, Clone, Serialize)]
pub struct Centre {
    pub id: i64,
    pub region: RegionCode,
    pub region_name: String,
    pub level: Level,
    pub name: String,
    pub address: String,
    pub founded_on: NaiveDate,
    pub teams: i64,
    /// Current lecturers of its teams.
    pub lecturers: i64,
}

const SELECT: &str = "SELECT c.id, c.region, r.name AS region_name, c.name, c.address, c.founded_on, \
     (SELECT COUNT(*) FROM lecturer_teams t WHERE t.centre = c.id) AS teams, \
     (SELECT COUNT(*) FROM lecturers l JOIN lecturer_teams t ON t.id = l.team WHERE t.centre = c.id AND l.left_on IS NULL) AS lecturers \
     FROM guidance_centres c JOIN regions r ON r.code = c.region";

fn from_row(row: &QueryResult) -> Result<Centre> {
    let region = region_of_row(row, "region")?;
    Ok(Centre {
        id: sql::get(row, "id")?,
        level: region.level(),
        region,
        region_name: sql::get(row, "region_name")?,
        name: sql::get(row, "name")?,
        address: sql::get(row, "address")?,
        founded_on: sql::get(row, "founded_on")?,
        teams: sql::get(row, "teams")?,
        lecturers: sql::get(row, "lecturers")?,
    })
}

pub async fn get<C: ConnectionTrait>(c: &C, scope: &Scope, id: i64) -> Result<Option<Centre>> {
    let (low, high) = scope.bounds();
    let row = sql::one(c, &format!("{SELECT} WHERE c.id = ? AND c.region BETWEEN ? AND ?"), vals![id, low, high]).await?;
    row.as_ref().map(from_row).transpose()
}

/// The centre of a region, if it has one (whatever the scope: one per region is the rule).
pub async fn of_region<C: ConnectionTrait>(c: &C, region: &RegionCode) -> Result<Option<i64>> {
    let row = sql::one(c, "SELECT id FROM guidance_centres WHERE region = ?", vals![region.padded()]).await?;
    row.as_ref().map(|r| sql::get(r, "id")).transpose()
}

/// Centres in scope, by region (the city's first, then down the tree).
pub async fn list<C: ConnectionTrait>(c: &C, scope: &Scope, after: Option<&str>, limit: u64) -> Result<Page<Centre>> {
    let (low, high) = scope.bounds();
    let listing = Listing { select: SELECT, from: "guidance_centres c", alias: "c", from_row, key: |x: &Centre| (x.region.padded(), x.id) };
    page_by_region(c, &listing, " WHERE c.region BETWEEN ? AND ?".into(), vals![low, high], after, limit).await
}

#[derive(Debug, Clone)]
pub struct NewCentre {
    pub region: RegionCode,
    pub name: String,
    pub address: String,
    pub founded_on: NaiveDate,
    pub created_by: Option<i64>,
}

/// Opens a centre; a second centre in the same region is a conflict.
pub async fn insert(w: &mut Work, new: &NewCentre, now_ms: i64) -> Result<i64> {
    let id = next_id();
    let level = new.region.level();
    sql::write(
        &w.tx,
        "INSERT INTO guidance_centres (id, region, level, name, address, founded_on, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        vals![id, new.region.padded(), level.code_name(), new.name.clone(), new.address.clone(), new.founded_on, new.created_by, now_ms, now_ms],
        "该区划已设立家庭教育指导中心(站)",
    )
    .await?;
    w.deltas.add(metric::EDU_CENTRES, &new.region, new.founded_on, 1);
    w.deltas.add(&metric::edu_centres_of_level(level), &new.region, new.founded_on, 1);
    Ok(id)
}

// ---------------------------------------------------------------------------------------------
// Lecturer teams
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Serialize)]
pub struct Team {
    pub id: i64,
    pub centre: i64,
    pub centre_name: String,
    pub region: RegionCode,
    pub region_name: String,
    pub name: String,
    pub formed_on: NaiveDate,
    /// Current lecturers.
    pub lecturers: i64,
}

const TEAM_SELECT: &str = "SELECT t.id, t.centre, c.name AS centre_name, t.region, r.name AS region_name, t.name, t.formed_on, \
     (SELECT COUNT(*) FROM lecturers l WHERE l.team = t.id AND l.left_on IS NULL) AS lecturers \
     FROM lecturer_teams t JOIN guidance_centres c ON c.id = t.centre JOIN regions r ON r.code = t.region";

fn team_from_row(row: &QueryResult) -> Result<Team> {
    Ok(Team {
        id: sql::get(row, "id")?,
        centre: sql::get(row, "centre")?,
        centre_name: sql::get(row, "centre_name")?,
        region: region_of_row(row, "region")?,
        region_name: sql::get(row, "region_name")?,
        name: sql::get(row, "name")?,
        formed_on: sql::get(row, "formed_on")?,
        lecturers: sql::get(row, "lecturers")?,
    })
}

pub async fn team<C: ConnectionTrait>(c: &C, scope: &Scope, id: i64) -> Result<Option<Team>> {
    let (low, high) = scope.bounds();
    let row = sql::one(c, &format!("{TEAM_SELECT} WHERE t.id = ? AND t.region BETWEEN ? AND ?"), vals![id, low, high]).await?;
    row.as_ref().map(team_from_row).transpose()
}

/// Teams in scope; of one centre when given.
pub async fn teams<C: ConnectionTrait>(c: &C, scope: &Scope, centre: Option<i64>, after: Option<&str>, limit: u64) -> Result<Page<Team>> {
    let (low, high) = scope.bounds();
    let mut cond = String::from(" WHERE t.region BETWEEN ? AND ?");
    let mut values: Vec<Value> = vals![low, high];
    if let Some(centre) = centre {
        cond.push_str(" AND t.centre = ?");
        values.push(centre.into());
    }
    let listing = Listing {
        select: TEAM_SELECT,
        from: "lecturer_teams t",
        alias: "t",
        from_row: team_from_row,
        key: |x: &Team| (x.region.padded(), x.id),
    };
    page_by_region(c, &listing, cond, values, after, limit).await
}

#[derive(Debug, Clone)]
pub struct NewTeam {
    pub name: String,
    pub formed_on: NaiveDate,
    pub created_by: Option<i64>,
}

pub async fn insert_team(w: &mut Work, centre: &Centre, new: &NewTeam, now_ms: i64) -> Result<i64> {
    let id = next_id();
    sql::exec(
        &w.tx,
        "INSERT INTO lecturer_teams (id, centre, region, name, formed_on, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        vals![id, centre.id, centre.region.padded(), new.name.clone(), new.formed_on, new.created_by, now_ms, now_ms],
    )
    .await?;
    w.deltas.add(metric::EDU_TEAMS, &centre.region, new.formed_on, 1);
    Ok(id)
}

// ---------------------------------------------------------------------------------------------
// Lecturers
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Serialize)]
pub struct Lecturer {
    pub id: i64,
    pub team: i64,
    pub team_name: String,
    pub region: RegionCode,
    pub region_name: String,
    pub name: String,
    pub speciality: String,
    pub joined_on: NaiveDate,
    pub left_on: Option<NaiveDate>,
}

const LECTURER_SELECT: &str = "SELECT l.id, l.team, t.name AS team_name, l.region, r.name AS region_name, l.name, l.speciality, l.joined_on, l.left_on \
     FROM lecturers l JOIN lecturer_teams t ON t.id = l.team JOIN regions r ON r.code = l.region";

fn lecturer_from_row(row: &QueryResult) -> Result<Lecturer> {
    Ok(Lecturer {
        id: sql::get(row, "id")?,
        team: sql::get(row, "team")?,
        team_name: sql::get(row, "team_name")?,
        region: region_of_row(row, "region")?,
        region_name: sql::get(row, "region_name")?,
        name: sql::get(row, "name")?,
        speciality: sql::get(row, "speciality")?,
        joined_on: sql::get(row, "joined_on")?,
        left_on: sql::get(row, "left_on")?,
    })
}

pub async fn lecturer<C: ConnectionTrait>(c: &C, scope: &Scope, id: i64) -> Result<Option<Lecturer>> {
    let (low, high) = scope.bounds();
    let row = sql::one(c, &format!("{LECTURER_SELECT} WHERE l.id = ? AND l.region BETWEEN ? AND ?"), vals![id, low, high]).await?;
    row.as_ref().map(lecturer_from_row).transpose()
}

/// Lecturers in scope; of one team when given; current ones only when `current`.
pub async fn lecturers<C: ConnectionTrait>(
    c: &C,
    scope: &Scope,
    team: Option<i64>,
    current: bool,
    after: Option<&str>,
    limit: u64,
) -> Result<Page<Lecturer>> {
    let (low, high) = scope.bounds();
    let mut cond = String::from(" WHERE l.region BETWEEN ? AND ?");
    let mut values: Vec<Value> = vals![low, high];
    if let Some(team) = team {
        cond.push_str(" AND l.team = ?");
        values.push(team.into());
    }
    if current {
        cond.push_str(" AND l.left_on IS NULL");
    }
    let listing = Listing {
        select: LECTURER_SELECT,
        from: "lecturers l",
        alias: "l",
        from_row: lecturer_from_row,
        key: |x: &Lecturer| (x.region.padded(), x.id),
    };
    page_by_region(c, &listing, cond, values, after, limit).await
}

#[derive(Debug, Clone)]
pub struct NewLecturer {
    pub name: String,
    pub speciality: String,
    pub joined_on: NaiveDate,
    pub created_by: Option<i64>,
}

pub async fn insert_lecturer(w: &mut Work, team: &Team, new: &NewLecturer, now_ms: i64) -> Result<i64> {
    let id = next_id();
    sql::exec(
        &w.tx,
        "INSERT INTO lecturers (id, team, region, name, speciality, joined_on, left_on, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, NULL, ?, ?, ?)",
        vals![id, team.id, team.region.padded(), new.name.clone(), new.speciality.clone(), new.joined_on, new.created_by, now_ms, now_ms],
    )
    .await?;
    w.deltas.add(metric::EDU_LECTURERS, &team.region, new.joined_on, 1);
    Ok(id)
}

/// A lecturer leaves her team on `day`; false when she had already left.
pub async fn leave(w: &mut Work, l: &Lecturer, day: NaiveDate, now_ms: i64) -> Result<bool> {
    let n = sql::exec(&w.tx, "UPDATE lecturers SET left_on = ?, updated_at = ? WHERE id = ? AND left_on IS NULL", vals![day, now_ms, l.id])
        .await?;
    if n == 1 {
        w.deltas.add(metric::EDU_LECTURERS, &l.region, day, -1);
    }
    Ok(n == 1)
}

/// Current lecturers who may serve `region`: those of teams in `scope`, and those of teams at
/// `region`'s ancestors (a city lecturer speaks in every village of the city). By name.
pub async fn available<C: ConnectionTrait>(c: &C, scope: &Scope, region: &RegionCode) -> Result<Vec<Lecturer>> {
    let (low, high) = scope.bounds();
    let lineage: Vec<String> = region.lineage().iter().map(RegionCode::padded).collect();
    let marks = vec!["?"; lineage.len()].join(", ");
    let mut values: Vec<Value> = vals![low, high];
    values.extend(lineage.into_iter().map(Value::from));
    let rows = sql::all(
        c,
        &format!("{LECTURER_SELECT} WHERE l.left_on IS NULL AND (l.region BETWEEN ? AND ? OR l.region IN ({marks})) ORDER BY l.region, l.name, l.id LIMIT 500"),
        values,
    )
    .await?;
    rows.iter().map(lecturer_from_row).collect()
}

/// A lecturer whatever the scope (the caller decides whether she may serve the region).
pub async fn lecturer_anywhere<C: ConnectionTrait>(c: &C, id: i64) -> Result<Option<Lecturer>> {
    lecturer(c, &Scope::everything(), id).await
}
