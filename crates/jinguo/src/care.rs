//! `jinguo care template|import|export`: care cases (动态监测档案) in spreadsheets, from the
//! server's shell (as the operator, or within an account's scope with `--as`).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use jinguo_app::sheets::{ExportRequest, SheetKind};
use jinguo_domain::people::RiskLevel;
use jinguo_store::care::Filter;

use crate::config::Settings;
use crate::sheets::{self, ImportArgs};
use crate::ui;

#[derive(Debug, Subcommand)]
pub enum Command {
    /// 生成监测档案导入模板（.xlsx：身份证号码、风险等级、建档日期、最近走访日期、走访情况、需求）
    Template {
        /// 模板文件
        #[arg(short, long, value_name = "FILE.xlsx")]
        output: PathBuf,
    },
    /// 导入监测档案（.xlsx 或 .csv，列名同模板；妇女须已登记）：全部无误才一次性写入；有错则不写入，并生成标明错误的表格
    Import(ImportArgs),
    /// 导出监测档案（或 --overdue 逾期未走访名单）为 .xlsx（默认脱敏；每次导出都记入审计日志）
    Export {
        #[arg(short, long, value_name = "FILE.xlsx")]
        output: PathBuf,
        /// 导出原因（记入审计日志）
        #[arg(long)]
        reason: String,
        /// 只导出该地区（区划代码）
        #[arg(long, value_name = "CODE")]
        region: Option<String>,
        /// 只导出该风险等级（high/medium/low 或 高/中/低）
        #[arg(long)]
        risk: Option<String>,
        /// 状态：open（进行中）、closed（已结案）、all（全部，默认）
        #[arg(long, default_value = "all")]
        status: String,
        /// 导出截至今天逾期未走访的名单（逾期最久的在前）
        #[arg(long, conflicts_with_all = ["risk", "status"])]
        overdue: bool,
        /// 含完整姓名与身份证号码
        #[arg(long)]
        full: bool,
        #[arg(long = "as", value_name = "USERNAME")]
        as_user: Option<String>,
    },
}

pub async fn run(cmd: Command, settings: Settings) -> anyhow::Result<ExitCode> {
    match cmd {
        Command::Template { output } => sheets::template(&settings, SheetKind::CareCases, &output).await,
        Command::Import(args) => sheets::import(&settings, SheetKind::CareCases, args).await,
        Command::Export { output, reason, region, risk, status, overdue, full, as_user } => {
            let app = settings.open_app().await?;
            let actor = sheets::actor(&app, as_user.as_deref()).await?;
            let region = sheets::region(region)?;
            let request = ExportRequest { reason, full };
            if overdue {
                return sheets::exported(app.export_overdue_cases(&actor, region.as_ref(), &request).await, &output, "份档案");
            }
            let risk = risk.map(|r| RiskLevel::parse(&r)).transpose().map_err(|e| ui::fail(1, format!("错误：--risk 有误：{e}")))?;
            let open = match status.as_str() {
                "open" => Some(true),
                "closed" => Some(false),
                "all" => None,
                other => return Err(ui::fail(1, format!("错误：--status 应为 open、closed 或 all，而不是「{other}」"))),
            };
            sheets::exported(app.export_care_cases(&actor, region.as_ref(), Filter { risk, open }, &request).await, &output, "份档案")
        }
    }
}
