//! Public accounts, their consents and sessions (migration 0010): the light accounts of the
//! public pages, kept apart from staff accounts. The phone arrives sealed and with its blind
//! index from the app layer, which holds the keys.

use sea_orm::{ConnectionTrait, QueryResult};

use crate::ids::next_id;
use crate::{Result, Work, sql, vals};

#[derive(Debug, Clone)]
pub struct PublicAccountRow {
    pub id: i64,
    pub phone_cipher: String,
    pub nickname: String,
    pub password_hash: String,
    pub failed_logins: i64,
    pub locked_until: Option<i64>,
    pub disabled: bool,
    pub created_at: i64,
}

const SELECT: &str =
    "SELECT id, phone_cipher, nickname, password_hash, failed_logins, locked_until, disabled, created_at FROM public_accounts";

fn from_row(r: &QueryResult) -> Result<PublicAccountRow> {
    Ok(PublicAccountRow {
        id: sql::get(r, "id")?,
        phone_cipher: sql::get(r, "phone_cipher")?,
        nickname: sql::get(r, "nickname")?,
        password_hash: sql::get(r, "password_hash")?,
        failed_logins: sql::get(r, "failed_logins")?,
        locked_until: sql::get(r, "locked_until")?,
        disabled: sql::get(r, "disabled")?,
        created_at: sql::get(r, "created_at")?,
    })
}

pub async fn by_phone_index<C: ConnectionTrait>(c: &C, phone_index: &str) -> Result<Option<PublicAccountRow>> {
    let row = sql::one(c, &format!("{SELECT} WHERE phone_index = ?"), vals![phone_index.to_owned()]).await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn by_id<C: ConnectionTrait>(c: &C, id: i64) -> Result<Option<PublicAccountRow>> {
    let row = sql::one(c, &format!("{SELECT} WHERE id = ?"), vals![id]).await?;
    row.as_ref().map(from_row).transpose()
}

/// A new account; a phone already registered is a conflict with a Chinese message.
pub struct NewPublicAccount<'a> {
    pub phone_cipher: &'a str,
    pub phone_index: &'a str,
    pub nickname: &'a str,
    pub password_hash: &'a str,
}

pub async fn insert(w: &mut Work, new: &NewPublicAccount<'_>, now_ms: i64) -> Result<i64> {
    let id = next_id();
    sql::write(
        &w.tx,
        "INSERT INTO public_accounts (id, phone_cipher, phone_index, nickname, password_hash, failed_logins, locked_until, disabled, created_at, updated_at) \
         VALUES (?, ?, ?, ?, ?, 0, NULL, FALSE, ?, ?)",
        vals![
            id,
            new.phone_cipher.to_owned(),
            new.phone_index.to_owned(),
            new.nickname.to_owned(),
            new.password_hash.to_owned(),
            now_ms,
            now_ms
        ],
        "该手机号已注册，请直接登录",
    )
    .await?;
    Ok(id)
}

pub async fn record_failure<C: ConnectionTrait>(c: &C, id: i64, lock_until: Option<i64>, now_ms: i64) -> Result<()> {
    sql::exec(
        c,
        "UPDATE public_accounts SET failed_logins = failed_logins + 1, locked_until = COALESCE(?, locked_until), updated_at = ? WHERE id = ?",
        vals![lock_until, now_ms, id],
    )
    .await?;
    Ok(())
}

pub async fn record_success<C: ConnectionTrait>(c: &C, id: i64, now_ms: i64) -> Result<()> {
    sql::exec(c, "UPDATE public_accounts SET failed_logins = 0, locked_until = NULL, updated_at = ? WHERE id = ?", vals![now_ms, id])
        .await?;
    Ok(())
}

pub async fn set_disabled<C: ConnectionTrait>(c: &C, id: i64, disabled: bool, now_ms: i64) -> Result<()> {
    sql::exec(c, "UPDATE public_accounts SET disabled = ?, updated_at = ? WHERE id = ?", vals![disabled, now_ms, id]).await?;
    Ok(())
}

pub async fn count<C: ConnectionTrait>(c: &C) -> Result<i64> {
    sql::scalar(c, "SELECT COUNT(*) FROM public_accounts", vec![]).await
}

// ---------------------------------------------------------------------------------------------
// Consents
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
pub struct Consent {
    pub id: i64,
    pub purpose: String,
    pub version: String,
    pub granted_at: i64,
    pub withdrawn_at: Option<i64>,
}

pub async fn grant_consent(w: &mut Work, account: i64, purpose: &str, version: &str, ip: &str, now_ms: i64) -> Result<i64> {
    let id = next_id();
    sql::exec(
        &w.tx,
        "INSERT INTO public_consents (id, account, purpose, version, granted_at, withdrawn_at, ip) VALUES (?, ?, ?, ?, ?, NULL, ?)",
        vals![id, account, purpose.to_owned(), version.to_owned(), now_ms, ip.to_owned()],
    )
    .await?;
    Ok(id)
}

/// Every consent the account gave, newest first.
pub async fn consents<C: ConnectionTrait>(c: &C, account: i64) -> Result<Vec<Consent>> {
    let rows = sql::all(
        c,
        "SELECT id, purpose, version, granted_at, withdrawn_at FROM public_consents WHERE account = ? ORDER BY granted_at DESC, id DESC",
        vals![account],
    )
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Consent {
                id: sql::get(r, "id")?,
                purpose: sql::get(r, "purpose")?,
                version: sql::get(r, "version")?,
                granted_at: sql::get(r, "granted_at")?,
                withdrawn_at: sql::get(r, "withdrawn_at")?,
            })
        })
        .collect()
}

/// Marks the account's standing consents for `purpose` withdrawn; returns how many.
pub async fn withdraw_consent(w: &mut Work, account: i64, purpose: &str, now_ms: i64) -> Result<u64> {
    sql::exec(
        &w.tx,
        "UPDATE public_consents SET withdrawn_at = ? WHERE account = ? AND purpose = ? AND withdrawn_at IS NULL",
        vals![now_ms, account, purpose.to_owned()],
    )
    .await
}

// ---------------------------------------------------------------------------------------------
// Sessions
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
pub struct PublicSession {
    pub id: String,
    pub account: i64,
    pub csrf: String,
    pub last_seen: i64,
}

pub async fn create_session<C: ConnectionTrait>(c: &C, s: &PublicSession, ip: &str, user_agent: &str) -> Result<()> {
    sql::exec(
        c,
        "INSERT INTO public_sessions (id, account, csrf, created_at, last_seen, ip, user_agent) VALUES (?, ?, ?, ?, ?, ?, ?)",
        vals![
            s.id.clone(),
            s.account,
            s.csrf.clone(),
            s.last_seen,
            s.last_seen,
            ip.to_owned(),
            user_agent.chars().take(200).collect::<String>()
        ],
    )
    .await?;
    Ok(())
}

pub async fn session<C: ConnectionTrait>(c: &C, id: &str) -> Result<Option<PublicSession>> {
    let row = sql::one(c, "SELECT id, account, csrf, last_seen FROM public_sessions WHERE id = ?", vals![id.to_owned()]).await?;
    row.map(|r| {
        Ok(PublicSession {
            id: sql::get(&r, "id")?,
            account: sql::get(&r, "account")?,
            csrf: sql::get(&r, "csrf")?,
            last_seen: sql::get(&r, "last_seen")?,
        })
    })
    .transpose()
}

pub async fn touch_session<C: ConnectionTrait>(c: &C, id: &str, now_ms: i64) -> Result<()> {
    sql::exec(c, "UPDATE public_sessions SET last_seen = ? WHERE id = ?", vals![now_ms, id.to_owned()]).await?;
    Ok(())
}

pub async fn delete_session<C: ConnectionTrait>(c: &C, id: &str) -> Result<()> {
    sql::exec(c, "DELETE FROM public_sessions WHERE id = ?", vals![id.to_owned()]).await?;
    Ok(())
}

pub async fn delete_sessions_of<C: ConnectionTrait>(c: &C, account: i64) -> Result<u64> {
    sql::exec(c, "DELETE FROM public_sessions WHERE account = ?", vals![account]).await
}

/// Removes public sessions idle since before `idle_before`.
pub async fn purge_idle_sessions<C: ConnectionTrait>(c: &C, idle_before: i64) -> Result<u64> {
    sql::exec(c, "DELETE FROM public_sessions WHERE last_seen < ?", vals![idle_before]).await
}
