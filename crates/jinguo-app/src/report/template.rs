//! The report's template language: minijinja rendering Markdown (ADR 0014). A template reads
//! figures through `fig("id")` and `table(["id", …])`; every indicator it names is checked
//! against [`INDICATORS`] before anything is rendered, in branches not taken too, and any
//! fault is told in Chinese with its line.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use jinguo_domain::insight::{Change, Indicator, Period, date_zh, format_value, indicator};
use jinguo_domain::{FieldError, Invalid};
use minijinja::value::{Enumerator, Object, Value};
use minijinja::{AutoEscape, Environment, Error, ErrorKind, UndefinedBehavior, context};

/// The template shipped with the platform, used until an administrator uploads another.
pub const DEFAULT_TEMPLATE: &str = include_str!("default.md.j2");

/// The largest template accepted.
pub const MAX_TEMPLATE_BYTES: usize = 256 * 1024;

/// The field that template errors are reported under.
pub const FIELD: &str = "template";

/// How much work one rendering may do (minijinja's fuel): far above what a report needs, low
/// enough that a runaway loop in an uploaded template stops in well under a second.
const FUEL: u64 = 5_000_000;

/// How the report names the period compared with.
const EARLIER: &str = "上期";

/// What a report is written from: the region, the two periods and every figure of each.
#[derive(Debug, Clone)]
pub struct ReportData {
    pub region_name: String,
    pub region_code: String,
    pub period: Period,
    pub previous: Period,
    pub now: HashMap<&'static str, f64>,
    pub before: HashMap<&'static str, f64>,
    /// The day the report is drawn up.
    pub today: chrono::NaiveDate,
    /// Registers not every village kept in the period, said in prose
    /// (`走访记录：12/150 个村(社区)本期无记录`): the figures they feed may be low.
    pub gaps: Vec<String>,
}

impl ReportData {
    /// Data with every figure 0: what an uploaded template is tried on.
    pub fn zeros(period: Period, today: chrono::NaiveDate) -> ReportData {
        ReportData {
            region_name: "宜昌市".into(),
            region_code: "4205".into(),
            previous: period.previous(),
            period,
            now: HashMap::new(),
            before: HashMap::new(),
            today,
            gaps: vec!["走访记录：1/1 个村(社区)本期无记录".into()],
        }
    }

    fn figure(&self, i: &'static Indicator) -> FigureValue {
        let now = self.now.get(i.id).copied().unwrap_or(0.0);
        let before = self.before.get(i.id).copied().unwrap_or(0.0);
        FigureValue { indicator: i, now, before }
    }
}

/// One figure as a template sees it: `{{ fig("x") }}` prints the value with its unit, and its
/// attributes give the parts (see docs/design/report.md).
#[derive(Debug, Clone, Copy)]
pub struct FigureValue {
    pub indicator: &'static Indicator,
    pub now: f64,
    pub before: f64,
}

impl FigureValue {
    pub fn value(&self) -> String {
        format_value(self.now, self.indicator.unit)
    }

    pub fn previous(&self) -> String {
        format_value(self.before, self.indicator.unit)
    }

    pub fn change(&self) -> Change {
        Change::between(self.now, self.before, self.indicator.unit)
    }
}

impl fmt::Display for FigureValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.value(), self.indicator.unit.label())
    }
}

const FIGURE_FIELDS: [&str; 10] = ["id", "label", "value", "unit", "previous", "change", "compare", "raw", "previous_raw", "rose"];

impl Object for FigureValue {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let v = match key.as_str()? {
            "id" => Value::from(self.indicator.id),
            "label" => Value::from(self.indicator.label),
            "value" => Value::from(self.value()),
            "unit" => Value::from(self.indicator.unit.label()),
            "previous" => Value::from(self.previous()),
            "change" => Value::from(self.change().short(EARLIER)),
            "compare" => Value::from(self.change().prose(EARLIER)),
            "raw" => Value::from(self.now),
            "previous_raw" => Value::from(self.before),
            "rose" => Value::from(self.change().rose().unwrap_or(false)),
            _ => return None,
        };
        Some(v)
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Str(&FIGURE_FIELDS)
    }

    fn render(self: &Arc<Self>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

fn unknown(id: &str) -> Error {
    Error::new(ErrorKind::InvalidOperation, format!("{UNKNOWN} \"{id}\""))
}

const UNKNOWN: &str = "未知指标";

/// A Markdown table of `ids`: 指标 | 本期 | 上期 | 变化.
pub fn markdown_table(data: &ReportData, ids: &[&str]) -> Result<String, String> {
    let mut out = String::from("| 指标 | 本期 | 上期 | 变化 |\n| --- | ---: | ---: | ---: |\n");
    for id in ids {
        let i = indicator(id).ok_or_else(|| format!("{UNKNOWN} \"{id}\""))?;
        let f = data.figure(i);
        let label = format!("{}（{}）", i.label, i.unit.label());
        out.push_str(&format!("| {} | {} | {} | {} |\n", label, f.value(), f.previous(), f.change().short(EARLIER)));
    }
    Ok(out)
}

/// Renders `source` with `data`; a fault is an [`Invalid`] under [`FIELD`] with its line.
pub fn render(source: &str, data: ReportData) -> Result<String, Invalid> {
    check_source(source)?;
    let data = Arc::new(data);
    let env = environment(source, data.clone())?;
    let template = env.get_template(NAME).map_err(|e| Invalid::field(FIELD, describe(&e)))?;
    let ctx = context! {
        region => context! {
            name => data.region_name.clone(),
            code => data.region_code.clone(),
            federation => format!("{}妇联", data.region_name),
            all => whole(&data.region_name),
        },
        period => period_value(&data.period),
        previous => period_value(&data.previous),
        today => date_zh(data.today),
        gaps => data.gaps.clone(),
    };
    template.render(ctx).map_err(|e| Invalid::field(FIELD, describe(&e)))
}

/// Checks an uploaded template without touching the database: its size, its syntax, every
/// indicator it names, and a trial rendering with every figure 0.
pub fn check(source: &str, period: Period, today: chrono::NaiveDate) -> Result<(), Invalid> {
    render(source, ReportData::zeros(period, today)).map(|_| ())
}

/// The template's name inside the environment; `.md` so that nothing is HTML-escaped.
const NAME: &str = "report.md";

fn environment(source: &str, data: Arc<ReportData>) -> Result<Environment<'static>, Invalid> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_auto_escape_callback(|_| AutoEscape::None);
    let syntax = minijinja::syntax::SyntaxConfig::builder()
        .trim_blocks(true)
        .lstrip_blocks(true)
        .keep_trailing_newline(true)
        .build()
        .map_err(|e| Invalid::field(FIELD, describe(&e)))?;
    env.set_syntax(syntax);
    env.set_fuel(Some(FUEL));
    let d = data.clone();
    env.add_function("fig", move |id: &str| -> Result<Value, Error> {
        let i = indicator(id).ok_or_else(|| unknown(id))?;
        Ok(Value::from_object(d.figure(i)))
    });
    env.add_function("table", move |ids: Vec<String>| -> Result<String, Error> {
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        markdown_table(&data, &ids).map_err(|m| Error::new(ErrorKind::InvalidOperation, m))
    });
    env.add_template_owned(NAME, source.to_owned()).map_err(|e| Invalid::field(FIELD, describe(&e)))?;
    Ok(env)
}

fn period_value(p: &Period) -> Value {
    const YEARS_ZH: [&str; 11] = ["", "一", "两", "三", "四", "五", "六", "七", "八", "九", "十"];
    let years = p.whole_years();
    context! {
        from => p.from.to_string(),
        to => p.to.to_string(),
        from_zh => date_zh(p.from),
        to_zh => date_zh(p.to),
        label => p.label_zh(),
        years => years.map(Value::from).unwrap_or(Value::from(())),
        years_zh => years.and_then(|y| YEARS_ZH.get(y as usize)).map(|s| Value::from(*s)).unwrap_or(Value::from(())),
    }
}

/// How prose says "the whole region": 全市, 全区, 全县, 全镇, 全街道, 全村 ….
fn whole(name: &str) -> String {
    const SUFFIXES: [(&str, &str); 12] = [
        ("社区居民委员会", "社区"),
        ("居民委员会", "社区"),
        ("村民委员会", "村"),
        ("街道", "街道"),
        ("社区", "社区"),
        ("市", "市"),
        ("区", "区"),
        ("县", "县"),
        ("旗", "旗"),
        ("镇", "镇"),
        ("乡", "乡"),
        ("村", "村"),
    ];
    SUFFIXES.iter().find(|(s, _)| name.ends_with(s)).map(|(_, w)| format!("全{w}")).unwrap_or_else(|| "全域".to_owned())
}

/// A minijinja error as a Chinese message with its line: `第 12 行：未知指标 "org.foo"`.
fn describe(e: &Error) -> String {
    let at = e.line().map(|l| format!("第 {l} 行：")).unwrap_or_default();
    let detail = e.detail().unwrap_or_default();
    let what = if detail.starts_with(UNKNOWN) {
        detail.to_owned()
    } else {
        match e.kind() {
            ErrorKind::SyntaxError => format!("模板语法有误（{detail}）"),
            ErrorKind::UndefinedError => format!("引用了未定义的变量或属性（{detail}）"),
            ErrorKind::UnknownFunction | ErrorKind::UnknownFilter | ErrorKind::UnknownTest | ErrorKind::UnknownMethod => {
                format!("引用了不存在的函数或过滤器（{detail}）")
            }
            ErrorKind::OutOfFuel => "模板运算量过大（可能有过长或无尽的循环）".to_owned(),
            _ => format!("模板无法生成报告（{}）", if detail.is_empty() { e.kind().to_string() } else { detail.to_owned() }),
        }
    };
    format!("{at}{what}")
}

/// Refuses an empty or oversized template, and every `fig("…")` or `table([…])` argument that
/// names no indicator, each with its line, whether or not the branch it sits in is taken.
fn check_source(source: &str) -> Result<(), Invalid> {
    if source.trim().is_empty() {
        return Err(Invalid::field(FIELD, "模板不能为空"));
    }
    if source.len() > MAX_TEMPLATE_BYTES {
        return Err(Invalid::field(FIELD, format!("模板不能超过 {} KB", MAX_TEMPLATE_BYTES / 1024)));
    }
    let errors: Vec<FieldError> = named_indicators(source)
        .into_iter()
        .filter(|(_, id)| indicator(id).is_none())
        .map(|(line, id)| FieldError { field: FIELD.to_owned(), message: format!("第 {line} 行：{UNKNOWN} \"{id}\"") })
        .collect();
    if errors.is_empty() { Ok(()) } else { Err(Invalid { errors }) }
}

/// Every string literal passed to `fig(…)` or listed in `table([…])` inside the template's
/// tags, with its line (1-based). A literal that is part of a larger expression (`fig("a" ~ x)`)
/// is not a name and is left to the rendering, which checks what is actually asked for.
pub fn named_indicators(source: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    let b = source.as_bytes();
    let mut i = 0;
    let mut line = 1;
    while i < b.len() {
        if b[i] == b'\n' {
            line += 1;
            i += 1;
            continue;
        }
        if b[i] == b'{' && i + 1 < b.len() {
            match b[i + 1] {
                b'#' => {
                    // A comment: skip to its end.
                    let end = source[i + 2..].find("#}").map(|e| i + 2 + e + 2).unwrap_or(b.len());
                    line += source[i..end].matches('\n').count();
                    i = end;
                    continue;
                }
                b'{' | b'%' => {
                    let close = if b[i + 1] == b'{' { b"}}" } else { b"%}" };
                    let (end, lines) = scan_tag(source, i + 2, close, line, &mut found);
                    line += lines;
                    i = end;
                    continue;
                }
                _ => {}
            }
        }
        i += 1;
    }
    found
}

/// Scans one tag from `start` to its closing delimiter, collecting the names; returns where the
/// tag ends and how many line breaks it held.
fn scan_tag(source: &str, start: usize, close: &[u8; 2], first_line: usize, found: &mut Vec<(usize, String)>) -> (usize, usize) {
    #[derive(Clone, Copy, PartialEq)]
    enum Call {
        Fig,
        Table,
        Other,
    }
    let b = source.as_bytes();
    let mut i = start;
    let mut lines = 0;
    // The open brackets, each with the call it belongs to.
    let mut stack: Vec<(u8, Call)> = Vec::new();
    let mut last_ident = String::new();
    // The last significant character before a literal (to tell a bare argument).
    let mut before = b'(';
    while i < b.len() {
        let c = b[i];
        if stack.is_empty() && c == close[0] && b.get(i + 1) == Some(&close[1]) {
            return (i + 2, lines);
        }
        match c {
            b'\n' => {
                if before == b'a' {
                    before = b' ';
                }
                lines += 1;
                i += 1;
                continue;
            }
            b' ' | b'\t' | b'\r' => {
                // A blank ends a name, but `fig (` still calls fig.
                if before == b'a' {
                    before = b' ';
                }
                i += 1;
                continue;
            }
            b'"' | b'\'' => {
                let lit_line = first_line + lines;
                let mut j = i + 1;
                let mut text = String::new();
                while j < b.len() && b[j] != c {
                    if b[j] == b'\\' && j + 1 < b.len() {
                        j += 1;
                    }
                    if b[j] == b'\n' {
                        lines += 1;
                    }
                    j += 1;
                }
                if let Some(s) = source.get(i + 1..j.min(b.len())) {
                    text.push_str(s);
                }
                i = (j + 1).min(b.len());
                // What follows the literal, past blanks.
                let mut k = i;
                while k < b.len() && matches!(b[k], b' ' | b'\t' | b'\r' | b'\n') {
                    k += 1;
                }
                let after = b.get(k).copied().unwrap_or(b')');
                let bare = matches!(before, b'(' | b'[' | b',') && matches!(after, b')' | b']' | b',');
                let names = matches!(stack.last(), Some((b'(', Call::Fig)) | Some((b'[', Call::Table)));
                if names && bare {
                    found.push((lit_line, text));
                }
                before = b'"';
                last_ident.clear();
                continue;
            }
            b'(' | b'[' | b'{' => {
                let call = match (c, last_ident.as_str()) {
                    (b'(', "fig") => Call::Fig,
                    (b'(', "table") => Call::Table,
                    // The list given to table(…) names indicators too.
                    (b'[', "") if matches!(stack.last(), Some((b'(', Call::Table))) => Call::Table,
                    _ => Call::Other,
                };
                stack.push((c, call));
                last_ident.clear();
            }
            b')' | b']' | b'}' => {
                stack.pop();
                last_ident.clear();
            }
            c if c.is_ascii_alphanumeric() || c == b'_' => {
                if before != b'a' {
                    last_ident.clear();
                }
                last_ident.push(c as char);
                before = b'a';
                i += 1;
                continue;
            }
            _ => last_ident.clear(),
        }
        before = c;
        i += 1;
    }
    (b.len(), lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn period() -> Period {
        Period::parse("2021-01-01", "2025-12-31").unwrap()
    }

    fn today() -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(2026, 11, 28).unwrap()
    }

    fn data() -> ReportData {
        let mut d = ReportData::zeros(period(), today());
        d.now.insert("org.federations", 1234.0);
        d.before.insert("org.federations", 1000.0);
        d.now.insert("org.women_homes.coverage", 85.26);
        d.before.insert("org.women_homes.coverage", 80.0);
        d
    }

    #[test]
    fn the_default_report_says_which_registers_were_incomplete_and_only_then() {
        let default = include_str!("default.md.j2");
        let mut d = data();
        d.gaps = vec!["走访记录：3/120 个村(社区)本期无记录".into(), "活动记录：1/120 个村(社区)本期无记录".into()];
        let out = render(default, d.clone()).unwrap();
        let note = out.split("*数据说明*").nth(1).unwrap_or_default();
        assert!(note.contains("走访记录：3/120 个村(社区)本期无记录；活动记录：1/120 个村(社区)本期无记录"), "{note}");
        d.gaps.clear();
        assert!(!render(default, d).unwrap().contains("数据说明"));
    }

    #[test]
    fn figures_print_with_their_unit_previous_value_and_change() {
        let out = render(
            "{{ region.name }}{{ period.label }}（{{ period.years_zh }}年）：{{ fig(\"org.federations\") }}，上期 {{ fig('org.federations').previous }}，{{ fig(\"org.federations\").compare }}；覆盖率 {{ fig(\"org.women_homes.coverage\") }}，{{ fig(\"org.women_homes.coverage\").compare }}。\n",
            data(),
        )
        .unwrap();
        assert_eq!(out, "宜昌市2021年至2025年（五年）：1,234个，上期 1,000，较上期增长 23.4%；覆盖率 85.3%，较上期提高 5.3 个百分点。\n");
    }

    #[test]
    fn the_whole_region_is_named_by_its_kind() {
        assert_eq!(whole("宜昌市"), "全市");
        assert_eq!(whole("夷陵区"), "全区");
        assert_eq!(whole("秭归县"), "全县");
        assert_eq!(whole("小溪塔街道"), "全街道");
        assert_eq!(whole("土街头社区居民委员会"), "全社区");
    }

    #[test]
    fn a_table_has_a_header_and_a_row_per_indicator() {
        let out = render("{{ table([\"org.federations\", \"org.women_homes.coverage\"]) }}", data()).unwrap();
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[0], "| 指标 | 本期 | 上期 | 变化 |");
        assert_eq!(lines[2], "| 妇联组织总数（个） | 1,234 | 1,000 | +23.4% |");
        assert_eq!(lines[3], "| 标准化妇女之家覆盖率（%） | 85.3 | 80.0 | +5.3 个百分点 |");
    }

    #[test]
    fn an_unknown_indicator_is_refused_with_its_name_and_line_even_in_a_branch_not_taken() {
        let source = "# 标题\n\n{% if false %}\n{{ fig(\"org.foo\") }}\n{% endif %}\n{{ table([\"org.federations\",\n  \"org.bar\"]) }}\n";
        let e = check(source, period(), today()).unwrap_err();
        let messages: Vec<&str> = e.errors.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(messages, ["第 4 行：未知指标 \"org.foo\"", "第 7 行：未知指标 \"org.bar\""]);
        assert!(e.errors.iter().all(|e| e.field == FIELD));
    }

    #[test]
    fn a_name_computed_at_render_time_is_checked_when_rendered() {
        let e = check("一\n二\n{% set x = \"org.\" ~ \"nope\" %}{{ fig(x) }}\n", period(), today()).unwrap_err();
        assert_eq!(e.errors[0].message, "第 3 行：未知指标 \"org.nope\"");
    }

    #[test]
    fn syntax_errors_and_undefined_names_are_told_with_their_line() {
        let e = check("第一行\n第二行 {{ fig(\"org.federations\") \n", period(), today()).unwrap_err();
        assert!(e.errors[0].message.starts_with("第 2 行：模板语法有误"), "{:?}", e.errors);
        let e = check("一\n\n{% if %}{% endif %}", period(), today()).unwrap_err();
        assert!(e.errors[0].message.starts_with("第 3 行：模板语法有误"), "{:?}", e.errors);
        let e = check("一\n{{ regoin.name }}", period(), today()).unwrap_err();
        assert!(e.errors[0].message.starts_with("第 2 行：引用了未定义的变量"), "{:?}", e.errors);
        assert_eq!(check("  \n", period(), today()).unwrap_err().errors[0].message, "模板不能为空");
    }

    #[test]
    fn a_runaway_loop_runs_out_of_fuel() {
        let e = check("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}", period(), today()).unwrap_err();
        assert!(e.errors[0].message.contains("运算量过大"), "{:?}", e.errors);
    }

    #[test]
    fn names_are_found_in_tags_only_and_literals_in_expressions_are_left_alone() {
        let found = named_indicators(
            "fig(\"a.text\")\n{{ fig( 'x.y' ) }} {# fig(\"c.comment\") #}\n{{ fig(\"p\" ~ q) }}{% set t = table(['m', \"n\"]) %}",
        );
        assert_eq!(found, [(2, "x.y".to_owned()), (3, "m".to_owned()), (3, "n".to_owned())]);
    }

    #[test]
    fn the_default_template_passes_its_own_checks_and_names_only_known_indicators() {
        check(DEFAULT_TEMPLATE, period(), today()).unwrap();
        let named = named_indicators(DEFAULT_TEMPLATE);
        assert!(named.len() >= 60, "{}", named.len());
        // Each group of indicators is reported on.
        for group in ["org.", "family.", "care.", "health.", "people."] {
            assert!(named.iter().any(|(_, id)| id.starts_with(group)), "{group}");
        }
    }
}
