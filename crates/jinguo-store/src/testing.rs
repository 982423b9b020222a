//! Test databases: a fresh SQLite file in a temporary directory always, and a fresh PostgreSQL
//! database when `JINGUO_TEST_DATABASE_URL` is set (CI sets it). Each test gets its own
//! database; PostgreSQL ones are dropped by [`TestDb::finish`], and stale ones from crashed runs
//! are dropped when the next run starts.

use std::sync::Once;

use sea_orm::{ConnectionTrait, Database};

use crate::{Db, DbConfig};

pub struct TestDb {
    pub db: Db,
    pub engine: &'static str,
    /// Keeps the SQLite directory alive.
    pub dir: tempfile_dir::Dir,
    pg: Option<(String, String)>,
}

/// A minimal temp-dir holder, so the store does not depend on the tempfile crate at run time.
pub mod tempfile_dir {
    use std::path::{Path, PathBuf};

    pub struct Dir(PathBuf);

    impl Dir {
        pub fn new() -> Dir {
            let path = std::env::temp_dir().join(format!("jinguo-test-{}", crate::ids::next_id()));
            let _ = std::fs::create_dir_all(&path);
            Dir(path)
        }
        pub fn path(&self) -> &Path {
            &self.0
        }
    }

    impl Default for Dir {
        fn default() -> Self {
            Dir::new()
        }
    }

    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

static SKIP_NOTICE: Once = Once::new();

/// The engines to run a storage test on: SQLite, and PostgreSQL when configured. Says so on
/// stderr, once, when PostgreSQL is skipped.
pub async fn databases() -> Vec<TestDb> {
    let mut out = vec![sqlite().await];
    match std::env::var("JINGUO_TEST_DATABASE_URL") {
        Ok(url) if !url.trim().is_empty() => out.push(postgres(&url).await),
        _ => {
            SKIP_NOTICE.call_once(|| eprintln!("JINGUO_TEST_DATABASE_URL is not set: storage tests run on SQLite only, PostgreSQL skipped"))
        }
    }
    out
}

pub async fn sqlite() -> TestDb {
    let dir = tempfile_dir::Dir::new();
    let db = Db::connect(&DbConfig { url: None, data_dir: dir.path().to_owned() }).await.unwrap_or_else(|e| panic!("sqlite test db: {e}"));
    TestDb { db, engine: "sqlite", dir, pg: None }
}

async fn postgres(admin_url: &str) -> TestDb {
    let admin = Database::connect(admin_url).await.unwrap_or_else(|e| panic!("cannot reach JINGUO_TEST_DATABASE_URL: {e}"));
    drop_stale(&admin).await;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let name = format!("jinguo_t_{now}_{}", crate::ids::next_id() & 0xffff_ffff);
    admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await.unwrap_or_else(|e| panic!("create {name}: {e}"));
    let _ = admin.close().await;
    let url = with_database(admin_url, &name);
    let db =
        Db::connect(&DbConfig { url: Some(url), data_dir: std::env::temp_dir() }).await.unwrap_or_else(|e| panic!("postgres test db: {e}"));
    TestDb { db, engine: "postgres", dir: tempfile_dir::Dir::new(), pg: Some((admin_url.to_owned(), name)) }
}

/// Drops test databases left by runs that started more than two hours ago.
async fn drop_stale(admin: &sea_orm::DatabaseConnection) {
    let Ok(rows) = admin
        .query_all_raw(sea_orm::Statement::from_string(
            admin.get_database_backend(),
            "SELECT datname FROM pg_database WHERE datname LIKE 'jinguo_t_%'",
        ))
        .await
    else {
        return;
    };
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    for row in rows {
        let Ok(name) = row.try_get::<String>("", "datname") else { continue };
        let started: u64 = name.split('_').nth(2).and_then(|s| s.parse().ok()).unwrap_or(now);
        if now.saturating_sub(started) > 7200 {
            let _ = admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name}")).await;
        }
    }
}

fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let after_scheme = base.find("://").map(|i| i + 3).unwrap_or(0);
    let base = match base[after_scheme..].find('/') {
        Some(slash) => &base[..after_scheme + slash],
        None => base,
    };
    format!("{base}/{name}{query}")
}

impl TestDb {
    /// Closes the database and drops it (PostgreSQL) or its directory (SQLite).
    pub async fn finish(self) {
        let TestDb { db, pg, .. } = self;
        db.close().await;
        if let Some((admin_url, name)) = pg
            && let Ok(admin) = Database::connect(&admin_url).await
        {
            let _ = admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
            let _ = admin.close().await;
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn database_name_replaces_the_path() {
        assert_eq!(super::with_database("postgres://u@127.0.0.1:5432/test", "x"), "postgres://u@127.0.0.1:5432/x");
        assert_eq!(super::with_database("postgres://127.0.0.1/test?sslmode=disable", "x"), "postgres://127.0.0.1/x?sslmode=disable");
    }
}
