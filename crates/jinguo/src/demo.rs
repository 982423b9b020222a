//! `jinguo demo [--scale small|city]`: seeds the demo city (Yichang, 4205) and its accounts,
//! and prints the logins and what was built. `serve --demo` seeds and prints the same way.

use std::process::ExitCode;

use jinguo_app::App;
use jinguo_app::demo::{self as app_demo, DemoOptions, DemoReport};
use jinguo_domain::RegionCode;

use crate::config::Settings;
use crate::ui;

/// The demo city: Yichang.
pub const DEMO_CITY: &str = "4205";

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// 规模：small（宜昌市真实区划、业务数据与每村 30–60 名登记妇女）或 city（城市规模，约 250 万名妇女、1000 万条记录，用于性能测试；请用新的数据目录）
    #[arg(long, value_enum, default_value_t = Scale::Small)]
    scale: Scale,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Scale {
    Small,
    City,
}

impl Scale {
    pub fn app(self) -> app_demo::Scale {
        match self {
            Scale::Small => app_demo::Scale::Small,
            Scale::City => app_demo::Scale::City,
        }
    }
}

pub async fn run(args: Args, mut settings: Settings) -> anyhow::Result<ExitCode> {
    default_city(&mut settings)?;
    let app = settings.open_app().await?;
    let started = std::time::Instant::now();
    let report = seed_at(&app, args.scale.app()).await?;
    let elapsed = started.elapsed();
    print_report(&report);
    println!();
    print_summary(&report);
    if let Some(p) = &report.population {
        println!();
        println!("{}", population_line(p));
        println!("共用时 {}", ui::seconds(elapsed));
    }
    Ok(ExitCode::SUCCESS)
}

/// What the population stage wrote, how long it took, and rows per second.
pub fn population_line(p: &app_demo::PopulationReport) -> String {
    let c = &p.counts;
    let rows = c.rows();
    format!(
        "演示人口（{} 规模）：妇女 {}、人员类别 {}、监测档案 {}、走访 {}、两癌筛查 {}、活动签到 {}，共 {} 行，用时 {}，{} 行/秒",
        p.scale.code(),
        ui::thousands(c.people),
        ui::thousands(c.categories),
        ui::thousands(c.cases),
        ui::thousands(c.visits),
        ui::thousands(c.screenings),
        ui::thousands(c.attendance),
        ui::thousands(rows),
        ui::seconds(p.elapsed),
        ui::thousands((rows as f64 / p.elapsed.as_secs_f64().max(1e-9)) as u64)
    )
}

/// With no city configured, the demo runs for Yichang.
pub fn default_city(settings: &mut Settings) -> anyhow::Result<()> {
    if settings.city.is_none() {
        settings.city = Some(RegionCode::parse(DEMO_CITY)?);
    }
    Ok(())
}

/// Seeds the demo city (nothing changes when it is already there), with a progress bar.
pub async fn seed(app: &App) -> anyhow::Result<DemoReport> {
    seed_at(app, app_demo::Scale::Small).await
}

/// Seeds the demo city with its population at `scale`.
pub async fn seed_at(app: &App, scale: app_demo::Scale) -> anyhow::Result<DemoReport> {
    let password = std::env::var("JINGUO_DEMO_PASSWORD").ok().filter(|p| !p.is_empty());
    let bar = ui::progress_bar("正在载入演示数据…");
    let result = app.seed_demo(&DemoOptions { password, scale }, Some(ui::progress_callback(&bar))).await;
    bar.finish_and_clear();
    result.map_err(|e| anyhow::anyhow!("{}", ui::describe_app(&e))).map_err(|e| e.context("无法载入演示数据"))
}

/// The demo logins, for people to try the platform with.
pub fn print_report(report: &DemoReport) {
    if !report.created {
        println!("演示数据已存在，未作改动。");
    }
    if report.accounts.is_empty() {
        return;
    }
    println!("演示账号：");
    let rows: Vec<Vec<String>> = report
        .accounts
        .iter()
        .map(|a| {
            vec![
                a.username.clone(),
                a.role_label.clone(),
                a.org_name.clone(),
                a.password.clone(),
                a.totp_secret.clone().unwrap_or_default(),
            ]
        })
        .collect();
    println!("{}", ui::table(&["用户名", "角色", "所属组织", "密码", "动态口令密钥（TOTP）"], &rows));
    if report.accounts.iter().any(|a| a.totp_secret.is_some()) {
        println!();
        println!("管理员登录时还需输入动态验证码：运行 `oathtool --totp -b 密钥` 即可得到，");
        println!("或把密钥添加到任意身份验证器应用（如 Google Authenticator、Microsoft Authenticator、FreeOTP）。");
    }
}

/// What the demo city holds.
pub fn print_summary(report: &DemoReport) {
    if report.summary.is_empty() {
        return;
    }
    println!("演示城市概况：");
    let rows: Vec<Vec<String>> = report.summary.iter().map(|(what, n)| vec![what.clone(), ui::thousands((*n).max(0) as u64)]).collect();
    println!("{}", ui::table(&["项目", "数量"], &rows));
}
