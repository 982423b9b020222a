//! Markdown to .docx, laid out as a Chinese official document (GB/T 9704-2012): A4 with margins
//! of 37/35/28/26 mm, the title in 小标宋 二号 centred, `##` headings in 黑体 三号, `###` in
//! 楷体 三号, `####` in 仿宋 bold, body text in 仿宋 三号 with a two-character first-line indent
//! and a fixed 28 pt line pitch, tables in 仿宋 小四 with borders and a shaded header row, and
//! the page number centred in the footer.
//!
//! Word picks the named fonts; where they are missing (LibreOffice on Linux) the East Asian
//! slot falls back to an installed CJK font such as Noto Serif/Sans CJK, so the text never
//! shows as boxes. Latin letters and digits are Times New Roman (Liberation Serif on Linux).
//!
//! A paragraph that is all *emphasis* is a table caption (centred, 黑体); other emphasis is set
//! in 楷体, as official documents do rather than slanting Chinese.

use docx_rs::{
    AlignmentType, Docx, Footer, LineSpacing, LineSpacingType, PageMargin, PageNum, Paragraph, Run, RunFonts, Shading, SpecialIndentType,
    Style, StyleType, Table, TableAlignmentType, TableCell, TableRow, VAlignType, WidthType,
};
use pulldown_cmark::{Alignment, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

/// Sizes in half-points: 二号 22 pt, 三号 16 pt, 四号 14 pt, 小四 12 pt.
const ERHAO: usize = 44;
const SANHAO: usize = 32;
const SIHAO: usize = 28;
const XIAOSI: usize = 24;

/// One body line: fixed 28 pt (in twentieths of a point).
const LINE: i32 = 560;
/// Two characters of 三号 (16 pt) in twips, for the first-line indent.
const TWO_CHARS: i32 = 640;

/// The body text's style (its own, not Word's Normal, which docx-rs already defines).
const BODY: &str = "BodyText";

const TITLE_FONT: &str = "方正小标宋简体";
const HEI: &str = "黑体";
const KAI: &str = "楷体_GB2312";
const FANGSONG: &str = "仿宋_GB2312";
const SONG: &str = "宋体";
const LATIN: &str = "Times New Roman";

fn fonts(east_asia: &str) -> RunFonts {
    RunFonts::new().east_asia(east_asia).ascii(LATIN).hi_ansi(LATIN).cs(LATIN).hint("eastAsia")
}

fn exact(line: i32) -> LineSpacing {
    LineSpacing::new().line_rule(LineSpacingType::Exact).line(line).before(0).after(0)
}

/// The document's styles: Normal (body), Title, headings 1–3 and the table caption.
fn styles(docx: Docx) -> Docx {
    let indented = |s: Style| s.indent(None, Some(SpecialIndentType::FirstLine(TWO_CHARS)), None, None).first_line_chars(200);
    let heading = |id: &str, name: &str, font: &str, level: usize| {
        indented(Style::new(id, StyleType::Paragraph).name(name).based_on(BODY).next(BODY).q_format(true))
            .fonts(fonts(font))
            .size(SANHAO)
            .line_spacing(exact(LINE))
            .outline_lvl(level)
    };
    docx.add_style(
        indented(Style::new(BODY, StyleType::Paragraph).name("Body Text").q_format(true))
            .fonts(fonts(FANGSONG))
            .size(SANHAO)
            .line_spacing(exact(LINE))
            .align(AlignmentType::Both),
    )
    .add_style(
        Style::new("Title", StyleType::Paragraph)
            .name("Title")
            .based_on(BODY)
            .next(BODY)
            .q_format(true)
            .indent(Some(0), Some(SpecialIndentType::FirstLine(0)), None, None)
            .first_line_chars(0)
            .fonts(fonts(TITLE_FONT))
            .size(ERHAO)
            .line_spacing(LineSpacing::new().line_rule(LineSpacingType::Exact).line(720).before(0).after(560))
            .align(AlignmentType::Center)
            .outline_lvl(0),
    )
    .add_style(heading("Heading1", "heading 1", HEI, 0))
    .add_style(heading("Heading2", "heading 2", KAI, 1))
    .add_style(heading("Heading3", "heading 3", FANGSONG, 2).bold())
    .add_style(
        Style::new("Caption", StyleType::Paragraph)
            .name("caption")
            .based_on(BODY)
            .next(BODY)
            .q_format(true)
            .indent(Some(0), Some(SpecialIndentType::FirstLine(0)), None, None)
            .first_line_chars(0)
            .fonts(fonts(HEI))
            .size(SIHAO)
            .line_spacing(LineSpacing::new().line_rule(LineSpacingType::Exact).line(LINE).before(120).after(60))
            .align(AlignmentType::Center),
    )
    .add_style(
        Style::new("TableText", StyleType::Paragraph)
            .name("Table Text")
            .based_on(BODY)
            .q_format(true)
            .indent(Some(0), Some(SpecialIndentType::FirstLine(0)), None, None)
            .first_line_chars(0)
            .fonts(fonts(FANGSONG))
            .size(XIAOSI)
            .line_spacing(LineSpacing::new().line_rule(LineSpacingType::Auto).line(240).before(40).after(40))
            .align(AlignmentType::Left),
    )
}

/// Inline formatting in force while walking a paragraph.
#[derive(Default, Clone, Copy)]
struct Inline {
    bold: bool,
    emphasis: bool,
}

/// A table being collected.
#[derive(Default)]
struct TableBuf {
    alignments: Vec<Alignment>,
    rows: Vec<Vec<String>>,
    in_head: bool,
    head_rows: usize,
}

/// The runs of one paragraph, and whether every run so far was emphasis (a caption).
#[derive(Default)]
struct ParaBuf {
    runs: Vec<Run>,
    all_emphasis: bool,
    any_text: bool,
    /// The last character written (a soft break after a Latin word is a space).
    last: char,
}

impl ParaBuf {
    fn new() -> ParaBuf {
        ParaBuf { runs: Vec::new(), all_emphasis: true, any_text: false, last: ' ' }
    }

    fn push(&mut self, text: &str, inline: Inline) {
        if text.is_empty() {
            return;
        }
        let mut run = Run::new().add_text(keep_numbers_whole(text));
        if inline.bold {
            run = run.bold();
        }
        if inline.emphasis {
            run = run.fonts(fonts(KAI));
        }
        self.all_emphasis &= inline.emphasis || text.trim().is_empty();
        self.any_text |= !text.trim().is_empty();
        self.last = text.chars().last().unwrap_or(' ');
        self.runs.push(run);
    }
}

/// The .docx of `markdown`.
pub fn from_markdown(markdown: &str) -> Result<Vec<u8>, String> {
    let mut docx = styles(Docx::new())
        .page_size(11906, 16838)
        .page_margin(PageMargin::new().top(2098).bottom(1984).left(1588).right(1474).header(851).footer(992).gutter(0))
        .default_fonts(fonts(FANGSONG))
        .default_size(SANHAO)
        .footer(
            Footer::new().add_paragraph(
                Paragraph::new()
                    .align(AlignmentType::Center)
                    .indent(Some(0), Some(SpecialIndentType::FirstLine(0)), None, None)
                    .first_line_chars(0)
                    .add_run(Run::new().add_text("— ").fonts(fonts(SONG)).size(SIHAO))
                    .add_page_num(PageNum::new())
                    .add_run(Run::new().add_text(" —").fonts(fonts(SONG)).size(SIHAO))
                    .size(SIHAO)
                    .fonts(fonts(SONG)),
            ),
        );

    let mut inline = Inline::default();
    let mut para: Option<ParaBuf> = None;
    let mut heading: Option<HeadingLevel> = None;
    let mut table: Option<TableBuf> = None;
    let mut cell = String::new();
    let mut list_depth: Vec<Option<u64>> = Vec::new();

    for event in Parser::new_ext(markdown, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH) {
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                heading = Some(level);
                para = Some(ParaBuf::new());
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some(p) = para.take() {
                    let style = match heading.take() {
                        Some(HeadingLevel::H1) => "Title",
                        Some(HeadingLevel::H2) => "Heading1",
                        Some(HeadingLevel::H3) => "Heading2",
                        _ => "Heading3",
                    };
                    docx = docx.add_paragraph(with_runs(Paragraph::new().style(style).keep_next(true), p.runs));
                }
            }
            // A paragraph inside a list item keeps the item's marker.
            Event::Start(Tag::Paragraph) if table.is_none() && para.is_none() => para = Some(ParaBuf::new()),
            Event::End(TagEnd::Paragraph) => {
                if let Some(p) = para.take() {
                    docx = docx.add_paragraph(paragraph(p));
                }
            }
            Event::Start(Tag::Item) => {
                let mut p = ParaBuf::new();
                let marker = match list_depth.last_mut() {
                    Some(Some(n)) => {
                        *n += 1;
                        format!("{}. ", *n - 1)
                    }
                    _ => "· ".to_owned(),
                };
                p.push(&marker, Inline::default());
                p.all_emphasis = false;
                para = Some(p);
            }
            Event::End(TagEnd::Item) => {
                if let Some(p) = para.take() {
                    docx = docx.add_paragraph(paragraph(p));
                }
            }
            Event::Start(Tag::List(start)) => {
                // A nested list ends the item that holds it.
                if let Some(p) = para.take() {
                    docx = docx.add_paragraph(paragraph(p));
                }
                list_depth.push(start);
            }
            Event::End(TagEnd::List(_)) => {
                list_depth.pop();
            }
            Event::Start(Tag::Strong) => inline.bold = true,
            Event::End(TagEnd::Strong) => inline.bold = false,
            Event::Start(Tag::Emphasis) => inline.emphasis = true,
            Event::End(TagEnd::Emphasis) => inline.emphasis = false,
            Event::Start(Tag::Table(alignments)) => table = Some(TableBuf { alignments, ..TableBuf::default() }),
            Event::Start(Tag::TableHead) => {
                if let Some(t) = table.as_mut() {
                    t.in_head = true;
                    t.rows.push(Vec::new());
                }
            }
            Event::End(TagEnd::TableHead) => {
                if let Some(t) = table.as_mut() {
                    t.in_head = false;
                    t.head_rows = t.rows.len();
                }
            }
            Event::Start(Tag::TableRow) => {
                if let Some(t) = table.as_mut() {
                    t.rows.push(Vec::new());
                }
            }
            Event::Start(Tag::TableCell) => cell.clear(),
            Event::End(TagEnd::TableCell) => {
                if let Some(row) = table.as_mut().and_then(|t| t.rows.last_mut()) {
                    row.push(std::mem::take(&mut cell));
                }
            }
            Event::End(TagEnd::Table) => {
                if let Some(t) = table.take() {
                    docx = docx.add_table(build_table(t));
                    // A table followed directly by a heading reads cramped: leave a line.
                    docx = docx.add_paragraph(Paragraph::new().style("TableText").add_run(Run::new().add_text("")));
                }
            }
            Event::Text(t) | Event::Code(t) => {
                if table.is_some() {
                    cell.push_str(&t);
                } else if let Some(p) = para.as_mut() {
                    p.push(&t, inline);
                }
            }
            Event::SoftBreak => {
                // Chinese lines join without a space; Latin words keep one.
                if let Some(p) = para.as_mut()
                    && p.last.is_ascii_alphanumeric()
                {
                    p.push(" ", inline);
                }
            }
            Event::HardBreak => {
                if let Some(p) = para.as_mut() {
                    p.runs.push(Run::new().add_break(docx_rs::BreakType::TextWrapping));
                }
            }
            Event::Html(_) | Event::InlineHtml(_) => {}
            _ => {}
        }
    }

    let mut xml = docx.build();
    xml.styles = with_language(&xml.styles)?;
    xml.document = with_repeated_headers(&xml.document)?;
    xml.font_table = font_table().into_bytes();
    let mut out = std::io::Cursor::new(Vec::new());
    xml.pack(&mut out).map_err(|e| e.to_string())?;
    Ok(out.into_inner())
}

/// The document's default language, Chinese, which docx-rs cannot set: without it LibreOffice
/// falls back to a Japanese CJK face for Chinese text.
fn with_language(styles: &[u8]) -> Result<Vec<u8>, String> {
    const DEFAULTS_END: &str = "</w:rPr></w:rPrDefault>";
    let xml = std::str::from_utf8(styles).map_err(|e| e.to_string())?;
    let at = xml.find(DEFAULTS_END).ok_or("styles.xml has no run defaults")?;
    let mut out = String::with_capacity(xml.len() + 80);
    out.push_str(&xml[..at]);
    out.push_str(r#"<w:lang w:val="zh-CN" w:eastAsia="zh-CN" w:bidi="ar-SA" />"#);
    out.push_str(&xml[at..]);
    Ok(out.into_bytes())
}

/// Marks the tables' header rows (the only rows kept from splitting) to repeat at the top of
/// each page a table runs onto, which docx-rs cannot say.
fn with_repeated_headers(document: &[u8]) -> Result<Vec<u8>, String> {
    let xml = std::str::from_utf8(document).map_err(|e| e.to_string())?;
    Ok(xml.replace("<w:cantSplit />", "<w:cantSplit /><w:tblHeader />").into_bytes())
}

/// The fonts the document names, with the GB2312 character set and, for the _GB2312 and
/// 方正 faces that many machines lack, the Windows face Word may use instead (`altName`).
fn font_table() -> String {
    let font = |name: &str, alt: &str, family: &str| {
        let alt = if alt.is_empty() { String::new() } else { format!(r#"<w:altName w:val="{alt}" />"#) };
        format!(
            r#"<w:font w:name="{name}">{alt}<w:charset w:val="86" /><w:family w:val="{family}" /><w:pitch w:val="variable" /></w:font>"#
        )
    };
    let mut xml = String::from(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:fonts xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">"#,
    );
    xml.push_str(
        r#"<w:font w:name="Times New Roman"><w:charset w:val="00" /><w:family w:val="roman" /><w:pitch w:val="variable" /></w:font>"#,
    );
    for (name, alt, family) in [
        (FANGSONG, "仿宋", "modern"),
        (KAI, "楷体", "modern"),
        (HEI, "SimHei", "modern"),
        (SONG, "SimSun", "auto"),
        (TITLE_FONT, "宋体", "auto"),
    ] {
        xml.push_str(&font(name, alt, family));
    }
    xml.push_str("</w:fonts>");
    xml
}

/// A number with thousands separators (`56,641`) is never broken at its comma: a word joiner
/// (U+2060, invisible) follows each comma between digits.
fn keep_numbers_whole(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    for (i, c) in chars.iter().enumerate() {
        out.push(*c);
        let between_digits = i > 0 && chars[i - 1].is_ascii_digit() && chars.get(i + 1).is_some_and(char::is_ascii_digit);
        if *c == ',' && between_digits {
            out.push('\u{2060}');
        }
    }
    out
}

fn with_runs(mut p: Paragraph, runs: Vec<Run>) -> Paragraph {
    for r in runs {
        p = p.add_run(r);
    }
    p
}

/// A body paragraph, or a caption when all of it is emphasis.
fn paragraph(p: ParaBuf) -> Paragraph {
    if p.any_text && p.all_emphasis {
        // The caption's own font, not the 楷体 of emphasis.
        let runs = p.runs.into_iter().map(|r| r.fonts(fonts(HEI))).collect();
        return with_runs(Paragraph::new().style("Caption").keep_next(true), runs);
    }
    with_runs(Paragraph::new().style(BODY), p.runs)
}

/// A bordered table across the text width; the header row bold and shaded, numbers aligned as
/// the Markdown says.
fn build_table(t: TableBuf) -> Table {
    let columns = t.rows.iter().map(Vec::len).max().unwrap_or(1).max(1);
    // The first column (the indicator's name) takes the most room, the last (the change, e.g.
    // `+12.5 个百分点`) a little more than the numbers.
    let text_width: usize = 11906 - 1588 - 1474;
    let weight = |i: usize| match i {
        0 => 26,
        i if i + 1 == columns && columns > 2 => 17,
        _ => 12,
    };
    let total: usize = (0..columns).map(weight).sum();
    let widths: Vec<usize> = (0..columns).map(|i| text_width * weight(i) / total).collect();
    let rows = t
        .rows
        .iter()
        .enumerate()
        .map(|(r, cells)| {
            let head = r < t.head_rows;
            let cells = (0..columns)
                .map(|c| {
                    let text = cells.get(c).map(String::as_str).unwrap_or("");
                    let align = if head {
                        AlignmentType::Center
                    } else {
                        match t.alignments.get(c) {
                            Some(Alignment::Right) => AlignmentType::Right,
                            Some(Alignment::Center) => AlignmentType::Center,
                            _ => AlignmentType::Left,
                        }
                    };
                    let mut run = Run::new().add_text(keep_numbers_whole(text));
                    if head {
                        run = run.bold().fonts(fonts(HEI));
                    }
                    let mut cell = TableCell::new()
                        .width(widths[c], WidthType::Dxa)
                        .vertical_align(VAlignType::Center)
                        .add_paragraph(Paragraph::new().style("TableText").align(align).add_run(run));
                    if head {
                        cell = cell.shading(Shading::new().fill("D9D9D9"));
                    }
                    cell
                })
                .collect();
            let row = TableRow::new(cells);
            if head { row.cant_split() } else { row }
        })
        .collect();
    Table::new(rows).set_grid(widths).width(text_width, WidthType::Dxa).align(TableAlignmentType::Center)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn document_xml(bytes: &[u8]) -> String {
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut xml = String::new();
        zip.by_name("word/document.xml").unwrap().read_to_string(&mut xml).unwrap();
        xml
    }

    #[test]
    fn numbers_keep_their_commas_together() {
        assert_eq!(keep_numbers_whole("共56,641场，甲,乙"), "共56,\u{2060}641场，甲,乙");
    }

    #[test]
    fn headings_paragraphs_and_tables_become_styled_word_parts() {
        let md = "# 宜昌市妇联工作报告\n\n## 一、肯定成绩\n\n### （一）组织建设\n\n**一是**组织体系完善，共有妇联组织1,234个。\n\n*表 1　主要指标*\n\n| 指标 | 本期 | 上期 | 变化 |\n| --- | ---: | ---: | ---: |\n| 妇联组织总数（个） | 1,234 | 1,000 | +23.4% |\n";
        let bytes = from_markdown(md).unwrap();
        assert_eq!(&bytes[..2], b"PK");
        let xml = document_xml(&bytes);
        for want in [
            "<w:pStyle w:val=\"Title\" />",
            "<w:pStyle w:val=\"Heading1\" />",
            "<w:pStyle w:val=\"Heading2\" />",
            "<w:pStyle w:val=\"Caption\" />",
            "<w:tbl>",
            "宜昌市妇联工作报告",
            "妇联组织总数（个）",
            "+23.4%",
            "w:eastAsia=\"黑体\"",
            "<w:tblHeader />",
        ] {
            assert!(xml.contains(want), "{want} missing in {xml}");
        }
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(&bytes)).unwrap();
        let mut styles = String::new();
        zip.by_name("word/styles.xml").unwrap().read_to_string(&mut styles).unwrap();
        assert!(styles.contains("w:eastAsia=\"仿宋_GB2312\"") && styles.contains("w:eastAsia=\"方正小标宋简体\""), "{styles}");
        assert!(styles.contains("w:lineRule=\"exact\""), "{styles}");
        assert!(styles.contains("w:eastAsia=\"zh-CN\""), "the default language is Chinese: {styles}");
        assert_eq!(styles.matches("w:styleId=\"BodyText\"").count(), 1);
        assert!(xml.contains("w:top=\"2098\"") && xml.contains("w:left=\"1588\""), "margins: {xml}");
    }
}
