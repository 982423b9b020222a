//! Parents' consultations (家长咨询): asked by a public account about a region (where she lives),
//! assigned by staff to a lecturer, answered, and rated once by the parent who asked. Each step
//! is a conditional UPDATE (`… WHERE answered_at IS NULL`, `… WHERE rating IS NULL AND account = ?`),
//! so two clicks or two officers racing never answer or rate twice. Asked, answered, rated and
//! rated-满意 are flows on the day of each step, in the consultation's region.

use chrono::NaiveDate;
use jinguo_domain::RegionCode;
use jinguo_domain::education::{AgeGroup, ConsultationStatus, Rating};
use jinguo_domain::insight::metric;
use sea_orm::{ConnectionTrait, QueryResult, Value};
use serde::Serialize;

use crate::ids::next_id;
use crate::org::federations::region_of_row;
use crate::{Page, Result, Scope, StoreError, Work, sql, vals};

#[derive(Debug, Clone, Serialize)]
pub struct Consultation {
    pub id: i64,
    pub account: i64,
    pub region: RegionCode,
    pub region_name: String,
    pub age_group: AgeGroup,
    pub question: String,
    pub asked_at: i64,
    pub lecturer: Option<i64>,
    pub lecturer_name: Option<String>,
    pub assigned_at: Option<i64>,
    pub answer: String,
    pub answered_at: Option<i64>,
    pub rating: Option<Rating>,
    pub rated_at: Option<i64>,
}

impl Consultation {
    pub fn status(&self) -> ConsultationStatus {
        ConsultationStatus::of(self.lecturer.is_some(), self.answered_at.is_some(), self.rating.is_some())
    }

    /// How long the parent has waited for an answer (until it came, or until `now_ms`).
    pub fn waited_ms(&self, now_ms: i64) -> i64 {
        self.answered_at.unwrap_or(now_ms) - self.asked_at
    }
}

const SELECT: &str = "SELECT q.id, q.account, q.region, r.name AS region_name, q.age_group, q.question, q.asked_at, q.lecturer, \
     l.name AS lecturer_name, q.assigned_at, q.answer, q.answered_at, q.rating, q.rated_at \
     FROM consultations q JOIN regions r ON r.code = q.region LEFT JOIN lecturers l ON l.id = q.lecturer";

fn from_row(row: &QueryResult) -> Result<Consultation> {
    let bad = |e: jinguo_domain::Invalid| StoreError::Other(e.summary());
    let age: String = sql::get(row, "age_group")?;
    let rating: Option<String> = sql::get(row, "rating")?;
    Ok(Consultation {
        id: sql::get(row, "id")?,
        account: sql::get(row, "account")?,
        region: region_of_row(row, "region")?,
        region_name: sql::get(row, "region_name")?,
        age_group: AgeGroup::parse(&age).map_err(bad)?,
        question: sql::get(row, "question")?,
        asked_at: sql::get(row, "asked_at")?,
        lecturer: sql::get(row, "lecturer")?,
        lecturer_name: sql::get(row, "lecturer_name")?,
        assigned_at: sql::get(row, "assigned_at")?,
        answer: sql::get(row, "answer")?,
        answered_at: sql::get(row, "answered_at")?,
        rating: rating.as_deref().map(Rating::parse).transpose().map_err(bad)?,
        rated_at: sql::get(row, "rated_at")?,
    })
}

/// A consultation in a staff scope.
pub async fn get<C: ConnectionTrait>(c: &C, scope: &Scope, id: i64) -> Result<Option<Consultation>> {
    let (low, high) = scope.bounds();
    let row = sql::one(c, &format!("{SELECT} WHERE q.id = ? AND q.region BETWEEN ? AND ?"), vals![id, low, high]).await?;
    row.as_ref().map(from_row).transpose()
}

/// A consultation of one public account: she sees only her own.
pub async fn of_account<C: ConnectionTrait>(c: &C, account: i64, id: i64) -> Result<Option<Consultation>> {
    let row = sql::one(c, &format!("{SELECT} WHERE q.id = ? AND q.account = ?"), vals![id, account]).await?;
    row.as_ref().map(from_row).transpose()
}

/// Her consultations, the latest first (a parent asks a handful; capped at `limit`).
pub async fn list_of_account<C: ConnectionTrait>(c: &C, account: i64, limit: u64) -> Result<Vec<Consultation>> {
    let rows =
        sql::all(c, &format!("{SELECT} WHERE q.account = ? ORDER BY q.asked_at DESC, q.id DESC LIMIT ?"), vals![account, limit as i64])
            .await?;
    rows.iter().map(from_row).collect()
}

/// The staff queue in scope, the longest waiting first; `open` keeps the unanswered only. The
/// cursor is `asked_at.id` of the last one shown.
pub async fn queue<C: ConnectionTrait>(c: &C, scope: &Scope, open: bool, after: Option<&str>, limit: u64) -> Result<Page<Consultation>> {
    let (low, high) = scope.bounds();
    let mut cond = String::from(" WHERE q.region BETWEEN ? AND ?");
    let mut values: Vec<Value> = vals![low, high];
    if open {
        cond.push_str(" AND q.answered_at IS NULL");
    }
    let total: i64 = sql::scalar(c, &format!("SELECT COUNT(*) FROM consultations q{cond}"), values.clone()).await?;
    if let Some((at, id)) = after.and_then(|a| a.split_once('.')).and_then(|(a, i)| Some((a.parse::<i64>().ok()?, i.parse::<i64>().ok()?)))
    {
        cond.push_str(" AND (q.asked_at > ? OR (q.asked_at = ? AND q.id > ?))");
        values.extend([at.into(), at.into(), id.into()]);
    }
    values.push((limit as i64 + 1).into());
    let rows = sql::all(c, &format!("{SELECT}{cond} ORDER BY q.asked_at, q.id LIMIT ?"), values).await?;
    let mut items = rows.iter().map(from_row).collect::<Result<Vec<_>>>()?;
    let next = if items.len() as u64 > limit {
        items.truncate(limit as usize);
        items.last().map(|q| format!("{}.{}", q.asked_at, q.id))
    } else {
        None
    };
    Ok(Page { items, total, next })
}

#[derive(Debug, Clone)]
pub struct NewConsultation {
    pub account: i64,
    pub region: RegionCode,
    pub age_group: AgeGroup,
    pub question: String,
}

pub async fn insert(w: &mut Work, new: &NewConsultation, day: NaiveDate, now_ms: i64) -> Result<i64> {
    let id = next_id();
    sql::exec(
        &w.tx,
        "INSERT INTO consultations (id, account, region, age_group, question, asked_at, answer) VALUES (?, ?, ?, ?, ?, ?, '')",
        vals![id, new.account, new.region.padded(), new.age_group.code(), new.question.clone(), now_ms],
    )
    .await?;
    w.deltas.add(metric::SCHOOL_ASKED, &new.region, day, 1);
    Ok(id)
}

/// Assigns (or reassigns) an unanswered consultation to a lecturer; false once answered.
pub async fn assign(w: &mut Work, q: &Consultation, lecturer: i64, by: Option<i64>, now_ms: i64) -> Result<bool> {
    let n = sql::exec(
        &w.tx,
        "UPDATE consultations SET lecturer = ?, assigned_by = ?, assigned_at = ? WHERE id = ? AND answered_at IS NULL",
        vals![lecturer, by, now_ms, q.id],
    )
    .await?;
    Ok(n == 1)
}

/// Records the assigned lecturer's answer; false when it was already answered or not assigned.
pub async fn answer(w: &mut Work, q: &Consultation, text: &str, by: Option<i64>, day: NaiveDate, now_ms: i64) -> Result<bool> {
    let n = sql::exec(
        &w.tx,
        "UPDATE consultations SET answer = ?, answered_by = ?, answered_at = ? WHERE id = ? AND answered_at IS NULL AND lecturer IS NOT NULL",
        vals![text, by, now_ms, q.id],
    )
    .await?;
    if n == 1 {
        w.deltas.add(metric::SCHOOL_ANSWERED, &q.region, day, 1);
    }
    Ok(n == 1)
}

/// The asker rates the answer, once; false when it is not hers, not answered, or already rated.
pub async fn rate(w: &mut Work, q: &Consultation, account: i64, rating: Rating, day: NaiveDate, now_ms: i64) -> Result<bool> {
    let n = sql::exec(
        &w.tx,
        "UPDATE consultations SET rating = ?, rated_at = ? WHERE id = ? AND account = ? AND answered_at IS NOT NULL AND rating IS NULL",
        vals![rating.code(), now_ms, q.id, account],
    )
    .await?;
    if n == 1 {
        w.deltas.add(metric::SCHOOL_RATED, &q.region, day, 1);
        if rating == Rating::Good {
            w.deltas.add(metric::SCHOOL_GOOD, &q.region, day, 1);
        }
    }
    Ok(n == 1)
}
