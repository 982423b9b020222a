//! `/reports` (工作报告): the work report of a region and period, previewed on the page and
//! downloaded as .md or .docx; and, for the system administrator, the report's template:
//! download it, upload a replacement (refused with every fault and its line, nothing changed),
//! or go back to the default.

use askama::Template;
use axum::Router;
use axum::extract::{Multipart, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use chrono::{Datelike, NaiveDate};
use jinguo_app::AppError;
use jinguo_app::report::{Format, Report};
use jinguo_domain::Invalid;
use jinguo_domain::access::Permission;
use jinguo_domain::insight::Period;
use pulldown_cmark::{Event, Options, Parser};
use serde::Deserialize;

use crate::auth::PageUser;
use crate::state::AppState;
use crate::views::sheets::download;
use crate::views::{Chrome, FormErrors, PageError, PageResult, SelectOption, filter_date, render_status, see_other};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/reports", get(page))
        .route("/reports/download", get(download_report))
        .route("/reports/template", get(download_template).post(upload_template))
        .route("/reports/template/reset", post(reset_template))
}

const PATH: &str = "/reports";

/// Uploaded templates are text; anything larger than this is not one.
const UPLOAD_LIMIT: usize = 1024 * 1024;

#[derive(Deserialize, Default)]
struct ReportQuery {
    region: Option<String>,
    from: Option<String>,
    to: Option<String>,
    format: Option<String>,
    /// Show the report on the page.
    preview: Option<String>,
    /// After a template change: `uploaded` or `reset`.
    saved: Option<String>,
}

#[derive(Template)]
#[template(path = "insight/report.html")]
struct ReportPage {
    chrome: Chrome,
    regions: Vec<SelectOption>,
    from: String,
    to: String,
    formats: Vec<SelectOption>,
    /// The report as HTML (Markdown rendered, raw HTML in it shown as text), when asked for.
    preview: String,
    title: String,
    errors: FormErrors,
    /// The template section, for the system administrator.
    manages_template: bool,
    custom_template: bool,
    template_errors: Vec<String>,
}

/// The last five full calendar years before `today`.
fn default_period(today: NaiveDate) -> Period {
    let year = today.year();
    let from = NaiveDate::from_ymd_opt(year - 5, 1, 1).unwrap_or(today);
    let to = NaiveDate::from_ymd_opt(year - 1, 12, 31).unwrap_or(today);
    Period { from, to }
}

/// The period asked for; a bad bound keeps its default and leaves a message in `errors`.
fn period(today: NaiveDate, from: Option<&str>, to: Option<&str>, errors: &mut Invalid) -> Period {
    let default = default_period(today);
    let from = filter_date("from", "开始日期", from, errors).unwrap_or(default.from);
    let to = filter_date("to", "结束日期", to, errors).unwrap_or(default.to);
    match Period::new(from, to) {
        Ok(p) => p,
        Err(e) => {
            errors.errors.extend(e.errors);
            default
        }
    }
}

/// Markdown as HTML for the preview. Raw HTML in the Markdown (an uploaded template may hold
/// some) is shown as text, never run.
fn to_html(markdown: &str) -> String {
    let events = Parser::new_ext(markdown, Options::ENABLE_TABLES).map(|e| match e {
        Event::Html(t) | Event::InlineHtml(t) => Event::Text(t),
        other => other,
    });
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, events);
    html
}

async fn page(State(state): State<AppState>, user: PageUser, Query(q): Query<ReportQuery>) -> PageResult {
    let page = build_page(&state, &user, &q).await?;
    let status = if page.errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok(render_status(status, &page))
}

/// The page for `q`: the form, the preview when asked for, and the template section.
async fn build_page(state: &AppState, user: &PageUser, q: &ReportQuery) -> Result<ReportPage, PageError> {
    let actor = &user.actor;
    let region = super::region(state, &user.actor, q.region.as_deref())?;
    let mut invalid = Invalid::new();
    let period = period(state.app.today(), q.from.as_deref(), q.to.as_deref(), &mut invalid);
    let format = q.format.as_deref().and_then(|f| Format::parse(f).ok()).unwrap_or(Format::Docx);
    // The region itself and the regions below it, within scope.
    let here = state.app.region(&region).await?;
    let mut regions = vec![SelectOption::new(region.short(), here.name.clone(), region.short())];
    for child in state.app.region_children(Some(&region)).await?.into_iter().filter(|c| actor.scope.contains(&c.code)) {
        regions.push(SelectOption::new(child.code.short(), format!("— {}", child.name), region.short()));
    }
    if let Some(parent) = here.parent.filter(|p| actor.scope.contains(p))
        && let Ok(p) = state.app.region(&parent).await
    {
        regions.insert(0, SelectOption::new(parent.short(), format!("{}（上级）", p.name), region.short()));
    }

    let mut page = ReportPage {
        chrome: Chrome::new(user, PATH).with_region(state, actor, &region, PATH).await,
        regions,
        from: period.from.to_string(),
        to: period.to.to_string(),
        formats: vec![
            SelectOption::new("docx", "Word 文档（.docx）", format.extension()),
            SelectOption::new("md", "Markdown 文本（.md）", format.extension()),
        ],
        preview: String::new(),
        title: String::new(),
        errors: FormErrors::default(),
        manages_template: actor.can(Permission::ManageReportTemplate),
        custom_template: false,
        template_errors: Vec::new(),
    };
    if page.manages_template {
        page.custom_template = state.app.report_template(actor).await?.custom;
        page.chrome = match q.saved.as_deref() {
            Some("uploaded") => page.chrome.notice("已启用新模板"),
            Some("reset") => page.chrome.notice("已恢复默认模板"),
            _ => page.chrome,
        };
    }
    if q.preview.is_some() && invalid.is_empty() {
        match state.app.work_report(actor, &region, period, None).await {
            Ok(report) => {
                page.preview = to_html(&report.markdown);
                page.title = report.title;
            }
            Err(AppError::Invalid(e)) => invalid.errors.extend(e.errors.into_iter().map(|mut f| {
                f.field = "form".into();
                f.message = format!("当前模板无法生成报告：{}", f.message);
                f
            })),
            Err(e) => return Err(e.into()),
        }
    }
    page.errors = FormErrors(invalid);
    Ok(page)
}

async fn download_report(State(state): State<AppState>, user: PageUser, Query(q): Query<ReportQuery>) -> PageResult {
    let region = super::region(&state, &user.actor, q.region.as_deref())?;
    let mut invalid = Invalid::new();
    let period = period(state.app.today(), q.from.as_deref(), q.to.as_deref(), &mut invalid);
    let format = match q.format.as_deref() {
        None | Some("") => Format::Docx,
        Some(f) => match Format::parse(f) {
            Ok(f) => f,
            Err(e) => {
                invalid.errors.extend(e.errors);
                Format::Docx
            }
        },
    };
    if !invalid.is_empty() {
        return Err(PageError(AppError::Invalid(invalid)));
    }
    let report: Report = state.app.work_report(&user.actor, &region, period, None).await?;
    let bytes = report.bytes(format)?;
    Ok(download(&report.file_name(format), format.content_type(), bytes))
}

async fn download_template(State(state): State<AppState>, user: PageUser) -> PageResult {
    let t = state.app.report_template(&user.actor).await?;
    let name = if t.custom { "工作报告模板（当前）.md.j2" } else { "工作报告模板（默认）.md.j2" };
    Ok(download(name, "text/plain; charset=utf-8", t.text.into_bytes()))
}

async fn upload_template(State(state): State<AppState>, user: PageUser, mut form: Multipart) -> PageResult {
    let mut csrf = String::new();
    let mut file: Option<Vec<u8>> = None;
    loop {
        match form.next_field().await {
            Ok(Some(field)) => match field.name() {
                Some("csrf") => csrf = field.text().await.unwrap_or_default(),
                Some("file") => match field.bytes().await {
                    Ok(b) if b.len() <= UPLOAD_LIMIT => file = Some(b.to_vec()),
                    _ => return template_refused(&state, &user, vec![format!("模板文件不能超过 {} KB", UPLOAD_LIMIT / 1024)]).await,
                },
                _ => {}
            },
            Ok(None) => break,
            Err(_) => return template_refused(&state, &user, vec!["上传未完成，请重试".into()]).await,
        }
    }
    user.check_csrf(&csrf)?;
    let Some(bytes) = file.filter(|b| !b.is_empty()) else {
        return template_refused(&state, &user, vec!["请选择要上传的模板文件（.md.j2，UTF-8 文本）".into()]).await;
    };
    let Ok(text) = String::from_utf8(bytes) else {
        return template_refused(&state, &user, vec!["模板应为 UTF-8 编码的文本文件".into()]).await;
    };
    // A BOM from Windows editors is not part of the template.
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    match state.app.set_report_template(&user.actor, text).await {
        Ok(()) => Ok(see_other(&format!("{PATH}?saved=uploaded#template"))),
        Err(AppError::Invalid(e)) => template_refused(&state, &user, e.errors.into_iter().map(|f| f.message).collect()).await,
        Err(e) => Err(e.into()),
    }
}

/// The report page with the upload's faults in the template section (422); the template in
/// force is unchanged.
async fn template_refused(state: &AppState, user: &PageUser, messages: Vec<String>) -> PageResult {
    // Anyone but the administrator is refused as such (and the refusal audited).
    state.app.require(&user.actor, Permission::ManageReportTemplate, "report.template.update").await?;
    let mut page = build_page(state, user, &ReportQuery::default()).await?;
    page.template_errors = messages;
    Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
}

#[derive(Deserialize)]
struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

async fn reset_template(State(state): State<AppState>, user: PageUser, axum::Form(f): axum::Form<CsrfForm>) -> PageResult {
    user.check_csrf(&f.csrf)?;
    state.app.reset_report_template(&user.actor).await?;
    Ok(see_other(&format!("{PATH}?saved=reset#template")))
}
