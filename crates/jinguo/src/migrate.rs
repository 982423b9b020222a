//! `jinguo migrate`: opens the database, which applies any migration not yet applied, and lists
//! the applied ones. It opens only the database: no key file is read or created.

use std::process::ExitCode;

use jinguo_store::{Db, DbConfig};

use crate::config::Settings;
use crate::ui;

pub async fn run(settings: Settings) -> anyhow::Result<ExitCode> {
    let config = DbConfig { url: settings.database_url.clone(), data_dir: settings.data_dir.clone() };
    let db =
        Db::connect(&config).await.map_err(|e| ui::fail(1, format!("错误：无法打开数据库（{}）：{e}", settings.describe_storage())))?;
    let applied = jinguo_store::migrate::applied(&db).await?;
    println!("数据库：{}", db.describe());
    println!("已应用的迁移（{} 个）：", applied.len());
    for (version, name) in &applied {
        println!("  {version:04}  {name}");
    }
    db.close().await;
    Ok(ExitCode::SUCCESS)
}
