//! Embedded migrations, run at start-up. Plain SQL in the subset both engines accept; a file is
//! never edited once released: a change is a new file.

use sea_orm::ConnectionTrait;

use crate::{Db, Result, sql, vals};

const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "foundation", include_str!("../migrations/0001_foundation.sql")),
    (2, "people", include_str!("../migrations/0002_people.sql")),
    (3, "attendance", include_str!("../migrations/0003_attendance.sql")),
    (4, "care", include_str!("../migrations/0004_care.sql")),
    (5, "screenings", include_str!("../migrations/0005_screenings.sql")),
    (6, "help", include_str!("../migrations/0006_help.sql")),
    (7, "people_name_index", include_str!("../migrations/0007_people_name_index.sql")),
    (8, "overdue_index", include_str!("../migrations/0008_overdue_index.sql")),
    (9, "short_blind_indexes", include_str!("../migrations/0009_short_blind_indexes.sql")),
    (10, "families_public", include_str!("../migrations/0010_families_public.sql")),
    (11, "points", include_str!("../migrations/0011_points.sql")),
    (12, "awards", include_str!("../migrations/0012_awards.sql")),
    (13, "education", include_str!("../migrations/0013_education.sql")),
    (16, "women_by_birth_month", include_str!("../migrations/0016_women_by_birth_month.sql")),
    (17, "store_reserved", include_str!("../migrations/0017_store_reserved.sql")),
];

/// Applies every migration not yet applied, each in its own transaction.
pub(crate) async fn run(db: &Db) -> Result<()> {
    db.writer()
        .execute_unprepared(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
        )
        .await?;
    for &(version, name, body) in MIGRATIONS {
        let tx = db.begin().await?;
        let applied: i64 = sql::scalar(&tx, "SELECT COUNT(*) FROM schema_migrations WHERE version = ?", vals![version]).await?;
        if applied == 0 {
            tracing::info!(version, name, "applying migration");
            tx.execute_unprepared(body).await?;
            sql::exec(
                &tx,
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                vals![version, name, chrono::Utc::now().timestamp_millis()],
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
