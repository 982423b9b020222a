//! Embedded migrations, run at start-up. Plain SQL in the subset both engines accept, except
//! where a migration concerns one engine only (it is recorded as applied on the other); a file
//! is never edited once released: a change is a new file.

use sea_orm::ConnectionTrait;

use crate::{Db, Result, sql, vals};

/// A migration's statements.
enum Body {
    /// The same on both engines.
    Both(&'static str),
    /// For SQLite; PostgreSQL has nothing to change.
    Sqlite(&'static str),
}
use Body::{Both, Sqlite};

impl Body {
    /// The statements to run on SQLite (`sqlite`) or on PostgreSQL, if any.
    fn on(&self, sqlite: bool) -> Option<&'static str> {
        match self {
            Both(text) => Some(text),
            Sqlite(text) => sqlite.then_some(text),
        }
    }
}

const MIGRATIONS: &[(i64, &str, Body)] = &[
    (1, "foundation", Both(include_str!("../migrations/0001_foundation.sql"))),
    (2, "people", Both(include_str!("../migrations/0002_people.sql"))),
    (3, "attendance", Both(include_str!("../migrations/0003_attendance.sql"))),
    (4, "care", Both(include_str!("../migrations/0004_care.sql"))),
    (5, "screenings", Both(include_str!("../migrations/0005_screenings.sql"))),
    (6, "help", Both(include_str!("../migrations/0006_help.sql"))),
    (7, "people_name_index", Both(include_str!("../migrations/0007_people_name_index.sql"))),
    (8, "overdue_index", Both(include_str!("../migrations/0008_overdue_index.sql"))),
    (9, "short_blind_indexes", Both(include_str!("../migrations/0009_short_blind_indexes.sql"))),
    (10, "families_public", Both(include_str!("../migrations/0010_families_public.sql"))),
    (11, "points", Both(include_str!("../migrations/0011_points.sql"))),
    (12, "awards", Both(include_str!("../migrations/0012_awards.sql"))),
    (13, "education", Both(include_str!("../migrations/0013_education.sql"))),
    (16, "women_by_birth_month", Both(include_str!("../migrations/0016_women_by_birth_month.sql"))),
    (17, "store_reserved", Both(include_str!("../migrations/0017_store_reserved.sql"))),
    (18, "sqlite_tables_by_key", Sqlite(include_str!("../migrations/0018_sqlite_tables_by_key.sql"))),
];

/// Applies every migration not yet applied, each in its own transaction.
pub(crate) async fn run(db: &Db) -> Result<()> {
    db.writer()
        .execute_unprepared(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
        )
        .await?;
    let sqlite = matches!(db.backend(), crate::Backend::Sqlite);
    for (version, name, body) in MIGRATIONS {
        let tx = db.begin().await?;
        let applied: i64 = sql::scalar(&tx, "SELECT COUNT(*) FROM schema_migrations WHERE version = ?", vals![*version]).await?;
        if applied == 0 {
            tracing::info!(version, name, "applying migration");
            if let Some(body) = body.on(sqlite) {
                tx.execute_unprepared(body).await?;
            }
            sql::exec(
                &tx,
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                vals![*version, *name, chrono::Utc::now().timestamp_millis()],
            )
            .await?;
        }
        tx.commit().await?;
    }
    Ok(())
}

/// The versions applied, for `jinguo migrate` to report.
pub async fn applied(db: &Db) -> Result<Vec<(i64, String)>> {
    let rows = sql::all(db.reader(), "SELECT version, name FROM schema_migrations ORDER BY version", vec![]).await?;
    rows.iter().map(|r| Ok((sql::get(r, "version")?, sql::get(r, "name")?))).collect()
}

#[cfg(test)]
mod tests {
    use super::MIGRATIONS;

    /// The SQLite-only migration that rebuilds the roll-ups and the people's categories by key
    /// keeps every row of a register that had them, and leaves tables without a rowid.
    #[test]
    fn rebuilding_tables_by_key_keeps_every_row() {
        let c = rusqlite::Connection::open_in_memory().unwrap();
        c.pragma_update(None, "foreign_keys", "ON").unwrap();
        let body = |b: &super::Body| b.on(true).unwrap_or_default();
        let (before, after): (Vec<_>, Vec<_>) = MIGRATIONS.iter().partition(|(version, _, _)| *version < 18);
        for (_, _, b) in &before {
            c.execute_batch(body(b)).unwrap();
        }
        c.execute_batch(
            "INSERT INTO regions (code, name, level, parent) VALUES ('420502001001', '某村', 5, NULL);
             INSERT INTO people (id, region, name, id_cipher, id_index, birth_date, sex, created_at, updated_at)
             VALUES (7, '420502001001', '王芳', 'v1.1.x', 'a1', '1990-03-15', 'female', 1, 1),
                    (8, '420502001001', '李娜', 'v1.1.y', 'b2', '1985-01-01', 'female', 1, 1);
             INSERT INTO person_categories (person, category, region)
             VALUES (7, 'hardship', '420502001001'), (7, 'disability', '420502001001'), (8, 'left_behind', '420502001001');
             INSERT INTO rollups (metric, region, tier, bucket, value)
             VALUES ('people.registered', '420502001001', 0, 2026, 2), ('people.registered', '420502000000', 0, 2026, 2),
                    ('people.women.born', '420502001001', 1, 199003, 1);",
        )
        .unwrap();
        let rows = |sql: &str| -> Vec<String> {
            let mut st = c.prepare(sql).unwrap();
            st.query_map([], |r| r.get::<_, String>(0)).unwrap().collect::<rusqlite::Result<_>>().unwrap()
        };
        let rollups = "SELECT metric || '|' || region || '|' || tier || '|' || bucket || '|' || value FROM rollups ORDER BY 1";
        let categories = "SELECT person || '|' || category || '|' || region FROM person_categories ORDER BY 1";
        let (rollups_before, categories_before) = (rows(rollups), rows(categories));
        assert_eq!(rollups_before.len(), 3);
        assert_eq!(categories_before.len(), 3);
        assert!(c.prepare("SELECT rowid FROM rollups").is_ok(), "before: an ordinary table");

        for (_, _, b) in &after {
            c.execute_batch(body(b)).unwrap();
        }
        assert_eq!(rows(rollups), rollups_before);
        assert_eq!(rows(categories), categories_before);
        for table in ["rollups", "person_categories"] {
            assert!(c.prepare(&format!("SELECT rowid FROM {table}")).is_err(), "{table} still has a rowid");
        }
        // The category index is back, and the key still refuses a repeat.
        let plan: String =
            c.query_row("EXPLAIN QUERY PLAN SELECT person FROM person_categories WHERE category = 'hardship'", [], |r| r.get(3)).unwrap();
        assert!(plan.contains("person_categories_category"), "{plan}");
        assert!(c.execute("INSERT INTO person_categories (person, category, region) VALUES (7, 'hardship', '420502001001')", []).is_err());
        assert!(
            c.execute("INSERT INTO person_categories (person, category, region) VALUES (99, 'hardship', '420502001001')", []).is_err(),
            "a category of nobody"
        );
    }
}
