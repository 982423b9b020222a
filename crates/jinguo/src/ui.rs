//! Terminal output shared by the commands: logging set-up, error reports, progress bars,
//! tables and number formatting. Command output goes to stdout; logs, progress and errors to
//! stderr, so that `jinguo … > file` keeps only the answer.

use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use jinguo_app::AppError;
use jinguo_app::org::regions::Progress;

/// Logs go to stderr: readable by default, JSON with `JINGUO_LOG_FORMAT=json`; the level comes
/// from `RUST_LOG` (default `info`).
pub fn init_logging() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let json = std::env::var("JINGUO_LOG_FORMAT").is_ok_and(|f| f.trim().eq_ignore_ascii_case("json"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    // A second initialisation (never in practice) is not worth failing the command for.
    let _ = if json { builder.json().try_init() } else { builder.with_ansi(std::io::stderr().is_terminal()).try_init() };
}

/// A failure the command has already put into words: `main` prints the message and exits
/// with the code.
#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub message: String,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Failure {}

/// An error that ends the command with `code` and `message` (already in Chinese).
pub fn fail(code: u8, message: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(Failure { code, message: message.into() })
}

/// Prints an error to stderr and gives the exit code: a [`Failure`]'s own, else 1.
pub fn report_failure(e: &anyhow::Error) -> ExitCode {
    if let Some(f) = e.downcast_ref::<Failure>() {
        eprintln!("{}", f.message);
        return ExitCode::from(f.code);
    }
    tracing::debug!(error = ?e, "command failed");
    eprintln!("错误：{}", describe(e));
    ExitCode::from(1)
}

/// The whole chain of an error in words. Application errors are spelt out: the causes of
/// internal errors (kept opaque for web users) are shown to the operator, and every field error
/// gets its own line.
pub fn describe(e: &anyhow::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in e.chain() {
        let text = match cause.downcast_ref::<AppError>() {
            Some(app) => describe_app(app),
            None => cause.to_string(),
        };
        // Wrapping errors often repeat their source's text; say it once.
        if !parts.last().is_some_and(|last| last.ends_with(&text)) {
            parts.push(text);
        }
    }
    parts.join("：")
}

pub fn describe_app(e: &AppError) -> String {
    match e {
        AppError::Internal(cause) => cause.clone(),
        AppError::Invalid(invalid) if invalid.errors.len() > 1 => {
            let lines: Vec<String> = invalid.errors.iter().map(|f| format!("  - {}", f.message)).collect();
            format!("输入有误：\n{}", lines.join("\n"))
        }
        other => other.to_string(),
    }
}

/// A progress indicator on stderr, hidden when stderr is not a terminal (logs, CI, tests). It
/// spins with `message` until the first progress report turns it into a bar.
pub fn progress_bar(message: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let style = ProgressStyle::with_template("{spinner} {msg} {elapsed}").unwrap_or_else(|_| ProgressStyle::default_spinner());
    let bar = ProgressBar::new_spinner().with_style(style).with_message(message.to_owned());
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

/// The callback the app's long operations report to, drawing on `bar`.
pub fn progress_callback(bar: &ProgressBar) -> Progress {
    let bar = bar.clone();
    let styled = AtomicBool::new(false);
    Arc::new(move |stage: &str, done: u64, total: u64| {
        if !styled.swap(true, Ordering::Relaxed) {
            let style = ProgressStyle::with_template("{msg} [{bar:40.cyan/blue}] {pos}/{len} {elapsed}")
                .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message(stage.to_owned());
        bar.set_length(total);
        bar.set_position(done);
    })
}

/// `1234567` → `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Columns a string takes on a terminal: CJK and other wide characters take two.
pub fn display_width(s: &str) -> usize {
    s.chars()
        .map(|c| match c as u32 {
            0x1100..=0x115F
            | 0x2E80..=0xA4CF
            | 0xAC00..=0xD7A3
            | 0xF900..=0xFAFF
            | 0xFE30..=0xFE4F
            | 0xFF00..=0xFF60
            | 0xFFE0..=0xFFE6
            | 0x20000..=0x3FFFD => 2,
            _ => 1,
        })
        .sum()
}

/// Renders rows under headers with columns aligned for a terminal (two spaces between).
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let columns = headers.len();
    let mut widths: Vec<usize> = headers.iter().map(|h| display_width(h)).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate().take(columns) {
            widths[i] = widths[i].max(display_width(cell));
        }
    }
    let line = |cells: Vec<&str>| {
        let mut out = String::new();
        for (i, cell) in cells.iter().enumerate() {
            out.push_str(cell);
            if i + 1 < cells.len() {
                out.push_str(&" ".repeat(widths[i] - display_width(cell) + 2));
            }
        }
        out.trim_end().to_owned()
    };
    let mut out = vec![line(headers.to_vec())];
    out.push(line(widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>().iter().map(String::as_str).collect()));
    for row in rows {
        out.push(line(row.iter().map(String::as_str).collect()));
    }
    out.join("\n")
}

/// Seconds with two decimals, e.g. `7.42 秒`.
pub fn seconds(d: Duration) -> String {
    format!("{:.2} 秒", d.as_secs_f64())
}

/// Milliseconds with two decimals, e.g. `3.17 ms`.
pub fn millis(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_groups_digits() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(665_276), "665,276");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn tables_align_chinese_text() {
        let t = table(&["用户名", "角色"], &[vec!["city".into(), "市妇联工作人员".into()], vec!["auditor".into(), "审计管理员".into()]]);
        let lines: Vec<&str> = t.lines().collect();
        // The second column starts at the same screen column on every line.
        let starts: Vec<usize> = lines.iter().map(|l| display_width(&l[..l.rfind("  ").map(|i| i + 2).unwrap_or(0)])).collect();
        assert!(starts.windows(2).all(|w| w[0] == w[1]), "{t}");
        assert_eq!(display_width("宜昌a"), 5);
    }

    #[test]
    fn internal_causes_are_shown_to_the_operator() {
        let e = anyhow::Error::new(AppError::Internal("密钥文件格式有误".into())).context("无法打开平台数据");
        assert_eq!(describe(&e), "无法打开平台数据：密钥文件格式有误");
        let mut invalid = jinguo_domain::Invalid::new();
        invalid.add("username", "用户名为 3–32 位小写字母、数字或 _ - .");
        invalid.add("password", "密码至少 8 位");
        let text = describe(&anyhow::Error::new(AppError::Invalid(invalid)));
        assert!(text.contains("\n  - 密码至少 8 位"), "{text}");
    }
}
