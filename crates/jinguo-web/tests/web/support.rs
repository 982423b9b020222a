//! `TestApp`: a real server on port 0 with a small city (two counties of Yichang), its
//! federations and one account per role, and helpers to call it.

use std::net::SocketAddr;
use std::sync::Arc;

use chrono::TimeZone;
use jinguo_app::access::accounts::AccountInput;
use jinguo_app::org::regions::{ImportFile, ImportOutcome};
use jinguo_app::{Actor, App, AppConfig, Crypto, FixedClock};
use jinguo_crypto::{KeyRing, Suite};
use jinguo_domain::RegionCode;
use jinguo_store::testing::{TestDb, databases};
use jinguo_web::{AppState, WebConfig};
use reqwest::StatusCode;
use serde_json::Value;

pub const PASSWORD: &str = "Jinguo-Test-1";
pub const TOTP_SECRET: &str = "JBSWY3DPEHPK3PXP";

pub struct TestApp {
    pub base: String,
    pub app: App,
    pub clock: Arc<FixedClock>,
    pub engine: &'static str,
    db: TestDb,
    server: tokio::task::JoinHandle<()>,
}

const REGIONS: &str = "code,name\n42,湖北省\n4205,宜昌市\n420502,西陵区\n420506,夷陵区\n\
420502001,西陵街道\n420502002,学院街道\n420506100,小溪塔街道\n\
420502001001,土街头社区居民委员会\n420502001002,樵湖岭社区居民委员会\n420502002001,万达广场社区居民委员会\n420506100001,东湖社区居民委员会\n";

/// One TestApp per engine, with default web settings.
pub async fn apps() -> Vec<TestApp> {
    apps_with(WebConfig { login_per_minute: 1000, api_per_second: 1000, ..WebConfig::default() }).await
}

pub async fn apps_with(config: WebConfig) -> Vec<TestApp> {
    let mut out = Vec::new();
    for db in databases().await {
        out.push(TestApp::spawn(db, config.clone()).await);
    }
    out
}

impl TestApp {
    async fn spawn(db: TestDb, config: WebConfig) -> TestApp {
        let clock = Arc::new(FixedClock::new(chrono::Utc.with_ymd_and_hms(2026, 11, 28, 2, 0, 0).unwrap()));
        let app = App::new(
            db.db.clone(),
            Crypto::new(Suite::Gm, KeyRing::ephemeral()),
            clock.clone(),
            AppConfig { city: Some(RegionCode::parse("4205").unwrap()), data_dir: db.dir.path().to_owned() },
        );
        seed(&app).await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let router = jinguo_web::router(AppState::new(app.clone(), config));
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>()).await;
        });
        TestApp { base: format!("http://{addr}"), app, clock, engine: db.engine, db, server }
    }

    pub async fn finish(self) {
        self.server.abort();
        self.db.finish().await;
    }

    /// Where the SQLite files of this app live.
    pub fn data_dir(&self) -> std::path::PathBuf {
        self.db.dir.path().to_owned()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// A client that keeps cookies and does not follow redirects (tests look at them).
    pub fn browser(&self) -> reqwest::Client {
        reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap()
    }

    pub async fn token(&self, username: &str) -> String {
        let mut body = serde_json::json!({"username": username, "password": PASSWORD});
        if ["admin", "security", "auditor"].contains(&username) {
            let now = self.app.now().timestamp();
            body["totp"] = Value::String(jinguo_crypto::totp::code_at(TOTP_SECRET, now).unwrap());
        }
        let (status, v) = self.call("POST", "/api/v1/auth/login", None, Some(body)).await;
        assert_eq!(status, StatusCode::OK, "{} login {username}: {v}", self.engine);
        v["token"].as_str().unwrap().to_owned()
    }

    pub async fn call(&self, method: &str, path: &str, token: Option<&str>, body: Option<Value>) -> (StatusCode, Value) {
        let client = reqwest::Client::new();
        let mut req = client.request(method.parse().unwrap(), self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.unwrap();
        let status = res.status();
        let text = res.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    pub async fn get(&self, path: &str, token: &str) -> (StatusCode, Value) {
        self.call("GET", path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
        self.call("POST", path, Some(token), Some(body)).await
    }

    /// Audit entries matching an action prefix and outcome, newest first.
    pub async fn audit(&self, action: &str, outcome: &str) -> Vec<jinguo_store::audit::AuditRecord> {
        let filter = jinguo_store::audit::Filter { action: Some(action.into()), outcome: Some(outcome.into()), ..Default::default() };
        jinguo_store::audit::search(self.app.db.reader(), &filter, None, 100).await.unwrap().items
    }
}

async fn seed(app: &App) {
    let op = Actor::operator();
    let files = [ImportFile { name: "regions.csv".into(), text: REGIONS.into() }];
    match app.import_regions(&op, &files, None).await.unwrap() {
        ImportOutcome::Imported(_) => {}
        ImportOutcome::Rejected(e) => panic!("fixture regions rejected: {e:?}"),
    }
    let day = chrono::NaiveDate::from_ymd_opt(2000, 1, 1).unwrap();
    app.ensure_region_federations(&op, &RegionCode::parse("4205").unwrap(), day).await.unwrap();
    for (username, org, role) in [
        ("city", "4205", "city_officer"),
        ("county", "420502", "county_officer"),
        ("yiling", "420506", "county_officer"),
        ("village", "420502001001", "village_officer"),
        ("reviewer", "4205", "reviewer"),
        ("admin", "4205", "system_admin"),
        ("security", "4205", "security_admin"),
        ("auditor", "4205", "audit_admin"),
    ] {
        let a = app
            .create_account(
                &op,
                &AccountInput {
                    username: username.into(),
                    display_name: format!("{username}用户"),
                    org: org.into(),
                    role: role.into(),
                    password: PASSWORD.into(),
                },
            )
            .await
            .unwrap();
        if a.role.needs_second_factor() {
            let sealed = app.crypto.seal("account.totp", TOTP_SECRET);
            jinguo_store::access::accounts::set_totp(app.db.writer(), a.id, Some(sealed), 0).await.unwrap();
        }
    }
}
