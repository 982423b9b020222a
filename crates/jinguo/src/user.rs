//! `jinguo user add --username U --org CODE_OR_ID --role ROLE [--name 姓名]`: creates a staff
//! account as the operator. The password is read from stdin (its first line), so that it never
//! appears in the shell history or the process list; on a terminal it is asked for twice,
//! without echo.

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

use clap::Subcommand;
use jinguo_app::Actor;
use jinguo_app::access::accounts::AccountInput;

use crate::config::Settings;
use crate::ui;

#[derive(Debug, Subcommand)]
pub enum Command {
    /// 新建工作人员账号；密码从标准输入读取（第一行）
    Add(AddArgs),
}

#[derive(Debug, Clone, clap::Args)]
pub struct AddArgs {
    /// 用户名：3–32 位小写字母、数字或 _ - .
    #[arg(long)]
    username: String,
    /// 所属组织：区划代码（即该区划的妇联）或组织编号
    #[arg(long, value_name = "REGION_CODE_OR_ORG_ID")]
    org: String,
    /// 角色：city_officer、county_officer、town_officer、village_officer、reviewer、system_admin、security_admin、audit_admin
    #[arg(long)]
    role: String,
    /// 姓名 [默认：同用户名]
    #[arg(long)]
    name: Option<String>,
}

pub async fn run(cmd: Command, settings: Settings) -> anyhow::Result<ExitCode> {
    match cmd {
        Command::Add(args) => add(args, settings).await,
    }
}

async fn add(args: AddArgs, settings: Settings) -> anyhow::Result<ExitCode> {
    let app = settings.open_app().await?;
    let password = tokio::task::spawn_blocking(read_password).await??;
    let input =
        AccountInput { username: args.username, display_name: args.name.unwrap_or_default(), org: args.org, role: args.role, password };
    let account =
        app.create_account(&Actor::operator(), &input).await.map_err(|e| ui::fail(1, format!("错误：{}", ui::describe_app(&e))))?;
    println!("已创建账号：");
    println!("  编号：{}", account.id);
    println!("  用户名：{}", account.username);
    println!("  姓名：{}", account.display_name);
    println!("  角色：{}（{}）", account.role.label(), account.role.code());
    println!("  所属组织：{}（组织编号 {}，区划 {}）", account.federation_name, account.federation, account.region);
    if account.role.needs_second_factor() {
        println!("管理员账号首次登录时须绑定动态验证码（TOTP）。");
    }
    Ok(ExitCode::SUCCESS)
}

/// The password: asked for twice without echo on a terminal, else the first line of stdin.
fn read_password() -> anyhow::Result<String> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        let first = prompt_hidden("请输入密码：")?;
        let second = prompt_hidden("请再次输入密码：")?;
        if first != second {
            return Err(ui::fail(1, "错误：两次输入的密码不一致，未创建账号。"));
        }
        return Ok(first);
    }
    let mut line = String::new();
    stdin.lock().read_line(&mut line).map_err(|e| anyhow::anyhow!("无法从标准输入读取密码：{e}"))?;
    let password = line.trim_end_matches(['\n', '\r']).to_owned();
    if password.is_empty() {
        return Err(ui::fail(
            1,
            "错误：未从标准输入读到密码（请在第一行给出密码，例如 `printf '%s\\n' \"$PASSWORD\" | jinguo user add …`）。",
        ));
    }
    Ok(password)
}

/// Reads a line from the terminal with echo turned off (through `stty`, so no unsafe code).
fn prompt_hidden(prompt: &str) -> anyhow::Result<String> {
    eprint!("{prompt}");
    let _ = std::io::stderr().flush();
    let echo_off = EchoOff::new();
    let mut line = String::new();
    let read = std::io::stdin().lock().read_line(&mut line);
    drop(echo_off);
    eprintln!();
    read.map_err(|e| anyhow::anyhow!("无法读取密码：{e}"))?;
    Ok(line.trim_end_matches(['\n', '\r']).to_owned())
}

/// Turns terminal echo off while alive; turns it back on when dropped.
struct EchoOff(bool);

impl EchoOff {
    fn new() -> EchoOff {
        EchoOff(stty("-echo"))
    }
}

impl Drop for EchoOff {
    fn drop(&mut self) {
        if self.0 {
            stty("echo");
        }
    }
}

fn stty(arg: &str) -> bool {
    std::process::Command::new("stty").arg(arg).stdin(std::process::Stdio::inherit()).status().is_ok_and(|s| s.success())
}
