//! The registers in spreadsheets on the web (people, care cases, screenings): the template to
//! download, the upload page, the progress page of a running import (it refreshes itself; no
//! JavaScript), the sheet back with its errors, and the audited export of a filtered list.
//!
//! One set of pages serves every [`SheetKind`] under `/sheets/{kind}/…`; the people pages keep
//! their first addresses (`/people/import`, `/people/template.xlsx`, `/people/export`). Each
//! list exports from its own address (`/care/cases/export`, `/care/overdue/export`,
//! `/screenings/export`) through the one export form.
//!
//! An import runs as a background task so a large sheet never holds a request open; its state
//! lives in memory ([`Jobs`]) and only the account that started it can see it. Nothing is
//! written until every row is good, so a job lost to a restart loses no data.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use askama::Template;
use axum::extract::{MatchedPath, Multipart, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Form, Router};
use jinguo_app::AppError;
use jinguo_app::health::ScreeningFilter;
use jinguo_app::sheets::{ExportRequest, ImportOutcome, Imported, OnProgress, Progress, RowError, SheetKind, Stage};
use jinguo_domain::Invalid;
use jinguo_domain::access::Permission;
use jinguo_domain::people::{PersonCategory, RiskLevel, ScreeningKind, ScreeningResult};
use jinguo_store::care::Filter;
use serde::Deserialize;

use crate::auth::PageUser;
use crate::state::AppState;
use crate::views::{Chrome, FormErrors, PageError, PageResult, page_region, render, render_status, see_other};

/// The largest spreadsheet the upload page takes (bigger files: `jinguo people import`).
pub const UPLOAD_LIMIT: usize = 64 * 1024 * 1024;
/// Bad rows listed on the result page (all of them are in the returned sheet).
const SHOWN_ERRORS: usize = 200;
/// Finished jobs are forgotten after this long.
const KEEP_MS: i64 = 2 * 60 * 60 * 1000;

/// Routes that take an upload (mounted with the larger body limit).
pub fn upload_router() -> Router<AppState> {
    Router::new()
        .route("/people/import", get(people_import_form).post(people_start_import))
        .route("/sheets/{kind}/import", get(import_form).post(start_import))
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/people/template.xlsx", get(people_template))
        .route("/sheets/{kind}/template.xlsx", get(template))
        .route("/people/import/{job}", get(job_page))
        .route("/people/import/{job}/errors", get(job_errors))
        .route("/sheets/import/{job}", get(job_page))
        .route("/sheets/import/{job}/errors", get(job_errors))
        .route("/people/export", get(export_form).post(export))
        .route("/care/cases/export", get(export_form).post(export))
        .route("/care/overdue/export", get(export_form).post(export))
        .route("/screenings/export", get(export_form).post(export))
}

/// A sheet kind from a URL: an unknown one is a page that does not exist.
fn kind_of(code: &str) -> Result<SheetKind, PageError> {
    SheetKind::ALL.into_iter().find(|k| k.code() == code).ok_or(PageError(AppError::NotFound))
}

/// How the pages speak of each kind.
struct KindText {
    /// What is imported, as a title says it.
    what: &'static str,
    /// How to fill the template in.
    fill: &'static str,
    /// What else the officer should know.
    note: &'static str,
}

fn text(kind: SheetKind) -> KindText {
    match kind {
        SheetKind::People => KindText {
            what: "妇女信息",
            fill: "按模板填写：每人一行；身份证号码列保持“文本”格式；村(社区)代码填 12 位。也可上传列名相同的 .csv 文件。",
            note: "已登记过的人员（同一身份证号码）不会重复登记；在其他地区登记的人员会标为错误。",
        },
        SheetKind::CareCases => KindText {
            what: "监测档案",
            fill: "按模板填写：每位妇女一行，以身份证号码对应已登记的妇女；风险等级从下拉列表选择；填写最近走访日期的，同时登记一次走访。也可上传列名相同的 .csv 文件。",
            note: "只能为您管辖范围内已登记、属于困难、留守、残疾、单亲、大病等特殊群体的妇女建档；已有进行中档案的妇女不能重复建档。尚未登记的妇女请先导入人员信息。",
        },
        SheetKind::Screenings => KindText {
            what: "两癌筛查记录",
            fill: "按模板填写：每次筛查一行（宫颈癌、乳腺癌分两行），以身份证号码对应已登记的妇女；结果为异常或可疑并已随访的，可同时填写随访日期和诊断。也可上传列名相同的 .csv 文件。",
            note: "筛查对象为筛查当日年满 35 岁、不满 65 岁的妇女；同一统计年度内同类筛查第二次起标为“年度内重复”，不重复计数。尚未登记的妇女请先导入人员信息。",
        },
    }
}

/// The upload page of a kind.
fn import_path(kind: SheetKind) -> String {
    match kind {
        SheetKind::People => "/people/import".into(),
        k => format!("/sheets/{}/import", k.code()),
    }
}

/// The template of a kind.
fn template_path(kind: SheetKind) -> String {
    match kind {
        SheetKind::People => "/people/template.xlsx".into(),
        k => format!("/sheets/{}/template.xlsx", k.code()),
    }
}

/// The progress page of a job.
fn job_path(kind: SheetKind, id: &str) -> String {
    match kind {
        SheetKind::People => format!("/people/import/{id}"),
        _ => format!("/sheets/import/{id}"),
    }
}

/// The imports started since the server started.
#[derive(Default)]
pub struct Jobs(Mutex<HashMap<String, Job>>);

struct Job {
    kind: SheetKind,
    /// The account that started it: the only one who may see it.
    owner: String,
    file: String,
    started_ms: i64,
    progress: Progress,
    state: JobState,
}

enum JobState {
    Running,
    Imported(Imported),
    Rejected { rows: usize, errors: Vec<RowError>, sheet: Vec<u8>, file_name: String, content_type: &'static str },
    Failed(String),
}

impl Jobs {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Job>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn start(&self, kind: SheetKind, owner: &str, file: &str, now_ms: i64) -> String {
        let id = jinguo_crypto::random_token(12);
        let mut jobs = self.lock();
        jobs.retain(|_, j| matches!(j.state, JobState::Running) || now_ms - j.started_ms < KEEP_MS);
        jobs.insert(
            id.clone(),
            Job {
                kind,
                owner: owner.to_owned(),
                file: file.to_owned(),
                started_ms: now_ms,
                progress: Progress { stage: Stage::Reading, done: 0, total: 0 },
                state: JobState::Running,
            },
        );
        id
    }

    fn update(&self, id: &str, f: impl FnOnce(&mut Job)) {
        if let Some(job) = self.lock().get_mut(id) {
            f(job);
        }
    }
}

#[derive(Template)]
#[template(path = "sheets/import.html")]
struct ImportPage {
    chrome: Chrome,
    errors: FormErrors,
    limit_mb: usize,
    what: &'static str,
    fill: &'static str,
    note: &'static str,
    action: String,
    template: String,
    back: &'static str,
}

impl ImportPage {
    fn new(user: &PageUser, kind: SheetKind, errors: FormErrors) -> ImportPage {
        let t = text(kind);
        ImportPage {
            chrome: Chrome::new(user, kind.list_path()),
            errors,
            limit_mb: UPLOAD_LIMIT >> 20,
            what: t.what,
            fill: t.fill,
            note: t.note,
            action: import_path(kind),
            template: template_path(kind),
            back: kind.list_path(),
        }
    }
}

fn require_import(user: &PageUser, kind: SheetKind) -> Result<(), PageError> {
    if user.actor.can(Permission::WritePeople) {
        Ok(())
    } else {
        Err(PageError(AppError::Forbidden(format!("您的角色无权导入{}", text(kind).what))))
    }
}

async fn people_import_form(user: PageUser) -> PageResult {
    show_import_form(user, SheetKind::People)
}

async fn import_form(user: PageUser, Path(kind): Path<String>) -> PageResult {
    show_import_form(user, kind_of(&kind)?)
}

fn show_import_form(user: PageUser, kind: SheetKind) -> PageResult {
    require_import(&user, kind)?;
    Ok(render(&ImportPage::new(&user, kind, FormErrors::default())))
}

fn import_form_error(user: &PageUser, kind: SheetKind, field: &str, message: impl Into<String>) -> Response {
    render_status(StatusCode::UNPROCESSABLE_ENTITY, &ImportPage::new(user, kind, FormErrors(Invalid::field(field, message))))
}

async fn people_start_import(state: State<AppState>, user: PageUser, form: Multipart) -> PageResult {
    run_import(state, user, SheetKind::People, form).await
}

async fn start_import(state: State<AppState>, user: PageUser, Path(kind): Path<String>, form: Multipart) -> PageResult {
    let kind = kind_of(&kind)?;
    run_import(state, user, kind, form).await
}

/// Takes the uploaded file and starts the import in the background.
async fn run_import(State(state): State<AppState>, user: PageUser, kind: SheetKind, mut form: Multipart) -> PageResult {
    let mut csrf = String::new();
    let mut file: Option<(String, Vec<u8>)> = None;
    loop {
        match form.next_field().await {
            Ok(Some(field)) => match field.name() {
                Some("csrf") => csrf = field.text().await.unwrap_or_default(),
                Some("file") => {
                    let name = field.file_name().unwrap_or("upload").to_owned();
                    match field.bytes().await {
                        Ok(b) => file = Some((name, b.to_vec())),
                        Err(_) => {
                            return Ok(import_form_error(
                                &user,
                                kind,
                                "file",
                                format!("文件超过 {} MB，请分批导入或使用命令行导入", UPLOAD_LIMIT >> 20),
                            ));
                        }
                    }
                }
                _ => {}
            },
            Ok(None) => break,
            Err(_) => {
                return Ok(import_form_error(&user, kind, "file", format!("上传未完成或文件超过 {} MB，请重试", UPLOAD_LIMIT >> 20)));
            }
        }
    }
    user.check_csrf(&csrf)?;
    let Some((name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        return Ok(import_form_error(&user, kind, "file", "请选择要导入的 .xlsx 或 .csv 文件"));
    };
    require_import(&user, kind)?;
    let jobs = state.jobs.clone();
    let id = jobs.start(kind, &user.actor.username, &name, state.app.now_ms());
    let (app, actor, job) = (state.app.clone(), user.actor.clone(), id.clone());
    tokio::spawn(async move {
        let progress: OnProgress = {
            let (jobs, job) = (jobs.clone(), job.clone());
            Arc::new(move |p| jobs.update(&job, |j| j.progress = p))
        };
        let outcome = match kind {
            SheetKind::People => app.import_people(&actor, &name, bytes, progress).await,
            SheetKind::CareCases => app.import_care_cases(&actor, &name, bytes, progress).await,
            SheetKind::Screenings => app.import_screenings(&actor, &name, bytes, progress).await,
        };
        jobs.update(&job, |j| {
            j.state = match outcome {
                Ok(ImportOutcome::Imported(done)) => JobState::Imported(done),
                Ok(ImportOutcome::Rejected(r)) => JobState::Rejected {
                    rows: r.rows,
                    file_name: r.file_name(&name),
                    content_type: r.format.content_type(),
                    errors: r.errors,
                    sheet: r.sheet,
                },
                Err(AppError::Internal(cause)) => {
                    tracing::error!(cause = %cause, "import failed");
                    JobState::Failed(AppError::Internal(cause).to_string())
                }
                Err(AppError::Invalid(e)) => JobState::Failed(e.errors.iter().map(|f| f.message.clone()).collect::<Vec<_>>().join("；")),
                Err(e) => JobState::Failed(e.to_string()),
            }
        });
    });
    Ok(see_other(&job_path(kind, &id)))
}

#[derive(Template)]
#[template(path = "sheets/import_job.html")]
struct JobPage {
    chrome: Chrome,
    what: &'static str,
    errors_link: String,
    import: String,
    template: String,
    back: &'static str,
    file: String,
    running: bool,
    stage: &'static str,
    done: u64,
    total: u64,
    /// What landed, when it did.
    imported: Option<String>,
    rejected_rows: usize,
    errors: Vec<RowError>,
    more_errors: usize,
    failed: String,
}

async fn job_page(State(state): State<AppState>, user: PageUser, Path(id): Path<String>) -> PageResult {
    let jobs = state.jobs.lock();
    let job = jobs.get(&id).filter(|j| j.owner == user.actor.username).ok_or(PageError(AppError::NotFound))?;
    let kind = job.kind;
    let mut page = JobPage {
        chrome: Chrome::new(&user, kind.list_path()),
        what: text(kind).what,
        errors_link: format!("{}/errors", job_path(kind, &id)),
        import: import_path(kind),
        template: template_path(kind),
        back: kind.list_path(),
        file: job.file.clone(),
        running: false,
        stage: job.progress.stage.label(),
        done: job.progress.done,
        total: job.progress.total.max(job.progress.done),
        imported: None,
        rejected_rows: 0,
        errors: Vec::new(),
        more_errors: 0,
        failed: String::new(),
    };
    match &job.state {
        JobState::Running => page.running = true,
        JobState::Imported(done) => page.imported = Some(done.summary()),
        JobState::Rejected { rows, errors, .. } => {
            page.rejected_rows = *rows;
            page.errors = errors.iter().take(SHOWN_ERRORS).cloned().collect();
            page.more_errors = errors.len().saturating_sub(SHOWN_ERRORS);
        }
        JobState::Failed(message) => page.failed = message.clone(),
    }
    drop(jobs);
    let mut res = render(&page);
    if page.running {
        res.headers_mut().insert(header::REFRESH, header::HeaderValue::from_static("1"));
    }
    Ok(res)
}

async fn job_errors(State(state): State<AppState>, user: PageUser, Path(id): Path<String>) -> PageResult {
    let jobs = state.jobs.lock();
    let job = jobs.get(&id).filter(|j| j.owner == user.actor.username).ok_or(PageError(AppError::NotFound))?;
    match &job.state {
        JobState::Rejected { sheet, file_name, content_type, .. } => Ok(download(file_name, content_type, sheet.clone())),
        _ => Err(PageError(AppError::NotFound)),
    }
}

/// A file the browser saves, named in Chinese (RFC 6266 `filename*`).
pub fn download(name: &str, content_type: &str, bytes: Vec<u8>) -> Response {
    let disposition = format!(
        "attachment; filename=\"download.{}\"; filename*=UTF-8''{}",
        name.rsplit('.').next().unwrap_or("bin"),
        crate::auth::urlencode(name)
    );
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    )
        .into_response()
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

async fn people_template(state: State<AppState>, user: PageUser) -> PageResult {
    send_template(state, user, SheetKind::People)
}

async fn template(state: State<AppState>, user: PageUser, Path(kind): Path<String>) -> PageResult {
    send_template(state, user, kind_of(&kind)?)
}

fn send_template(State(state): State<AppState>, _user: PageUser, kind: SheetKind) -> PageResult {
    let t = match kind {
        SheetKind::People => state.app.people_template()?,
        SheetKind::CareCases => state.app.care_template()?,
        SheetKind::Screenings => state.app.screening_template()?,
    };
    Ok(download(&t.file_name, XLSX, t.bytes))
}

/// A list that exports: each from its own address, through one form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ExportList {
    People,
    CareCases,
    CareOverdue,
    Screenings,
}

impl ExportList {
    const ALL: [ExportList; 4] = [ExportList::People, ExportList::CareCases, ExportList::CareOverdue, ExportList::Screenings];

    /// The list whose export address was asked for.
    fn at(matched: &MatchedPath) -> Result<ExportList, PageError> {
        let path = matched.as_str().strip_suffix("/export").unwrap_or("");
        ExportList::ALL.into_iter().find(|l| l.path() == path).ok_or(PageError(AppError::NotFound))
    }

    fn path(self) -> &'static str {
        match self {
            ExportList::People => "/people",
            ExportList::CareCases => "/care/cases",
            ExportList::CareOverdue => "/care/overdue",
            ExportList::Screenings => "/screenings",
        }
    }

    fn title(self) -> &'static str {
        match self {
            ExportList::People => "妇女信息",
            ExportList::CareCases => "监测档案",
            ExportList::CareOverdue => "逾期未走访名单",
            ExportList::Screenings => "两癌筛查记录",
        }
    }

    /// What the full-identity box adds.
    fn full_fields(self) -> &'static str {
        match self {
            ExportList::People => "完整的姓名、身份证号码、手机号码和住址",
            _ => "完整的姓名和身份证号码",
        }
    }
}

/// Every list's filters, as its export link carries them.
#[derive(Deserialize, Default)]
struct ExportForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    q: String,
    #[serde(default)]
    risk: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    result: String,
    #[serde(default)]
    year: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    full: Option<String>,
}

impl ExportForm {
    /// The filters of `list`, as (name, value) for hidden fields; empty ones left out.
    fn filters(&self, list: ExportList) -> Vec<(&'static str, String)> {
        let all: Vec<(&'static str, &str)> = match list {
            ExportList::People => vec![("region", &self.region), ("category", &self.category), ("q", &self.q)],
            ExportList::CareCases => vec![("region", &self.region), ("risk", &self.risk), ("status", &self.status)],
            ExportList::CareOverdue => vec![("region", &self.region)],
            ExportList::Screenings => {
                vec![("region", &self.region), ("kind", &self.kind), ("result", &self.result), ("year", &self.year)]
            }
        };
        all.into_iter().filter(|(_, v)| !v.trim().is_empty()).map(|(k, v)| (k, v.trim().to_owned())).collect()
    }

    /// The filters of `list` in words.
    fn describe(&self, list: ExportList) -> String {
        let mut parts = vec![if self.region.trim().is_empty() {
            "您管辖的全部地区".to_owned()
        } else {
            format!("地区 {}", self.region.trim())
        }];
        match list {
            ExportList::People => {
                parts.push(PersonCategory::parse(&self.category).map(|c| c.label().to_owned()).unwrap_or_else(|_| "全部类别".into()));
                if !self.q.trim().is_empty() {
                    parts.push(format!("查找“{}”", self.q.trim()));
                }
            }
            ExportList::CareCases => {
                parts.push(RiskLevel::parse(&self.risk).map(|r| format!("{}风险", r.label())).unwrap_or_else(|_| "全部风险等级".into()));
                parts.push(care_status(&self.status).1.to_owned());
            }
            ExportList::CareOverdue => parts.push("截至今天逾期未走访".into()),
            ExportList::Screenings => {
                parts.push(ScreeningKind::parse(&self.kind).map(|k| k.label().to_owned()).unwrap_or_else(|_| "全部类别".into()));
                parts.push(ScreeningResult::parse(&self.result).map(|r| r.label().to_owned()).unwrap_or_else(|_| "全部结果".into()));
                if let Ok(y) = self.year.trim().parse::<i64>() {
                    parts.push(format!("{y} 年度"));
                }
            }
        }
        parts.join("，")
    }
}

/// A care list's status filter as the list page reads it: (open filter, words).
fn care_status(status: &str) -> (Option<bool>, &'static str) {
    match status {
        "closed" => (Some(false), "已结案"),
        "all" => (None, "全部状态"),
        _ => (Some(true), "进行中"),
    }
}

#[derive(Template)]
#[template(path = "sheets/export.html")]
struct ExportPage {
    chrome: Chrome,
    title: &'static str,
    action: String,
    back: &'static str,
    described: String,
    hidden: Vec<(&'static str, String)>,
    full_fields: &'static str,
    reason: String,
    full: bool,
    can_reveal: bool,
    errors: FormErrors,
}

impl ExportPage {
    fn new(user: &PageUser, list: ExportList, f: &ExportForm, errors: FormErrors) -> ExportPage {
        ExportPage {
            chrome: Chrome::new(user, list.path()),
            title: list.title(),
            action: format!("{}/export", list.path()),
            back: list.path(),
            described: f.describe(list),
            hidden: f.filters(list),
            full_fields: list.full_fields(),
            reason: f.reason.clone(),
            full: f.full.is_some(),
            can_reveal: user.actor.can(Permission::RevealPersonal),
            errors,
        }
    }
}

async fn export_form(matched: MatchedPath, user: PageUser, axum::extract::Query(f): axum::extract::Query<ExportForm>) -> PageResult {
    let list = ExportList::at(&matched)?;
    Ok(render(&ExportPage::new(&user, list, &f, FormErrors::default())))
}

async fn export(matched: MatchedPath, State(state): State<AppState>, user: PageUser, Form(f): Form<ExportForm>) -> PageResult {
    let list = ExportList::at(&matched)?;
    user.check_csrf(&f.csrf)?;
    let region = page_region(Some(&f.region))?;
    let request = ExportRequest { reason: f.reason.clone(), full: f.full.is_some() };
    let (app, actor, region) = (&state.app, &user.actor, region.as_ref());
    let done = match list {
        ExportList::People => app.export_people(actor, region, Some(&f.category), Some(&f.q), &request).await,
        ExportList::CareCases => {
            let risk = RiskLevel::ALL.into_iter().find(|r| r.code() == f.risk.trim());
            app.export_care_cases(actor, region, Filter { risk, open: care_status(f.status.trim()).0 }, &request).await
        }
        ExportList::CareOverdue => app.export_overdue_cases(actor, region, &request).await,
        ExportList::Screenings => {
            let filter =
                ScreeningFilter { kind: Some(f.kind.as_str()), result: Some(f.result.as_str()), year: f.year.trim().parse::<i64>().ok() };
            app.export_screenings(actor, region, filter, &request).await
        }
    };
    match done {
        Ok(d) => Ok(download(&d.file_name, XLSX, d.bytes)),
        Err(AppError::Invalid(e)) => Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &ExportPage::new(&user, list, &f, FormErrors(e)))),
        Err(e) => Err(e.into()),
    }
}
