//! `jinguo regions import FILE… [--federations-under CODE]`: imports division CSVs in the format
//! of data/divisions/ (all rows or none), then creates the region federations of a subtree.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::Subcommand;
use jinguo_app::org::regions::{ImportFile, ImportOutcome, ImportSummary, RowError, level_names};
use jinguo_app::{Actor, App, AppError};
use jinguo_domain::RegionCode;

use crate::config::Settings;
use crate::ui;

#[derive(Debug, Subcommand)]
pub enum Command {
    /// 导入区划文件（国家统计局区划代码 CSV：code,name,上级代码…）；全部无误才写入，否则列出每一处错误
    Import(ImportArgs),
}

#[derive(Debug, Clone, clap::Args)]
pub struct ImportArgs {
    /// 区划 CSV 文件，可以多个，顺序不限
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// 导入后为该区划及其全部下级区划建立妇联组织（已有的不重复建立）[默认：配置的城市]
    #[arg(long, value_name = "CODE")]
    federations_under: Option<String>,
}

pub async fn run(cmd: Command, settings: Settings) -> anyhow::Result<ExitCode> {
    match cmd {
        Command::Import(args) => import(args, settings).await,
    }
}

async fn import(args: ImportArgs, settings: Settings) -> anyhow::Result<ExitCode> {
    // An explicit --federations-under must name an imported region; the configured city is
    // used only once it has been imported.
    let (root, explicit) = match &args.federations_under {
        Some(code) => (Some(RegionCode::parse(code).map_err(|e| ui::fail(1, format!("错误：--federations-under 有误：{e}")))?), true),
        None => (settings.city.clone(), false),
    };
    let started = Instant::now();
    let files = read_files(&args.files)?;
    let app = settings.open_app().await?;
    let summary = match import_files(&app, &files).await? {
        ImportOutcome::Imported(summary) => summary,
        ImportOutcome::Rejected(errors) => return Err(ui::fail(1, rejection(&errors))),
    };
    print_summary(&summary, started.elapsed());
    if let Some(root) = root {
        match app.region(&root).await {
            Ok(_) => {
                let created = ensure_federations(&app, &root).await?;
                println!("已为 {root} 及其下级区划新建妇联组织 {} 个。", ui::thousands(created));
            }
            Err(AppError::NotFound) if explicit => return Err(ui::fail(1, format!("错误：区划 {root} 不存在，无法建立妇联组织。"))),
            Err(AppError::NotFound) => println!("配置的城市 {root} 尚未导入，暂不建立妇联组织。"),
            Err(e) => return Err(anyhow::anyhow!("{}", ui::describe_app(&e))),
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Reads every file, reporting all that cannot be read at once.
pub fn read_files(paths: &[PathBuf]) -> anyhow::Result<Vec<ImportFile>> {
    let mut files = Vec::with_capacity(paths.len());
    let mut problems = Vec::new();
    for path in paths {
        match ImportFile::read(path) {
            Ok(f) => files.push(f),
            Err(e) => problems.push(ui::describe_app(&e)),
        }
    }
    if problems.is_empty() { Ok(files) } else { Err(ui::fail(1, format!("错误：{}\n未导入任何数据。", problems.join("\n")))) }
}

/// Imports as the operator, drawing a progress bar.
pub async fn import_files(app: &App, files: &[ImportFile]) -> anyhow::Result<ImportOutcome> {
    let bar = ui::progress_bar("正在读取与校验…");
    let outcome = app.import_regions(&Actor::operator(), files, Some(ui::progress_callback(&bar))).await;
    bar.finish_and_clear();
    outcome.map_err(|e| anyhow::anyhow!("{}", ui::describe_app(&e)).context("导入失败"))
}

/// Every bad row, then the verdict.
fn rejection(errors: &[RowError]) -> String {
    let mut out: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
    out.push(format!("共 {} 处错误，未导入任何数据。", ui::thousands(errors.len() as u64)));
    out.join("\n")
}

fn print_summary(summary: &ImportSummary, elapsed: std::time::Duration) {
    println!("导入完成：读入 {} 行，用时 {}。", ui::thousands(summary.read), ui::seconds(elapsed));
    let rows: Vec<Vec<String>> =
        level_names().iter().zip(summary.by_level).map(|(name, n)| vec![name.to_string(), ui::thousands(n)]).collect();
    println!("{}", ui::table(&["级别", "本次导入"], &rows));
    println!("区划总数：{}", ui::thousands(summary.total.max(0) as u64));
}

async fn ensure_federations(app: &App, root: &RegionCode) -> anyhow::Result<u64> {
    app.ensure_region_federations(&Actor::operator(), root, app.today())
        .await
        .map_err(|e| anyhow::anyhow!("{}", ui::describe_app(&e)).context(format!("为 {root} 建立妇联组织失败")))
}
