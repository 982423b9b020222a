//! `jinguo serve [--bind ADDR] [--demo]`: opens the platform, optionally seeds the demo city,
//! and serves it until stopped. Opening an existing data directory is quick (migrations that
//! are already applied cost one query each), so the server is up well under a second.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Instant;

use crate::config::Settings;
use crate::{demo, ui};

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// 监听地址 [默认：127.0.0.1:8080，或配置文件中的 bind]
    #[arg(long, env = "JINGUO_BIND", value_name = "ADDR")]
    bind: Option<String>,
    /// 载入演示城市（宜昌市）与演示账号（密码取自环境变量 JINGUO_DEMO_PASSWORD，未设置时自动生成）
    #[arg(long)]
    demo: bool,
}

pub async fn run(args: Args, mut settings: Settings) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    if args.demo {
        demo::default_city(&mut settings)?;
    }
    let bind = args.bind.clone().filter(|b| !b.trim().is_empty()).unwrap_or_else(|| settings.bind.clone());
    let app = settings.open_app().await?;
    // Bind before seeding, so a port in use is reported at once.
    let listener = tokio::net::TcpListener::bind(&bind).await.map_err(|e| ui::fail(1, format!("错误：无法监听 {bind}：{e}")))?;
    let addr = listener.local_addr()?;
    let report = if args.demo { Some(demo::seed(&app).await?) } else { None };

    println!("巾帼已启动：{}", url(addr));
    if addr.ip().is_unspecified() {
        println!("（监听本机所有网络地址的 {} 端口）", addr.port());
    }
    println!("数据：{}", settings.describe_storage());
    if let Some(report) = &report {
        println!();
        demo::print_report(report);
    }
    println!();
    println!("按 Ctrl-C 停止。");
    tracing::info!(%addr, storage = %settings.describe_storage(), startup_ms = started.elapsed().as_millis() as u64, "serving");

    tokio::spawn(keep_lease(app.clone()));
    tokio::spawn(crate::points::expire_daily(app.clone()));
    let lease = app.clone();
    jinguo_web::serve(app, settings.web.clone(), listener).await.map_err(|e| ui::fail(1, format!("错误：网站服务异常退出：{e}")))?;
    if let Err(e) = lease.end_lease().await {
        tracing::warn!(error = %e, "could not give up the server lease");
    }
    tracing::info!("stopped");
    Ok(ExitCode::SUCCESS)
}

/// Renews the server's lease in the database (so `jinguo keys rotate` knows a server is
/// running) and stops the process when the keys were rotated under it: with the old key it
/// would find no one by ID number or phone. A restart with the new key file carries on.
async fn keep_lease(app: jinguo_app::App) {
    loop {
        match app.heartbeat().await {
            Ok(true) => {}
            Ok(false) => {
                tracing::error!("master key rotated while serving: stopping; restart with the new key file");
                eprintln!("错误：主密钥已被轮换，本服务持有的是旧密钥，已停止。请在轮换完成后用新的密钥文件重新启动。");
                std::process::exit(3);
            }
            Err(e) => tracing::warn!(error = %e, "could not renew the server lease"),
        }
        tokio::time::sleep(std::time::Duration::from_secs(jinguo_app::keys::HEARTBEAT_SECONDS)).await;
    }
}

/// The address to open in a browser: loopback when listening on every interface.
fn url(addr: SocketAddr) -> String {
    match addr {
        SocketAddr::V4(a) if a.ip().is_unspecified() => format!("http://127.0.0.1:{}/", a.port()),
        SocketAddr::V6(a) if a.ip().is_unspecified() => format!("http://[::1]:{}/", a.port()),
        SocketAddr::V4(a) => format!("http://{a}/"),
        SocketAddr::V6(a) => format!("http://{a}/"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_point_at_something_a_browser_can_open() {
        assert_eq!(url("127.0.0.1:8080".parse().unwrap()), "http://127.0.0.1:8080/");
        assert_eq!(url("0.0.0.0:80".parse().unwrap()), "http://127.0.0.1:80/");
        assert_eq!(url("[::]:8080".parse().unwrap()), "http://[::1]:8080/");
    }
}
