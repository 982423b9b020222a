//! Spreadsheets in and out (issue 3, point 5): import templates, imports that land whole or
//! not at all, and audited exports of filtered lists.
//!
//! An import reads the sheet twice. The first pass checks every row (on all cores) and finds
//! ID numbers already registered; if any row is bad nothing is written and the officer gets
//! her own sheet back with a first column saying what is wrong with each bad row. Otherwise
//! the second pass seals the protected fields on all cores while one transaction writes the
//! rows, the roll-ups and the audit entry.

mod people;

use std::collections::HashMap;
use std::sync::Arc;

use jinguo_domain::access::Permission;
use jinguo_domain::org::validate_name;
use jinguo_sheet::{Format, Row, Sheet, same_header};
use jinguo_store::audit::Outcome;
use serde::Serialize;
use serde_json::json;

pub use people::PEOPLE_COLUMNS;

use crate::{Actor, App, AppError, Result};

/// What a spreadsheet holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SheetKind {
    People,
}

impl SheetKind {
    pub fn parse(s: &str) -> Result<SheetKind> {
        match s.trim() {
            "people" | "人员" => Ok(SheetKind::People),
            other => Err(AppError::invalid("kind", format!("未知的表格类型「{other}」，可选：people（人员）"))),
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            SheetKind::People => "people",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            SheetKind::People => "人员信息",
        }
    }

    /// The file name a template downloads as.
    pub fn template_name(self) -> String {
        format!("{}导入模板.xlsx", self.label())
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

/// How many rows a worker thread takes at a time.
pub(crate) const CHUNK: usize = 4_096;

/// Runs `f` over `items` on every core, keeping the order.
pub(crate) fn par_map<T: Sync, U: Send>(items: &[T], f: impl Fn(&T) -> U + Sync) -> Vec<U> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(8);
    if threads == 1 || items.len() < 256 {
        return items.iter().map(&f).collect();
    }
    let per = items.len().div_ceil(threads);
    std::thread::scope(|s| {
        let parts: Vec<_> = items.chunks(per).map(|part| s.spawn(|| part.iter().map(&f).collect::<Vec<U>>())).collect();
        parts.into_iter().flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))).collect()
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
            &format!("{}.import", kind.code()),
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
