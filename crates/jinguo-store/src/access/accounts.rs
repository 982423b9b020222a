//! Staff accounts: one per person, bound to one federation (and so to its region subtree).

use std::sync::LazyLock;

use jinguo_domain::RegionCode;
use jinguo_domain::access::Role;
use sea_orm::{ConnectionTrait, Value};
use serde::Serialize;

use crate::ids::next_id;
use crate::org::federations::region_of_row;
use crate::{Db, Page, Result, Scope, Work, inline, sql, vals};

#[derive(Debug, Clone, Serialize)]
pub struct Account {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub federation: i64,
    pub federation_name: String,
    pub region: RegionCode,
    pub role: Role,
    #[serde(skip)]
    pub password_hash: String,
    /// The sealed TOTP secret; set once the second factor is enrolled.
    #[serde(skip)]
    pub totp_secret: Option<String>,
    pub failed_logins: i64,
    pub locked_until: Option<i64>,
    pub disabled: bool,
    pub password_changed_at: i64,
    pub created_at: i64,
}

#[derive(Debug, Clone)]
pub struct NewAccount {
    pub username: String,
    pub display_name: String,
    pub federation: i64,
    pub role: Role,
    pub password_hash: String,
}

const SELECT: &str = "SELECT a.id, a.username, a.display_name, a.federation, f.name AS federation_name, f.region, a.role, a.password_hash, \
     a.totp_secret, a.failed_logins, a.locked_until, a.disabled, a.password_changed_at, a.created_at \
     FROM accounts a JOIN federations f ON f.id = a.federation";

fn from_row(row: &impl sql::Row) -> Result<Account> {
    let role: String = sql::get(row, "role")?;
    Ok(Account {
        id: sql::get(row, "id")?,
        username: sql::get(row, "username")?,
        display_name: sql::get(row, "display_name")?,
        federation: sql::get(row, "federation")?,
        federation_name: sql::get(row, "federation_name")?,
        region: region_of_row(row, "region")?,
        role: Role::parse(&role).map_err(|e| crate::StoreError::Other(e.summary()))?,
        password_hash: sql::get(row, "password_hash")?,
        totp_secret: sql::get(row, "totp_secret")?,
        failed_logins: sql::get(row, "failed_logins")?,
        locked_until: sql::get(row, "locked_until")?,
        disabled: sql::get(row, "disabled")?,
        password_changed_at: sql::get(row, "password_changed_at")?,
        created_at: sql::get(row, "created_at")?,
    })
}

pub async fn by_username<C: ConnectionTrait>(c: &C, username: &str) -> Result<Option<Account>> {
    let row = sql::one(c, &format!("{SELECT} WHERE a.username = ?"), vals![username.to_owned()]).await?;
    row.as_ref().map(from_row).transpose()
}

/// A session and its account in one statement: what every authenticated request reads, by
/// key, so on SQLite inline (ADR 0016).
pub async fn by_session(db: &Db, session: &str) -> Result<Option<(super::sessions::Session, Account)>> {
    static QUERY: LazyLock<String> = LazyLock::new(|| {
        format!(
            "{SELECT} JOIN sessions s ON s.account = a.id WHERE s.id = ?",
            SELECT = SELECT.replacen(
                "SELECT ",
                "SELECT s.id AS session_id, s.csrf AS session_csrf, s.stage AS session_stage, \
                 s.created_at AS session_created_at, s.last_seen AS session_last_seen, ",
                1
            )
        )
    });
    let query = QUERY.as_str();
    let values = vals![session.to_owned()];
    if let Some(read) = db.read_inline(|c| inline::one(c, query, &values, |r| session_of_row(r))) {
        return read;
    }
    sql::one(db.reader(), query, values).await?.as_ref().map(session_of_row).transpose()
}

fn session_of_row(r: &impl sql::Row) -> Result<(super::sessions::Session, Account)> {
    let account = from_row(r)?;
    let session = super::sessions::Session {
        id: sql::get(r, "session_id")?,
        account: account.id,
        csrf: sql::get(r, "session_csrf")?,
        stage: sql::get(r, "session_stage")?,
        created_at: sql::get(r, "session_created_at")?,
        last_seen: sql::get(r, "session_last_seen")?,
    };
    Ok((session, account))
}

pub async fn by_id<C: ConnectionTrait>(c: &C, id: i64) -> Result<Option<Account>> {
    let row = sql::one(c, &format!("{SELECT} WHERE a.id = ?"), vals![id]).await?;
    row.as_ref().map(from_row).transpose()
}

/// Accounts whose federation lies in `scope`, by username.
pub async fn list<C: ConnectionTrait>(c: &C, scope: &Scope, q: Option<&str>, after: Option<&str>, limit: u64) -> Result<Page<Account>> {
    let (low, high) = scope.bounds();
    let mut cond = String::from(" WHERE f.region BETWEEN ? AND ?");
    let mut values: Vec<Value> = vals![low, high];
    if let Some(q) = q.map(str::trim).filter(|q| !q.is_empty()) {
        cond.push_str(" AND (a.username LIKE ? ESCAPE '\\' OR a.display_name LIKE ? ESCAPE '\\')");
        let p = format!("%{}%", sql::like_literal(q));
        values.extend([p.clone().into(), p.into()]);
    }
    let total: i64 =
        sql::scalar(c, &format!("SELECT COUNT(*) FROM accounts a JOIN federations f ON f.id = a.federation{cond}"), values.clone()).await?;
    if let Some(after) = after {
        cond.push_str(" AND a.username > ?");
        values.push(after.to_owned().into());
    }
    values.push((limit as i64 + 1).into());
    let rows = sql::all(c, &format!("{SELECT}{cond} ORDER BY a.username LIMIT ?"), values).await?;
    let mut items = rows.iter().map(from_row).collect::<Result<Vec<_>>>()?;
    let next = if items.len() as u64 > limit {
        items.truncate(limit as usize);
        items.last().map(|a| a.username.clone())
    } else {
        None
    };
    Ok(Page { items, total, next })
}

pub async fn insert(w: &mut Work, new: &NewAccount, now_ms: i64) -> Result<i64> {
    let id = next_id();
    sql::write(
        &w.tx,
        "INSERT INTO accounts (id, username, display_name, federation, role, password_hash, totp_secret, failed_logins, locked_until, disabled, password_changed_at, created_at, updated_at) \
         VALUES (?, ?, ?, ?, ?, ?, NULL, 0, NULL, FALSE, ?, ?, ?)",
        vals![id, new.username.clone(), new.display_name.clone(), new.federation, new.role.code(), new.password_hash.clone(), now_ms, now_ms, now_ms],
        "用户名已被使用",
    )
    .await?;
    Ok(id)
}

/// Counts a failed login; locks the account until `lock_until` when `lock_until` is given.
pub async fn record_failure<C: ConnectionTrait>(c: &C, id: i64, lock_until: Option<i64>, now_ms: i64) -> Result<()> {
    sql::exec(
        c,
        "UPDATE accounts SET failed_logins = failed_logins + 1, locked_until = COALESCE(?, locked_until), updated_at = ? WHERE id = ?",
        vals![lock_until, now_ms, id],
    )
    .await?;
    Ok(())
}

pub async fn record_success<C: ConnectionTrait>(c: &C, id: i64, now_ms: i64) -> Result<()> {
    sql::exec(c, "UPDATE accounts SET failed_logins = 0, locked_until = NULL, updated_at = ? WHERE id = ?", vals![now_ms, id]).await?;
    Ok(())
}

pub async fn set_password<C: ConnectionTrait>(c: &C, id: i64, hash: &str, now_ms: i64) -> Result<()> {
    sql::exec(
        c,
        "UPDATE accounts SET password_hash = ?, password_changed_at = ?, updated_at = ? WHERE id = ?",
        vals![hash.to_owned(), now_ms, now_ms, id],
    )
    .await?;
    Ok(())
}

pub async fn set_disabled<C: ConnectionTrait>(c: &C, id: i64, disabled: bool, now_ms: i64) -> Result<()> {
    sql::exec(c, "UPDATE accounts SET disabled = ?, updated_at = ? WHERE id = ?", vals![disabled, now_ms, id]).await?;
    Ok(())
}

pub async fn set_totp<C: ConnectionTrait>(c: &C, id: i64, sealed: Option<String>, now_ms: i64) -> Result<()> {
    sql::exec(c, "UPDATE accounts SET totp_secret = ?, updated_at = ? WHERE id = ?", vals![sealed, now_ms, id]).await?;
    Ok(())
}

pub async fn unlock<C: ConnectionTrait>(c: &C, id: i64, now_ms: i64) -> Result<()> {
    record_success(c, id, now_ms).await
}

pub async fn count<C: ConnectionTrait>(c: &C) -> Result<i64> {
    sql::scalar(c, "SELECT COUNT(*) FROM accounts", vec![]).await
}
