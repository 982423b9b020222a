//! Two-cancer screenings (两癌筛查) in spreadsheets: the template, the import (a screening for
//! each row, with an optional follow-up), and the export of the screening list.
//!
//! A row names its woman by ID number; she must be registered in the actor's scope already.
//! The rules are those of recording a screening one at a time ([`crate::health`]): aged 35–64
//! on the day, no day in the future; a second screening for the same cancer in a statistical
//! year is recorded and flagged, not counted again.

use std::collections::HashMap;

use chrono::NaiveDate;
use jinguo_domain::RegionCode;
use jinguo_domain::people::{IdNumber, ScreeningKind, ScreeningResult};
use jinguo_sheet::{Column, Row};
use jinguo_store::Work;
use jinguo_store::audit::Outcome;
use jinguo_store::health::{self as store, Screening};
use serde_json::json;

use super::{
    Checked, Download, ExportRequest, ImportOutcome, Imported, OnProgress, Progress, SheetKind, Stage, cell, id_cell, locate, row_errors,
    take_fields,
};
use crate::health::{NO_FOLLOW_UP, ScreeningFields, ScreeningFilter, follow_up_input, may_screen, screening_input};
use crate::{Actor, App, AppError, Result};

/// The screening template's columns, in order.
pub const SCREENING_COLUMNS: [&str; 7] = ["身份证号码", "筛查类型", "筛查日期", "筛查机构", "筛查结果", "随访日期", "诊断"];
const REQUIRED: &[&str] = &["身份证号码", "筛查类型", "筛查日期", "筛查机构", "筛查结果"];
const FIELDS: &[(&str, &str)] = &[
    ("kind", "筛查类型"),
    ("screened_on", "筛查日期"),
    ("site", "筛查机构"),
    ("result", "筛查结果"),
    ("follow_up_on", "随访日期"),
    ("diagnosis", "诊断"),
];

/// A good row: the screening and its follow-up, if any.
struct Draft {
    fields: ScreeningFields,
    follow_up: Option<(NaiveDate, String)>,
}

pub(crate) fn template_columns() -> Vec<Column> {
    vec![
        Column {
            header: "身份证号码".into(),
            required: true,
            note: "已登记妇女的 18 位身份证号码（须先在“妇女信息”中登记或导入）；筛查当日应年满 35 岁、不满 65 岁。请保持本列为“文本”格式".into(),
            width: 22.0,
            example: "420502197003150021".into(),
            ..Column::default()
        },
        Column {
            header: "筛查类型".into(),
            required: true,
            note: "宫颈癌 或 乳腺癌：同一人两项都做的，分两行填写".into(),
            choices: ScreeningKind::ALL.iter().map(|k| k.label().to_owned()).collect(),
            width: 10.0,
            example: "宫颈癌".into(),
            ..Column::default()
        },
        Column {
            header: "筛查日期".into(),
            required: true,
            note: "YYYY-MM-DD，不能晚于今天。统计年度为当年 4 月 1 日至次年 3 月 31 日，同一年度内同类筛查第二次起标为“年度内重复”，不重复计数".into(),
            width: 14.0,
            example: "2026-05-12".into(),
            ..Column::default()
        },
        Column {
            header: "筛查机构".into(),
            required: true,
            note: "不超过 60 个字".into(),
            width: 24.0,
            example: "西陵区妇幼保健院".into(),
            ..Column::default()
        },
        Column {
            header: "筛查结果".into(),
            required: true,
            note: "正常（未见异常）、异常、可疑".into(),
            choices: vec!["正常".into(), "异常".into(), "可疑".into()],
            width: 10.0,
            example: "正常".into(),
            ..Column::default()
        },
        Column {
            header: "随访日期".into(),
            note: "选填，仅用于结果为异常或可疑的：YYYY-MM-DD，不早于筛查日期、不晚于今天".into(),
            width: 14.0,
            example: "2026-06-02".into(),
            ..Column::default()
        },
        Column {
            header: "诊断".into(),
            note: "选填，随访后的诊断结果，不超过 200 个字；填写诊断须同时填写随访日期".into(),
            width: 24.0,
            example: "宫颈炎".into(),
            ..Column::default()
        },
    ]
}

fn parse(row: &Row, at: &[Option<usize>], today: NaiveDate) -> (Option<IdNumber>, Option<Draft>, Vec<(String, String)>) {
    let mut errors = Vec::new();
    let id = id_cell(row, at[0], today, &mut errors);
    let day = cell(row, at[2]);
    if day.is_empty() {
        errors.push(("筛查日期".into(), "请填写筛查日期".into()));
    }
    let fields = take_fields(
        &mut errors,
        FIELDS,
        "筛查类型",
        screening_input(cell(row, at[1]), Some(day).filter(|d| !d.is_empty()), cell(row, at[3]), cell(row, at[4]), today),
    );
    let (follow_on, diagnosis) = (cell(row, at[5]), cell(row, at[6]));
    let mut follow_up = None;
    if !(follow_on.is_empty() && diagnosis.is_empty()) {
        if let Some(f) = fields.as_ref().filter(|f| !f.result.needs_follow_up()) {
            errors.push(("随访日期".into(), format!("筛查结果为“{}”：{NO_FOLLOW_UP}", f.result.label())));
        } else if follow_on.is_empty() {
            errors.push(("随访日期".into(), "填写了诊断，请同时填写随访日期".into()));
        } else {
            let screened_on = fields.as_ref().map_or(NaiveDate::MIN, |f| f.screened_on);
            follow_up = take_fields(&mut errors, FIELDS, "随访日期", follow_up_input(screened_on, Some(follow_on), diagnosis, today));
        }
    }
    let draft = match (fields, errors.is_empty()) {
        (Some(fields), true) => Some(Draft { fields, follow_up }),
        _ => None,
    };
    (id, draft, errors)
}

impl App {
    /// The screening import template (.xlsx).
    pub fn screening_template(&self) -> Result<Download> {
        let bytes = jinguo_sheet::template("两癌筛查", &template_columns()).map_err(|e| AppError::Internal(e.to_string()))?;
        Ok(Download { file_name: SheetKind::Screenings.template_name(), bytes, rows: 0 })
    }

    /// Records screenings from a spreadsheet, each with an optional follow-up: every row checked
    /// by the rules of recording one at a time; one bad row and nothing is written (the sheet
    /// comes back marked); otherwise all land in one transaction with their figures, repeats in
    /// a statistical year flagged as they would be one at a time.
    pub async fn import_screenings(&self, actor: &Actor, file: &str, bytes: Vec<u8>, progress: OnProgress) -> Result<ImportOutcome> {
        const ACTION: &str = "screening.import";
        self.require(actor, jinguo_domain::access::Permission::WritePeople, ACTION).await?;
        progress(Progress { stage: Stage::Reading, done: 0, total: 0 });
        let sheet = self.read_sheet(file, bytes, REQUIRED).await?;
        let at = locate(&sheet, &SCREENING_COLUMNS.map(|h| (h, REQUIRED.contains(&h))))?;
        let today = self.today();
        let mut rows = self.check_women_rows(actor, &sheet, |row| parse(row, &at, today), &progress).await?;

        // The rules that need her record: her age on the day, once in the sheet and on the register.
        let mut first_line: HashMap<(i64, ScreeningKind, NaiveDate), usize> = HashMap::new();
        for row in &mut rows {
            let (Some(p), Some(d)) = (row.person.clone(), row.value.as_ref()) else { continue };
            let f = &d.fields;
            if let Err(e) = may_screen(&p, f.screened_on) {
                row.errors.extend(e.errors.into_iter().map(|f| f.message));
            }
            let key = (p.id, f.kind, f.screened_on);
            if let Some(first) = first_line.get(&key) {
                row.errors.push(format!("与第 {first} 行重复（同一妇女、同一筛查类型、同一筛查日期）"));
                continue;
            }
            first_line.insert(key, row.line);
            if store::recorded_on(self.db.reader(), p.id, f.kind, f.screened_on).await? {
                row.errors.push(format!("她在 {} 的{}筛查已登记过，请勿重复导入", f.screened_on, f.kind.label()));
            }
        }
        let count = rows.len();
        let errors = row_errors(&rows);
        if !errors.is_empty() {
            let rejected = self.reject(actor, SheetKind::Screenings, file, sheet, count, errors).await?;
            return Ok(ImportOutcome::Rejected(rejected));
        }
        let (created, repeats, follow_ups) = self.write_screenings(actor, file, &rows, &progress).await?;
        Ok(ImportOutcome::Imported(Imported {
            kind: SheetKind::Screenings,
            rows: count,
            created,
            existing: 0,
            visits: 0,
            repeats,
            follow_ups,
        }))
    }

    async fn write_screenings(
        &self,
        actor: &Actor,
        file: &str,
        rows: &[Checked<Draft>],
        progress: &OnProgress,
    ) -> Result<(usize, usize, usize)> {
        let now = self.now_ms();
        let total = rows.len() as u64;
        let (mut created, mut repeats, mut follow_ups) = (0, 0, 0);
        // In screening-day order, so the first of two in a year is the one counted, as it would
        // be had they been recorded one at a time.
        let mut good: Vec<_> = rows.iter().filter_map(Checked::good).collect();
        good.sort_by_key(|(_, d)| d.fields.screened_on);
        let mut w = Work::begin(&self.db).await?;
        for (p, d) in good {
            let (id, repeat) = store::insert(&mut w, &d.fields.clone().for_person(p, actor), now).await?;
            created += 1;
            repeats += usize::from(repeat);
            if let Some((day, diagnosis)) = &d.follow_up {
                let s: Screening = store::get(&w.tx, &actor.scope, id).await?.ok_or(AppError::NotFound)?;
                store::record_follow_up(&mut w, &s, *day, diagnosis, now).await?;
                follow_ups += 1;
            }
            if created % 200 == 0 {
                progress(Progress { stage: Stage::Writing, done: created as u64, total });
            }
        }
        w.audit(actor.entry(
            now,
            "screening.import",
            Outcome::Ok,
            "sheet",
            "",
            &actor.scope.root().map(|r| r.padded()).unwrap_or_default(),
            json!({"file": file, "rows": rows.len(), "created": created, "repeats": repeats, "follow_ups": follow_ups}),
        ));
        w.commit().await?;
        progress(Progress { stage: Stage::Writing, done: total, total });
        Ok((created, repeats, follow_ups))
    }

    /// The screening list (as filtered) as a workbook; masked unless full identity is asked for
    /// (a permission); audited with the reason and the row count.
    pub async fn export_screenings(
        &self,
        actor: &Actor,
        region: Option<&RegionCode>,
        filter: ScreeningFilter<'_>,
        request: &ExportRequest,
    ) -> Result<Download> {
        const ACTION: &str = "screening.export";
        let reason = self.export_allowed(actor, ACTION, request).await?;
        let scope = self.list_scope(actor, region, ACTION).await?;
        let kind = filter.kind.map(str::trim).filter(|k| !k.is_empty()).map(ScreeningKind::parse).transpose()?;
        let result = filter.result.map(str::trim).filter(|r| !r.is_empty()).map(ScreeningResult::parse).transpose()?;
        let mut items = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let page = store::list(self.db.reader(), &scope, kind, result, filter.year, after.as_deref(), 500).await?;
            items.extend(page.items);
            match page.next {
                Some(n) => after = Some(n),
                None => break,
            }
        }
        let people = self.people_of(&scope, items.iter().map(|s| s.person)).await?;
        let rows = items
            .iter()
            .map(|s| {
                let (name, id) = self.identity_cells(actor, people.get(&s.person), request.full)?;
                Ok(vec![
                    name,
                    id,
                    s.kind.label().to_owned(),
                    s.screened_on.to_string(),
                    s.site.clone(),
                    s.result.label().to_owned(),
                    s.follow_up_on.map(|d| d.to_string()).unwrap_or_default(),
                    s.diagnosis.clone(),
                    s.stat_year.to_string(),
                    (if s.repeat_in_year { "是" } else { "" }).to_owned(),
                    s.region.padded(),
                ])
            })
            .collect::<Result<Vec<_>>>()?;
        let filter = json!({"region": region.map(|r| r.padded()), "kind": kind.map(|k| k.code()), "result": result.map(|r| r.code()), "year": filter.year});
        self.finish_export(actor, ACTION, "两癌筛查", HEADERS.to_vec(), rows, region, reason, request, filter).await
    }
}

/// The columns of a screening export: the first ones as the template has them.
const HEADERS: [&str; 11] =
    ["姓名", "身份证号码", "筛查类型", "筛查日期", "筛查机构", "筛查结果", "随访日期", "诊断", "统计年度", "年度内重复", "村(社区)代码"];
