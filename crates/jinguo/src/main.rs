//! `jinguo`, the platform's one binary: the operator's commands, one module per subcommand.
//! This file only parses the command line and hands over; `config` resolves the settings
//! (flag > environment > TOML > default) and `ui` holds the terminal output helpers.

mod audit;
mod bench;
mod care;
mod config;
mod demo;
mod keys;
mod migrate;
mod people;
mod points;
mod regions;
mod report;
mod screenings;
mod serve;
mod sheets;
mod ui;
mod user;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// 巾帼：妇联工作平台
#[derive(Debug, Parser)]
#[command(name = "jinguo", version)]
struct Cli {
    #[command(flatten)]
    global: config::GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// 启动网站服务（工作人员页面、群众页面与 JSON 接口）
    Serve(serve::Args),
    /// 载入演示城市（宜昌市）与演示账号；重复执行不会重复载入
    Demo(demo::Args),
    /// 行政区划
    #[command(subcommand)]
    Regions(regions::Command),
    /// 工作人员账号
    #[command(subcommand)]
    User(user::Command),
    /// 审计日志
    #[command(subcommand)]
    Audit(audit::Command),
    /// 人员信息：导入模板、导入与导出（.xlsx/.csv）
    #[command(subcommand)]
    People(people::Command),
    /// 监测档案：导入模板、导入与导出（.xlsx/.csv）
    #[command(subcommand)]
    Care(care::Command),
    /// 两癌筛查：导入模板、导入与导出（.xlsx/.csv）
    #[command(subcommand)]
    Screenings(screenings::Command),
    /// 家风积分：积分过期、有效期与家庭排行设置
    #[command(subcommand)]
    Points(points::Command),
    /// 主密钥：轮换与查看
    #[command(subcommand)]
    Keys(keys::Command),
    /// 工作报告：按地区与期间生成，数据全部取自指标并与上期比较（.md 或 .docx）
    Report(report::Args),
    /// 打开数据库（执行未应用的迁移）并列出已应用的迁移
    Migrate,
    /// 性能基准（DESIGN.md §8），每项同时给出基线
    Bench(bench::Args),
}

/// mimalloc instead of glibc's malloc (ADR 0015): the same speed with a fraction of the memory
/// the server keeps under load.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    ui::init_logging();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => return ui::report_failure(&anyhow::anyhow!("无法启动异步运行时：{e}")),
    };
    let result = runtime.block_on(async move {
        let settings = config::Settings::from_args(&cli.global)?;
        match cli.command {
            Command::Serve(args) => serve::run(args, settings).await,
            Command::Demo(args) => demo::run(args, settings).await,
            Command::Regions(cmd) => regions::run(cmd, settings).await,
            Command::User(cmd) => user::run(cmd, settings).await,
            Command::Audit(cmd) => audit::run(cmd, settings).await,
            Command::People(cmd) => people::run(cmd, settings).await,
            Command::Care(cmd) => care::run(cmd, settings).await,
            Command::Screenings(cmd) => screenings::run(cmd, settings).await,
            Command::Points(cmd) => points::run(cmd, settings).await,
            Command::Keys(cmd) => keys::run(cmd, settings).await,
            Command::Report(args) => report::run(args, settings).await,
            Command::Migrate => migrate::run(settings).await,
            Command::Bench(args) => bench::run(args, settings).await,
        }
    });
    match result {
        Ok(code) => code,
        Err(e) => ui::report_failure(&e),
    }
}
