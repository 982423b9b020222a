//! The small SQL toolkit every repository uses: statements with `?` placeholders for both
//! engines, value lists, row getters and keyset pages.

use sea_orm::{ConnectionTrait, DbBackend, QueryResult, Statement, TryGetable, Value};

use crate::{Result, StoreError};

/// Builds a statement from SQL written with `?` placeholders, numbering them `$1, $2…` for
/// PostgreSQL. Placeholders inside quoted strings are left alone.
pub(crate) fn stmt(backend: DbBackend, sql: &str, values: Vec<Value>) -> Statement {
    if backend != DbBackend::Postgres {
        return Statement::from_sql_and_values(backend, sql, values);
    }
    let mut out = String::with_capacity(sql.len() + 16);
    let mut n = 0;
    let mut in_quote = false;
    for c in sql.chars() {
        match c {
            '\'' => {
                in_quote = !in_quote;
                out.push(c);
            }
            '?' if !in_quote => {
                n += 1;
                out.push('$');
                out.push_str(&n.to_string());
            }
            _ => out.push(c),
        }
    }
    Statement::from_sql_and_values(backend, out, values)
}

/// `vals![a, b, c]`: a `Vec<sea_orm::Value>` from anything that converts.
#[macro_export]
macro_rules! vals {
    ($($v:expr),* $(,)?) => { vec![$(sea_orm::Value::from($v)),*] };
}

pub(crate) async fn exec<C: ConnectionTrait>(c: &C, sql: &str, values: Vec<Value>) -> Result<u64> {
    Ok(c.execute_raw(stmt(c.get_database_backend(), sql, values)).await?.rows_affected())
}

/// Executes a write; a unique violation becomes `Conflict(what)`.
pub(crate) async fn write<C: ConnectionTrait>(c: &C, sql: &str, values: Vec<Value>, what: &str) -> Result<u64> {
    c.execute_raw(stmt(c.get_database_backend(), sql, values)).await.map(|r| r.rows_affected()).map_err(|e| StoreError::from_write(e, what))
}

pub(crate) async fn all<C: ConnectionTrait>(c: &C, sql: &str, values: Vec<Value>) -> Result<Vec<QueryResult>> {
    Ok(c.query_all_raw(stmt(c.get_database_backend(), sql, values)).await?)
}

pub(crate) async fn one<C: ConnectionTrait>(c: &C, sql: &str, values: Vec<Value>) -> Result<Option<QueryResult>> {
    Ok(c.query_one_raw(stmt(c.get_database_backend(), sql, values)).await?)
}

/// `s` as a literal inside a LIKE pattern written with `ESCAPE '\'`: its `%`, `_` and `\`
/// match themselves (an action such as `care_case.open` is found by its full name).
pub(crate) fn like_literal(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 4);
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// One value from the first row, e.g. a `COUNT(*)`.
pub(crate) async fn scalar<C: ConnectionTrait, T: TryGetable>(c: &C, sql: &str, values: Vec<Value>) -> Result<T> {
    let row = one(c, sql, values).await?.ok_or(StoreError::NotFound)?;
    Ok(row.try_get_by_index::<T>(0)?)
}

/// A value a column can be read as, from the pool's rows and from the inline readers' alike.
pub(crate) trait Cell: TryGetable + rusqlite::types::FromSql {}
impl<T: TryGetable + rusqlite::types::FromSql> Cell for T {}

/// A row of a result: the pool's (`QueryResult`, either engine) or an inline reader's
/// (`inline::InlineRow`, SQLite), so that one mapping function serves both.
pub(crate) trait Row {
    fn cell<T: Cell>(&self, col: &str) -> Result<T>;
}

impl Row for QueryResult {
    fn cell<T: Cell>(&self, col: &str) -> Result<T> {
        Ok(self.try_get::<T>("", col)?)
    }
}

impl Row for crate::inline::InlineRow<'_, '_> {
    fn cell<T: Cell>(&self, col: &str) -> Result<T> {
        self.get::<T>(col)
    }
}

/// A column of a row by name.
pub(crate) fn get<T: Cell>(row: &impl Row, col: &str) -> Result<T> {
    row.cell(col)
}

/// A page of a keyset-paged list: the items, the total in scope, and the cursor of the next page.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub next: Option<String>,
}

impl<T> Page<T> {
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page { items: self.items.into_iter().map(f).collect(), total: self.total, next: self.next }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_for_postgres_outside_quotes() {
        let s = stmt(DbBackend::Postgres, "SELECT '?' , a FROM t WHERE a = ? AND b = ?", vec![]);
        assert_eq!(s.sql, "SELECT '?' , a FROM t WHERE a = $1 AND b = $2");
        let s = stmt(DbBackend::Sqlite, "SELECT a FROM t WHERE a = ?", vec![]);
        assert_eq!(s.sql, "SELECT a FROM t WHERE a = ?");
    }
}
