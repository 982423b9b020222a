//! `jinguo report --region CODE --from YYYY-MM-DD --to YYYY-MM-DD --format md|docx -o FILE`: the
//! work report of a region and period, every figure filled in from the indicators, as Markdown
//! or as a Word document; from the template in force, or from `--template FILE` (checked as an
//! upload is: an unknown indicator is refused with its name and line).

use std::path::PathBuf;
use std::process::ExitCode;

use jinguo_app::AppError;
use jinguo_app::report::Format;
use jinguo_domain::RegionCode;
use jinguo_domain::insight::Period;

use crate::config::Settings;
use crate::{sheets, ui};

/// Arguments are taken as text and checked here, so that every mistake is told in Chinese.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// 地区（区划代码，如 4205 或 420506）
    #[arg(long, value_name = "CODE")]
    region: Option<String>,
    /// 开始日期（含），YYYY-MM-DD
    #[arg(long, value_name = "YYYY-MM-DD")]
    from: Option<String>,
    /// 结束日期（含），YYYY-MM-DD
    #[arg(long, value_name = "YYYY-MM-DD")]
    to: Option<String>,
    /// 格式：md 或 docx（默认按输出文件的扩展名）
    #[arg(long, value_name = "md|docx")]
    format: Option<String>,
    /// 输出文件
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// 使用该模板文件（minijinja + Markdown），而不是系统当前模板
    #[arg(long, value_name = "FILE")]
    template: Option<PathBuf>,
    /// 以该工作人员账号的身份和管辖范围生成（默认：命令行操作员，不限范围）
    #[arg(long = "as", value_name = "USERNAME")]
    as_user: Option<String>,
}

/// The checked arguments.
struct Request {
    region: RegionCode,
    period: Period,
    format: Format,
    output: PathBuf,
    template: Option<String>,
}

fn usage(message: impl Into<String>) -> anyhow::Error {
    ui::fail(
        2,
        format!(
            "错误：{}\n用法：jinguo report --region 区划代码 --from YYYY-MM-DD --to YYYY-MM-DD --format md|docx -o 文件",
            message.into()
        ),
    )
}

fn check(args: &Args) -> anyhow::Result<Request> {
    let region = args.region.as_deref().ok_or_else(|| usage("请用 --region 指定地区（区划代码）"))?;
    let region = RegionCode::parse(region).map_err(|e| usage(format!("--region 有误：{e}")))?;
    let (Some(from), Some(to)) = (args.from.as_deref(), args.to.as_deref()) else {
        return Err(usage("请用 --from 和 --to 指定起止日期"));
    };
    let period = Period::parse(from, to).map_err(|e| {
        let messages: Vec<&str> = e.errors.iter().map(|f| f.message.as_str()).collect();
        usage(messages.join("；"))
    })?;
    let output = args.output.clone().ok_or_else(|| usage("请用 -o 指定输出文件"))?;
    let format = match args.format.as_deref() {
        Some(f) => Format::parse(f).map_err(|_| usage(format!("--format 应为 md 或 docx，而不是“{f}”")))?,
        None if output.extension().is_some_and(|e| e.eq_ignore_ascii_case("docx")) => Format::Docx,
        None => Format::Markdown,
    };
    let template = match &args.template {
        None => None,
        Some(path) => {
            let bytes = std::fs::read(path).map_err(|e| ui::fail(1, format!("错误：无法读取模板 {}：{e}", path.display())))?;
            Some(String::from_utf8(bytes).map_err(|_| ui::fail(1, format!("错误：模板 {} 不是 UTF-8 编码的文本", path.display())))?)
        }
    };
    Ok(Request { region, period, format, output, template })
}

pub async fn run(args: Args, settings: Settings) -> anyhow::Result<ExitCode> {
    let req = check(&args)?;
    let app = settings.open_app().await?;
    let actor = sheets::actor(&app, args.as_user.as_deref()).await?;
    let refused = |e: AppError| match e {
        AppError::Invalid(_) => ui::fail(1, format!("错误：模板有误，未生成报告：\n{}", template_errors(&e))),
        other => ui::fail(1, format!("错误：{}", ui::describe_app(&other))),
    };
    let report = app.work_report(&actor, &req.region, req.period, req.template.as_deref()).await.map_err(refused)?;
    let bytes = report.bytes(req.format).map_err(refused)?;
    sheets::write(&req.output, &bytes)?;
    println!(
        "已生成《{}》（{}，{} 至 {}，上期 {} 至 {}）：{}",
        report.title,
        req.format.extension(),
        req.period.from,
        req.period.to,
        req.period.previous().from,
        req.period.previous().to,
        req.output.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Each fault of a template on its own line.
fn template_errors(e: &AppError) -> String {
    match e {
        AppError::Invalid(i) => i.errors.iter().map(|f| format!("  {}", f.message)).collect::<Vec<_>>().join("\n"),
        other => other.to_string(),
    }
}
