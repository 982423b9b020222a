//! Reading: a workbook or CSV file becomes a header row and data rows of trimmed text.

use std::io::Cursor;

use calamine::{Data, Range, Reader};

use crate::{Result, SheetError};

/// How many rows from the top are searched for the header row (officers' sheets often carry a
/// title such as "某某村妇女信息登记表" above it).
const HEADER_SEARCH: usize = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Xlsx,
    Csv,
}

impl Format {
    pub fn extension(self) -> &'static str {
        match self {
            Format::Xlsx => "xlsx",
            Format::Csv => "csv",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Format::Csv => "text/csv; charset=utf-8",
        }
    }
}

/// One row under the header: its line in the sheet as the officer sees it (1-based), its cells
/// as text in the header's column order, and the cells that could not be read faithfully.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub line: usize,
    pub cells: Vec<String>,
    /// (column index, message in Chinese).
    pub problems: Vec<(usize, String)>,
}

impl Row {
    pub fn cell(&self, column: usize) -> &str {
        self.cells.get(column).map(String::as_str).unwrap_or("")
    }

    fn is_blank(&self) -> bool {
        self.cells.iter().all(|c| c.is_empty()) && self.problems.is_empty()
    }
}

#[derive(Debug)]
enum Body {
    /// The decoded text of a CSV file.
    Csv(String),
    Xlsx(Range<Data>),
}

/// A sheet ready to be read, as many times as needed (validation, then writing).
#[derive(Debug)]
pub struct Sheet {
    pub format: Format,
    pub headers: Vec<String>,
    /// The line of the header row (1-based).
    pub header_line: usize,
    body: Body,
}

impl Sheet {
    /// Opens a file; see [`Sheet::from_bytes`].
    pub fn open(path: &std::path::Path, is_header: impl Fn(&[String]) -> bool) -> Result<Sheet> {
        let bytes = std::fs::read(path)?;
        Sheet::from_bytes(&path.to_string_lossy(), bytes, is_header)
    }

    /// Reads a workbook (.xlsx, .xls, .ods: by content, not name) or a CSV file (UTF-8 with or
    /// without a byte-order mark, or GB18030 as Excel saves it on Chinese Windows). The header
    /// row is the first of the top rows that `is_header` accepts; for a workbook, the first
    /// worksheet that has one.
    pub fn from_bytes(name: &str, bytes: Vec<u8>, is_header: impl Fn(&[String]) -> bool) -> Result<Sheet> {
        let is_zip = bytes.starts_with(b"PK\x03\x04");
        let is_ole = bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]);
        if is_zip || is_ole {
            return Sheet::workbook(bytes, &is_header);
        }
        let lower = name.to_lowercase();
        if lower.ends_with(".xlsx") || lower.ends_with(".xls") || lower.ends_with(".ods") {
            return Err(SheetError::Xlsx("文件内容不是 Excel 格式".into()));
        }
        if bytes.contains(&0) {
            return Err(SheetError::UnknownFormat);
        }
        let text = decode_text(bytes);
        let mut sheet = Sheet { format: Format::Csv, headers: Vec::new(), header_line: 0, body: Body::Csv(text) };
        let header = sheet.raw_rows().take(HEADER_SEARCH).filter_map(|r| r.ok()).find(|r| is_header(&r.cells));
        let header = header.ok_or(SheetError::Empty)?;
        sheet.headers = header.cells;
        sheet.header_line = header.line;
        Ok(sheet)
    }

    fn workbook(bytes: Vec<u8>, is_header: &dyn Fn(&[String]) -> bool) -> Result<Sheet> {
        let mut book = calamine::open_workbook_auto_from_rs(Cursor::new(bytes)).map_err(|e| SheetError::Xlsx(e.to_string()))?;
        let count = book.sheet_names().len();
        for n in 0..count {
            let Some(range) = book.worksheet_range_at(n) else { continue };
            let range = range.map_err(|e| SheetError::Xlsx(e.to_string()))?;
            let mut sheet = Sheet { format: Format::Xlsx, headers: Vec::new(), header_line: 0, body: Body::Xlsx(range) };
            let header = sheet.raw_rows().take(HEADER_SEARCH).filter_map(|r| r.ok()).find(|r| is_header(&r.cells));
            if let Some(h) = header {
                sheet.headers = h.cells;
                sheet.header_line = h.line;
                return Ok(sheet);
            }
        }
        Err(SheetError::Empty)
    }

    /// The position of the column headed `header` (spaces and a trailing `*` ignored).
    pub fn column(&self, header: &str) -> Option<usize> {
        self.headers.iter().position(|h| normalise_header(h) == normalise_header(header))
    }

    /// About how many data rows the sheet holds (its lines under the header, blank ones and
    /// line breaks inside quoted cells included): enough to size work and show progress.
    pub fn rows_estimate(&self) -> usize {
        let lines = match &self.body {
            Body::Csv(text) => text.bytes().filter(|b| *b == b'\n').count() + usize::from(!text.ends_with('\n')),
            Body::Xlsx(range) => range.start().map_or(0, |(r, _)| r as usize) + range.height(),
        };
        lines.saturating_sub(self.header_line)
    }

    /// The data rows under the header, blank rows skipped.
    pub fn rows(&self) -> impl Iterator<Item = Result<Row>> + '_ {
        let header_line = self.header_line;
        self.raw_rows().filter(move |r| r.as_ref().map_or(true, |r| r.line > header_line && !r.is_blank()))
    }

    /// Every row of the sheet from its top, title and header rows included.
    pub(crate) fn raw_rows(&self) -> Box<dyn Iterator<Item = Result<Row>> + '_> {
        match &self.body {
            Body::Csv(text) => {
                let reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
                // A record's line is its place among the records, as a spreadsheet numbers
                // rows (a quoted cell spanning lines is still one row).
                Box::new(reader.into_records().enumerate().map(|(i, rec)| {
                    let rec = rec.map_err(|e| SheetError::Csv {
                        line: i as u64 + 1,
                        reason: match e.kind() {
                            csv::ErrorKind::Utf8 { .. } => "含有无法识别的字符".into(),
                            _ => e.to_string(),
                        },
                    })?;
                    Ok(Row { line: i + 1, cells: rec.iter().map(clean).collect(), problems: Vec::new() })
                }))
            }
            Body::Xlsx(range) => {
                let top = range.start().map_or(0, |(r, _)| r as usize);
                let left = range.start().map_or(0, |(_, c)| c as usize);
                Box::new(range.rows().enumerate().map(move |(i, cells)| {
                    let mut row = Row { line: top + i + 1, cells: vec![String::new(); left], problems: Vec::new() };
                    for (j, cell) in cells.iter().enumerate() {
                        let (text, problem) = cell_text(cell);
                        if let Some(p) = problem {
                            row.problems.push((left + j, p));
                        }
                        row.cells.push(text);
                    }
                    while row.cells.last().is_some_and(String::is_empty) {
                        row.cells.pop();
                    }
                    Ok(row)
                }))
            }
        }
    }
}

/// Whether a cell is the header `header`: see [`Sheet::column`].
pub fn same_header(cell: &str, header: &str) -> bool {
    normalise_header(cell) == normalise_header(header)
}

/// Headers compare without spaces, a required-mark `*`, and with full-width brackets as ASCII.
fn normalise_header(h: &str) -> String {
    h.chars()
        .filter(|c| !c.is_whitespace() && *c != '*' && *c != '＊')
        .map(|c| match c {
            '（' => '(',
            '）' => ')',
            c => c,
        })
        .collect()
}

/// Trimmed text, with the invisible characters copy-and-paste brings along removed.
fn clean(s: &str) -> String {
    s.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}' || c == '\u{200b}').to_owned()
}

fn decode_text(bytes: Vec<u8>) -> String {
    let bytes = match bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        Some(rest) => rest.to_vec(),
        None => bytes,
    };
    match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => encoding_rs::GB18030.decode(e.as_bytes()).0.into_owned(),
    }
}

/// A cell as text, and what went wrong reading it, if anything.
fn cell_text(cell: &Data) -> (String, Option<String>) {
    match cell {
        Data::Empty => (String::new(), None),
        Data::String(s) => (clean(s), None),
        Data::Int(i) => (i.to_string(), None),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => (format!("{}", *f as i64), None),
        Data::Float(f) if f.abs() >= 1e15 => (
            format!("{f:.0}"),
            Some("数字位数过多，Excel 已把它存成近似值（身份证号码常见此问题）：请把该列设为“文本”格式后重新填写".into()),
        ),
        Data::Float(f) => (f.to_string(), None),
        Data::Bool(b) => ((if *b { "是" } else { "否" }).into(), None),
        Data::DateTime(dt) => match dt.as_datetime() {
            Some(t) if t.time() == chrono::NaiveTime::MIN => (t.format("%Y-%m-%d").to_string(), None),
            Some(t) => (t.format("%Y-%m-%d %H:%M").to_string(), None),
            None => (String::new(), Some("无法识别的日期".into())),
        },
        Data::DateTimeIso(s) => (s.get(..10).filter(|_| s.len() >= 10).unwrap_or(s).to_owned(), None),
        Data::DurationIso(s) => (s.clone(), None),
        Data::Error(e) => (String::new(), Some(format!("单元格是错误值 {e}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn has_name(cells: &[String]) -> bool {
        cells.iter().any(|c| c == "姓名")
    }

    #[test]
    fn csv_finds_the_header_under_a_title_and_skips_blank_rows() {
        let text = "某某村妇女信息登记表,,\r\n姓名,身份证号码,备注\r\n张三, 420502199001011234 ,\r\n,,\r\n李四,\"420502199001011235\",\"两行\n备注\"\r\n";
        let sheet = Sheet::from_bytes("a.csv", text.as_bytes().to_vec(), has_name).unwrap();
        assert_eq!(sheet.header_line, 2);
        assert_eq!(sheet.column("身份证号码"), Some(1));
        assert_eq!(sheet.column("备 注*"), Some(2));
        assert_eq!(sheet.column("身份证号码（18位）"), None);
        let rows: Vec<Row> = sheet.rows().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 2);
        assert_eq!((rows[0].line, rows[0].cell(1)), (3, "420502199001011234"));
        assert_eq!((rows[1].line, rows[1].cell(0), rows[1].cell(2)), (5, "李四", "两行\n备注"));
        // Lines under the header: the blank row and the quoted line break count too.
        assert_eq!(sheet.rows_estimate(), 4);
    }

    #[test]
    fn csv_saved_by_chinese_excel_in_gb18030_reads_right() {
        let (bytes, _, _) = encoding_rs::GB18030.encode("姓名,住址\n王芳,夷陵区\n");
        let sheet = Sheet::from_bytes("a.csv", bytes.into_owned(), has_name).unwrap();
        let row = sheet.rows().next().unwrap().unwrap();
        assert_eq!(row.cells, vec!["王芳", "夷陵区"]);
    }

    #[test]
    fn a_sheet_without_the_header_is_refused() {
        let err = Sheet::from_bytes("a.csv", b"a,b\n1,2\n".to_vec(), has_name).unwrap_err();
        assert!(matches!(err, SheetError::Empty));
        let err = Sheet::from_bytes("a.xlsx", b"not a workbook".to_vec(), has_name).unwrap_err();
        assert!(err.to_string().contains("Excel"), "{err}");
    }

    #[test]
    fn cells_become_text_and_lossy_numbers_are_flagged() {
        assert_eq!(cell_text(&Data::Float(13800138000.0)).0, "13800138000");
        assert_eq!(cell_text(&Data::Float(2.5)).0, "2.5");
        let (_, problem) = cell_text(&Data::Float(420502199001011200.0));
        assert!(problem.unwrap().contains("文本"));
        assert_eq!(cell_text(&Data::String("  王芳\u{3000}".into())).0, "王芳");
    }
}
