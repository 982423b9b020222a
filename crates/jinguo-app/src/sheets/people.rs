//! The people register in spreadsheets: the template, the import, the export.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use jinguo_domain::people::{IdNumber, PersonCategory, Phone, validate_person_name};
use jinguo_domain::{Level, RegionCode};
use jinguo_sheet::{Column, Row, Sheet};
use jinguo_store::audit::Outcome;
use jinguo_store::people::{self as store, Batch, NewPerson};
use jinguo_store::{Scope, StoreError};
use serde_json::json;

use super::{
    Download, ExportRequest, ImportOutcome, Imported, OnProgress, Progress, RowError, SheetKind, Stage, cell, locate, pipeline,
    row_message, take,
};
use crate::people::{ADDRESS_PURPOSE, ID_PURPOSE, PHONE_PURPOSE};
use crate::{Actor, App, AppError, Result};

/// The people template's columns, in order (the issue fixes the first six).
pub const PEOPLE_COLUMNS: [&str; 6] = ["姓名", "身份证号码", "手机号码", "村(社区)代码", "人员类别", "住址"];
const REQUIRED: &[&str] = &["姓名", "身份证号码", "村(社区)代码"];
/// Rows sent to the writer at a time.
const WRITE_BATCH: usize = 5_000;

/// The located columns of a people sheet.
#[derive(Debug, Clone, Copy)]
struct Cols {
    name: Option<usize>,
    id: Option<usize>,
    phone: Option<usize>,
    region: Option<usize>,
    categories: Option<usize>,
    address: Option<usize>,
}

/// A row that passed every check.
#[derive(Debug)]
struct Good {
    line: usize,
    name: String,
    id: IdNumber,
    phone: Option<Phone>,
    region: RegionCode,
    categories: Vec<PersonCategory>,
    address: String,
}

/// A good row on its way to the writer: sealed, or (once the import is failing and nothing
/// more will be written) only its ID number's blind index, to look for her in the register.
#[allow(clippy::large_enum_variant)] // nearly every row is Sealed: a box would cost an allocation a row
enum Ready {
    Sealed(NewPerson),
    Index(String),
}

/// A row as a worker checked it: its packed ID number, its line and what goes on; or its error,
/// with the packed ID number when that cell could be read.
type Checked = Result<(u64, usize, Ready), (RowError, Option<u64>)>;

impl Ready {
    fn id_index(&self) -> &str {
        match self {
            Ready::Sealed(p) => &p.id_index,
            Ready::Index(i) => i,
        }
    }
}

/// Where the import's middle left off: the bad rows, and counts of the data rows, of people
/// registered already, and of people sent to be written.
struct Fed {
    errors: Vec<RowError>,
    rows: usize,
    existing: usize,
    sent: usize,
}

/// What the checks need to know beyond the row.
struct Context {
    cols: Cols,
    headers: Vec<String>,
    villages: HashSet<String>,
    scope: Scope,
    today: chrono::NaiveDate,
}

/// A row that passed every check, or its message with the packed ID number when that cell
/// was good (a later row repeating it is told so).
fn check(row: &Row, cx: &Context) -> Result<Good, (String, Option<u64>)> {
    let mut errors: Vec<(String, String)> = Vec::new();
    // A cell the sheet could not read faithfully has its message already; it is not checked again.
    let unread = |col: Option<usize>| col.is_some_and(|c| row.problems.iter().any(|(p, _)| *p == c));
    let name = take(&mut errors, "姓名", validate_person_name(cell(row, cx.cols.name)));
    let id = if unread(cx.cols.id) { None } else { take(&mut errors, "身份证号码", IdNumber::parse(cell(row, cx.cols.id), cx.today)) };
    let phone = match cell(row, cx.cols.phone) {
        _ if unread(cx.cols.phone) => None,
        "" => Some(None),
        p => take(&mut errors, "手机号码", Phone::parse(p).map(Some)),
    };
    let categories = take(&mut errors, "人员类别", PersonCategory::parse_list(cell(row, cx.cols.categories)));
    let address = cell(row, cx.cols.address).to_owned();
    if address.chars().count() > 100 {
        errors.push(("住址".into(), "住址不能超过 100 个字".into()));
    }
    let code = cell(row, cx.cols.region);
    let region = match RegionCode::parse(code) {
        _ if unread(cx.cols.region) => None,
        Err(e) => {
            errors.push(("村(社区)代码".into(), if code.is_empty() { "请填写 12 位村(社区)代码".into() } else { e.to_string() }));
            None
        }
        Ok(r) if r.level() != Level::Village => {
            errors.push(("村(社区)代码".into(), format!("{code} 不是村(社区)一级的代码：请填写 12 位村(社区)代码")));
            None
        }
        Ok(r) if !cx.scope.contains(&r) => {
            errors.push(("村(社区)代码".into(), format!("{code} 不在您的管辖范围内")));
            None
        }
        Ok(r) if !cx.villages.contains(&r.padded()) => {
            errors.push(("村(社区)代码".into(), format!("区划代码 {code} 不存在")));
            None
        }
        Ok(r) => Some(r),
    };
    if let Some(message) = row_message(row, &cx.headers, errors) {
        return Err((message, id.as_ref().map(packed)));
    }
    match (name, id, phone, region, categories) {
        (Some(name), Some(id), Some(phone), Some(region), Some(categories)) => {
            Ok(Good { line: row.line, name, id, phone, region, categories, address })
        }
        (_, id, ..) => Err(("这一行有无法识别的内容".into(), id.as_ref().map(packed))),
    }
}

/// A packed ID number (18 characters, `X` as 10 in the last place) for the in-sheet duplicate
/// check: eight bytes a row instead of a string.
fn packed(id: &IdNumber) -> u64 {
    id.as_str().bytes().fold(0u64, |acc, b| acc * 11 + if b == b'X' { 10 } else { u64::from(b - b'0') })
}

/// The template's columns as the instructions sheet explains them.
pub(crate) fn template_columns() -> Vec<Column> {
    let labels: Vec<String> = PersonCategory::ALL.iter().map(|c| c.label().to_owned()).collect();
    vec![
        Column {
            header: "姓名".into(),
            required: true,
            note: "2–30 个字，少数民族姓名中的点用“·”".into(),
            width: 12.0,
            example: "王芳".into(),
            ..Column::default()
        },
        Column {
            header: "身份证号码".into(),
            required: true,
            note: "18 位居民身份证号码，末位可为 X。请保持本列为“文本”格式，否则 Excel 会把号码改成近似值".into(),
            width: 22.0,
            example: "420502199003150020".into(),
            ..Column::default()
        },
        Column {
            header: "手机号码".into(),
            note: "11 位手机号码或带区号的固定电话".into(),
            width: 16.0,
            example: "13872000001".into(),
            ..Column::default()
        },
        Column {
            header: "村(社区)代码".into(),
            required: true,
            note: "所在村(社区)的 12 位统计用区划代码（可在平台“行政区划”页查到）".into(),
            width: 16.0,
            example: "420502001001".into(),
            ..Column::default()
        },
        Column {
            header: "人员类别".into(),
            note: "可多选，用“、”连接；可留空".into(),
            choices: labels,
            multiple: true,
            width: 18.0,
            example: "困难、留守".into(),
            ..Column::default()
        },
        Column {
            header: "住址".into(),
            note: "不超过 100 个字".into(),
            width: 30.0,
            example: "西陵区某某街道某某社区 3 栋 2 单元".into(),
            ..Column::default()
        },
    ]
}

impl App {
    /// The people import template (.xlsx).
    pub fn people_template(&self) -> Result<Download> {
        let bytes = jinguo_sheet::template("人员信息", &template_columns()).map_err(|e| AppError::Internal(e.to_string()))?;
        Ok(Download { file_name: SheetKind::People.template_name(), bytes, rows: 0 })
    }

    /// Imports people from a spreadsheet: every row checked; one bad row and nothing is written
    /// (the sheet comes back marked); otherwise all land in one transaction. A person whose ID
    /// number is registered in scope already is found, not duplicated; one registered outside
    /// scope is an error of that row.
    ///
    /// One pass over the sheet: rows are checked and sealed on the worker threads, looked up in
    /// the register here, and written by the store's writer as they come, in a transaction it
    /// commits only when the whole sheet passed. After the first bad row nothing more is sealed
    /// or written (the writer rolls back at once) and the rest of the sheet is only checked, so
    /// that the sheet comes back with every error marked.
    pub async fn import_people(&self, actor: &Actor, file: &str, bytes: Vec<u8>, progress: OnProgress) -> Result<ImportOutcome> {
        const ACTION: &str = "people.import";
        self.require(actor, jinguo_domain::access::Permission::WritePeople, ACTION).await?;
        progress(Progress { stage: Stage::Reading, done: 0, total: 0 });
        let sheet = self.read_sheet(file, bytes, REQUIRED).await?;
        let at = locate(&sheet, &PEOPLE_COLUMNS.map(|h| (h, REQUIRED.contains(&h))))?;
        let cols = Cols { name: at[0], id: at[1], phone: at[2], region: at[3], categories: at[4], address: at[5] };
        let villages = jinguo_store::org::regions::villages_within(self.db.reader(), &actor.scope).await?;
        let cx = Arc::new(Context { cols, headers: sheet.headers.clone(), villages, scope: actor.scope.clone(), today: self.today() });
        let estimate = sheet.rows_estimate();

        let failing = Arc::new(AtomicBool::new(false));
        let (ready_tx, ready_rx) = tokio::sync::mpsc::channel::<Vec<Result<(usize, Ready), RowError>>>(4);
        let producer = self.seal_people(sheet.clone(), cx, actor.account, failing.clone(), ready_tx);
        let (write_tx, write_rx) = tokio::sync::mpsc::channel::<Batch>(4);
        let now = self.now_ms();
        let writer = store::insert_stream(&self.db, write_rx, estimate, self.today(), now);
        let fed = async {
            let (fed, writer) = self.feed_people(actor, ready_rx, write_tx, failing, estimate, &progress).await?;
            // The producer's own failure (a row the file reader could not read) explains a short
            // stream best; returning it drops the writer's sender, and the writer rolls back.
            match producer.await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => return Err(AppError::invalid("file", e)),
                Err(e) => return Err(AppError::Internal(e.to_string())),
            }
            if let (Some(tx), true) = (writer, fed.errors.is_empty()) {
                let entry = actor.entry(
                    now,
                    ACTION,
                    Outcome::Ok,
                    "sheet",
                    "",
                    &actor.scope.root().map(|r| r.padded()).unwrap_or_default(),
                    json!({"file": file, "rows": fed.rows, "created": fed.sent, "existing": fed.existing}),
                );
                // A writer that stopped says why below.
                let _ = tx.send(Batch::Commit { audit: entry, people: fed.sent }).await;
            }
            Ok(fed)
        };
        let (fed, written) = tokio::join!(fed, writer);
        let mut fed = fed?;
        if !fed.errors.is_empty() {
            // The writer has rolled back and let go of the database.
            fed.errors.sort_by_key(|e| e.line);
            let rejected = self.reject(actor, SheetKind::People, file, sheet, fed.rows, fed.errors).await?;
            return Ok(ImportOutcome::Rejected(rejected));
        }
        let created = match written {
            Ok(n) if n > 10_000 => {
                self.db.refresh_statistics(&["people", "person_categories"]).await?;
                n
            }
            Ok(n) => n,
            Err(StoreError::Conflict(_)) => {
                return Err(AppError::Conflict("导入期间有人登记了表格中的人员，未导入任何数据：请重新导入".into()));
            }
            Err(e) => return Err(e.into()),
        };
        progress(Progress { stage: Stage::Writing, done: fed.rows as u64, total: fed.rows as u64 });
        Ok(ImportOutcome::Imported(Imported {
            kind: SheetKind::People,
            rows: fed.rows,
            created,
            existing: fed.existing,
            visits: 0,
            repeats: 0,
            follow_ups: 0,
        }))
    }

    /// The import's worker side: reads the sheet in batches, checks each row and seals the good
    /// ones on every core (only their ID number's blind index once `failing`), finds ID numbers
    /// repeated within the sheet, and sends each batch on in sheet order.
    fn seal_people(
        &self,
        sheet: Arc<Sheet>,
        cx: Arc<Context>,
        account: Option<i64>,
        failing: Arc<AtomicBool>,
        tx: tokio::sync::mpsc::Sender<Vec<Result<(usize, Ready), RowError>>>,
    ) -> tokio::task::JoinHandle<Result<(), String>> {
        let crypto = self.crypto.clone();
        tokio::task::spawn_blocking(move || {
            let mut seen: HashMap<u64, usize> = HashMap::new();
            let mut rows = sheet.rows();
            let next = || {
                let chunk: Vec<Row> = rows.by_ref().take(WRITE_BATCH).collect::<Result<_, _>>().map_err(|e| e.to_string())?;
                // Once a row has failed nothing more is written: only the ID numbers are needed.
                Ok::<_, String>((!chunk.is_empty()).then(|| (chunk, !failing.load(Ordering::Relaxed))))
            };
            let work = |(chunk, seal): (Vec<Row>, bool)| {
                chunk
                    .iter()
                    .map(|row| {
                        let g = check(row, &cx).map_err(|(message, id)| (RowError { line: row.line, message }, id))?;
                        let key = packed(&g.id);
                        let ready = if seal {
                            Ready::Sealed(NewPerson {
                                id_cipher: crypto.seal(ID_PURPOSE, g.id.as_str()),
                                id_index: crypto.blind_index(ID_PURPOSE, g.id.as_str()),
                                phone_cipher: g.phone.as_ref().map(|p| crypto.seal(PHONE_PURPOSE, p.as_str())),
                                phone_index: g.phone.as_ref().map(|p| crypto.blind_index(PHONE_PURPOSE, p.as_str())),
                                address_cipher: Some(g.address.as_str()).filter(|a| !a.is_empty()).map(|a| crypto.seal(ADDRESS_PURPOSE, a)),
                                birth_date: g.id.birth_date(),
                                sex: g.id.sex().code(),
                                region: g.region,
                                name: g.name,
                                categories: g.categories,
                                created_by: account,
                            })
                        } else {
                            Ready::Index(crypto.blind_index(ID_PURPOSE, g.id.as_str()))
                        };
                        Ok((key, g.line, ready))
                    })
                    .collect::<Vec<_>>()
            };
            let sink = |checked: Vec<Checked>| {
                let batch: Vec<Result<(usize, Ready), RowError>> = checked
                    .into_iter()
                    .map(|result| {
                        let (key, line, ready) = match result {
                            Ok(good) => good,
                            Err((e, key)) => {
                                if let Some(key) = key {
                                    seen.entry(key).or_insert(e.line);
                                }
                                return Err(e);
                            }
                        };
                        match seen.entry(key) {
                            Entry::Occupied(first) => {
                                Err(RowError { line, message: format!("身份证号码与第 {} 行重复", first.get()) })
                            }
                            Entry::Vacant(v) => {
                                v.insert(line);
                                Ok((line, ready))
                            }
                        }
                    })
                    .collect();
                // A closed channel: the import stopped, and says why.
                tx.blocking_send(batch).is_ok()
            };
            pipeline(next, work, sink)
        })
    }

    /// The import's middle: takes the checked batches, finds who is registered already (in
    /// scope: counted, not written again; elsewhere: an error of the row), and passes the rest
    /// to the writer while no row has failed. At the first error it drops the writer (which
    /// rolls back) and goes on collecting errors. Answers the writer's sender too while every
    /// row passed, for the word to commit.
    async fn feed_people(
        &self,
        actor: &Actor,
        mut ready: tokio::sync::mpsc::Receiver<Vec<Result<(usize, Ready), RowError>>>,
        writer: tokio::sync::mpsc::Sender<Batch>,
        failing: Arc<AtomicBool>,
        estimate: usize,
        progress: &OnProgress,
    ) -> Result<(Fed, Option<tokio::sync::mpsc::Sender<Batch>>)> {
        let mut writer = Some(writer);
        let mut fed = Fed { errors: Vec::new(), rows: 0, existing: 0, sent: 0 };
        while let Some(batch) = ready.recv().await {
            fed.rows += batch.len();
            let mut good = Vec::with_capacity(batch.len());
            for row in batch {
                match row {
                    Ok(row) => good.push(row),
                    Err(e) => fed.errors.push(e),
                }
            }
            let indexes: Vec<String> = good.iter().map(|(_, r)| r.id_index().to_owned()).collect();
            let taken = store::taken(&self.db, &indexes).await?;
            if !taken.is_empty() {
                let place: HashMap<&str, usize> = indexes.iter().enumerate().map(|(k, i)| (i.as_str(), k)).collect();
                let mut keep = vec![true; good.len()];
                for (index, _, region) in &taken {
                    let Some(k) = place.get(index.as_str()) else { continue };
                    keep[*k] = false;
                    if actor.scope.contains(region) {
                        fed.existing += 1;
                    } else {
                        fed.errors.push(RowError {
                            line: good[*k].0,
                            message: "该身份证号码已在其他地区登记，请与所在地区妇联核实，勿重复登记".into(),
                        });
                    }
                }
                let mut keep = keep.into_iter();
                good.retain(|_| keep.next().unwrap_or(false));
            }
            let total = estimate.max(fed.rows) as u64;
            if !fed.errors.is_empty() {
                failing.store(true, Ordering::Relaxed);
                writer = None;
                progress(Progress { stage: Stage::Checking, done: fed.rows as u64, total });
                continue;
            }
            let people: Vec<NewPerson> = good
                .into_iter()
                .filter_map(|(_, r)| match r {
                    Ready::Sealed(p) => Some(p),
                    Ready::Index(_) => None,
                })
                .collect();
            fed.sent += people.len();
            if let Some(tx) = &writer
                && tx.send(Batch::People(people)).await.is_err()
            {
                // The writer stopped (it says why); the rest is only checked.
                failing.store(true, Ordering::Relaxed);
                writer = None;
            }
            progress(Progress { stage: Stage::Writing, done: fed.rows as u64, total });
        }
        Ok((fed, writer))
    }

    /// The people list as a workbook: the same filters as the list, every page. Masked unless
    /// full identity is asked for (a permission); audited with the reason and the row count.
    pub async fn export_people(
        &self,
        actor: &Actor,
        region: Option<&RegionCode>,
        category: Option<&str>,
        q: Option<&str>,
        request: &ExportRequest,
    ) -> Result<Download> {
        const ACTION: &str = "people.export";
        let reason = self.export_allowed(actor, ACTION, request).await?;
        let scope = self.list_scope(actor, region, ACTION).await?;
        let filter = self.people_filter(actor, category, q)?;
        let mut people = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let page = store::list(&self.db, &scope, &filter, after.as_deref(), 500).await?;
            people.extend(page.items);
            match page.next {
                Some(n) => after = Some(n),
                None => break,
            }
        }
        let rows = people.iter().map(|p| self.export_row(actor, p, request.full)).collect::<Result<Vec<_>>>()?;
        let mut headers: Vec<&'static str> = PEOPLE_COLUMNS.to_vec();
        headers.extend(["村(社区)", "性别", "年龄"]);
        let filter = json!({"region": region.map(|r| r.padded()), "category": category, "q": q.map(|_| "…")});
        self.finish_export(actor, ACTION, "人员信息", headers, rows, region, reason, request, filter).await
    }

    fn export_row(&self, actor: &Actor, p: &store::PersonRow, full: bool) -> Result<Vec<String>> {
        let cats = PersonCategory::join_labels(&p.categories);
        let age = jinguo_domain::people::age_in_years(p.birth_date, self.today()).to_string();
        let sex = if p.sex == "male" { "男" } else { "女" }.to_owned();
        if full {
            let open = |purpose: &str, sealed: &str| self.crypto.open(purpose, sealed).map_err(|e| AppError::Internal(e.to_string()));
            return Ok(vec![
                p.name.clone(),
                open(ID_PURPOSE, &p.id_cipher)?,
                p.phone_cipher.as_deref().map(|c| open(PHONE_PURPOSE, c)).transpose()?.unwrap_or_default(),
                p.region.padded(),
                cats,
                p.address_cipher.as_deref().map(|c| open(ADDRESS_PURPOSE, c)).transpose()?.unwrap_or_default(),
                p.region_name.clone(),
                sex,
                age,
            ]);
        }
        let v = self.person_view(actor, p, crate::people::Shown::List);
        Ok(vec![
            v.name.unwrap_or_default(),
            v.id_number.unwrap_or_default(),
            v.phone.unwrap_or_default(),
            p.region.padded(),
            cats,
            v.address.unwrap_or_default(),
            p.region_name.clone(),
            sex,
            age,
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_id_numbers_differ_when_the_numbers_do() {
        let today = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        let a = IdNumber::parse("11010519491231002X", today).unwrap();
        let b = IdNumber::parse("110105194912310029", today);
        assert!(b.is_err() || packed(&a) != packed(&b.unwrap()));
        assert_eq!(packed(&a), packed(&IdNumber::parse("11010519491231002x", today).unwrap()));
    }

    /// An officer copies the instructions sheet's example: it must pass the import's own checks.
    #[test]
    fn the_templates_example_id_numbers_are_valid() {
        let today = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        for columns in [template_columns(), super::super::care::template_columns(), super::super::screenings::template_columns()] {
            let id = columns.iter().find(|c| c.header == "身份证号码").expect("an ID number column");
            assert!(IdNumber::parse(&id.example, today).is_ok(), "{}", id.example);
        }
    }
}
