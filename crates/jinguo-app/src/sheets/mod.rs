//! Spreadsheets in and out (issue 3, point 5): import templates, imports that land whole or
//! not at all, and audited exports of filtered lists.
//!
//! An import reads the sheet twice. The first pass checks every row (on all cores) and finds
//! ID numbers already registered; if any row is bad nothing is written and the officer gets
//! her own sheet back with a first column saying what is wrong with each bad row. Otherwise
//! the second pass seals the protected fields on all cores while one transaction writes the
//! rows, the roll-ups and the audit entry.

mod care;
mod people;
mod screenings;

use std::collections::HashMap;
use std::sync::Arc;

use jinguo_domain::access::Permission;
use jinguo_domain::org::validate_name;
use jinguo_domain::people::IdNumber;
use jinguo_sheet::{Format, Row, Sheet, same_header};
use jinguo_store::audit::Outcome;
use jinguo_store::people::PersonRow;
use serde::Serialize;
use serde_json::json;

pub use care::CARE_COLUMNS;
pub use people::PEOPLE_COLUMNS;
pub use screenings::SCREENING_COLUMNS;

use crate::{Actor, App, AppError, Result};

/// What a spreadsheet holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SheetKind {
    People,
    /// Care cases (动态监测档案), each with an optional first visit.
    CareCases,
    /// Two-cancer screenings (两癌筛查), each with an optional follow-up.
    Screenings,
}

impl SheetKind {
    pub const ALL: [SheetKind; 3] = [SheetKind::People, SheetKind::CareCases, SheetKind::Screenings];

    /// By code (as URLs and the CLI give it) or label.
    pub fn parse(s: &str) -> Result<SheetKind> {
        let s = s.trim();
        SheetKind::ALL.into_iter().find(|k| k.code() == s || k.label() == s || k.short_label() == s).ok_or_else(|| {
            AppError::invalid("kind", format!("未知的表格类型「{s}」，可选：people（人员）、care（监测档案）、screenings（两癌筛查）"))
        })
    }

    /// The code in URLs and on the command line.
    pub fn code(self) -> &'static str {
        match self {
            SheetKind::People => "people",
            SheetKind::CareCases => "care",
            SheetKind::Screenings => "screenings",
        }
    }

    /// The first part of its audit actions (`people.import`, `care_case.import`, …).
    pub fn action(self) -> &'static str {
        match self {
            SheetKind::People => "people",
            SheetKind::CareCases => "care_case",
            SheetKind::Screenings => "screening",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            SheetKind::People => "人员信息",
            SheetKind::CareCases => "监测档案",
            SheetKind::Screenings => "两癌筛查",
        }
    }

    fn short_label(self) -> &'static str {
        match self {
            SheetKind::People => "人员",
            SheetKind::CareCases => "监测",
            SheetKind::Screenings => "筛查",
        }
    }

    /// The file name a template downloads as.
    pub fn template_name(self) -> String {
        format!("{}导入模板.xlsx", self.label())
    }

    /// The list page its imports lead back to.
    pub fn list_path(self) -> &'static str {
        match self {
            SheetKind::People => "/people",
            SheetKind::CareCases => "/care/cases",
            SheetKind::Screenings => "/screenings",
        }
    }
}

/// Where an import stands, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Progress {
    pub stage: Stage,
    pub done: u64,
    pub total: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Reading,
    Checking,
    Writing,
}

impl Stage {
    pub fn label(self) -> &'static str {
        match self {
            Stage::Reading => "读取表格",
            Stage::Checking => "逐行检查",
            Stage::Writing => "写入数据库",
        }
    }
}

/// Told how an import is going, now and then, from any thread.
pub type OnProgress = Arc<dyn Fn(Progress) + Send + Sync>;

/// One bad row: its line in the sheet and what is wrong, in Chinese.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    pub line: usize,
    pub message: String,
}

/// An import that landed.
#[derive(Debug, Clone, Serialize)]
pub struct Imported {
    pub kind: SheetKind,
    /// Data rows in the sheet.
    pub rows: usize,
    pub created: usize,
    /// Rows whose person was registered already (in scope): found, not duplicated.
    pub existing: usize,
    /// Care cases: first visits recorded with them.
    pub visits: usize,
    /// Screenings: second screenings for the same cancer in a statistical year (flagged, not
    /// counted again).
    pub repeats: usize,
    /// Screenings: follow-ups recorded with them.
    pub follow_ups: usize,
}

impl Imported {
    /// What landed, as the officer reads it.
    pub fn summary(&self) -> String {
        let mut s = format!("共 {} 行，", self.rows);
        match self.kind {
            SheetKind::People => {
                s.push_str(&format!("新登记 {} 人", self.created));
                if self.existing > 0 {
                    s.push_str(&format!("，另有 {} 人此前已登记（未重复登记）", self.existing));
                }
            }
            SheetKind::CareCases => {
                s.push_str(&format!("新建监测档案 {} 份", self.created));
                if self.visits > 0 {
                    s.push_str(&format!("，登记走访 {} 次", self.visits));
                }
            }
            SheetKind::Screenings => {
                s.push_str(&format!("登记筛查 {} 条", self.created));
                if self.repeats > 0 {
                    s.push_str(&format!("，其中 {} 条为统计年度内的重复筛查（已标注，不重复计数）", self.repeats));
                }
                if self.follow_ups > 0 {
                    s.push_str(&format!("，随访 {} 条", self.follow_ups));
                }
            }
        }
        s
    }
}

/// An import refused: nothing was written.
#[derive(Debug, Clone)]
pub struct Rejected {
    pub kind: SheetKind,
    pub rows: usize,
    /// Every bad row, in sheet order.
    pub errors: Vec<RowError>,
    /// The uploaded sheet with the error column, and its format.
    pub sheet: Vec<u8>,
    pub format: Format,
}

impl Rejected {
    pub fn file_name(&self, original: &str) -> String {
        let stem = std::path::Path::new(original).file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "导入".into());
        format!("{stem}（错误标注）.{}", self.format.extension())
    }
}

#[derive(Debug, Clone)]
pub enum ImportOutcome {
    Imported(Imported),
    Rejected(Rejected),
}

/// A spreadsheet made for download.
#[derive(Debug, Clone)]
pub struct Download {
    pub file_name: String,
    pub bytes: Vec<u8>,
    pub rows: usize,
}

/// What an export is asked for: the reason (audited) and whether it carries full identity.
#[derive(Debug, Clone, Default)]
pub struct ExportRequest {
    pub reason: String,
    /// Full names, ID numbers, phones and addresses: needs the reveal permission.
    pub full: bool,
}

/// Runs `work` over the batches `next` gives on a worker thread per core, the same threads for
/// the whole call, and hands the results to `sink` in batch order; stops at the first error of
/// `next`, at its end, or when `sink` answers false. `next` runs on the calling thread, ahead of
/// the workers by a batch each (a file is read while the rows before are checked), and `sink`
/// there too. Threads spawned per batch cost more than they saved: each new thread starts with
/// an empty stack and allocator heap, and the kernel zeroes every page they touch.
pub(crate) fn pipeline<B: Send, R: Send, E>(
    mut next: impl FnMut() -> std::result::Result<Option<B>, E>,
    work: impl Fn(B) -> R + Sync,
    mut sink: impl FnMut(R) -> bool,
) -> std::result::Result<(), E> {
    use std::sync::mpsc;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(8);
    std::thread::scope(|s| {
        let work = &work;
        let (done_tx, done_rx) = mpsc::channel::<(usize, std::thread::Result<R>)>();
        let jobs: Vec<mpsc::Sender<(usize, B)>> = (0..threads)
            .map(|_| {
                let (job_tx, job_rx) = mpsc::channel::<(usize, B)>();
                let done = done_tx.clone();
                s.spawn(move || {
                    for (k, batch) in job_rx {
                        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(batch)));
                        if done.send((k, result)).is_err() {
                            return;
                        }
                    }
                });
                job_tx
            })
            .collect();
        drop(done_tx);
        let mut arrived: HashMap<usize, R> = HashMap::new();
        let (mut sent, mut taken, mut ended) = (0, 0, false);
        loop {
            while !ended && sent - taken <= threads {
                match next()? {
                    Some(batch) => {
                        // A worker only stops when its jobs do.
                        let _ = jobs[sent % threads].send((sent, batch));
                        sent += 1;
                    }
                    None => ended = true,
                }
            }
            if taken == sent {
                return Ok(());
            }
            let result = loop {
                if let Some(r) = arrived.remove(&taken) {
                    break r;
                }
                match done_rx.recv() {
                    Ok((k, Ok(r))) => {
                        arrived.insert(k, r);
                    }
                    Ok((_, Err(panic))) => std::panic::resume_unwind(panic),
                    // Every worker holds a sender until its jobs end, and they end only below.
                    Err(_) => unreachable!("the import's workers stopped"),
                }
            };
            taken += 1;
            if !sink(result) {
                return Ok(());
            }
        }
    })
}

/// The columns of a sheet found by header; every required one must be there.
pub(crate) fn locate(sheet: &Sheet, headers: &[(&str, bool)]) -> Result<Vec<Option<usize>>> {
    let found: Vec<Option<usize>> = headers.iter().map(|(h, _)| sheet.column(h)).collect();
    let missing: Vec<&str> =
        headers.iter().zip(&found).filter(|((_, required), at)| *required && at.is_none()).map(|((h, _), _)| *h).collect();
    if !missing.is_empty() {
        return Err(AppError::invalid("file", format!("表格缺少必填的列：{}（请使用导入模板，列名在第一行）", missing.join("、"))));
    }
    Ok(found)
}

/// A cell by located column ("" when the column is absent).
pub(crate) fn cell(row: &Row, at: Option<usize>) -> &str {
    at.map_or("", |i| row.cell(i))
}

/// The value of a check, or None with its messages added to `errors` under `column`.
pub(crate) fn take<T>(errors: &mut Vec<(String, String)>, column: &str, r: Result<T, jinguo_domain::Invalid>) -> Option<T> {
    match r {
        Ok(v) => Some(v),
        Err(e) => {
            errors.extend(e.errors.into_iter().map(|f| (column.to_owned(), f.message)));
            None
        }
    }
}

/// The messages of a row's field errors, each led by its column's name.
pub(crate) fn row_message(row: &Row, headers: &[String], errors: Vec<(String, String)>) -> Option<String> {
    let mut parts: Vec<String> =
        row.problems.iter().map(|(col, p)| format!("{}：{p}", headers.get(*col).map_or("", |h| h.trim_end_matches('*')))).collect();
    for (column, message) in errors {
        if message.starts_with(column.as_str()) {
            parts.push(message);
        } else {
            parts.push(format!("{column}：{message}"));
        }
    }
    (!parts.is_empty()).then(|| parts.join("；"))
}

impl App {
    /// Reads an uploaded file (off the async threads), mapping what cannot be read to a field
    /// error on `file`.
    pub(crate) async fn read_sheet(&self, name: &str, bytes: Vec<u8>, required: &'static [&'static str]) -> Result<Arc<Sheet>> {
        let name = name.to_owned();
        let sheet = tokio::task::spawn_blocking(move || {
            Sheet::from_bytes(&name, bytes, |cells| required.iter().all(|h| cells.iter().any(|c| same_header(c, h))))
        })
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
        match sheet {
            Ok(s) => Ok(Arc::new(s)),
            Err(jinguo_sheet::SheetError::Empty) => {
                Err(AppError::invalid("file", format!("在表格前 20 行中找不到列名行（应含有：{}）：请使用导入模板", required.join("、"))))
            }
            Err(e) => Err(AppError::invalid("file", e.to_string())),
        }
    }

    /// The sheet back with its errors marked, and the refusal audited.
    pub(crate) async fn reject(
        &self,
        actor: &Actor,
        kind: SheetKind,
        file: &str,
        sheet: Arc<Sheet>,
        rows: usize,
        errors: Vec<RowError>,
    ) -> Result<Rejected> {
        let by_line: HashMap<usize, String> = errors.iter().map(|e| (e.line, e.message.clone())).collect();
        let (bytes, format) = tokio::task::spawn_blocking(move || jinguo_sheet::error_sheet(&sheet, &by_line))
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?
            .map_err(|e| AppError::Internal(e.to_string()))?;
        let entry = actor.entry(
            self.now_ms(),
            &format!("{}.import", kind.action()),
            Outcome::Failed,
            "sheet",
            "",
            "",
            json!({"file": file, "rows": rows, "bad_rows": errors.len(), "first_error": errors.first().map(|e| json!({"line": e.line, "message": e.message}))}),
        );
        jinguo_store::audit::append_now(&self.db, entry).await?;
        Ok(Rejected { kind, rows, errors, sheet: bytes, format })
    }

    /// Checks an export request: the reason is required; full identity needs the permission
    /// (refused and audited otherwise).
    pub(crate) async fn export_allowed(&self, actor: &Actor, action: &str, request: &ExportRequest) -> Result<String> {
        self.require(actor, Permission::ReadRegisters, action).await?;
        let reason = validate_name("reason", "导出原因", &request.reason, 200)?;
        if reason.chars().count() < 4 {
            return Err(AppError::invalid("reason", "请写明导出原因（至少 4 个字）"));
        }
        if request.full {
            self.require(actor, Permission::RevealPersonal, action).await?;
        }
        Ok(reason)
    }
}

/// Said when an ID number in a register sheet is not on the register.
pub(crate) const NOT_REGISTERED: &str = "该身份证号码尚未登记，请先导入人员信息";
/// Said when she is registered outside the actor's scope (no more is told).
pub(crate) const OUT_OF_SCOPE: &str = "该身份证号码在其他地区登记，不在您的管辖范围内";

/// The ID number of a row's woman, or None with the error added.
pub(crate) fn id_cell(row: &Row, at: Option<usize>, today: chrono::NaiveDate, errors: &mut Vec<(String, String)>) -> Option<IdNumber> {
    // A cell the sheet could not read faithfully has its message already.
    if at.is_some_and(|c| row.problems.iter().any(|(p, _)| *p == c)) {
        return None;
    }
    match cell(row, at) {
        "" => {
            errors.push(("身份证号码".into(), "请填写身份证号码".into()));
            None
        }
        text => take(errors, "身份证号码", IdNumber::parse(text, today)),
    }
}

/// Like [`take`] for a check of several fields: each message goes under its field's column
/// (`columns` maps field names to column names; an unlisted field goes under `fallback`).
pub(crate) fn take_fields<T>(
    errors: &mut Vec<(String, String)>,
    columns: &[(&str, &str)],
    fallback: &str,
    r: Result<T, jinguo_domain::Invalid>,
) -> Option<T> {
    match r {
        Ok(v) => Some(v),
        Err(e) => {
            for f in e.errors {
                let column = columns.iter().find(|(field, _)| *field == f.field).map_or(fallback, |(_, c)| *c);
                errors.push((column.to_owned(), f.message));
            }
            None
        }
    }
}

/// A row of a register sheet (care cases, screenings) after its own checks and the lookup of
/// its woman.
pub(crate) struct Checked<T> {
    pub line: usize,
    /// What is wrong with it so far, in Chinese (the row is bad if any).
    pub errors: Vec<String>,
    /// Her record, found by ID number in the actor's scope.
    pub person: Option<PersonRow>,
    /// What it asks to write, if every field is good.
    pub value: Option<T>,
}

impl<T> Checked<T> {
    /// The person and value of a good row.
    pub fn good(&self) -> Option<(&PersonRow, &T)> {
        if !self.errors.is_empty() {
            return None;
        }
        Some((self.person.as_ref()?, self.value.as_ref()?))
    }
}

/// The bad rows of a checked sheet, in order.
pub(crate) fn row_errors<T>(rows: &[Checked<T>]) -> Vec<RowError> {
    rows.iter().filter(|r| !r.errors.is_empty()).map(|r| RowError { line: r.line, message: r.errors.join("；") }).collect()
}

impl App {
    /// Checks every row of a register sheet with `parse` (its ID number, what it asks to write,
    /// and the field errors) and finds each row's woman by ID number through the blind index,
    /// within the actor's scope. These sheets hold thousands of rows, not millions: one pass.
    pub(crate) async fn check_women_rows<T>(
        &self,
        actor: &Actor,
        sheet: &Sheet,
        parse: impl Fn(&Row) -> (Option<IdNumber>, Option<T>, Vec<(String, String)>),
        progress: &OnProgress,
    ) -> Result<Vec<Checked<T>>> {
        let mut checked = Vec::new();
        let mut ids: Vec<(usize, String)> = Vec::new();
        for row in sheet.rows() {
            let row = row.map_err(|e| AppError::invalid("file", e.to_string()))?;
            let (id, value, errors) = parse(&row);
            if let Some(id) = &id {
                ids.push((checked.len(), self.crypto.blind_index(crate::people::ID_PURPOSE, id.as_str())));
            }
            let errors = row_message(&row, &sheet.headers, errors).into_iter().collect();
            checked.push(Checked { line: row.line, errors, person: None, value });
            if checked.len() % 500 == 0 {
                progress(Progress { stage: Stage::Checking, done: checked.len() as u64, total: 0 });
            }
        }
        let indexes: Vec<String> = ids.iter().map(|(_, i)| i.clone()).collect();
        let holders: HashMap<String, (i64, jinguo_domain::RegionCode)> =
            jinguo_store::people::taken(&self.db, &indexes).await?.into_iter().map(|(index, id, region)| (index, (id, region))).collect();
        let wanted: Vec<i64> = holders.values().filter(|(_, r)| actor.scope.contains(r)).map(|(id, _)| *id).collect();
        let people: HashMap<i64, PersonRow> =
            jinguo_store::people::get_many(self.db.reader(), &actor.scope, &wanted).await?.into_iter().map(|p| (p.id, p)).collect();
        for (at, index) in ids {
            let row = &mut checked[at];
            match holders.get(&index) {
                None => row.errors.push(NOT_REGISTERED.into()),
                Some((id, _)) => match people.get(id) {
                    Some(p) => row.person = Some(p.clone()),
                    None => row.errors.push(OUT_OF_SCOPE.into()),
                },
            }
        }
        progress(Progress { stage: Stage::Checking, done: checked.len() as u64, total: checked.len() as u64 });
        Ok(checked)
    }

    /// A woman's name and ID number as an export shows them: whole when `full` (the caller
    /// checked the permission), masked otherwise, nothing for roles that do not see identity.
    pub(crate) fn identity_cells(&self, actor: &Actor, p: Option<&PersonRow>, full: bool) -> Result<(String, String)> {
        let Some(p) = p else { return Ok((String::new(), String::new())) };
        if full {
            let id = self.crypto.open(crate::people::ID_PURPOSE, &p.id_cipher).map_err(|e| AppError::Internal(e.to_string()))?;
            return Ok((p.name.clone(), id));
        }
        let v = self.person_view(actor, p, crate::people::Shown::List);
        Ok((v.name.unwrap_or_default(), v.id_number.unwrap_or_default()))
    }

    /// The people of a page of records, by id, for their identity cells.
    pub(crate) async fn people_of(&self, scope: &jinguo_store::Scope, ids: impl Iterator<Item = i64>) -> Result<HashMap<i64, PersonRow>> {
        let mut ids: Vec<i64> = ids.collect();
        ids.sort_unstable();
        ids.dedup();
        Ok(jinguo_store::people::get_many(self.db.reader(), scope, &ids).await?.into_iter().map(|p| (p.id, p)).collect())
    }

    /// Writes an export's workbook and audits it (who, what, how many rows, why).
    #[allow(clippy::too_many_arguments)] // what an export is: each named at the call
    pub(crate) async fn finish_export(
        &self,
        actor: &Actor,
        action: &str,
        title: &str,
        headers: Vec<&'static str>,
        rows: Vec<Vec<String>>,
        region: Option<&jinguo_domain::RegionCode>,
        reason: String,
        request: &ExportRequest,
        filter: serde_json::Value,
    ) -> Result<Download> {
        let count = rows.len();
        let sheet = title.to_owned();
        let bytes = tokio::task::spawn_blocking(move || jinguo_sheet::table(&sheet, &headers, rows))
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?
            .map_err(|e| AppError::Internal(e.to_string()))?;
        let scope_region = region.cloned().or_else(|| actor.scope.root().cloned()).map(|r| r.padded()).unwrap_or_default();
        let entry = actor.entry(
            self.now_ms(),
            action,
            Outcome::Ok,
            "sheet",
            "",
            &scope_region,
            json!({"reason": reason, "rows": count, "full": request.full, "list": title, "filter": filter}),
        );
        jinguo_store::audit::append_now(&self.db, entry).await?;
        let stamp = self.today().format("%Y%m%d");
        Ok(Download {
            file_name: format!("{title}{}_{stamp}.xlsx", if request.full { "（含身份信息）" } else { "" }), bytes, rows: count
        })
    }
}
