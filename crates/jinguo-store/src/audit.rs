//! The audit log (DESIGN.md principle 4): append-only, each entry chained to the one before by
//! SM3 over the previous hash and the entry's own fields. `verify` walks the chain and names
//! the first entry that does not fit: an edited row breaks its own hash, a deleted row leaves a
//! gap in the sequence or a broken link, and a removed tail no longer reaches the head.

use sea_orm::{ConnectionTrait, QueryResult, Value};
use serde::Serialize;

use crate::{Db, Page, Result, StoreError, sql, vals};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Ok,
    Denied,
    Failed,
}

impl Outcome {
    pub fn code(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Denied => "denied",
            Outcome::Failed => "failed",
        }
    }
}

/// An entry to append.
#[derive(Debug, Clone)]
pub struct AuditEntry {
    pub at_ms: i64,
    pub account: Option<i64>,
    pub username: String,
    pub ip: String,
    pub action: String,
    pub outcome: Outcome,
    pub object_kind: String,
    pub object_id: String,
    pub region: String,
    pub detail: serde_json::Value,
}

/// An entry as stored.
#[derive(Debug, Clone, Serialize)]
pub struct AuditRecord {
    pub seq: i64,
    pub at: i64,
    pub account: Option<i64>,
    pub username: String,
    pub ip: String,
    pub action: String,
    pub outcome: String,
    pub object_kind: String,
    pub object_id: String,
    pub region: String,
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

fn link_hash(prev: &str, r: &AuditRecord) -> String {
    let account = r.account.map(|a| a.to_string()).unwrap_or_default();
    let fields = [
        prev,
        &r.seq.to_string(),
        &r.at.to_string(),
        &account,
        &r.username,
        &r.ip,
        &r.action,
        &r.outcome,
        &r.object_kind,
        &r.object_id,
        &r.region,
        &r.detail,
    ];
    jinguo_crypto::digest::sm3_hex(fields.join("\u{1f}").as_bytes())
}

/// The records of `entries` linked after the head (`last_seq` already advanced past them, and
/// the head's hash `prev`), and the hash the head then takes.
fn chained(last_seq: i64, mut prev: String, entries: Vec<AuditEntry>) -> (Vec<AuditRecord>, String) {
    let first_seq = last_seq - entries.len() as i64 + 1;
    let mut records = Vec::with_capacity(entries.len());
    for (seq, e) in (first_seq..).zip(entries) {
        let mut r = AuditRecord {
            seq,
            at: e.at_ms,
            account: e.account,
            username: e.username,
            ip: e.ip,
            action: e.action,
            outcome: e.outcome.code().to_owned(),
            object_kind: e.object_kind,
            object_id: e.object_id,
            region: e.region,
            detail: e.detail.to_string(),
            prev_hash: prev.clone(),
            hash: String::new(),
        };
        r.hash = link_hash(&prev, &r);
        prev = r.hash.clone();
        records.push(r);
    }
    (records, prev)
}

/// Appends entries to the chain inside the caller's transaction. The head row is updated
/// first, which takes the write lock on it, so concurrent appends line up.
pub async fn append<C: ConnectionTrait>(c: &C, entries: Vec<AuditEntry>) -> Result<()> {
    if entries.is_empty() {
        return Ok(());
    }
    sql::exec(c, "UPDATE audit_head SET seq = seq + ? WHERE id = 1", vals![entries.len() as i64]).await?;
    let head = sql::one(c, "SELECT seq, hash FROM audit_head WHERE id = 1", vec![]).await?.ok_or(StoreError::NotFound)?;
    let last_seq: i64 = sql::get(&head, "seq")?;
    let prev: String = sql::get(&head, "hash")?;
    let (records, last_hash) = chained(last_seq, prev, entries);
    for r in records {
        sql::exec(
            c,
            "INSERT INTO audit_log (seq, at, account, username, ip, action, outcome, object_kind, object_id, region, detail, prev_hash, hash) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            vals![r.seq, r.at, r.account, r.username, r.ip, r.action, r.outcome, r.object_kind, r.object_id, r.region, r.detail, r.prev_hash, r.hash],
        )
        .await?;
    }
    sql::exec(c, "UPDATE audit_head SET hash = ? WHERE id = 1", vals![last_hash]).await?;
    Ok(())
}

/// [`append`] inside a transaction of the SQLite bulk path.
pub(crate) fn append_sqlite(tx: &rusqlite::Transaction<'_>, entries: Vec<AuditEntry>) -> Result<()> {
    if entries.is_empty() {
        return Ok(());
    }
    tx.execute("UPDATE audit_head SET seq = seq + ?1 WHERE id = 1", [entries.len() as i64])?;
    let (last_seq, prev): (i64, String) =
        tx.query_row("SELECT seq, hash FROM audit_head WHERE id = 1", [], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let (records, last_hash) = chained(last_seq, prev, entries);
    for r in records {
        tx.execute(
            "INSERT INTO audit_log (seq, at, account, username, ip, action, outcome, object_kind, object_id, region, detail, prev_hash, hash) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            rusqlite::params![r.seq, r.at, r.account, r.username, r.ip, r.action, r.outcome, r.object_kind, r.object_id, r.region, r.detail, r.prev_hash, r.hash],
        )?;
    }
    tx.execute("UPDATE audit_head SET hash = ?1 WHERE id = 1", [last_hash])?;
    Ok(())
}

/// [`append`] inside a transaction of the PostgreSQL bulk path.
pub(crate) async fn append_postgres(t: &mut sqlx::PgConnection, entries: Vec<AuditEntry>) -> std::result::Result<(), sqlx::Error> {
    if entries.is_empty() {
        return Ok(());
    }
    let (last_seq, prev): (i64, String) = sqlx::query_as("UPDATE audit_head SET seq = seq + $1 WHERE id = 1 RETURNING seq, hash")
        .bind(entries.len() as i64)
        .fetch_one(&mut *t)
        .await?;
    let (records, last_hash) = chained(last_seq, prev, entries);
    for r in records {
        sqlx::query(
            "INSERT INTO audit_log (seq, at, account, username, ip, action, outcome, object_kind, object_id, region, detail, prev_hash, hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        )
        .bind(r.seq)
        .bind(r.at)
        .bind(r.account)
        .bind(&r.username)
        .bind(&r.ip)
        .bind(&r.action)
        .bind(&r.outcome)
        .bind(&r.object_kind)
        .bind(&r.object_id)
        .bind(&r.region)
        .bind(&r.detail)
        .bind(&r.prev_hash)
        .bind(&r.hash)
        .execute(&mut *t)
        .await?;
    }
    sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1").bind(last_hash).execute(&mut *t).await?;
    Ok(())
}

/// Appends one entry in a transaction of its own (logins, denials: events with no record).
pub async fn append_now(db: &Db, entry: AuditEntry) -> Result<()> {
    let tx = db.begin().await?;
    append(&tx, vec![entry]).await?;
    tx.commit().await?;
    Ok(())
}

const SELECT: &str =
    "SELECT seq, at, account, username, ip, action, outcome, object_kind, object_id, region, detail, prev_hash, hash FROM audit_log";

fn from_row(row: &QueryResult) -> Result<AuditRecord> {
    Ok(AuditRecord {
        seq: sql::get(row, "seq")?,
        at: sql::get(row, "at")?,
        account: sql::get(row, "account")?,
        username: sql::get(row, "username")?,
        ip: sql::get(row, "ip")?,
        action: sql::get(row, "action")?,
        outcome: sql::get(row, "outcome")?,
        object_kind: sql::get(row, "object_kind")?,
        object_id: sql::get(row, "object_id")?,
        region: sql::get(row, "region")?,
        detail: sql::get(row, "detail")?,
        prev_hash: sql::get(row, "prev_hash")?,
        hash: sql::get(row, "hash")?,
    })
}

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub username: Option<String>,
    pub action: Option<String>,
    pub outcome: Option<String>,
    pub object: Option<String>,
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
}

/// Entries matching `filter`, newest first; the cursor is the last entry's sequence number.
pub async fn search<C: ConnectionTrait>(c: &C, filter: &Filter, before: Option<i64>, limit: u64) -> Result<Page<AuditRecord>> {
    let mut cond = String::from(" WHERE 1 = 1");
    let mut values: Vec<Value> = Vec::new();
    if let Some(u) = filter.username.as_deref().filter(|s| !s.is_empty()) {
        cond.push_str(" AND username = ?");
        values.push(u.to_owned().into());
    }
    if let Some(a) = filter.action.as_deref().filter(|s| !s.is_empty()) {
        cond.push_str(" AND action LIKE ? ESCAPE '\\'");
        values.push(format!("{}%", sql::like_literal(a)).into());
    }
    if let Some(o) = filter.outcome.as_deref().filter(|s| !s.is_empty()) {
        cond.push_str(" AND outcome = ?");
        values.push(o.to_owned().into());
    }
    if let Some(o) = filter.object.as_deref().filter(|s| !s.is_empty()) {
        cond.push_str(" AND (object_id = ? OR object_kind = ?)");
        values.extend([o.to_owned().into(), o.to_owned().into()]);
    }
    if let Some(f) = filter.from_ms {
        cond.push_str(" AND at >= ?");
        values.push(f.into());
    }
    if let Some(t) = filter.to_ms {
        cond.push_str(" AND at < ?");
        values.push(t.into());
    }
    let total: i64 = sql::scalar(c, &format!("SELECT COUNT(*) FROM audit_log{cond}"), values.clone()).await?;
    if let Some(b) = before {
        cond.push_str(" AND seq < ?");
        values.push(b.into());
    }
    values.push((limit as i64 + 1).into());
    let rows = sql::all(c, &format!("{SELECT}{cond} ORDER BY seq DESC LIMIT ?"), values).await?;
    let mut items = rows.iter().map(from_row).collect::<Result<Vec<_>>>()?;
    let next = if items.len() as u64 > limit {
        items.truncate(limit as usize);
        items.last().map(|r| r.seq.to_string())
    } else {
        None
    };
    Ok(Page { items, total, next })
}

/// The outcome of walking the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    pub entries: i64,
    /// The first entry that does not fit, and why (in Chinese).
    pub broken: Option<(i64, String)>,
}

/// Walks the whole chain in order.
pub async fn verify(db: &Db) -> Result<Verification> {
    let c = db.reader();
    let mut prev = String::from("0000000000000000000000000000000000000000000000000000000000000000");
    let mut expected_seq = 1;
    let mut entries = 0;
    loop {
        let rows = sql::all(c, &format!("{SELECT} WHERE seq >= ? ORDER BY seq LIMIT 5000"), vals![expected_seq]).await?;
        if rows.is_empty() {
            break;
        }
        for row in &rows {
            let r = from_row(row)?;
            if r.seq != expected_seq {
                return Ok(Verification {
                    entries,
                    broken: Some((expected_seq, format!("第 {expected_seq} 条审计记录缺失（下一条为第 {} 条）", r.seq))),
                });
            }
            if r.prev_hash != prev {
                return Ok(Verification {
                    entries, broken: Some((r.seq, format!("第 {} 条审计记录与前一条的链接不符", r.seq)))
                });
            }
            if link_hash(&prev, &r) != r.hash {
                return Ok(Verification {
                    entries, broken: Some((r.seq, format!("第 {} 条审计记录的内容被改动（哈希不符）", r.seq)))
                });
            }
            prev = r.hash;
            expected_seq += 1;
            entries += 1;
        }
    }
    let head = sql::one(c, "SELECT seq, hash FROM audit_head WHERE id = 1", vec![]).await?.ok_or(StoreError::NotFound)?;
    let head_seq: i64 = sql::get(&head, "seq")?;
    let head_hash: String = sql::get(&head, "hash")?;
    if head_seq != entries || head_hash != prev {
        return Ok(Verification {
            entries,
            broken: Some((entries + 1, format!("审计日志末尾的记录被删除：链头记载 {head_seq} 条，实存 {entries} 条"))),
        });
    }
    Ok(Verification { entries, broken: None })
}
