//! The registers in spreadsheets (people, care cases, screenings): the import templates,
//! imports that land whole or not at all, and the audited exports of filtered lists.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jinguo_app::health::ScreeningFilter;
use jinguo_app::sheets::{ExportRequest, ImportOutcome, OnProgress, SheetKind};
use jinguo_domain::people::RiskLevel;
use jinguo_store::care::Filter;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::dto;
use super::{ApiJson, ApiQuery, parse_region};
use crate::auth::ApiUser;
use crate::error::ApiError;
use crate::state::AppState;
use crate::views::sheets::download;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The people import template (.xlsx).
#[utoipa::path(get, path = "/api/v1/people/template", tag = "people", security(("bearer" = [])),
    responses((status = 200, description = "the template", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")))]
pub async fn template(State(state): State<AppState>, ApiUser(_actor): ApiUser) -> Result<Response, ApiError> {
    let t = state.app.people_template()?;
    Ok(download(&t.file_name, XLSX, t.bytes))
}

#[derive(Deserialize, IntoParams)]
pub struct ImportQuery {
    /// The file's name (its extension is not needed: the content tells .xlsx from .csv).
    file: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ImportResult {
    /// Data rows in the sheet.
    pub rows: usize,
    /// Records written: people registered, care cases opened, screenings recorded.
    pub created: usize,
    /// People: rows whose person was registered already in scope (found, not duplicated).
    pub existing: usize,
    /// Care cases: first visits recorded with them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub visits: Option<usize>,
    /// Screenings: second screenings for the same cancer in a statistical year (flagged, not
    /// counted again).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repeats: Option<usize>,
    /// Screenings: follow-ups recorded with them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub follow_ups: Option<usize>,
}

#[derive(Serialize, ToSchema)]
pub struct BadRow {
    /// The row's number in the sheet, as a spreadsheet shows it.
    pub line: usize,
    pub message: String,
}

#[derive(Serialize, ToSchema)]
pub struct ImportRejected {
    pub error: ImportRejectedDetail,
}

#[derive(Serialize, ToSchema)]
pub struct ImportRejectedDetail {
    /// `import_rejected`
    pub code: String,
    pub message: String,
    pub rows: usize,
    pub bad_rows: Vec<BadRow>,
}

/// Imports people from a spreadsheet sent as the request body (.xlsx or .csv with the
/// template's headers). All rows land in one transaction, or none (422 with every bad row).
#[utoipa::path(post, path = "/api/v1/people/import", tag = "people", params(ImportQuery), security(("bearer" = [])),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "the .xlsx or .csv file"),
    responses((status = 201, body = ImportResult), (status = 422, body = ImportRejected, description = "nothing written"),
        (status = 403, body = dto::ErrorBody)))]
pub async fn import(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiQuery(q): ApiQuery<ImportQuery>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let name = q.file.unwrap_or_else(|| "upload".into());
    let progress: OnProgress = std::sync::Arc::new(|_| {});
    answer(state.app.import_people(&actor, &name, body.to_vec(), progress).await?)
}

/// An import's outcome as the API answers it: 201 with what landed, or 422 with every bad row.
fn answer(outcome: ImportOutcome) -> Result<Response, ApiError> {
    match outcome {
        ImportOutcome::Imported(d) => {
            let kind = d.kind;
            let only = |k: SheetKind, n: usize| (kind == k).then_some(n);
            let body = ImportResult {
                rows: d.rows,
                created: d.created,
                existing: d.existing,
                visits: only(SheetKind::CareCases, d.visits),
                repeats: only(SheetKind::Screenings, d.repeats),
                follow_ups: only(SheetKind::Screenings, d.follow_ups),
            };
            Ok((StatusCode::CREATED, Json(body)).into_response())
        }
        ImportOutcome::Rejected(r) => {
            let detail = ImportRejectedDetail {
                code: "import_rejected".into(),
                message: format!("共 {} 行，其中 {} 行有错误，未导入任何数据", r.rows, r.errors.len()),
                rows: r.rows,
                bad_rows: r.errors.into_iter().map(|e| BadRow { line: e.line, message: e.message }).collect(),
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Json(ImportRejected { error: detail })).into_response())
        }
    }
}

/// The care case import template (.xlsx): 身份证号码, 风险等级, 建档日期, 最近走访日期, 走访情况, 需求.
#[utoipa::path(get, path = "/api/v1/care/cases/template", tag = "care", security(("bearer" = [])),
    responses((status = 200, description = "the template", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")))]
pub async fn care_template(State(state): State<AppState>, ApiUser(_actor): ApiUser) -> Result<Response, ApiError> {
    let t = state.app.care_template()?;
    Ok(download(&t.file_name, XLSX, t.bytes))
}

/// Opens care cases from a spreadsheet sent as the request body (.xlsx or .csv with the
/// template's headers), each woman found by ID number among those registered in scope, with an
/// optional first visit. All rows land in one transaction, or none (422 with every bad row).
#[utoipa::path(post, path = "/api/v1/care/cases/import", tag = "care", params(ImportQuery), security(("bearer" = [])),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "the .xlsx or .csv file"),
    responses((status = 201, body = ImportResult), (status = 422, body = ImportRejected, description = "nothing written"),
        (status = 403, body = dto::ErrorBody)))]
pub async fn care_import(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiQuery(q): ApiQuery<ImportQuery>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let name = q.file.unwrap_or_else(|| "upload".into());
    answer(state.app.import_care_cases(&actor, &name, body.to_vec(), std::sync::Arc::new(|_| {})).await?)
}

/// The screening import template (.xlsx): 身份证号码, 筛查类型, 筛查日期, 筛查机构, 筛查结果, 随访日期, 诊断.
#[utoipa::path(get, path = "/api/v1/screenings/template", tag = "screenings", security(("bearer" = [])),
    responses((status = 200, description = "the template", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")))]
pub async fn screening_template(State(state): State<AppState>, ApiUser(_actor): ApiUser) -> Result<Response, ApiError> {
    let t = state.app.screening_template()?;
    Ok(download(&t.file_name, XLSX, t.bytes))
}

/// Records screenings from a spreadsheet sent as the request body (.xlsx or .csv with the
/// template's headers), each woman found by ID number among those registered in scope, with an
/// optional follow-up. All rows land in one transaction, or none (422 with every bad row).
#[utoipa::path(post, path = "/api/v1/screenings/import", tag = "screenings", params(ImportQuery), security(("bearer" = [])),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "the .xlsx or .csv file"),
    responses((status = 201, body = ImportResult), (status = 422, body = ImportRejected, description = "nothing written"),
        (status = 403, body = dto::ErrorBody)))]
pub async fn screening_import(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiQuery(q): ApiQuery<ImportQuery>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let name = q.file.unwrap_or_else(|| "upload".into());
    answer(state.app.import_screenings(&actor, &name, body.to_vec(), std::sync::Arc::new(|_| {})).await?)
}

#[derive(Deserialize, ToSchema)]
pub struct ExportPeople {
    region: Option<String>,
    category: Option<String>,
    q: Option<String>,
    /// Why (audited); at least 4 characters.
    reason: String,
    /// Full identity (needs the reveal permission); masked by default.
    #[serde(default)]
    full: bool,
}

/// The people list (as filtered) as an .xlsx; audited with the reason and the row count.
#[utoipa::path(post, path = "/api/v1/people/export", tag = "people", request_body = ExportPeople, security(("bearer" = [])),
    responses((status = 200, description = "the workbook", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 403, body = dto::ErrorBody), (status = 422, body = dto::ErrorBody)))]
pub async fn export(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(e): ApiJson<ExportPeople>,
) -> Result<Response, ApiError> {
    let region = parse_region(e.region.as_deref())?;
    let request = ExportRequest { reason: e.reason, full: e.full };
    let d = state.app.export_people(&actor, region.as_ref(), e.category.as_deref(), e.q.as_deref(), &request).await?;
    Ok(download(&d.file_name, XLSX, d.bytes))
}

#[derive(Deserialize, ToSchema)]
pub struct ExportCases {
    region: Option<String>,
    /// `high`, `medium` or `low`.
    risk: Option<String>,
    /// `open`, `closed`, or `all` (the default, as the list).
    status: Option<String>,
    /// Why (audited); at least 4 characters.
    reason: String,
    /// Full names and ID numbers (needs the reveal permission); masked by default.
    #[serde(default)]
    full: bool,
}

/// The care case list (as filtered) as an .xlsx; audited with the reason and the row count.
#[utoipa::path(post, path = "/api/v1/care/cases/export", tag = "care", request_body = ExportCases, security(("bearer" = [])),
    responses((status = 200, description = "the workbook", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 403, body = dto::ErrorBody), (status = 404, body = dto::ErrorBody), (status = 422, body = dto::ErrorBody)))]
pub async fn care_export(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(e): ApiJson<ExportCases>,
) -> Result<Response, ApiError> {
    let region = parse_region(e.region.as_deref())?;
    let risk = match e.risk.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
        Some(r) => Some(RiskLevel::parse(r).map_err(jinguo_app::AppError::Invalid)?),
        None => None,
    };
    let open = match e.status.as_deref().map(str::trim) {
        None | Some("") | Some("all") => None,
        Some("open") => Some(true),
        Some("closed") => Some(false),
        Some(_) => return Err(jinguo_app::AppError::invalid("status", "状态应为 open、closed 或 all").into()),
    };
    let request = ExportRequest { reason: e.reason, full: e.full };
    let d = state.app.export_care_cases(&actor, region.as_ref(), Filter { risk, open }, &request).await?;
    Ok(download(&d.file_name, XLSX, d.bytes))
}

#[derive(Deserialize, ToSchema)]
pub struct ExportOverdue {
    region: Option<String>,
    /// Why (audited); at least 4 characters.
    reason: String,
    /// Full names and ID numbers (needs the reveal permission); masked by default.
    #[serde(default)]
    full: bool,
}

/// The overdue list (open cases past their next visit, the most overdue first) as an .xlsx;
/// audited with the reason and the row count.
#[utoipa::path(post, path = "/api/v1/care/overdue/export", tag = "care", request_body = ExportOverdue, security(("bearer" = [])),
    responses((status = 200, description = "the workbook", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 403, body = dto::ErrorBody), (status = 404, body = dto::ErrorBody), (status = 422, body = dto::ErrorBody)))]
pub async fn overdue_export(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(e): ApiJson<ExportOverdue>,
) -> Result<Response, ApiError> {
    let region = parse_region(e.region.as_deref())?;
    let request = ExportRequest { reason: e.reason, full: e.full };
    let d = state.app.export_overdue_cases(&actor, region.as_ref(), &request).await?;
    Ok(download(&d.file_name, XLSX, d.bytes))
}

#[derive(Deserialize, ToSchema)]
pub struct ExportScreenings {
    region: Option<String>,
    /// `cervical` or `breast` (or 宫颈癌, 乳腺癌).
    kind: Option<String>,
    /// `normal`, `abnormal` or `suspected`.
    result: Option<String>,
    /// The statistical year (2025 = 2025-04-01 … 2026-03-31).
    year: Option<i64>,
    /// Why (audited); at least 4 characters.
    reason: String,
    /// Full names and ID numbers (needs the reveal permission); masked by default.
    #[serde(default)]
    full: bool,
}

/// The screening list (as filtered) as an .xlsx; audited with the reason and the row count.
#[utoipa::path(post, path = "/api/v1/screenings/export", tag = "screenings", request_body = ExportScreenings, security(("bearer" = [])),
    responses((status = 200, description = "the workbook", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 403, body = dto::ErrorBody), (status = 404, body = dto::ErrorBody), (status = 422, body = dto::ErrorBody)))]
pub async fn screening_export(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(e): ApiJson<ExportScreenings>,
) -> Result<Response, ApiError> {
    let region = parse_region(e.region.as_deref())?;
    let request = ExportRequest { reason: e.reason, full: e.full };
    let filter = ScreeningFilter { kind: e.kind.as_deref(), result: e.result.as_deref(), year: e.year };
    let d = state.app.export_screenings(&actor, region.as_ref(), filter, &request).await?;
    Ok(download(&d.file_name, XLSX, d.bytes))
}
