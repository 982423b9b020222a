//! `jinguo bench import`: importing people from a CSV file (default 1,000,000 rows) and from an
//! .xlsx workbook (default 100,000 rows) into a fresh database holding Yichang's regions, with
//! validation, sealing and the roll-ups, through the same use case as `jinguo people import`.
//! The baseline, measured in the same run, reads the file and checks every row without sealing
//! or writing.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use jinguo_app::sheets::{ImportOutcome, OnProgress, PEOPLE_COLUMNS};
use jinguo_app::{Actor, App};
use jinguo_domain::people::{IdNumber, PersonCategory, Phone, validate_person_name};

use super::{Fresh, divisions_dir};
use crate::config::Settings;
use crate::{regions, ui};

#[derive(Debug, Clone, clap::Args)]
pub struct ImportArgs {
    /// CSV 行数
    #[arg(long, value_name = "N", default_value_t = 1_000_000)]
    csv_rows: usize,
    /// .xlsx 行数（0 表示不测）
    #[arg(long, value_name = "N", default_value_t = 100_000)]
    xlsx_rows: usize,
    /// 真实区划文件所在目录（含 provinces.csv、cities.csv、areas.csv、streets-4205.csv、villages-4205.csv）[默认：./data/divisions]
    #[arg(long, value_name = "DIR")]
    divisions: Option<std::path::PathBuf>,
}

pub async fn run(args: ImportArgs, settings: Settings) -> anyhow::Result<ExitCode> {
    let dir = divisions_dir(args.divisions.as_deref())?;
    let mut results = Vec::new();
    for (format, rows) in [("CSV", args.csv_rows), ("xlsx", args.xlsx_rows)] {
        if rows == 0 {
            continue;
        }
        let fresh = Fresh::create(&settings).await?;
        let outcome = one(&fresh, &settings, &dir, format, rows).await;
        let sqlite = fresh.pg.is_none();
        fresh.finish().await;
        results.push((sqlite, format, rows, outcome?));
    }
    println!();
    let table: Vec<Vec<String>> = results
        .iter()
        .map(|(_, format, rows, m)| {
            vec![
                format!("{format}，{} 行", ui::thousands(*rows as u64)),
                ui::seconds(m.import),
                ui::thousands(per_second(*rows, m.import)),
                ui::seconds(m.baseline),
                ui::thousands(per_second(*rows, m.baseline)),
            ]
        })
        .collect();
    println!("{}", ui::table(&["", "导入用时", "行/秒", "基线：只读取与校验", "行/秒"], &table));
    for (sqlite, format, rows, m) in &results {
        let target = if *format == "CSV" { 100_000 } else { 20_000 };
        let rate = per_second(*rows, m.import);
        // The targets are set for SQLite; on PostgreSQL the figure is only reported.
        let verdict = match (*sqlite, rate >= target) {
            (false, _) => "本次为 PostgreSQL，不作判断",
            (true, true) => "达成",
            (true, false) => "未达成",
        };
        println!(
            "{format}：{} 行/秒（目标 ≥ {} 行/秒，SQLite）：{verdict}；导入 ÷ 基线 = {:.1} 倍",
            ui::thousands(rate),
            ui::thousands(target),
            m.import.as_secs_f64() / m.baseline.as_secs_f64().max(1e-9)
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn per_second(rows: usize, d: Duration) -> u64 {
    (rows as f64 / d.as_secs_f64().max(1e-9)) as u64
}

struct Measured {
    import: Duration,
    baseline: Duration,
}

async fn one(fresh: &Fresh, settings: &Settings, dir: &Path, format: &str, rows: usize) -> anyhow::Result<Measured> {
    let app = fresh.settings(settings, None).open_app().await?;
    let files: Vec<_> =
        ["provinces.csv", "cities.csv", "areas.csv", "streets-4205.csv", "villages-4205.csv"].iter().map(|f| dir.join(f)).collect();
    let files = regions::read_files(&files)?;
    if let jinguo_app::org::regions::ImportOutcome::Rejected(e) = regions::import_files(&app, &files).await? {
        return Err(ui::fail(1, format!("错误：区划文件有误：{:?}", e.first())));
    }
    let villages: Vec<String> = files
        .iter()
        .find(|f| f.name.ends_with("villages-4205.csv"))
        .map(|f| f.text.lines().skip(1).filter_map(|l| l.split(',').next()).map(str::to_owned).collect())
        .unwrap_or_default();
    drop(files);

    let started = Instant::now();
    let path = fresh.dir.path().join(format!("people.{}", format.to_lowercase()));
    write_people(&path, format, rows, &villages)?;
    let bytes = std::fs::metadata(&path)?.len();
    println!(
        "人员导入基准（{}）：{format} {} 行，{:.1} MB（生成用时 {}）",
        fresh.engine(),
        ui::thousands(rows as u64),
        bytes as f64 / 1e6,
        ui::seconds(started.elapsed())
    );

    let started = Instant::now();
    let checked = check_only(&app, &path)?;
    let baseline = started.elapsed();
    if checked != rows {
        return Err(ui::fail(1, format!("错误：基线只读到 {checked} 行有效数据，应为 {rows} 行")));
    }

    let bar = ui::progress_bar("正在导入…");
    let draw = ui::progress_callback(&bar);
    let progress: OnProgress = Arc::new(move |p| draw(p.stage.label(), p.done, p.total.max(p.done)));
    let started = Instant::now();
    let data = std::fs::read(&path)?;
    let outcome = app.import_people(&Actor::operator(), &path.to_string_lossy(), data, progress).await;
    let import = started.elapsed();
    bar.finish_and_clear();
    match outcome.map_err(|e| anyhow::anyhow!("{}", ui::describe_app(&e)))? {
        ImportOutcome::Imported(done) if done.created == rows => {}
        ImportOutcome::Imported(done) => return Err(ui::fail(1, format!("错误：只新登记了 {} 行", done.created))),
        ImportOutcome::Rejected(r) => return Err(ui::fail(1, format!("错误：导入被拒绝：{:?}", r.errors.first()))),
    }
    let stored = jinguo_store::people::count(app.db.reader(), &jinguo_store::Scope::everything(), None).await?;
    if stored != rows as i64 {
        return Err(ui::fail(1, format!("错误：库中有 {stored} 人，应为 {rows} 人")));
    }
    app.db.clone().close().await;
    println!("  导入 {}（{} 行/秒）；基线 {}", ui::seconds(import), ui::thousands(per_second(rows, import)), ui::seconds(baseline));
    Ok(Measured { import, baseline })
}

/// The baseline: read the file and check every row as the import does, sealing and writing
/// nothing. Answers the number of good rows.
fn check_only(app: &App, path: &Path) -> anyhow::Result<usize> {
    let sheet = jinguo_sheet::Sheet::open(path, |cells| cells.iter().any(|c| c == "身份证号码"))?;
    let at: Vec<usize> = PEOPLE_COLUMNS.iter().map(|h| sheet.column(h).unwrap_or(usize::MAX)).collect();
    let today = app.today();
    let mut good = 0;
    for row in sheet.rows() {
        let row = row?;
        let ok = validate_person_name(row.cell(at[0])).is_ok()
            && IdNumber::parse(row.cell(at[1]), today).is_ok()
            && (row.cell(at[2]).is_empty() || Phone::parse(row.cell(at[2])).is_ok())
            && jinguo_domain::RegionCode::parse(row.cell(at[3])).is_ok()
            && PersonCategory::parse_list(row.cell(at[4])).is_ok();
        good += usize::from(ok);
    }
    Ok(good)
}

const SURNAMES: [&str; 20] =
    ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "周", "吴", "徐", "孙", "胡", "朱", "高", "林", "何", "郭", "马", "罗"];
const GIVEN: [&str; 16] = ["秀英", "桂兰", "晓燕", "丽", "芳", "娜", "敏", "静", "艳", "霞", "玉兰", "春梅", "小红", "海燕", "婷", "雪"];
const CATEGORIES: [&str; 8] = ["", "", "困难", "留守", "残疾", "单亲", "困难、大病", "新业态从业者"];

/// `rows` women of Yichang with valid, distinct ID numbers (county, birth day and sequence
/// differ), phones, villages of their county and categories.
fn write_people(path: &Path, format: &str, rows: usize, villages: &[String]) -> anyhow::Result<()> {
    let mut by_county: std::collections::BTreeMap<&str, Vec<&str>> = std::collections::BTreeMap::new();
    for v in villages {
        by_county.entry(&v[..6]).or_default().push(v);
    }
    let counties: Vec<(&str, Vec<&str>)> = by_county.into_iter().collect();
    if counties.is_empty() {
        return Err(ui::fail(1, "错误：没有村(社区)区划"));
    }
    let first_day = chrono::NaiveDate::from_ymd_opt(1941, 1, 1).ok_or_else(|| anyhow::anyhow!("日期"))?;
    let row = |i: usize| -> Vec<String> {
        let (county, vs) = &counties[i % counties.len()];
        let j = i / counties.len();
        let birth = first_day + chrono::Duration::days((j % 20_000) as i64);
        let seq = (j / 20_000) % 500 * 2;
        let body = format!("{county}{}{seq:03}", birth.format("%Y%m%d"));
        vec![
            format!("{}{}", SURNAMES[i % 20], GIVEN[(i / 20) % 16]),
            format!("{body}{}", IdNumber::check_char(&body)),
            format!("13{:09}", i),
            vs[j % vs.len()].to_owned(),
            CATEGORIES[i % 8].to_owned(),
            "宜昌市".to_owned(),
        ]
    };
    if format == "CSV" {
        let mut w = csv::Writer::from_path(path)?;
        w.write_record(PEOPLE_COLUMNS)?;
        for i in 0..rows {
            w.write_record(row(i))?;
        }
        w.flush()?;
    } else {
        let bytes = jinguo_sheet::table("人员信息", &PEOPLE_COLUMNS, (0..rows).map(row))?;
        std::fs::write(path, bytes)?;
    }
    Ok(())
}
