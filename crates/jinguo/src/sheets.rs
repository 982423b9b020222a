//! What the spreadsheet commands share (`jinguo people|care|screenings template|import|export`):
//! writing a template, an import with a progress bar that lands whole or leaves a marked sheet
//! beside the file, and the account an import or export acts as.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use clap::Args;
use jinguo_app::sheets::{Download, ImportOutcome, OnProgress, SheetKind};
use jinguo_app::{Actor, App};

use crate::config::Settings;
use crate::ui;

/// 导入：全部无误才一次性写入；有错则不写入，并生成标明错误的表格
#[derive(Debug, Args)]
pub struct ImportArgs {
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// 以该工作人员账号的身份和管辖范围导入（默认：命令行操作员，不限范围）
    #[arg(long = "as", value_name = "USERNAME")]
    pub as_user: Option<String>,
    /// 标明错误的表格写到这里（默认：原文件旁，文件名加“（错误标注）”）
    #[arg(long, value_name = "FILE")]
    pub errors: Option<PathBuf>,
}

/// Writes the import template of `kind`.
pub async fn template(settings: &Settings, kind: SheetKind, output: &Path) -> anyhow::Result<ExitCode> {
    let app = settings.open_app().await?;
    let t: Download = match kind {
        SheetKind::People => app.people_template(),
        SheetKind::CareCases => app.care_template(),
        SheetKind::Screenings => app.screening_template(),
    }
    .map_err(|e| anyhow::anyhow!("{}", ui::describe_app(&e)))?;
    write(output, &t.bytes)?;
    println!("已生成{}导入模板：{}", kind.label(), output.display());
    Ok(ExitCode::SUCCESS)
}

/// Imports a sheet of `kind` with a progress bar; a refused sheet comes back marked beside it.
pub async fn import(settings: &Settings, kind: SheetKind, args: ImportArgs) -> anyhow::Result<ExitCode> {
    let ImportArgs { file, as_user, errors: errors_to } = args;
    let started = Instant::now();
    let bytes = std::fs::read(&file).map_err(|e| ui::fail(1, format!("错误：无法读取 {}：{e}", file.display())))?;
    let app = settings.open_app().await?;
    let actor = actor(&app, as_user.as_deref()).await?;
    let bar = ui::progress_bar("正在读取…");
    let draw = ui::progress_callback(&bar);
    let progress: OnProgress = Arc::new(move |p| draw(p.stage.label(), p.done, p.total.max(p.done)));
    let name = file.to_string_lossy();
    let outcome = match kind {
        SheetKind::People => app.import_people(&actor, &name, bytes, progress).await,
        SheetKind::CareCases => app.import_care_cases(&actor, &name, bytes, progress).await,
        SheetKind::Screenings => app.import_screenings(&actor, &name, bytes, progress).await,
    };
    bar.finish_and_clear();
    match outcome.map_err(|e| ui::fail(1, format!("错误：{}\n未导入任何数据。", ui::describe_app(&e))))? {
        ImportOutcome::Imported(done) => {
            let elapsed = started.elapsed();
            let what = match kind {
                SheetKind::People => format!(
                    "共 {} 行，新登记 {} 人，已登记过（未重复登记）{} 人",
                    ui::thousands(done.rows as u64),
                    ui::thousands(done.created as u64),
                    ui::thousands(done.existing as u64),
                ),
                _ => done.summary(),
            };
            println!(
                "导入完成：{what}，用时 {}（{} 行/秒）。",
                ui::seconds(elapsed),
                ui::thousands((done.rows as f64 / elapsed.as_secs_f64().max(1e-9)) as u64),
            );
            Ok(ExitCode::SUCCESS)
        }
        ImportOutcome::Rejected(r) => {
            let target = errors_to.unwrap_or_else(|| file.with_file_name(r.file_name(&name)));
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
pub async fn actor(app: &App, username: Option<&str>) -> anyhow::Result<Actor> {
    match username {
        None => Ok(Actor::operator()),
        Some(u) => app.actor_for(u).await.map_err(|e| ui::fail(1, format!("错误：{}", ui::describe_app(&e)))),
    }
}

pub fn write(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    std::fs::write(path, bytes).map_err(|e| ui::fail(1, format!("错误：无法写入 {}：{e}", path.display())))
}

/// Parses `--region`.
pub fn region(code: Option<String>) -> anyhow::Result<Option<jinguo_domain::RegionCode>> {
    code.map(|r| jinguo_domain::RegionCode::parse(&r)).transpose().map_err(|e| ui::fail(1, format!("错误：--region 有误：{e}")))
}

/// Writes an export and says how many rows went where.
pub fn exported(d: Result<Download, jinguo_app::AppError>, output: &Path, unit: &str) -> anyhow::Result<ExitCode> {
    let d = d.map_err(|e| ui::fail(1, format!("错误：{}", ui::describe_app(&e))))?;
    write(output, &d.bytes)?;
    println!("已导出 {} {unit}到 {}（已记入审计日志）。", ui::thousands(d.rows as u64), output.display());
    Ok(ExitCode::SUCCESS)
}
