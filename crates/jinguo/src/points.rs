//! `jinguo points expire|expiry|rankings`: the family points rules the city sets, and expiry
//! run by hand (the server also runs it once a day).

use std::process::ExitCode;

use clap::Subcommand;
use jinguo_app::{Actor, App};

use crate::config::Settings;
use crate::ui;

#[derive(Debug, Subcommand)]
pub enum Command {
    /// 积分过期：按设置的有效期（或 --months）使早于期限获得且未用完的积分过期；可重复执行，不会重复过期
    Expire {
        /// 有效期（月）；不填则用已设置的有效期
        #[arg(long, value_name = "N")]
        months: Option<u32>,
    },
    /// 设置积分有效期（月），0 表示不过期；服务每天按此执行一次过期
    Expiry {
        #[arg(long, value_name = "N")]
        months: u32,
    },
    /// 开启或关闭家庭积分排行（默认关闭；只排家庭，不排干部）
    Rankings {
        #[arg(value_parser = ["on", "off"])]
        state: String,
    },
}

pub async fn run(cmd: Command, settings: Settings) -> anyhow::Result<ExitCode> {
    let app = settings.open_app().await?;
    let op = Actor::operator();
    let err = |e: jinguo_app::AppError| anyhow::anyhow!("{}", ui::describe_app(&e));
    match cmd {
        Command::Expire { months } => match app.expire_points(&op, months).await.map_err(err)? {
            Some(x) => println!(
                "积分有效期 {} 个月：{} 户家庭共 {} 分过期",
                x.months,
                ui::thousands(x.families as u64),
                ui::thousands(x.points as u64)
            ),
            None => println!("未设置积分有效期（jinguo points expiry --months N），未作变动"),
        },
        Command::Expiry { months } => {
            app.set_points_expiry(&op, months).await.map_err(err)?;
            if months == 0 {
                println!("积分不再过期");
            } else {
                println!("积分有效期已设为 {months} 个月；服务每天执行一次过期");
            }
        }
        Command::Rankings { state } => {
            app.set_family_rankings(&op, state == "on").await.map_err(err)?;
            println!("家庭积分排行已{}", if state == "on" { "开启" } else { "关闭" });
        }
    }
    app.db.clone().close().await;
    Ok(ExitCode::SUCCESS)
}

/// Runs expiry once a day while the server runs (nothing happens unless an expiry is set).
pub async fn expire_daily(app: App) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(24 * 3600));
    loop {
        tick.tick().await;
        match app.expire_points(&Actor::operator(), None).await {
            Ok(Some(x)) if x.families > 0 => tracing::info!(families = x.families, points = x.points, "points expired"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "points expiry failed"),
        }
    }
}
