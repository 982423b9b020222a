//! `jinguo audit verify`: walks the hash chain of the audit log and names the first entry that
//! was changed, removed or inserted.

use std::process::ExitCode;

use clap::Subcommand;

use crate::config::Settings;
use crate::ui;

#[derive(Debug, Subcommand)]
pub enum Command {
    /// 校验审计日志的哈希链：完整时退出码为 0，发现改动或删除时为 1
    Verify,
}

pub async fn run(cmd: Command, settings: Settings) -> anyhow::Result<ExitCode> {
    match cmd {
        Command::Verify => verify(settings).await,
    }
}

async fn verify(settings: Settings) -> anyhow::Result<ExitCode> {
    let app = settings.open_app().await?;
    let v = app.verify_audit().await.map_err(|e| anyhow::anyhow!("{}", ui::describe_app(&e)).context("无法校验审计日志"))?;
    match v.broken {
        None => {
            println!("审计日志完整：{} 条", ui::thousands(v.entries.max(0) as u64));
            Ok(ExitCode::SUCCESS)
        }
        Some((seq, reason)) => Err(ui::fail(
            1,
            format!(
                "审计日志校验失败（首个问题在第 {seq} 条）：{reason}\n此前 {} 条完整。请保全数据库文件，并报告审计管理员。",
                ui::thousands(v.entries.max(0) as u64)
            ),
        )),
    }
}
