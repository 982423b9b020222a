//! Key rotation (docs/adr/0010-key-rotation.md): `jinguo keys rotate` adds a new master key to
//! the key file, re-seals every sealed field under it and recomputes every blind index with it,
//! and only then records the new key as the blind-index key of the database.
//!
//! The database remembers which key its blind indexes were computed with (`crypto.index_key`
//! in the settings table). A process whose current key is not that key would compute indexes
//! that find nothing, so [`App::open`] refuses to start it, and a running server's heartbeat
//! stops it (see [`App::heartbeat`]). Rotation itself refuses to run while a server's lease is
//! fresh. It works in batches, each its own transaction, and skips rows already sealed under
//! the new key, so a crash at any moment is finished by running the command again.

use std::path::PathBuf;

use jinguo_crypto::{Crypto, KeyRing};
use jinguo_store::audit::Outcome;
use jinguo_store::{Work, keys as store, settings};
use serde::Serialize;
use serde_json::json;

use crate::org::regions::Progress;
use crate::people::{ADDRESS_PURPOSE, ID_PURPOSE, PHONE_PURPOSE};
use crate::{Actor, App, AppError, Result};

/// The settings key holding the id of the key the stored blind indexes were computed with.
pub const INDEX_KEY_SETTING: &str = "crypto.index_key";
/// Set while a rotation is under way (the new key's id), so running servers stop at once.
pub const ROTATING_SETTING: &str = "crypto.rotating";
/// A running server's lease: `<unix ms> <pid>`, renewed every [`HEARTBEAT_SECONDS`].
pub const LEASE_SETTING: &str = "server.lease";
pub const HEARTBEAT_SECONDS: u64 = 30;
/// A lease older than this is a server that stopped without saying so.
pub const LEASE_TTL_MS: i64 = 90_000;

/// One sealed column and the blind index kept beside it, if any.
#[derive(Debug, Clone, Copy)]
pub struct SealedField {
    pub column: &'static str,
    pub purpose: &'static str,
    pub index: Option<&'static str>,
}

/// A table with sealed columns.
#[derive(Debug, Clone, Copy)]
pub struct SealedTable {
    pub table: &'static str,
    pub label: &'static str,
    pub fields: &'static [SealedField],
}

/// Every sealed column of the schema. A new sealed column must be added here, or rotation
/// leaves it under the old key (the test `rotation_leaves_nothing_under_the_old_key` then fails
/// for any data written through it).
pub const SEALED: &[SealedTable] = &[
    SealedTable {
        table: "people",
        label: "人员",
        fields: &[
            SealedField { column: "id_cipher", purpose: ID_PURPOSE, index: Some("id_index") },
            SealedField { column: "phone_cipher", purpose: PHONE_PURPOSE, index: Some("phone_index") },
            SealedField { column: "address_cipher", purpose: ADDRESS_PURPOSE, index: None },
        ],
    },
    SealedTable {
        table: "accounts",
        label: "账号",
        fields: &[SealedField { column: "totp_secret", purpose: "account.totp", index: None }],
    },
    SealedTable {
        table: "public_accounts",
        label: "公众账号",
        fields: &[SealedField { column: "phone_cipher", purpose: crate::public::PHONE_PURPOSE, index: Some("phone_index") }],
    },
];

impl SealedTable {
    /// The columns read and rewritten: each sealed column, then its index.
    fn columns(&self) -> Vec<&'static str> {
        self.fields.iter().flat_map(|f| std::iter::once(f.column).chain(f.index)).collect()
    }
}

#[derive(Debug, Clone)]
pub struct RotateOptions {
    /// The key file: the new key is added to it (old keys kept) before anything is re-sealed.
    pub key_file: PathBuf,
    /// Rotate even though a server's lease looks fresh (the operator knows it is stopped).
    pub force: bool,
    /// After rotating, drop the old keys from the key file (nothing sealed under them remains).
    pub retire_old: bool,
    /// Rows per transaction.
    pub batch: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct TableReport {
    pub table: &'static str,
    pub label: &'static str,
    pub rows: i64,
    /// Rows whose sealed values or indexes were rewritten (rows already done are skipped).
    pub rewritten: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct RotateReport {
    pub from_key: u32,
    pub to_key: u32,
    /// Whether this run finished a rotation an earlier run had begun.
    pub resumed: bool,
    pub tables: Vec<TableReport>,
    pub retired: Vec<u32>,
}

/// How many values of one sealed column each key sealed.
#[derive(Debug, Clone, Serialize)]
pub struct ColumnUsage {
    pub table: &'static str,
    pub column: &'static str,
    pub by_key: Vec<(u32, i64)>,
    /// Values under a key the key file does not hold (should be none).
    pub unknown: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct KeyStatus {
    pub keys: Vec<u32>,
    pub current: u32,
    pub index_key: Option<u32>,
    pub rotating: Option<u32>,
    pub columns: Vec<ColumnUsage>,
}

fn parse_id(v: Option<String>) -> Option<u32> {
    v.and_then(|s| s.trim().parse().ok())
}

fn read_ring(path: &std::path::Path) -> Result<KeyRing> {
    let text = std::fs::read_to_string(path).map_err(|e| AppError::Conflict(format!("无法读取密钥文件 {}：{e}", path.display())))?;
    KeyRing::parse(&text).map_err(|e| AppError::Conflict(format!("密钥文件 {} 有误：{e}", path.display())))
}

impl App {
    /// The key the stored blind indexes were computed with, if recorded.
    pub async fn index_key(&self) -> Result<Option<u32>> {
        Ok(parse_id(settings::get(self.db.reader(), INDEX_KEY_SETTING).await?))
    }

    /// Refuses a key ring whose current key is not the one the database's blind indexes were
    /// computed with: such a process would not find anyone by ID number or phone, and would
    /// register the same woman twice. Records the current key on first use.
    pub async fn check_index_key(&self) -> Result<()> {
        let current = self.crypto.ring.current().id;
        if let Some(rotating) = parse_id(settings::get(self.db.reader(), ROTATING_SETTING).await?) {
            return Err(AppError::Conflict(format!(
                "密钥轮换（新密钥 {rotating}）尚未完成：请先执行 jinguo keys rotate 完成轮换，再启动本程序"
            )));
        }
        match self.index_key().await? {
            None => {
                settings::set(self.db.writer(), INDEX_KEY_SETTING, &current.to_string()).await?;
                Ok(())
            }
            Some(k) if k == current => Ok(()),
            Some(k) => Err(AppError::Conflict(format!(
                "数据库中的盲索引由密钥 {k} 计算，而本程序的当前密钥是 {current}：密钥文件（或 JINGUO_KEYS）不是最新的，或密钥轮换尚未完成（请执行 jinguo keys rotate）"
            ))),
        }
    }

    /// A running server's heartbeat: renews its lease, and answers whether its keys still
    /// match the database (false once a rotation has begun or finished: the server must stop,
    /// and a restart with the new key file picks up the new key).
    pub async fn heartbeat(&self) -> Result<bool> {
        let lease = format!("{} {}", self.now_ms(), std::process::id());
        settings::set(self.db.writer(), LEASE_SETTING, &lease).await?;
        let rotating = parse_id(settings::get(self.db.reader(), ROTATING_SETTING).await?).is_some();
        Ok(!rotating && self.index_key().await?.is_none_or(|k| k == self.crypto.ring.current().id))
    }

    /// Gives up the lease when a server stops cleanly.
    pub async fn end_lease(&self) -> Result<()> {
        settings::set(self.db.writer(), LEASE_SETTING, "").await?;
        Ok(())
    }

    /// How old the freshest server lease is, if one is within [`LEASE_TTL_MS`].
    async fn live_lease_age_ms(&self) -> Result<Option<i64>> {
        let Some(lease) = settings::get(self.db.reader(), LEASE_SETTING).await? else { return Ok(None) };
        let Some(at) = lease.split_whitespace().next().and_then(|t| t.parse::<i64>().ok()) else { return Ok(None) };
        let age = self.now_ms() - at;
        Ok((-LEASE_TTL_MS..LEASE_TTL_MS).contains(&age).then_some(age.max(0)))
    }

    /// Which keys the stored values are sealed with.
    pub async fn key_status(&self, ring: &KeyRing) -> Result<KeyStatus> {
        let c = self.db.reader();
        let mut columns = Vec::new();
        for t in SEALED {
            for f in t.fields {
                let mut by_key = Vec::new();
                let mut known = 0;
                for id in ring.ids() {
                    let n = store::count_under(c, t.table, f.column, id).await?;
                    known += n;
                    by_key.push((id, n));
                }
                let all = store::count_present(c, t.table, f.column).await?;
                columns.push(ColumnUsage { table: t.table, column: f.column, by_key, unknown: all - known });
            }
        }
        Ok(KeyStatus {
            keys: ring.ids(),
            current: ring.current().id,
            index_key: self.index_key().await?,
            rotating: parse_id(settings::get(c, ROTATING_SETTING).await?),
            columns,
        })
    }

    /// Rotates the master key: see the module documentation. The key file is the one of
    /// `options`, read afresh (not this process's ring), and must be writable.
    pub async fn rotate_keys(&self, actor: &Actor, options: &RotateOptions, progress: Option<Progress>) -> Result<RotateReport> {
        if !options.force
            && let Some(age) = self.live_lease_age_ms().await?
        {
            return Err(AppError::Conflict(format!(
                "巾帼服务似乎正在运行（{} 秒前仍有心跳）。运行中的服务持有旧密钥，轮换期间会找不到人员、写入旧密钥的数据：请先停止 jinguo serve 再轮换；如确认服务已停止，可加 --force",
                age / 1000
            )));
        }
        let mut ring = read_ring(&options.key_file)?;
        let index_key = self.index_key().await?.unwrap_or(ring.current().id);
        let resumed = ring.current().id != index_key
            || parse_id(settings::get(self.db.reader(), ROTATING_SETTING).await?).is_some_and(|r| r == ring.current().id);
        if !resumed {
            // The new key reaches the key file (old keys kept) before anything is sealed with it.
            ring.rotate();
            ring.save(&options.key_file).map_err(|e| AppError::Conflict(e.to_string()))?;
        }
        let to_key = ring.current().id;
        settings::set(self.db.writer(), ROTATING_SETTING, &to_key.to_string()).await?;
        let crypto = Crypto::new(self.crypto.suite, ring);

        let mut tables = Vec::new();
        for t in SEALED {
            tables.push(self.reseal_table(&crypto, t, to_key, options.batch.max(1), progress.as_ref()).await?);
        }

        // One step makes the new key the index key, after checking that nothing is left under
        // an old key (a server that ran anyway may have written some: run again).
        let mut w = Work::begin(&self.db).await?;
        let mut left = 0;
        for t in SEALED {
            for f in t.fields {
                left += store::count_not_under(&w.tx, t.table, f.column, to_key).await?;
            }
        }
        if left > 0 {
            w.rollback().await?;
            return Err(AppError::Conflict(format!(
                "仍有 {left} 个加密字段不是由新密钥 {to_key} 加密的（轮换期间可能有服务在写入）：请停止服务后再次执行 jinguo keys rotate"
            )));
        }
        settings::set(&w.tx, INDEX_KEY_SETTING, &to_key.to_string()).await?;
        settings::set(&w.tx, ROTATING_SETTING, "").await?;
        let detail = json!({ "from_key": index_key, "to_key": to_key, "resumed": resumed, "tables": &tables });
        w.audit(actor.entry(self.now_ms(), "keys.rotate", Outcome::Ok, "key", to_key, "", detail));
        w.commit().await?;

        let mut retired = Vec::new();
        if options.retire_old {
            let mut ring = read_ring(&options.key_file)?;
            retired = ring.retire_all_but_current();
            if !retired.is_empty() {
                ring.save(&options.key_file).map_err(|e| AppError::Conflict(e.to_string()))?;
                let detail = json!({ "retired": &retired, "current": to_key });
                jinguo_store::audit::append_now(
                    &self.db,
                    actor.entry(self.now_ms(), "keys.retire", Outcome::Ok, "key", to_key, "", detail),
                )
                .await?;
            }
        }
        Ok(RotateReport { from_key: index_key, to_key, resumed, tables, retired })
    }

    /// Re-seals one table in batches, each its own transaction.
    async fn reseal_table(
        &self,
        crypto: &Crypto,
        t: &SealedTable,
        to_key: u32,
        batch: u64,
        progress: Option<&Progress>,
    ) -> Result<TableReport> {
        let columns = t.columns();
        let total = store::count_rows(self.db.reader(), t.table).await?;
        let stage = format!("重新加密{}", t.label);
        let mut after = i64::MIN;
        let mut done = 0u64;
        let mut rewritten = 0u64;
        loop {
            let w = Work::begin(&self.db).await?;
            let rows = store::batch(&w.tx, t.table, &columns, after, batch).await?;
            let Some(last) = rows.last() else {
                w.rollback().await?;
                break;
            };
            after = last.id;
            for row in &rows {
                if let Some(values) = reseal_row(crypto, t, to_key, row)? {
                    store::rewrite(&w.tx, t.table, row.id, &columns, values).await?;
                    rewritten += 1;
                }
            }
            w.commit().await?;
            done += rows.len() as u64;
            if let Some(p) = progress {
                p(&stage, done, total.max(0) as u64);
            }
        }
        Ok(TableReport { table: t.table, label: t.label, rows: total, rewritten })
    }
}

/// The new values of a row's columns, or None when it is already sealed and indexed under
/// `to_key`.
fn reseal_row(crypto: &Crypto, t: &SealedTable, to_key: u32, row: &store::SealedRow) -> Result<Option<Vec<Option<String>>>> {
    let mut values = row.values.clone();
    let mut changed = false;
    let mut i = 0;
    for f in t.fields {
        if let Some(sealed) = &row.values[i] {
            let plain = crypto.open(f.purpose, sealed).map_err(|e| {
                AppError::Internal(format!(
                    "{} 表编号 {} 的 {} 列无法解密：{e}（未做任何改动的行可再次执行轮换）",
                    t.table, row.id, f.column
                ))
            })?;
            if Crypto::sealed_key_id(sealed) != Some(to_key) {
                values[i] = Some(crypto.seal(f.purpose, &plain));
                changed = true;
            }
            if f.index.is_some() {
                let index = crypto.blind_index(f.purpose, &plain);
                if row.values[i + 1].as_deref() != Some(index.as_str()) {
                    values[i + 1] = Some(index);
                    changed = true;
                }
            }
        }
        i += 1 + usize::from(f.index.is_some());
    }
    Ok(changed.then_some(values))
}
