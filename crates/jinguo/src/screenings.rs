//! `jinguo screenings template|import|export`: two-cancer screenings (两癌筛查) in spreadsheets,
//! from the server's shell (as the operator, or within an account's scope with `--as`).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use jinguo_app::health::ScreeningFilter;
use jinguo_app::sheets::{ExportRequest, SheetKind};

use crate::config::Settings;
use crate::sheets::{self, ImportArgs};

#[derive(Debug, Subcommand)]
pub enum Command {
    /// 生成两癌筛查导入模板（.xlsx：身份证号码、筛查类型、筛查日期、筛查机构、筛查结果、随访日期、诊断）
    Template {
        /// 模板文件
        #[arg(short, long, value_name = "FILE.xlsx")]
        output: PathBuf,
    },
    /// 导入两癌筛查记录（.xlsx 或 .csv，列名同模板；妇女须已登记）：全部无误才一次性写入；有错则不写入，并生成标明错误的表格
    Import(ImportArgs),
    /// 导出两癌筛查记录为 .xlsx（默认脱敏；每次导出都记入审计日志）
    Export {
        #[arg(short, long, value_name = "FILE.xlsx")]
        output: PathBuf,
        /// 导出原因（记入审计日志）
        #[arg(long)]
        reason: String,
        /// 只导出该地区（区划代码）
        #[arg(long, value_name = "CODE")]
        region: Option<String>,
        /// 只导出该类别（cervical/breast 或 宫颈癌/乳腺癌）
        #[arg(long)]
        kind: Option<String>,
        /// 只导出该结果（normal/abnormal/suspected 或 正常/异常/可疑）
        #[arg(long)]
        result: Option<String>,
        /// 只导出该统计年度（如 2025：2025-04-01 至 2026-03-31）
        #[arg(long)]
        year: Option<i64>,
        /// 含完整姓名与身份证号码
        #[arg(long)]
        full: bool,
        #[arg(long = "as", value_name = "USERNAME")]
        as_user: Option<String>,
    },
}

pub async fn run(cmd: Command, settings: Settings) -> anyhow::Result<ExitCode> {
    match cmd {
        Command::Template { output } => sheets::template(&settings, SheetKind::Screenings, &output).await,
        Command::Import(args) => sheets::import(&settings, SheetKind::Screenings, args).await,
        Command::Export { output, reason, region, kind, result, year, full, as_user } => {
            let app = settings.open_app().await?;
            let actor = sheets::actor(&app, as_user.as_deref()).await?;
            let region = sheets::region(region)?;
            let filter = ScreeningFilter { kind: kind.as_deref(), result: result.as_deref(), year };
            let d = app.export_screenings(&actor, region.as_ref(), filter, &ExportRequest { reason, full }).await;
            sheets::exported(d, &output, "条记录")
        }
    }
}
