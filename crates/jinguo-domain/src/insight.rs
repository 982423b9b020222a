//! Indicators: the named figures the federation reports (DESIGN.md principle 5). Each has one
//! definition here, evaluated by the store for (region subtree, period); dashboards, the API and
//! the work report all read these, so nothing computes a figure twice in two ways.
//!
//! Definitions are in terms of *metrics*, the keys of the roll-up table. A metric row holds a
//! delta for (metric, region, day). A *flow* sums the deltas inside the period; a *stock* sums
//! every delta up to the period's end (so a stock is kept by writing +1 when a thing appears and
//! -1 when it goes). Figures that depend on the passing of time rather than on events (a term
//! that becomes overdue) are *register* figures, counted from their (small) registers at the end
//! of the period.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::Invalid;

/// A closed range of days, `from` to `to` inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Period {
    pub fn new(from: NaiveDate, to: NaiveDate) -> Result<Period, Invalid> {
        if from > to {
            return Err(Invalid::field("from", "开始日期不能晚于结束日期"));
        }
        Ok(Period { from, to })
    }

    /// Parses `YYYY-MM-DD` bounds, with Chinese messages for each field.
    pub fn parse(from: &str, to: &str) -> Result<Period, Invalid> {
        let mut invalid = Invalid::new();
        let f = parse_date(from);
        let t = parse_date(to);
        if f.is_none() {
            invalid.add("from", "开始日期格式应为 YYYY-MM-DD");
        }
        if t.is_none() {
            invalid.add("to", "结束日期格式应为 YYYY-MM-DD");
        }
        match (f, t) {
            (Some(f), Some(t)) => Period::new(f, t),
            _ => Err(invalid),
        }
    }

    /// The calendar year of `day`, from 1 January to `day` itself ("this year so far").
    pub fn year_to_date(day: NaiveDate) -> Period {
        let from = NaiveDate::from_ymd_opt(day.year(), 1, 1).unwrap_or(day);
        Period { from, to: day }
    }

    /// The same period shifted back by whole years (for comparisons with earlier years).
    pub fn years_earlier(&self, years: i32) -> Period {
        let shift = |d: NaiveDate| {
            NaiveDate::from_ymd_opt(d.year() - years, d.month(), d.day())
                .or_else(|| NaiveDate::from_ymd_opt(d.year() - years, d.month(), d.day() - 1))
                .unwrap_or(d)
        };
        Period { from: shift(self.from), to: shift(self.to) }
    }

    /// The period of equal length just before this one: whole years shift back by as many
    /// years (2021–2025 → 2016–2020), whole months by as many months, other spans by their
    /// number of days.
    pub fn previous(&self) -> Period {
        let starts_month = self.from.day() == 1;
        let ends_month = self.to.succ_opt().is_none_or(|d| d.day() == 1);
        if starts_month && ends_month {
            let months = (self.to.year() - self.from.year()) * 12 + self.to.month() as i32 - self.from.month() as i32 + 1;
            let from = shift_months(self.from, -months);
            let to = self.from.pred_opt().unwrap_or(self.from);
            return Period { from, to };
        }
        let days = (self.to - self.from).num_days() + 1;
        let to = self.from.pred_opt().unwrap_or(self.from);
        let from = self.from.checked_sub_signed(chrono::Duration::days(days)).unwrap_or(self.from);
        Period { from, to }
    }

    /// The number of whole calendar years the period spans, when it runs from 1 January to
    /// 31 December; None otherwise.
    pub fn whole_years(&self) -> Option<u32> {
        let whole = self.from.month() == 1 && self.from.day() == 1 && self.to.month() == 12 && self.to.day() == 31;
        whole.then(|| (self.to.year() - self.from.year() + 1) as u32)
    }

    /// The period as Chinese prose: `2021年至2025年` for whole years (`2025年` for one),
    /// else `2025年3月1日至2025年8月31日`.
    pub fn label_zh(&self) -> String {
        match self.whole_years() {
            Some(1) => format!("{}年", self.from.year()),
            Some(_) => format!("{}年至{}年", self.from.year(), self.to.year()),
            None => format!("{}至{}", date_zh(self.from), date_zh(self.to)),
        }
    }
}

/// `2025年3月1日`.
pub fn date_zh(d: NaiveDate) -> String {
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

/// The first day of the month `months` after (or before, when negative) `d`'s month.
fn shift_months(d: NaiveDate, months: i32) -> NaiveDate {
    let index = d.year() * 12 + d.month0() as i32 + months;
    NaiveDate::from_ymd_opt(index.div_euclid(12), index.rem_euclid(12) as u32 + 1, 1).unwrap_or(d)
}

pub fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()
}

/// The unit a figure is reported in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// 个: organisations, homes, events.
    Count,
    /// 人: people.
    Person,
    /// 人次: person-times.
    PersonTimes,
    /// %.
    Percent,
    /// 元: money. Roll-ups keep whole fen; the figure is fen ÷ 100.
    Yuan,
    /// 分: family points (whole points).
    Points,
}

impl Unit {
    pub fn label(self) -> &'static str {
        match self {
            Unit::Count => "个",
            Unit::Person => "人",
            Unit::PersonTimes => "人次",
            Unit::Percent => "%",
            Unit::Yuan => "元",
            Unit::Points => "分",
        }
    }
}

/// A figure's value as the dashboard and the report print it: percentages with one decimal
/// (`85.3`), money in 元 with fen (`1,234.50`), everything else a whole number with thousands
/// separators (`12,345`). The unit is printed apart ([`Unit::label`]).
pub fn format_value(value: f64, unit: Unit) -> String {
    match unit {
        Unit::Percent => format!("{value:.1}"),
        Unit::Yuan => {
            let fen = (value * 100.0).round() as i64;
            let sign = if fen < 0 { "-" } else { "" };
            format!("{sign}{}.{:02}", group_digits(fen.abs() / 100), fen.abs() % 100)
        }
        _ => group_digits(value.round() as i64),
    }
}

/// `1234567` → `1,234,567`.
pub fn group_digits(n: i64) -> String {
    let s = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// How a figure moved from an earlier period to this one: relative for counts and money, in
/// percentage points for percentages.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Change {
    Same,
    /// The earlier figure was 0 and this one is not: no relative change can be said.
    FromZero,
    /// Relative change in %, e.g. `12.5` for a rise of an eighth.
    Relative(f64),
    /// Change of a percentage, in percentage points.
    Points(f64),
}

impl Change {
    pub fn between(now: f64, before: f64, unit: Unit) -> Change {
        if (now - before).abs() < 1e-9 {
            Change::Same
        } else if unit == Unit::Percent {
            Change::Points(now - before)
        } else if before.abs() < 1e-9 {
            Change::FromZero
        } else {
            Change::Relative((now - before) * 100.0 / before.abs())
        }
    }

    /// Whether the figure rose (`Some(true)`), fell (`Some(false)`) or stayed (`None`).
    pub fn rose(self) -> Option<bool> {
        match self {
            Change::Same => None,
            Change::FromZero => Some(true),
            Change::Relative(d) | Change::Points(d) => Some(d > 0.0),
        }
    }

    /// Short, for a card or a table cell: `+12.5%`, `-3.0 个百分点`, `持平`, or `{earlier}为 0`
    /// (`earlier` names the period compared with: 上年同期, 上期).
    pub fn short(self, earlier: &str) -> String {
        match self {
            Change::Same => "持平".to_owned(),
            Change::FromZero => format!("{earlier}为 0"),
            Change::Relative(d) => format!("{d:+.1}%"),
            Change::Points(d) => format!("{d:+.1} 个百分点"),
        }
    }

    /// As a clause of prose: `较上期增长 12.5%`, `较上期下降 2.0 个百分点`, `与上期持平`,
    /// `上期为 0`.
    pub fn prose(self, earlier: &str) -> String {
        match self {
            Change::Same => format!("与{earlier}持平"),
            Change::FromZero => format!("{earlier}为 0"),
            Change::Relative(d) if d > 0.0 => format!("较{earlier}增长 {d:.1}%"),
            Change::Relative(d) => format!("较{earlier}下降 {:.1}%", -d),
            Change::Points(d) if d > 0.0 => format!("较{earlier}提高 {d:.1} 个百分点"),
            Change::Points(d) => format!("较{earlier}下降 {:.1} 个百分点", -d),
        }
    }
}

/// The speech's sections that figures are grouped under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Group {
    Organisation,
    Family,
    Development,
    Care,
}

impl Group {
    pub fn label(self) -> &'static str {
        match self {
            Group::Organisation => "政治引领与组织建设",
            Group::Family => "家庭家教家风",
            Group::Development => "发展",
            Group::Care => "维权关爱与健康",
        }
    }
}

/// Figures counted from registers at the end of the period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegisterFigure {
    /// Region federations and new-domain federations whose term renewal is due.
    TermsDue,
    /// … whose term has ended without a renewal.
    TermsOverdue,
    /// Villages (and communities) in the subtree: the denominator of coverage.
    Villages,
    /// Open care cases whose next visit was due before the end of the period.
    VisitsOverdue,
    /// Registered women aged 35–64 at the end of the period (two-cancer screening).
    EligibleWomen,
    /// Households served by family-education activities in the period: distinct families of the
    /// register, plus the unnamed households counted at activities (a distinct count over any
    /// period cannot be summed from daily deltas, so it is counted from its small register).
    EducationHouseholds,
}

/// How an indicator is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Formula {
    Flow(&'static str),
    Stock(&'static str),
    Register(RegisterFigure),
    /// `100 × numerator / denominator`, both other indicators' ids; 0 when the denominator is 0.
    Ratio(&'static str, &'static str),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Indicator {
    /// Dotted English name from the glossary, e.g. `org.women_homes.coverage`.
    pub id: &'static str,
    pub label: &'static str,
    pub unit: Unit,
    pub group: Group,
    pub formula: Formula,
}

/// Metric keys written to the roll-up table. Kept together so a writer and the definition that
/// reads it cannot drift apart.
pub mod metric {
    pub const FEDERATIONS: &str = "org.federations";
    pub const NEW_DOMAIN_FEDERATIONS: &str = "org.new_domain.federations";
    pub const NEW_DOMAIN_MEMBERS: &str = "org.new_domain.members";
    pub const EXECUTIVE_MEMBERS: &str = "org.executive_members";
    pub const TERMS_RENEWED: &str = "org.terms.renewed";
    pub const WOMEN_HOMES: &str = "org.women_homes";
    pub const WOMEN_HOMES_STANDARDISED: &str = "org.women_homes.standardised";
    pub const ACTIVITIES: &str = "org.activities";
    pub const ACTIVITY_PARTICIPANTS: &str = "org.activities.participants";

    /// Federations of one kind: `org.federations.kind.<kind>`.
    pub fn federations_of_kind(kind: crate::org::FederationKind) -> String {
        format!("org.federations.{}", kind.code())
    }

    /// Open care cases (a stock: +1 when opened, −1 when closed); by risk: `care.cases.<risk>`.
    pub const CARE_CASES: &str = "care.cases";
    /// Visits made (a flow).
    pub const CARE_VISITS: &str = "care.visits";

    /// Screenings counted once per woman, cancer and statistical year: `health.screenings.<kind>`.
    pub const HEALTH_SCREENINGS: &str = "health.screenings";
    /// Women screened for either cancer, once per statistical year.
    pub const HEALTH_WOMEN_SCREENED: &str = "health.women_screened";
    /// Abnormal or suspected results.
    pub const HEALTH_ABNORMAL: &str = "health.abnormal";
    /// Abnormal results followed up.
    pub const HEALTH_FOLLOWED_UP: &str = "health.followed_up";

    /// Pairings (结对帮扶) started and ended (flows), and active (a stock: +1 at the start,
    /// −1 at the end).
    pub const HELP_PAIRINGS_STARTED: &str = "care.pairings.started";
    pub const HELP_PAIRINGS_ENDED: &str = "care.pairings.ended";
    pub const HELP_PAIRINGS_ACTIVE: &str = "care.pairings.active";
    /// Aid records (a flow, on the aid date) and their amounts in fen; by kind:
    /// `care.aid.<kind>` and `care.aid.<kind>.amount`.
    pub const HELP_AID: &str = "care.aid";
    pub const HELP_AID_AMOUNT: &str = "care.aid.amount";
    /// Mutual-aid groups (a stock), groups formed (a flow), members (a stock: +1 on joining,
    /// −1 on leaving), meetings held and their attendance (flows).
    pub const HELP_GROUPS: &str = "care.groups";
    pub const HELP_GROUPS_FORMED: &str = "care.groups.formed";
    pub const HELP_GROUP_MEMBERS: &str = "care.groups.members";
    pub const HELP_GROUP_MEETINGS: &str = "care.groups.meetings";
    pub const HELP_GROUP_ATTENDANCE: &str = "care.groups.attendance";

    /// Aid records of one kind: `care.aid.<kind>`.
    pub fn aid_of_kind(kind: crate::help::AidKind) -> String {
        format!("{HELP_AID}.{}", kind.code())
    }

    /// Aid amounts (fen) of one kind: `care.aid.<kind>.amount`.
    pub fn aid_amount_of_kind(kind: crate::help::AidKind) -> String {
        format!("{HELP_AID}.{}.amount", kind.code())
    }

    /// Women registered (a stock: +1 on registration).
    pub const PEOPLE_REGISTERED: &str = "people.registered";
    /// Women on the register by birth month: +1 per woman in the bucket of the month she was
    /// born, year and month tiers only (no day tier). Women aged 35–64 on any day are then a
    /// sum over whole birth months, plus the two part months at the ends counted from the
    /// register (`store::health::eligible_women`).
    pub const WOMEN_BY_BIRTH_MONTH: &str = "people.women.born";

    /// People registered in one category: `people.category.<category>`.
    pub fn people_of_category(category: crate::people::PersonCategory) -> String {
        format!("people.category.{}", category.code())
    }

    /// Activities of one category: `org.activities.<category>`.
    pub fn activities_of_category(category: crate::org::ActivityCategory) -> String {
        format!("org.activities.{}", category.code())
    }

    // Family points, goods store and mottos (issue 4, part B).
    /// Families registered (a stock: +1 when a family is created).
    pub const FAMILIES: &str = "family.families";
    /// Points issued: earned, and positive adjustments (a flow, in points).
    pub const POINTS_ISSUED: &str = "family.points.issued";
    /// Points deducted: deductions, and negative adjustments (a flow, in points, positive).
    pub const POINTS_DEDUCTED: &str = "family.points.deducted";
    /// Points redeemed at the goods store, net of cancelled redemptions (a flow).
    pub const POINTS_REDEEMED: &str = "family.points.redeemed";
    /// Points expired (a flow).
    pub const POINTS_EXPIRED: &str = "family.points.expired";
    /// Families taking part: +1 on a family's first ledger entry ever (a stock).
    pub const POINTS_FAMILIES: &str = "family.points.families";
    /// Redemptions made at the goods store (a flow; cancellations are not subtracted).
    pub const STORE_REDEMPTIONS: &str = "family.store.redemptions";
    /// Family mottos collected (a flow, on submission).
    pub const MOTTOS: &str = "family.mottos";
    // Award campaigns (issue 4): campaigns run (on the day created), nominations (on the day
    // made), objections raised and upheld, honours awarded (on the day recorded; by level and by
    // kind: `family.honours.<level>`, `family.honours.<kind>`), roadshows and their audience.
    pub const AWARD_CAMPAIGNS: &str = "family.campaigns";
    pub const AWARD_NOMINATIONS: &str = "family.nominations";
    pub const AWARD_OBJECTIONS: &str = "family.objections";
    pub const AWARD_OBJECTIONS_UPHELD: &str = "family.objections.upheld";
    pub const HONOURS: &str = "family.honours";
    pub const ROADSHOWS: &str = "family.roadshows";
    pub const ROADSHOW_AUDIENCE: &str = "family.roadshows.audience";

    /// Honours of one level: `family.honours.<level>`.
    pub fn honours_of_level(level: crate::awards::HonourLevel) -> String {
        format!("{HONOURS}.{}", level.code())
    }

    /// Honours of one kind: `family.honours.<kind>`.
    pub fn honours_of_kind(kind: crate::awards::AwardKind) -> String {
        format!("{HONOURS}.{}", kind.code())
    }

    // Family education and the online parent school (issue 4, part D).
    /// Guidance centres (a stock), and by level: `family.education.centres.<level>`.
    pub const EDU_CENTRES: &str = "family.education.centres";
    pub const EDU_TEAMS: &str = "family.education.lecturer_teams";
    /// Lecturers (a stock: +1 on joining, −1 on leaving).
    pub const EDU_LECTURERS: &str = "family.education.lecturers";
    /// Guidance activities held (a flow), and by kind: `family.education.activities.<kind>`.
    pub const EDU_ACTIVITIES: &str = "family.education.activities";
    /// Household-times served (a flow: each named family and each unnamed household per activity).
    pub const EDU_HOUSEHOLD_TIMES: &str = "family.education.household_times";
    /// Published articles and videos (stocks, +1 on the day published).
    pub const SCHOOL_ARTICLES: &str = "family.school.articles";
    pub const SCHOOL_VIDEOS: &str = "family.school.videos";
    /// Views of articles and videos (a flow, written in buffered batches).
    pub const SCHOOL_VIEWS: &str = "family.school.views";
    /// Consultations asked, answered, rated, and rated 满意 (flows, on the day of each step).
    pub const SCHOOL_ASKED: &str = "family.school.consultations.asked";
    pub const SCHOOL_ANSWERED: &str = "family.school.consultations.answered";
    pub const SCHOOL_RATED: &str = "family.school.consultations.rated";
    pub const SCHOOL_GOOD: &str = "family.school.consultations.good";

    /// Centres of one level: `family.education.centres.<level>`.
    pub fn edu_centres_of_level(level: crate::Level) -> String {
        format!("{EDU_CENTRES}.{}", level.code_name())
    }

    /// Activities of one kind: `family.education.activities.<kind>`.
    pub fn edu_activities_of_kind(kind: crate::education::ActivityKind) -> String {
        format!("{EDU_ACTIVITIES}.{}", kind.code())
    }
}

const fn ind(id: &'static str, label: &'static str, unit: Unit, group: Group, formula: Formula) -> Indicator {
    Indicator { id, label, unit, group, formula }
}

use Formula::*;
use Group::*;
use Unit::*;

/// Every indicator, in the order the dashboard and the report show them.
pub const INDICATORS: &[Indicator] = &[
    ind("org.federations", "妇联组织总数", Count, Organisation, Stock("org.federations")),
    ind("org.federations.region", "区域妇联(市县镇村)", Count, Organisation, Stock("org.federations.region")),
    ind("org.new_domain.federations", "新领域妇联组织", Count, Organisation, Stock("org.new_domain.federations")),
    ind("org.federations.industry", "行业妇联", Count, Organisation, Stock("org.federations.industry")),
    ind("org.federations.area", "区域性妇联", Count, Organisation, Stock("org.federations.area")),
    ind("org.federations.park", "园区妇联", Count, Organisation, Stock("org.federations.park")),
    ind("org.federations.enterprise", "企业女职委", Count, Organisation, Stock("org.federations.enterprise")),
    ind("org.federations.social_org", "社会组织妇联", Count, Organisation, Stock("org.federations.social_org")),
    ind("org.federations.gig_platform", "新就业群体妇联", Count, Organisation, Stock("org.federations.gig_platform")),
    ind("org.new_domain.members", "新领域妇联会员", Person, Organisation, Stock("org.new_domain.members")),
    ind("org.executive_members", "妇联执委", Person, Organisation, Stock("org.executive_members")),
    ind("org.terms.renewed", "完成换届", Count, Organisation, Flow("org.terms.renewed")),
    ind("org.terms.due", "应换届(半年内到期)", Count, Organisation, Register(RegisterFigure::TermsDue)),
    ind("org.terms.overdue", "逾期未换届", Count, Organisation, Register(RegisterFigure::TermsOverdue)),
    ind("org.villages", "村(社区)数", Count, Organisation, Register(RegisterFigure::Villages)),
    ind("org.women_homes", "妇女之家", Count, Organisation, Stock("org.women_homes")),
    ind("org.women_homes.standardised", "标准化妇女之家", Count, Organisation, Stock("org.women_homes.standardised")),
    ind("org.women_homes.coverage", "标准化妇女之家覆盖率", Percent, Organisation, Ratio("org.women_homes.standardised", "org.villages")),
    ind("org.activities", "开展活动", Count, Organisation, Flow("org.activities")),
    ind("org.activities.participants", "活动参与", PersonTimes, Organisation, Flow("org.activities.participants")),
    ind("org.activities.political", "巾帼心向党等思想引领活动", Count, Organisation, Flow("org.activities.political")),
    ind("people.registered", "登记妇女及家庭成员", Person, Care, Stock("people.registered")),
    ind("care.cases", "动态监测妇女", Person, Care, Stock("care.cases")),
    ind("care.cases.high", "高风险监测对象", Person, Care, Stock("care.cases.high")),
    ind("care.cases.medium", "中风险监测对象", Person, Care, Stock("care.cases.medium")),
    ind("care.cases.low", "低风险监测对象", Person, Care, Stock("care.cases.low")),
    ind("care.visits", "走访慰问", PersonTimes, Care, Flow("care.visits")),
    ind("care.visits.overdue", "逾期未走访", Person, Care, Register(RegisterFigure::VisitsOverdue)),
    ind("health.screenings.cervical", "宫颈癌筛查", Person, Care, Flow("health.screenings.cervical")),
    ind("health.screenings.breast", "乳腺癌筛查", Person, Care, Flow("health.screenings.breast")),
    ind("health.women_screened", "参加两癌筛查妇女", Person, Care, Flow("health.women_screened")),
    ind("health.abnormal", "筛查发现异常", Person, Care, Flow("health.abnormal")),
    ind("health.followed_up", "异常已随访", Person, Care, Flow("health.followed_up")),
    ind("health.eligible", "35–64 岁登记妇女", Person, Care, Register(RegisterFigure::EligibleWomen)),
    ind("health.coverage", "两癌筛查覆盖率", Percent, Care, Ratio("health.women_screened", "health.eligible")),
    ind("care.pairings.active", "在帮结对", Count, Care, Stock("care.pairings.active")),
    ind("care.pairings.started", "新建结对帮扶", Count, Care, Flow("care.pairings.started")),
    ind("care.pairings.ended", "结束结对帮扶", Count, Care, Flow("care.pairings.ended")),
    ind("care.aid", "救助帮扶", PersonTimes, Care, Flow("care.aid")),
    ind("care.aid.amount", "救助帮扶金额", Yuan, Care, Flow("care.aid.amount")),
    ind("care.aid.living", "生活救助", PersonTimes, Care, Flow("care.aid.living")),
    ind("care.aid.living.amount", "生活救助金额", Yuan, Care, Flow("care.aid.living.amount")),
    ind("care.aid.medical", "医疗帮扶", PersonTimes, Care, Flow("care.aid.medical")),
    ind("care.aid.medical.amount", "医疗帮扶金额", Yuan, Care, Flow("care.aid.medical.amount")),
    ind("care.aid.education", "子女助学", PersonTimes, Care, Flow("care.aid.education")),
    ind("care.aid.education.amount", "子女助学金额", Yuan, Care, Flow("care.aid.education.amount")),
    ind("care.aid.other", "其他救助", PersonTimes, Care, Flow("care.aid.other")),
    ind("care.aid.other.amount", "其他救助金额", Yuan, Care, Flow("care.aid.other.amount")),
    ind("care.groups", "互助小组", Count, Care, Stock("care.groups")),
    ind("care.groups.formed", "新成立互助小组", Count, Care, Flow("care.groups.formed")),
    ind("care.groups.members", "互助小组成员", Person, Care, Stock("care.groups.members")),
    ind("care.groups.meetings", "互助小组活动", Count, Care, Flow("care.groups.meetings")),
    ind("care.groups.attendance", "互助小组活动参与", PersonTimes, Care, Flow("care.groups.attendance")),
    ind("people.category.hardship", "困难妇女", Person, Care, Stock("people.category.hardship")),
    ind("people.category.left_behind", "留守妇女", Person, Care, Stock("people.category.left_behind")),
    ind("people.category.disability", "残疾妇女", Person, Care, Stock("people.category.disability")),
    ind("people.category.single_mother", "单亲母亲", Person, Care, Stock("people.category.single_mother")),
    ind("people.category.serious_illness", "大病妇女", Person, Care, Stock("people.category.serious_illness")),
    ind("people.category.gig_worker", "新业态从业女性", Person, Care, Stock("people.category.gig_worker")),
    ind("people.category.scientist", "女科技工作者", Person, Care, Stock("people.category.scientist")),
    // Family points, goods store and mottos (issue 4, part B).
    ind("family.families", "登记家庭", Count, Family, Stock("family.families")),
    ind("family.points.issued", "发放家风积分", Points, Family, Flow("family.points.issued")),
    ind("family.points.deducted", "扣减家风积分", Points, Family, Flow("family.points.deducted")),
    ind("family.points.redeemed", "兑换家风积分", Points, Family, Flow("family.points.redeemed")),
    ind("family.points.expired", "过期家风积分", Points, Family, Flow("family.points.expired")),
    ind("family.points.families", "参与积分制家庭", Count, Family, Stock("family.points.families")),
    ind("family.store.redemptions", "积分超市兑换", Count, Family, Flow("family.store.redemptions")),
    ind("family.mottos", "征集家风家训", Count, Family, Flow("family.mottos")),
    // Award campaigns, honours, roadshows (issue 4).
    ind("family.campaigns", "开展家庭评选活动", Count, Family, Flow("family.campaigns")),
    ind("family.nominations", "评选推荐(含自荐)", Count, Family, Flow("family.nominations")),
    ind("family.objections", "公示期收到异议", Count, Family, Flow("family.objections")),
    ind("family.objections.upheld", "异议成立(撤销)", Count, Family, Flow("family.objections.upheld")),
    ind("family.honours", "家庭及个人获评荣誉", Count, Family, Flow("family.honours")),
    ind("family.honours.city", "市级荣誉", Count, Family, Flow("family.honours.city")),
    ind("family.honours.province", "省级荣誉", Count, Family, Flow("family.honours.province")),
    ind("family.honours.national", "全国荣誉", Count, Family, Flow("family.honours.national")),
    ind("family.honours.civilised", "文明家庭", Count, Family, Flow("family.honours.civilised")),
    ind("family.honours.most_beautiful", "最美家庭", Count, Family, Flow("family.honours.most_beautiful")),
    ind("family.honours.integrity", "廉洁家庭", Count, Family, Flow("family.honours.integrity")),
    ind("family.honours.good_mother_in_law", "好婆婆", Person, Family, Flow("family.honours.good_mother_in_law")),
    ind("family.honours.good_daughter_in_law", "好媳妇", Person, Family, Flow("family.honours.good_daughter_in_law")),
    ind("family.honours.science_star", "巾帼科技之星", Person, Family, Flow("family.honours.science_star")),
    ind("family.honours.custom", "其他家庭荣誉(市定)", Count, Family, Flow("family.honours.custom")),
    ind("family.roadshows", "最美家庭巡讲", Count, Family, Flow("family.roadshows")),
    ind("family.roadshows.audience", "巡讲受众", PersonTimes, Family, Flow("family.roadshows.audience")),
    // Family education and the online parent school (issue 4, part D).
    ind("family.education.centres", "家庭教育指导中心(站)", Count, Family, Stock("family.education.centres")),
    ind("family.education.centres.city", "市级家庭教育指导中心", Count, Family, Stock("family.education.centres.city")),
    ind("family.education.centres.county", "县级家庭教育指导中心", Count, Family, Stock("family.education.centres.county")),
    ind("family.education.centres.town", "镇级家庭教育指导站", Count, Family, Stock("family.education.centres.town")),
    ind("family.education.centres.village", "村级家庭教育指导站", Count, Family, Stock("family.education.centres.village")),
    ind("family.education.lecturer_teams", "家庭教育讲师团", Count, Family, Stock("family.education.lecturer_teams")),
    ind("family.education.lecturers", "家庭教育讲师", Person, Family, Stock("family.education.lecturers")),
    ind("family.education.activities", "家庭教育指导服务活动", Count, Family, Flow("family.education.activities")),
    ind("family.education.activities.community", "进社区活动", Count, Family, Flow("family.education.activities.community")),
    ind("family.education.activities.school", "进学校活动", Count, Family, Flow("family.education.activities.school")),
    ind("family.education.activities.rural", "进农村活动", Count, Family, Flow("family.education.activities.rural")),
    ind("family.education.households", "服务家庭(不重复)", Count, Family, Register(RegisterFigure::EducationHouseholds)),
    ind("family.education.household_times", "服务家庭户次", Count, Family, Flow("family.education.household_times")),
    ind("family.school.articles", "家长学校文章", Count, Family, Stock("family.school.articles")),
    ind("family.school.videos", "家长学校视频", Count, Family, Stock("family.school.videos")),
    ind("family.school.views", "家长学校浏览", PersonTimes, Family, Flow("family.school.views")),
    ind("family.school.consultations.asked", "家长咨询", Count, Family, Flow("family.school.consultations.asked")),
    ind("family.school.consultations.answered", "咨询已解答", Count, Family, Flow("family.school.consultations.answered")),
    ind("family.school.consultations.rated", "解答已评价", Count, Family, Flow("family.school.consultations.rated")),
    ind("family.school.consultations.good", "解答获满意评价", Count, Family, Flow("family.school.consultations.good")),
    ind(
        "family.school.satisfaction",
        "家长咨询满意率",
        Percent,
        Family,
        Ratio("family.school.consultations.good", "family.school.consultations.rated"),
    ),
];

/// A register whose upkeep is watched for completeness (issue 5): a village is expected to add
/// records to it regularly, and a figure it feeds is incomplete where villages added none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Watched {
    /// Short English name, e.g. `visits`.
    pub id: &'static str,
    /// What the records are, in Chinese: 走访记录.
    pub label: &'static str,
    /// The flow metric one record adds 1 to, on its day, in its village.
    pub metric: &'static str,
    /// The indicators it feeds: ids equal to or starting with one of these followed by `.`.
    pub feeds: &'static [&'static str],
}

impl Watched {
    /// True when the indicator `id` is fed by this register.
    pub fn feeds(&self, id: &str) -> bool {
        self.feeds.iter().any(|f| id == *f || id.strip_prefix(f).is_some_and(|rest| rest.starts_with('.')))
    }
}

/// Months without a record after which a village counts as not keeping a register up.
pub const STALE_MONTHS: u32 = 6;

/// The registers villages keep, in the order pages show them.
pub const WATCHED: &[Watched] = &[
    Watched { id: "activities", label: "活动记录", metric: metric::ACTIVITIES, feeds: &["org.activities"] },
    Watched { id: "visits", label: "走访记录", metric: metric::CARE_VISITS, feeds: &["care.visits"] },
    Watched {
        id: "screenings",
        label: "两癌筛查记录",
        metric: metric::HEALTH_WOMEN_SCREENED,
        feeds: &["health.screenings", "health.women_screened", "health.abnormal", "health.followed_up", "health.coverage"],
    },
    Watched { id: "points", label: "家风积分记录", metric: metric::POINTS_ISSUED, feeds: &["family.points.issued"] },
    Watched {
        id: "education",
        label: "家庭教育指导活动",
        metric: metric::EDU_ACTIVITIES,
        feeds: &["family.education.activities", "family.education.households", "family.education.household_times"],
    },
];

pub fn indicator(id: &str) -> Option<&'static Indicator> {
    INDICATORS.iter().find(|i| i.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn ids_are_unique_and_percentages_refer_to_known_indicators() {
        let mut seen = HashSet::new();
        for i in INDICATORS {
            assert!(seen.insert(i.id), "duplicate {}", i.id);
            if let Formula::Ratio(n, d) = i.formula {
                assert!(indicator(n).is_some() && indicator(d).is_some(), "{}", i.id);
            }
        }
    }

    #[test]
    fn kind_and_category_metrics_match_their_indicators() {
        for kind in crate::org::FederationKind::ALL {
            let m = metric::federations_of_kind(kind);
            assert!(INDICATORS.iter().any(|i| matches!(i.formula, Formula::Stock(s) if s == m)), "{m}");
        }
        let m = metric::activities_of_category(crate::org::ActivityCategory::Political);
        assert_eq!(m, "org.activities.political");
    }

    #[test]
    fn every_person_category_has_its_indicator() {
        for c in crate::people::PersonCategory::ALL.into_iter().filter(|c| *c != crate::people::PersonCategory::Other) {
            let m = metric::people_of_category(c);
            assert!(INDICATORS.iter().any(|i| matches!(i.formula, Formula::Stock(s) if s == m)), "{m}");
        }
    }

    #[test]
    fn every_aid_kind_has_its_count_and_amount_indicators() {
        for k in crate::help::AidKind::ALL {
            let (n, a) = (metric::aid_of_kind(k), metric::aid_amount_of_kind(k));
            assert!(INDICATORS.iter().any(|i| matches!(i.formula, Formula::Flow(s) if s == n) && i.unit == Unit::PersonTimes), "{n}");
            assert!(INDICATORS.iter().any(|i| matches!(i.formula, Formula::Flow(s) if s == a) && i.unit == Unit::Yuan), "{a}");
        }
        for m in [metric::HELP_PAIRINGS_ACTIVE, metric::HELP_GROUPS, metric::HELP_GROUP_MEMBERS] {
            assert!(INDICATORS.iter().any(|i| i.formula == Formula::Stock(m)), "{m}");
        }
    }

    #[test]
    fn every_honour_level_and_kind_has_its_indicator() {
        for l in crate::awards::HonourLevel::ALL {
            let m = metric::honours_of_level(l);
            assert!(INDICATORS.iter().any(|i| matches!(i.formula, Formula::Flow(s) if s == m)), "{m}");
        }
        for k in crate::awards::AwardKind::ALL {
            let m = metric::honours_of_kind(k);
            assert!(INDICATORS.iter().any(|i| matches!(i.formula, Formula::Flow(s) if s == m)), "{m}");
        }
    }

    #[test]
    fn every_education_metric_has_its_indicator() {
        use crate::education::ActivityKind;
        let mut metrics: Vec<String> = [
            metric::EDU_CENTRES,
            metric::EDU_TEAMS,
            metric::EDU_LECTURERS,
            metric::EDU_ACTIVITIES,
            metric::EDU_HOUSEHOLD_TIMES,
            metric::SCHOOL_ARTICLES,
            metric::SCHOOL_VIDEOS,
            metric::SCHOOL_VIEWS,
            metric::SCHOOL_ASKED,
            metric::SCHOOL_ANSWERED,
            metric::SCHOOL_RATED,
            metric::SCHOOL_GOOD,
        ]
        .map(String::from)
        .to_vec();
        metrics.extend(ActivityKind::ALL.iter().map(|k| metric::edu_activities_of_kind(*k)));
        metrics.extend(
            [crate::Level::City, crate::Level::County, crate::Level::Town, crate::Level::Village].map(metric::edu_centres_of_level),
        );
        for m in metrics {
            assert!(INDICATORS.iter().any(|i| matches!(i.formula, Formula::Flow(s) | Formula::Stock(s) if s == m)), "{m}");
        }
    }

    #[test]
    fn watched_registers_feed_known_indicators() {
        for w in WATCHED {
            assert!(INDICATORS.iter().any(|i| w.feeds(i.id)), "{}", w.id);
            assert!(INDICATORS.iter().any(|i| i.formula == Formula::Flow(w.metric)), "{}", w.id);
        }
        let visits = WATCHED.iter().find(|w| w.id == "visits").unwrap();
        assert!(visits.feeds("care.visits") && visits.feeds("care.visits.overdue"));
        assert!(!visits.feeds("care.visitsx") && !visits.feeds("care.cases"));
    }

    #[test]
    fn values_print_as_the_dashboard_shows_them() {
        assert_eq!(format_value(1234567.4, Unit::Count), "1,234,567");
        assert_eq!(format_value(-1234.0, Unit::Person), "-1,234");
        assert_eq!(format_value(85.25, Unit::Percent), "85.2");
        assert_eq!(format_value(1234.5, Unit::Yuan), "1,234.50");
        assert_eq!(format_value(1.999, Unit::Yuan), "2.00");
        assert_eq!(format_value(-0.5, Unit::Yuan), "-0.50");
        assert_eq!(group_digits(999), "999");
        assert_eq!(group_digits(1000), "1,000");
    }

    #[test]
    fn changes_are_relative_for_counts_and_in_points_for_percentages() {
        assert_eq!(Change::between(110.0, 100.0, Unit::Count).short("上期"), "+10.0%");
        assert_eq!(Change::between(90.0, 100.0, Unit::Count).prose("上期"), "较上期下降 10.0%");
        assert_eq!(Change::between(62.5, 60.0, Unit::Percent).prose("上期"), "较上期提高 2.5 个百分点");
        assert_eq!(Change::between(60.0, 62.5, Unit::Percent).short("上期"), "-2.5 个百分点");
        assert_eq!(Change::between(5.0, 0.0, Unit::Count).short("上年同期"), "上年同期为 0");
        assert_eq!(Change::between(0.0, 0.0, Unit::Count).prose("上期"), "与上期持平");
        assert_eq!(Change::between(5.0, 0.0, Unit::Count).rose(), Some(true));
        assert_eq!(Change::between(5.0, 5.0, Unit::Percent).rose(), None);
    }

    #[test]
    fn the_previous_period_is_as_long_and_just_before() {
        let p = |a, b| Period::parse(a, b).unwrap();
        assert_eq!(p("2021-01-01", "2025-12-31").previous(), p("2016-01-01", "2020-12-31"));
        assert_eq!(p("2025-01-01", "2025-12-31").previous(), p("2024-01-01", "2024-12-31"));
        assert_eq!(p("2025-03-01", "2025-08-31").previous(), p("2024-09-01", "2025-02-28"));
        assert_eq!(p("2025-01-10", "2025-01-19").previous(), p("2024-12-31", "2025-01-09"));
        assert_eq!(p("2021-01-01", "2025-12-31").label_zh(), "2021年至2025年");
        assert_eq!(p("2025-01-01", "2025-12-31").label_zh(), "2025年");
        assert_eq!(p("2025-03-01", "2025-08-31").label_zh(), "2025年3月1日至2025年8月31日");
        assert_eq!(p("2021-01-01", "2025-12-31").whole_years(), Some(5));
    }

    #[test]
    fn periods_are_checked_and_shift_by_years() {
        assert!(Period::parse("2025-01-01", "2024-12-31").is_err());
        let err = Period::parse("2025-13-01", "x").unwrap_err();
        assert!(err.message_for("from").is_some() && err.message_for("to").is_some());
        let p = Period::parse("2024-02-29", "2024-12-31").unwrap();
        let q = p.years_earlier(1);
        assert_eq!(q.from.to_string(), "2023-02-28");
        assert_eq!(q.to.to_string(), "2023-12-31");
    }
}
