//! `jinguo people template|import|export`: the people register in spreadsheets, from the
//! server's shell (as the operator, or within an account's scope with `--as`).

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use clap::Subcommand;
use jinguo_app::sheets::{ExportRequest, ImportOutcome, OnProgress};
use jinguo_app::{Actor, App};
use jinguo_domain::RegionCode;

use crate::config::Settings;
use crate::ui;

#[derive(Debug, Subcommand)]
pub enum Command {
    /// 生成人员信息导入模板（.xlsx：列名、下拉选项与填写说明）
    Template {
        /// 模板文件
        #[arg(short, long, value_name = "FILE.xlsx")]
        output: PathBuf,
    },
    /// 导入人员信息（.xlsx 或 .csv，列名同模板）：全部无误才一次性写入；有错则不写入，并生成标明错误的表格
    Import {
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// 以该工作人员账号的身份和管辖范围导入（默认：命令行操作员，不限范围）
        #[arg(long = "as", value_name = "USERNAME")]
        as_user: Option<String>,
        /// 标明错误的表格写到这里（默认：原文件旁，文件名加“（错误标注）”）
        #[arg(long, value_name = "FILE")]
        errors: Option<PathBuf>,
    },
    /// 导出人员名单为 .xlsx（默认脱敏；每次导出都记入审计日志）
    Export {
        #[arg(short, long, value_name = "FILE.xlsx")]
        output: PathBuf,
        /// 导出原因（记入审计日志）
        #[arg(long)]
        reason: String,
        /// 只导出该地区（区划代码）
        #[arg(long, value_name = "CODE")]
        region: Option<String>,
        /// 只导出该类别（如 hardship 或 困难）
        #[arg(long)]
        category: Option<String>,
        /// 含完整姓名、身份证号码、电话与住址
        #[arg(long)]
        full: bool,
        #[arg(long = "as", value_name = "USERNAME")]
        as_user: Option<String>,
    },
}

pub async fn run(cmd: Command, settings: Settings) -> anyhow::Result<ExitCode> {
    match cmd {
        Command::Template { output } => {
            let app = settings.open_app().await?;
            let t = app.people_template().map_err(|e| anyhow::anyhow!("{}", ui::describe_app(&e)))?;
            write(&output, &t.bytes)?;
            println!("已生成人员信息导入模板：{}", output.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Import { file, as_user, errors } => import(&settings, &file, as_user.as_deref(), errors).await,
        Command::Export { output, reason, region, category, full, as_user } => {
            let app = settings.open_app().await?;
            let actor = actor(&app, as_user.as_deref()).await?;
            let region = region.map(|r| RegionCode::parse(&r)).transpose().map_err(|e| ui::fail(1, format!("错误：--region 有误：{e}")))?;
            let d = app
                .export_people(&actor, region.as_ref(), category.as_deref(), None, &ExportRequest { reason, full })
                .await
                .map_err(|e| ui::fail(1, format!("错误：{}", ui::describe_app(&e))))?;
            write(&output, &d.bytes)?;
            println!("已导出 {} 人到 {}（已记入审计日志）。", ui::thousands(d.rows as u64), output.display());
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn import(
    settings: &Settings,
    file: &std::path::Path,
    as_user: Option<&str>,
    errors_to: Option<PathBuf>,
) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let bytes = std::fs::read(file).map_err(|e| ui::fail(1, format!("错误：无法读取 {}：{e}", file.display())))?;
    let app = settings.open_app().await?;
    let actor = actor(&app, as_user).await?;
    let bar = ui::progress_bar("正在读取…");
    let draw = ui::progress_callback(&bar);
    let progress: OnProgress = Arc::new(move |p| draw(p.stage.label(), p.done, p.total.max(p.done)));
    let outcome = app.import_people(&actor, &file.to_string_lossy(), bytes, progress).await;
    bar.finish_and_clear();
    match outcome.map_err(|e| ui::fail(1, format!("错误：{}\n未导入任何数据。", ui::describe_app(&e))))? {
        ImportOutcome::Imported(done) => {
            let elapsed = started.elapsed();
            println!(
                "导入完成：共 {} 行，新登记 {} 人，已登记过（未重复登记）{} 人，用时 {}（{} 行/秒）。",
                ui::thousands(done.rows as u64),
                ui::thousands(done.created as u64),
                ui::thousands(done.existing as u64),
                ui::seconds(elapsed),
                ui::thousands((done.rows as f64 / elapsed.as_secs_f64().max(1e-9)) as u64),
            );
            Ok(ExitCode::SUCCESS)
        }
        ImportOutcome::Rejected(r) => {
            let target = errors_to.unwrap_or_else(|| file.with_file_name(r.file_name(&file.to_string_lossy())));
            write(&target, &r.sheet)?;
            let mut lines: Vec<String> = r.errors.iter().take(20).map(|e| format!("第 {} 行：{}", e.line, e.message)).collect();
            if r.errors.len() > 20 {
                lines.push(format!("……其余 {} 处见标注表格", r.errors.len() - 20));
            }
            lines.push(format!(
                "共 {} 行，其中 {} 行有错误，未导入任何数据。已生成标明错误的表格：{}",
                ui::thousands(r.rows as u64),
                ui::thousands(r.errors.len() as u64),
                target.display()
            ));
            Err(ui::fail(1, lines.join("\n")))
        }
    }
}

/// The operator, or the named account acting within its scope.
async fn actor(app: &App, username: Option<&str>) -> anyhow::Result<Actor> {
    match username {
        None => Ok(Actor::operator()),
        Some(u) => app.actor_for(u).await.map_err(|e| ui::fail(1, format!("错误：{}", ui::describe_app(&e)))),
    }
}

fn write(path: &std::path::Path, bytes: &[u8]) -> anyhow::Result<()> {
    std::fs::write(path, bytes).map_err(|e| ui::fail(1, format!("错误：无法写入 {}：{e}", path.display())))
}
