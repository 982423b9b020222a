//! Jinguo's use cases: one function per thing a user does. Each checks permission and scope,
//! runs one transaction, and writes the audit entries and roll-ups with the records. The web
//! layer and the CLI call only this crate; it never sees HTTP.
//!
//! Modules follow the domain: `org` (regions, federations, women's homes, activities),
//! `access` (login, sessions, accounts), `audit`, `insight` (indicators), `demo`.

pub mod access;
mod actor;
pub mod audit;
pub mod awards;
pub mod care;
pub mod completeness;
pub mod demo;
pub mod education;
mod error;
pub mod family;
pub mod health;
pub mod help;
pub mod insight;
pub mod keys;
pub mod org;
pub mod people;
pub mod public;
pub mod report;
pub mod school;
pub mod sheets;
pub mod trace;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, NaiveDate, Utc};
pub use jinguo_crypto::Crypto;
pub use jinguo_store::{Db, DbConfig, Page, Scope};

pub use actor::Actor;
pub use error::AppError;

pub type Result<T, E = AppError> = std::result::Result<T, E>;

/// Where time comes from. Tests pass a [`FixedClock`] to control it.
pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now(&self) -> DateTime<Utc>;
}

#[derive(Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that stands still until moved.
#[derive(Debug)]
pub struct FixedClock(Mutex<DateTime<Utc>>);

impl FixedClock {
    pub fn new(at: DateTime<Utc>) -> FixedClock {
        FixedClock(Mutex::new(at))
    }

    pub fn advance(&self, by: chrono::Duration) {
        let mut t = self.0.lock().unwrap_or_else(|p| p.into_inner());
        *t += by;
    }
}

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Settings the use cases need.
#[derive(Debug, Clone)]
pub struct AppConfig {
    /// The city this deployment serves (its federation is the top of the staff tree).
    pub city: Option<jinguo_domain::RegionCode>,
    pub data_dir: PathBuf,
}

/// The application: the database, the crypto in force, the clock.
#[derive(Debug, Clone)]
pub struct App {
    pub db: Db,
    pub crypto: Arc<Crypto>,
    pub clock: Arc<dyn Clock>,
    pub config: AppConfig,
    caches: Arc<Caches>,
}

/// What the process keeps of slow-changing data, so that hot pages do not read it every time.
/// Each entry lives a short while (a second instance's change shows within that time) and is
/// dropped at once when this instance changes the data.
#[derive(Debug, Default)]
struct Caches {
    /// A region's lineage (itself and its ancestors, top first), by padded code: every page's
    /// breadcrumb. Regions change only by an import.
    lineage: Mutex<std::collections::HashMap<String, (std::time::Instant, Vec<jinguo_store::org::regions::Region>)>>,
}

/// How long a cached region lineage is used.
const LINEAGE_TTL: std::time::Duration = std::time::Duration::from_secs(60);

/// How to open the platform's storage and keys.
#[derive(Debug, Clone)]
pub struct OpenOptions {
    pub data_dir: PathBuf,
    /// `postgres://…` or `sqlite:PATH`; None means `DATA_DIR/jinguo.db`.
    pub database_url: Option<String>,
    pub suite: jinguo_crypto::Suite,
    /// The key file; None means `DATA_DIR/jinguo.key`.
    pub key_file: Option<PathBuf>,
    /// Keys given in the environment (`JINGUO_KEYS`), which replace the key file.
    pub keys: Option<String>,
    pub city: Option<jinguo_domain::RegionCode>,
}

impl OpenOptions {
    /// The key file: the one given, or `DATA_DIR/jinguo.key`.
    pub fn key_path(&self) -> PathBuf {
        self.key_file.clone().unwrap_or_else(|| self.data_dir.join("jinguo.key"))
    }
}

impl App {
    /// Opens the database (running migrations) and the key ring (creating the key file with
    /// mode 0600 on first run), and refuses a ring whose current key is not the database's
    /// blind-index key ([`App::check_index_key`]).
    pub async fn open(o: &OpenOptions, clock: Arc<dyn Clock>) -> Result<App> {
        let app = App::open_unchecked(o, clock).await?;
        app.check_index_key().await?;
        Ok(app)
    }

    /// Opens without checking the keys against the database: for `jinguo keys`, which repairs
    /// exactly that.
    pub async fn open_unchecked(o: &OpenOptions, clock: Arc<dyn Clock>) -> Result<App> {
        let db = Db::connect(&DbConfig { url: o.database_url.clone(), data_dir: o.data_dir.clone() }).await?;
        let key_path = o.key_path();
        let ring = jinguo_crypto::KeyRing::load_or_create(&key_path, o.keys.as_deref()).map_err(|e| AppError::Internal(e.to_string()))?;
        Ok(App::new(db, Crypto::new(o.suite, ring), clock, AppConfig { city: o.city.clone(), data_dir: o.data_dir.clone() }))
    }

    pub fn new(db: Db, crypto: Crypto, clock: Arc<dyn Clock>, config: AppConfig) -> App {
        App { db, crypto: Arc::new(crypto), clock, config, caches: Arc::default() }
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    pub fn now_ms(&self) -> i64 {
        self.clock.now().timestamp_millis()
    }

    /// Today in China (UTC+8), the calendar the federation works by.
    pub fn today(&self) -> NaiveDate {
        (self.clock.now() + chrono::Duration::hours(8)).date_naive()
    }
}
