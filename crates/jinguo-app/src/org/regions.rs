//! The region tree: public reads, and the import of division files.
//!
//! An import reads CSV files in the format of the NBS division files (`code,name,parent…`, one
//! level or several, in any order of files), checks every row, and either writes all of them in
//! one transaction or writes nothing and reports every bad row (file, line, reason).

use std::collections::HashMap;
use std::path::Path;

use jinguo_domain::access::Permission;
use jinguo_domain::{Level, RegionCode};
use jinguo_store::audit::Outcome;
use jinguo_store::org::regions::{self as store, Region};
use serde::Serialize;
use serde_json::json;

use crate::{Actor, App, AppError, Result};

/// One bad row of an import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    pub file: String,
    pub line: u64,
    pub reason: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} 第 {} 行：{}", self.file, self.line, self.reason)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ImportSummary {
    /// Rows read from the files.
    pub read: u64,
    /// Regions stored after the import.
    pub total: i64,
    /// Rows by level (province … village).
    pub by_level: [u64; 5],
}

#[derive(Debug)]
pub enum ImportOutcome {
    Imported(ImportSummary),
    Rejected(Vec<RowError>),
}

/// A file to import: its name for messages, and its text.
pub struct ImportFile {
    pub name: String,
    pub text: String,
}

impl ImportFile {
    pub fn read(path: &Path) -> Result<ImportFile> {
        let bytes = std::fs::read(path).map_err(|e| AppError::invalid("file", format!("无法读取文件 {}：{e}", path.display())))?;
        let text =
            String::from_utf8(bytes).map_err(|_| AppError::invalid("file", format!("{} 不是 UTF-8 编码的文本文件", path.display())))?;
        Ok(ImportFile { name: path.display().to_string(), text: text.trim_start_matches('\u{feff}').to_owned() })
    }
}

/// Progress of an import, reported to the caller's bar.
pub type Progress = std::sync::Arc<dyn Fn(&str, u64, u64) + Send + Sync>;

/// A row that passed the checks: its code, name, and where it came from (file, line).
pub type CheckedRow = (RegionCode, String, String, u64);

/// Parses and checks the files against each other and against `existing` (padded code →
/// (name, level)); returns the new rows or every bad row.
pub fn check_files(files: &[ImportFile], existing: &HashMap<String, (String, i64)>) -> std::result::Result<Vec<CheckedRow>, Vec<RowError>> {
    let mut errors = Vec::new();
    let mut rows: Vec<CheckedRow> = Vec::new();
    let mut seen: HashMap<String, (usize, u64)> = HashMap::new();
    let mut twins: Vec<CheckedRow> = Vec::new();
    for (fi, file) in files.iter().enumerate() {
        let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(file.text.as_bytes());
        for (i, record) in reader.records().enumerate() {
            let line = i as u64 + 1;
            let record = match record {
                Ok(r) => r,
                Err(e) => {
                    errors.push(RowError { file: file.name.clone(), line, reason: format!("CSV 格式错误：{e}") });
                    continue;
                }
            };
            let code_text = record.get(0).unwrap_or("").trim();
            if line == 1 && code_text.eq_ignore_ascii_case("code") {
                continue;
            }
            if record.iter().all(|f| f.trim().is_empty()) {
                continue;
            }
            let name = record.get(1).unwrap_or("").trim().to_owned();
            let code = match RegionCode::parse(code_text) {
                Ok(c) => c,
                Err(e) => {
                    errors.push(RowError { file: file.name.clone(), line, reason: e.to_string() });
                    continue;
                }
            };
            if name.is_empty() {
                errors.push(RowError { file: file.name.clone(), line, reason: format!("区划 {code} 缺少名称") });
                continue;
            }
            if name.chars().count() > 100 || name.chars().any(char::is_control) {
                errors.push(RowError { file: file.name.clone(), line, reason: format!("区划 {code} 的名称过长或含控制字符") });
                continue;
            }
            // A county-level twin of a city without counties (441900 东莞市): the city itself.
            if code_text.len() == 6 && code.level() == Level::City {
                twins.push((code, name, file.name.clone(), line));
                continue;
            }
            // The file's own parent column, where there is one, must agree with the code.
            if let (Some(parent), Some(given)) = (code.parent(), record.get(2).map(str::trim).filter(|s| !s.is_empty()))
                && RegionCode::parse(given).ok().as_ref() != Some(&parent)
            {
                errors.push(RowError {
                    file: file.name.clone(),
                    line,
                    reason: format!("上级代码 {given} 与区划代码 {code} 不符（应为 {parent}）"),
                });
                continue;
            }
            if let Some(&(first_file, first_line)) = seen.get(code.short()) {
                errors.push(RowError {
                    file: file.name.clone(),
                    line,
                    reason: format!("区划代码 {code} 重复（首次出现在 {} 第 {first_line} 行）", files[first_file].name),
                });
                continue;
            }
            seen.insert(code.short().to_owned(), (fi, line));
            rows.push((code, name, file.name.clone(), line));
        }
    }
    for (code, name, file, line) in twins {
        if !seen.contains_key(code.short()) && !existing.contains_key(&code.padded()) {
            seen.insert(code.short().to_owned(), (0, line));
            rows.push((code, name, file, line));
        }
    }
    for (code, _, file, line) in &rows {
        if let Some(parent) = code.parent()
            && !seen.contains_key(parent.short())
            && !existing.contains_key(&parent.padded())
        {
            errors.push(RowError {
                file: file.clone(),
                line: *line,
                reason: format!("上级区划 {parent} 不存在（既不在已有数据中，也不在本次导入的文件中）"),
            });
        }
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        errors.sort_by(|a, b| (a.file.as_str(), a.line).cmp(&(b.file.as_str(), b.line)));
        Err(errors)
    }
}

impl App {
    /// A region, for anyone (region codes and names are public facts).
    pub async fn region(&self, code: &RegionCode) -> Result<Region> {
        store::get(self.db.reader(), code).await?.ok_or(AppError::NotFound)
    }

    /// The children of a region (the provinces for None).
    pub async fn region_children(&self, code: Option<&RegionCode>) -> Result<Vec<Region>> {
        if let Some(code) = code {
            self.region(code).await?;
        }
        Ok(store::children(self.db.reader(), code).await?)
    }

    /// The region and its ancestors, from the top down (a breadcrumb).
    /// The region and its ancestors, top first (for breadcrumbs); cached for a minute, and
    /// forgotten when regions are imported.
    pub async fn region_lineage(&self, code: &RegionCode) -> Result<Vec<Region>> {
        let key = code.padded();
        {
            let cache = self.caches.lineage.lock().unwrap_or_else(|p| p.into_inner());
            if let Some((_, regions)) = cache.get(&key).filter(|(at, _)| at.elapsed() < crate::LINEAGE_TTL) {
                return Ok(regions.clone());
            }
        }
        let mut regions = store::many(self.db.reader(), &code.lineage()).await?;
        regions.sort_by_key(|r| r.level);
        let mut cache = self.caches.lineage.lock().unwrap_or_else(|p| p.into_inner());
        if cache.len() > 10_000 {
            cache.clear();
        }
        cache.insert(key, (std::time::Instant::now(), regions.clone()));
        Ok(regions)
    }

    pub async fn search_regions(&self, within: &RegionCode, q: &str) -> Result<Vec<Region>> {
        Ok(store::search(self.db.reader(), within, q, 20).await?)
    }

    /// Imports division files: all rows in one transaction, or none and every bad row.
    pub async fn import_regions(&self, actor: &Actor, files: &[ImportFile], progress: Option<Progress>) -> Result<ImportOutcome> {
        const ACTION: &str = "regions.import";
        self.require(actor, Permission::ManageRegions, ACTION).await?;
        let report = |stage: &str, done: u64, total: u64| {
            if let Some(p) = &progress {
                p(stage, done, total)
            }
        };
        let mut all = store::all_names(&self.db).await?;
        let rows = match check_files(files, &all) {
            Ok(rows) => rows,
            Err(errors) => {
                let entry = actor.entry(
                    self.now_ms(),
                    ACTION,
                    Outcome::Failed,
                    "region",
                    "",
                    "",
                    json!({"files": files.iter().map(|f| f.name.as_str()).collect::<Vec<_>>(), "bad_rows": errors.len()}),
                );
                jinguo_store::audit::append_now(&self.db, entry).await?;
                return Ok(ImportOutcome::Rejected(errors));
            }
        };
        let read = rows.len() as u64;
        let mut by_level = [0u64; 5];
        for (code, name, _, _) in rows {
            by_level[(code.level().rank() - 1) as usize] += 1;
            all.insert(code.padded(), (name, code.level().rank()));
        }
        let full = store::with_counts(&all);
        let total_rows = full.len() as u64;
        report("写入", 0, total_rows);
        let p = progress.clone();
        store::write_bulk(&self.db, full, move |done| {
            if let Some(p) = &p {
                p("写入", done, total_rows)
            }
        })
        .await?;
        let total = store::count(self.db.reader()).await?;
        let entry = actor.entry(
            self.now_ms(),
            ACTION,
            Outcome::Ok,
            "region",
            "",
            "",
            json!({"files": files.iter().map(|f| f.name.as_str()).collect::<Vec<_>>(), "rows": read, "by_level": by_level}),
        );
        jinguo_store::audit::append_now(&self.db, entry).await?;
        self.caches.lineage.lock().unwrap_or_else(|p| p.into_inner()).clear();
        Ok(ImportOutcome::Imported(ImportSummary { read, total, by_level }))
    }
}

/// The level names, for summaries.
pub fn level_names() -> [&'static str; 5] {
    let mut out = [""; 5];
    for l in Level::ALL {
        out[(l.rank() - 1) as usize] = l.label();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str, text: &str) -> ImportFile {
        ImportFile { name: name.into(), text: text.into() }
    }

    #[test]
    fn every_bad_row_is_reported_with_file_and_line() {
        let files = [
            file("a.csv", "code,name\n42,湖北省\n4205,宜昌市\n4x05,坏\n"),
            file("b.csv", "code,name,cityCode\n420502,西陵区,4205\n420503,伍家岗区,4206\n420502,重复,4205\n430101,无上级,4301\n"),
        ];
        let errors = check_files(&files, &HashMap::new()).unwrap_err();
        let lines: Vec<(&str, u64)> = errors.iter().map(|e| (e.file.as_str(), e.line)).collect();
        assert_eq!(lines, [("a.csv", 4), ("b.csv", 3), ("b.csv", 4), ("b.csv", 5)], "{errors:?}");
        assert!(errors[2].reason.contains("重复"));
        assert!(errors[3].reason.contains("上级区划"));
    }

    #[test]
    fn a_city_without_counties_is_not_imported_twice() {
        let files = [
            file("areas.csv", "code,name,cityCode,provinceCode\n441900,东莞市,4419,44\n"),
            file("cities.csv", "code,name,provinceCode\n4419,东莞市,44\n"),
            file("streets.csv", "code,name,areaCode\n441900003,东城街道,441900\n"),
            file("provinces.csv", "code,name\n44,广东省\n"),
        ];
        let rows = check_files(&files, &HashMap::new()).unwrap();
        let codes: Vec<&str> = rows.iter().map(|r| r.0.short()).collect();
        assert_eq!(codes.len(), 3, "{codes:?}");
        assert!(codes.contains(&"4419") && codes.contains(&"441900003"));
    }

    #[test]
    fn files_may_come_in_any_order_and_lean_on_existing_regions() {
        let files = [file("v.csv", "420502001001,土街头社区居民委员会,420502001\n"), file("t.csv", "420502001,西陵街道,420502\n")];
        let mut existing = HashMap::new();
        existing.insert("420502000000".to_owned(), ("西陵区".to_owned(), 3));
        let rows = check_files(&files, &existing).unwrap();
        assert_eq!(rows.len(), 2);
    }
}
