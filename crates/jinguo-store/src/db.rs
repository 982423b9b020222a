//! Connecting: the backend is chosen once, from the URL, at start-up (STYLE.md, Storage).

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sea_orm::{
    DatabaseConnection, DatabaseTransaction, DbBackend, SqliteTransactionMode, SqlxPostgresConnector, SqlxSqliteConnector,
    TransactionOptions, TransactionTrait,
};
use sqlx::postgres::PgPoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use crate::inline::InlineReaders;
use crate::{Result, StoreError, migrate};

/// A write transaction. Repositories take `&impl ConnectionTrait`, so they run inside one or on
/// a plain connection alike.
pub type Tx = DatabaseTransaction;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Read connections of the SQLite pool, and each one's page cache (negative: KiB).
const READERS: u32 = 4;
const READER_CACHE_KIB: &str = "-8000";

/// Where the data lives: a database URL, or else `jinguo.db` under the data directory.
#[derive(Clone)]
pub struct DbConfig {
    pub url: Option<String>,
    pub data_dir: PathBuf,
}

impl std::fmt::Debug for DbConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DbConfig").field("url", &self.url.as_deref().map(redact_url)).field("data_dir", &self.data_dir).finish()
    }
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let creds = &url[scheme_end + 3..at];
            match creds.find(':') {
                Some(colon) => format!("{}{}:***{}", &url[..scheme_end + 3], &creds[..colon], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// The database: a reader pool and a writer. On SQLite the writer is a single connection, so
/// write transactions queue in the process instead of spinning on SQLITE_BUSY; on PostgreSQL
/// both are the same pool.
#[derive(Clone)]
pub struct Db {
    read: DatabaseConnection,
    write: DatabaseConnection,
    /// SQLite only: connections for bounded reads on the calling thread (ADR 0016).
    inline: Option<Arc<InlineReaders>>,
    backend: Backend,
    sqlite_path: Option<PathBuf>,
    redacted_url: String,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Db({})", self.redacted_url)
    }
}

impl Db {
    /// Connects and runs the embedded migrations.
    pub async fn connect(config: &DbConfig) -> Result<Db> {
        let db = match config.url.as_deref() {
            None => Db::open_sqlite(&config.data_dir.join("jinguo.db")).await?,
            Some(url) if url.starts_with("sqlite:") => {
                let path = url.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
                Db::open_sqlite(Path::new(path.split('?').next().unwrap_or(path))).await?
            }
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => Db::open_postgres(url).await?,
            Some(url) if url.starts_with("mysql://") => {
                return Err(StoreError::Other("本版本尚未支持 MySQL/TiDB/OceanBase，请使用 SQLite（默认）或 postgres:// 地址".into()));
            }
            Some(url) => {
                return Err(StoreError::Other(format!("无法识别的数据库地址：{}（应为 sqlite:路径 或 postgres://…）", redact_url(url))));
            }
        };
        migrate::run(&db).await?;
        Ok(db)
    }

    async fn open_sqlite(path: &Path) -> Result<Db> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| StoreError::Other(format!("无法创建数据目录 {}：{e}", dir.display())))?;
        }
        let options = SqliteConnectOptions::from_str("sqlite://")?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            .pragma("cache_size", "-16000")
            .pragma("temp_store", "memory");
        let write = SqlitePoolOptions::new().max_connections(1).min_connections(1).connect_with(options.clone()).await?;
        // Readers: two per core is enough to keep both cores busy (a statement waits on its
        // worker thread, not on the disk, once the pages are cached), and each keeps a smaller
        // page cache: the server's memory is mostly these caches (issue 5: ≤ 200 MB at city
        // scale). The operating system's file cache holds the rest of the database.
        let read = SqlitePoolOptions::new()
            .max_connections(READERS)
            .min_connections(1)
            .connect_with(options.read_only(true).pragma("cache_size", READER_CACHE_KIB))
            .await?;
        let inline = Some(Arc::new(InlineReaders::open(path)?));
        Ok(Db {
            inline,
            read: SqlxSqliteConnector::from_sqlx_sqlite_pool(read),
            write: SqlxSqliteConnector::from_sqlx_sqlite_pool(write),
            backend: Backend::Sqlite,
            sqlite_path: Some(path.to_owned()),
            redacted_url: format!("sqlite:{}", path.display()),
        })
    }

    async fn open_postgres(url: &str) -> Result<Db> {
        let pool = PgPoolOptions::new().max_connections(16).acquire_timeout(Duration::from_secs(10)).connect(url).await?;
        let conn = SqlxPostgresConnector::from_sqlx_postgres_pool(pool);
        Ok(Db {
            read: conn.clone(),
            write: conn,
            inline: None,
            backend: Backend::Postgres,
            sqlite_path: None,
            redacted_url: redact_url(url),
        })
    }

    /// Refreshes the query planner's statistics after a bulk load, so that a list of the whole
    /// city and a list of one village each get the index that suits it. SQLite samples (fast even
    /// on millions of rows); PostgreSQL analyses `tables`.
    pub async fn refresh_statistics(&self, tables: &[&str]) -> Result<()> {
        match self.backend {
            Backend::Sqlite => {
                crate::sql::exec(&self.write, "PRAGMA analysis_limit = 1000", vec![]).await?;
                for t in tables {
                    crate::sql::exec(&self.write, &format!("ANALYZE {t}"), vec![]).await?;
                }
            }
            Backend::Postgres => {
                crate::sql::exec(&self.write, &format!("ANALYZE {}", tables.join(", ")), vec![]).await?;
            }
        }
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn db_backend(&self) -> DbBackend {
        match self.backend {
            Backend::Sqlite => DbBackend::Sqlite,
            Backend::Postgres => DbBackend::Postgres,
        }
    }

    /// The connection for reads.
    pub fn reader(&self) -> &DatabaseConnection {
        &self.read
    }

    /// Runs a bounded read (by key, or within a village) on an inline reader in this thread,
    /// skipping the pool's thread hops (ADR 0016); `None` on PostgreSQL or when every inline
    /// connection is in use, and the caller reads through [`Db::reader`].
    pub(crate) fn read_inline<R>(&self, read: impl FnOnce(&rusqlite::Connection) -> Result<R>) -> Option<Result<R>> {
        self.inline.as_ref()?.try_read(read)
    }

    /// The connection for writes outside a transaction (rare: prefer [`Db::begin`]).
    pub fn writer(&self) -> &DatabaseConnection {
        &self.write
    }

    /// Starts a write transaction (`BEGIN IMMEDIATE` on SQLite, so it never fails half-way on
    /// a lock upgrade).
    pub async fn begin(&self) -> Result<Tx> {
        let options = TransactionOptions { sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate), ..Default::default() };
        Ok(self.write.begin_with_options(options).await?)
    }

    /// The SQLite file, for bulk paths that use the C API directly.
    pub fn sqlite_path(&self) -> Option<&Path> {
        self.sqlite_path.as_deref()
    }

    pub fn describe(&self) -> &str {
        &self.redacted_url
    }

    pub(crate) fn postgres_pool(&self) -> Option<&sqlx::PgPool> {
        (self.backend == Backend::Postgres).then(|| self.write.get_postgres_connection_pool())
    }

    pub async fn close(self) {
        let _ = self.read.close().await;
        let _ = self.write.close().await;
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn urls_are_redacted() {
        assert_eq!(super::redact_url("postgres://u:secret@h:5432/db"), "postgres://u:***@h:5432/db");
        assert_eq!(super::redact_url("postgres://h/db"), "postgres://h/db");
    }
}
