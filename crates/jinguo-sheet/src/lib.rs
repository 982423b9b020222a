//! Spreadsheets as the federation's officers use them: the rows of an .xlsx or .csv file read as
//! text under their headers, and .xlsx files written back (import templates with drop-downs
//! and a sheet of instructions, exports of lists, and the uploaded sheet returned with an
//! error column).
//!
//! This crate knows nothing of people or regions: it turns cells into trimmed text (numbers
//! without a spurious `.0`, dates as `YYYY-MM-DD`) and says which cells it could not read
//! faithfully, such as an 18-digit ID number that Excel stored as a rounded number. What the
//! text means is the application's business.

mod read;
mod write;

pub use read::{Format, Row, Sheet, same_header};
pub use write::{Column, error_sheet, table, template};

#[derive(Debug, thiserror::Error)]
pub enum SheetError {
    #[error("无法读取文件：{0}")]
    Io(#[from] std::io::Error),
    #[error("文件格式无法识别：请上传 .xlsx 或 .csv 文件")]
    UnknownFormat,
    #[error("无法打开 Excel 文件（{0}）：请确认文件未损坏，并另存为 .xlsx 格式后重试")]
    Xlsx(String),
    #[error("CSV 文件第 {line} 行无法读取：{reason}")]
    Csv { line: u64, reason: String },
    #[error("表格是空的：第一行应为列名（如 姓名、身份证号码）")]
    Empty,
    #[error("无法生成 Excel 文件：{0}")]
    Write(String),
}

impl From<rust_xlsxwriter::XlsxError> for SheetError {
    fn from(e: rust_xlsxwriter::XlsxError) -> SheetError {
        SheetError::Write(e.to_string())
    }
}

pub type Result<T, E = SheetError> = std::result::Result<T, E>;
