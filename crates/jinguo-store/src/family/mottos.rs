//! Family mottos (家风家训): submitted per family, approved or rejected by an officer, and shown
//! on the public wall once approved.

use jinguo_domain::RegionCode;
use jinguo_domain::family::MottoStatus;
use jinguo_domain::insight::metric;
use sea_orm::{ConnectionTrait, QueryResult, Value};
use serde::Serialize;

use crate::ids::next_id;
use crate::org::federations::region_of_row;
use crate::{Result, Scope, Work, sql, vals};

#[derive(Debug, Clone, Serialize)]
pub struct Motto {
    pub id: i64,
    pub family: i64,
    pub family_name: String,
    pub region: RegionCode,
    pub region_name: String,
    pub body: String,
    pub status: MottoStatus,
    pub review_note: String,
    pub created_at: i64,
}

const SELECT: &str = "SELECT m.id, m.family, f.name AS family_name, m.region, r.name AS region_name, m.body, m.status, m.review_note, m.created_at \
     FROM family_mottos m JOIN families f ON f.id = m.family JOIN regions r ON r.code = m.region";

fn from_row(r: &QueryResult) -> Result<Motto> {
    let status: String = sql::get(r, "status")?;
    Ok(Motto {
        id: sql::get(r, "id")?,
        family: sql::get(r, "family")?,
        family_name: sql::get(r, "family_name")?,
        region: region_of_row(r, "region")?,
        region_name: sql::get(r, "region_name")?,
        body: sql::get(r, "body")?,
        status: MottoStatus::from_code(&status).unwrap_or(MottoStatus::Pending),
        review_note: sql::get(r, "review_note")?,
        created_at: sql::get(r, "created_at")?,
    })
}

pub async fn get<C: ConnectionTrait>(c: &C, scope: &Scope, id: i64) -> Result<Option<Motto>> {
    let (low, high) = scope.bounds();
    let row = sql::one(c, &format!("{SELECT} WHERE m.id = ? AND m.region BETWEEN ? AND ?"), vals![id, low, high]).await?;
    row.as_ref().map(from_row).transpose()
}

/// Mottos in scope with a status (or all), newest first, at most `limit`.
pub async fn list<C: ConnectionTrait>(c: &C, scope: &Scope, status: Option<MottoStatus>, limit: u64) -> Result<Vec<Motto>> {
    let (low, high) = scope.bounds();
    let mut values: Vec<Value> = vals![low, high];
    let mut cond = String::from(" WHERE m.region BETWEEN ? AND ?");
    if let Some(s) = status {
        cond.push_str(" AND m.status = ?");
        values.push(s.code().into());
    }
    values.push((limit as i64).into());
    let rows = sql::all(c, &format!("{SELECT}{cond} ORDER BY m.id DESC LIMIT ?"), values).await?;
    rows.iter().map(from_row).collect()
}

pub async fn of_family<C: ConnectionTrait>(c: &C, family: i64) -> Result<Vec<Motto>> {
    let rows = sql::all(c, &format!("{SELECT} WHERE m.family = ? ORDER BY m.id DESC"), vals![family]).await?;
    rows.iter().map(from_row).collect()
}

pub async fn insert(
    w: &mut Work,
    family: i64,
    region: &RegionCode,
    body: &str,
    day: chrono::NaiveDate,
    by: Option<i64>,
    now_ms: i64,
) -> Result<i64> {
    let id = next_id();
    sql::exec(
        &w.tx,
        "INSERT INTO family_mottos (id, family, region, body, status, submitted_by, created_at) VALUES (?, ?, ?, ?, 'pending', ?, ?)",
        vals![id, family, region.padded(), body.to_owned(), by, now_ms],
    )
    .await?;
    w.deltas.add(metric::MOTTOS, region, day, 1);
    Ok(id)
}

/// Approves or rejects a pending motto. False when it was not pending.
pub async fn review(w: &mut Work, id: i64, status: MottoStatus, note: &str, by: Option<i64>, now_ms: i64) -> Result<bool> {
    let n = sql::exec(
        &w.tx,
        "UPDATE family_mottos SET status = ?, review_note = ?, reviewed_by = ?, reviewed_at = ? WHERE id = ? AND status = 'pending'",
        vals![status.code(), note.to_owned(), by, now_ms, id],
    )
    .await?;
    Ok(n == 1)
}
