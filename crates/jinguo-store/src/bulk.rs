//! Bulk writes of generated registers (the demo population, at any scale up to the city scale of
//! DESIGN.md §8): people with their categories, care cases, visits, screenings and confirmed
//! attendance. Rows arrive in [`Chunk`]s over a channel, made and sealed on other threads, and
//! go through the engine's bulk path — prepared statements on SQLite's C API in one thread,
//! `COPY` on PostgreSQL — one transaction per part, with the part's roll-ups and settings keys.
//!
//! The rules the one-record writers apply ([`crate::people::insert`], [`crate::care::open`],
//! [`crate::care::record_visit`], [`crate::care::close`], [`crate::health::insert`],
//! [`crate::health::record_follow_up`]) are applied here to whole chunks by [`Chunk::settle`]:
//! the statistical-year repeat flag and the roll-up deltas of every record, so the figures agree
//! with the rows whichever way they were written. What the rows say is the caller's business.
//!
//! Later registers (pairings, aid, mutual-aid groups) get their own vectors in [`Chunk`], their
//! deltas in `settle` and their statements in both writers.

use std::collections::HashMap;
use std::fmt::Write as _;

use chrono::{Datelike, NaiveDate};
use jinguo_domain::RegionCode;
use jinguo_domain::insight::metric;
use jinguo_domain::people::{PersonCategory, RiskLevel, ScreeningKind, ScreeningResult, statistical_year};
use sea_orm::ConnectionTrait;
use tokio::sync::mpsc::Receiver;

use crate::org::federations::region_of_row;
use crate::rollup::Deltas;
use crate::{Backend, Db, Result, Scope, StoreError, sql, vals};

/// A person to register. Sealed fields arrive sealed.
#[derive(Debug, Clone)]
pub struct BulkPerson {
    pub id: i64,
    pub region: RegionCode,
    pub name: String,
    pub id_cipher: String,
    pub id_index: String,
    pub phone_cipher: Option<String>,
    pub phone_index: Option<String>,
    pub address_cipher: Option<String>,
    pub birth_date: NaiveDate,
    pub sex: &'static str,
    pub categories: Vec<PersonCategory>,
    /// The day she was registered: the roll-up day of the register figures.
    pub registered_on: NaiveDate,
    /// The account that registered her (none for generated registers).
    pub created_by: Option<i64>,
    pub created_at: i64,
}

/// People per multi-row `INSERT` on SQLite's bulk path: one statement runs for 64 rows instead
/// of 64 statements, a third less work in the writer a row.
const ROWS_PER_INSERT: usize = 64;

/// `INSERT INTO {table} ({columns}) VALUES (…), (…)` for `rows` rows of `width` parameters each
/// (numbered `?1…`); `row` writes one row's placeholders from its first parameter number.
fn multi_row_insert(table: &str, width: usize, rows: usize, row: impl Fn(&mut String, usize)) -> String {
    let mut text = format!("INSERT INTO {table} VALUES ");
    for k in 0..rows {
        if k > 0 {
            text.push_str(", ");
        }
        text.push('(');
        row(&mut text, k * width + 1);
        text.push(')');
    }
    text
}

const PEOPLE_TABLE: &str = "people (id, region, name, id_cipher, id_index, phone_cipher, phone_index, address_cipher, birth_date, sex, created_by, created_at, updated_at)";
/// Parameters a person binds (created_at is written to updated_at too).
const PERSON_WIDTH: usize = 12;

fn people_insert(rows: usize) -> String {
    multi_row_insert(PEOPLE_TABLE, PERSON_WIDTH, rows, |t, at| {
        for i in 0..PERSON_WIDTH {
            let _ = write!(t, "?{}, ", at + i);
        }
        let _ = write!(t, "?{}", at + PERSON_WIDTH - 1);
    })
}

fn categories_insert(rows: usize) -> String {
    multi_row_insert("person_categories (person, category, region)", 3, rows, |t, at| {
        let _ = write!(t, "?{}, ?{}, ?{}", at, at + 1, at + 2);
    })
}

/// A day as SQLite stores it (`YYYY-MM-DD`), without allocating.
struct DayText([u8; 10]);

impl DayText {
    fn of(d: NaiveDate) -> DayText {
        use chrono::Datelike;
        let mut b = *b"0000-00-00";
        let y = d.year().clamp(0, 9999) as u32;
        for (i, v) in [
            (0, y / 1000),
            (1, y / 100 % 10),
            (2, y / 10 % 10),
            (3, y % 10),
            (5, d.month() / 10),
            (6, d.month() % 10),
            (8, d.day() / 10),
            (9, d.day() % 10),
        ] {
            b[i] = b'0' + v as u8;
        }
        DayText(b)
    }

    fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

fn bind_person(st: &mut rusqlite::Statement<'_>, at: usize, p: &BulkPerson, region: &str) -> rusqlite::Result<()> {
    st.raw_bind_parameter(at, p.id)?;
    st.raw_bind_parameter(at + 1, region)?;
    st.raw_bind_parameter(at + 2, p.name.as_str())?;
    st.raw_bind_parameter(at + 3, p.id_cipher.as_str())?;
    st.raw_bind_parameter(at + 4, p.id_index.as_str())?;
    st.raw_bind_parameter(at + 5, p.phone_cipher.as_deref())?;
    st.raw_bind_parameter(at + 6, p.phone_index.as_deref())?;
    st.raw_bind_parameter(at + 7, p.address_cipher.as_deref())?;
    st.raw_bind_parameter(at + 8, DayText::of(p.birth_date).as_str())?;
    st.raw_bind_parameter(at + 9, p.sex)?;
    st.raw_bind_parameter(at + 10, p.created_by)?;
    st.raw_bind_parameter(at + 11, p.created_at)
}

/// Writes people and their categories on SQLite's bulk path (prepared multi-row statements, the
/// caller's transaction). A unique violation is the caller's to name.
pub(crate) fn insert_people_sqlite(conn: &rusqlite::Connection, people: &[BulkPerson]) -> rusqlite::Result<()> {
    let regions: Vec<String> = people.iter().map(|p| p.region.padded()).collect();
    let mut many = conn.prepare_cached(&people_insert(ROWS_PER_INSERT))?;
    let mut one = conn.prepare_cached(&people_insert(1))?;
    for (chunk, regions) in people.chunks(ROWS_PER_INSERT).zip(regions.chunks(ROWS_PER_INSERT)) {
        if chunk.len() == ROWS_PER_INSERT {
            for (k, (p, region)) in chunk.iter().zip(regions).enumerate() {
                bind_person(&mut many, k * PERSON_WIDTH + 1, p, region)?;
            }
            many.raw_execute()?;
        } else {
            for (p, region) in chunk.iter().zip(regions) {
                bind_person(&mut one, 1, p, region)?;
                one.raw_execute()?;
            }
        }
    }
    let categories: Vec<(i64, &'static str, &str)> =
        people.iter().zip(&regions).flat_map(|(p, r)| p.categories.iter().map(move |c| (p.id, c.code(), r.as_str()))).collect();
    let mut many = conn.prepare_cached(&categories_insert(ROWS_PER_INSERT))?;
    let mut one = conn.prepare_cached(&categories_insert(1))?;
    for chunk in categories.chunks(ROWS_PER_INSERT) {
        if chunk.len() == ROWS_PER_INSERT {
            for (k, (person, category, region)) in chunk.iter().enumerate() {
                many.raw_bind_parameter(k * 3 + 1, *person)?;
                many.raw_bind_parameter(k * 3 + 2, *category)?;
                many.raw_bind_parameter(k * 3 + 3, *region)?;
            }
            many.raw_execute()?;
        } else {
            for (person, category, region) in chunk {
                one.raw_bind_parameter(1, *person)?;
                one.raw_bind_parameter(2, *category)?;
                one.raw_bind_parameter(3, *region)?;
                one.raw_execute()?;
            }
        }
    }
    Ok(())
}

/// Writes people and their categories on PostgreSQL's bulk path (`COPY`, the caller's
/// transaction).
pub(crate) async fn copy_people(conn: &mut sqlx::PgConnection, people: &[BulkPerson]) -> std::result::Result<(), sqlx::Error> {
    copy_rows(
        conn,
        "people (id, region, name, id_cipher, id_index, phone_cipher, phone_index, address_cipher, birth_date, sex, created_by, created_at, updated_at)",
        people,
        |b, p| {
            let _ = write!(b, "{}\t{}\t", p.id, p.region.padded());
            esc(b, &p.name);
            b.push('\t');
            esc(b, &p.id_cipher);
            b.push('\t');
            esc(b, &p.id_index);
            b.push('\t');
            opt(b, p.phone_cipher.as_deref());
            b.push('\t');
            opt(b, p.phone_index.as_deref());
            b.push('\t');
            opt(b, p.address_cipher.as_deref());
            let _ = write!(b, "\t{}\t{}\t", p.birth_date, p.sex);
            opt(b, p.created_by.map(|a| a.to_string()).as_deref());
            let _ = write!(b, "\t{}\t{}", p.created_at, p.created_at);
        },
    )
    .await?;
    let categories: Vec<(i64, &'static str, String)> =
        people.iter().flat_map(|p| p.categories.iter().map(move |c| (p.id, c.code(), p.region.padded()))).collect();
    copy_rows(conn, "person_categories (person, category, region)", &categories, |b, (p, c, r)| {
        let _ = write!(b, "{p}\t{c}\t{r}");
    })
    .await
}

/// A care case as it stands after its visits (and its closing, if closed).
#[derive(Debug, Clone)]
pub struct BulkCase {
    pub id: i64,
    pub person: i64,
    pub region: RegionCode,
    pub risk: RiskLevel,
    pub interval_days: i64,
    pub opened_on: NaiveDate,
    pub last_visit_on: Option<NaiveDate>,
    pub next_due: NaiveDate,
    pub closed_on: Option<NaiveDate>,
    pub close_reason: String,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone)]
pub struct BulkVisit {
    pub id: i64,
    pub care_case: i64,
    pub person: i64,
    pub region: RegionCode,
    pub visited_on: NaiveDate,
    pub visitor_name: String,
    pub findings: String,
    pub needs: String,
    pub created_at: i64,
}

/// A screening; `repeat_in_year` is set by [`Chunk::settle`].
#[derive(Debug, Clone)]
pub struct BulkScreening {
    pub id: i64,
    pub person: i64,
    pub region: RegionCode,
    pub kind: ScreeningKind,
    pub screened_on: NaiveDate,
    pub site: String,
    pub result: ScreeningResult,
    pub follow_up_on: Option<NaiveDate>,
    pub diagnosis: String,
    pub repeat_in_year: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone)]
pub struct BulkAttendance {
    pub activity: i64,
    pub person: i64,
    pub region: RegionCode,
    pub confirmed_at: i64,
}

/// Rows that go out together. A person's records travel in the same chunk as she does (the
/// statistical-year rule looks at all of her screenings).
#[derive(Debug, Default)]
pub struct Chunk {
    pub people: Vec<BulkPerson>,
    pub cases: Vec<BulkCase>,
    pub visits: Vec<BulkVisit>,
    pub screenings: Vec<BulkScreening>,
    pub attendance: Vec<BulkAttendance>,
    deltas: Deltas,
    settled: bool,
}

/// How many rows of each register.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub people: u64,
    pub categories: u64,
    pub cases: u64,
    pub visits: u64,
    pub screenings: u64,
    pub attendance: u64,
}

impl Counts {
    pub fn of(chunk: &Chunk) -> Counts {
        Counts {
            people: chunk.people.len() as u64,
            categories: chunk.people.iter().map(|p| p.categories.len() as u64).sum(),
            cases: chunk.cases.len() as u64,
            visits: chunk.visits.len() as u64,
            screenings: chunk.screenings.len() as u64,
            attendance: chunk.attendance.len() as u64,
        }
    }

    pub fn add(&mut self, other: Counts) {
        self.people += other.people;
        self.categories += other.categories;
        self.cases += other.cases;
        self.visits += other.visits;
        self.screenings += other.screenings;
        self.attendance += other.attendance;
    }

    /// Rows of every table.
    pub fn rows(&self) -> u64 {
        self.people + self.categories + self.cases + self.visits + self.screenings + self.attendance
    }
}

/// Positions of the metrics a chunk touches, in [`metric_names`].
mod m {
    pub const REGISTERED: usize = 0;
    pub const CATEGORY: usize = 1; // + position in PersonCategory::ALL (8)
    pub const CASES: usize = 9;
    pub const RISK: usize = 10; // + position in RiskLevel::ALL (3)
    pub const VISITS: usize = 13;
    pub const SCREENINGS: usize = 14; // + position in ScreeningKind::ALL (2)
    pub const WOMEN_SCREENED: usize = 16;
    pub const ABNORMAL: usize = 17;
    pub const FOLLOWED_UP: usize = 18;
    /// Women by birth month (year and month tiers only; the day is the first of the month).
    pub const WOMEN_BORN: usize = 19;
    pub const COUNT: usize = 20;
}

fn metric_names() -> Vec<String> {
    let mut out = vec![metric::PEOPLE_REGISTERED.to_owned()];
    out.extend(PersonCategory::ALL.iter().map(|c| metric::people_of_category(*c)));
    out.push(metric::CARE_CASES.to_owned());
    out.extend(RiskLevel::ALL.iter().map(|r| format!("{}.{}", metric::CARE_CASES, r.code())));
    out.push(metric::CARE_VISITS.to_owned());
    out.extend(ScreeningKind::ALL.iter().map(|k| format!("{}.{}", metric::HEALTH_SCREENINGS, k.code())));
    out.extend([metric::HEALTH_WOMEN_SCREENED, metric::HEALTH_ABNORMAL, metric::HEALTH_FOLLOWED_UP].map(str::to_owned));
    out.push(metric::WOMEN_BY_BIRTH_MONTH.to_owned());
    debug_assert_eq!(out.len(), m::COUNT);
    out
}

fn position<T: PartialEq>(all: &[T], x: &T) -> usize {
    all.iter().position(|a| a == x).unwrap_or(0)
}

/// Counts per (metric, region, day) before they are spread over the ancestors and tiers.
#[derive(Default)]
struct Tally {
    regions: Vec<RegionCode>,
    index: HashMap<RegionCode, u32>,
    counts: HashMap<(u8, u32, NaiveDate), i64>,
}

impl Tally {
    fn add(&mut self, metric: usize, region: &RegionCode, day: NaiveDate, delta: i64) {
        let r = match self.index.get(region) {
            Some(r) => *r,
            None => {
                let r = self.regions.len() as u32;
                self.regions.push(region.clone());
                self.index.insert(region.clone(), r);
                r
            }
        };
        *self.counts.entry((metric as u8, r, day)).or_insert(0) += delta;
    }

    fn into_deltas(self) -> Deltas {
        let names = metric_names();
        let mut deltas = Deltas::new();
        for ((metric, r, day), n) in self.counts {
            if metric as usize == m::WOMEN_BORN {
                deltas.add_monthly(&names[metric as usize], &self.regions[r as usize], day, n);
            } else {
                deltas.add(&names[metric as usize], &self.regions[r as usize], day, n);
            }
        }
        deltas
    }
}

impl Chunk {
    /// Applies the statistical-year rule to the screenings (in order of date, cervical before
    /// breast on the same day, a second screening of the same cancer in one statistical year is
    /// a repeat) and computes the roll-up deltas of every row, as the one-record writers do.
    /// Cheap enough to run on the threads that make the chunks; the writer runs it otherwise.
    pub fn settle(&mut self) {
        if self.settled {
            return;
        }
        let mut t = Tally::default();
        for p in &self.people {
            t.add(m::REGISTERED, &p.region, p.registered_on, 1);
            if p.sex == jinguo_domain::people::Sex::Female.code() {
                t.add(m::WOMEN_BORN, &p.region, p.birth_date.with_day(1).unwrap_or(p.birth_date), 1);
            }
            for c in &p.categories {
                t.add(m::CATEGORY + position(&PersonCategory::ALL, c), &p.region, p.registered_on, 1);
            }
        }
        for c in &self.cases {
            let risk = m::RISK + position(&RiskLevel::ALL, &c.risk);
            t.add(m::CASES, &c.region, c.opened_on, 1);
            t.add(risk, &c.region, c.opened_on, 1);
            if let Some(day) = c.closed_on {
                t.add(m::CASES, &c.region, day, -1);
                t.add(risk, &c.region, day, -1);
            }
        }
        for v in &self.visits {
            t.add(m::VISITS, &v.region, v.visited_on, 1);
        }
        self.screenings.sort_by_key(|s| (s.person, s.screened_on, position(&ScreeningKind::ALL, &s.kind), s.id));
        let mut seen_kind: HashMap<(i64, usize, i32), ()> = HashMap::new();
        let mut seen_year: HashMap<(i64, i32), ()> = HashMap::new();
        for s in &mut self.screenings {
            let year = statistical_year(s.screened_on);
            let kind = position(&ScreeningKind::ALL, &s.kind);
            s.repeat_in_year = seen_kind.insert((s.person, kind, year), ()).is_some();
            if !s.repeat_in_year {
                t.add(m::SCREENINGS + kind, &s.region, s.screened_on, 1);
                if s.result.needs_follow_up() {
                    t.add(m::ABNORMAL, &s.region, s.screened_on, 1);
                }
                if let Some(day) = s.follow_up_on {
                    t.add(m::FOLLOWED_UP, &s.region, day, 1);
                }
            }
            if seen_year.insert((s.person, year), ()).is_none() {
                t.add(m::WOMEN_SCREENED, &s.region, s.screened_on, 1);
            }
        }
        self.deltas = t.into_deltas();
        self.settled = true;
    }
}

/// What the writer is told: rows to add to the open part, or to commit the part with these
/// settings keys (and the roll-ups of all its chunks).
#[derive(Debug)]
pub enum Message {
    Chunk(Chunk),
    Commit(Vec<(String, String)>),
}

/// Writes what arrives on `rx` until the channel closes, one transaction per part; rows of a
/// part whose `Commit` never came are rolled back. `on_progress` hears the rows written so far
/// after each chunk. Returns the rows committed.
pub async fn write(db: &Db, rx: Receiver<Message>, on_progress: impl Fn(Counts) + Send + Sync + 'static) -> Result<Counts> {
    match db.backend() {
        Backend::Sqlite => {
            let path = db.sqlite_path().ok_or_else(|| StoreError::Other("SQLite 数据库没有文件路径".into()))?.to_owned();
            tokio::task::spawn_blocking(move || write_sqlite(&path, rx, &on_progress))
                .await
                .map_err(|e| StoreError::Other(format!("写入线程异常：{e}")))?
        }
        Backend::Postgres => write_postgres(db, rx, &on_progress).await,
    }
}

fn day(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn write_sqlite(path: &std::path::Path, mut rx: Receiver<Message>, on_progress: &dyn Fn(Counts)) -> Result<Counts> {
    use rusqlite::params;
    let conn = rusqlite::Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(60))?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // A large page cache for the random-order blind-index and name indexes (DESIGN.md §8).
    conn.pragma_update(None, "cache_size", "-524288")?;
    let mut open = false;
    let (mut written, mut committed) = (Counts::default(), Counts::default());
    let mut deltas = Deltas::new();
    let outcome = (|| -> Result<()> {
        while let Some(message) = rx.blocking_recv() {
            if !open {
                conn.execute_batch("BEGIN IMMEDIATE")?;
                open = true;
            }
            match message {
                Message::Chunk(mut chunk) => {
                    chunk.settle();
                    insert_people_sqlite(&conn, &chunk.people)?;
                    let mut st = conn.prepare_cached(
                        "INSERT INTO care_cases (id, person, region, risk, interval_days, opened_on, last_visit_on, next_due, closed_on, close_reason, opened_by, created_at, updated_at) \
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, NULL, ?11, ?12)",
                    )?;
                    for c in &chunk.cases {
                        st.execute(params![
                            c.id,
                            c.person,
                            c.region.padded(),
                            c.risk.code(),
                            c.interval_days,
                            day(c.opened_on),
                            c.last_visit_on.map(day),
                            day(c.next_due),
                            c.closed_on.map(day),
                            c.close_reason,
                            c.created_at,
                            c.updated_at
                        ])?;
                    }
                    let mut st = conn.prepare_cached(
                        "INSERT INTO visits (id, care_case, person, region, visited_on, visitor_account, visitor_name, findings, needs, created_at) \
                         VALUES (?1, ?2, ?3, ?4, ?5, NULL, ?6, ?7, ?8, ?9)",
                    )?;
                    for v in &chunk.visits {
                        st.execute(params![
                            v.id,
                            v.care_case,
                            v.person,
                            v.region.padded(),
                            day(v.visited_on),
                            v.visitor_name,
                            v.findings,
                            v.needs,
                            v.created_at
                        ])?;
                    }
                    let mut st = conn.prepare_cached(
                        "INSERT INTO screenings (id, person, region, kind, screened_on, stat_year, site, result, repeat_in_year, follow_up_on, diagnosis, created_by, created_at, updated_at) \
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, NULL, ?12, ?13)",
                    )?;
                    for s in &chunk.screenings {
                        st.execute(params![
                            s.id,
                            s.person,
                            s.region.padded(),
                            s.kind.code(),
                            day(s.screened_on),
                            statistical_year(s.screened_on) as i64,
                            s.site,
                            s.result.code(),
                            s.repeat_in_year,
                            s.follow_up_on.map(day),
                            s.diagnosis,
                            s.created_at,
                            s.updated_at
                        ])?;
                    }
                    let mut st = conn.prepare_cached(
                        "INSERT INTO activity_attendance (activity, person, region, confirmed_by, confirmed_at) VALUES (?1, ?2, ?3, NULL, ?4)",
                    )?;
                    for a in &chunk.attendance {
                        st.execute(params![a.activity, a.person, a.region.padded(), a.confirmed_at])?;
                    }
                    written.add(Counts::of(&chunk));
                    deltas.merge(std::mem::take(&mut chunk.deltas));
                    on_progress(written);
                }
                Message::Commit(settings) => {
                    std::mem::take(&mut deltas).write_sqlite(&conn)?;
                    let mut st = conn.prepare_cached(
                        "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    )?;
                    for (key, value) in &settings {
                        st.execute(params![key, value])?;
                    }
                    conn.execute_batch("COMMIT")?;
                    open = false;
                    committed = written;
                }
            }
        }
        Ok(())
    })();
    if open {
        // The part never got its Commit (the sender stopped, or a write failed): nothing of it stays.
        let _ = conn.execute_batch("ROLLBACK");
    }
    outcome.map(|()| committed)
}

/// COPY text format: backslash, tab and line breaks escaped.
pub(crate) fn esc(out: &mut String, s: &str) {
    if !s.contains(['\\', '\t', '\n', '\r']) {
        out.push_str(s);
        return;
    }
    for ch in s.chars() {
        match ch {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
}

pub(crate) fn opt(out: &mut String, s: Option<&str>) {
    match s {
        Some(s) => esc(out, s),
        None => out.push_str("\\N"),
    }
}

fn opt_day(out: &mut String, d: Option<NaiveDate>) {
    match d {
        Some(d) => {
            let _ = write!(out, "{d}");
        }
        None => out.push_str("\\N"),
    }
}

/// Sends one table's rows with COPY, in pieces of about a megabyte.
pub(crate) async fn copy_rows<T>(
    conn: &mut sqlx::PgConnection,
    table: &str,
    rows: &[T],
    line: impl Fn(&mut String, &T),
) -> std::result::Result<(), sqlx::Error> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut copy = conn.copy_in_raw(&format!("COPY {table} FROM STDIN WITH (FORMAT text)")).await?;
    let mut buf = String::with_capacity(1 << 20);
    for r in rows {
        line(&mut buf, r);
        buf.push('\n');
        if buf.len() > (1 << 20) - 4096 {
            copy.send(std::mem::take(&mut buf).into_bytes()).await?;
            buf.reserve(1 << 20);
        }
    }
    if !buf.is_empty() {
        copy.send(buf.into_bytes()).await?;
    }
    copy.finish().await?;
    Ok(())
}

async fn write_chunk_postgres(conn: &mut sqlx::PgConnection, chunk: &Chunk) -> std::result::Result<(), sqlx::Error> {
    copy_people(conn, &chunk.people).await?;
    copy_rows(
        conn,
        "care_cases (id, person, region, risk, interval_days, opened_on, last_visit_on, next_due, closed_on, close_reason, created_at, updated_at)",
        &chunk.cases,
        |b, c| {
            let _ = write!(b, "{}\t{}\t{}\t{}\t{}\t{}\t", c.id, c.person, c.region.padded(), c.risk.code(), c.interval_days, c.opened_on);
            opt_day(b, c.last_visit_on);
            let _ = write!(b, "\t{}\t", c.next_due);
            opt_day(b, c.closed_on);
            b.push('\t');
            esc(b, &c.close_reason);
            let _ = write!(b, "\t{}\t{}", c.created_at, c.updated_at);
        },
    )
    .await?;
    copy_rows(
        conn,
        "visits (id, care_case, person, region, visited_on, visitor_name, findings, needs, created_at)",
        &chunk.visits,
        |b, v| {
            let _ = write!(b, "{}\t{}\t{}\t{}\t{}\t", v.id, v.care_case, v.person, v.region.padded(), v.visited_on);
            esc(b, &v.visitor_name);
            b.push('\t');
            esc(b, &v.findings);
            b.push('\t');
            esc(b, &v.needs);
            let _ = write!(b, "\t{}", v.created_at);
        },
    )
    .await?;
    copy_rows(
        conn,
        "screenings (id, person, region, kind, screened_on, stat_year, site, result, repeat_in_year, follow_up_on, diagnosis, created_at, updated_at)",
        &chunk.screenings,
        |b, s| {
            let _ = write!(
                b,
                "{}\t{}\t{}\t{}\t{}\t{}\t",
                s.id,
                s.person,
                s.region.padded(),
                s.kind.code(),
                s.screened_on,
                statistical_year(s.screened_on)
            );
            esc(b, &s.site);
            let _ = write!(b, "\t{}\t{}\t", s.result.code(), if s.repeat_in_year { 't' } else { 'f' });
            opt_day(b, s.follow_up_on);
            b.push('\t');
            esc(b, &s.diagnosis);
            let _ = write!(b, "\t{}\t{}", s.created_at, s.updated_at);
        },
    )
    .await?;
    copy_rows(conn, "activity_attendance (activity, person, region, confirmed_at)", &chunk.attendance, |b, a| {
        let _ = write!(b, "{}\t{}\t{}\t{}", a.activity, a.person, a.region.padded(), a.confirmed_at);
    })
    .await?;
    Ok(())
}

/// Roll-ups on the PostgreSQL bulk path: COPY into a temporary table, then one upsert in key
/// order.
pub(crate) async fn write_rollups_postgres(t: &mut sqlx::PgConnection, deltas: Deltas) -> std::result::Result<(), sqlx::Error> {
    sqlx::query("CREATE TEMP TABLE rollups_in (metric TEXT, region TEXT, tier BIGINT, bucket BIGINT, value BIGINT) ON COMMIT DROP")
        .execute(&mut *t)
        .await?;
    let rows = deltas.into_sorted_rows();
    copy_rows(t, "rollups_in (metric, region, tier, bucket, value)", &rows, |b, (m, r, tier, bucket, v)| {
        let _ = write!(b, "{m}\t{r}\t{tier}\t{bucket}\t{v}");
    })
    .await?;
    sqlx::query(
        "INSERT INTO rollups (metric, region, tier, bucket, value) SELECT metric, region, tier, bucket, value FROM rollups_in \
         ORDER BY metric, region, tier, bucket \
         ON CONFLICT (metric, region, tier, bucket) DO UPDATE SET value = rollups.value + excluded.value",
    )
    .execute(&mut *t)
    .await?;
    Ok(())
}

async fn write_postgres(db: &Db, mut rx: Receiver<Message>, on_progress: &(dyn Fn(Counts) + Send + Sync)) -> Result<Counts> {
    let pool = db.postgres_pool().ok_or_else(|| StoreError::Other("不是 PostgreSQL 连接".into()))?;
    let (mut written, mut committed) = (Counts::default(), Counts::default());
    let mut deltas = Deltas::new();
    let mut tx: Option<sqlx::Transaction<'static, sqlx::Postgres>> = None;
    while let Some(message) = rx.recv().await {
        let t = match tx.as_mut() {
            Some(t) => t,
            None => tx.insert(pool.begin().await?),
        };
        match message {
            Message::Chunk(mut chunk) => {
                chunk.settle();
                write_chunk_postgres(t, &chunk).await?;
                written.add(Counts::of(&chunk));
                deltas.merge(std::mem::take(&mut chunk.deltas));
                on_progress(written);
            }
            Message::Commit(settings) => {
                write_rollups_postgres(t, std::mem::take(&mut deltas)).await?;
                for (key, value) in &settings {
                    sqlx::query("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
                        .bind(key)
                        .bind(value)
                        .execute(&mut **t)
                        .await?;
                }
                if let Some(t) = tx.take() {
                    t.commit().await?;
                }
                committed = written;
            }
        }
    }
    // A part without its Commit is dropped (rolled back) with `tx`.
    Ok(committed)
}

/// An activity as a bulk job needs it to confirm attendance.
#[derive(Debug, Clone)]
pub struct ActivitySlot {
    pub id: i64,
    pub region: RegionCode,
    pub held_on: NaiveDate,
    pub participants: i64,
}

/// The activities held in `scope`'s subtree, by region and day.
pub async fn activities_in<C: ConnectionTrait>(c: &C, scope: &Scope) -> Result<Vec<ActivitySlot>> {
    let (low, high) = scope.bounds();
    let rows = sql::all(
        c,
        "SELECT id, region, held_on, participants FROM activities WHERE region BETWEEN ? AND ? ORDER BY region, held_on, id",
        vals![low, high],
    )
    .await?;
    rows.iter()
        .map(|r| {
            Ok(ActivitySlot {
                id: sql::get(r, "id")?,
                region: region_of_row(r, "region")?,
                held_on: sql::get(r, "held_on")?,
                participants: sql::get(r, "participants")?,
            })
        })
        .collect()
}
