//! Small key-value settings kept in the database (e.g. which demo data was seeded).

use sea_orm::ConnectionTrait;

use crate::{Result, sql, vals};

pub async fn get<C: ConnectionTrait>(c: &C, key: &str) -> Result<Option<String>> {
    let row = sql::one(c, "SELECT value FROM settings WHERE key = ?", vals![key.to_owned()]).await?;
    row.map(|r| sql::get(&r, "value")).transpose()
}

pub async fn set<C: ConnectionTrait>(c: &C, key: &str, value: &str) -> Result<()> {
    sql::exec(
        c,
        "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        vals![key.to_owned(), value.to_owned()],
    )
    .await?;
    Ok(())
}

/// Removes a setting, so that its default applies again.
pub async fn delete<C: ConnectionTrait>(c: &C, key: &str) -> Result<()> {
    sql::exec(c, "DELETE FROM settings WHERE key = ?", vals![key.to_owned()]).await?;
    Ok(())
}
