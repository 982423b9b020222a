//! Two-cancer screening (两癌筛查) of women aged 35–64: recording results, the statistical-year
//! rule (a second screening for the same cancer in one year is flagged, not counted), follow-ups
//! of abnormal results, and the list of those still without a follow-up after 30 days.

use chrono::{Duration, NaiveDate};
use jinguo_domain::access::Permission;
use jinguo_domain::insight::Period;
use jinguo_domain::org::validate_name;
use jinguo_domain::people::{ScreeningKind, ScreeningResult, screening_eligible, statistical_year, statistical_year_bounds};
use jinguo_domain::{Invalid, RegionCode};
use jinguo_store::Page;
use jinguo_store::Work;
use jinguo_store::audit::Outcome;
use jinguo_store::health::{self as store, NewScreening, Screening};
use jinguo_store::people::PersonRow;
use jinguo_store::register::Register;
use serde::Deserialize;
use serde_json::json;

use crate::org::{Checks, optional_text, parse_day};
use crate::{Actor, App, AppError, Result};

/// Days after which an abnormal result without a follow-up is overdue.
pub const FOLLOW_UP_DAYS: i64 = 30;

const COVERAGE_FIGURES: [&str; 3] = ["health.women_screened", "health.eligible", "health.coverage"];

/// Coverage of one region for a statistical year; the first row of a list is the region asked
/// for, the others its children.
#[derive(Debug, Clone)]
pub struct CoverageRow {
    pub region: RegionCode,
    pub name: String,
    pub screened: i64,
    pub eligible: i64,
    /// 0–100, one decimal.
    pub percent: f64,
}

/// What a list of screenings is narrowed to: codes or labels, as a query gives them.
#[derive(Debug, Clone, Copy, Default)]
pub struct ScreeningFilter<'a> {
    pub kind: Option<&'a str>,
    pub result: Option<&'a str>,
    /// The statistical year (2025 = 2025-04-01 … 2026-03-31).
    pub year: Option<i64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ScreeningInput {
    #[serde(default)]
    pub person: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub screened_on: Option<String>,
    #[serde(default)]
    pub site: String,
    #[serde(default)]
    pub result: String,
}

/// Said of a follow-up given for a normal result.
pub(crate) const NO_FOLLOW_UP: &str = "未见异常的筛查结果无需随访";

/// A screening's own fields, checked: what a form or a sheet row gives besides the woman.
#[derive(Debug, Clone)]
pub(crate) struct ScreeningFields {
    pub kind: ScreeningKind,
    pub screened_on: NaiveDate,
    pub site: String,
    pub result: ScreeningResult,
}

impl ScreeningFields {
    /// The record to write for her (its statistical year follows from the day).
    pub fn for_person(self, p: &PersonRow, actor: &Actor) -> NewScreening {
        NewScreening {
            person: p.id,
            region: p.region.clone(),
            kind: self.kind,
            screened_on: self.screened_on,
            stat_year: statistical_year(self.screened_on) as i64,
            site: self.site,
            result: self.result,
            created_by: actor.account,
        }
    }
}

/// Kind, day (default today, not in the future), site and result of a screening.
pub(crate) fn screening_input(
    kind: &str,
    screened_on: Option<&str>,
    site: &str,
    result: &str,
    today: NaiveDate,
) -> Result<ScreeningFields, Invalid> {
    let mut checks = Checks::new();
    let kind = checks.take(ScreeningKind::parse(kind));
    let day = checks.take(parse_day("screened_on", "筛查日期", screened_on, today, today));
    let site = checks.take(validate_name("site", "筛查机构", site, 60));
    let result = checks.take(ScreeningResult::parse(result));
    checks.into_result()?;
    match (kind, day, site, result) {
        (Some(kind), Some(screened_on), Some(site), Some(result)) => Ok(ScreeningFields { kind, screened_on, site, result }),
        _ => Err(Invalid::field("kind", "筛查记录有误")),
    }
}

/// The screening is for women aged 35–64 on the day.
pub(crate) fn may_screen(p: &PersonRow, day: NaiveDate) -> Result<(), Invalid> {
    if p.sex != "female" || !screening_eligible(p.birth_date, day) {
        return Err(Invalid::field("person", "两癌筛查的对象是筛查当日年满 35 岁、不满 65 岁的妇女"));
    }
    Ok(())
}

/// A follow-up's day (default today, not in the future, not before the screening) and diagnosis.
pub(crate) fn follow_up_input(
    screened_on: NaiveDate,
    day: Option<&str>,
    diagnosis: &str,
    today: NaiveDate,
) -> Result<(NaiveDate, String), Invalid> {
    let mut checks = Checks::new();
    let day = checks.take(parse_day("follow_up_on", "随访日期", day, today, today));
    let diagnosis = checks.take(optional_text("diagnosis", "诊断结果", Some(diagnosis), 200));
    checks.into_result()?;
    let (Some(day), Some(diagnosis)) = (day, diagnosis) else { return Err(Invalid::field("follow_up_on", "随访记录有误")) };
    if day < screened_on {
        return Err(Invalid::field("follow_up_on", "随访日期不能早于筛查日期"));
    }
    Ok((day, diagnosis))
}

impl App {
    fn mask_screenings(&self, actor: &Actor, page: Page<Screening>) -> Page<Screening> {
        page.map(|mut s| {
            s.person_name = actor.list_name(&s.person_name);
            s
        })
    }

    /// Records a screening of a registered woman aged 35–64 on the day.
    pub async fn record_screening(&self, actor: &Actor, input: &ScreeningInput) -> Result<Screening> {
        const ACTION: &str = "screening.create";
        self.require(actor, Permission::WritePeople, ACTION).await?;
        let today = self.today();
        let mut checks = Checks::new();
        let pid =
            checks.take(input.person.trim().parse::<i64>().map_err(|_| jinguo_domain::Invalid::field("person", "请选择接受筛查的妇女")));
        let fields = checks.take(screening_input(&input.kind, input.screened_on.as_deref(), &input.site, &input.result, today));
        checks.finish()?;
        let (Some(pid), Some(fields)) = (pid, fields) else {
            return Err(AppError::Internal("validation".into()));
        };
        let p = match jinguo_store::people::get(&self.db, &actor.scope, pid).await? {
            Some(p) => p,
            None => {
                let region = jinguo_store::register::region_of(self.db.reader(), Register::People, pid).await?;
                return Err(match region {
                    Some(_) => self.missing_or_forbidden(actor, region, ACTION, "person", pid).await,
                    None => AppError::invalid("person", "该人员不存在"),
                });
            }
        };
        may_screen(&p, fields.screened_on)?;
        let new = fields.for_person(&p, actor);
        let (kind, day, result) = (new.kind, new.screened_on, new.result);
        let now = self.now_ms();
        let mut w = Work::begin(&self.db).await?;
        let (id, repeat) = store::insert(&mut w, &new, now).await?;
        w.audit(actor.entry(
            now,
            ACTION,
            Outcome::Ok,
            "screening",
            id,
            &p.region.padded(),
            json!({"after": {"person": pid, "kind": kind.code(), "screened_on": day, "result": result.code(), "repeat_in_year": repeat}}),
        ));
        w.commit().await?;
        store::get(self.db.reader(), &actor.scope, id).await?.ok_or(AppError::NotFound)
    }

    /// Records the follow-up (and diagnosis) of an abnormal or suspected result.
    pub async fn record_follow_up(&self, actor: &Actor, id: i64, day: Option<&str>, diagnosis: &str) -> Result<Screening> {
        const ACTION: &str = "screening.follow_up";
        self.require(actor, Permission::WritePeople, ACTION).await?;
        let found = store::get(self.db.reader(), &actor.scope, id).await?;
        let s = self.writable(actor, found, Register::Screenings, id, ACTION).await?;
        if !s.result.needs_follow_up() {
            return Err(AppError::invalid("result", NO_FOLLOW_UP));
        }
        let (day, diagnosis) = follow_up_input(s.screened_on, day, diagnosis, self.today())?;
        let now = self.now_ms();
        let mut w = Work::begin(&self.db).await?;
        store::record_follow_up(&mut w, &s, day, &diagnosis, now).await?;
        w.audit(actor.entry(now, ACTION, Outcome::Ok, "screening", id, &s.region.padded(), json!({"after": {"follow_up_on": day}})));
        w.commit().await?;
        store::get(self.db.reader(), &actor.scope, id).await?.ok_or(AppError::NotFound)
    }

    pub async fn list_screenings(
        &self,
        actor: &Actor,
        region: Option<&RegionCode>,
        filter: ScreeningFilter<'_>,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Page<Screening>> {
        let ScreeningFilter { kind, result, year } = filter;
        let scope = self.list_scope(actor, region, "screening.list").await?;
        let kind = match kind.map(str::trim).filter(|k| !k.is_empty()) {
            Some(k) => Some(ScreeningKind::parse(k)?),
            None => None,
        };
        let result = match result.map(str::trim).filter(|r| !r.is_empty()) {
            Some(r) => Some(ScreeningResult::parse(r)?),
            None => None,
        };
        let page = store::list(self.db.reader(), &scope, kind, result, year, after, limit.clamp(1, 500)).await?;
        Ok(self.mask_screenings(actor, page))
    }

    /// One screening in the actor's scope (NotFound otherwise), the name kept for those who
    /// see identity.
    pub async fn screening(&self, actor: &Actor, id: i64) -> Result<Screening> {
        self.require(actor, Permission::ReadRegisters, "screening.read").await?;
        let mut s = store::get(self.db.reader(), &actor.scope, id).await?.ok_or(AppError::NotFound)?;
        if !actor.sees_identity() {
            s.person_name = String::new();
        }
        Ok(s)
    }

    /// Coverage of statistical year `year` (women screened / women aged 35–64 on the register)
    /// for `region` and each of its child regions: the indicators `health.women_screened`,
    /// `health.eligible` and `health.coverage`, read once per region.
    pub async fn screening_coverage(&self, actor: &Actor, region: &RegionCode, year: i32) -> Result<Vec<CoverageRow>> {
        let (from, to) = statistical_year_bounds(year).ok_or_else(|| AppError::invalid("year", "统计年度有误"))?;
        let period = Period::new(from, to)?;
        let mut regions = vec![self.region(region).await?];
        regions.extend(self.region_children(Some(region)).await?);
        let mut out = Vec::with_capacity(regions.len());
        for r in regions {
            let figures = self.indicators(actor, &r.code, period, &COVERAGE_FIGURES).await?;
            let value = |id: &str| figures.iter().find(|f| f.indicator.id == id).map_or(0.0, |f| f.value);
            out.push(CoverageRow {
                region: r.code,
                name: r.name,
                screened: value("health.women_screened") as i64,
                eligible: value("health.eligible") as i64,
                percent: value("health.coverage"),
            });
        }
        Ok(out)
    }

    /// Abnormal results with no follow-up more than 30 days after the screening, oldest first.
    pub async fn overdue_follow_ups(
        &self,
        actor: &Actor,
        region: Option<&RegionCode>,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Page<Screening>> {
        let scope = self.list_scope(actor, region, "screening.overdue").await?;
        let before = self.today() - Duration::days(FOLLOW_UP_DAYS);
        let page = store::overdue_follow_ups(self.db.reader(), &scope, before, after, limit.clamp(1, 500)).await?;
        Ok(self.mask_screenings(actor, page))
    }
}
