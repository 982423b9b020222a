//! `jinguo bench report [--region 420506] [--runs N] [--scale city|small]`: a county's five-year
//! work report as a .docx, end to end as `jinguo report` makes it (both periods' indicators, the
//! template, Markdown to Word, the audit entry), on a fresh database with the demo city; p50/p95
//! over `--runs`. The baseline, measured in the same run, is the indicators evaluation alone
//! (the period and the one before it), so the difference is what the writing costs.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use jinguo_app::Actor;
use jinguo_app::report::Format;
use jinguo_domain::RegionCode;
use jinguo_domain::insight::Period;

use super::{Fresh, Stats};
use crate::config::Settings;
use crate::{demo, ui};

#[derive(Debug, Clone, clap::Args)]
pub struct ReportArgs {
    /// 县（区）区划代码（须在宜昌市内）
    #[arg(long, value_name = "CODE", default_value = "420506")]
    region: String,
    /// 测量的次数
    #[arg(long, value_name = "N", default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..))]
    runs: u32,
    /// 演示数据规模（目标针对城市规模）
    #[arg(long, value_enum, default_value_t = demo::Scale::City)]
    scale: demo::Scale,
}

pub async fn run(args: ReportArgs, settings: Settings) -> anyhow::Result<ExitCode> {
    let region = RegionCode::parse(&args.region).map_err(|e| ui::fail(2, format!("错误：--region 有误：{e}")))?;
    if !region.short().starts_with(demo::DEMO_CITY) {
        return Err(ui::fail(2, format!("错误：--region 应为宜昌市（{}）内的地区", demo::DEMO_CITY)));
    }
    let fresh = Fresh::create(&settings).await?;
    let outcome = run_in(&fresh, &settings, &args, &region).await;
    fresh.finish().await;
    outcome
}

async fn run_in(fresh: &Fresh, settings: &Settings, args: &ReportArgs, region: &RegionCode) -> anyhow::Result<ExitCode> {
    let city = RegionCode::parse(demo::DEMO_CITY)?;
    let app = fresh.settings(settings, Some(city)).open_app().await?;
    let started = Instant::now();
    let seeded = demo::seed_at(&app, args.scale.app()).await?;
    let seeding = started.elapsed();
    println!("县级五年工作报告基准（{}）", fresh.engine());
    println!("演示数据载入用时 {}", ui::seconds(seeding));
    if let Some(p) = &seeded.population {
        println!("{}", demo::population_line(p));
    }

    // The last five full years before the demo's today.
    let today = app.today();
    let day = |y, m, d| chrono::NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| anyhow::anyhow!("日期无效"));
    let period = Period::new(day(chrono::Datelike::year(&today) - 5, 1, 1)?, day(chrono::Datelike::year(&today) - 1, 12, 31)?)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let operator = Actor::operator();
    let app_err = |e: jinguo_app::AppError| anyhow::anyhow!("{}", ui::describe_app(&e));

    // One report first: it must be whole, or the timing means nothing.
    let report = app.work_report(&operator, region, period, None).await.map_err(app_err)?;
    let docx = report.bytes(Format::Docx).map_err(app_err)?;
    if report.markdown.contains("{{") || !docx.starts_with(b"PK") {
        return Err(ui::fail(1, "错误：报告未完整生成"));
    }

    let mut report_times = Vec::with_capacity(args.runs as usize);
    let mut size = docx.len();
    for _ in 0..args.runs {
        let t = Instant::now();
        let r = app.work_report(&operator, region, period, None).await.map_err(app_err)?;
        let bytes = r.bytes(Format::Docx).map_err(app_err)?;
        report_times.push(t.elapsed());
        size = bytes.len();
    }
    let mut baseline_times = Vec::with_capacity(args.runs as usize);
    for _ in 0..args.runs {
        let t = Instant::now();
        app.indicators(&operator, region, period, &[]).await.map_err(app_err)?;
        app.indicators(&operator, region, period.previous(), &[]).await.map_err(app_err)?;
        baseline_times.push(t.elapsed());
    }
    app.db.clone().close().await;
    let full = Stats::of(report_times);
    let base = Stats::of(baseline_times);

    println!(
        "《{}》：{} 至 {}（上期 {} 至 {}），.docx {:.1} KB，各测 {} 次",
        report.title,
        period.from,
        period.to,
        period.previous().from,
        period.previous().to,
        size as f64 / 1024.0,
        args.runs
    );
    println!();
    let rows = vec![
        vec![
            "工作报告 .docx（两期指标、模板、Markdown 转 Word、审计）".to_owned(),
            ui::millis(full.p50),
            ui::millis(full.p95),
            ui::millis(full.max),
        ],
        vec!["基线：只计算两期全部指标".to_owned(), ui::millis(base.p50), ui::millis(base.p95), ui::millis(base.max)],
    ];
    println!("{}", ui::table(&["", "p50", "p95", "最大"], &rows));
    let writing = full.p50.saturating_sub(base.p50);
    println!(
        "报告 p50 ÷ 基线 p50 = {:.1} 倍；成文（模板与 Word）约 {}",
        full.p50.as_secs_f64() / base.p50.as_secs_f64().max(1e-9),
        ui::millis(writing)
    );
    let verdict = if full.p95 <= Duration::from_secs(2) { "达成" } else { "未达成" };
    println!("目标：县级五年报告 .docx p95 ≤ 2 秒：{verdict}");
    Ok(ExitCode::SUCCESS)
}
