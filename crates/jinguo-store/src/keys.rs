//! What key rotation needs from storage: the sealed columns read in keyset batches, rewritten
//! row by row, and counted by the key that sealed them. The list of sealed columns and their
//! purposes lives in the app layer (it holds the keys); table and column names reach the SQL
//! here only from that fixed list, never from input.

use sea_orm::{ConnectionTrait, Value};

use crate::{Result, sql, vals};

/// One row of a table with sealed columns: its id and the values of the asked columns, in order.
#[derive(Debug, Clone)]
pub struct SealedRow {
    pub id: i64,
    pub values: Vec<Option<String>>,
}

/// Up to `limit` rows of `table` with `id > after`, in id order, with `columns`.
pub async fn batch<C: ConnectionTrait>(c: &C, table: &str, columns: &[&str], after: i64, limit: u64) -> Result<Vec<SealedRow>> {
    let sql = format!("SELECT id, {} FROM {table} WHERE id > ? ORDER BY id LIMIT {limit}", columns.join(", "));
    let rows = sql::all(c, &sql, vals![after]).await?;
    rows.iter()
        .map(|r| {
            let values = columns.iter().map(|col| sql::get::<Option<String>>(r, col)).collect::<Result<Vec<_>>>()?;
            Ok(SealedRow { id: sql::get(r, "id")?, values })
        })
        .collect()
}

/// Sets `columns` of one row to `values` (a rewrite of sealed values and their indexes).
pub async fn rewrite<C: ConnectionTrait>(c: &C, table: &str, id: i64, columns: &[&str], values: Vec<Option<String>>) -> Result<u64> {
    let sets: Vec<String> = columns.iter().map(|col| format!("{col} = ?")).collect();
    let mut params: Vec<Value> = values.into_iter().map(Value::from).collect();
    params.push(id.into());
    sql::write(c, &format!("UPDATE {table} SET {} WHERE id = ?", sets.join(", ")), params, "盲索引").await
}

pub async fn count_rows<C: ConnectionTrait>(c: &C, table: &str) -> Result<i64> {
    sql::scalar(c, &format!("SELECT COUNT(*) FROM {table}"), vec![]).await
}

/// Values of `column` that are not null.
pub async fn count_present<C: ConnectionTrait>(c: &C, table: &str, column: &str) -> Result<i64> {
    sql::scalar(c, &format!("SELECT COUNT({column}) FROM {table}"), vec![]).await
}

/// Values of `column` sealed under key `key_id`.
pub async fn count_under<C: ConnectionTrait>(c: &C, table: &str, column: &str, key_id: u32) -> Result<i64> {
    sql::scalar(c, &format!("SELECT COUNT(*) FROM {table} WHERE {column} LIKE ?"), vals![format!("v1.{key_id}.%")]).await
}

/// Values of `column` (not null) sealed under any key other than `key_id`.
pub async fn count_not_under<C: ConnectionTrait>(c: &C, table: &str, column: &str, key_id: u32) -> Result<i64> {
    sql::scalar(
        c,
        &format!("SELECT COUNT(*) FROM {table} WHERE {column} IS NOT NULL AND {column} NOT LIKE ?"),
        vals![format!("v1.{key_id}.%")],
    )
    .await
}
