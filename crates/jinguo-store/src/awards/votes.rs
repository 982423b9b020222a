//! The public vote (网络投票): one vote per public account per nominee per day (a unique index),
//! and the counts the app's rate limit and burst checks read. A flagged vote is kept but not
//! counted until an officer clears it (or rejects it).

use chrono::NaiveDate;
use sea_orm::{ConnectionTrait, QueryResult};
use serde::Serialize;

use crate::ids::next_id;
use crate::{Result, Work, sql, vals};

#[derive(Debug, Clone)]
pub struct NewVote {
    pub campaign: i64,
    pub nomination: i64,
    pub account: i64,
    pub day: NaiveDate,
    pub ip: String,
    /// Empty when counted; else why it was flagged.
    pub flag_reason: String,
}

/// Records a vote; a second vote of the account for the nominee on the same day is a conflict.
pub async fn insert(w: &Work, v: &NewVote, now_ms: i64) -> Result<i64> {
    let id = next_id();
    let status = if v.flag_reason.is_empty() { "counted" } else { "flagged" };
    sql::write(
        &w.tx,
        "INSERT INTO award_votes (id, campaign, nomination, account, day, ip, status, flag_reason, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        vals![id, v.campaign, v.nomination, v.account, v.day, v.ip.clone(), status, v.flag_reason.clone(), now_ms],
        "您今天已为TA投过票，明天再来吧",
    )
    .await?;
    Ok(id)
}

/// Votes an account cast since `since_ms` (the rate limit).
pub async fn by_account_since<C: ConnectionTrait>(c: &C, account: i64, since_ms: i64) -> Result<i64> {
    sql::scalar(c, "SELECT COUNT(*) FROM award_votes WHERE account = ? AND at >= ?", vals![account, since_ms]).await
}

/// Votes for a nominee since `since_ms` from one IP address.
pub async fn from_ip_since<C: ConnectionTrait>(c: &C, nomination: i64, ip: &str, since_ms: i64) -> Result<i64> {
    sql::scalar(
        c,
        "SELECT COUNT(*) FROM award_votes WHERE nomination = ? AND ip = ? AND at >= ?",
        vals![nomination, ip.to_owned(), since_ms],
    )
    .await
}

/// Votes for a nominee since `since_ms` from accounts created after `fresh_after_ms`.
pub async fn fresh_since<C: ConnectionTrait>(c: &C, nomination: i64, since_ms: i64, fresh_after_ms: i64) -> Result<i64> {
    sql::scalar(
        c,
        "SELECT COUNT(*) FROM award_votes v JOIN public_accounts a ON a.id = v.account WHERE v.nomination = ? AND v.at >= ? AND a.created_at > ?",
        vals![nomination, since_ms, fresh_after_ms],
    )
    .await
}

#[derive(Debug, Clone, Serialize)]
pub struct FlaggedVote {
    pub id: i64,
    pub nomination: i64,
    pub account: i64,
    pub day: NaiveDate,
    pub ip: String,
    pub flag_reason: String,
    pub at_ms: i64,
}

fn flagged_from_row(r: &QueryResult) -> Result<FlaggedVote> {
    Ok(FlaggedVote {
        id: sql::get(r, "id")?,
        nomination: sql::get(r, "nomination")?,
        account: sql::get(r, "account")?,
        day: sql::get(r, "day")?,
        ip: sql::get(r, "ip")?,
        flag_reason: sql::get(r, "flag_reason")?,
        at_ms: sql::get(r, "at")?,
    })
}

/// A nominee's votes waiting for an officer.
pub async fn flagged<C: ConnectionTrait>(c: &C, nomination: i64) -> Result<Vec<FlaggedVote>> {
    let rows = sql::all(
        c,
        "SELECT id, nomination, account, day, ip, flag_reason, at FROM award_votes WHERE nomination = ? AND status = 'flagged' ORDER BY at, id LIMIT 1000",
        vals![nomination],
    )
    .await?;
    rows.iter().map(flagged_from_row).collect()
}

/// Clears (counts) or rejects a nominee's flagged votes; the number changed.
pub async fn settle_flagged(w: &Work, nomination: i64, count_them: bool) -> Result<u64> {
    let to = if count_them { "cleared" } else { "rejected" };
    sql::exec(&w.tx, "UPDATE award_votes SET status = ? WHERE nomination = ? AND status = 'flagged'", vals![to, nomination]).await
}

/// The raw count of a nominee's votes by status: the check on what the lists show.
pub async fn count<C: ConnectionTrait>(c: &C, nomination: i64, status: &str) -> Result<i64> {
    sql::scalar(c, "SELECT COUNT(*) FROM award_votes WHERE nomination = ? AND status = ?", vals![nomination, status.to_owned()]).await
}

/// When a public account was created, and whether it is disabled (None: no such account).
pub async fn public_account<C: ConnectionTrait>(c: &C, account: i64) -> Result<Option<(i64, bool)>> {
    let row = sql::one(c, "SELECT created_at, disabled FROM public_accounts WHERE id = ?", vals![account]).await?;
    row.as_ref().map(|r| Ok((sql::get(r, "created_at")?, sql::get(r, "disabled")?))).transpose()
}
