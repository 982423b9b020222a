//! `jinguo bench regions|indicators|import|overdue|redeem|report`: the benchmarks of DESIGN.md §8. Each runs on a fresh
//! database (a temporary data directory, or a temporary PostgreSQL database created on the
//! server named by `--database-url` and dropped afterwards) and prints its figure beside a
//! baseline measured in the same run. Figures are measured here, never asserted by timed tests.

mod http;
mod import;
mod load;
mod national;
mod redeem;
mod report;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::NaiveDate;
use clap::Subcommand;
use jinguo_app::org::regions::{ImportOutcome, check_files};
use jinguo_domain::RegionCode;
use jinguo_domain::insight::Period;
use jinguo_store::Scope;

use crate::config::{Settings, redact_url};
use crate::{demo, regions, ui};
use national::{NATIONAL_TOWNS, NATIONAL_VILLAGES, NationalSet, RealLevels};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    what: What,
}

#[derive(Debug, Subcommand)]
enum What {
    /// 全国区划导入：真实的省、市、县，加上生成的约 4.1 万个乡镇与 62 万个村（社区），导入全新数据库；基线为只解析、校验不写库
    Regions(RegionsArgs),
    /// 全市指标：在载入城市规模演示数据的全新数据库上，由汇总表计算宜昌市（4205）2025 年全部指标；基线为逐项扫描原始记录算出同样的数（先核对两者一致）
    Indicators(IndicatorsArgs),
    /// 人员导入：从 CSV（默认 100 万行）和 .xlsx（默认 10 万行）导入宜昌市妇女信息到全新数据库，含校验、加密与汇总；基线为只读取与校验
    Import(import::ImportArgs),
    /// 全市逾期未走访名单：在载入城市规模演示数据（约 250 万名妇女）的全新数据库上，按接口 GET /api/v1/care/overdue?region=420500000000 的方式取首页与总数；基线为扫描原始走访记录算出同一名单。同时给出载入用时与行/秒
    Overdue(OverdueArgs),
    /// 积分兑换：200 个并发客户端经回环 HTTP 调用 POST /api/v1/points/redemptions，给出每秒兑换笔数与 p99；基线为同样的兑换逐笔进行；测后核对库存与积分台账
    Redeem(redeem::RedeemArgs),
    /// 页面负载：在载入城市规模演示数据的全新数据库上另起 jinguo serve 进程，以 64 条保持连接经回环访问村(社区)人员名册页与全市数据驾驶舱，给出请求/秒、p50、p99 与服务进程内存；基线为单条连接逐个请求
    Load(load::LoadArgs),
    /// 县级五年工作报告：在载入演示城市的全新数据库上，生成一个县（默认夷陵区 420506）近五个完整年度的 .docx 报告；基线为只计算两期全部指标
    Report(report::ReportArgs),
}

#[derive(Debug, Clone, clap::Args)]
struct OverdueArgs {
    /// 演示数据规模
    #[arg(long, value_enum, default_value_t = demo::Scale::City)]
    scale: demo::Scale,
    /// 名单测量的次数
    #[arg(long, value_name = "N", default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..))]
    runs: u32,
    /// 基线（扫描原始走访记录，城市规模下每次数秒）测量的次数
    #[arg(long, value_name = "N", default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..))]
    baseline_runs: u32,
}

#[derive(Debug, Clone, clap::Args)]
struct RegionsArgs {
    /// 总行数（含真实的省、市、县）[默认：全国规模，约 66.5 万行]
    #[arg(long, value_name = "N")]
    rows: Option<usize>,
    /// 真实区划文件所在目录（含 provinces.csv、cities.csv、areas.csv）[默认：./data/divisions]
    #[arg(long, value_name = "DIR")]
    divisions: Option<PathBuf>,
}

#[derive(Debug, Clone, clap::Args)]
struct IndicatorsArgs {
    /// 演示数据规模
    #[arg(long, value_enum, default_value_t = demo::Scale::City)]
    scale: demo::Scale,
    /// 读汇总表测量的次数
    #[arg(long, value_name = "N", default_value_t = 200, value_parser = clap::value_parser!(u32).range(1..))]
    runs: u32,
    /// 基线（扫描原始记录，城市规模下每次数秒）测量的次数
    #[arg(long, value_name = "N", default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..))]
    baseline_runs: u32,
}

pub async fn run(args: Args, settings: Settings) -> anyhow::Result<ExitCode> {
    match args.what {
        What::Regions(a) => regions_bench(a, settings).await,
        What::Indicators(a) => indicators_bench(a, settings).await,
        What::Import(a) => import::run(a, settings).await,
        What::Overdue(a) => overdue_bench(a, settings).await,
        What::Redeem(a) => redeem::run(a, settings).await,
        What::Load(a) => load::run(a, settings).await,
        What::Report(a) => report::run(a, settings).await,
    }
}

async fn regions_bench(args: RegionsArgs, settings: Settings) -> anyhow::Result<ExitCode> {
    let dir = divisions_dir(args.divisions.as_deref())?;
    let real = RealLevels::read(&dir)?;
    let national_rows = real.rows() + NATIONAL_TOWNS + NATIONAL_VILLAGES;
    let rows = args.rows.unwrap_or(national_rows);
    if rows < real.rows() {
        return Err(ui::fail(2, format!("错误：--rows 至少为 {}（真实的省、市、县行数）", real.rows())));
    }
    let generated = rows - real.rows();
    let towns = (generated as f64 * NATIONAL_TOWNS as f64 / (NATIONAL_TOWNS + NATIONAL_VILLAGES) as f64).round() as usize;
    let towns = if generated > 0 { towns.max(1) } else { 0 };

    let fresh = Fresh::create(&settings).await?;
    let outcome = regions_bench_in(&fresh, &settings, &dir, &real, towns, generated - towns).await;
    fresh.finish().await;
    outcome
}

async fn regions_bench_in(
    fresh: &Fresh,
    settings: &Settings,
    dir: &Path,
    real: &RealLevels,
    towns: usize,
    villages: usize,
) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let set = NationalSet::generate(real, towns, villages)?;
    let csv_dir = fresh.dir.path().join("csv");
    std::fs::create_dir_all(&csv_dir)?;
    let paths = set.write_csv(&csv_dir)?;
    let generation = started.elapsed();
    let bytes: u64 = paths.iter().filter_map(|p| std::fs::metadata(p).ok()).map(|m| m.len()).sum();
    let rows = set.rows() as u64;
    let [p, c, a, t, v] = set.by_level().map(|n| ui::thousands(n as u64));
    drop(set);

    println!("全国区划导入基准（{}）", fresh.engine());
    println!("真实区划：{}", dir.display());
    println!(
        "数据：省 {p}、市 {c}、县 {a}、乡镇 {t}、村（社区）{v}，共 {} 行，CSV {:.1} MB（生成用时 {}）",
        ui::thousands(rows),
        bytes as f64 / 1e6,
        ui::seconds(generation)
    );
    if !real.skipped.is_empty() {
        let list: Vec<String> = real.skipped.iter().map(|s| format!("{} {} {}（{}）", s.file, s.row.code, s.row.name, s.reason)).collect();
        println!("未单独计入真实文件中的 {} 行：{}", real.skipped.len(), list.join("、"));
    }

    // Baseline: read, parse and check every row, writing nothing.
    let started = Instant::now();
    let files = regions::read_files(&paths)?;
    let checked = check_files(&files, &HashMap::new());
    let baseline = started.elapsed();
    drop(files);
    match checked {
        Ok(r) if r.len() as u64 == rows => {}
        Ok(r) => anyhow::bail!("校验得到 {} 行，应为 {rows} 行", r.len()),
        Err(errors) => anyhow::bail!("生成的数据未通过校验：{}", errors.first().map(ToString::to_string).unwrap_or_default()),
    }

    // The import itself, as `jinguo regions import` runs it, on the fresh database.
    let app = fresh.settings(settings, None).open_app().await?;
    let started = Instant::now();
    let files = regions::read_files(&paths)?;
    let outcome = regions::import_files(&app, &files).await?;
    let full = started.elapsed();
    app.db.clone().close().await;
    match outcome {
        ImportOutcome::Imported(s) if s.total as u64 == rows => {}
        ImportOutcome::Imported(s) => anyhow::bail!("导入后共有 {} 个区划，应为 {rows} 个", s.total),
        ImportOutcome::Rejected(errors) => {
            anyhow::bail!("生成的数据被拒绝：{}", errors.first().map(ToString::to_string).unwrap_or_default())
        }
    }

    let per_second = |d: Duration| ui::thousands((rows as f64 / d.as_secs_f64().max(1e-9)) as u64);
    let table = vec![
        vec!["基线：读取、解析、校验（不写库）".to_owned(), ui::seconds(baseline), per_second(baseline)],
        vec!["导入：读取、解析、校验、写库".to_owned(), ui::seconds(full), per_second(full)],
    ];
    println!();
    println!("{}", ui::table(&["", "用时", "行/秒"], &table));
    let write = full.saturating_sub(baseline);
    println!("写库约 {}，占导入用时的 {:.0}%", ui::seconds(write), 100.0 * write.as_secs_f64() / full.as_secs_f64().max(1e-9));
    if args_are_national(rows, real) {
        let verdict = if full <= Duration::from_secs(10) { "达成" } else { "未达成" };
        println!("目标：全国区划 ≤ 10 秒导入：{verdict}");
    }
    Ok(ExitCode::SUCCESS)
}

fn args_are_national(rows: u64, real: &RealLevels) -> bool {
    rows == (real.rows() + NATIONAL_TOWNS + NATIONAL_VILLAGES) as u64
}

/// The directory of the real division files: `--divisions`, else the repository's
/// `data/divisions` (from the current directory, then from the source tree), else the shared copy.
fn divisions_dir(given: Option<&Path>) -> anyhow::Result<PathBuf> {
    let complete = |d: &Path| ["provinces.csv", "cities.csv", "areas.csv"].iter().all(|f| d.join(f).is_file());
    if let Some(dir) = given {
        if complete(dir) {
            return Ok(dir.to_owned());
        }
        return Err(ui::fail(1, format!("错误：{} 中缺少 provinces.csv、cities.csv 或 areas.csv", dir.display())));
    }
    let candidates = [
        PathBuf::from("data/divisions"),
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/divisions"),
        PathBuf::from("/work/shared/data/divisions"),
    ];
    candidates.into_iter().find(|d| complete(d)).ok_or_else(|| {
        ui::fail(1, "错误：找不到真实区划文件（provinces.csv、cities.csv、areas.csv）；请在仓库根目录运行，或用 --divisions DIR 指定")
    })
}

async fn indicators_bench(args: IndicatorsArgs, settings: Settings) -> anyhow::Result<ExitCode> {
    let fresh = Fresh::create(&settings).await?;
    let outcome = indicators_bench_in(&fresh, &settings, &args).await;
    fresh.finish().await;
    outcome
}

async fn indicators_bench_in(fresh: &Fresh, settings: &Settings, args: &IndicatorsArgs) -> anyhow::Result<ExitCode> {
    use jinguo_domain::insight::INDICATORS;
    let city = RegionCode::parse(demo::DEMO_CITY)?;
    let app = fresh.settings(settings, Some(city.clone())).open_app().await?;
    let started = Instant::now();
    let report = demo::seed_at(&app, args.scale.app()).await?;
    let seeding = started.elapsed();

    let day = |m, d| NaiveDate::from_ymd_opt(2025, m, d).ok_or_else(|| anyhow::anyhow!("日期无效"));
    let period = Period::new(day(1, 1)?, day(12, 31)?).map_err(|e| anyhow::anyhow!("{e}"))?;
    let c = app.db.reader();

    // Every figure that has records behind it, computed both ways: they must agree, or the
    // timing means nothing. (Two figures whose past the raw tables do not keep are named.)
    let figures = jinguo_store::insight::evaluate(c, &city, period, &[]).await?;
    let scan_all = || async {
        let mut out = Vec::new();
        for ind in INDICATORS {
            if let Some(v) = jinguo_store::trace::count(c, ind, &city, period).await? {
                out.push((ind.id, v));
            }
        }
        anyhow::Ok(out)
    };
    let raw = scan_all().await?;
    let mut differ = Vec::new();
    for (id, v) in &raw {
        let f = figures.iter().find(|f| f.indicator.id == *id).map(|f| f.value).unwrap_or(f64::NAN);
        if (f - v).abs() > 0.005 {
            differ.push(format!("{id}（汇总 {f}，扫描 {v}）"));
        }
    }
    const HISTORY_LIMITED: [&str; 2] = ["org.new_domain.members", "org.women_homes.standardised"];
    let unexpected: Vec<&String> = differ.iter().filter(|d| !HISTORY_LIMITED.iter().any(|h| d.starts_with(&format!("{h}（")))).collect();
    if !unexpected.is_empty() {
        let list: Vec<&str> = unexpected.iter().map(|s| s.as_str()).collect();
        return Err(ui::fail(1, format!("错误：汇总与原始记录不一致：{}", list.join("；"))));
    }

    let mut indicator_times = Vec::with_capacity(args.runs as usize);
    for _ in 0..args.runs {
        let t = Instant::now();
        jinguo_store::insight::evaluate(c, &city, period, &[]).await?;
        indicator_times.push(t.elapsed());
    }
    let mut scan_times = Vec::with_capacity(args.baseline_runs as usize);
    for _ in 0..args.baseline_runs {
        let t = Instant::now();
        scan_all().await?;
        scan_times.push(t.elapsed());
    }
    app.db.clone().close().await;
    let ind = Stats::of(indicator_times);
    let scan = Stats::of(scan_times);

    println!("全市指标基准（{}；宜昌市 {city}，{} 至 {}）", fresh.engine(), period.from, period.to);
    println!("演示数据载入用时 {}", ui::seconds(seeding));
    if let Some(p) = &report.population {
        println!("{}", demo::population_line(p));
    }
    println!(
        "核对：{} 项可追溯指标逐项由汇总表与原始记录各算一遍，{} 项一致{}",
        raw.len(),
        raw.len() - differ.len(),
        if differ.is_empty() {
            String::new()
        } else {
            format!("；不一致（原始表只保留当前值，过去的变动无从还原）：{}", differ.join("；"))
        }
    );
    println!();
    let rows = vec![
        vec![
            format!("全部指标（{} 项，读汇总表，{} 次）", figures.len(), args.runs),
            ui::millis(ind.p50),
            ui::millis(ind.p95),
            ui::millis(ind.max),
        ],
        vec![
            format!("基线：扫描原始记录算出 {} 项（{} 次）", raw.len(), args.baseline_runs),
            ui::millis(scan.p50),
            ui::millis(scan.p95),
            ui::millis(scan.max),
        ],
    ];
    println!("{}", ui::table(&["", "p50", "p95", "最大"], &rows));
    let ratio = scan.p50.as_secs_f64() / ind.p50.as_secs_f64().max(1e-9);
    println!("基线 p50 ÷ 指标 p50 = {ratio:.1} 倍");
    let fast = if ind.p95 <= Duration::from_millis(20) { "达成" } else { "未达成" };
    let faster = if ratio >= 100.0 { "达成" } else { "未达成" };
    println!("目标（城市规模）：全部指标 p95 ≤ 20 ms：{fast}；比扫描快 ≥ 100 倍：{faster}");
    Ok(ExitCode::SUCCESS)
}

async fn overdue_bench(args: OverdueArgs, settings: Settings) -> anyhow::Result<ExitCode> {
    let fresh = Fresh::create(&settings).await?;
    let outcome = overdue_bench_in(&fresh, &settings, &args).await;
    fresh.finish().await;
    outcome
}

async fn overdue_bench_in(fresh: &Fresh, settings: &Settings, args: &OverdueArgs) -> anyhow::Result<ExitCode> {
    const PAGE: u64 = 50;
    let city = RegionCode::parse(demo::DEMO_CITY)?;
    let app = fresh.settings(settings, Some(city.clone())).open_app().await?;
    let started = Instant::now();
    let report = demo::seed_at(&app, args.scale.app()).await?;
    let seeding = started.elapsed();
    println!("全市逾期未走访名单基准（{}）", fresh.engine());
    println!("演示数据载入用时 {}", ui::seconds(seeding));
    if let Some(p) = &report.population {
        println!("{}", demo::population_line(p));
    }

    // The list as the API runs it (first page and total), and the same list from the raw visits:
    // both must agree, or the timing means nothing.
    let operator = jinguo_app::Actor::operator();
    let today = app.today();
    let scope = Scope::region(city.clone());
    let c = app.db.reader();
    let page = app.overdue_cases(&operator, Some(&city), None, PAGE).await.map_err(|e| anyhow::anyhow!("{}", ui::describe_app(&e)))?;
    let (raw_total, raw_ids) = jinguo_store::care::scan_overdue(c, &scope, today, PAGE as usize).await?;
    let ids: Vec<i64> = page.items.iter().map(|c| c.id).collect();
    if page.total != raw_total || ids != raw_ids {
        return Err(ui::fail(1, format!("错误：逾期名单与原始走访记录不一致：{} ≠ {raw_total}，或首页不同", page.total)));
    }
    let open: i64 = jinguo_store::care::list(c, &scope, jinguo_store::care::Filter { open: Some(true), risk: None }, None, 1).await?.total;

    let mut app_times = Vec::with_capacity(args.runs as usize);
    for _ in 0..args.runs {
        let t = Instant::now();
        app.overdue_cases(&operator, Some(&city), None, PAGE).await.map_err(|e| anyhow::anyhow!("{}", ui::describe_app(&e)))?;
        app_times.push(t.elapsed());
    }
    let mut scan_times = Vec::with_capacity(args.baseline_runs as usize);
    for _ in 0..args.baseline_runs {
        let t = Instant::now();
        jinguo_store::care::scan_overdue(c, &scope, today, PAGE as usize).await?;
        scan_times.push(t.elapsed());
    }
    app.db.clone().close().await;
    let list = Stats::of(app_times);
    let scan = Stats::of(scan_times);

    println!("宜昌市 {city}，{today}：名单测 {} 次，基线测 {} 次", args.runs, args.baseline_runs);
    println!(
        "进行中的监测档案 {}，逾期未走访 {}（首页 {PAGE} 条）",
        ui::thousands(open.max(0) as u64),
        ui::thousands(page.total.max(0) as u64)
    );
    println!();
    let rows = vec![
        vec![
            "逾期名单首页与总数（经应用层，读 next_due 索引）".to_owned(),
            ui::millis(list.p50),
            ui::millis(list.p95),
            ui::millis(list.max),
        ],
        vec!["基线：扫描原始走访记录求每案最近走访".to_owned(), ui::millis(scan.p50), ui::millis(scan.p95), ui::millis(scan.max)],
    ];
    println!("{}", ui::table(&["", "p50", "p95", "最大"], &rows));
    let ratio = scan.p50.as_secs_f64() / list.p50.as_secs_f64().max(1e-9);
    println!("基线 p50 ÷ 名单 p50 = {ratio:.1} 倍");
    Ok(ExitCode::SUCCESS)
}

/// Percentiles of a set of timings (nearest rank).
struct Stats {
    p50: Duration,
    p95: Duration,
    p99: Duration,
    max: Duration,
}

impl Stats {
    fn of(mut times: Vec<Duration>) -> Stats {
        times.sort();
        let at = |p: usize| times.get((times.len() * p).div_ceil(100).saturating_sub(1)).copied().unwrap_or_default();
        Stats { p50: at(50), p95: at(95), p99: at(99), max: times.last().copied().unwrap_or_default() }
    }
}

/// A fresh place for one benchmark run: a temporary data directory (under `--data-dir` when one
/// was chosen, else the system's temporary directory), and with a PostgreSQL `--database-url`,
/// a temporary database on that server. Both are removed by [`Fresh::finish`].
struct Fresh {
    dir: tempfile::TempDir,
    pg: Option<TempPg>,
}

struct TempPg {
    admin_url: String,
    name: String,
    url: String,
}

impl Fresh {
    async fn create(settings: &Settings) -> anyhow::Result<Fresh> {
        let builder = {
            let mut b = tempfile::Builder::new();
            b.prefix("jinguo-bench-");
            b
        };
        let dir = if settings.data_dir_chosen {
            std::fs::create_dir_all(&settings.data_dir).with_context(|| format!("无法创建数据目录 {}", settings.data_dir.display()))?;
            builder.tempdir_in(&settings.data_dir)
        } else {
            builder.tempdir()
        }
        .context("无法创建临时数据目录")?;
        let pg = match settings.database_url.as_deref() {
            None => None,
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => Some(TempPg::create(url).await?),
            Some(_) => {
                return Err(ui::fail(
                    2,
                    "错误：基准测试总在全新的数据库上运行：--database-url 只接受 postgres://…（在该服务器上新建临时数据库，测完删除）；SQLite 无需指定",
                ));
            }
        };
        Ok(Fresh { dir, pg })
    }

    /// The settings pointed here, with a new key file of their own.
    fn settings(&self, base: &Settings, city: Option<RegionCode>) -> Settings {
        let mut s = base.elsewhere(self.dir.path().to_owned(), self.pg.as_ref().map(|p| p.url.clone()));
        if city.is_some() {
            s.city = city;
        }
        s
    }

    fn engine(&self) -> String {
        match &self.pg {
            Some(pg) => format!("PostgreSQL，临时数据库 {}", pg.name),
            None => format!("SQLite，{}", self.dir.path().join("jinguo.db").display()),
        }
    }

    async fn finish(self) {
        if let Some(pg) = self.pg {
            pg.drop_database().await;
        }
    }
}

impl TempPg {
    async fn create(admin_url: &str) -> anyhow::Result<TempPg> {
        use sqlx::Connection;
        let mut conn =
            sqlx::PgConnection::connect(admin_url).await.with_context(|| format!("无法连接 PostgreSQL（{}）", redact_url(admin_url)))?;
        let now = chrono::Utc::now().timestamp();
        // Databases of runs that were killed more than two hours ago.
        let old: Vec<String> =
            sqlx::query_scalar("SELECT datname FROM pg_database WHERE datname LIKE 'jinguo\\_bench\\_%'").fetch_all(&mut conn).await?;
        for name in old {
            let started: i64 = name.split('_').nth(2).and_then(|s| s.parse().ok()).unwrap_or(now);
            if now - started > 7200 {
                let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))).execute(&mut conn).await;
            }
        }
        let name = format!("jinguo_bench_{now}_{}", std::process::id());
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut conn)
            .await
            .with_context(|| format!("无法新建临时数据库 {name}"))?;
        let _ = conn.close().await;
        Ok(TempPg { url: with_database(admin_url, &name), admin_url: admin_url.to_owned(), name })
    }

    async fn drop_database(self) {
        use sqlx::Connection;
        let dropped = match sqlx::PgConnection::connect(&self.admin_url).await {
            Ok(mut conn) => {
                let r = sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name)))
                    .execute(&mut conn)
                    .await;
                let _ = conn.close().await;
                r.map(|_| ()).map_err(|e| e.to_string())
            }
            Err(e) => Err(e.to_string()),
        };
        if let Err(e) = dropped {
            eprintln!("警告：未能删除临时数据库 {}：{e}", self.name);
        }
    }
}

/// The same server URL with another database name.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let after_scheme = base.find("://").map(|i| i + 3).unwrap_or(0);
    let base = match base[after_scheme..].find('/') {
        Some(slash) => &base[..after_scheme + slash],
        None => base,
    };
    format!("{base}/{name}{query}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let times: Vec<Duration> = (1..=200).rev().map(Duration::from_millis).collect();
        let s = Stats::of(times);
        assert_eq!((s.p50, s.p95, s.max), (Duration::from_millis(100), Duration::from_millis(190), Duration::from_millis(200)));
        let one = Stats::of(vec![Duration::from_millis(7)]);
        assert_eq!((one.p50, one.p95, one.max), (Duration::from_millis(7), Duration::from_millis(7), Duration::from_millis(7)));
    }

    #[test]
    fn temporary_databases_live_on_the_same_server() {
        assert_eq!(with_database("postgres://u:p@127.0.0.1:5432/postgres", "x"), "postgres://u:p@127.0.0.1:5432/x");
        assert_eq!(with_database("postgres://h/db?sslmode=disable", "x"), "postgres://h/x?sslmode=disable");
        assert_eq!(with_database("postgres://h", "x"), "postgres://h/x");
    }
}
