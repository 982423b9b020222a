//! `jinguo people template|import|export`: the people register in spreadsheets, from the
//! server's shell (as the operator, or within an account's scope with `--as`).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use jinguo_app::sheets::{ExportRequest, SheetKind};

use crate::config::Settings;
use crate::sheets::{self, ImportArgs};

#[derive(Debug, Subcommand)]
pub enum Command {
    /// 生成人员信息导入模板（.xlsx：列名、下拉选项与填写说明）
    Template {
        /// 模板文件
        #[arg(short, long, value_name = "FILE.xlsx")]
        output: PathBuf,
    },
    /// 导入人员信息（.xlsx 或 .csv，列名同模板）：全部无误才一次性写入；有错则不写入，并生成标明错误的表格
    Import(ImportArgs),
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
        Command::Template { output } => sheets::template(&settings, SheetKind::People, &output).await,
        Command::Import(args) => sheets::import(&settings, SheetKind::People, args).await,
        Command::Export { output, reason, region, category, full, as_user } => {
            let app = settings.open_app().await?;
            let actor = sheets::actor(&app, as_user.as_deref()).await?;
            let region = sheets::region(region)?;
            let d = app.export_people(&actor, region.as_ref(), category.as_deref(), None, &ExportRequest { reason, full }).await;
            sheets::exported(d, &output, "人")
        }
    }
}
