//! `jinguo bench load [--scale city] [--connections 64] [--seconds 10]`: the pages under load.
//! Seeds the demo city at `--scale` into a fresh database, starts `jinguo serve` on it as a
//! separate process (so its memory is the server's alone), and drives two pages over loopback
//! with `--connections` keep-alive connections: a village's register page (`/people` of
//! 土街头社区 as its village officer) and the whole-city dashboard for last year (as the city
//! officer). Prints requests per second, p50 and p99, and the server's resident memory; the
//! baseline is the same pages over one connection, one request at a time.

use std::net::SocketAddr;
use std::process::{ExitCode, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::Datelike;
use jinguo_app::access::auth::LoginInput;
use jinguo_domain::RegionCode;

use super::http::Client;
use super::{Fresh, Stats};
use crate::config::Settings;
use crate::{demo, ui};

#[derive(Debug, Clone, clap::Args)]
pub struct LoadArgs {
    /// 演示数据规模
    #[arg(long, value_enum, default_value_t = demo::Scale::City)]
    scale: demo::Scale,
    /// 并发连接数（各为一条保持连接的 HTTP 连接）
    #[arg(long, value_name = "N", default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..=1000))]
    connections: u32,
    /// 每个页面并发测量的秒数
    #[arg(long, value_name = "S", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=600))]
    seconds: u32,
}

const VILLAGE: &str = "420502001001";

pub async fn run(args: LoadArgs, settings: Settings) -> anyhow::Result<ExitCode> {
    let fresh = Fresh::create(&settings).await?;
    let outcome = run_in(&fresh, &settings, &args).await;
    fresh.finish().await;
    outcome
}

/// The server process, stopped when dropped.
struct Server(std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Server {
    /// Resident memory now and at its peak, in bytes (Linux).
    fn memory(&self) -> Option<(u64, u64)> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.0.id())).ok()?;
        let field = |name: &str| {
            status.lines().find(|l| l.starts_with(name)).and_then(|l| l.split_whitespace().nth(1)).and_then(|k| k.parse::<u64>().ok())
        };
        Some((field("VmRSS:")? * 1024, field("VmHWM:")? * 1024))
    }
}

async fn run_in(fresh: &Fresh, settings: &Settings, args: &LoadArgs) -> anyhow::Result<ExitCode> {
    let city = RegionCode::parse(demo::DEMO_CITY)?;
    let here = fresh.settings(settings, Some(city.clone()));
    let app = here.open_app().await?;
    let started = Instant::now();
    let report = demo::seed_at(&app, args.scale.app()).await?;
    let seeding = started.elapsed();
    let password = |user: &str| report.accounts.iter().find(|a| a.username == user).map(|a| a.password.clone());
    let login = |user: &'static str| {
        let app = app.clone();
        let password = password(user);
        async move {
            let input = LoginInput {
                username: user.into(),
                password: password.context("演示账号")?,
                totp: None,
                ip: "127.0.0.1".into(),
                user_agent: "bench".into(),
            };
            anyhow::Ok(app.login(&input).await.map_err(|e| anyhow::anyhow!("{}", ui::describe_app(&e)))?.token)
        }
    };
    let (village, city_officer) = (login("village").await?, login("city").await?);
    app.db.clone().close().await;

    // The server, a process of its own on a free port.
    let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse()?;
    let mut cmd = std::process::Command::new(std::env::current_exe()?);
    cmd.arg("--data-dir").arg(&here.data_dir);
    if let Some(url) = &here.database_url {
        cmd.arg("--database-url").arg(url);
    }
    cmd.args(["serve", "--bind", &addr.to_string()])
        .env("JINGUO_CITY", city.short())
        .env("JINGUO_API_PER_SECOND", "1000000")
        .env_remove("JINGUO_KEYS")
        .env_remove("JINGUO_KEY_FILE")
        .env_remove("JINGUO_CONFIG")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let server = Server(cmd.spawn().context("无法启动服务进程")?);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(mut c) = Client::session(addr, "").await
            && let Ok((200, _)) = c.get("/healthz").await
        {
            break;
        }
        anyhow::ensure!(Instant::now() < deadline, "服务进程 60 秒内未就绪");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let idle = server.memory();

    let year = chrono::Utc::now().year() - 1;
    let pages = [
        ("村(社区)人员名册", format!("/people?region={VILLAGE}"), village),
        ("全市数据驾驶舱", format!("/dashboard?region={}&from={year}-01-01&to={year}-12-31", city.short()), city_officer),
    ];
    println!("页面负载基准（{}）", fresh.engine());
    println!("演示数据载入用时 {}", ui::seconds(seeding));
    if let Some(p) = &report.population {
        println!("{}", demo::population_line(p));
    }
    println!("服务进程：jinguo serve，{addr}；负载：{} 条保持连接，每页 {} 秒", args.connections, args.seconds);
    println!();

    let mut rows = Vec::new();
    let mut verdicts = Vec::new();
    for (name, path, token) in &pages {
        // Warm up, and check the page answers 200 with a body.
        let mut one = Client::session(addr, token).await?;
        for _ in 0..5 {
            let (status, len) = one.get(path).await?;
            anyhow::ensure!(status == 200 && len > 1000, "{name} {path} 返回 {status}（{len} 字节）");
        }
        let base = drive(addr, path, token, 1, Duration::from_secs(args.seconds.min(5) as u64)).await?;
        let load = drive(addr, path, token, args.connections, Duration::from_secs(args.seconds as u64)).await?;
        rows.push(vec![
            format!("{name}：基线 1 条连接"),
            ui::thousands(base.rate() as u64),
            ui::millis(base.stats.p50),
            ui::millis(base.stats.p99),
        ]);
        rows.push(vec![
            format!("{name}：{} 条连接", args.connections),
            ui::thousands(load.rate() as u64),
            ui::millis(load.stats.p50),
            ui::millis(load.stats.p99),
        ]);
        verdicts.push((name, load.rate(), load.stats.p99));
    }
    let after = server.memory();
    drop(server);
    println!("{}", ui::table(&["", "请求/秒", "p50", "p99"], &rows));
    let mb = |b: u64| format!("{:.0} MB", b as f64 / 1_048_576.0);
    if let (Some((idle_rss, _)), Some((rss, peak))) = (idle, after) {
        println!("服务进程内存：空闲 {}，负载后 {}，峰值 {}", mb(idle_rss), mb(rss), mb(peak));
        let ok = if peak <= 200 * 1_048_576 { "达成" } else { "未达成" };
        println!("目标：服务进程内存 ≤ 200 MB：{ok}");
    }
    // The target is the village page's; the dashboard's is its figures' p95 (`bench indicators`).
    if let Some((name, rate, p99)) = verdicts.first() {
        let ok = if *rate >= 3_000.0 && *p99 <= Duration::from_millis(40) { "达成" } else { "未达成" };
        println!("目标：{name} ≥ 3,000 请求/秒且 p99 ≤ 40 ms（期望 5,000 与 25 ms）：{ok}");
    }
    Ok(ExitCode::SUCCESS)
}

struct Run {
    requests: usize,
    elapsed: Duration,
    stats: Stats,
}

impl Run {
    fn rate(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// `connections` clients asking for `path` as fast as answers come, for `length`; every answer
/// must be 200.
async fn drive(addr: SocketAddr, path: &str, token: &str, connections: u32, length: Duration) -> anyhow::Result<Run> {
    let stop = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::with_capacity(connections as usize);
    let t0 = Instant::now();
    for _ in 0..connections {
        let (stop, path, token) = (stop.clone(), path.to_owned(), token.to_owned());
        tasks.push(tokio::spawn(async move {
            let mut c = Client::session(addr, &token).await?;
            let mut times = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                let t = Instant::now();
                let (status, _) = c.get(&path).await?;
                times.push(t.elapsed());
                anyhow::ensure!(status == 200, "{path} 返回 {status}");
            }
            anyhow::Ok(times)
        }));
    }
    tokio::time::sleep(length).await;
    stop.store(true, Ordering::Relaxed);
    let mut times = Vec::new();
    for t in tasks {
        times.extend(t.await??);
    }
    let elapsed = t0.elapsed();
    Ok(Run { requests: times.len(), elapsed, stats: Stats::of(times) })
}
