//! Group commit of redemptions on SQLite (DESIGN.md §8): concurrent redemptions queue to one
//! writer thread, which runs each in a savepoint of one transaction through the SQLite C API
//! (prepared statements, no thread hop per statement) and commits the batch once (one fsync).
//! A refused redemption rolls back its savepoint only; its roll-up deltas are dropped with it.
//! The checks are the same conditional updates as [`super::store::redeem`], so correctness does
//! not depend on the batching. PostgreSQL does not use this path (its row locks serialise).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use chrono::NaiveDate;
use jinguo_domain::family::EntryKind;
use jinguo_domain::insight::metric;
use rusqlite::{ErrorCode, params};
use tokio::sync::{mpsc, oneshot};

use super::points::add_deltas;
use super::store::{Item, NewRedemption, Refused};
use crate::audit::{self, AuditEntry};
use crate::ids::next_id;
use crate::rollup::Deltas;
use crate::{Db, Result, StoreError};

/// The most redemptions committed together.
const BATCH: usize = 512;

struct Job {
    item: Item,
    new: NewRedemption,
    audit: AuditEntry,
    now_ms: i64,
    reply: oneshot::Sender<Result<Result<i64, Refused>>>,
}

static QUEUES: Mutex<Option<HashMap<PathBuf, mpsc::UnboundedSender<Job>>>> = Mutex::new(None);

fn queue(path: &Path) -> mpsc::UnboundedSender<Job> {
    let mut guard = QUEUES.lock().unwrap_or_else(|p| p.into_inner());
    let map = guard.get_or_insert_with(HashMap::new);
    if let Some(tx) = map.get(path).filter(|tx| !tx.is_closed()) {
        return tx.clone();
    }
    let (tx, rx) = mpsc::unbounded_channel();
    let owned = path.to_owned();
    std::thread::Builder::new()
        .name("jinguo-redeem".into())
        .spawn(move || writer(&owned, rx))
        .map_err(|e| tracing::error!(error = %e, "could not start the redemption writer"))
        .ok();
    map.insert(path.to_owned(), tx.clone());
    tx
}

/// Redeems through the group-commit writer of `db` (SQLite only). `audit`'s object id is filled
/// with the redemption's id; it is written with the redemption, or not at all.
pub async fn redeem(db: &Db, item: &Item, new: &NewRedemption, audit: AuditEntry, now_ms: i64) -> Result<Result<i64, Refused>> {
    let path = db.sqlite_path().ok_or_else(|| StoreError::Other("group commit is for SQLite".into()))?;
    let (reply, answer) = oneshot::channel();
    let job = Job { item: item.clone(), new: new.clone(), audit, now_ms, reply };
    queue(path).send(job).map_err(|_| StoreError::Other("兑换写入线程已停止".into()))?;
    answer.await.map_err(|_| StoreError::Other("兑换写入线程已停止".into()))?
}

fn open(path: &Path) -> rusqlite::Result<rusqlite::Connection> {
    let conn = rusqlite::Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(conn)
}

fn writer(path: &Path, mut rx: mpsc::UnboundedReceiver<Job>) {
    let mut conn = match open(path) {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "could not open the redemption writer");
            while let Some(job) = rx.blocking_recv() {
                let _ = job.reply.send(Err(StoreError::Other(format!("数据库错误：{e}"))));
            }
            return;
        }
    };
    while let Some(first) = rx.blocking_recv() {
        let mut batch = vec![first];
        while batch.len() < BATCH {
            match rx.try_recv() {
                Ok(j) => batch.push(j),
                Err(_) => break,
            }
        }
        match run_batch(&mut conn, &mut batch) {
            Ok(results) => {
                for (job, r) in batch.into_iter().zip(results) {
                    let _ = job.reply.send(Ok(r));
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "redemption batch failed");
                for job in batch {
                    let _ = job.reply.send(Err(StoreError::Other(format!("数据库错误：{e}"))));
                }
            }
        }
    }
}

fn run_batch(conn: &mut rusqlite::Connection, batch: &mut [Job]) -> Result<Vec<Result<i64, Refused>>> {
    let mut tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let mut deltas = Deltas::new();
    let mut entries = Vec::new();
    let mut results = Vec::with_capacity(batch.len());
    for job in batch.iter() {
        let sp = tx.savepoint()?;
        let mut mine = Deltas::new();
        let r = redeem_one(&sp, &job.item, &job.new, job.now_ms, &mut mine)?;
        if let Ok(id) = r {
            sp.commit()?;
            deltas.merge(mine);
            let mut e = job.audit.clone();
            e.object_id = id.to_string();
            entries.push(e);
        }
        // A dropped savepoint rolls back.
        results.push(r);
    }
    deltas.write_sqlite(&tx)?;
    audit::append_sqlite(&tx, entries)?;
    tx.commit()?;
    Ok(results)
}

fn day(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn redeem_one(c: &rusqlite::Connection, item: &Item, r: &NewRedemption, now_ms: i64, deltas: &mut Deltas) -> Result<Result<i64, Refused>> {
    let cost = item.price.checked_mul(r.quantity).ok_or_else(|| StoreError::Other("积分总额过大".into()))?;
    let id = next_id();
    let family = r.holder.family;
    let claimed = c.prepare_cached(
        "INSERT INTO redemptions (id, family, item, region, quantity, points, status, idempotency_key, created_by, created_at, updated_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'reserved', ?7, ?8, ?9, ?9)",
    )?
    .execute(params![id, family, item.id, item.region.padded(), r.quantity, cost, r.key, r.created_by, now_ms]);
    match claimed {
        Ok(_) => {}
        Err(rusqlite::Error::SqliteFailure(e, _)) if e.code == ErrorCode::ConstraintViolation => return Ok(Err(Refused::Repeated(0))),
        Err(e) => return Err(e.into()),
    }
    let moved = c
        .prepare_cached("UPDATE family_balances SET balance = balance - ?1, updated_at = ?2 WHERE family = ?3 AND balance - ?1 >= 0")?
        .execute(params![cost, now_ms, family])?;
    if moved == 0 {
        let balance: i64 =
            c.prepare_cached("SELECT balance FROM family_balances WHERE family = ?1")?.query_row([family], |x| x.get(0)).unwrap_or(0);
        return Ok(Err(Refused::InsufficientPoints { balance, cost }));
    }
    let first = !c.prepare_cached("SELECT 1 FROM points_entries WHERE family = ?1 LIMIT 1")?.exists([family])?;
    c.prepare_cached(
        "INSERT INTO points_entries (id, family, region, points, kind, reason, rule, activity, redemption, entry_day, created_by, created_at) \
         VALUES (?1, ?2, ?3, ?4, 'redeem', ?5, NULL, NULL, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        next_id(),
        family,
        r.holder.region.padded(),
        -cost,
        format!("兑换 {} × {}", item.name, r.quantity),
        id,
        day(r.day),
        r.created_by,
        now_ms
    ])?;
    add_deltas(deltas, &r.holder.region, EntryKind::Redeem, -cost, r.day, first);
    let taken = c
        .prepare_cached(
            "UPDATE store_items SET stock = stock - ?1, reserved = reserved + ?1, updated_at = ?2 WHERE id = ?3 AND stock >= ?1",
        )?
        .execute(params![r.quantity, now_ms, item.id])?;
    if taken == 0 {
        let stock: i64 = c.prepare_cached("SELECT stock FROM store_items WHERE id = ?1")?.query_row([item.id], |x| x.get(0))?;
        return Ok(Err(Refused::OutOfStock { stock }));
    }
    c.prepare_cached(
        "INSERT INTO store_movements (id, item, region, kind, quantity, redemption, reason, created_by, created_at) \
         VALUES (?1, ?2, ?3, 'redeem', ?4, ?5, '', ?6, ?7)",
    )?
    .execute(params![next_id(), item.id, item.region.padded(), -r.quantity, id, r.created_by, now_ms])?;
    deltas.add(metric::STORE_REDEMPTIONS, &item.region, r.day, 1);
    Ok(Ok(id))
}
