//! `jinguo keys rotate [--force] [--retire-old]` and `jinguo keys status`: the master keys
//! (docs/adr/0010-key-rotation.md). Rotation adds a new key to the key file, re-seals every
//! sealed field and recomputes every blind index under it, in batches; run again after a crash
//! and it carries on where it stopped. Stop the server first: it refuses while a server's
//! heartbeat is fresh.

use std::process::ExitCode;

use clap::Subcommand;
use jinguo_app::Actor;
use jinguo_app::keys::RotateOptions;

use crate::config::Settings;
use crate::ui;

#[derive(Debug, Subcommand)]
pub enum Command {
    /// 轮换主密钥：在密钥文件中加入新密钥（旧密钥保留），用新密钥重新加密全部加密字段并重算盲索引。请先停止服务；中断后再次执行即可继续
    Rotate(RotateArgs),
    /// 查看密钥文件中的密钥，以及各加密字段分别由哪个密钥加密
    Status,
}

#[derive(Debug, Clone, clap::Args)]
pub struct RotateArgs {
    /// 确认服务已停止：即使数据库中仍有新近的服务心跳也执行轮换
    #[arg(long)]
    force: bool,
    /// 轮换完成后从密钥文件中删除旧密钥（删除后，轮换前的数据库备份将无法解密，请先另行保管旧密钥文件）
    #[arg(long)]
    retire_old: bool,
    /// 每个事务处理的行数
    #[arg(long, default_value_t = 1000, value_name = "N")]
    batch: u64,
}

pub async fn run(cmd: Command, settings: Settings) -> anyhow::Result<ExitCode> {
    match cmd {
        Command::Rotate(args) => rotate(args, settings).await,
        Command::Status => status(settings).await,
    }
}

/// The key file, which rotation must be able to read and write.
fn key_file(settings: &Settings) -> anyhow::Result<std::path::PathBuf> {
    if settings.keys_from_environment() {
        return Err(ui::fail(
            1,
            "错误：密钥来自环境变量 JINGUO_KEYS，本命令无法写入新密钥。请把密钥写入文件（每行 编号:十六进制密钥），用 JINGUO_KEY_FILE 指向它后再轮换，\
             完成后再更新密钥管理系统中的 JINGUO_KEYS。",
        ));
    }
    let path = settings.open_options().key_path();
    if !path.exists() {
        return Err(ui::fail(1, format!("错误：找不到密钥文件 {}。没有密钥文件就无法打开已加密的数据，也无需轮换。", path.display())));
    }
    Ok(path)
}

async fn rotate(args: RotateArgs, settings: Settings) -> anyhow::Result<ExitCode> {
    let path = key_file(&settings)?;
    let app = settings.open_app_unchecked().await?;
    let options = RotateOptions { key_file: path.clone(), force: args.force, retire_old: args.retire_old, batch: args.batch };
    let bar = ui::progress_bar("正在轮换密钥");
    let result = app.rotate_keys(&Actor::operator(), &options, Some(ui::progress_callback(&bar))).await;
    bar.finish_and_clear();
    let report = result.map_err(|e| {
        ui::fail(1, format!("错误：{}\n密钥轮换未完成；已处理的行仍可打开，再次执行 jinguo keys rotate 即可继续。", ui::describe_app(&e)))
    })?;

    if report.resumed {
        println!("继续未完成的轮换。");
    }
    println!("密钥轮换完成：密钥 {} → {}（密钥文件 {}）", report.from_key, report.to_key, path.display());
    for t in &report.tables {
        println!(
            "  {}（{}）：{} 行，本次重新加密 {} 行",
            t.label,
            t.table,
            ui::thousands(t.rows.max(0) as u64),
            ui::thousands(t.rewritten)
        );
    }
    if report.retired.is_empty() {
        println!("旧密钥仍保留在密钥文件中，以便打开轮换前的备份；确认不再需要后可用 --retire-old 删除。");
    } else {
        let ids: Vec<String> = report.retired.iter().map(u32::to_string).collect();
        println!("已从密钥文件中删除旧密钥：{}。", ids.join("、"));
    }
    println!("请用新的密钥文件重新启动服务，并备份密钥文件。");
    Ok(ExitCode::SUCCESS)
}

async fn status(settings: Settings) -> anyhow::Result<ExitCode> {
    let app = settings.open_app_unchecked().await?;
    let s = app.key_status(&app.crypto.ring).await.map_err(|e| ui::fail(1, format!("错误：{}", ui::describe_app(&e))))?;
    let ids: Vec<String> = s.keys.iter().map(u32::to_string).collect();
    println!("密钥：{}（当前 {}）", ids.join("、"), s.current);
    match s.index_key {
        Some(k) if k == s.current => println!("盲索引密钥：{k}（与当前密钥一致）"),
        Some(k) => println!("盲索引密钥：{k}（与当前密钥 {} 不一致：请执行 jinguo keys rotate）", s.current),
        None => println!("盲索引密钥：尚未记录"),
    }
    if let Some(r) = s.rotating {
        println!("轮换进行中：新密钥 {r}（再次执行 jinguo keys rotate 完成）");
    }
    for c in &s.columns {
        let parts: Vec<String> = c.by_key.iter().map(|(k, n)| format!("密钥 {k}：{}", ui::thousands(*n as u64))).collect();
        let unknown = if c.unknown > 0 { format!("，未知密钥：{}", c.unknown) } else { String::new() };
        println!("  {}.{}：{}{unknown}", c.table, c.column, parts.join("，"));
    }
    Ok(ExitCode::SUCCESS)
}
