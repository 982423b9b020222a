//! The demo city: Yichang (宜昌市, 4205) built from the real division files, with its
//! federations, terms, executive members, new-domain federations, women's homes, activities
//! and the demo accounts of DESIGN.md §4. Seeding is deterministic and idempotent.

use crate::org::regions::Progress;
use crate::{App, AppError, Result};

#[derive(Debug, Clone, Default)]
pub struct DemoOptions {
    /// The demo accounts' password (`JINGUO_DEMO_PASSWORD`); None generates one on first seed.
    pub password: Option<String>,
}

#[derive(Debug, Clone)]
pub struct DemoAccount {
    pub username: String,
    pub role_label: String,
    pub org_name: String,
    pub password: String,
    /// Administrators' TOTP secret (base32), for an authenticator app.
    pub totp_secret: Option<String>,
}

#[derive(Debug, Clone)]
pub struct DemoReport {
    /// False when the demo city was already there (nothing changed).
    pub created: bool,
    pub accounts: Vec<DemoAccount>,
    /// What was built: (what, how many).
    pub summary: Vec<(String, i64)>,
}

impl App {
    /// Seeds the demo city unless it is already there.
    pub async fn seed_demo(&self, opts: &DemoOptions, progress: Option<Progress>) -> Result<DemoReport> {
        let _ = (opts, progress);
        Err(AppError::Internal("demo not built yet".into()))
    }
}
