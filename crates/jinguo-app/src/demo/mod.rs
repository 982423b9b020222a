//! The demo city: Yichang (宜昌市, 4205) built from the real division files, with its
//! federations, terms, executive members, new-domain federations, women's homes, activities
//! and the demo accounts of DESIGN.md §4. Seeding is deterministic and idempotent.
//!
//! The division files are embedded and imported through the ordinary import; the region
//! federations are created by the ordinary use case. The five years of work (2021-01-01 to
//! 2026-11-28) are planned by [`plan`] from a generator seeded per county and written through
//! the store's bulk writers, one transaction per county (and one for the city), each with its
//! roll-ups and one audit entry. A settings key per part lets an interrupted seed resume; the
//! key `demo.seeded`, set last, makes a second seed a no-op.
//!
//! The population (the women on the register, their care cases, visits, screenings and
//! attendance: [`population`]) is seeded after the organisation, at the default scale or at city
//! scale, through the store's bulk writer, one transaction per county under the key
//! `demo.people.<county>`; `demo.population`, set last, makes it a no-op too (and lets a data
//! directory seeded before the population existed receive it).

mod credentials;
mod education;
mod names;
mod plan;
mod population;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use jinguo_crypto::totp;
use jinguo_domain::RegionCode;
use jinguo_domain::access::check_password;
use jinguo_domain::insight::Period;
use jinguo_domain::org::FederationKind;
use jinguo_store::access::accounts;
use jinguo_store::audit::Outcome;
use jinguo_store::bulk::{self, Counts};
use jinguo_store::org::federations::{self, Federation, Filter};
use jinguo_store::org::{activities, homes, regions};
use jinguo_store::{ConnectionTrait, Scope, Work, settings};
use serde_json::json;

use self::credentials::{Credentials, USERS};
use self::plan::{Batch, CountyTree, NewDomainSpec, TownTree};
use crate::access::accounts::AccountInput;
use crate::org::regions::{ImportFile, ImportOutcome, Progress};
use crate::{Actor, App, AppError, Result};
pub use population::Scale;

#[derive(Debug, Clone, Default)]
pub struct DemoOptions {
    /// The demo accounts' password (`JINGUO_DEMO_PASSWORD`); None generates one on first seed.
    pub password: Option<String>,
    /// How many women to register (the default scale, or city scale for benchmarks).
    pub scale: Scale,
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
    /// The population written by this run, if any.
    pub population: Option<PopulationReport>,
}

/// What the population stage wrote, and how long it took.
#[derive(Debug, Clone)]
pub struct PopulationReport {
    pub scale: Scale,
    pub counts: Counts,
    pub elapsed: Duration,
}

/// The version of the demo written to `demo.seeded`.
const VERSION: &str = "yichang-1";
const SEEDED_KEY: &str = "demo.seeded";
const CITY: &str = "4205";
/// The day the region federations are recorded as established (long before the five years).
const FEDERATIONS_ESTABLISHED: NaiveDate = plan::ymd(1990, 3, 8);
const ACTION: &str = "demo.seed";
/// Set when the whole population is written; its value is the scale.
const POPULATION_KEY: &str = "demo.population";

/// The division files, embedded: nation to county level, and Yichang's towns and villages.
const DIVISIONS: [(&str, &str); 5] = [
    ("data/divisions/provinces.csv", include_str!("../../../../data/divisions/provinces.csv")),
    ("data/divisions/cities.csv", include_str!("../../../../data/divisions/cities.csv")),
    ("data/divisions/areas.csv", include_str!("../../../../data/divisions/areas.csv")),
    ("data/divisions/streets-4205.csv", include_str!("../../../../data/divisions/streets-4205.csv")),
    ("data/divisions/villages-4205.csv", include_str!("../../../../data/divisions/villages-4205.csv")),
];

/// Stage names shown by the progress bar.
mod stage {
    pub const REGIONS: &str = "导入区划";
    pub const FEDERATIONS: &str = "建立区域妇联";
    pub const WORK: &str = "生成换届、执委、妇女之家与活动";
    pub const PEOPLE: &str = "生成妇女登记、监测走访、两癌筛查与活动签到";
    pub const ACCOUNTS: &str = "创建演示账号";
    pub const DONE: &str = "完成";
}

type Report<'a> = &'a (dyn Fn(&str, u64, u64) + Send + Sync);

impl App {
    /// Seeds the demo city unless it is already there.
    pub async fn seed_demo(&self, opts: &DemoOptions, progress: Option<Progress>) -> Result<DemoReport> {
        let report = |stage: &str, done: u64, total: u64| {
            if let Some(p) = &progress {
                p(stage, done, total)
            }
        };
        let actor = Actor::operator();
        let city = RegionCode::parse(CITY).map_err(|e| AppError::Internal(e.to_string()))?;
        let seeded = settings::get(self.db.reader(), SEEDED_KEY).await?.is_some();
        // A city-scale seed over another population is refused before anything is written.
        if opts.scale == Scale::City
            && let Some(had) = settings::get(self.db.reader(), POPULATION_KEY).await?.filter(|had| had != Scale::City.code())
        {
            return Err(wrong_scale(&had, opts.scale));
        }
        if !seeded {
            // The roll-ups of five years of a whole city are about a million upserted rows in
            // random key order; SQLite's default cache of the writer connection makes that
            // several times slower. Give it a large cache for the seed only (DESIGN.md §8).
            let sqlite = self.db.backend() == jinguo_store::Backend::Sqlite;
            if sqlite {
                self.db.writer().execute_unprepared("PRAGMA cache_size = -262144").await.map_err(jinguo_store::StoreError::from)?;
            }
            let seeding = self.seed_city(&actor, &city, &report, progress.clone()).await;
            if sqlite {
                self.db.writer().execute_unprepared("PRAGMA cache_size = -16000").await.map_err(jinguo_store::StoreError::from)?;
            }
            seeding?;
        }
        let population = self.seed_population(&actor, &city, opts.scale, &report, progress.clone()).await?;
        self.seed_family_points(&actor, &city).await?;
        self.seed_education_demo(&city).await?;
        // Award campaigns, honours and roadshows over the five years (idempotent on its own key).
        self.seed_awards_demo(&actor, &city).await?;
        let accounts = self.ensure_demo_accounts(&actor, &city, opts, &report).await?;
        if !seeded {
            let now = self.now_ms();
            let mut w = Work::begin(&self.db).await?;
            settings::set(&w.tx, SEEDED_KEY, VERSION).await?;
            let usernames: Vec<&str> = accounts.iter().map(|a| a.username.as_str()).collect();
            w.audit(actor.entry(
                now,
                ACTION,
                Outcome::Ok,
                "demo",
                VERSION,
                &city.padded(),
                json!({"stage": stage::DONE, "accounts": usernames}),
            ));
            w.commit().await?;
        }
        let summary = self.demo_summary(&city).await?;
        report(stage::DONE, 1, 1);
        Ok(DemoReport { created: !seeded || population.is_some(), accounts, summary, population })
    }

    /// Imports the regions, creates the region federations and writes the five years of work.
    async fn seed_city(&self, actor: &Actor, city: &RegionCode, report: Report<'_>, progress: Option<Progress>) -> Result<()> {
        report(stage::REGIONS, 0, 1);
        let files: Vec<ImportFile> =
            DIVISIONS.iter().map(|(name, text)| ImportFile { name: (*name).to_owned(), text: (*text).to_owned() }).collect();
        let forward: Option<Progress> =
            progress.map(|p| Arc::new(move |_: &str, done: u64, total: u64| p(stage::REGIONS, done, total)) as Progress);
        if let ImportOutcome::Rejected(errors) = self.import_regions(actor, &files, forward).await? {
            let first: Vec<String> = errors.iter().take(3).map(|e| e.to_string()).collect();
            return Err(AppError::Internal(format!("内置区划文件有误：{}", first.join("；"))));
        }
        report(stage::FEDERATIONS, 0, 1);
        self.ensure_region_federations(actor, city, FEDERATIONS_ESTABLISHED).await?;
        report(stage::FEDERATIONS, 1, 1);

        let (city_fed, counties) = self.demo_tree(city).await?;
        let horizon = self.today().min(plan::END);
        let total = counties.len() as u64 + 1;
        report(stage::WORK, 0, total);
        let city_name = plan::city_place(&city_fed).city;
        let mut rng = plan::rng_for(city);
        if !self.part_done(city).await? {
            let specs = plan::city_new_domain(&mut rng, &city_fed);
            self.write_part(actor, city, specs, horizon, |feds| plan::city_batch(&mut rng, &city_fed, feds)).await?;
        }
        report(stage::WORK, 1, total);
        for (i, county) in counties.iter().enumerate() {
            if !self.part_done(&county.fed.region).await? {
                let mut rng = plan::rng_for(&county.fed.region);
                let specs = plan::county_new_domain(&mut rng, county);
                self.write_part(actor, &county.fed.region, specs, horizon, |feds| plan::county_batch(&mut rng, &city_name, county, feds))
                    .await?;
            }
            report(stage::WORK, i as u64 + 2, total);
        }
        Ok(())
    }

    /// The region federations of the city, as a tree of counties, towns and villages.
    async fn demo_tree(&self, city: &RegionCode) -> Result<(Federation, Vec<CountyTree>)> {
        let scope = Scope::region(city.clone());
        let filter = Filter { kind: Some(FederationKind::Region), ..Filter::default() };
        let mut all: Vec<Federation> = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let page = federations::list(self.db.reader(), &scope, &filter, after.as_deref(), 1000).await?;
            all.extend(page.items);
            match page.next {
                Some(next) => after = Some(next),
                None => break,
            }
        }
        let city_fed = all.iter().find(|f| f.region == *city).cloned().ok_or_else(|| AppError::Internal("宜昌市妇联未建立".into()))?;
        let mut counties: BTreeMap<String, CountyTree> = BTreeMap::new();
        let mut towns: BTreeMap<String, TownTree> = BTreeMap::new();
        let mut villages: Vec<Federation> = Vec::new();
        for f in all {
            match f.region.level() {
                jinguo_domain::Level::County => {
                    counties.insert(f.region.short().to_owned(), CountyTree { fed: f, towns: Vec::new() });
                }
                jinguo_domain::Level::Town => {
                    towns.insert(f.region.short().to_owned(), TownTree { fed: f, villages: Vec::new() });
                }
                jinguo_domain::Level::Village => villages.push(f),
                _ => {}
            }
        }
        for v in villages {
            if let Some(t) = v.region.parent().and_then(|p| towns.get_mut(p.short())) {
                t.villages.push(v);
            }
        }
        for (code, t) in towns {
            if let Some(c) = counties.get_mut(&code[..6]) {
                c.towns.push(t);
            }
        }
        Ok((city_fed, counties.into_values().collect()))
    }

    /// Writes the population of every county not yet written (see [`population`]), then one
    /// audit entry per county written and the key `demo.population`. None when it was there.
    async fn seed_population(
        &self,
        actor: &Actor,
        city: &RegionCode,
        scale: Scale,
        report: Report<'_>,
        progress: Option<Progress>,
    ) -> Result<Option<PopulationReport>> {
        let c = self.db.reader();
        let wrong_scale = |had: &str| wrong_scale(had, scale);
        if let Some(done) = settings::get(c, POPULATION_KEY).await? {
            if scale == Scale::City && done != Scale::City.code() {
                return Err(wrong_scale(&done));
            }
            return Ok(None);
        }
        let (_, tree) = self.demo_tree(city).await?;
        let mut jobs = population::jobs(&tree);
        population::size_villages(&mut jobs, scale);
        let mut todo = Vec::new();
        for job in &jobs {
            match settings::get(c, &people_key(&job.region)).await? {
                Some(value) => {
                    let had = serde_json::from_str::<serde_json::Value>(&value).ok().and_then(|v| v["scale"].as_str().map(str::to_owned));
                    if had.as_deref() != Some(scale.code()) {
                        return Err(wrong_scale(had.as_deref().unwrap_or("?")));
                    }
                }
                None => todo.push(job.clone()),
            }
        }
        for job in &mut todo {
            let mut by_village: BTreeMap<String, Vec<bulk::ActivitySlot>> = BTreeMap::new();
            for a in bulk::activities_in(c, &Scope::region(job.region.clone())).await? {
                by_village.entry(a.region.padded()).or_default().push(a);
            }
            for v in job.towns.iter_mut().flat_map(|t| &mut t.villages) {
                v.activities = by_village.remove(&v.region.padded()).unwrap_or_default();
            }
        }
        let total: u64 = todo.iter().map(|j| j.women()).sum();
        report(stage::PEOPLE, 0, total);
        let started = Instant::now();
        let (tx, rx) = tokio::sync::mpsc::channel(3);
        let on_progress = move |done: Counts| {
            if let Some(p) = &progress {
                p(stage::PEOPLE, done.people.min(total), total)
            }
        };
        let writer = bulk::write(&self.db, rx, on_progress);
        let crypto = self.crypto.clone();
        let horizon = self.today().min(plan::END);
        let generator = tokio::task::spawn_blocking(move || population::generate(scale, &todo, &crypto, horizon, &tx, people_key));
        let (written, generated) = tokio::join!(writer, generator);
        generated.map_err(|e| AppError::Internal(format!("演示人口生成线程异常：{e}")))?;
        let counts = written?;
        let elapsed = started.elapsed();

        // One audit entry per county written (also for counties an interrupted run wrote).
        let now = self.now_ms();
        let mut w = Work::begin(&self.db).await?;
        for job in &jobs {
            let key = people_key(&job.region);
            let audited = format!("{key}.audited");
            let Some(value) = settings::get(&w.tx, &key).await? else {
                return Err(AppError::Internal(format!("演示人口未写完：{}", job.name)));
            };
            if settings::get(&w.tx, &audited).await?.is_some() {
                continue;
            }
            let detail: serde_json::Value = serde_json::from_str(&value).unwrap_or(serde_json::Value::Null);
            w.audit(actor.entry(
                now,
                ACTION,
                Outcome::Ok,
                "region",
                job.region.short(),
                &job.region.padded(),
                json!({"population": detail}),
            ));
            settings::set(&w.tx, &audited, "1").await?;
        }
        settings::set(&w.tx, POPULATION_KEY, scale.code()).await?;
        w.commit().await?;
        self.db.refresh_statistics(&["people", "person_categories", "care_cases", "visits", "screenings", "activity_attendance"]).await?;
        report(stage::PEOPLE, total, total);
        Ok(Some(PopulationReport { scale, counts, elapsed }))
    }

    async fn part_done(&self, region: &RegionCode) -> Result<bool> {
        Ok(settings::get(self.db.reader(), &part_key(region)).await?.is_some())
    }

    /// Writes one part of the city in one transaction: its new-domain federations (and their
    /// member-count changes), then what `build` plans for it given their ids, the roll-ups of
    /// all of it, the part's settings key, and one audit entry that sums it up.
    async fn write_part(
        &self,
        actor: &Actor,
        region: &RegionCode,
        specs: Vec<NewDomainSpec>,
        horizon: NaiveDate,
        build: impl FnOnce(&[Federation]) -> Batch,
    ) -> Result<()> {
        let now = self.now_ms();
        let mut w = Work::begin(&self.db).await?;
        let mut feds = Vec::with_capacity(specs.len());
        let mut member_updates = 0;
        for spec in specs.into_iter().filter(|s| s.new.established_on <= horizon) {
            let id = federations::insert(&mut w, &spec.new, now).await?;
            let mut fed = Federation {
                id,
                region: spec.new.region.clone(),
                region_name: String::new(),
                kind: spec.new.kind,
                name: spec.new.name.clone(),
                members: spec.new.members,
                established_on: spec.new.established_on,
                term_end: None,
                term_number: None,
                created_at: now,
                updated_at: now,
            };
            for (day, members) in spec.updates.into_iter().filter(|(day, _)| *day <= horizon) {
                let name = fed.name.clone();
                federations::update(&mut w, &fed, &name, members, day, now).await?;
                fed.members = members;
                member_updates += 1;
            }
            feds.push(fed);
        }
        let mut batch = build(&feds);
        batch.clip(horizon);
        federations::add_terms_many(&mut w, &batch.terms, now).await?;
        federations::add_executive_members_many(&mut w, &batch.members, now).await?;
        homes::insert_many(&mut w, &batch.homes, now).await?;
        activities::insert_many(&mut w, &batch.activities, now).await?;
        settings::set(&w.tx, &part_key(region), VERSION).await?;
        let detail = json!({
            "version": VERSION,
            "new_domain_federations": feds.len(),
            "member_count_updates": member_updates,
            "terms": batch.terms.len(),
            "executive_members": batch.members.len(),
            "women_homes": batch.homes.len(),
            "women_home_checks": batch.homes.iter().map(|h| h.checks.len()).sum::<usize>(),
            "activities": batch.activities.len(),
        });
        w.audit(actor.entry(now, ACTION, Outcome::Ok, "region", region.short(), &region.padded(), detail));
        w.commit().await?;
        Ok(())
    }

    /// Creates the demo accounts that are missing, sets the password they should have, enrols
    /// the administrators' second factor, and keeps the credentials file in step.
    async fn ensure_demo_accounts(
        &self,
        actor: &Actor,
        city: &RegionCode,
        opts: &DemoOptions,
        report: Report<'_>,
    ) -> Result<Vec<DemoAccount>> {
        let path = credentials::path(&self.config.data_dir);
        let stored = Credentials::load(&path)?;
        let password = match (&opts.password, &stored.password) {
            (Some(given), _) => given.clone(),
            (None, Some(kept)) => kept.clone(),
            (None, None) => credentials::generate_password(),
        };
        check_password(&password)
            .map_err(|e| AppError::invalid("password", format!("演示账号密码（JINGUO_DEMO_PASSWORD）不符合要求：{}", e.summary())))?;
        // Existing accounts get the password only when it is not the one the file remembers.
        let reset = stored.password.as_deref() != Some(password.as_str());
        let total = USERS.len() as u64;
        report(stage::ACCOUNTS, 0, total);
        let mut out = Vec::with_capacity(USERS.len());
        let mut enrol: Vec<(i64, String, String)> = Vec::new();
        for (i, user) in USERS.iter().enumerate() {
            let account = match accounts::by_username(self.db.reader(), user.username).await? {
                Some(a) => {
                    if reset {
                        self.reset_password(actor, a.id, &password).await?;
                    }
                    a
                }
                None => {
                    let input = AccountInput {
                        username: user.username.to_owned(),
                        display_name: user.display_name.to_owned(),
                        org: user.org.to_owned(),
                        role: user.role.code().to_owned(),
                        password: password.clone(),
                    };
                    self.create_account(actor, &input).await?
                }
            };
            let totp_secret = if user.role.needs_second_factor() {
                match account.totp_secret.as_deref().and_then(|sealed| self.crypto.open("account.totp", sealed).ok()) {
                    Some(secret) => Some(secret),
                    None => {
                        let secret = totp::new_secret();
                        enrol.push((account.id, user.username.to_owned(), secret.clone()));
                        Some(secret)
                    }
                }
            } else {
                None
            };
            out.push(DemoAccount {
                username: user.username.to_owned(),
                role_label: user.role.label().to_owned(),
                org_name: account.federation_name.clone(),
                password: password.clone(),
                totp_secret,
            });
            report(stage::ACCOUNTS, i as u64 + 1, total);
        }
        if !enrol.is_empty() {
            let now = self.now_ms();
            let mut w = Work::begin(&self.db).await?;
            for (id, _, secret) in &enrol {
                accounts::set_totp(&w.tx, *id, Some(self.crypto.seal("account.totp", secret)), now).await?;
            }
            let usernames: Vec<&str> = enrol.iter().map(|(_, u, _)| u.as_str()).collect();
            w.audit(actor.entry(now, ACTION, Outcome::Ok, "account", "", &city.padded(), json!({"totp_enrolled": usernames})));
            w.commit().await?;
        }
        let current = Credentials {
            password: Some(password),
            totp: out.iter().filter_map(|a| Some((a.username.clone(), a.totp_secret.clone()?))).collect(),
        };
        if current != stored {
            current.save(&path)?;
        }
        Ok(out)
    }

    /// What the demo city holds now, as the indicators count it (and the region register).
    async fn demo_summary(&self, city: &RegionCode) -> Result<Vec<(String, i64)>> {
        let c = self.db.reader();
        let mut out = vec![("区划（全国省、市、县与宜昌镇、村）".to_owned(), regions::count(c).await?)];
        if let Some(r) = regions::get(c, city).await? {
            out.extend([
                ("宜昌市县(区)".to_owned(), r.counties),
                ("宜昌市镇(街道)".to_owned(), r.towns),
                ("宜昌市村(社区)".to_owned(), r.villages),
            ]);
        }
        let ids = [
            "org.federations",
            "org.federations.region",
            "org.new_domain.federations",
            "org.federations.industry",
            "org.federations.area",
            "org.federations.park",
            "org.federations.enterprise",
            "org.federations.social_org",
            "org.federations.gig_platform",
            "org.new_domain.members",
            "org.executive_members",
            "org.terms.due",
            "org.terms.overdue",
            "org.women_homes",
            "org.women_homes.standardised",
            "org.activities",
            "org.activities.participants",
            "people.registered",
            "care.cases",
            "care.cases.high",
            "care.visits",
            "care.visits.overdue",
            "health.women_screened",
            "health.screenings.cervical",
            "health.screenings.breast",
            "health.abnormal",
            "health.followed_up",
        ];
        let period = Period::new(jinguo_store::rollup::epoch(), self.today())?;
        for figure in jinguo_store::insight::evaluate(c, city, period, &ids).await? {
            out.push((figure.indicator.label.to_owned(), figure.value as i64));
        }
        out.push(("账号".to_owned(), accounts::count(c).await?));
        Ok(out)
    }
}

fn wrong_scale(had: &str, scale: Scale) -> AppError {
    AppError::invalid(
        "scale",
        format!("该数据目录已载入 {had} 规模的演示人口，不能再载入 {} 规模；请换用新的数据目录（或新的数据库）", scale.code()),
    )
}

fn people_key(region: &RegionCode) -> String {
    format!("demo.people.{}", region.short())
}

fn part_key(region: &RegionCode) -> String {
    format!("demo.part.{}", region.short())
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use chrono::{TimeZone, Utc};
    use jinguo_crypto::{KeyRing, Suite};
    use jinguo_store::testing::{TestDb, databases};
    use sea_orm::{ConnectionTrait, Statement};

    use super::*;
    use crate::access::auth::LoginInput;
    use crate::{AppConfig, Crypto, FixedClock};
    use jinguo_domain::people::{PersonCategory, RiskLevel};

    fn app(t: &TestDb) -> App {
        let clock = FixedClock::new(Utc.with_ymd_and_hms(2026, 11, 28, 4, 0, 0).unwrap());
        App::new(
            t.db.clone(),
            Crypto::new(Suite::Gm, KeyRing::ephemeral()),
            Arc::new(clock),
            AppConfig { city: Some(RegionCode::parse("4205").unwrap()), data_dir: t.dir.path().to_owned() },
        )
    }

    async fn count(t: &TestDb, sql: &str) -> i64 {
        let c = t.db.reader();
        let row = c.query_one_raw(Statement::from_string(c.get_database_backend(), sql)).await.unwrap().unwrap();
        row.try_get_by_index::<i64>(0).unwrap()
    }

    const TABLES: [&str; 15] = [
        "regions",
        "federations",
        "terms",
        "executive_members",
        "women_homes",
        "women_home_items",
        "activities",
        "accounts",
        "rollups",
        "people",
        "person_categories",
        "care_cases",
        "visits",
        "screenings",
        "activity_attendance",
    ];

    async fn row_counts(t: &TestDb) -> Vec<i64> {
        let mut out = Vec::new();
        for table in TABLES {
            out.push(count(t, &format!("SELECT COUNT(*) FROM {table}")).await);
        }
        out
    }

    fn figure(figures: &[crate::insight::Figure], id: &str) -> f64 {
        figures.iter().find(|f| f.indicator.id == id).unwrap().value
    }

    /// The population of the default scale: sizes, valid sealed identities the app can find, the
    /// village account's overdue cases, and every figure equal to the raw rows.
    async fn population_is_believable_and_agrees_with_its_figures(t: &TestDb, app: &App, password: &str) {
        let city = RegionCode::parse("4205").unwrap();
        let people = count(t, "SELECT COUNT(*) FROM people").await;
        assert!((1650 * 30..=1650 * 60).contains(&people), "{people}");

        // The village officer sees her women, masked, and one or two overdue cases.
        let login =
            app.login(&LoginInput { username: "village".into(), password: password.to_owned(), ..LoginInput::default() }).await.unwrap();
        let village = app.authenticate(&login.token, "127.0.0.1").await.unwrap().actor;
        let mine = app.list_people(&village, None, None, None, None, 100).await.unwrap();
        assert!((30..=60).contains(&mine.total), "{}", mine.total);
        assert!(mine.items.iter().all(|p| p.name.as_deref().is_some_and(|n| n.ends_with('*'))));
        let overdue = app.overdue_cases(&village, None, None, 50).await.unwrap();
        assert!((1..=2).contains(&overdue.total), "village overdue {}", overdue.total);
        assert!(app.list_cases(&village, None, Default::default(), None, 50).await.unwrap().total > overdue.total);
        // Her record opens to a valid ID number of the county, found again by the blind index.
        let revealed = app.reveal_person(&village, mine.items[0].id, "核对演示数据").await.unwrap();
        let id = jinguo_domain::people::IdNumber::parse(&revealed.id_number, app.today()).unwrap();
        assert!(id.as_str().starts_with("420502") && id.sex() == jinguo_domain::people::Sex::Female);
        assert!((18..=91).contains(&id.age_on(app.today())));
        if let Some(phone) = &revealed.phone {
            jinguo_domain::people::Phone::parse(phone).unwrap();
        }
        let found = app.list_people(&village, None, None, Some(id.as_str()), None, 10).await.unwrap();
        assert_eq!(found.items.iter().map(|p| p.id).collect::<Vec<_>>(), [mine.items[0].id]);

        // The whole city's overdue list, sorted by how overdue; behind villages make it long.
        let operator = Actor::operator();
        let list = app.overdue_cases(&operator, Some(&city), None, 50).await.unwrap();
        assert!(list.total > 50, "city overdue {}", list.total);
        assert!(list.items.windows(2).all(|w| w[0].next_due <= w[1].next_due));

        // Every figure equals the raw rows.
        let all = Period::new(jinguo_store::rollup::epoch(), app.today()).unwrap();
        let y2024 = Period::parse("2024-01-01", "2024-12-31").unwrap();
        let fig = |figures: &[crate::insight::Figure], id: &str| figure(figures, id) as i64;
        let f = app.indicators(&operator, &city, all, &[]).await.unwrap();
        let y = app.indicators(&operator, &city, y2024, &[]).await.unwrap();
        assert_eq!(fig(&f, "people.registered"), people);
        for c in PersonCategory::ALL.iter().filter(|c| **c != PersonCategory::Other) {
            let raw = count(t, &format!("SELECT COUNT(*) FROM person_categories WHERE category = '{}'", c.code())).await;
            assert_eq!(fig(&f, &format!("people.category.{}", c.code())), raw, "{c:?}");
            assert!(raw > 0, "{c:?}");
        }
        assert_eq!(fig(&f, "care.cases"), count(t, "SELECT COUNT(*) FROM care_cases WHERE closed_on IS NULL").await);
        for r in RiskLevel::ALL {
            let raw = count(t, &format!("SELECT COUNT(*) FROM care_cases WHERE closed_on IS NULL AND risk = '{}'", r.code())).await;
            assert_eq!(fig(&f, &format!("care.cases.{}", r.code())), raw, "{r:?}");
        }
        assert!(count(t, "SELECT COUNT(*) FROM care_cases WHERE closed_on IS NOT NULL AND close_reason <> ''").await > 0);
        assert_eq!(fig(&f, "care.visits"), count(t, "SELECT COUNT(*) FROM visits").await);
        assert_eq!(
            fig(&y, "care.visits"),
            count(t, "SELECT COUNT(*) FROM visits WHERE visited_on BETWEEN '2024-01-01' AND '2024-12-31'").await
        );
        let overdue = count(t, &format!("SELECT COUNT(*) FROM care_cases WHERE closed_on IS NULL AND next_due < '{}'", app.today())).await;
        assert_eq!(fig(&f, "care.visits.overdue"), overdue);
        assert_eq!(list.total, overdue);
        for k in ["cervical", "breast"] {
            let raw = count(
                t,
                &format!(
                    "SELECT COUNT(*) FROM screenings WHERE kind = '{k}' AND repeat_in_year = FALSE AND screened_on BETWEEN '2024-01-01' AND '2024-12-31'"
                ),
            )
            .await;
            assert_eq!(fig(&y, &format!("health.screenings.{k}")), raw, "{k}");
        }
        let women = count(t, "SELECT COUNT(*) FROM (SELECT DISTINCT person, stat_year FROM screenings) s").await;
        assert_eq!(fig(&f, "health.women_screened"), women);
        let abnormal = count(t, "SELECT COUNT(*) FROM screenings WHERE repeat_in_year = FALSE AND result <> 'normal'").await;
        assert_eq!(fig(&f, "health.abnormal"), abnormal);
        let followed = count(t, "SELECT COUNT(*) FROM screenings WHERE repeat_in_year = FALSE AND follow_up_on IS NOT NULL").await;
        assert_eq!(fig(&f, "health.followed_up"), followed);
        assert!(abnormal > followed && followed > 0, "{abnormal} {followed}");
        // Repeats are flagged, once per extra screening of a cancer in a statistical year.
        let distinct = count(t, "SELECT COUNT(*) FROM (SELECT DISTINCT person, kind, stat_year FROM screenings) s").await;
        let repeats = count(t, "SELECT COUNT(*) FROM screenings WHERE repeat_in_year = TRUE").await;
        assert!(repeats > 0);
        assert_eq!(count(t, "SELECT COUNT(*) FROM screenings").await, distinct + repeats);
        // Everyone screened was 35–64 on the day; attendance never exceeds the participants.
        let too_young =
            count(t, "SELECT COUNT(*) FROM screenings s JOIN people p ON p.id = s.person WHERE p.birth_date > s.screened_on").await;
        assert_eq!(too_young, 0);
        let over = count(
            t,
            "SELECT COUNT(*) FROM activities a WHERE a.participants < (SELECT COUNT(*) FROM activity_attendance x WHERE x.activity = a.id)",
        )
        .await;
        assert_eq!(over, 0);
        assert!(count(t, "SELECT COUNT(*) FROM activity_attendance").await > 10_000);
    }

    #[tokio::test]
    async fn the_demo_city_is_what_a_user_expects_and_seeds_once() {
        for t in databases().await {
            let app = app(&t);
            let stages: Arc<Mutex<Vec<String>>> = Arc::default();
            let seen = stages.clone();
            let progress: Progress = Arc::new(move |stage: &str, _, _| {
                let mut s = seen.lock().unwrap();
                if s.last().map(String::as_str) != Some(stage) {
                    s.push(stage.to_owned());
                }
            });
            let started = std::time::Instant::now();
            let report = app.seed_demo(&DemoOptions::default(), Some(progress)).await.unwrap();
            eprintln!("[{}] demo seeded in {:.1?}: {:?}", t.engine, started.elapsed(), report.summary);
            assert!(report.created);
            assert_eq!(
                *stages.lock().unwrap(),
                [stage::REGIONS, stage::FEDERATIONS, stage::WORK, stage::PEOPLE, stage::ACCOUNTS, stage::DONE]
            );
            let counts = row_counts(&t).await;
            eprintln!("[{}] rows: {:?}", t.engine, TABLES.iter().zip(&counts).collect::<Vec<_>>());

            // The real division tree: 13 counties under Yichang.
            let city = RegionCode::parse("4205").unwrap();
            assert_eq!(app.region_children(Some(&city)).await.unwrap().len(), 13);

            // The county officer logs in and sees only 西陵区's federations.
            let password = report.accounts[0].password.clone();
            assert!(report.accounts.iter().all(|a| a.password == password));
            let login =
                app.login(&LoginInput { username: "county".into(), password: password.clone(), ..LoginInput::default() }).await.unwrap();
            let county = app.authenticate(&login.token, "127.0.0.1").await.unwrap().actor;
            let page = app.list_federations(&county, None, &Filter::default(), None, 500).await.unwrap();
            assert_eq!(
                page.total,
                count(&t, "SELECT COUNT(*) FROM federations WHERE region BETWEEN '420502000000' AND '420502999999'").await
            );
            assert!(page.items.iter().all(|f| f.region.short().starts_with("420502")));
            assert!(page.items.iter().any(|f| f.kind.is_new_domain()));
            // Administrators need their second factor, which the report gives.
            let auditor = report.accounts.iter().find(|a| a.username == "auditor").unwrap();
            let secret = auditor.totp_secret.clone().unwrap();
            let no_code = app.login(&LoginInput { username: "auditor".into(), password: password.clone(), ..LoginInput::default() }).await;
            assert!(matches!(no_code, Err(AppError::SecondFactorRequired)));
            let code = totp::code_at(&secret, app.now().timestamp()).unwrap();
            app.login(&LoginInput { username: "auditor".into(), password: password.clone(), totp: Some(code), ..LoginInput::default() })
                .await
                .unwrap();

            // Coverage of standardised homes, against the registers counted by hand.
            let city_actor = Actor::operator();
            let five_years = Period::parse("2021-01-01", "2025-12-31").unwrap();
            let figures = app.indicators(&city_actor, &city, Period::parse("2021-01-01", "2026-11-28").unwrap(), &[]).await.unwrap();
            let standardised = count(
                &t,
                "SELECT COUNT(*) FROM women_homes WHERE standardised = TRUE AND region BETWEEN '420500000000' AND '420599999999'",
            )
            .await;
            let villages =
                count(&t, "SELECT COUNT(*) FROM regions WHERE level = 5 AND code BETWEEN '420500000000' AND '420599999999'").await;
            assert_eq!(villages, 1650);
            let expected = (standardised as f64 * 1000.0 / villages as f64).round() / 10.0;
            assert_eq!(figure(&figures, "org.women_homes.coverage"), expected);
            assert!((80.0..=90.0).contains(&expected), "coverage {expected}");
            // It rose year by year.
            let mut last = 0.0;
            for year in 2021..=2025 {
                let p = Period::parse(&format!("{year}-01-01"), &format!("{year}-12-31")).unwrap();
                let f = app.indicators(&city_actor, &city, p, &["org.women_homes.coverage"]).await.unwrap();
                assert!(f[0].value > last, "{year}: {} after {last}", f[0].value);
                last = f[0].value;
            }
            // The city's term is due, some villages are overdue.
            assert!(figure(&figures, "org.terms.due") >= 1.0);
            let overdue = figure(&figures, "org.terms.overdue");
            assert!((20.0..=130.0).contains(&overdue), "overdue {overdue}");
            // Award campaigns: two a year, honours of every level, each figure its raw count.
            assert_eq!(figure(&figures, "family.campaigns"), 12.0);
            let honours = figure(&figures, "family.honours");
            let (from, to) = (NaiveDate::from_ymd_opt(2021, 1, 1).unwrap(), NaiveDate::from_ymd_opt(2026, 11, 28).unwrap());
            let raw_honours =
                jinguo_store::awards::honours::scan_count(app.db.reader(), &Scope::region(city.clone()), None, from, to).await.unwrap();
            assert!(honours >= 12.0 && honours as i64 == raw_honours, "{honours} {raw_honours}");
            assert!(figure(&figures, "family.honours.province") > 0.0 && figure(&figures, "family.honours.national") > 0.0);
            assert!(figure(&figures, "family.roadshows") > 0.0 && figure(&figures, "family.objections.upheld") > 0.0);

            // Activities of the five years: the roll-up agrees with the raw rows.
            let five = app.indicators(&city_actor, &city, five_years, &["org.activities", "org.activities.participants"]).await.unwrap();
            let raw = count(&t, "SELECT COUNT(*) FROM activities WHERE held_on BETWEEN '2021-01-01' AND '2025-12-31'").await;
            let raw_people =
                count(&t, "SELECT CAST(SUM(participants) AS BIGINT) FROM activities WHERE held_on BETWEEN '2021-01-01' AND '2025-12-31'")
                    .await;
            assert_eq!(five[0].value as i64, raw);
            assert_eq!(five[1].value as i64, raw_people);
            assert!(raw > 40_000, "{raw}");
            let members = figure(&figures, "org.executive_members") as i64;
            assert_eq!(members, count(&t, "SELECT COUNT(*) FROM executive_members WHERE left_on IS NULL").await);

            population_is_believable_and_agrees_with_its_figures(&t, &app, &password).await;

            // A second seed changes nothing and gives the same accounts back.
            let again = app.seed_demo(&DemoOptions::default(), None).await.unwrap();
            assert!(!again.created);
            assert_eq!(row_counts(&t).await, counts);
            let pairs = |r: &DemoReport| {
                r.accounts.iter().map(|a| (a.username.clone(), a.password.clone(), a.totp_secret.clone())).collect::<Vec<_>>()
            };
            assert_eq!(pairs(&again), pairs(&report));
            assert_eq!(again.summary, report.summary);

            // A new JINGUO_DEMO_PASSWORD resets the demo accounts' passwords and nothing else.
            let new_password = "Yichang-2026!";
            let changed =
                app.seed_demo(&DemoOptions { password: Some(new_password.into()), ..DemoOptions::default() }, None).await.unwrap();
            assert!(!changed.created);
            assert!(changed.accounts.iter().all(|a| a.password == new_password));
            assert_eq!(row_counts(&t).await, counts);
            app.login(&LoginInput { username: "village".into(), password: new_password.into(), ..LoginInput::default() }).await.unwrap();
            let file = std::fs::read_to_string(t.dir.path().join(credentials::FILE_NAME)).unwrap();
            assert!(file.contains(&format!("password={new_password}")) && file.contains(&format!("totp.auditor={secret}")));
            let audit = app.verify_audit().await.unwrap();
            assert!(audit.broken.is_none(), "{:?}", audit.broken);
            t.finish().await;
        }
    }
}
