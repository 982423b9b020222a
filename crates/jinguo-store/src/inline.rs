//! Reads on the calling thread (ADR 0016). sqlx runs each SQLite connection on a worker thread
//! of its own and sends every statement there and every row back over a channel; a page that
//! reads the session, a count, fifty rows and their categories pays four round trips and dozens
//! of thread wake-ups for well under a millisecond of SQLite work. For the hottest bounded reads
//! (a row by key, a village's page) the store instead runs the statements here, in the thread
//! that asks, through rusqlite on a few read-only connections of its own.
//!
//! Only reads whose cost is bounded by a key or by a village's size may come here: a long read
//! would hold an async worker thread. When every connection is in use, or on PostgreSQL, the
//! caller goes through the pool as before ([`InlineReaders::try_read`] answers `None`).

use std::path::Path;
use std::sync::{Mutex, TryLockError};
use std::time::Duration;

use rusqlite::OpenFlags;
use rusqlite::config::DbConfig;
use rusqlite::types::FromSql;
use rusqlite::types::Value as Cell;
use sea_orm::Value;

use crate::Result;

/// Connections: the async worker threads (one per core) and a spare or two for blocking threads.
const CONNECTIONS: usize = 4;
/// Page cache of each (negative: KiB). Hot bounded reads touch a few hundred pages.
const CACHE_KIB: &str = "-2000";
/// Prepared statements kept per connection.
const STATEMENTS: usize = 64;

/// Read-only connections to the SQLite file, each used by one thread at a time.
pub struct InlineReaders {
    connections: Vec<Mutex<rusqlite::Connection>>,
}

impl std::fmt::Debug for InlineReaders {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "InlineReaders({})", self.connections.len())
    }
}

impl InlineReaders {
    pub(crate) fn open(path: &Path) -> Result<InlineReaders> {
        let connections = (0..CONNECTIONS)
            .map(|_| {
                let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI;
                let conn = rusqlite::Connection::open_with_flags(path, flags)?;
                conn.busy_timeout(Duration::from_secs(10))?;
                conn.pragma_update(None, "cache_size", CACHE_KIB)?;
                conn.pragma_update(None, "query_only", true)?;
                conn.set_prepared_statement_cache_capacity(STATEMENTS);
                // Plans fixed at prepare time (not re-planned for each bound value, which with
                // ANALYZE's samples re-parses the statement on every run): every read here is
                // bounded, so the generic plan is the right one.
                conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
                Ok(Mutex::new(conn))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(InlineReaders { connections })
    }

    /// Runs `read` on a free connection, here and now; `None` when all are in use (the caller
    /// then reads through the pool). `read` must be bounded: it holds this thread.
    pub(crate) fn try_read<R>(&self, read: impl FnOnce(&rusqlite::Connection) -> Result<R>) -> Option<Result<R>> {
        for slot in &self.connections {
            let conn = match slot.try_lock() {
                Ok(conn) => conn,
                // A panic while reading leaves nothing half-done on a read-only connection.
                Err(TryLockError::Poisoned(p)) => p.into_inner(),
                Err(TryLockError::WouldBlock) => continue,
            };
            return Some(read(&conn));
        }
        None
    }
}

/// A row read inline, with its statement's column names, so that columns are found by an exact
/// comparison of names read once per statement (rusqlite looks each name up through the C API,
/// case-insensitively, on every read).
pub(crate) struct InlineRow<'a, 'r> {
    row: &'a rusqlite::Row<'r>,
    names: &'a [String],
}

impl InlineRow<'_, '_> {
    pub(crate) fn get<T: FromSql>(&self, col: &str) -> Result<T> {
        let at = self.names.iter().position(|n| n == col).ok_or_else(|| rusqlite::Error::InvalidColumnName(col.to_owned()))?;
        Ok(self.row.get(at)?)
    }
}

/// The rows of `sql` (written with `?` placeholders, as everywhere in the store), each mapped.
pub(crate) fn all<T>(
    c: &rusqlite::Connection,
    sql: &str,
    values: &[Value],
    mut map: impl FnMut(&InlineRow<'_, '_>) -> Result<T>,
) -> Result<Vec<T>> {
    let mut st = c.prepare_cached(sql)?;
    let names: Vec<String> = st.column_names().into_iter().map(str::to_owned).collect();
    let mut rows = st.query(rusqlite::params_from_iter(values.iter().map(cell)))?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(map(&InlineRow { row, names: &names })?);
    }
    Ok(out)
}

/// The first row of `sql`, mapped.
pub(crate) fn one<T>(
    c: &rusqlite::Connection,
    sql: &str,
    values: &[Value],
    map: impl FnOnce(&InlineRow<'_, '_>) -> Result<T>,
) -> Result<Option<T>> {
    let mut st = c.prepare_cached(sql)?;
    let names: Vec<String> = st.column_names().into_iter().map(str::to_owned).collect();
    let mut rows = st.query(rusqlite::params_from_iter(values.iter().map(cell)))?;
    rows.next()?.map(|row| map(&InlineRow { row, names: &names })).transpose()
}

/// The first column of the first row, e.g. a `COUNT(*)`.
pub(crate) fn scalar<T: FromSql>(c: &rusqlite::Connection, sql: &str, values: &[Value]) -> Result<T> {
    let mut st = c.prepare_cached(sql)?;
    Ok(st.query_row(rusqlite::params_from_iter(values.iter().map(cell)), |r| r.get(0))?)
}

/// A bound value as SQLite takes it: what sqlx would bind for the same `sea_orm::Value`.
fn cell(v: &Value) -> Cell {
    match v {
        Value::Bool(b) => b.map_or(Cell::Null, |b| Cell::Integer(b as i64)),
        Value::TinyInt(i) => i.map_or(Cell::Null, |i| Cell::Integer(i.into())),
        Value::SmallInt(i) => i.map_or(Cell::Null, |i| Cell::Integer(i.into())),
        Value::Int(i) => i.map_or(Cell::Null, |i| Cell::Integer(i.into())),
        Value::BigInt(i) => i.map_or(Cell::Null, Cell::Integer),
        Value::TinyUnsigned(i) => i.map_or(Cell::Null, |i| Cell::Integer(i.into())),
        Value::SmallUnsigned(i) => i.map_or(Cell::Null, |i| Cell::Integer(i.into())),
        Value::Unsigned(i) => i.map_or(Cell::Null, |i| Cell::Integer(i.into())),
        Value::BigUnsigned(i) => i.map_or(Cell::Null, |i| Cell::Integer(i as i64)),
        Value::Float(f) => f.map_or(Cell::Null, |f| Cell::Real(f.into())),
        Value::Double(f) => f.map_or(Cell::Null, Cell::Real),
        Value::String(s) => s.as_ref().map_or(Cell::Null, |s| Cell::Text(s.clone())),
        Value::Char(c) => c.map_or(Cell::Null, |c| Cell::Text(c.to_string())),
        Value::Bytes(b) => b.as_ref().map_or(Cell::Null, |b| Cell::Blob(b.clone())),
        Value::ChronoDate(d) => d.map_or(Cell::Null, |d| Cell::Text(d.format("%F").to_string())),
        // The store binds nothing else (a new kind is a programming error, caught by the tests).
        other => unreachable!("值类型未用于查询：{other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn busy_connections_send_the_caller_to_the_pool() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let w = rusqlite::Connection::open(&path).unwrap();
        w.execute_batch("PRAGMA journal_mode=WAL; CREATE TABLE t (a INTEGER, b TEXT); INSERT INTO t VALUES (1, 'x'), (2, NULL);").unwrap();
        let readers = InlineReaders::open(&path).unwrap();
        let held: Vec<_> = readers.connections.iter().map(|c| c.lock().unwrap()).collect();
        assert!(readers.try_read(|_| Ok(())).is_none(), "all connections held: the pool must take the read");
        drop(held);
        let rows = readers
            .try_read(|c| {
                all(c, "SELECT a, b FROM t WHERE a >= ? ORDER BY a", &[Value::from(1i64)], |r| {
                    Ok((r.get::<i64>("a")?, r.get::<Option<String>>("b")?))
                })
            })
            .expect("a free connection")
            .unwrap();
        assert_eq!(rows, vec![(1, Some("x".into())), (2, None)]);
        let writes = readers.try_read(|c| Ok(c.execute("INSERT INTO t VALUES (3, 'y')", [])?)).unwrap();
        assert!(writes.is_err(), "inline readers are read-only");
    }
}
