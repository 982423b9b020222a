//! People in spreadsheets on the web: the template to download, the upload page, the progress
//! page of a running import (it refreshes itself; no JavaScript), the sheet back with its errors,
//! and the audited export of a filtered list.
//!
//! An import runs as a background task so a large sheet never holds a request open; its state
//! lives in memory ([`Jobs`]) and only the account that started it can see it. Nothing is
//! written until every row is good, so a job lost to a restart loses no data.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Form, Router};
use jinguo_app::AppError;
use jinguo_app::sheets::{ExportRequest, ImportOutcome, Imported, OnProgress, Progress, RowError, Stage};
use jinguo_domain::Invalid;
use jinguo_domain::access::Permission;
use jinguo_domain::people::PersonCategory;
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
    Router::new().route("/people/import", get(import_form).post(start_import))
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/people/template.xlsx", get(template))
        .route("/people/import/{job}", get(job_page))
        .route("/people/import/{job}/errors", get(job_errors))
        .route("/people/export", get(export_form).post(export))
}

/// The imports started since the server started.
#[derive(Default)]
pub struct Jobs(Mutex<HashMap<String, Job>>);

struct Job {
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

    fn start(&self, owner: &str, file: &str, now_ms: i64) -> String {
        let id = jinguo_crypto::random_token(12);
        let mut jobs = self.lock();
        jobs.retain(|_, j| matches!(j.state, JobState::Running) || now_ms - j.started_ms < KEEP_MS);
        jobs.insert(
            id.clone(),
            Job {
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
#[template(path = "people/import.html")]
struct ImportPage {
    chrome: Chrome,
    errors: FormErrors,
    limit_mb: usize,
}

async fn import_form(user: PageUser) -> PageResult {
    if !user.actor.can(Permission::WritePeople) {
        return Err(PageError(AppError::Forbidden("您的角色无权导入人员信息".into())));
    }
    Ok(render(&ImportPage { chrome: Chrome::new(&user, "/people"), errors: FormErrors::default(), limit_mb: UPLOAD_LIMIT >> 20 }))
}

fn import_form_error(user: &PageUser, field: &str, message: impl Into<String>) -> Response {
    let errors = FormErrors(Invalid::field(field, message));
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &ImportPage { chrome: Chrome::new(user, "/people"), errors, limit_mb: UPLOAD_LIMIT >> 20 },
    )
}

/// Takes the uploaded file and starts the import in the background.
async fn start_import(State(state): State<AppState>, user: PageUser, mut form: Multipart) -> PageResult {
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
                                "file",
                                format!("文件超过 {} MB，请分批导入或使用命令行导入", UPLOAD_LIMIT >> 20),
                            ));
                        }
                    }
                }
                _ => {}
            },
            Ok(None) => break,
            Err(_) => return Ok(import_form_error(&user, "file", format!("上传未完成或文件超过 {} MB，请重试", UPLOAD_LIMIT >> 20))),
        }
    }
    user.check_csrf(&csrf)?;
    let Some((name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        return Ok(import_form_error(&user, "file", "请选择要导入的 .xlsx 或 .csv 文件"));
    };
    if !user.actor.can(Permission::WritePeople) {
        return Err(PageError(AppError::Forbidden("您的角色无权导入人员信息".into())));
    }
    let jobs = state.jobs.clone();
    let id = jobs.start(&user.actor.username, &name, state.app.now_ms());
    let (app, actor, job) = (state.app.clone(), user.actor.clone(), id.clone());
    tokio::spawn(async move {
        let progress: OnProgress = {
            let (jobs, job) = (jobs.clone(), job.clone());
            Arc::new(move |p| jobs.update(&job, |j| j.progress = p))
        };
        let outcome = app.import_people(&actor, &name, bytes, progress).await;
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
    Ok(see_other(&format!("/people/import/{id}")))
}

#[derive(Template)]
#[template(path = "people/import_job.html")]
struct JobPage {
    chrome: Chrome,
    id: String,
    file: String,
    running: bool,
    stage: &'static str,
    done: u64,
    total: u64,
    imported: Option<Imported>,
    rejected_rows: usize,
    errors: Vec<RowError>,
    more_errors: usize,
    failed: String,
}

async fn job_page(State(state): State<AppState>, user: PageUser, Path(id): Path<String>) -> PageResult {
    let jobs = state.jobs.lock();
    let job = jobs.get(&id).filter(|j| j.owner == user.actor.username).ok_or(PageError(AppError::NotFound))?;
    let mut page = JobPage {
        chrome: Chrome::new(&user, "/people"),
        id: id.clone(),
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
        JobState::Imported(done) => page.imported = Some(done.clone()),
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

async fn template(State(state): State<AppState>, _user: PageUser) -> PageResult {
    let t = state.app.people_template()?;
    Ok(download(&t.file_name, XLSX, t.bytes))
}

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
    reason: String,
    #[serde(default)]
    full: Option<String>,
}

#[derive(Template)]
#[template(path = "people/export.html")]
struct ExportPage {
    chrome: Chrome,
    f: ExportForm,
    category_label: String,
    can_reveal: bool,
    errors: FormErrors,
}

fn category_label(code: &str) -> String {
    PersonCategory::parse(code).map(|c| c.label().to_owned()).unwrap_or_else(|_| "全部类别".into())
}

async fn export_form(user: PageUser, axum::extract::Query(f): axum::extract::Query<ExportForm>) -> PageResult {
    let category_label = category_label(&f.category);
    let can_reveal = user.actor.can(Permission::RevealPersonal);
    Ok(render(&ExportPage { chrome: Chrome::new(&user, "/people"), f, category_label, can_reveal, errors: FormErrors::default() }))
}

async fn export(State(state): State<AppState>, user: PageUser, Form(f): Form<ExportForm>) -> PageResult {
    user.check_csrf(&f.csrf)?;
    let region = page_region(Some(&f.region))?;
    let request = ExportRequest { reason: f.reason.clone(), full: f.full.is_some() };
    match state.app.export_people(&user.actor, region.as_ref(), Some(&f.category), Some(&f.q), &request).await {
        Ok(d) => Ok(download(&d.file_name, XLSX, d.bytes)),
        Err(AppError::Invalid(e)) => {
            let category_label = category_label(&f.category);
            let can_reveal = user.actor.can(Permission::RevealPersonal);
            Ok(render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &ExportPage { chrome: Chrome::new(&user, "/people"), f, category_label, can_reveal, errors: FormErrors(e) },
            ))
        }
        Err(e) => Err(e.into()),
    }
}
