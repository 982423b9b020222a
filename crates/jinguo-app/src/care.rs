//! Dynamic monitoring (动态监测) of vulnerable women: a care case with a risk level whose visit
//! interval sets the next due date, visits (走访) recorded once, the overdue list, closing.

use chrono::NaiveDate;
use jinguo_domain::access::Permission;
use jinguo_domain::org::validate_name;
use jinguo_domain::people::RiskLevel;
use jinguo_domain::{Invalid, RegionCode};
use jinguo_store::audit::Outcome;
use jinguo_store::care::{self as store, CareCase, Filter, NewCase, NewVisit, Visit};
use jinguo_store::people::PersonRow;
use jinguo_store::register::Register;
use jinguo_store::{Page, StoreError, Work};
use serde::Deserialize;
use serde_json::json;

use crate::org::{Checks, optional_text, parse_day};
use crate::{Actor, App, AppError, Result};

#[derive(Debug, Clone, Default, Deserialize)]
pub struct VisitInput {
    #[serde(default)]
    pub visited_on: Option<String>,
    #[serde(default)]
    pub findings: String,
    #[serde(default)]
    pub needs: Option<String>,
    /// Default: the caller's own name.
    #[serde(default)]
    pub visitor: Option<String>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct CaseDetail {
    pub case: CareCase,
    pub visits: Vec<Visit>,
}

/// Said when a woman already has an open case.
pub(crate) const ONE_OPEN_CASE: &str = "她已有一份进行中的监测档案";

/// The risk level and opening day of a new case, as a form or a sheet row gives them (the
/// opening day defaults to today and may not be in the future).
pub(crate) fn case_input(risk: &str, opened_on: Option<&str>, today: NaiveDate) -> Result<(RiskLevel, NaiveDate), Invalid> {
    let mut checks = Checks::new();
    let risk = checks.take(RiskLevel::parse(risk));
    let opened = checks.take(parse_day("opened_on", "建档日期", opened_on, today, today));
    checks.into_result()?;
    match (risk, opened) {
        (Some(r), Some(d)) => Ok((r, d)),
        _ => Err(Invalid::field("risk_level", "风险等级或建档日期有误")),
    }
}

/// Only a woman in one of the vulnerable categories is monitored.
pub(crate) fn may_open_case(p: &PersonRow) -> Result<(), Invalid> {
    if p.categories.iter().any(|c| c.is_vulnerable()) {
        Ok(())
    } else {
        Err(Invalid::field("person", "她不属于困难、留守、残疾、单亲、大病等特殊妇女群体，无需建立监测档案"))
    }
}

/// The case to write for her: the risk level's interval as this deployment sets it.
pub(crate) fn new_case(p: &PersonRow, risk: RiskLevel, opened_on: NaiveDate, intervals: &VisitIntervals, actor: &Actor) -> NewCase {
    NewCase { person: p.id, region: p.region.clone(), risk, interval_days: intervals.days(risk), opened_on, opened_by: actor.account }
}

/// A visit as a form or a sheet row gives it: a day (default today, not in the future, not
/// before the case was opened), what was found (required), needs, and the visitor (default:
/// the one recording it).
pub(crate) fn visit_input(
    input: &VisitInput,
    default_visitor: &str,
    account: Option<i64>,
    opened_on: NaiveDate,
    today: NaiveDate,
) -> Result<NewVisit, Invalid> {
    let mut checks = Checks::new();
    let day = checks.take(parse_day("visited_on", "走访日期", input.visited_on.as_deref(), today, today));
    let findings = checks.take(validate_name("findings", "走访情况", &input.findings, 1000));
    let needs = checks.take(optional_text("needs", "需求", input.needs.as_deref(), 1000));
    let visitor = input.visitor.as_deref().map(str::trim).filter(|s| !s.is_empty()).unwrap_or(default_visitor).to_owned();
    let visitor = checks.take(validate_name("visitor", "走访人", &visitor, 30));
    checks.into_result()?;
    let (Some(day), Some(findings), Some(needs), Some(visitor)) = (day, findings, needs, visitor) else {
        return Err(Invalid::field("visited_on", "走访记录有误"));
    };
    if day < opened_on {
        return Err(Invalid::field("visited_on", format!("走访日期不能早于建档日期（{opened_on}）")));
    }
    Ok(NewVisit { visited_on: day, visitor_account: account, visitor_name: visitor, findings, needs })
}

impl App {
    async fn case_for_write(&self, actor: &Actor, id: i64, action: &str) -> Result<CareCase> {
        self.require(actor, Permission::WritePeople, action).await?;
        let found = store::get(self.db.reader(), &actor.scope, id).await?;
        self.writable(actor, found, Register::CareCases, id, action).await
    }

    /// The open care case of a person in scope, if she has one.
    pub async fn open_case_of(&self, actor: &Actor, person: i64) -> Result<Option<i64>> {
        self.require(actor, Permission::ReadRegisters, "care_case.read").await?;
        if jinguo_store::people::get(&self.db, &actor.scope, person).await?.is_none() {
            return Err(AppError::NotFound);
        }
        Ok(store::open_case_of(self.db.reader(), person).await?)
    }

    /// Opens a care case for a registered woman in one of the vulnerable categories.
    pub async fn open_case(&self, actor: &Actor, person: &str, risk: &str, opened_on: Option<&str>) -> Result<CareCase> {
        const ACTION: &str = "care_case.open";
        self.require(actor, Permission::WritePeople, ACTION).await?;
        let today = self.today();
        let mut checks = Checks::new();
        let case = checks.take(case_input(risk, opened_on, today));
        let pid = checks.take(person.trim().parse::<i64>().map_err(|_| jinguo_domain::Invalid::field("person", "请选择要建档的人员")));
        checks.finish()?;
        let (Some((risk, opened)), Some(pid)) = (case, pid) else { return Err(AppError::Internal("validation".into())) };
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
        may_open_case(&p)?;
        if store::open_case_of(self.db.reader(), pid).await?.is_some() {
            return Err(AppError::Conflict(ONE_OPEN_CASE.into()));
        }
        let intervals = self.visit_intervals().await?;
        let now = self.now_ms();
        let mut w = Work::begin(&self.db).await?;
        let new = new_case(&p, risk, opened, &intervals, actor);
        let id = match store::open(&mut w, &new, now).await {
            Ok(id) => id,
            Err(StoreError::Conflict(m)) => {
                w.rollback().await?;
                return Err(AppError::Conflict(m));
            }
            Err(e) => return Err(e.into()),
        };
        w.audit(actor.entry(
            now,
            ACTION,
            Outcome::Ok,
            "care_case",
            id,
            &p.region.padded(),
            json!({"after": {"person": pid, "risk": risk.code(), "opened_on": opened}}),
        ));
        w.commit().await?;
        store::get(self.db.reader(), &actor.scope, id).await?.ok_or(AppError::NotFound)
    }

    pub async fn care_case(&self, actor: &Actor, id: i64) -> Result<CaseDetail> {
        self.require(actor, Permission::ReadRegisters, "care_case.read").await?;
        let mut case = store::get(self.db.reader(), &actor.scope, id).await?.ok_or(AppError::NotFound)?;
        if !actor.sees_identity() {
            case.person_name = String::new();
        }
        Ok(CaseDetail { visits: store::visits(self.db.reader(), id).await?, case })
    }

    pub async fn list_cases(
        &self,
        actor: &Actor,
        region: Option<&RegionCode>,
        filter: Filter,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Page<CareCase>> {
        let scope = self.list_scope(actor, region, "care_case.list").await?;
        let page = store::list(self.db.reader(), &scope, filter, after, limit.clamp(1, 500)).await?;
        Ok(self.mask_cases(actor, page))
    }

    /// Open cases overdue for a visit today, the most overdue first.
    pub async fn overdue_cases(
        &self,
        actor: &Actor,
        region: Option<&RegionCode>,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Page<CareCase>> {
        let scope = self.list_scope(actor, region, "care_case.overdue").await?;
        let page = store::overdue(self.db.reader(), &scope, self.today(), after, limit.clamp(1, 500)).await?;
        Ok(self.mask_cases(actor, page))
    }

    fn mask_cases(&self, actor: &Actor, page: Page<CareCase>) -> Page<CareCase> {
        page.map(|mut c| {
            c.person_name = actor.list_name(&c.person_name);
            c
        })
    }

    /// Records a visit; the case's next due date follows from it.
    pub async fn record_visit(&self, actor: &Actor, case: i64, input: &VisitInput) -> Result<CareCase> {
        const ACTION: &str = "visit.create";
        let c = self.case_for_write(actor, case, ACTION).await?;
        if c.closed_on.is_some() {
            return Err(AppError::invalid("visited_on", "该监测档案已结案，不能再登记走访"));
        }
        let visit = visit_input(input, &actor.display_name, actor.account, c.opened_on, self.today())?;
        let day = visit.visited_on;
        let now = self.now_ms();
        let mut w = Work::begin(&self.db).await?;
        let id = store::record_visit(&mut w, &c, &visit, now).await?;
        w.audit(actor.entry(
            now,
            ACTION,
            Outcome::Ok,
            "care_case",
            case,
            &c.region.padded(),
            json!({"after": {"visit": id.to_string(), "visited_on": day}}),
        ));
        w.commit().await?;
        store::get(self.db.reader(), &actor.scope, case).await?.ok_or(AppError::NotFound)
    }

    /// Closes a case with a reason.
    pub async fn close_case(&self, actor: &Actor, case: i64, closed_on: Option<&str>, reason: &str) -> Result<CareCase> {
        const ACTION: &str = "care_case.close";
        let c = self.case_for_write(actor, case, ACTION).await?;
        if c.closed_on.is_some() {
            return Err(AppError::Conflict("该监测档案已结案".into()));
        }
        let today = self.today();
        let mut checks = Checks::new();
        let day = checks.take(parse_day("closed_on", "结案日期", closed_on, today, today));
        let reason = checks.take(validate_name("reason", "结案原因", reason, 200));
        checks.finish()?;
        let (Some(day), Some(reason)) = (day, reason) else { return Err(AppError::Internal("validation".into())) };
        if day < c.opened_on {
            return Err(AppError::invalid("closed_on", "结案日期不能早于建档日期"));
        }
        let now = self.now_ms();
        let mut w = Work::begin(&self.db).await?;
        store::close(&mut w, &c, day, &reason, now).await?;
        w.audit(actor.entry(
            now,
            ACTION,
            Outcome::Ok,
            "care_case",
            case,
            &c.region.padded(),
            json!({"after": {"closed_on": day, "reason": reason}}),
        ));
        w.commit().await?;
        store::get(self.db.reader(), &actor.scope, case).await?.ok_or(AppError::NotFound)
    }
}

/// The settings key of the visit intervals: `high,medium,low` in days.
pub const VISIT_INTERVALS_SETTING: &str = "care.visit_intervals";

/// Days between visits for each risk level, as this deployment configures them (default:
/// monthly, quarterly, half-yearly). Built only by [`VisitIntervals::parse`] or the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct VisitIntervals {
    pub high: i64,
    pub medium: i64,
    pub low: i64,
}

impl Default for VisitIntervals {
    fn default() -> Self {
        VisitIntervals {
            high: RiskLevel::High.default_visit_interval_days(),
            medium: RiskLevel::Medium.default_visit_interval_days(),
            low: RiskLevel::Low.default_visit_interval_days(),
        }
    }
}

impl VisitIntervals {
    pub const MIN_DAYS: i64 = 7;
    pub const MAX_DAYS: i64 = 366;

    /// Whole days from 7 to 366, and a higher risk visited at least as often as a lower one.
    pub fn parse(high: &str, medium: &str, low: &str) -> Result<VisitIntervals, jinguo_domain::Invalid> {
        let mut invalid = jinguo_domain::Invalid::new();
        let mut day = |field: &str, label: &str, text: &str| -> Option<i64> {
            let t = text.trim();
            if t.is_empty() {
                invalid.add(field, format!("请填写{label}的走访间隔天数"));
                return None;
            }
            match t.parse::<i64>() {
                Ok(n) if (Self::MIN_DAYS..=Self::MAX_DAYS).contains(&n) => Some(n),
                Ok(_) => {
                    invalid.add(field, format!("{label}的走访间隔应在 {} 到 {} 天之间", Self::MIN_DAYS, Self::MAX_DAYS));
                    None
                }
                Err(_) => {
                    invalid.add(field, format!("{label}的走访间隔应为整数天数，而不是「{t}」"));
                    None
                }
            }
        };
        let (h, m, l) = (day("high", "高风险", high), day("medium", "中风险", medium), day("low", "低风险", low));
        if let (Some(h), Some(m)) = (h, m)
            && h > m
        {
            invalid.add("high", "高风险对象的走访间隔不能长于中风险对象");
        }
        if let (Some(m), Some(l)) = (m, l)
            && m > l
        {
            invalid.add("medium", "中风险对象的走访间隔不能长于低风险对象");
        }
        invalid.into_result()?;
        match (h, m, l) {
            (Some(high), Some(medium), Some(low)) => Ok(VisitIntervals { high, medium, low }),
            _ => Err(jinguo_domain::Invalid::field("high", "走访间隔有误")),
        }
    }

    pub fn days(&self, risk: RiskLevel) -> i64 {
        match risk {
            RiskLevel::High => self.high,
            RiskLevel::Medium => self.medium,
            RiskLevel::Low => self.low,
        }
    }

    fn encode(&self) -> String {
        format!("{},{},{}", self.high, self.medium, self.low)
    }

    fn decode(s: &str) -> Option<VisitIntervals> {
        let mut parts = s.split(',');
        VisitIntervals::parse(parts.next()?, parts.next()?, parts.next()?).ok()
    }
}

/// What changing the intervals did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct IntervalsChange {
    pub before: VisitIntervals,
    pub after: VisitIntervals,
    /// Open cases whose interval changed (their next visit sets the next due date with it).
    pub open_cases: u64,
}

impl App {
    /// The visit intervals in force (the defaults until an administrator changes them).
    pub async fn visit_intervals(&self) -> Result<VisitIntervals> {
        let stored = jinguo_store::settings::get(self.db.reader(), VISIT_INTERVALS_SETTING).await?;
        Ok(stored.as_deref().and_then(VisitIntervals::decode).unwrap_or_default())
    }

    /// Changes the visit intervals (system administrator or operator). New cases take them
    /// at once; each open case takes its level's new interval now, and it sets her next due
    /// date from her next visit on — the due date already set stays (docs/design/people.md).
    pub async fn set_visit_intervals(&self, actor: &Actor, high: &str, medium: &str, low: &str) -> Result<IntervalsChange> {
        const ACTION: &str = "settings.visit_intervals";
        self.require(actor, Permission::ManageRegions, ACTION).await?;
        let after = VisitIntervals::parse(high, medium, low)?;
        let before = self.visit_intervals().await?;
        let now = self.now_ms();
        let mut w = Work::begin(&self.db).await?;
        jinguo_store::settings::set(&w.tx, VISIT_INTERVALS_SETTING, &after.encode()).await?;
        let mut open_cases = 0;
        for risk in RiskLevel::ALL {
            open_cases += store::set_open_intervals(&w.tx, risk, after.days(risk), now).await?;
        }
        w.audit(actor.entry(
            now,
            ACTION,
            Outcome::Ok,
            "settings",
            VISIT_INTERVALS_SETTING,
            "",
            json!({"before": before, "after": after, "open_cases": open_cases}),
        ));
        w.commit().await?;
        Ok(IntervalsChange { before, after, open_cases })
    }
}
