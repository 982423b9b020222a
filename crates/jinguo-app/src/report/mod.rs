//! The work report (工作报告, issue 5 point 3): the first section of the congress speech
//! (一、肯定成绩) written for any region and period with every figure filled in from the
//! indicators, each beside the previous period of equal length, and a table per section.
//!
//! The text comes from a minijinja template rendering Markdown ([`template`]); the platform
//! ships [`DEFAULT_TEMPLATE`] and a system administrator may replace it (kept in the settings
//! table, every change audited). The Markdown is the `.md` download and the source of the
//! `.docx` ([`docx`]), laid out as an official document (GB/T 9704).
//!
//! What does not live here: indicator definitions (jinguo-domain `insight`), their evaluation
//! (jinguo-store `insight`), pages and the CLI (jinguo-web, jinguo).

pub mod docx;
pub mod template;

use std::collections::HashMap;

use jinguo_domain::access::Permission;
use jinguo_domain::insight::Period;
use jinguo_domain::{Invalid, RegionCode};
use jinguo_store::Work;
use jinguo_store::audit::Outcome;
use jinguo_store::settings;
use serde_json::json;

pub use template::{DEFAULT_TEMPLATE, ReportData};

use crate::{Actor, App, AppError, Result};

/// Where an uploaded template is kept; absent means the default.
const TEMPLATE_SETTING: &str = "report.template";

/// The two forms a report is given in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Markdown,
    Docx,
}

impl Format {
    /// `md` or `docx`, with a Chinese message for anything else.
    pub fn parse(s: &str) -> std::result::Result<Format, Invalid> {
        match s.trim().to_ascii_lowercase().as_str() {
            "md" | "markdown" => Ok(Format::Markdown),
            "docx" | "word" => Ok(Format::Docx),
            _ => Err(Invalid::field("format", "格式应为 md 或 docx")),
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Markdown => "md",
            Format::Docx => "docx",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Markdown => "text/markdown; charset=utf-8",
            Format::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        }
    }
}

/// A report as written: its title (the first heading), and its Markdown.
#[derive(Debug, Clone)]
pub struct Report {
    pub title: String,
    pub markdown: String,
}

impl Report {
    /// The file a browser or the CLI saves: the title, with characters no file system takes
    /// replaced.
    pub fn file_name(&self, format: Format) -> String {
        let safe: String =
            self.title.chars().map(|c| if matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|') { '_' } else { c }).collect();
        format!("{safe}.{}", format.extension())
    }

    /// The report as a file of `format`.
    pub fn bytes(&self, format: Format) -> Result<Vec<u8>> {
        match format {
            Format::Markdown => Ok(self.markdown.clone().into_bytes()),
            Format::Docx => docx::from_markdown(&self.markdown).map_err(|e| AppError::Internal(format!("docx: {e}"))),
        }
    }
}

/// The template in force.
#[derive(Debug, Clone)]
pub struct ReportTemplate {
    pub text: String,
    /// Whether an administrator's upload replaces the default.
    pub custom: bool,
}

impl App {
    /// The report of `region`'s subtree over `period`, from `template` when given (checked like
    /// an upload), else from the template in force. Reads every indicator once for the period
    /// and once for the period before it.
    pub async fn work_report(&self, actor: &Actor, region: &RegionCode, period: Period, template: Option<&str>) -> Result<Report> {
        let (source, custom) = match template {
            // A template of the caller's own is checked before anything is read.
            Some(t) => {
                template::check(t, period, self.today())?;
                (t.to_owned(), true)
            }
            None => {
                let t = self.template_in_force().await?;
                (t.text, t.custom)
            }
        };
        let data = self.report_data(actor, region, period).await?;
        let markdown = template::render(&source, data)?;
        let title = markdown
            .lines()
            .find_map(|l| l.strip_prefix("# "))
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| format!("{}工作报告", region.short()));
        let entry = actor.entry(
            self.now_ms(),
            "report.generate",
            Outcome::Ok,
            "region",
            region.short(),
            &region.padded(),
            json!({"from": period.from, "to": period.to, "template": if custom { "custom" } else { "default" }}),
        );
        jinguo_store::audit::append_now(&self.db, entry).await?;
        Ok(Report { title, markdown })
    }

    /// Every figure of `region` for `period` and for the period before it: two evaluations.
    pub async fn report_data(&self, actor: &Actor, region: &RegionCode, period: Period) -> Result<ReportData> {
        let previous = period.previous();
        let now = self.indicators(actor, region, period, &[]).await?;
        let before = self.indicators(actor, region, previous, &[]).await?;
        let map = |v: Vec<crate::insight::Figure>| v.into_iter().map(|f| (f.indicator.id, f.value)).collect::<HashMap<_, _>>();
        let gaps = self.completeness(actor, region, period).await?.incomplete_registers();
        Ok(ReportData {
            region_name: self.region(region).await?.name,
            region_code: region.short().to_owned(),
            period,
            previous,
            now: map(now),
            before: map(before),
            today: self.today(),
            gaps,
        })
    }

    /// The template in force, for anyone who may read the figures.
    pub async fn report_template(&self, actor: &Actor) -> Result<ReportTemplate> {
        self.require(actor, Permission::ReadIndicators, "report.template.read").await?;
        self.template_in_force().await
    }

    async fn template_in_force(&self) -> Result<ReportTemplate> {
        Ok(match settings::get(self.db.reader(), TEMPLATE_SETTING).await?.filter(|t| !t.trim().is_empty()) {
            Some(text) => ReportTemplate { text, custom: true },
            None => ReportTemplate { text: DEFAULT_TEMPLATE.to_owned(), custom: false },
        })
    }

    /// Replaces the template (system administrator). A template that does not pass
    /// [`template::check`] is refused with every fault and its line, and nothing changes.
    pub async fn set_report_template(&self, actor: &Actor, text: &str) -> Result<()> {
        const ACTION: &str = "report.template.update";
        self.require(actor, Permission::ManageReportTemplate, ACTION).await?;
        let trial = Period::new(self.today() - chrono::Duration::days(365), self.today())?;
        if let Err(invalid) = template::check(text, trial, self.today()) {
            let messages: Vec<&str> = invalid.errors.iter().map(|e| e.message.as_str()).collect();
            let entry = actor.entry(self.now_ms(), ACTION, Outcome::Failed, "setting", TEMPLATE_SETTING, "", json!({"errors": messages}));
            jinguo_store::audit::append_now(&self.db, entry).await?;
            return Err(AppError::Invalid(invalid));
        }
        let before = self.template_in_force().await?;
        let mut w = Work::begin(&self.db).await?;
        settings::set(&w.tx, TEMPLATE_SETTING, text).await?;
        w.audit(actor.entry(self.now_ms(), ACTION, Outcome::Ok, "setting", TEMPLATE_SETTING, "", change_detail(&before, text)));
        w.commit().await?;
        Ok(())
    }

    /// Goes back to the default template (system administrator).
    pub async fn reset_report_template(&self, actor: &Actor) -> Result<()> {
        const ACTION: &str = "report.template.reset";
        self.require(actor, Permission::ManageReportTemplate, ACTION).await?;
        let before = self.template_in_force().await?;
        let mut w = Work::begin(&self.db).await?;
        settings::delete(&w.tx, TEMPLATE_SETTING).await?;
        w.audit(actor.entry(self.now_ms(), ACTION, Outcome::Ok, "setting", TEMPLATE_SETTING, "", change_detail(&before, DEFAULT_TEMPLATE)));
        w.commit().await?;
        Ok(())
    }
}

/// What the audit log keeps of a template change: the sizes and SM3 digests before and after
/// (the text itself can be long; the digest tells which version was in force).
fn change_detail(before: &ReportTemplate, after: &str) -> serde_json::Value {
    json!({
        "before": {"custom": before.custom, "bytes": before.text.len(), "sm3": jinguo_crypto::digest::sm3_hex(before.text.as_bytes())},
        "after": {"bytes": after.len(), "sm3": jinguo_crypto::digest::sm3_hex(after.as_bytes())},
    })
}

#[cfg(test)]
mod tests {
    use std::io::Read;
    use std::sync::Arc;

    use chrono::{TimeZone, Utc};
    use jinguo_crypto::{KeyRing, Suite};
    use jinguo_domain::insight::{INDICATORS, format_value, indicator};
    use jinguo_store::testing::{TestDb, databases};

    use super::*;
    use crate::demo::DemoOptions;
    use crate::{AppConfig, Crypto, FixedClock};

    fn app(t: &TestDb) -> App {
        let clock = FixedClock::new(Utc.with_ymd_and_hms(2026, 11, 28, 4, 0, 0).unwrap());
        App::new(
            t.db.clone(),
            Crypto::new(Suite::Gm, KeyRing::ephemeral()),
            Arc::new(clock),
            AppConfig { city: Some(RegionCode::parse("4205").unwrap()), data_dir: t.dir.path().to_owned() },
        )
    }

    /// The rows of every figure table: (label with unit, this period, previous period, change).
    fn table_rows(markdown: &str) -> Vec<[String; 4]> {
        markdown
            .lines()
            .filter(|l| l.starts_with("| ") && !l.starts_with("| 指标") && !l.starts_with("| ---"))
            .map(|l| {
                let cells: Vec<String> = l.trim_matches('|').split('|').map(|c| c.trim().to_owned()).collect();
                [cells[0].clone(), cells[1].clone(), cells[2].clone(), cells[3].clone()]
            })
            .collect()
    }

    /// On the demo city: the Yichang five-year report has no blank figure, every table row and
    /// a sample of the prose equal the indicators as `App::indicators` gives them, and the
    /// .docx is a Word document with its headings, tables and Chinese fonts (and, where
    /// LibreOffice is installed, converts to a PDF that reads the same).
    #[tokio::test]
    async fn the_yichang_five_year_report_fills_every_figure_from_the_indicators() {
        for t in databases().await {
            let app = app(&t);
            app.seed_demo(&DemoOptions::default(), None).await.unwrap();
            let op = Actor::operator();
            let city = RegionCode::parse("4205").unwrap();
            let period = Period::parse("2021-01-01", "2025-12-31").unwrap();
            let report = app.work_report(&op, &city, period, None).await.unwrap();
            let md = &report.markdown;
            assert_eq!(report.title, "宜昌市妇联2021年至2025年工作报告");
            for bad in ["{{", "}}", "{%", "%}", "None", "none", "undefined", "NaN", "inf", "（）", "()", "|  |"] {
                assert!(!md.contains(bad), "[{}] the report holds {bad:?}:\n{md}", t.engine);
            }
            for heading in ["## 一、肯定成绩", "### （一）", "### （二）", "### （三）", "### （四）弘扬文明新风，家庭家教家风"]
            {
                assert!(md.contains(heading), "{heading}");
            }

            // Each figure as App::indicators gives it, evaluated here on its own.
            let now = app.indicators(&op, &city, period, &[]).await.unwrap();
            let before = app.indicators(&op, &city, period.previous(), &[]).await.unwrap();
            assert_eq!((now.len(), before.len()), (INDICATORS.len(), INDICATORS.len()));
            let value = |figures: &[crate::insight::Figure], id: &str| {
                let f = figures.iter().find(|f| f.indicator.id == id).unwrap();
                format_value(f.value, f.indicator.unit)
            };
            let rows = table_rows(md);
            assert!(rows.len() >= 50, "{} table rows", rows.len());
            let mut nonzero = 0;
            for [label, this, previous, change] in &rows {
                let i = INDICATORS.iter().find(|i| format!("{}（{}）", i.label, i.unit.label()) == *label).unwrap();
                assert_eq!(*this, value(&now, i.id), "{}", i.id);
                assert_eq!(*previous, value(&before, i.id), "{}", i.id);
                assert!(!this.is_empty() && !change.is_empty());
                nonzero += usize::from(this != "0");
            }
            assert!(nonzero * 10 >= rows.len() * 8, "the demo has data for most figures: {nonzero} of {}", rows.len());
            // And each table row's figure is the total of the records it traces to (the list
            // the dashboard's 查看明细 opens), except the two whose past the raw tables do not
            // keep (docs/design/insight.md).
            let mut traced = 0;
            for [label, this, _, _] in &rows {
                let i = INDICATORS.iter().find(|i| format!("{}（{}）", i.label, i.unit.label()) == *label).unwrap();
                if ["org.new_domain.members", "org.women_homes.standardised"].contains(&i.id) {
                    continue;
                }
                if let Some(raw) = jinguo_store::trace::count(app.db.reader(), i, &city, period).await.unwrap() {
                    assert_eq!(*this, format_value(raw, i.unit), "[{}] {}: the report and its records", t.engine, i.id);
                    traced += 1;
                }
            }
            assert!(traced >= 40, "{traced} table rows traced");
            // A sample of the prose.
            for (id, before_text, after_text) in [
                ("org.federations", "全市共有各级各类妇联组织", "个"),
                ("org.women_homes.coverage", "标准化“妇女之家”覆盖率达", "%"),
                ("org.activities", "共开展各类活动", "场"),
                ("org.activities.participants", "参与妇女群众", "人次"),
                ("care.visits", "本期走访慰问", "人次"),
                ("health.coverage", "登记妇女（", ""),
                ("family.honours.national", "全国", "个"),
                ("family.roadshows", "事迹巡讲", "场"),
                ("family.education.centres", "家庭教育指导中心（站）", "个"),
                ("family.school.satisfaction", "家长满意率", "%"),
                ("care.cases", "纳入动态监测的妇女", "人"),
                ("family.points.issued", "本期发放家风积分", "分"),
                ("org.new_domain.members", "吸纳会员", "人"),
            ] {
                let v = value(&now, id);
                let unit = indicator(id).unwrap().unit.label();
                let needle = if after_text.is_empty() { format!("{v}{unit}") } else { format!("{before_text}{v}{after_text}") };
                assert!(md.contains(&needle), "[{}] {id}: {needle} not in the report", t.engine);
            }

            // The .docx: a zip whose document has the title, the headings, tables and CJK fonts.
            let bytes = report.bytes(Format::Docx).unwrap();
            let mut zip = zip::ZipArchive::new(std::io::Cursor::new(&bytes)).unwrap();
            let mut xml = String::new();
            zip.by_name("word/document.xml").unwrap().read_to_string(&mut xml).unwrap();
            assert!(xml.contains("宜昌市妇联2021年至2025年工作报告") && xml.contains("一、肯定成绩"));
            assert_eq!(xml.matches("<w:tbl>").count(), 4, "a table per section");
            assert!(!xml.contains("**") && !xml.contains("| ---"), "Markdown left unconverted");
            for style in ["Title", "Heading1", "Heading2", "Caption"] {
                assert!(xml.contains(&format!("<w:pStyle w:val=\"{style}\" />")), "{style}");
            }
            let mut styles = String::new();
            zip.by_name("word/styles.xml").unwrap().read_to_string(&mut styles).unwrap();
            for font in ["仿宋_GB2312", "黑体", "楷体_GB2312", "方正小标宋简体"] {
                assert!(styles.contains(&format!("w:eastAsia=\"{font}\"")), "{font}");
            }
            let federations = value(&now, "org.federations");
            pdf_reads_right(&bytes, &report.title, &federations);
            t.finish().await;
        }
    }

    /// Converts the .docx with LibreOffice and reads the PDF back; skipped (and said so) where
    /// LibreOffice is not installed, unless JINGUO_REQUIRE_LIBREOFFICE=1.
    fn pdf_reads_right(docx: &[u8], title: &str, figure: &str) {
        let required = std::env::var("JINGUO_REQUIRE_LIBREOFFICE").is_ok_and(|v| v == "1");
        let found = std::process::Command::new("soffice").arg("--version").output().is_ok_and(|o| o.status.success());
        if !found {
            assert!(!required, "JINGUO_REQUIRE_LIBREOFFICE=1 but soffice is not on PATH");
            eprintln!("skipped: soffice is not on PATH, the .docx → PDF conversion was not tried");
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("report.docx");
        std::fs::write(&file, docx).unwrap();
        let out = std::process::Command::new("soffice")
            .env("HOME", dir.path())
            .arg(format!("-env:UserInstallation=file://{}/profile", dir.path().display()))
            .args(["--headless", "--convert-to", "pdf", "--outdir"])
            .arg(dir.path())
            .arg(&file)
            .output()
            .unwrap();
        let pdf = dir.path().join("report.pdf");
        assert!(
            out.status.success() && pdf.is_file(),
            "soffice failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let text = std::process::Command::new("pdftotext").args(["-enc", "UTF-8"]).arg(&pdf).arg("-").output().unwrap();
        assert!(text.status.success(), "pdftotext failed");
        let text: String = String::from_utf8_lossy(&text.stdout).chars().filter(|c| !c.is_whitespace()).collect();
        assert!(text.contains(title), "the PDF lacks the title: {text}");
        assert!(text.contains(&format!("各级各类妇联组织{figure}个")), "the PDF lacks the figure {figure}: {text}");
    }

    #[tokio::test]
    async fn templates_are_managed_by_the_system_administrator_and_bad_ones_change_nothing() {
        let t = jinguo_store::testing::sqlite().await;
        let app = app(&t);
        let op = Actor::operator();
        assert!(!app.report_template(&op).await.unwrap().custom);
        let bad = "# 报告\n\n{{ fig(\"org.federations\") }}\n{{ fig(\"org.foo\") }}\n";
        let Err(AppError::Invalid(e)) = app.set_report_template(&op, bad).await else { panic!("a bad template was taken") };
        assert_eq!(e.errors[0].message, "第 4 行：未知指标 \"org.foo\"");
        assert!(!app.report_template(&op).await.unwrap().custom, "nothing changed");
        let good = "# 自定义报告\n\n共有妇联组织{{ fig(\"org.federations\") }}。\n";
        app.set_report_template(&op, good).await.unwrap();
        let now = app.report_template(&op).await.unwrap();
        assert!(now.custom && now.text == good);
        app.reset_report_template(&op).await.unwrap();
        assert_eq!(app.report_template(&op).await.unwrap().text, DEFAULT_TEMPLATE);
        let filter = jinguo_store::audit::Filter { action: Some("report.template".into()), ..Default::default() };
        let log = jinguo_store::audit::search(app.db.reader(), &filter, None, 10).await.unwrap();
        let actions: Vec<(&str, &str)> = log.items.iter().map(|r| (r.action.as_str(), r.outcome.as_str())).collect();
        assert_eq!(actions, [("report.template.reset", "ok"), ("report.template.update", "ok"), ("report.template.update", "failed")]);
        t.finish().await;
    }
}
