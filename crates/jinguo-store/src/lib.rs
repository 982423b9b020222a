//! Storage: one schema and one query code for SQLite and PostgreSQL (DESIGN.md principle 6).
//!
//! Queries are plain SQL in the subset both engines accept, written with `?` placeholders and
//! turned into `$n` for PostgreSQL by [`stmt`]. Every function that reads or writes a register
//! takes a [`Scope`]; there is no way to list federations, homes or activities without one.
//! Roll-ups ([`rollup`]) are written in the same transaction as their records.
//!
//! What lives here: the schema and its migrations, repositories by domain area (`org`, `access`,
//! `audit`), roll-ups and indicator reads. What does not: permissions (the app layer), HTML and
//! HTTP (the web layer).

pub mod access;
pub mod audit;
pub mod awards;
pub mod bulk;
pub mod care;
pub mod completeness;
mod db;
pub mod education;
pub mod family;
pub mod health;
pub mod help;
pub mod ids;
mod inline;
pub mod insight;
pub mod keys;
pub mod migrate;
pub mod org;
pub mod people;
pub mod public;
pub mod register;
pub mod rollup;
mod scope;
pub mod settings;
mod sql;
pub mod testing;
pub mod trace;
mod work;

pub use db::{Backend, Db, DbConfig, Tx};
pub use scope::Scope;
pub use sea_orm::ConnectionTrait;
pub use sql::Page;
pub use work::Work;

/// What can go wrong in storage, as outcomes the layers above can act on.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("记录不存在")]
    NotFound,
    /// A unique constraint refused the write; the text names what was duplicated.
    #[error("记录已存在：{0}")]
    Conflict(String),
    #[error("数据库错误：{0}")]
    Db(#[from] sea_orm::DbErr),
    #[error("数据库错误：{0}")]
    Sqlx(#[from] sqlx::Error),
    #[error("数据库错误：{0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("{0}")]
    Other(String),
}

impl StoreError {
    /// Maps unique violations to `Conflict`, keeping everything else as it is.
    pub(crate) fn from_write(err: sea_orm::DbErr, what: &str) -> StoreError {
        match err.sql_err() {
            Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => StoreError::Conflict(what.to_owned()),
            _ => StoreError::Db(err),
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_awards;
#[cfg(test)]
mod tests_education;
#[cfg(test)]
mod tests_help;
