//! The demo accounts (DESIGN.md §4) and `DATA_DIR/demo-credentials.txt`, the private file that
//! remembers their password and the administrators' second factors, so that a later
//! `serve --demo` can print them again.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use jinguo_domain::access::Role;
use rand::Rng;

use crate::{AppError, Result};

pub const FILE_NAME: &str = "demo-credentials.txt";

/// One demo account: who it is and where it works.
pub struct DemoUser {
    pub username: &'static str,
    pub role: Role,
    /// The region code of its federation.
    pub org: &'static str,
    pub display_name: &'static str,
}

pub const USERS: [DemoUser; 7] = [
    DemoUser { username: "city", role: Role::CityOfficer, org: "4205", display_name: "宜昌市妇联工作人员（演示）" },
    DemoUser { username: "county", role: Role::CountyOfficer, org: "420502", display_name: "西陵区妇联工作人员（演示）" },
    DemoUser {
        username: "village", role: Role::VillageOfficer, org: "420502001001", display_name: "土街头社区妇联工作人员（演示）"
    },
    DemoUser { username: "reviewer", role: Role::Reviewer, org: "4205", display_name: "审核人员（演示）" },
    DemoUser { username: "admin", role: Role::SystemAdmin, org: "4205", display_name: "系统管理员（演示）" },
    DemoUser { username: "security", role: Role::SecurityAdmin, org: "4205", display_name: "安全管理员（演示）" },
    DemoUser { username: "auditor", role: Role::AuditAdmin, org: "4205", display_name: "审计管理员（演示）" },
];

/// What the credentials file holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Credentials {
    pub password: Option<String>,
    /// Username → base32 TOTP secret.
    pub totp: BTreeMap<String, String>,
}

pub fn path(data_dir: &Path) -> PathBuf {
    data_dir.join(FILE_NAME)
}

impl Credentials {
    /// Reads the file; a missing file is an empty set of credentials.
    pub fn load(path: &Path) -> Result<Credentials> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Credentials::default()),
            Err(e) => return Err(AppError::Internal(format!("无法读取演示账号凭据文件 {}：{e}", path.display()))),
        };
        let mut out = Credentials::default();
        for line in text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
            let Some((key, value)) = line.split_once('=') else { continue };
            let (key, value) = (key.trim(), value.trim().to_owned());
            if key == "password" {
                out.password = Some(value);
            } else if let Some(user) = key.strip_prefix("totp.") {
                out.totp.insert(user.to_owned(), value);
            }
        }
        Ok(out)
    }

    /// Writes the file with mode 0600, through a temporary file and a rename.
    pub fn save(&self, path: &Path) -> Result<()> {
        let io = |e: std::io::Error| AppError::Internal(format!("无法写入演示账号凭据文件 {}：{e}", path.display()));
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let mut text = String::from(
            "# 巾帼演示账号凭据（jinguo demo 生成，仅供演示，请勿用于生产环境）\n# 管理员（admin、security、auditor）登录时还需输入动态验证码：把 totp.* 密钥添加到身份验证器应用。\n",
        );
        if let Some(p) = &self.password {
            text.push_str(&format!("password={p}\n"));
        }
        for (user, secret) in &self.totp {
            text.push_str(&format!("totp.{user}={secret}\n"));
        }
        let tmp = path.with_extension("tmp");
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(&tmp).map_err(io)?;
        file.write_all(text.as_bytes()).map_err(io)?;
        file.sync_all().map_err(io)?;
        std::fs::rename(&tmp, path).map_err(io)?;
        Ok(())
    }
}

/// A fresh password that meets the password rule (upper and lower case, digits and a symbol):
/// `Jg-` and eight letters or digits, `-` and four digits. Drawn from the operating system's
/// generator, never from the demo's seed.
pub fn generate_password() -> String {
    const CHARS: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    let body: String = (0..8).map(|_| CHARS[rng.random_range(0..CHARS.len())] as char).collect();
    let digits: String = (0..4).map(|_| char::from(b'0' + rng.random_range(0..10u8))).collect();
    format!("Jg-{body}-{digits}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_passwords_meet_the_rule() {
        for _ in 0..50 {
            let p = generate_password();
            assert!(jinguo_domain::access::check_password(&p).is_ok(), "{p}");
        }
        assert_ne!(generate_password(), generate_password());
    }

    #[test]
    fn the_file_round_trips_and_is_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = path(dir.path());
        assert_eq!(Credentials::load(&path).unwrap(), Credentials::default());
        let mut c = Credentials { password: Some("Jg-abcDEF23-1234".into()), totp: BTreeMap::new() };
        c.totp.insert("admin".into(), "JBSWY3DPEHPK3PXP".into());
        c.save(&path).unwrap();
        assert_eq!(Credentials::load(&path).unwrap(), c);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
    }
}
