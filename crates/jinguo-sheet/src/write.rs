//! Writing: import templates, exports of lists, and a sheet sent back with its errors marked.
//! Every cell is written as text, so an ID number or a village code never becomes a number.

use std::collections::HashMap;

use rust_xlsxwriter::{Color, DataValidation, DataValidationErrorStyle, Format as CellFormat, FormatBorder, Workbook, Worksheet};

use crate::read::{Format, Sheet};
use crate::{Result, SheetError};

/// Rows of a template that carry the drop-downs and the text format.
const TEMPLATE_ROWS: u32 = 20_000;
const ERROR_HEADER: &str = "错误说明";

/// A column of an import template.
#[derive(Debug, Clone, Default)]
pub struct Column {
    pub header: String,
    pub required: bool,
    /// What to write in it, for the instructions sheet.
    pub note: String,
    /// The values a drop-down offers (empty: free text).
    pub choices: Vec<String>,
    /// Several choices may be joined by 、 (the drop-down then only suggests).
    pub multiple: bool,
    pub width: f64,
    /// A filled-in example for the instructions sheet.
    pub example: String,
}

fn header_format() -> CellFormat {
    CellFormat::new().set_bold().set_background_color(Color::RGB(0xF2E6D9)).set_border(FormatBorder::Thin).set_font_name("宋体")
}

fn text_format() -> CellFormat {
    CellFormat::new().set_num_format("@").set_font_name("宋体")
}

/// An import template: the data sheet (headers, text format, drop-downs; required headers
/// marked with *) and a sheet explaining each column.
pub fn template(data_sheet: &str, columns: &[Column]) -> Result<Vec<u8>> {
    let mut book = Workbook::new();
    let header = header_format();
    let text = text_format();
    {
        let ws = book.add_worksheet().set_name(data_sheet)?;
        for (i, c) in columns.iter().enumerate() {
            let col = i as u16;
            let title = if c.required { format!("{}*", c.header) } else { c.header.clone() };
            ws.set_column_width(col, if c.width > 0.0 { c.width } else { 14.0 })?;
            ws.set_column_format(col, &text)?;
            ws.write_string_with_format(0, col, &title, &header)?;
            if !c.choices.is_empty() {
                let choices: Vec<&str> = c.choices.iter().map(String::as_str).collect();
                let mut dv = DataValidation::new().allow_list_strings(&choices)?.set_input_title(c.header.as_str())?.set_input_message(
                    if c.multiple { "可从列表选择；多个类别请用“、”连接" } else { "请从列表中选择" },
                )?;
                if c.multiple {
                    dv = dv.set_error_style(DataValidationErrorStyle::Information);
                } else {
                    dv = dv.set_error_message("请从下拉列表中选择")?;
                }
                ws.add_data_validation(1, col, TEMPLATE_ROWS, col, &dv)?;
            }
        }
        ws.set_freeze_panes(1, 0)?;
        ws.set_landscape().set_print_fit_to_pages(1, 0);
    }
    {
        let ws = book.add_worksheet().set_name("填写说明")?;
        ws.set_landscape().set_print_fit_to_pages(1, 0);
        for (col, (title, width)) in
            [("列名", 16.0), ("是否必填", 10.0), ("填写要求", 60.0), ("可选值", 40.0), ("示例", 24.0)].iter().enumerate()
        {
            ws.set_column_width(col as u16, *width)?;
            ws.write_string_with_format(0, col as u16, *title, &header)?;
        }
        let wrap = CellFormat::new().set_text_wrap().set_font_name("宋体");
        for (i, c) in columns.iter().enumerate() {
            let row = i as u32 + 1;
            let cells = [c.header.as_str(), if c.required { "必填" } else { "选填" }, c.note.as_str(), &c.choices.join("、"), &c.example];
            for (col, v) in cells.iter().enumerate() {
                ws.write_string_with_format(row, col as u16, *v, &wrap)?;
            }
        }
        let last = columns.len() as u32 + 2;
        ws.write_string(
            last,
            0,
            "说明：带 * 的列必须填写；整个表格的每一行都检查无误后才会一次性导入，有一行出错则全部不导入，并把标明错误的表格返回给您。",
        )?;
    }
    Ok(book.save_to_buffer()?)
}

/// A list as a workbook: a bold header row, then the rows, all as text.
pub fn table(sheet_name: &str, headers: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> Result<Vec<u8>> {
    let mut book = Workbook::new();
    let ws = book.add_worksheet().set_name(sheet_name)?;
    let header = header_format();
    let text = text_format();
    for (col, h) in headers.iter().enumerate() {
        ws.set_column_width(col as u16, (h.chars().count() as f64 * 2.2).max(12.0))?;
        ws.write_string_with_format(0, col as u16, *h, &header)?;
    }
    for (i, row) in rows.into_iter().enumerate() {
        write_row(ws, i as u32 + 1, 0, &row, &text)?;
    }
    ws.set_freeze_panes(1, 0)?;
    ws.set_landscape().set_print_fit_to_pages(1, 0);
    Ok(book.save_to_buffer()?)
}

fn write_row(ws: &mut Worksheet, row: u32, first_col: u16, cells: &[String], format: &CellFormat) -> Result<()> {
    for (j, v) in cells.iter().enumerate() {
        if !v.is_empty() {
            ws.write_string_with_format(row, first_col + j as u16, v, format)?;
        }
    }
    Ok(())
}

/// The uploaded sheet returned as it came, every row in its place, with a first column
/// "错误说明" saying what is wrong with each bad row (highlighted). `errors` is keyed by the
/// row's line. A CSV comes back as CSV (UTF-8 with a byte-order mark, so Excel opens it), a
/// workbook as .xlsx.
pub fn error_sheet(sheet: &Sheet, errors: &HashMap<usize, String>) -> Result<(Vec<u8>, Format)> {
    match sheet.format {
        Format::Csv => {
            let mut out = csv::WriterBuilder::new().flexible(true).from_writer(vec![0xEF, 0xBB, 0xBF]);
            for row in sheet.raw_rows() {
                let row = row?;
                let first = if row.line == sheet.header_line { ERROR_HEADER } else { errors.get(&row.line).map_or("", String::as_str) };
                let mut record = vec![first.to_owned()];
                record.extend(row.cells);
                out.write_record(&record).map_err(|e| SheetError::Write(e.to_string()))?;
            }
            let bytes = out.into_inner().map_err(|e| SheetError::Write(e.to_string()))?;
            Ok((bytes, Format::Csv))
        }
        Format::Xlsx => {
            let mut book = Workbook::new();
            let ws = book.add_worksheet().set_name("导入数据（已标明错误）")?;
            let header = header_format();
            let text = text_format();
            let bad = CellFormat::new().set_num_format("@").set_background_color(Color::RGB(0xFDE2E1)).set_font_name("宋体");
            let message = CellFormat::new().set_font_color(Color::RGB(0xB42318)).set_bold().set_text_wrap().set_font_name("宋体");
            ws.set_column_width(0, 48.0)?;
            for (col, _) in sheet.headers.iter().enumerate() {
                ws.set_column_width(col as u16 + 1, 18.0)?;
            }
            for row in sheet.raw_rows() {
                let row = row?;
                let at = row.line as u32 - 1;
                if row.line == sheet.header_line {
                    ws.write_string_with_format(at, 0, ERROR_HEADER, &header)?;
                    write_row(ws, at, 1, &row.cells, &header)?;
                } else if let Some(e) = errors.get(&row.line) {
                    ws.write_string_with_format(at, 0, e, &message)?;
                    write_row(ws, at, 1, &row.cells, &bad)?;
                } else {
                    write_row(ws, at, 1, &row.cells, &text)?;
                }
            }
            ws.set_freeze_panes(sheet.header_line as u32, 1)?;
            Ok((book.save_to_buffer()?, Format::Xlsx))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn has_name(cells: &[String]) -> bool {
        cells.iter().any(|c| c.trim_end_matches('*') == "姓名")
    }

    fn columns() -> Vec<Column> {
        vec![
            Column { header: "姓名".into(), required: true, note: "2–20 个字".into(), ..Column::default() },
            Column { header: "身份证号码".into(), required: true, ..Column::default() },
            Column { header: "人员类别".into(), choices: vec!["困难".into(), "留守".into()], multiple: true, ..Column::default() },
        ]
    }

    #[test]
    fn a_template_reads_back_as_its_headers() {
        let bytes = template("人员", &columns()).unwrap();
        let sheet = Sheet::from_bytes("t.xlsx", bytes, has_name).unwrap();
        assert_eq!(sheet.format, Format::Xlsx);
        assert_eq!(sheet.headers, vec!["姓名*", "身份证号码*", "人员类别"]);
        assert_eq!(sheet.column("身份证号码"), Some(1));
        assert_eq!(sheet.rows().count(), 0);
        assert_eq!(sheet.rows_estimate(), 0);
    }

    #[test]
    fn an_export_keeps_long_numbers_as_text() {
        let bytes = table("人员", &["姓名", "身份证号码"], vec![vec!["王芳".into(), "420502199001011234".into()]]).unwrap();
        let sheet = Sheet::from_bytes("e.xlsx", bytes, has_name).unwrap();
        let row = sheet.rows().next().unwrap().unwrap();
        assert_eq!(row.cells, vec!["王芳", "420502199001011234"]);
        assert!(row.problems.is_empty());
        assert_eq!(sheet.rows_estimate(), 1);
    }

    #[test]
    fn the_error_sheet_is_the_same_sheet_with_a_first_column_of_errors() {
        let text = "登记表\n姓名,身份证号码\n王芳,1\n李娜,2\n";
        for bytes in [text.as_bytes().to_vec(), table("人员", &["姓名", "身份证号码"], vec![vec!["王芳".into(), "1".into()]]).unwrap()]
        {
            let sheet = Sheet::from_bytes("a", bytes, has_name).unwrap();
            let first = sheet.rows().next().unwrap().unwrap();
            let errors = HashMap::from([(first.line, "身份证号码应为 18 位".to_owned())]);
            let (back, format) = error_sheet(&sheet, &errors).unwrap();
            assert_eq!(format, sheet.format);
            let again = Sheet::from_bytes("b", back, has_name).unwrap();
            assert_eq!(again.headers[0], ERROR_HEADER);
            assert_eq!(again.header_line, sheet.header_line);
            let rows: Vec<_> = again.rows().map(Result::unwrap).collect();
            assert_eq!(rows[0].cells[..2], ["身份证号码应为 18 位".to_owned(), "王芳".to_owned()]);
            assert_eq!(rows.len(), sheet.rows().count());
            if sheet.format == Format::Csv {
                assert_eq!(rows[1].cells[0], "");
            }
        }
    }
}
