//! Settings: where the data lives, which crypto suite, which city, how the web layer behaves.
//!
//! Each setting comes from the first of: a command-line flag, an environment variable, the TOML
//! file named by `--config` (or `JINGUO_CONFIG`), the default. Flags and their variables are
//! parsed by clap; the rest is resolved here against an environment lookup that tests replace.
//! Relative paths in the TOML file are taken relative to the file's own directory.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use jinguo_app::{App, OpenOptions, SystemClock};
use jinguo_crypto::Suite;
use jinguo_domain::RegionCode;
use jinguo_web::WebConfig;
use serde::Deserialize;

use crate::ui::describe_app;

pub const DEFAULT_DATA_DIR: &str = "./jinguo-data";
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";

/// Options every command takes.
#[derive(Debug, Clone, clap::Args)]
pub struct GlobalArgs {
    /// 数据目录：SQLite 数据库与密钥文件所在处 [默认：./jinguo-data]
    #[arg(long, global = true, env = "JINGUO_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// 数据库地址：sqlite:路径 或 postgres://用户:密码@主机/库名 [默认：数据目录下的 jinguo.db]
    #[arg(long, global = true, env = "JINGUO_DATABASE_URL", value_name = "URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// TOML 配置文件；可写 data_dir、database_url、bind、city、crypto_suite（gm 或 intl）、key_file、secure_cookies、login_per_minute、api_per_second、trusted_proxies。命令行参数与环境变量优先于配置文件
    #[arg(long, global = true, env = "JINGUO_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// The TOML file's keys; unknown keys are refused so a typo does not pass unnoticed.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    data_dir: Option<PathBuf>,
    database_url: Option<String>,
    bind: Option<String>,
    city: Option<CityValue>,
    crypto_suite: Option<String>,
    key_file: Option<PathBuf>,
    secure_cookies: Option<bool>,
    login_per_minute: Option<u32>,
    api_per_second: Option<u32>,
    trusted_proxies: Option<Vec<String>>,
}

/// `city = "4205"` and `city = 4205` both read naturally in TOML.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum CityValue {
    Text(String),
    Number(u64),
}

impl CityValue {
    fn text(&self) -> String {
        match self {
            CityValue::Text(s) => s.clone(),
            CityValue::Number(n) => n.to_string(),
        }
    }
}

impl FileConfig {
    fn load(path: &Path) -> anyhow::Result<FileConfig> {
        let text = std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("无法读取配置文件 {}：{e}", path.display()))?;
        toml::from_str(&text).map_err(|e| anyhow::anyhow!("配置文件 {} 有误：{}", path.display(), e.to_string().trim_end()))
    }
}

/// Every setting, resolved.
#[derive(Clone)]
pub struct Settings {
    pub data_dir: PathBuf,
    /// Whether the data directory was chosen (flag, environment or file) rather than defaulted.
    pub data_dir_chosen: bool,
    pub database_url: Option<String>,
    /// From the file or the default; `serve --bind` (or `JINGUO_BIND`) overrides it.
    pub bind: String,
    pub city: Option<RegionCode>,
    pub suite: Suite,
    pub key_file: Option<PathBuf>,
    /// `JINGUO_KEYS`: secret, never printed.
    keys: Option<String>,
    pub web: WebConfig,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("data_dir", &self.data_dir)
            .field("database_url", &self.database_url.as_deref().map(redact_url))
            .field("bind", &self.bind)
            .field("city", &self.city)
            .field("suite", &self.suite)
            .field("key_file", &self.key_file)
            .field("keys", &self.keys.as_ref().map(|_| "***"))
            .field("web", &self.web)
            .finish()
    }
}

impl Settings {
    /// Resolves the settings of this process (its flags, its environment).
    pub fn from_args(args: &GlobalArgs) -> anyhow::Result<Settings> {
        Settings::resolve(args, |name| std::env::var(name).ok())
    }

    /// Resolves with `env` as the environment, so that tests need not change the process's.
    pub fn resolve(args: &GlobalArgs, env: impl Fn(&str) -> Option<String>) -> anyhow::Result<Settings> {
        let env = |name: &str| env(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let (file, base) = match &args.config {
            Some(path) => (FileConfig::load(path)?, path.parent().map(Path::to_owned).unwrap_or_default()),
            None => (FileConfig::default(), PathBuf::new()),
        };
        let relative = |p: PathBuf| if p.is_absolute() { p } else { base.join(p) };

        let data_dir_given = args.data_dir.clone().filter(|p| !p.as_os_str().is_empty());
        let data_dir_chosen = data_dir_given.is_some() || file.data_dir.is_some();
        let data_dir = data_dir_given.or_else(|| file.data_dir.clone().map(relative)).unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR));
        let database_url =
            args.database_url.clone().filter(|u| !u.trim().is_empty()).or(file.database_url.clone().filter(|u| !u.trim().is_empty()));
        let bind = file.bind.clone().unwrap_or_else(|| DEFAULT_BIND.to_owned());

        let city = match (env("JINGUO_CITY"), &file.city) {
            (Some(v), _) => Some(parse_city(&v, "环境变量 JINGUO_CITY")?),
            (None, Some(v)) => Some(parse_city(&v.text(), "配置文件中的 city")?),
            (None, None) => None,
        };
        let suite_text = env("JINGUO_CRYPTO_SUITE").or(file.crypto_suite.clone()).unwrap_or_else(|| "gm".to_owned());
        let suite = Suite::parse(&suite_text).map_err(|e| anyhow::anyhow!("密码套件设置有误：{e}"))?;
        let key_file = env("JINGUO_KEY_FILE").map(PathBuf::from).or_else(|| file.key_file.clone().map(relative));
        let keys = env("JINGUO_KEYS");

        let defaults = WebConfig::default();
        let secure_cookies = match env("JINGUO_SECURE_COOKIES") {
            Some(v) => parse_bool(&v).ok_or_else(|| anyhow::anyhow!("环境变量 JINGUO_SECURE_COOKIES 应为 true 或 false，而不是 {v}"))?,
            None => file.secure_cookies.unwrap_or(defaults.secure_cookies),
        };
        let login_per_minute = rate(
            env("JINGUO_LOGIN_PER_MINUTE"),
            "JINGUO_LOGIN_PER_MINUTE",
            file.login_per_minute,
            "login_per_minute",
            defaults.login_per_minute,
        )?;
        let api_per_second =
            rate(env("JINGUO_API_PER_SECOND"), "JINGUO_API_PER_SECOND", file.api_per_second, "api_per_second", defaults.api_per_second)?;
        let trusted_proxies = match (env("JINGUO_TRUSTED_PROXIES"), &file.trusted_proxies) {
            (Some(v), _) => addresses(v.split(','), "环境变量 JINGUO_TRUSTED_PROXIES")?,
            (None, Some(list)) => addresses(list.iter().map(String::as_str), "配置文件中的 trusted_proxies")?,
            (None, None) => defaults.trusted_proxies,
        };

        Ok(Settings {
            data_dir,
            data_dir_chosen,
            database_url,
            bind,
            city,
            suite,
            key_file,
            keys,
            web: WebConfig { secure_cookies, login_per_minute, api_per_second, trusted_proxies },
        })
    }

    /// The same settings pointed at another, fresh place, with a key file of its own there
    /// (the benchmarks' throwaway databases never touch the real keys).
    pub fn elsewhere(&self, data_dir: PathBuf, database_url: Option<String>) -> Settings {
        Settings { data_dir, data_dir_chosen: true, database_url, key_file: None, keys: None, ..self.clone() }
    }

    pub fn open_options(&self) -> OpenOptions {
        OpenOptions {
            data_dir: self.data_dir.clone(),
            database_url: self.database_url.clone(),
            suite: self.suite,
            key_file: self.key_file.clone(),
            keys: self.keys.clone(),
            city: self.city.clone(),
        }
    }

    /// Whether the keys come from `JINGUO_KEYS` rather than a key file.
    pub fn keys_from_environment(&self) -> bool {
        self.keys.is_some()
    }

    /// Opens the platform without checking the keys against the database (`jinguo keys`).
    pub async fn open_app_unchecked(&self) -> anyhow::Result<App> {
        App::open_unchecked(&self.open_options(), Arc::new(SystemClock))
            .await
            .map_err(|e| anyhow::anyhow!("{}", describe_app(&e)))
            .with_context(|| format!("无法打开平台数据（{}）", self.describe_storage()))
    }

    /// Where the data lives, for messages (the password of a URL hidden).
    pub fn describe_storage(&self) -> String {
        match &self.database_url {
            Some(url) => redact_url(url),
            None => self.data_dir.join("jinguo.db").display().to_string(),
        }
    }

    /// Opens the platform: the database (running migrations) and the key ring.
    pub async fn open_app(&self) -> anyhow::Result<App> {
        App::open(&self.open_options(), Arc::new(SystemClock))
            .await
            .map_err(|e| anyhow::anyhow!("{}", describe_app(&e)))
            .with_context(|| format!("无法打开平台数据（{}）", self.describe_storage()))
    }
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => match url[scheme_end + 3..at].find(':') {
            Some(colon) => format!("{}:***{}", &url[..scheme_end + 3 + colon], &url[at..]),
            None => url.to_owned(),
        },
        _ => url.to_owned(),
    }
}

fn parse_city(value: &str, source: &str) -> anyhow::Result<RegionCode> {
    RegionCode::parse(value).map_err(|e| anyhow::anyhow!("{source}有误：{e}"))
}

fn parse_bool(v: &str) -> Option<bool> {
    match v.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Some(true),
        "0" | "false" | "no" | "off" => Some(false),
        _ => None,
    }
}

/// A rate limit from the environment or the file; at least 1.
fn rate(env_value: Option<String>, env_name: &str, file_value: Option<u32>, key: &str, default: u32) -> anyhow::Result<u32> {
    let value = match env_value {
        Some(v) => v.parse::<u32>().map_err(|_| anyhow::anyhow!("环境变量 {env_name} 应为正整数，而不是 {v}"))?,
        None => file_value.unwrap_or(default),
    };
    if value == 0 {
        anyhow::bail!("{key} 应至少为 1");
    }
    Ok(value)
}

/// IP addresses, one an item (blank items skipped), or which item is not one.
fn addresses<'a>(items: impl Iterator<Item = &'a str>, source: &str) -> anyhow::Result<Vec<std::net::IpAddr>> {
    items
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(|a| a.parse().map_err(|_| anyhow::anyhow!("{source} 中的 {a} 不是 IP 地址（请逐个写出代理的地址，如 127.0.0.1）")))
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn args(config: Option<PathBuf>) -> GlobalArgs {
        GlobalArgs { data_dir: None, database_url: None, config }
    }

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn defaults_apply_without_flags_environment_or_file() {
        let s = Settings::resolve(&args(None), no_env).unwrap();
        assert_eq!(s.data_dir, PathBuf::from(DEFAULT_DATA_DIR));
        assert!(!s.data_dir_chosen);
        assert_eq!(s.database_url, None);
        assert_eq!(s.bind, DEFAULT_BIND);
        assert_eq!(s.city, None);
        assert_eq!(s.suite, Suite::Gm);
        assert!(!s.web.secure_cookies);
        assert!(s.web.trusted_proxies.is_empty(), "no proxy is trusted unless named");
    }

    #[test]
    fn flags_beat_environment_beats_file_beats_default() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("jinguo.toml");
        std::fs::write(
            &path,
            "data_dir = \"data\"\ndatabase_url = \"sqlite:/tmp/x.db\"\nbind = \"0.0.0.0:9000\"\ncity = 4205\ncrypto_suite = \"intl\"\nkey_file = \"keys/k\"\nsecure_cookies = true\nlogin_per_minute = 7\napi_per_second = 9\ntrusted_proxies = [\"127.0.0.1\", \"::1\"]\n",
        )
        .unwrap();
        // The file over the defaults, relative paths beside the file.
        let s = Settings::resolve(&args(Some(path.clone())), no_env).unwrap();
        assert_eq!(s.data_dir, dir.path().join("data"));
        assert!(s.data_dir_chosen);
        assert_eq!(s.database_url.as_deref(), Some("sqlite:/tmp/x.db"));
        assert_eq!(s.bind, "0.0.0.0:9000");
        assert_eq!(s.city.as_ref().map(|c| c.short().to_owned()).as_deref(), Some("4205"));
        assert_eq!(s.suite, Suite::Intl);
        assert_eq!(s.key_file, Some(dir.path().join("keys/k")));
        assert_eq!((s.web.secure_cookies, s.web.login_per_minute, s.web.api_per_second), (true, 7, 9));
        assert_eq!(s.web.trusted_proxies, ["127.0.0.1".parse::<std::net::IpAddr>().unwrap(), "::1".parse().unwrap()]);

        // The environment over the file.
        let env: HashMap<&str, &str> = [
            ("JINGUO_CITY", "420502"),
            ("JINGUO_CRYPTO_SUITE", "gm"),
            ("JINGUO_KEY_FILE", "/etc/jinguo.key"),
            ("JINGUO_SECURE_COOKIES", "false"),
            ("JINGUO_LOGIN_PER_MINUTE", "3"),
            ("JINGUO_KEYS", "1:00"),
            ("JINGUO_TRUSTED_PROXIES", "10.0.0.2, 10.0.0.3"),
        ]
        .into_iter()
        .collect();
        let s = Settings::resolve(&args(Some(path.clone())), |k| env.get(k).map(|v| v.to_string())).unwrap();
        assert_eq!(s.city.as_ref().map(|c| c.short().to_owned()).as_deref(), Some("420502"));
        assert_eq!(s.suite, Suite::Gm);
        assert_eq!(s.key_file, Some(PathBuf::from("/etc/jinguo.key")));
        assert_eq!((s.web.secure_cookies, s.web.login_per_minute, s.web.api_per_second), (false, 3, 9));
        assert_eq!(s.web.trusted_proxies, ["10.0.0.2".parse::<std::net::IpAddr>().unwrap(), "10.0.0.3".parse().unwrap()]);
        assert_eq!(s.open_options().keys.as_deref(), Some("1:00"));
        assert!(!format!("{s:?}").contains("1:00"), "keys must not be printed");

        // Flags (and their variables, which clap folds into them) over the file.
        let mut a = args(Some(path));
        a.data_dir = Some(PathBuf::from("/srv/jinguo"));
        a.database_url = Some("postgres://u:secret@h/db".into());
        let s = Settings::resolve(&a, no_env).unwrap();
        assert_eq!(s.data_dir, PathBuf::from("/srv/jinguo"));
        assert_eq!(s.database_url.as_deref(), Some("postgres://u:secret@h/db"));
        assert!(!format!("{s:?}").contains("secret"), "database passwords must not be printed");
    }

    #[test]
    fn urls_are_redacted() {
        assert_eq!(redact_url("postgres://u:secret@h:5432/db"), "postgres://u:***@h:5432/db");
        assert_eq!(redact_url("postgres://h/db"), "postgres://h/db");
        assert_eq!(redact_url("sqlite:/tmp/x.db"), "sqlite:/tmp/x.db");
    }

    #[test]
    fn bad_settings_are_refused_in_chinese() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.toml");
        std::fs::write(&path, "data_dri = \"x\"\n").unwrap();
        let e = Settings::resolve(&args(Some(path.clone())), no_env).unwrap_err().to_string();
        assert!(e.contains("配置文件") && e.contains("data_dri"), "{e}");

        std::fs::write(&path, "crypto_suite = \"rot13\"\n").unwrap();
        let e = Settings::resolve(&args(Some(path.clone())), no_env).unwrap_err().to_string();
        assert!(e.contains("密码套件"), "{e}");

        let e = Settings::resolve(&args(None), |k| (k == "JINGUO_CITY").then(|| "42x5".to_owned())).unwrap_err().to_string();
        assert!(e.contains("JINGUO_CITY"), "{e}");

        std::fs::write(&path, "trusted_proxies = [\"10.0.0.0/8\"]\n").unwrap();
        let e = Settings::resolve(&args(Some(path.clone())), no_env).unwrap_err().to_string();
        assert!(e.contains("trusted_proxies") && e.contains("10.0.0.0/8") && e.contains("不是 IP 地址"), "{e}");
        let e = Settings::resolve(&args(None), |k| (k == "JINGUO_TRUSTED_PROXIES").then(|| "nginx".to_owned())).unwrap_err().to_string();
        assert!(e.contains("JINGUO_TRUSTED_PROXIES") && e.contains("nginx"), "{e}");

        let e = Settings::resolve(&args(Some(dir.path().join("missing.toml"))), no_env).unwrap_err().to_string();
        assert!(e.contains("无法读取配置文件"), "{e}");
    }
}
