//! Objections (异议) raised during a public notice, and the staff's answers: an upheld objection
//! withdraws the nominee (the app moves the nomination), a dismissed one leaves it on the list.

use chrono::NaiveDate;
use jinguo_domain::RegionCode;
use jinguo_domain::insight::metric;
use sea_orm::{ConnectionTrait, QueryResult};
use serde::Serialize;

use crate::ids::next_id;
use crate::org::federations::region_of_row;
use crate::{Result, Work, sql, vals};

#[derive(Debug, Clone, Serialize)]
pub struct Objection {
    pub id: i64,
    pub campaign: i64,
    pub nomination: i64,
    pub family_name: String,
    pub region: RegionCode,
    pub account: Option<i64>,
    pub raised_by: String,
    pub text: String,
    pub raised_on: NaiveDate,
    /// open | upheld | dismissed
    pub status: String,
    pub answer: String,
}

const SELECT: &str = "SELECT o.id, o.campaign, o.nomination, f.name AS family_name, o.region, o.account, o.raised_by, o.text, o.raised_on, \
     o.status, o.answer FROM award_objections o JOIN award_nominations n ON n.id = o.nomination JOIN families f ON f.id = n.family";

fn from_row(r: &QueryResult) -> Result<Objection> {
    Ok(Objection {
        id: sql::get(r, "id")?,
        campaign: sql::get(r, "campaign")?,
        nomination: sql::get(r, "nomination")?,
        family_name: sql::get(r, "family_name")?,
        region: region_of_row(r, "region")?,
        account: sql::get(r, "account")?,
        raised_by: sql::get(r, "raised_by")?,
        text: sql::get(r, "text")?,
        raised_on: sql::get(r, "raised_on")?,
        status: sql::get(r, "status")?,
        answer: sql::get(r, "answer")?,
    })
}

pub async fn get<C: ConnectionTrait>(c: &C, id: i64) -> Result<Option<Objection>> {
    let row = sql::one(c, &format!("{SELECT} WHERE o.id = ?"), vals![id]).await?;
    row.as_ref().map(from_row).transpose()
}

/// A campaign's objections, the open ones first.
pub async fn of_campaign<C: ConnectionTrait>(c: &C, campaign: i64) -> Result<Vec<Objection>> {
    let rows = sql::all(
        c,
        &format!("{SELECT} WHERE o.campaign = ? ORDER BY CASE WHEN o.status = 'open' THEN 0 ELSE 1 END, o.id LIMIT 1000"),
        vals![campaign],
    )
    .await?;
    rows.iter().map(from_row).collect()
}

/// Objections raised about one nominee.
pub async fn of_nomination<C: ConnectionTrait>(c: &C, nomination: i64) -> Result<Vec<Objection>> {
    let rows = sql::all(c, &format!("{SELECT} WHERE o.nomination = ? ORDER BY o.id"), vals![nomination]).await?;
    rows.iter().map(from_row).collect()
}

#[derive(Debug, Clone)]
pub struct NewObjection {
    pub campaign: i64,
    pub nomination: i64,
    pub region: RegionCode,
    pub account: Option<i64>,
    pub raised_by: String,
    pub text: String,
    pub raised_on: NaiveDate,
}

pub async fn insert(w: &mut Work, o: &NewObjection, now_ms: i64) -> Result<i64> {
    let id = next_id();
    sql::exec(
        &w.tx,
        "INSERT INTO award_objections (id, campaign, nomination, region, account, raised_by, text, raised_on, status, answer, answered_by, answered_at, created_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'open', '', NULL, NULL, ?)",
        vals![id, o.campaign, o.nomination, o.region.padded(), o.account, o.raised_by.clone(), o.text.clone(), o.raised_on, now_ms],
    )
    .await?;
    w.deltas.add(metric::AWARD_OBJECTIONS, &o.region, o.raised_on, 1);
    Ok(id)
}

/// Answers an open objection; false when it was already answered.
pub async fn answer(w: &mut Work, o: &Objection, upheld: bool, answer: &str, by: Option<i64>, day: NaiveDate, now_ms: i64) -> Result<bool> {
    let status = if upheld { "upheld" } else { "dismissed" };
    let n = sql::exec(
        &w.tx,
        "UPDATE award_objections SET status = ?, answer = ?, answered_by = ?, answered_at = ? WHERE id = ? AND status = 'open'",
        vals![status, answer.to_owned(), by, now_ms, o.id],
    )
    .await?;
    if n == 1 && upheld {
        w.deltas.add(metric::AWARD_OBJECTIONS_UPHELD, &o.region, day, 1);
    }
    Ok(n == 1)
}

/// Open objections of a campaign (finalising waits for them).
pub async fn open_count<C: ConnectionTrait>(c: &C, campaign: i64) -> Result<i64> {
    sql::scalar(c, "SELECT COUNT(*) FROM award_objections WHERE campaign = ? AND status = 'open'", vals![campaign]).await
}
