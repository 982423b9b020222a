//! The region tree. Region codes and names are public facts: reading them takes no scope.
//! The bulk import writes through the engine's bulk path (SQLite's C API in the calling
//! thread, PostgreSQL's COPY), because one statement at a time through the pool would take
//! minutes for the national set (DESIGN.md §8).

use std::collections::HashMap;

use jinguo_domain::{Level, RegionCode};
use sea_orm::{ConnectionTrait, QueryResult};
use serde::Serialize;

use crate::{Backend, Db, Result, StoreError, sql, vals};

#[derive(Debug, Clone, Serialize)]
pub struct Region {
    pub code: RegionCode,
    pub name: String,
    pub level: Level,
    pub parent: Option<RegionCode>,
    pub children: i64,
    pub counties: i64,
    pub towns: i64,
    pub villages: i64,
}

const COLUMNS: &str = "code, name, level, parent, children, counties, towns, villages";

fn from_row(row: &QueryResult) -> Result<Region> {
    let code: String = sql::get(row, "code")?;
    let parent: Option<String> = sql::get(row, "parent")?;
    let level: i64 = sql::get(row, "level")?;
    Ok(Region {
        code: RegionCode::parse(&code).map_err(|e| StoreError::Other(e.to_string()))?,
        name: sql::get(row, "name")?,
        level: Level::from_rank(level).unwrap_or(Level::Village),
        parent: parent.and_then(|p| RegionCode::parse(&p).ok()),
        children: sql::get(row, "children")?,
        counties: sql::get(row, "counties")?,
        towns: sql::get(row, "towns")?,
        villages: sql::get(row, "villages")?,
    })
}

pub async fn get<C: ConnectionTrait>(c: &C, code: &RegionCode) -> Result<Option<Region>> {
    let row = sql::one(c, &format!("SELECT {COLUMNS} FROM regions WHERE code = ?"), vals![code.padded()]).await?;
    row.as_ref().map(from_row).transpose()
}

/// The regions with these codes, in no particular order (for breadcrumbs and labels).
pub async fn many<C: ConnectionTrait>(c: &C, codes: &[RegionCode]) -> Result<Vec<Region>> {
    if codes.is_empty() {
        return Ok(Vec::new());
    }
    let marks = vec!["?"; codes.len()].join(", ");
    let values = codes.iter().map(|c| c.padded().into()).collect();
    let rows = sql::all(c, &format!("SELECT {COLUMNS} FROM regions WHERE code IN ({marks})"), values).await?;
    rows.iter().map(from_row).collect()
}

/// The children of `code` (the provinces when `code` is None), by code.
pub async fn children<C: ConnectionTrait>(c: &C, code: Option<&RegionCode>) -> Result<Vec<Region>> {
    let rows = match code {
        Some(code) => sql::all(c, &format!("SELECT {COLUMNS} FROM regions WHERE parent = ? ORDER BY code"), vals![code.padded()]).await?,
        None => sql::all(c, &format!("SELECT {COLUMNS} FROM regions WHERE parent IS NULL ORDER BY code"), vec![]).await?,
    };
    rows.iter().map(from_row).collect()
}

/// Regions in the subtree of `within` whose name contains `q`, at most `limit`.
pub async fn search<C: ConnectionTrait>(c: &C, within: &RegionCode, q: &str, limit: u64) -> Result<Vec<Region>> {
    let (low, high) = within.subtree_range();
    let pattern = format!("%{}%", q.replace(['%', '_'], ""));
    let rows = sql::all(
        c,
        &format!("SELECT {COLUMNS} FROM regions WHERE code BETWEEN ? AND ? AND name LIKE ? ORDER BY level, code LIMIT ?"),
        vals![low, high, pattern, limit as i64],
    )
    .await?;
    rows.iter().map(from_row).collect()
}

/// Villages in a subtree: the denominator of coverage figures.
pub async fn village_count<C: ConnectionTrait>(c: &C, code: &RegionCode) -> Result<i64> {
    if code.level() == Level::Village {
        let exists: i64 = sql::scalar(c, "SELECT COUNT(*) FROM regions WHERE code = ?", vals![code.padded()]).await?;
        return Ok(exists);
    }
    Ok(get(c, code).await?.map(|r| r.villages).unwrap_or(0))
}

/// The padded codes of the villages in `scope`: what a spreadsheet's village column is checked
/// against, once for the whole sheet.
pub async fn villages_within<C: ConnectionTrait>(c: &C, scope: &crate::Scope) -> Result<std::collections::HashSet<String>> {
    let (low, high) = scope.bounds();
    let rows = sql::all(c, "SELECT code FROM regions WHERE level = 5 AND code BETWEEN ? AND ?", vals![low, high]).await?;
    rows.iter().map(|r| sql::get::<String>(r, "code")).collect()
}

/// Regions between `low` and `high` (padded, inclusive) with no region federation, by code.
pub async fn without_region_federation<C: ConnectionTrait>(c: &C, low: &str, high: &str) -> Result<Vec<(RegionCode, String)>> {
    let rows = sql::all(
        c,
        "SELECT r.code, r.name FROM regions r WHERE r.code BETWEEN ? AND ? \
         AND NOT EXISTS (SELECT 1 FROM federations f WHERE f.region = r.code AND f.kind = 'region') ORDER BY r.code",
        vals![low.to_owned(), high.to_owned()],
    )
    .await?;
    rows.iter()
        .map(|r| {
            let code: String = sql::get(r, "code")?;
            Ok((RegionCode::parse(&code).map_err(|e| StoreError::Other(e.to_string()))?, sql::get(r, "name")?))
        })
        .collect()
}

pub async fn count<C: ConnectionTrait>(c: &C) -> Result<i64> {
    sql::scalar(c, "SELECT COUNT(*) FROM regions", vec![]).await
}

/// Every stored region as padded code → (name, level rank): what an import checks parents
/// against and merges with.
pub async fn all_names(db: &Db) -> Result<HashMap<String, (String, i64)>> {
    let rows = sql::all(db.reader(), "SELECT code, name, level FROM regions", vec![]).await?;
    let mut out = HashMap::with_capacity(rows.len());
    for row in rows {
        let level: i64 = sql::get(&row, "level")?;
        out.insert(sql::get::<String>(&row, "code")?, (sql::get::<String>(&row, "name")?, level));
    }
    Ok(out)
}

/// One row as the bulk writer takes it: every column, counts computed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionRow {
    pub code: String,
    pub name: String,
    pub level: i64,
    pub parent: Option<String>,
    pub children: i64,
    pub counties: i64,
    pub towns: i64,
    pub villages: i64,
}

/// Computes the child and descendant counts of every region in `all` (padded code → (name,
/// level)), returning full rows sorted by code.
pub fn with_counts(all: &HashMap<String, (String, i64)>) -> Vec<RegionRow> {
    let mut rows: Vec<RegionRow> = all
        .iter()
        .map(|(code, (name, level))| {
            let parent = Level::from_rank(*level).and_then(|l| l.parent()).map(|p| format!("{:0<12}", &code[..p.digits()]));
            RegionRow { code: code.clone(), name: name.clone(), level: *level, parent, children: 0, counties: 0, towns: 0, villages: 0 }
        })
        .collect();
    rows.sort_by(|a, b| a.code.cmp(&b.code));
    let index: HashMap<String, usize> = rows.iter().enumerate().map(|(i, r)| (r.code.clone(), i)).collect();
    for i in 0..rows.len() {
        let level = rows[i].level;
        let Some(lvl) = Level::from_rank(level) else { continue };
        if let Some(parent) = rows[i].parent.as_ref().and_then(|p| index.get(p)).copied() {
            rows[parent].children += 1;
        }
        // Every ancestor counts this region at its level (once: a city without counties has
        // the same padded code at city and county level).
        let mut keys: Vec<String> =
            Level::ALL.into_iter().filter(|l| l.rank() < level).map(|l| format!("{:0<12}", &rows[i].code[..l.digits()])).collect();
        keys.dedup();
        for key in keys {
            if let Some(&a) = index.get(&key) {
                match lvl {
                    Level::County => rows[a].counties += 1,
                    Level::Town => rows[a].towns += 1,
                    Level::Village => rows[a].villages += 1,
                    _ => {}
                }
            }
        }
    }
    rows
}

/// Writes `rows` (inserting new codes, updating changed ones) in one transaction through the
/// engine's bulk path. Returns how many rows were written. `on_progress` is told the count
/// written so far, now and then.
pub async fn write_bulk(db: &Db, rows: Vec<RegionRow>, on_progress: impl Fn(u64) + Send + 'static) -> Result<u64> {
    match db.backend() {
        Backend::Sqlite => {
            let path = db.sqlite_path().ok_or_else(|| StoreError::Other("SQLite 数据库没有文件路径".into()))?.to_owned();
            tokio::task::spawn_blocking(move || write_bulk_sqlite(&path, &rows, &on_progress))
                .await
                .map_err(|e| StoreError::Other(format!("导入线程异常：{e}")))?
        }
        Backend::Postgres => write_bulk_postgres(db, &rows, &on_progress).await,
    }
}

fn write_bulk_sqlite(path: &std::path::Path, rows: &[RegionRow], on_progress: &dyn Fn(u64)) -> Result<u64> {
    let mut conn = rusqlite::Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(60))?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "cache_size", "-262144")?;
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    {
        let mut st = tx.prepare(
            "INSERT INTO regions (code, name, level, parent, children, counties, towns, villages) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) \
             ON CONFLICT (code) DO UPDATE SET name = excluded.name, level = excluded.level, parent = excluded.parent, \
             children = excluded.children, counties = excluded.counties, towns = excluded.towns, villages = excluded.villages \
             WHERE regions.name <> excluded.name OR regions.children <> excluded.children OR regions.counties <> excluded.counties \
             OR regions.towns <> excluded.towns OR regions.villages <> excluded.villages",
        )?;
        for (i, r) in rows.iter().enumerate() {
            st.execute(rusqlite::params![r.code, r.name, r.level, r.parent, r.children, r.counties, r.towns, r.villages])?;
            if i % 20_000 == 0 {
                on_progress(i as u64);
            }
        }
    }
    tx.commit()?;
    on_progress(rows.len() as u64);
    Ok(rows.len() as u64)
}

async fn write_bulk_postgres(db: &Db, rows: &[RegionRow], on_progress: &(dyn Fn(u64) + Send)) -> Result<u64> {
    let pool = db.postgres_pool().ok_or_else(|| StoreError::Other("不是 PostgreSQL 连接".into()))?;
    let mut tx = pool.begin().await?;
    // Into an empty table COPY goes straight in; otherwise through a temporary table and one
    // upsert, so existing regions are updated in place.
    let empty: bool = sqlx::query_scalar("SELECT NOT EXISTS (SELECT 1 FROM regions)").fetch_one(&mut *tx).await?;
    let target = if empty { "regions" } else { "regions_import" };
    if !empty {
        sqlx::query("CREATE TEMP TABLE regions_import (LIKE regions) ON COMMIT DROP").execute(&mut *tx).await?;
    }
    let mut copy = tx
        .copy_in_raw(&format!(
            "COPY {target} (code, name, level, parent, children, counties, towns, villages) FROM STDIN WITH (FORMAT text)"
        ))
        .await?;
    let mut buf = String::with_capacity(1 << 20);
    for (i, r) in rows.iter().enumerate() {
        use std::fmt::Write;
        let name = r.name.replace('\\', "\\\\").replace(['\t', '\n', '\r'], " ");
        let parent = r.parent.as_deref().unwrap_or("\\N");
        let _ = writeln!(buf, "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}", r.code, name, r.level, parent, r.children, r.counties, r.towns, r.villages);
        if buf.len() > (1 << 20) - 512 {
            copy.send(std::mem::take(&mut buf).into_bytes()).await?;
            on_progress(i as u64);
        }
    }
    if !buf.is_empty() {
        copy.send(buf.into_bytes()).await?;
    }
    copy.finish().await?;
    if empty {
        tx.commit().await?;
        on_progress(rows.len() as u64);
        return Ok(rows.len() as u64);
    }
    sqlx::query(
        "INSERT INTO regions (code, name, level, parent, children, counties, towns, villages) \
         SELECT code, name, level, parent, children, counties, towns, villages FROM regions_import \
         ON CONFLICT (code) DO UPDATE SET name = excluded.name, level = excluded.level, parent = excluded.parent, \
         children = excluded.children, counties = excluded.counties, towns = excluded.towns, villages = excluded.villages",
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    on_progress(rows.len() as u64);
    Ok(rows.len() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_children_and_descendants_by_level() {
        let mut all = HashMap::new();
        for (code, level) in
            [("42", 1), ("4205", 2), ("420502", 3), ("420503", 3), ("420502001", 4), ("420502001001", 5), ("420502001002", 5)]
        {
            all.insert(format!("{code:0<12}"), (code.to_owned(), level));
        }
        let rows = with_counts(&all);
        let city = rows.iter().find(|r| r.code == "420500000000").unwrap();
        assert_eq!((city.children, city.counties, city.towns, city.villages), (2, 2, 1, 2));
        let town = rows.iter().find(|r| r.code == "420502001000").unwrap();
        assert_eq!((town.children, town.villages), (2, 2));
        assert_eq!(town.parent.as_deref(), Some("420502000000"));
    }
}
