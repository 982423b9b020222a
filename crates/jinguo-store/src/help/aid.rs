//! Aid records (救助): living aid, medical aid, education aid for her children, other aid, each
//! with the day it was given, the amount in whole fen and where the money came from. Counts and
//! amounts, in total and by kind, are flows on the aid date.

use chrono::NaiveDate;
use jinguo_domain::RegionCode;
use jinguo_domain::help::{AidKind, Fen};
use jinguo_domain::insight::metric;
use sea_orm::{ConnectionTrait, QueryResult, Value};
use serde::Serialize;

use crate::ids::next_id;
use crate::org::federations::region_of_row;
use crate::{Page, Result, Scope, Work, sql, vals};

#[derive(Debug, Clone, Serialize)]
pub struct Aid {
    pub id: i64,
    pub person: i64,
    pub person_name: String,
    pub region: RegionCode,
    pub region_name: String,
    pub kind: AidKind,
    pub given_on: NaiveDate,
    pub amount: Fen,
    pub source: String,
    pub note: String,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct Filter {
    pub person: Option<i64>,
    pub kind: Option<AidKind>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

const SELECT: &str = "SELECT a.id, a.person, p.name AS person_name, a.region, r.name AS region_name, a.kind, a.given_on, a.amount_fen, \
     a.source, a.note FROM aid a JOIN people p ON p.id = a.person JOIN regions r ON r.code = a.region";

fn from_row(row: &QueryResult) -> Result<Aid> {
    let kind: String = sql::get(row, "kind")?;
    Ok(Aid {
        id: sql::get(row, "id")?,
        person: sql::get(row, "person")?,
        person_name: sql::get(row, "person_name")?,
        region: region_of_row(row, "region")?,
        region_name: sql::get(row, "region_name")?,
        kind: AidKind::parse(&kind).unwrap_or(AidKind::Other),
        given_on: sql::get(row, "given_on")?,
        amount: Fen(sql::get(row, "amount_fen")?),
        source: sql::get(row, "source")?,
        note: sql::get(row, "note")?,
    })
}

pub async fn get<C: ConnectionTrait>(c: &C, scope: &Scope, id: i64) -> Result<Option<Aid>> {
    let (low, high) = scope.bounds();
    let row = sql::one(c, &format!("{SELECT} WHERE a.id = ? AND a.region BETWEEN ? AND ?"), vals![id, low, high]).await?;
    row.as_ref().map(from_row).transpose()
}

/// Aid in scope, the latest given first (cursor `given_on.id`).
pub async fn list<C: ConnectionTrait>(c: &C, scope: &Scope, filter: Filter, after: Option<&str>, limit: u64) -> Result<Page<Aid>> {
    let (low, high) = scope.bounds();
    let mut cond = String::from(" WHERE a.region BETWEEN ? AND ?");
    let mut values: Vec<Value> = vals![low, high];
    if let Some(p) = filter.person {
        cond.push_str(" AND a.person = ?");
        values.push(p.into());
    }
    if let Some(k) = filter.kind {
        cond.push_str(" AND a.kind = ?");
        values.push(k.code().into());
    }
    if let Some(d) = filter.from {
        cond.push_str(" AND a.given_on >= ?");
        values.push(d.into());
    }
    if let Some(d) = filter.to {
        cond.push_str(" AND a.given_on <= ?");
        values.push(d.into());
    }
    let total: i64 = sql::scalar(c, &format!("SELECT COUNT(*) FROM aid a{cond}"), values.clone()).await?;
    if let Some((day, id)) = after.and_then(|s| {
        let (d, i) = s.split_once('.')?;
        Some((jinguo_domain::insight::parse_date(d)?, i.parse::<i64>().ok()?))
    }) {
        cond.push_str(" AND (a.given_on < ? OR (a.given_on = ? AND a.id < ?))");
        values.extend([day.into(), day.into(), id.into()]);
    }
    values.push((limit as i64 + 1).into());
    let rows = sql::all(c, &format!("{SELECT}{cond} ORDER BY a.given_on DESC, a.id DESC LIMIT ?"), values).await?;
    let mut items = rows.iter().map(from_row).collect::<Result<Vec<_>>>()?;
    let next = if items.len() as u64 > limit {
        items.truncate(limit as usize);
        items.last().map(|a| format!("{}.{}", a.given_on, a.id))
    } else {
        None
    };
    Ok(Page { items, total, next })
}

#[derive(Debug, Clone)]
pub struct NewAid {
    pub person: i64,
    pub region: RegionCode,
    pub kind: AidKind,
    pub given_on: NaiveDate,
    pub amount: Fen,
    pub source: String,
    pub note: String,
    pub created_by: Option<i64>,
}

pub async fn insert(w: &mut Work, new: &NewAid, now_ms: i64) -> Result<i64> {
    let id = next_id();
    sql::exec(
        &w.tx,
        "INSERT INTO aid (id, person, region, kind, given_on, amount_fen, source, note, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        vals![
            id,
            new.person,
            new.region.padded(),
            new.kind.code(),
            new.given_on,
            new.amount.fen(),
            new.source.clone(),
            new.note.clone(),
            new.created_by,
            now_ms
        ],
    )
    .await?;
    let (day, fen) = (new.given_on, new.amount.fen());
    w.deltas.add(metric::HELP_AID, &new.region, day, 1);
    w.deltas.add(metric::HELP_AID_AMOUNT, &new.region, day, fen);
    w.deltas.add(&metric::aid_of_kind(new.kind), &new.region, day, 1);
    w.deltas.add(&metric::aid_amount_of_kind(new.kind), &new.region, day, fen);
    Ok(id)
}

/// Raw count and amount (fen) of aid in scope given in `from..=to`, of one kind or all: the
/// check on the roll-ups.
pub async fn scan_totals<C: ConnectionTrait>(
    c: &C,
    scope: &Scope,
    kind: Option<AidKind>,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<(i64, i64)> {
    let (low, high) = scope.bounds();
    let mut text = String::from(
        "SELECT COUNT(*) AS n, CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT) AS fen FROM aid WHERE region BETWEEN ? AND ? AND given_on BETWEEN ? AND ?",
    );
    let mut values: Vec<Value> = vals![low, high, from, to];
    if let Some(k) = kind {
        text.push_str(" AND kind = ?");
        values.push(k.code().into());
    }
    let row = sql::one(c, &text, values).await?.ok_or(crate::StoreError::NotFound)?;
    Ok((sql::get(&row, "n")?, sql::get(&row, "fen")?))
}
