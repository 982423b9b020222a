//! The people register in spreadsheets: the import template, an import that lands whole or not
//! at all, and the audited export.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jinguo_app::sheets::{ExportRequest, ImportOutcome, OnProgress};
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
    pub created: usize,
    /// Rows whose person was registered already in scope (found, not duplicated).
    pub existing: usize,
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
    match state.app.import_people(&actor, &name, body.to_vec(), progress).await? {
        ImportOutcome::Imported(d) => {
            Ok((StatusCode::CREATED, Json(ImportResult { rows: d.rows, created: d.created, existing: d.existing })).into_response())
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
