//! Sessions in the database: revocable server-side, shared by every instance. The id stored is
//! the digest of the token the client holds.

use sea_orm::ConnectionTrait;

use crate::{Result, sql, vals};

#[derive(Debug, Clone)]
pub struct Session {
    pub id: String,
    pub account: i64,
    pub csrf: String,
    /// `full`, or `enroll` for an administrator who must set up the second factor first.
    pub stage: String,
    pub created_at: i64,
    pub last_seen: i64,
}

pub async fn create<C: ConnectionTrait>(c: &C, s: &Session, ip: &str, user_agent: &str) -> Result<()> {
    sql::exec(
        c,
        "INSERT INTO sessions (id, account, csrf, stage, created_at, last_seen, ip, user_agent) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        vals![
            s.id.clone(),
            s.account,
            s.csrf.clone(),
            s.stage.clone(),
            s.created_at,
            s.last_seen,
            ip.to_owned(),
            user_agent.chars().take(200).collect::<String>()
        ],
    )
    .await?;
    Ok(())
}

pub async fn get<C: ConnectionTrait>(c: &C, id: &str) -> Result<Option<Session>> {
    let row =
        sql::one(c, "SELECT id, account, csrf, stage, created_at, last_seen FROM sessions WHERE id = ?", vals![id.to_owned()]).await?;
    row.map(|r| {
        Ok(Session {
            id: sql::get(&r, "id")?,
            account: sql::get(&r, "account")?,
            csrf: sql::get(&r, "csrf")?,
            stage: sql::get(&r, "stage")?,
            created_at: sql::get(&r, "created_at")?,
            last_seen: sql::get(&r, "last_seen")?,
        })
    })
    .transpose()
}

pub async fn touch<C: ConnectionTrait>(c: &C, id: &str, now_ms: i64) -> Result<()> {
    sql::exec(c, "UPDATE sessions SET last_seen = ? WHERE id = ?", vals![now_ms, id.to_owned()]).await?;
    Ok(())
}

pub async fn delete<C: ConnectionTrait>(c: &C, id: &str) -> Result<()> {
    sql::exec(c, "DELETE FROM sessions WHERE id = ?", vals![id.to_owned()]).await?;
    Ok(())
}

pub async fn delete_for_account<C: ConnectionTrait>(c: &C, account: i64) -> Result<u64> {
    sql::exec(c, "DELETE FROM sessions WHERE account = ?", vals![account]).await
}

/// Removes sessions idle since before `idle_before`.
pub async fn purge_idle<C: ConnectionTrait>(c: &C, idle_before: i64) -> Result<u64> {
    sql::exec(c, "DELETE FROM sessions WHERE last_seen < ?", vals![idle_before]).await
}

/// Promotes an enrolment session to a full one once the second factor is set up.
pub async fn promote<C: ConnectionTrait>(c: &C, id: &str) -> Result<()> {
    sql::exec(c, "UPDATE sessions SET stage = 'full' WHERE id = ?", vals![id.to_owned()]).await?;
    Ok(())
}
