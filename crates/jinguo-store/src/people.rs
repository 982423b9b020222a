//! The register of people. Sealed fields arrive sealed (the app layer holds the keys); this
//! module stores them, finds people by blind index, and keeps the roll-ups of who is registered
//! and in which categories. Every read takes a [`Scope`].

use chrono::{Datelike, NaiveDate};
use jinguo_domain::RegionCode;
use jinguo_domain::insight::metric;
use jinguo_domain::people::{PersonCategory, Sex};
use sea_orm::{ConnectionTrait, Value};
use serde::Serialize;

use std::collections::HashMap;

use crate::audit::AuditEntry;
use crate::ids::next_id;
use crate::org::federations::{parse_cursor, region_of_row};
use crate::rollup::Deltas;
use crate::{Backend, Db, Page, Result, Scope, StoreError, Work, inline, sql, vals};

/// A person as stored: sealed fields stay sealed.
#[derive(Debug, Clone, Serialize)]
pub struct PersonRow {
    pub id: i64,
    pub region: RegionCode,
    pub region_name: String,
    pub name: String,
    #[serde(skip)]
    pub id_cipher: String,
    #[serde(skip)]
    pub phone_cipher: Option<String>,
    #[serde(skip)]
    pub address_cipher: Option<String>,
    pub birth_date: NaiveDate,
    pub sex: String,
    pub categories: Vec<PersonCategory>,
    pub created_at: i64,
}

#[derive(Debug, Clone)]
pub struct NewPerson {
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
    pub created_by: Option<i64>,
}

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub category: Option<PersonCategory>,
    /// Part of the name.
    pub name: Option<String>,
    /// Exact match on the ID number's blind index.
    pub id_index: Option<String>,
    /// Exact match on the phone's blind index.
    pub phone_index: Option<String>,
}

const SELECT: &str = "SELECT p.id, p.region, r.name AS region_name, p.name, p.id_cipher, p.phone_cipher, p.address_cipher, \
     p.birth_date, p.sex, p.created_at FROM people p JOIN regions r ON r.code = p.region";

fn from_row(row: &impl sql::Row) -> Result<PersonRow> {
    Ok(PersonRow {
        id: sql::get(row, "id")?,
        region: region_of_row(row, "region")?,
        region_name: sql::get(row, "region_name")?,
        name: sql::get(row, "name")?,
        id_cipher: sql::get(row, "id_cipher")?,
        phone_cipher: sql::get(row, "phone_cipher")?,
        address_cipher: sql::get(row, "address_cipher")?,
        birth_date: sql::get(row, "birth_date")?,
        sex: sql::get(row, "sex")?,
        categories: Vec::new(),
        created_at: sql::get(row, "created_at")?,
    })
}

/// The query of the categories of `people`, one row per person and category.
fn categories_query(people: &[PersonRow]) -> (String, Vec<Value>) {
    let marks = vec!["?"; people.len()].join(", ");
    let values = people.iter().map(|p| p.id.into()).collect();
    (format!("SELECT person, category FROM person_categories WHERE person IN ({marks})"), values)
}

fn category_of_row(row: &impl sql::Row) -> Result<(i64, String)> {
    Ok((sql::get(row, "person")?, sql::get(row, "category")?))
}

/// Gives each person her categories, in the order of [`PersonCategory::ALL`].
fn attach_categories(people: &mut [PersonRow], found: Vec<(i64, String)>) {
    for (person, code) in found {
        if let (Some(p), Ok(cat)) = (people.iter_mut().find(|p| p.id == person), PersonCategory::parse(&code)) {
            p.categories.push(cat);
        }
    }
    for p in people {
        p.categories.sort_by_key(|c| PersonCategory::ALL.iter().position(|x| x == c));
    }
}

/// Fills in the categories of the given people with one query.
async fn with_categories<C: ConnectionTrait>(c: &C, mut people: Vec<PersonRow>) -> Result<Vec<PersonRow>> {
    if people.is_empty() {
        return Ok(people);
    }
    let (query, values) = categories_query(&people);
    let found = sql::all(c, &query, values).await?.iter().map(category_of_row).collect::<Result<Vec<_>>>()?;
    attach_categories(&mut people, found);
    Ok(people)
}

/// [`with_categories`] on an inline reader.
fn with_categories_inline(c: &rusqlite::Connection, mut people: Vec<PersonRow>) -> Result<Vec<PersonRow>> {
    if people.is_empty() {
        return Ok(people);
    }
    let (query, values) = categories_query(&people);
    let found = inline::all(c, &query, &values, |r| category_of_row(r))?;
    attach_categories(&mut people, found);
    Ok(people)
}

/// One person in scope, with her categories: a read by key, so on SQLite it runs inline
/// (ADR 0016).
pub async fn get(db: &Db, scope: &Scope, id: i64) -> Result<Option<PersonRow>> {
    let (low, high) = scope.bounds();
    let query = format!("{SELECT} WHERE p.id = ? AND p.region BETWEEN ? AND ?");
    let values = vals![id, low, high];
    if let Some(read) = db.read_inline(|c| with_categories_inline(c, inline::all(c, &query, &values, |r| from_row(r))?)) {
        return read.map(|mut people| people.pop());
    }
    let people = sql::all(db.reader(), &query, values).await?.iter().map(from_row).collect::<Result<Vec<_>>>()?;
    Ok(with_categories(db.reader(), people).await?.pop())
}

/// The people of `ids` within `scope`, with their categories (any order; those outside scope
/// or absent are left out).
pub async fn get_many<C: ConnectionTrait>(c: &C, scope: &Scope, ids: &[i64]) -> Result<Vec<PersonRow>> {
    let (low, high) = scope.bounds();
    let mut found = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(BATCH) {
        let marks = vec!["?"; chunk.len()].join(", ");
        let mut values: Vec<Value> = vals![low.clone(), high.clone()];
        values.extend(chunk.iter().map(|i| Value::from(*i)));
        let rows = sql::all(c, &format!("{SELECT} WHERE p.region BETWEEN ? AND ? AND p.id IN ({marks})"), values).await?;
        let people = rows.iter().map(from_row).collect::<Result<Vec<_>>>()?;
        found.extend(with_categories(c, people).await?);
    }
    Ok(found)
}

/// Who holds this ID number, whatever the caller's scope: for deduplication only (the caller
/// learns the id and region and decides what to reveal).
pub async fn find_by_id_index<C: ConnectionTrait>(c: &C, index: &str) -> Result<Option<(i64, RegionCode)>> {
    let row = sql::one(c, "SELECT id, region FROM people WHERE id_index = ?", vals![index.to_owned()]).await?;
    row.map(|r| Ok((sql::get(&r, "id")?, region_of_row(&r, "region")?))).transpose()
}

/// The two statements of a page of the register: the total in scope and the page's rows.
struct ListQuery {
    count: (String, Vec<Value>),
    rows: (String, Vec<Value>),
    limit: usize,
    /// Bounded by a village's size or by an exact index: fit to run inline (ADR 0016).
    bounded: bool,
}

impl ListQuery {
    fn new(scope: &Scope, filter: &Filter, after: Option<&str>, limit: u64) -> ListQuery {
        let (low, high) = scope.bounds();
        let mut cond = String::from(" WHERE p.region BETWEEN ? AND ?");
        let mut values: Vec<Value> = vals![low, high];
        if let Some(cat) = filter.category {
            cond.push_str(" AND EXISTS (SELECT 1 FROM person_categories pc WHERE pc.person = p.id AND pc.category = ?)");
            values.push(cat.code().into());
        }
        // Whether only the region and category narrow the list: then its total is a roll-up.
        let mut narrowed = false;
        if let Some(q) = filter.name.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
            cond.push_str(" AND p.name LIKE ? ESCAPE '\\'");
            values.push(format!("%{}%", sql::like_literal(q)).into());
            narrowed = true;
        }
        if let Some(i) = &filter.id_index {
            cond.push_str(" AND p.id_index = ?");
            values.push(i.clone().into());
            narrowed = true;
        }
        if let Some(i) = &filter.phone_index {
            cond.push_str(" AND p.phone_index = ?");
            values.push(i.clone().into());
            narrowed = true;
        }
        // People are never removed from the register, nor moved, nor their categories taken
        // back, so the people of a region (of a category) are the sum of its registrations: a
        // few roll-up rows instead of counting thousands (millions, for a city) of index
        // entries. The roll-ups are written in the same transaction as the people.
        let count = match scope.root() {
            Some(root) if !narrowed => {
                let metric = filter.category.map_or_else(|| metric::PEOPLE_REGISTERED.to_owned(), metric::people_of_category);
                crate::rollup::stock_now(&metric, root)
            }
            _ => (format!("SELECT COUNT(*) FROM people p{cond}"), values.clone()),
        };
        if let Some((region, id)) = after.and_then(parse_cursor) {
            cond.push_str(" AND (p.region > ? OR (p.region = ? AND p.id > ?))");
            values.extend([region.clone().into(), region.into(), id.into()]);
        }
        values.push((limit as i64 + 1).into());
        let bounded = scope.is_village() || filter.id_index.is_some() || filter.phone_index.is_some();
        ListQuery { count, rows: (format!("{SELECT}{cond} ORDER BY p.region, p.id LIMIT ?"), values), limit: limit as usize, bounded }
    }

    /// The page from the total and the rows read (one more than the page holds, if there are more).
    fn page(&self, total: i64, mut items: Vec<PersonRow>) -> Page<PersonRow> {
        let next = if items.len() > self.limit {
            items.truncate(self.limit);
            items.last().map(|p| format!("{}.{}", p.region.padded(), p.id))
        } else {
            None
        };
        Page { items, total, next }
    }

    async fn read_pooled<C: ConnectionTrait>(&self, c: &C) -> Result<Page<PersonRow>> {
        let total: i64 = sql::scalar(c, &self.count.0, self.count.1.clone()).await?;
        let rows = sql::all(c, &self.rows.0, self.rows.1.clone()).await?;
        let page = self.page(total, rows.iter().map(from_row).collect::<Result<Vec<_>>>()?);
        Ok(Page { items: with_categories(c, page.items).await?, ..page })
    }

    fn read_inline(&self, c: &rusqlite::Connection) -> Result<Page<PersonRow>> {
        let total: i64 = inline::scalar(c, &self.count.0, &self.count.1)?;
        let page = self.page(total, inline::all(c, &self.rows.0, &self.rows.1, |r| from_row(r))?);
        Ok(Page { items: with_categories_inline(c, page.items)?, ..page })
    }
}

/// A page of the register in scope, in region and id order, with the total. A village's page
/// (or a search by an exact ID number or phone) runs inline on SQLite (ADR 0016).
pub async fn list(db: &Db, scope: &Scope, filter: &Filter, after: Option<&str>, limit: u64) -> Result<Page<PersonRow>> {
    let query = ListQuery::new(scope, filter, after, limit);
    if query.bounded
        && let Some(read) = db.read_inline(|c| query.read_inline(c))
    {
        return read;
    }
    query.read_pooled(db.reader()).await
}

/// Registers a person, counted as registered on `day` (and in each category).
pub async fn insert(w: &mut Work, new: &NewPerson, day: NaiveDate, now_ms: i64) -> Result<i64> {
    let id = next_id();
    sql::write(
        &w.tx,
        "INSERT INTO people (id, region, name, id_cipher, id_index, phone_cipher, phone_index, address_cipher, birth_date, sex, created_by, created_at, updated_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        vals![
            id,
            new.region.padded(),
            new.name.clone(),
            new.id_cipher.clone(),
            new.id_index.clone(),
            new.phone_cipher.clone(),
            new.phone_index.clone(),
            new.address_cipher.clone(),
            new.birth_date,
            new.sex,
            new.created_by,
            now_ms,
            now_ms
        ],
        "该身份证号码已登记",
    )
    .await?;
    for cat in &new.categories {
        sql::exec(
            &w.tx,
            "INSERT INTO person_categories (person, category, region) VALUES (?, ?, ?)",
            vals![id, cat.code(), new.region.padded()],
        )
        .await?;
        w.deltas.add(&metric::people_of_category(*cat), &new.region, day, 1);
    }
    w.deltas.add(metric::PEOPLE_REGISTERED, &new.region, day, 1);
    if new.sex == Sex::Female.code() {
        w.deltas.add_monthly(metric::WOMEN_BY_BIRTH_MONTH, &new.region, new.birth_date, 1);
    }
    Ok(id)
}

/// Blind indexes looked up per query by [`taken`].
const BATCH: usize = 400;

/// What an import sends its writer ([`insert_stream`]): people to register, then the word to
/// commit. A stream that ends without [`Batch::Commit`] writes nothing.
#[derive(Debug)]
pub enum Batch {
    People(Vec<NewPerson>),
    /// Commit, with the import's audit entry, if exactly `people` people arrived.
    Commit {
        audit: AuditEntry,
        people: usize,
    },
}

/// Registers the people arriving on `batches` (an import: they were checked and sealed
/// already) in one transaction with their roll-ups and the audit entry, or none of them: the
/// transaction rolls back unless the stream ends with [`Batch::Commit`] and its count of people
/// is the count that arrived. `expected` is how many people the import may hold (an estimate:
/// it sizes the writer's cache and decides whether indexes are built after the load). SQLite
/// goes through a connection of its own with prepared statements, PostgreSQL through `COPY`
/// (the bulk paths of ADR 0003).
pub async fn insert_stream(
    db: &Db,
    batches: tokio::sync::mpsc::Receiver<Batch>,
    expected: usize,
    day: NaiveDate,
    now_ms: i64,
) -> Result<usize> {
    match db.backend() {
        Backend::Sqlite => {
            let path = db.sqlite_path().ok_or_else(|| StoreError::Other("SQLite 数据库没有文件路径".into()))?.to_owned();
            tokio::task::spawn_blocking(move || insert_stream_sqlite(&path, batches, expected, day, now_ms))
                .await
                .map_err(|e| StoreError::Other(format!("导入线程异常：{e}")))?
        }
        Backend::Postgres => insert_stream_postgres(db, batches, day, now_ms).await,
    }
}

/// The audit entry of a stream that ended with its commit, or why it may not commit.
fn committed(commit: Option<(AuditEntry, usize)>, written: usize) -> Result<AuditEntry> {
    match commit {
        Some((audit, people)) if people == written => Ok(audit),
        Some((_, people)) => Err(StoreError::Other(format!("导入中断：应写入 {people} 行，只收到 {written} 行"))),
        None => Err(StoreError::Other(format!("导入中断：已收到 {written} 行，未确认提交，全部撤销"))),
    }
}

/// Imported people as the bulk writers take them: new ids, registered `day`, created now.
fn as_bulk(batch: Vec<NewPerson>, day: NaiveDate, now_ms: i64) -> Vec<crate::bulk::BulkPerson> {
    batch
        .into_iter()
        .map(|p| crate::bulk::BulkPerson {
            id: next_id(),
            region: p.region,
            name: p.name,
            id_cipher: p.id_cipher,
            id_index: p.id_index,
            phone_cipher: p.phone_cipher,
            phone_index: p.phone_index,
            address_cipher: p.address_cipher,
            birth_date: p.birth_date,
            sex: p.sex,
            categories: p.categories,
            registered_on: day,
            created_by: p.created_by,
            created_at: now_ms,
        })
        .collect()
}

/// The register figures of an import counted per village (registered, then each category in
/// [`PersonCategory::ALL`] order), spread over the ancestors and tiers once, at the end.
/// Women are counted by (village, birth month) as well, for the birth-month roll-up.
#[derive(Default)]
struct Registered {
    /// Each village met, by its place in `codes` and `counts`.
    villages: HashMap<RegionCode, usize>,
    codes: Vec<RegionCode>,
    counts: Vec<[i64; 1 + PersonCategory::ALL.len()]>,
    /// Women by village and birth month.
    births: crate::rollup::MonthlyCounts,
}

impl Registered {
    fn add(&mut self, people: &[crate::bulk::BulkPerson]) {
        for p in people {
            let at = match self.villages.get(&p.region) {
                Some(at) => *at,
                None => {
                    self.villages.insert(p.region.clone(), self.codes.len());
                    self.codes.push(p.region.clone());
                    self.counts.push(Default::default());
                    self.codes.len() - 1
                }
            };
            let n = &mut self.counts[at];
            n[0] += 1;
            for cat in &p.categories {
                if let Some(i) = PersonCategory::ALL.iter().position(|c| c == cat) {
                    n[1 + i] += 1;
                }
            }
            if p.sex == Sex::Female.code() {
                self.births.add(at, p.birth_date.year(), p.birth_date.month());
            }
        }
    }

    /// The register counts as roll-up deltas on `day`, over every ancestor and tier, and the
    /// women by birth month as roll-up rows in key order (hundreds of thousands in a large
    /// import: the bulk writers take them as they are).
    fn spread(self, day: NaiveDate) -> (Deltas, Vec<crate::rollup::BucketRow>) {
        let mut deltas = Deltas::new();
        for (village, n) in self.codes.iter().zip(&self.counts) {
            deltas.add(metric::PEOPLE_REGISTERED, village, day, n[0]);
            for (cat, k) in PersonCategory::ALL.iter().zip(&n[1..]) {
                if *k != 0 {
                    deltas.add(&metric::people_of_category(*cat), village, day, *k);
                }
            }
        }
        let births = self.births.rows(&self.codes);
        (deltas, births)
    }
}

/// People per `COPY` on PostgreSQL.
const COPY_ROWS: usize = 50_000;

/// The PostgreSQL bulk path: `COPY` into the tables, the roll-ups through a temporary table, the
/// audit entry, one transaction.
async fn insert_stream_postgres(db: &Db, mut batches: tokio::sync::mpsc::Receiver<Batch>, day: NaiveDate, now_ms: i64) -> Result<usize> {
    use crate::bulk::copy_people;
    let pool = db.postgres_pool().ok_or_else(|| StoreError::Other("不是 PostgreSQL 连接".into()))?;
    let conflict = |e: sqlx::Error| match e.as_database_error().and_then(|d| d.code()) {
        Some(code) if code == "23505" => StoreError::Conflict("该身份证号码已登记".into()),
        _ => StoreError::from(e),
    };
    let mut tx = pool.begin().await?;
    let mut counts = Registered::default();
    let mut written = 0;
    let mut commit = None;
    while commit.is_none() {
        // Each COPY costs a round of its own (tens of milliseconds): send rows in large runs.
        let mut batch: Vec<NewPerson> = Vec::new();
        while batch.len() < COPY_ROWS {
            match batches.recv().await {
                Some(Batch::People(mut more)) => batch.append(&mut more),
                Some(Batch::Commit { audit, people }) => {
                    commit = Some((audit, people));
                    break;
                }
                None => break,
            }
        }
        if batch.is_empty() {
            break;
        }
        let people = as_bulk(batch, day, now_ms);
        copy_people(&mut tx, &people).await.map_err(conflict)?;
        counts.add(&people);
        written += people.len();
    }
    // Dropping the transaction on an error rolls it back.
    let audit = committed(commit, written)?;
    let (mut deltas, births) = counts.spread(day);
    deltas.add_rows(metric::WOMEN_BY_BIRTH_MONTH, births);
    crate::bulk::write_rollups_postgres(&mut tx, deltas).await?;
    crate::audit::append_postgres(&mut tx, vec![audit]).await?;
    tx.commit().await?;
    Ok(written)
}

/// Imports of at least this many people into a register smaller than the import load the
/// people tables without their secondary indexes and build those afterwards, in the same
/// transaction (SQLite's DDL is transactional): a sort and one pass instead of a random B-tree
/// insert per row and index.
const DEFER_INDEXES_AT: usize = 1_000;

/// The page cache (KiB) while the deferred indexes are built: also the size of the sorted runs
/// SQLite's sorter hands to its worker threads. Measured on 1,000,000 people: five indexes in
/// 3.9 s with 16 MB runs and two threads, 5.1 s with one in-memory sort.
const SORT_RUN_KIB: i64 = 16 * 1024;

/// Drops the secondary indexes of `people` and `person_categories` for a large import (see
/// [`DEFER_INDEXES_AT`]) and answers the statements that create them again, as the schema has
/// them; answers none for a small import or a large register.
fn deferred_indexes(tx: &rusqlite::Transaction<'_>, expected: usize) -> rusqlite::Result<Vec<String>> {
    if expected < DEFER_INDEXES_AT {
        return Ok(Vec::new());
    }
    // Counting stops at `expected`: no dearer than the import itself, whatever the register's size.
    let present: i64 = tx.query_row("SELECT COUNT(*) FROM (SELECT 1 FROM people LIMIT ?1)", [expected as i64], |r| r.get(0))?;
    if present as usize >= expected {
        return Ok(Vec::new());
    }
    let indexes: Vec<(String, String)> = tx
        .prepare(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('people', 'person_categories') \
             AND sql IS NOT NULL ORDER BY name",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (name, _) in &indexes {
        tx.execute_batch(&format!("DROP INDEX \"{name}\""))?;
    }
    Ok(indexes.into_iter().map(|(_, create)| create).collect())
}

fn insert_stream_sqlite(
    path: &std::path::Path,
    mut batches: tokio::sync::mpsc::Receiver<Batch>,
    expected: usize,
    day: NaiveDate,
    now_ms: i64,
) -> Result<usize> {
    let mut conn = rusqlite::Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(60))?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // No checkpoint inside the commit: see the end.
    conn.pragma_update(None, "wal_autocheckpoint", 0)?;
    // The two blind-index B-trees take random inserts: a page cache that holds them (about
    // 0.4 KB a person) keeps a big import off the disk; small imports stay small.
    let cache_kib = (expected as i64 / 2).clamp(16 * 1024, 512 * 1024);
    conn.pragma_update(None, "cache_size", -cache_kib)?;
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let rebuilt = deferred_indexes(&tx, expected)?;
    let conflict = |e: rusqlite::Error| match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::ConstraintViolation) => StoreError::Conflict("该身份证号码已登记".into()),
        _ => e.into(),
    };
    let mut counts = Registered::default();
    let mut written = 0;
    let mut commit = None;
    let started = std::time::Instant::now();
    while let Some(batch) = batches.blocking_recv() {
        match batch {
            Batch::People(batch) => {
                let people = as_bulk(batch, day, now_ms);
                crate::bulk::insert_people_sqlite(&tx, &people).map_err(conflict)?;
                counts.add(&people);
                written += people.len();
            }
            Batch::Commit { audit, people } => {
                commit = Some((audit, people));
                break;
            }
        }
    }
    // Dropping the transaction on an error rolls it back (the dropped indexes with it).
    let audit = committed(commit, written)?;
    let loaded = std::time::Instant::now();
    // The roll-ups are summed on another thread meanwhile.
    let spreading = std::thread::spawn(move || counts.spread(day));
    // The indexes dropped for the load, built again from the sorted rows; a blind index taken
    // twice fails here as it would have on insert, and the whole import rolls back. SQLite's
    // sorter hands runs of a bounded size to worker threads while it reads the table, so the
    // page cache is cut back to that size here and the sorts use the other cores.
    if !rebuilt.is_empty() {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get()).min(4);
        tx.pragma_update(None, "threads", cores as i64)?;
        tx.pragma_update(None, "cache_size", -SORT_RUN_KIB)?;
    }
    for create in &rebuilt {
        let started = std::time::Instant::now();
        tx.execute_batch(create).map_err(conflict)?;
        tracing::debug!(index = create.as_str(), ms = started.elapsed().as_millis() as u64, "index built");
    }
    let indexed = std::time::Instant::now();
    let (deltas, births) = spreading.join().map_err(|_| StoreError::Other("导入线程异常：汇总失败".into()))?;
    deltas.write_sqlite(&tx)?;
    crate::rollup::upsert_sqlite(&tx, births.iter().map(|r| (metric::WOMEN_BY_BIRTH_MONTH, r.region.as_str(), r.tier, r.bucket, r.value)))?;
    let rolled = std::time::Instant::now();
    crate::audit::append_sqlite(&tx, vec![audit])?;
    tx.commit()?;
    tracing::debug!(
        people = written,
        load_ms = (loaded - started).as_millis() as u64,
        indexes_ms = (indexed - loaded).as_millis() as u64,
        rollups_ms = (rolled - indexed).as_millis() as u64,
        commit_ms = rolled.elapsed().as_millis() as u64,
        "import written"
    );
    // Committed and durable (the WAL is synced). Copying the WAL into the database file is left
    // to a passive checkpoint on another thread, so the import answers without waiting for it
    // and the next ordinary write does not inherit it.
    std::thread::spawn(move || {
        if let Err(e) = conn.execute_batch("PRAGMA wal_checkpoint(PASSIVE)") {
            tracing::warn!(error = %e, "checkpoint after an import failed; SQLite will checkpoint later");
        }
    });
    Ok(written)
}

/// Which of these blind indexes are registered already, and where: (index, person, region).
/// PostgreSQL takes them as one array parameter (`= ANY($1)`); a list of hundreds of bound
/// values costs it tens of milliseconds a query.
pub async fn taken(db: &Db, indexes: &[String]) -> Result<Vec<(String, i64, RegionCode)>> {
    let mut found = Vec::new();
    if let Some(pool) = db.postgres_pool() {
        for chunk in indexes.chunks(TAKEN_CHUNK) {
            let rows: Vec<(String, i64, String)> =
                sqlx::query_as("SELECT id_index, id, region FROM people WHERE id_index = ANY($1)").bind(chunk).fetch_all(pool).await?;
            for (index, id, region) in rows {
                let region = RegionCode::parse(&region).map_err(|e| StoreError::Other(format!("区划代码有误 {region}：{e}")))?;
                found.push((index, id, region));
            }
        }
        return Ok(found);
    }
    // On SQLite an import asks for thousands of lists: read inline where a connection is free
    // (ADR 0016), through the pool otherwise.
    fn taken_of(r: &impl sql::Row) -> Result<(String, i64, RegionCode)> {
        Ok((sql::get(r, "id_index")?, sql::get(r, "id")?, region_of_row(r, "region")?))
    }
    for chunk in indexes.chunks(BATCH) {
        let marks = vec!["?"; chunk.len()].join(", ");
        let text = format!("SELECT id_index, id, region FROM people WHERE id_index IN ({marks})");
        let values: Vec<Value> = chunk.iter().map(|i| i.clone().into()).collect();
        match db.read_inline(|c| inline::all(c, &text, &values, |r| taken_of(r))) {
            Some(rows) => found.extend(rows?),
            None => {
                for r in sql::all(db.reader(), &text, values).await? {
                    found.push(taken_of(&r)?);
                }
            }
        }
    }
    Ok(found)
}

/// Blind indexes per array on PostgreSQL.
const TAKEN_CHUNK: usize = 5_000;

/// Raw count of people in `scope` (and in a category): the check on the roll-up.
pub async fn count<C: ConnectionTrait>(c: &C, scope: &Scope, category: Option<PersonCategory>) -> Result<i64> {
    let (low, high) = scope.bounds();
    match category {
        None => sql::scalar(c, "SELECT COUNT(*) FROM people WHERE region BETWEEN ? AND ?", vals![low, high]).await,
        Some(cat) => {
            sql::scalar(
                c,
                "SELECT COUNT(*) FROM person_categories WHERE category = ? AND region BETWEEN ? AND ?",
                vals![cat.code(), low, high],
            )
            .await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::Outcome;
    use crate::org::regions;
    use crate::testing::databases;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn person(i: usize, index: &str) -> NewPerson {
        NewPerson {
            region: RegionCode::parse(if i.is_multiple_of(2) { "420502001001" } else { "420502001002" }).unwrap(),
            name: format!("测试{i}"),
            id_cipher: format!("sealed-{i}"),
            id_index: index.to_owned(),
            phone_cipher: None,
            phone_index: Some(format!("phone-{}", i % 7)),
            address_cipher: None,
            birth_date: d("1980-01-01"),
            sex: "female",
            categories: if i.is_multiple_of(3) { vec![PersonCategory::ALL[0]] } else { vec![] },
            created_by: None,
        }
    }

    fn entry() -> AuditEntry {
        AuditEntry {
            at_ms: 1,
            account: None,
            username: "tester".into(),
            ip: "127.0.0.1".into(),
            action: "people.import".into(),
            outcome: Outcome::Ok,
            object_kind: "sheet".into(),
            object_id: String::new(),
            region: String::new(),
            detail: serde_json::json!({}),
        }
    }

    /// Streams `people` through [`insert_stream`] in batches of 500, then the commit.
    async fn import(db: &Db, people: Vec<NewPerson>) -> Result<usize> {
        let (tx, rx) = tokio::sync::mpsc::channel(4);
        let expected = people.len();
        let sender = tokio::spawn(async move {
            let mut people = people;
            while !people.is_empty() {
                let rest = people.split_off(people.len().min(500));
                if tx.send(Batch::People(std::mem::replace(&mut people, rest))).await.is_err() {
                    return;
                }
            }
            let _ = tx.send(Batch::Commit { audit: entry(), people: expected }).await;
        });
        let written = insert_stream(db, rx, expected, d("2026-01-02"), 1).await;
        sender.await.unwrap();
        written
    }

    #[tokio::test]
    async fn an_import_that_repeats_a_registered_id_number_writes_nothing_large_or_small() {
        for t in databases().await {
            let mut all = HashMap::new();
            for (c, name) in [("42", "湖北省"), ("4205", "宜昌市"), ("420502", "西陵区"), ("420502001", "西陵街道")]
                .into_iter()
                .chain([("420502001001", "土街头社区"), ("420502001002", "樵湖岭社区")])
            {
                let rc = RegionCode::parse(c).unwrap();
                all.insert(rc.padded(), (name.to_owned(), rc.level().rank()));
            }
            regions::write_bulk(&t.db, regions::with_counts(&all), |_| {}).await.unwrap();
            let everyone = Scope::everything();
            assert_eq!(import(&t.db, vec![person(0, "taken")]).await.unwrap(), 1, "{}", t.engine);

            // A large import into a small register (its indexes are built after the load) and a
            // small one: the repeated blind index refuses both whole.
            for n in [1_500, 3] {
                let mut people: Vec<NewPerson> = (1..n).map(|i| person(i, &format!("index-{n}-{i}"))).collect();
                people.insert(n / 2, person(n, "taken"));
                let e = import(&t.db, people).await.unwrap_err();
                assert!(matches!(e, StoreError::Conflict(_)), "{} {n}: {e:?}", t.engine);
                assert_eq!(count(t.db.reader(), &everyone, None).await.unwrap(), 1, "{} {n}", t.engine);
            }

            // A stream that stops without its commit (the import found a bad row late) writes
            // nothing, large or small, and leaves the indexes as they were.
            for n in [1_500, 3] {
                let (tx, rx) = tokio::sync::mpsc::channel(4);
                let people: Vec<NewPerson> = (1..=n).map(|i| person(i, &format!("unsent-{n}-{i}"))).collect();
                tx.send(Batch::People(people)).await.unwrap();
                drop(tx);
                let e = insert_stream(&t.db, rx, n, d("2026-01-02"), 1).await.unwrap_err();
                assert!(e.to_string().contains("未确认提交"), "{} {n}: {e}", t.engine);
                assert_eq!(count(t.db.reader(), &everyone, None).await.unwrap(), 1, "{} {n}", t.engine);
            }

            // A large import that repeats nothing lands whole, with its figures; afterwards the
            // register still refuses a repeated ID number and finds people by blind index.
            let people: Vec<NewPerson> = (1..=1_500).map(|i| person(i, &format!("index-{i}"))).collect();
            assert_eq!(import(&t.db, people).await.unwrap(), 1_500, "{}", t.engine);
            assert_eq!(count(t.db.reader(), &everyone, None).await.unwrap(), 1_501, "{}", t.engine);
            assert_eq!(count(t.db.reader(), &everyone, Some(PersonCategory::ALL[0])).await.unwrap(), 501, "{}", t.engine);
            let figure: i64 = sql::scalar(
                t.db.reader(),
                "SELECT CAST(COALESCE(SUM(value), 0) AS BIGINT) FROM rollups WHERE metric = ? AND region = ? AND tier = ?",
                vals![metric::PEOPLE_REGISTERED, "420500000000", 0i64], // tier 0: years
            )
            .await
            .unwrap();
            assert_eq!(figure, 1_501, "{}", t.engine);
            let found = find_by_id_index(t.db.reader(), "index-700").await.unwrap();
            assert_eq!(found.map(|(_, r)| r.padded()), Some("420502001001".to_owned()), "{}", t.engine);
            let e = import(&t.db, vec![person(9, "index-1200")]).await.unwrap_err();
            assert!(matches!(e, StoreError::Conflict(_)), "{}: {e:?}", t.engine);
            let phone =
                list(&t.db, &everyone, &Filter { phone_index: Some("phone-3".into()), ..Filter::default() }, None, 10).await.unwrap();
            assert_eq!(phone.total, 214, "{}", t.engine);
            check_inline_reads(&t.db, t.engine).await;
            t.finish().await;
        }
    }

    /// On SQLite a village's pages and a search by phone are read inline (ADR 0016): they must
    /// equal the pool's reading of the same statements, page after page; and every list's total
    /// (from the roll-ups when only region and category narrow it) equals the people it pages
    /// through, for a village (inline) and for the city (the pool).
    async fn check_inline_reads(db: &Db, engine: &str) {
        let village = Scope::region(RegionCode::parse("420502001001").unwrap());
        let city = Scope::region(RegionCode::parse("4205").unwrap());
        let filters = [
            Filter::default(),
            Filter { category: Some(PersonCategory::ALL[0]), ..Filter::default() },
            Filter { name: Some("5".into()), ..Filter::default() },
            Filter { phone_index: Some("phone-3".into()), ..Filter::default() },
        ];
        for filter in &filters {
            let mut after: Option<String> = None;
            let mut seen = 0;
            loop {
                let query = ListQuery::new(&village, filter, after.as_deref(), 200);
                assert!(query.bounded, "{engine}: a village's list is bounded");
                let pooled = query.read_pooled(db.reader()).await.unwrap();
                match db.read_inline(|c| query.read_inline(c)) {
                    Some(inline) => {
                        assert_eq!(format!("{:?}", inline.unwrap()), format!("{pooled:?}"), "{engine} {filter:?} after {after:?}")
                    }
                    None => assert_eq!(engine, "postgres", "SQLite has inline readers"),
                }
                assert!(pooled.total > 0 && !pooled.items.is_empty(), "{engine} {filter:?}");
                let got = get(db, &village, pooled.items[0].id).await.unwrap().expect("in scope");
                assert_eq!(format!("{got:?}"), format!("{:?}", pooled.items[0]), "{engine}");
                seen += pooled.items.len() as i64;
                match pooled.next {
                    Some(n) => after = Some(n),
                    None => {
                        assert_eq!(seen, pooled.total, "{engine} {filter:?}: the village's total is the people listed");
                        break;
                    }
                }
            }
            let (mut after, mut seen) = (None::<String>, 0);
            loop {
                let page = list(db, &city, filter, after.as_deref(), 500).await.unwrap();
                seen += page.items.len() as i64;
                match page.next {
                    Some(n) => after = Some(n),
                    None => {
                        assert_eq!(seen, page.total, "{engine} {filter:?}: the city's total is the people listed");
                        break;
                    }
                }
            }
        }
        if engine == "postgres" {
            println!("{engine}: no inline readers (SQLite only); the pool's pages checked alone");
        }
    }

    /// The fast count of women aged 35–64 equals the scan, on days at and inside month ends.
    async fn check_eligible(t: &crate::testing::TestDb, label: &str) {
        let c = t.db.reader();
        let days = ["2020-01-01", "2020-02-29", "2021-03-15", "2021-03-31", "2023-06-30", "2024-12-31", "2025-07-17", "2026-11-29"];
        for day in days.map(d) {
            for region in ["4205", "420502001002"].map(|r| RegionCode::parse(r).unwrap()) {
                let fast = crate::health::eligible_women(c, &region, day).await.unwrap();
                let scan = crate::health::eligible_women_scan(c, &Scope::region(region.clone()), day).await.unwrap();
                assert_eq!(fast, scan, "{} {label}: {region} on {day}", t.engine);
                assert!(scan > 100, "{} {label}: {region} on {day}: {scan}", t.engine);
            }
        }
    }

    #[tokio::test]
    async fn women_aged_35_to_64_from_the_birth_month_rollup_equal_the_register_count() {
        for t in databases().await {
            let mut all = HashMap::new();
            for (c, name) in [("42", "湖北省"), ("4205", "宜昌市"), ("420502", "西陵区"), ("420502001", "西陵街道")]
                .into_iter()
                .chain([("420502001001", "土街头社区"), ("420502001002", "樵湖岭社区")])
            {
                let rc = RegionCode::parse(c).unwrap();
                all.insert(rc.padded(), (name.to_owned(), rc.level().rank()));
            }
            regions::write_bulk(&t.db, regions::with_counts(&all), |_| {}).await.unwrap();
            // Births every 5 days from 1950 (women, with every fourth a man), half registered
            // one by one and half by a bulk import.
            let born = |i: usize| d("1950-01-01") + chrono::Days::new(5 * i as u64);
            let mut people: Vec<NewPerson> = (0..3_000)
                .map(|i| NewPerson { birth_date: born(i), sex: if i % 4 == 3 { "male" } else { "female" }, ..person(i, &format!("w{i}")) })
                .collect();
            let bulk = people.split_off(1_500);
            let mut w = Work::begin(&t.db).await.unwrap();
            for p in &people {
                insert(&mut w, p, d("2026-01-02"), 1).await.unwrap();
            }
            w.commit().await.unwrap();
            import(&t.db, bulk).await.unwrap();

            let city = RegionCode::parse("4205").unwrap();
            check_eligible(&t, "written by the writers").await;

            // A register from before the roll-up existed: migration 0016 fills it in the same.
            sql::exec(t.db.writer(), "DELETE FROM rollups WHERE metric = ?", vals![metric::WOMEN_BY_BIRTH_MONTH]).await.unwrap();
            assert_eq!(crate::health::eligible_women(t.db.reader(), &city, d("2000-01-01")).await.unwrap(), 0, "{}", t.engine);
            let body = include_str!("../migrations/0016_women_by_birth_month.sql");
            let fill = &body[body.find("WITH women").unwrap()..];
            t.db.writer().execute_unprepared(fill).await.unwrap();
            check_eligible(&t, "filled in by the migration").await;
            t.finish().await;
        }
    }
}
