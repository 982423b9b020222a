//! `jinguo bench redeem [--clients 200] [--redemptions N]`: points redemptions per second over
//! loopback HTTP (`POST /api/v1/points/redemptions`, the real server in this process), with
//! `--clients` concurrent keep-alive connections, and p50/p99 latency; the baseline is the same
//! redemptions one at a time over one connection. Afterwards the stock and the ledger are checked:
//! exactly the redemptions answered 201 were taken from stock, and no balance is negative.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use jinguo_app::Actor;
use jinguo_app::access::accounts::AccountInput;
use jinguo_app::family::families::FamilyInput;
use jinguo_app::family::points::EntryInput;
use jinguo_app::family::store::ItemInput;
use jinguo_app::org::regions::{ImportFile, ImportOutcome};
use jinguo_domain::RegionCode;

use super::http::Client;
use super::{Fresh, Stats};
use crate::config::Settings;
use crate::ui;

#[derive(Debug, Clone, clap::Args)]
pub struct RedeemArgs {
    /// 并发客户端数（各用一条保持连接的 HTTP 连接）
    #[arg(long, value_name = "N", default_value_t = 200, value_parser = clap::value_parser!(u32).range(1..=2000))]
    clients: u32,
    /// 并发测量的兑换笔数
    #[arg(long, value_name = "N", default_value_t = 20_000, value_parser = clap::value_parser!(u32).range(1..))]
    redemptions: u32,
    /// 基线（逐笔兑换，一条连接）的笔数
    #[arg(long, value_name = "N", default_value_t = 2_000, value_parser = clap::value_parser!(u32).range(1..))]
    baseline: u32,
}

const REGIONS: &str = "code,name\n42,湖北省\n4205,宜昌市\n420502,西陵区\n420502001,西陵街道\n420502001001,土街头社区居民委员会\n";
const VILLAGE: &str = "420502001001";
const PASSWORD: &str = "Bench-Redeem-1";

pub async fn run(args: RedeemArgs, settings: Settings) -> anyhow::Result<std::process::ExitCode> {
    let fresh = Fresh::create(&settings).await?;
    let outcome = run_in(&fresh, &settings, &args).await;
    fresh.finish().await;
    outcome
}

fn app_err(e: jinguo_app::AppError) -> anyhow::Error {
    anyhow::anyhow!("{}", ui::describe_app(&e))
}

async fn run_in(fresh: &Fresh, settings: &Settings, args: &RedeemArgs) -> anyhow::Result<std::process::ExitCode> {
    let city = RegionCode::parse("4205")?;
    let app = fresh.settings(settings, Some(city.clone())).open_app().await?;
    let op = Actor::operator();
    let files = [ImportFile { name: "regions.csv".into(), text: REGIONS.into() }];
    match app.import_regions(&op, &files, None).await.map_err(app_err)? {
        ImportOutcome::Imported(_) => {}
        ImportOutcome::Rejected(e) => anyhow::bail!("区划被拒绝：{e:?}"),
    }
    let day = chrono::NaiveDate::from_ymd_opt(2000, 1, 1).context("日期")?;
    app.ensure_region_federations(&op, &city, day).await.map_err(app_err)?;
    app.create_account(
        &op,
        &AccountInput {
            username: "bench".into(),
            display_name: "基准测试".into(),
            org: VILLAGE.into(),
            role: "village_officer".into(),
            password: PASSWORD.into(),
        },
    )
    .await
    .map_err(app_err)?;

    // One family per client, each with points for every redemption it will make, and one item
    // whose stock covers them all (every request contends for the same row: the worst case).
    let total = args.redemptions + args.baseline;
    // Clients share the work, so one family may make any number of them: points for all.
    let per_family = total as i64;
    let started = Instant::now();
    let mut families = Vec::with_capacity(args.clients as usize);
    for i in 0..args.clients {
        let f = app
            .create_family(&op, &FamilyInput { region: VILLAGE.into(), name: format!("基准家庭{i}"), members: Vec::new() })
            .await
            .map_err(app_err)?;
        let mut left = per_family * 10;
        while left > 0 {
            let n = left.min(100_000);
            let entry = EntryInput {
                family: f.id.to_string(),
                points: n.to_string(),
                kind: "earn".into(),
                reason: "基准测试".into(),
                ..EntryInput::default()
            };
            app.record_points(&op, &entry).await.map_err(app_err)?;
            left -= n;
        }
        families.push(f.id);
    }
    let stock = total as i64;
    let item = app
        .create_store_item(&op, &ItemInput { region: VILLAGE.into(), name: "洗衣液".into(), stock: stock.to_string(), price: "10".into() })
        .await
        .map_err(app_err)?;
    let setup = started.elapsed();

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let web = jinguo_web::WebConfig { login_per_minute: 1_000, api_per_second: 1_000_000, ..jinguo_web::WebConfig::default() };
    let server = tokio::spawn(jinguo_web::serve(app.clone(), web, listener));
    let token = app
        .login(&jinguo_app::access::auth::LoginInput {
            username: "bench".into(),
            password: PASSWORD.into(),
            totp: None,
            ip: "127.0.0.1".into(),
            user_agent: "bench".into(),
        })
        .await
        .map_err(app_err)?
        .token;

    println!("积分兑换基准（{}）", fresh.engine());
    println!(
        "准备：{} 户家庭、1 种商品（库存 {}），用时 {}；经回环 HTTP 调用 POST /api/v1/points/redemptions",
        args.clients,
        ui::thousands(stock as u64),
        ui::seconds(setup)
    );

    // Baseline: one at a time over one connection.
    let body = |family: i64, key: String| format!(r#"{{"family":"{family}","item":"{}","quantity":1,"idempotency_key":"{key}"}}"#, item.id);
    let mut conn = Client::bearer(addr, &token).await?;
    let mut base_times = Vec::with_capacity(args.baseline as usize);
    let t0 = Instant::now();
    for n in 0..args.baseline {
        let f = families[n as usize % families.len()];
        let t = Instant::now();
        let status = conn.post("/api/v1/points/redemptions", &body(f, format!("b{n}"))).await?;
        base_times.push(t.elapsed());
        anyhow::ensure!(status == 201, "基线兑换返回 {status}");
    }
    let base_elapsed = t0.elapsed();

    // Concurrent: `clients` connections, each its own family, keys unique.
    let next = Arc::new(std::sync::atomic::AtomicU32::new(0));
    let t0 = Instant::now();
    let mut tasks = Vec::with_capacity(args.clients as usize);
    for (c, &f) in families.iter().enumerate() {
        let (next, token, limit, item) = (next.clone(), token.clone(), args.redemptions, item.id);
        tasks.push(tokio::spawn(async move {
            let mut conn = Client::bearer(addr, &token).await?;
            let mut times = Vec::new();
            let mut refused = 0u32;
            loop {
                let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if n >= limit {
                    break;
                }
                let b = format!(r#"{{"family":"{f}","item":"{item}","quantity":1,"idempotency_key":"c{c}-{n}"}}"#);
                let t = Instant::now();
                let status = conn.post("/api/v1/points/redemptions", &b).await?;
                times.push(t.elapsed());
                if status != 201 {
                    refused += 1;
                }
            }
            anyhow::Ok((times, refused))
        }));
    }
    let mut times = Vec::with_capacity(args.redemptions as usize);
    let mut refused = 0;
    for t in tasks {
        let (t, r) = t.await??;
        times.extend(t);
        refused += r;
    }
    let elapsed = t0.elapsed();
    server.abort();

    // The checks: every 201 took one unit, nothing else did; no balance below zero.
    let after = jinguo_store::family::store::item_any(app.db.reader(), item.id).await?.context("商品")?;
    let redeemed = (args.redemptions - refused + args.baseline) as i64;
    anyhow::ensure!(refused == 0, "并发兑换中有 {refused} 笔被拒绝");
    anyhow::ensure!(after.stock == stock - redeemed && after.reserved == redeemed, "库存 {} 与成功兑换 {redeemed} 笔不符", after.stock);
    for &f in &families {
        let b = jinguo_store::family::points::balance(app.db.reader(), f).await?;
        let sum = jinguo_store::family::points::ledger_sum(app.db.reader(), f).await?;
        anyhow::ensure!(b >= 0 && b == sum, "家庭 {f} 的积分 {b} 与台账 {sum} 不符");
    }
    app.db.clone().close().await;

    let rate = |n: u32, d: Duration| ui::thousands((n as f64 / d.as_secs_f64().max(1e-9)) as u64);
    let conc = Stats::of(times);
    let base = Stats::of(base_times);
    println!();
    let rows = vec![
        vec![
            format!("基线：逐笔兑换（1 个客户端，{} 笔）", ui::thousands(args.baseline as u64)),
            rate(args.baseline, base_elapsed),
            ui::millis(base.p50),
            ui::millis(base.p99),
        ],
        vec![
            format!("并发兑换（{} 个客户端，{} 笔）", args.clients, ui::thousands(args.redemptions as u64)),
            rate(args.redemptions, elapsed),
            ui::millis(conc.p50),
            ui::millis(conc.p99),
        ],
    ];
    println!("{}", ui::table(&["", "笔/秒", "p50", "p99"], &rows));
    println!(
        "核对：库存减少 {} 件 = 成功兑换 {} 笔；各家庭积分 = 台账合计，且无负数",
        ui::thousands(redeemed as u64),
        ui::thousands(redeemed as u64)
    );
    let per_second = args.redemptions as f64 / elapsed.as_secs_f64().max(1e-9);
    let verdict = if per_second >= 1_000.0 { "达成" } else { "未达成" };
    println!("目标（SQLite）：≥ 1,000 笔/秒：{verdict}（目标值 2,000 笔/秒）");
    Ok(std::process::ExitCode::SUCCESS)
}
