//! Care cases (动态监测档案) in spreadsheets: the template, the import (a case for each row,
//! with an optional first visit), and the exports of the case list and the overdue list.
//!
//! A row names its woman by ID number; she must be registered in the actor's scope already.
//! The rules are those of opening a case and recording a visit one at a time
//! ([`crate::care`]): only a woman in a vulnerable category, one open case per woman.

use std::collections::HashMap;

use chrono::NaiveDate;
use jinguo_domain::RegionCode;
use jinguo_domain::people::RiskLevel;
use jinguo_sheet::{Column, Row};
use jinguo_store::audit::Outcome;
use jinguo_store::care::{self as store, CareCase, Filter, NewVisit};
use jinguo_store::{StoreError, Work};
use serde_json::json;

use super::{
    Checked, Download, ExportRequest, ImportOutcome, Imported, OnProgress, Progress, SheetKind, Stage, cell, id_cell, locate, row_errors,
    take_fields,
};
use crate::care::{ONE_OPEN_CASE, VisitInput, case_input, may_open_case, new_case, visit_input};
use crate::{Actor, App, AppError, Result};

/// The care template's columns, in order.
pub const CARE_COLUMNS: [&str; 6] = ["身份证号码", "风险等级", "建档日期", "最近走访日期", "走访情况", "需求"];
const REQUIRED: &[&str] = &["身份证号码", "风险等级"];
const FIELDS: &[(&str, &str)] = &[
    ("risk_level", "风险等级"),
    ("opened_on", "建档日期"),
    ("visited_on", "最近走访日期"),
    ("findings", "走访情况"),
    ("needs", "需求"),
    ("visitor", "走访人"),
];

/// A good row: the case and its first visit, if any.
struct Draft {
    risk: RiskLevel,
    opened_on: NaiveDate,
    visit: Option<NewVisit>,
}

pub(crate) fn template_columns() -> Vec<Column> {
    vec![
        Column {
            header: "身份证号码".into(),
            required: true,
            note: "已登记妇女的 18 位身份证号码（须先在“妇女信息”中登记或导入）。请保持本列为“文本”格式".into(),
            width: 22.0,
            example: "420502199003150020".into(),
            ..Column::default()
        },
        Column {
            header: "风险等级".into(),
            required: true,
            note: "高、中、低：决定走访间隔（默认高风险每月、中风险每季度、低风险每半年走访一次）".into(),
            choices: RiskLevel::ALL.iter().map(|r| r.label().to_owned()).collect(),
            width: 10.0,
            example: "高".into(),
            ..Column::default()
        },
        Column {
            header: "建档日期".into(),
            note: "YYYY-MM-DD，不能晚于今天；留空为导入当天".into(),
            width: 14.0,
            example: "2026-10-08".into(),
            ..Column::default()
        },
        Column {
            header: "最近走访日期".into(),
            note: "选填：填写则同时登记一次走访（YYYY-MM-DD，不早于建档日期、不晚于今天），下次走访日期由此推算".into(),
            width: 14.0,
            example: "2026-11-02".into(),
            ..Column::default()
        },
        Column {
            header: "走访情况".into(),
            note: "填写了最近走访日期时必填，不超过 1000 个字".into(),
            width: 36.0,
            example: "家中生活困难，子女上学费用紧张".into(),
            ..Column::default()
        },
        Column {
            header: "需求".into(),
            note: "选填，不超过 1000 个字".into(),
            width: 24.0,
            example: "子女助学".into(),
            ..Column::default()
        },
    ]
}

fn parse(
    row: &Row,
    at: &[Option<usize>],
    actor: &Actor,
    today: NaiveDate,
) -> (Option<jinguo_domain::people::IdNumber>, Option<Draft>, Vec<(String, String)>) {
    let mut errors = Vec::new();
    let id = id_cell(row, at[0], today, &mut errors);
    let opened = Some(cell(row, at[2])).filter(|s| !s.is_empty());
    let case = take_fields(&mut errors, FIELDS, "风险等级", case_input(cell(row, at[1]), opened, today));
    let (visited, findings, needs) = (cell(row, at[3]), cell(row, at[4]), cell(row, at[5]));
    let mut visit = None;
    if visited.is_empty() && !(findings.is_empty() && needs.is_empty()) {
        errors.push(("最近走访日期".into(), "填写了走访情况或需求，请同时填写最近走访日期".into()));
    } else if !visited.is_empty() {
        let input = VisitInput {
            visited_on: Some(visited.to_owned()),
            findings: findings.to_owned(),
            needs: Some(needs.to_owned()),
            visitor: None,
        };
        // Before a good opening day, the visit is checked against today only.
        let opened_on = case.map_or(NaiveDate::MIN, |(_, d)| d);
        visit = take_fields(&mut errors, FIELDS, "最近走访日期", visit_input(&input, &actor.display_name, actor.account, opened_on, today));
    }
    let draft = match (case, errors.is_empty()) {
        (Some((risk, opened_on)), true) => Some(Draft { risk, opened_on, visit }),
        _ => None,
    };
    (id, draft, errors)
}

impl App {
    /// The care case import template (.xlsx).
    pub fn care_template(&self) -> Result<Download> {
        let bytes = jinguo_sheet::template("监测档案", &template_columns()).map_err(|e| AppError::Internal(e.to_string()))?;
        Ok(Download { file_name: SheetKind::CareCases.template_name(), bytes, rows: 0 })
    }

    /// Opens care cases from a spreadsheet, each with an optional first visit: every row
    /// checked by the rules of opening a case one at a time; one bad row and nothing is written
    /// (the sheet comes back marked); otherwise all land in one transaction with their figures.
    pub async fn import_care_cases(&self, actor: &Actor, file: &str, bytes: Vec<u8>, progress: OnProgress) -> Result<ImportOutcome> {
        const ACTION: &str = "care_case.import";
        self.require(actor, jinguo_domain::access::Permission::WritePeople, ACTION).await?;
        progress(Progress { stage: Stage::Reading, done: 0, total: 0 });
        let sheet = self.read_sheet(file, bytes, REQUIRED).await?;
        let at = locate(&sheet, &CARE_COLUMNS.map(|h| (h, REQUIRED.contains(&h))))?;
        let today = self.today();
        let mut rows = self.check_women_rows(actor, &sheet, |row| parse(row, &at, actor, today), &progress).await?;

        // The rules that need her record: a vulnerable woman, one open case, once in the sheet.
        let mut first_line: HashMap<i64, usize> = HashMap::new();
        for row in &mut rows {
            let Some(p) = row.person.clone() else { continue };
            if let Err(e) = may_open_case(&p) {
                row.errors.extend(e.errors.into_iter().map(|f| f.message));
            }
            if let Some(first) = first_line.get(&p.id) {
                row.errors.push(format!("与第 {first} 行是同一位妇女：每位妇女只能有一份进行中的监测档案"));
                continue;
            }
            first_line.insert(p.id, row.line);
            if store::open_case_of(self.db.reader(), p.id).await?.is_some() {
                row.errors.push(format!("{ONE_OPEN_CASE}，无需重复建档"));
            }
        }
        let count = rows.len();
        let errors = row_errors(&rows);
        if !errors.is_empty() {
            let rejected = self.reject(actor, SheetKind::CareCases, file, sheet, count, errors).await?;
            return Ok(ImportOutcome::Rejected(rejected));
        }
        let (created, visits) = self.write_care_cases(actor, file, &rows, &progress).await?;
        Ok(ImportOutcome::Imported(Imported {
            kind: SheetKind::CareCases,
            rows: count,
            created,
            existing: 0,
            visits,
            repeats: 0,
            follow_ups: 0,
        }))
    }

    async fn write_care_cases(&self, actor: &Actor, file: &str, rows: &[Checked<Draft>], progress: &OnProgress) -> Result<(usize, usize)> {
        let intervals = self.visit_intervals().await?;
        let now = self.now_ms();
        let total = rows.len() as u64;
        let (mut created, mut visits) = (0, 0);
        let mut w = Work::begin(&self.db).await?;
        for row in rows {
            let Some((p, d)) = row.good() else { continue };
            let id = match store::open(&mut w, &new_case(p, d.risk, d.opened_on, &intervals, actor), now).await {
                Ok(id) => id,
                Err(StoreError::Conflict(_)) => {
                    w.rollback().await?;
                    return Err(AppError::Conflict("导入期间有人为表格中的妇女建立了监测档案，未导入任何数据：请重新导入".into()));
                }
                Err(e) => return Err(e.into()),
            };
            created += 1;
            if let Some(v) = &d.visit {
                let case: CareCase = store::get(&w.tx, &actor.scope, id).await?.ok_or(AppError::NotFound)?;
                store::record_visit(&mut w, &case, v, now).await?;
                visits += 1;
            }
            if created % 200 == 0 {
                progress(Progress { stage: Stage::Writing, done: created as u64, total });
            }
        }
        w.audit(actor.entry(
            now,
            "care_case.import",
            Outcome::Ok,
            "sheet",
            "",
            &actor.scope.root().map(|r| r.padded()).unwrap_or_default(),
            json!({"file": file, "rows": rows.len(), "created": created, "visits": visits}),
        ));
        w.commit().await?;
        progress(Progress { stage: Stage::Writing, done: total, total });
        Ok((created, visits))
    }

    /// The care case list (as filtered) as a workbook; masked unless full identity is asked
    /// for (a permission); audited with the reason and the row count.
    pub async fn export_care_cases(
        &self,
        actor: &Actor,
        region: Option<&RegionCode>,
        filter: Filter,
        request: &ExportRequest,
    ) -> Result<Download> {
        const ACTION: &str = "care_case.export";
        let reason = self.export_allowed(actor, ACTION, request).await?;
        let scope = self.list_scope(actor, region, ACTION).await?;
        let mut cases = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let page = store::list(self.db.reader(), &scope, filter, after.as_deref(), 500).await?;
            cases.extend(page.items);
            match page.next {
                Some(n) => after = Some(n),
                None => break,
            }
        }
        let rows = self.case_rows(actor, &scope, &cases, request.full).await?;
        let status = match filter.open {
            Some(true) => "open",
            Some(false) => "closed",
            None => "all",
        };
        let filter = json!({"region": region.map(|r| r.padded()), "risk": filter.risk.map(|r| r.code()), "status": status});
        self.finish_export(actor, ACTION, "监测档案", CASE_HEADERS.to_vec(), rows, region, reason, request, filter).await
    }

    /// The overdue list (open cases past their next visit, the most overdue first) as a
    /// workbook; masked and audited as [`App::export_care_cases`].
    pub async fn export_overdue_cases(&self, actor: &Actor, region: Option<&RegionCode>, request: &ExportRequest) -> Result<Download> {
        const ACTION: &str = "care_case.export";
        let reason = self.export_allowed(actor, ACTION, request).await?;
        let scope = self.list_scope(actor, region, ACTION).await?;
        let today = self.today();
        let mut cases = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let page = store::overdue(self.db.reader(), &scope, today, after.as_deref(), 500).await?;
            cases.extend(page.items);
            match page.next {
                Some(n) => after = Some(n),
                None => break,
            }
        }
        let rows = self.case_rows(actor, &scope, &cases, request.full).await?;
        let filter = json!({"region": region.map(|r| r.padded()), "overdue_on": today});
        self.finish_export(actor, ACTION, "逾期未走访", CASE_HEADERS.to_vec(), rows, region, reason, request, filter).await
    }

    async fn case_rows(&self, actor: &Actor, scope: &jinguo_store::Scope, cases: &[CareCase], full: bool) -> Result<Vec<Vec<String>>> {
        let people = self.people_of(scope, cases.iter().map(|c| c.person)).await?;
        let today = self.today();
        let day = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
        cases
            .iter()
            .map(|c| {
                let (name, id) = self.identity_cells(actor, people.get(&c.person), full)?;
                let open = c.closed_on.is_none();
                let overdue = if open { (today - c.next_due).num_days().max(0) } else { 0 };
                Ok(vec![
                    name,
                    id,
                    c.risk.label().to_owned(),
                    c.opened_on.to_string(),
                    day(c.last_visit_on),
                    c.next_due.to_string(),
                    if overdue > 0 { overdue.to_string() } else { String::new() },
                    (if open { "进行中" } else { "已结案" }).to_owned(),
                    c.region.padded(),
                    c.region_name.clone(),
                    day(c.closed_on),
                    c.close_reason.clone(),
                ])
            })
            .collect()
    }
}

/// The columns of a care case export: the first ones as the template has them.
const CASE_HEADERS: [&str; 12] = [
    "姓名",
    "身份证号码",
    "风险等级",
    "建档日期",
    "最近走访日期",
    "下次走访日期",
    "逾期天数",
    "状态",
    "村(社区)代码",
    "村(社区)",
    "结案日期",
    "结案原因",
];
