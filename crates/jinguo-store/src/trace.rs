//! Tracing a figure to its records (issue 5, point 2): for every indicator that is not a ratio,
//! the raw records it is made of, for (region subtree, period).
//!
//! Each indicator has a *source*: one or more parts, each a scan of one raw table (with the
//! joins it needs for a masked name or a label), written to agree with how the roll-up writers
//! count it: the same date, the same region, the same meaning of +1/−1, the same value (1, or
//! participants, fen, points). Flows are events inside the period; stocks are records that exist
//! at the period's end (started on or before it, not ended by it); register figures are the
//! register's own rows at the period's end.
//!
//! [`count`] computes the figure by scanning the raw records (the baseline the roll-ups are
//! benchmarked against); [`rows`] lists them a page at a time, in a stable order (region, day,
//! id), with names masked and a link to the record's own page where there is one. Nothing here
//! decrypts anything.
//!
//! Where the raw tables keep less history than the roll-ups, the source is the closest honest
//! definition, and it agrees with the roll-up whenever the history it cannot see did not happen:
//! - `org.new_domain.members`: a new-domain federation's member count is kept as a current
//!   number; a change is a roll-up delta on its day. The trace counts today's members of the
//!   federations established by the period's end.
//! - `org.women_homes.standardised`: a home keeps the day it last became standardised; one that
//!   lost the standard after the period's end counts as not standardised in the trace.
//! - `health.followed_up`: the follow-up day kept is the latest one recorded (the roll-up counts
//!   the first).
//! - `health.women_screened`: the screening that counts is the earliest of her statistical year
//!   (cervical before breast on the same day); the one-record writer counts the first entered.
//! - `family.points.families`: the day a family joined is its earliest ledger day (the writer
//!   counts the first entry written).
//! - `family.school.views`: views are kept as a total per item; the trace counts an item's views
//!   on the day it was published (the demo adds them then; live views land on later days).
//! - People, families, mottos, campaigns and upheld objections keep no day column: their day is
//!   the China (UTC+8) day of the record's own timestamp, which the writers keep in step.

use chrono::NaiveDate;
use jinguo_domain::RegionCode;
use jinguo_domain::insight::{Formula, Indicator, Period, RegisterFigure, Unit};
use jinguo_domain::org::TERM_DUE_WINDOW_DAYS;
use sea_orm::{ConnectionTrait, Value};
use serde::Serialize;

use crate::{Result, Scope, sql};

/// The first moment of `day` in China time (UTC+8), in Unix milliseconds: how a record with only
/// a timestamp is placed on the federation's calendar.
pub fn china_day_start_ms(day: NaiveDate) -> i64 {
    day.and_hms_opt(0, 0, 0).map(|t| t.and_utc().timestamp_millis() - 8 * 3_600_000).unwrap_or(0)
}

/// The China day of a moment in Unix milliseconds.
fn china_day(ms: i64) -> Option<NaiveDate> {
    chrono::DateTime::from_timestamp_millis(ms + 8 * 3_600_000).map(|t| t.date_naive())
}

/// One record behind a figure.
#[derive(Debug, Clone, Serialize)]
pub struct TraceRow {
    /// The record's day (event, start, or register date); None for timeless registers.
    pub day: Option<NaiveDate>,
    /// Padded region code of the record.
    pub region: String,
    pub region_name: String,
    /// A short description in Chinese.
    pub label: String,
    /// The person it concerns, masked (`张*`), when it names one.
    pub name: Option<String>,
    /// What it adds to the figure: 1, or participants, fen, points…
    pub value: i64,
    /// The record's own page, where there is one.
    pub link: Option<String>,
}

/// A page of the records behind a figure.
#[derive(Debug, Clone, Serialize)]
pub struct TracePage {
    /// Records behind the figure (all pages).
    pub records: i64,
    /// The sum of their values (all pages): the figure, in fen for money.
    pub sum: i64,
    pub items: Vec<TraceRow>,
}

/// How a part's values are bound.
#[derive(Debug, Clone, Copy)]
enum B {
    Low,
    High,
    From,
    To,
    /// The first millisecond of the period (China time).
    FromMs,
    /// The first millisecond after the period (China time).
    EndMs,
    Date(NaiveDate),
}

#[derive(Debug, Clone, Copy)]
enum Day {
    Col(&'static str),
    Ms(&'static str),
    None,
}

/// One scan of one table (with joins) that makes up a figure.
#[derive(Debug, Clone)]
struct Part {
    from: String,
    from_binds: Vec<B>,
    region: &'static str,
    cond: String,
    binds: Vec<B>,
    id: &'static str,
    day: Day,
    label: String,
    name: Option<&'static str>,
    value: &'static str,
    link: Option<(&'static str, &'static str)>,
}

impl Part {
    fn new(from: &str, region: &'static str, id: &'static str, day: Day, label: &str) -> Part {
        Part {
            from: from.to_owned(),
            from_binds: vec![],
            region,
            cond: "1 = 1".into(),
            binds: vec![],
            id,
            day,
            label: label.to_owned(),
            name: None,
            value: "1",
            link: None,
        }
    }

    /// Events inside the period, on `col`.
    fn within(self, col: &str) -> Part {
        self.and(&format!("{col} BETWEEN ? AND ?"), &[B::From, B::To])
    }

    /// Events inside the period, on the China day of the timestamp `col`.
    fn within_ms(self, col: &str) -> Part {
        self.and(&format!("{col} >= ? AND {col} < ?"), &[B::FromMs, B::EndMs])
    }

    /// Things that exist at the period's end: started by then, not ended by then.
    fn existing(mut self, start: &str, end: Option<&str>) -> Part {
        self = self.and(&format!("{start} <= ?"), &[B::To]);
        if let Some(end) = end {
            self = self.and(&format!("({end} IS NULL OR {end} > ?)"), &[B::To]);
        }
        self
    }

    fn and(mut self, cond: &str, binds: &[B]) -> Part {
        self.cond = format!("{} AND {cond}", self.cond);
        self.binds.extend_from_slice(binds);
        self
    }

    fn filter(self, cond: &str) -> Part {
        self.and(cond, &[])
    }

    fn value(mut self, v: &'static str) -> Part {
        self.value = v;
        self
    }

    fn name(mut self, n: &'static str) -> Part {
        self.name = Some(n);
        self
    }

    fn link(mut self, prefix: &'static str, id: &'static str) -> Part {
        self.link = Some((prefix, id));
        self
    }

    fn with_from_binds(mut self, binds: &[B]) -> Part {
        self.from_binds = binds.to_vec();
        self
    }

    fn where_sql(&self) -> String {
        format!("{} WHERE {} BETWEEN ? AND ? AND {}", self.from, self.region, self.cond)
    }

    fn values(&self, low: &str, high: &str, period: Period) -> Vec<Value> {
        let bind = |b: &B| -> Value {
            match b {
                B::Low => low.to_owned().into(),
                B::High => high.to_owned().into(),
                B::From => period.from.into(),
                B::To => period.to.into(),
                B::FromMs => china_day_start_ms(period.from).into(),
                B::EndMs => china_day_start_ms(period.to.succ_opt().unwrap_or(period.to)).into(),
                B::Date(d) => (*d).into(),
            }
        };
        let mut out: Vec<Value> = self.from_binds.iter().map(bind).collect();
        out.extend([B::Low, B::High].iter().map(bind));
        out.extend(self.binds.iter().map(bind));
        out
    }

    /// The part as rows of the common shape (for a UNION ALL of parts).
    fn select(&self, part: usize) -> String {
        let (day, ms) = match self.day {
            Day::Col(c) => (c.to_owned(), "CAST(NULL AS BIGINT)".to_owned()),
            Day::Ms(c) => ("CAST(NULL AS DATE)".to_owned(), format!("CAST({c} AS BIGINT)")),
            Day::None => ("CAST(NULL AS DATE)".to_owned(), "CAST(NULL AS BIGINT)".to_owned()),
        };
        let name = self.name.map_or("CAST(NULL AS TEXT)".to_owned(), |n| format!("CAST({n} AS TEXT)"));
        let link = self.link.map_or("CAST(NULL AS BIGINT)", |(_, id)| id);
        format!(
            "SELECT CAST({id} AS BIGINT) AS id, CAST({part} AS BIGINT) AS part, {region} AS region, {day} AS day, {ms} AS ms, \
             CAST({label} AS TEXT) AS label, {name} AS name, CAST({value} AS BIGINT) AS value, CAST({link} AS BIGINT) AS link \
             FROM {rest}",
            id = self.id,
            region = self.region,
            label = self.label,
            value = self.value,
            rest = self.where_sql(),
        )
    }
}

/// A short code from an indicator id (the part after a known prefix), as SQL-safe text.
fn suffix<'a>(id: &'a str, prefix: &str) -> Option<&'a str> {
    id.strip_prefix(prefix).filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'))
}

/// The SQL of a risk level's Chinese name.
const RISK: &str = "CASE t.risk WHEN 'high' THEN '高风险' WHEN 'medium' THEN '中风险' ELSE '低风险' END";
const AID_KIND: &str =
    "CASE t.kind WHEN 'living' THEN '生活救助' WHEN 'medical' THEN '医疗帮扶' WHEN 'education' THEN '子女助学' ELSE '其他救助' END";

/// The parts of an indicator's figure; None for a ratio.
fn source(ind: &Indicator, period: Period) -> Option<Vec<Part>> {
    let id = ind.id;
    let fed = || {
        Part::new("federations t", "t.region", "t.id", Day::Col("t.established_on"), "t.name")
            .existing("t.established_on", None)
            .link("/federations/", "t.id")
    };
    let people = || Part::new("people t", "t.region", "t.id", Day::Ms("t.created_at"), "'登记'").name("t.name").link("/people/", "t.id");
    let case = || {
        Part::new("care_cases t JOIN people p ON p.id = t.person", "t.region", "t.id", Day::Col("t.opened_on"), RISK)
            .name("p.name")
            .link("/care/cases/", "t.id")
    };
    let screening = || {
        Part::new(
            "screenings t JOIN people p ON p.id = t.person",
            "t.region",
            "t.id",
            Day::Col("t.screened_on"),
            "CASE t.kind WHEN 'cervical' THEN '宫颈癌筛查' ELSE '乳腺癌筛查' END",
        )
        .name("p.name")
        .link("/screenings/", "t.id")
        .filter("t.repeat_in_year = FALSE")
    };
    let pairing = |day: &'static str| {
        Part::new("pairings t JOIN people p ON p.id = t.person", "t.region", "t.id", Day::Col(day), "'帮扶人：' || t.helper_name")
            .name("p.name")
            .link("/people/", "t.person")
    };
    let aid = || {
        Part::new(
            "aid t JOIN people p ON p.id = t.person",
            "t.region",
            "t.id",
            Day::Col("t.given_on"),
            &format!("{AID_KIND} || '（' || t.source || '）'"),
        )
        .name("p.name")
        .link("/people/", "t.person")
        .within("t.given_on")
    };
    let meetings = || {
        Part::new(
            "group_meetings t JOIN mutual_aid_groups g ON g.id = t.group_id",
            "t.region",
            "t.id",
            Day::Col("t.held_on"),
            "g.name || '：' || t.topic",
        )
        .link("/help/groups/", "t.group_id")
        .within("t.held_on")
    };
    let entries = |cond: &str| {
        Part::new(
            "points_entries t JOIN families f ON f.id = t.family",
            "t.region",
            "t.id",
            Day::Col("t.entry_day"),
            "f.name || '：' || t.reason",
        )
        .link("/families/", "t.family")
        .within("t.entry_day")
        .filter(cond)
    };
    let honours = || {
        Part::new("honours t JOIN families f ON f.id = t.family", "t.region", "t.id", Day::Col("t.awarded_on"), "f.name || '：' || t.title")
            .link("/families/", "t.family")
            .within("t.awarded_on")
    };
    let roadshows =
        || Part::new("roadshows t", "t.region", "t.id", Day::Col("t.held_on"), "t.title || '（' || t.place || '）'").within("t.held_on");
    let centres = || {
        Part::new("guidance_centres t", "t.region", "t.id", Day::Col("t.founded_on"), "t.name")
            .existing("t.founded_on", None)
            .link("/education/centres/", "t.id")
    };
    let edu_activities = || {
        Part::new(
            "education_activities t",
            "t.region",
            "t.id",
            Day::Col("t.held_on"),
            "CASE t.kind WHEN 'community' THEN '进社区：' WHEN 'school' THEN '进学校：' ELSE '进农村：' END || t.topic",
        )
        .link("/education/activities/", "t.id")
        .within("t.held_on")
    };
    let unnamed = || edu_activities().filter("t.unnamed_households > 0").value("t.unnamed_households");
    let items = |kind: &str| {
        Part::new("school_items t", "t.region", "t.id", Day::Col("t.published_on"), "t.title")
            .link("/school/items/", "t.id")
            .filter(&format!("t.status = 'published' AND t.kind = '{kind}'"))
            .existing("t.published_on", None)
    };
    let consultations = |at: &'static str| {
        Part::new("consultations t", "t.region", "t.id", Day::Ms(at), "t.question").link("/school/consultations/", "t.id").within_ms(at)
    };
    let terms = |cond: &str, binds: &[B]| {
        Part::new(
            "(SELECT t.federation, MAX(t.end_on) AS latest FROM terms t JOIN federations f ON f.id = t.federation \
             WHERE t.start_on <= ? AND f.established_on <= ? GROUP BY t.federation) lt JOIN federations f ON f.id = lt.federation",
            "f.region",
            "f.id",
            Day::Col("lt.latest"),
            "f.name || '（本届至' || CAST(lt.latest AS TEXT) || '）'",
        )
        .with_from_binds(&[B::To, B::To])
        .link("/federations/", "f.id")
        .and(cond, binds)
    };
    let one = |p: Part| Some(vec![p]);
    match ind.formula {
        Formula::Ratio(..) => return None,
        Formula::Register(r) => {
            return match r {
                RegisterFigure::TermsDue => one(terms(
                    "lt.latest >= ? AND lt.latest <= ?",
                    &[B::To, B::Date(period.to + chrono::Duration::days(TERM_DUE_WINDOW_DAYS))],
                )),
                RegisterFigure::TermsOverdue => one(terms("lt.latest < ?", &[B::To])),
                RegisterFigure::Villages => one(Part::new("regions t", "t.code", "0", Day::None, "t.name").filter("t.level = 5")),
                RegisterFigure::VisitsOverdue => one(Part::new(
                    "care_cases t JOIN people p ON p.id = t.person",
                    "t.region",
                    "t.id",
                    Day::Col("t.next_due"),
                    &format!("{RISK} || '，应走访于 ' || CAST(t.next_due AS TEXT)"),
                )
                .name("p.name")
                .link("/care/cases/", "t.id")
                .and("t.closed_on IS NULL AND t.next_due < ?", &[B::To])),
                RegisterFigure::EligibleWomen => {
                    let day = period.to;
                    let back = |years: i32| {
                        NaiveDate::from_ymd_opt(
                            chrono::Datelike::year(&day) - years,
                            chrono::Datelike::month(&day),
                            chrono::Datelike::day(&day),
                        )
                        .or_else(|| NaiveDate::from_ymd_opt(chrono::Datelike::year(&day) - years, 2, 28))
                    };
                    let (born_after, born_by) = (back(65)?, back(35)?);
                    one(Part::new("people t", "t.region", "t.id", Day::Col("t.birth_date"), "'出生'")
                        .name("t.name")
                        .link("/people/", "t.id")
                        .and("t.sex = 'female' AND t.birth_date > ? AND t.birth_date <= ?", &[B::Date(born_after), B::Date(born_by)]))
                }
                RegisterFigure::EducationHouseholds => Some(vec![
                    Part::new(
                        "(SELECT h.family, MIN(h.served_on) AS day, MIN(h.region) AS region FROM education_households h \
                         WHERE h.served_on BETWEEN ? AND ? GROUP BY h.family) t JOIN families f ON f.id = t.family",
                        "t.region",
                        "t.family",
                        Day::Col("t.day"),
                        "f.name || '（期间首次服务）'",
                    )
                    .with_from_binds(&[B::From, B::To])
                    .link("/families/", "t.family"),
                    unnamed(),
                ]),
            };
        }
        Formula::Flow(_) | Formula::Stock(_) => {}
    }
    let parts = match id {
        "org.federations" => vec![fed()],
        "org.new_domain.federations" => vec![fed().filter("t.kind <> 'region'")],
        "org.new_domain.members" => vec![fed().filter("t.kind <> 'region' AND t.members <> 0").value("t.members")],
        "org.executive_members" => vec![
            Part::new("executive_members t JOIN federations f ON f.id = t.federation", "t.region", "t.id", Day::Col("t.joined_on"), "f.name || '：' || t.position")
                .name("t.name")
                .link("/federations/", "t.federation")
                .existing("t.joined_on", Some("t.left_on")),
        ],
        "org.terms.renewed" => vec![
            Part::new("terms t JOIN federations f ON f.id = t.federation", "t.region", "t.id", Day::Col("t.start_on"), "f.name || '第' || CAST(t.number AS TEXT) || '届'")
                .link("/federations/", "t.federation")
                .within("t.start_on"),
        ],
        "org.women_homes" => vec![
            Part::new("women_homes t", "t.region", "t.id", Day::Col("t.established_on"), "t.name")
                .link("/homes/", "t.id")
                .existing("t.established_on", None),
        ],
        "org.women_homes.standardised" => vec![
            Part::new("women_homes t", "t.region", "t.id", Day::Col("t.standardised_on"), "t.name")
                .link("/homes/", "t.id")
                .filter("t.standardised = TRUE")
                .existing("t.standardised_on", None),
        ],
        "org.activities" | "org.activities.participants" => {
            let p = Part::new("activities t", "t.region", "t.id", Day::Col("t.held_on"), "t.title || '（' || CAST(t.participants AS TEXT) || ' 人次）'").within("t.held_on");
            vec![if id == "org.activities" { p } else { p.filter("t.participants <> 0").value("t.participants") }]
        }
        "people.registered" => vec![people().and("t.created_at < ?", &[B::EndMs])],
        "care.cases" => vec![case().existing("t.opened_on", Some("t.closed_on"))],
        "care.visits" => vec![
            Part::new("visits t JOIN people p ON p.id = t.person", "t.region", "t.id", Day::Col("t.visited_on"), "'走访人：' || t.visitor_name")
                .name("p.name")
                .link("/care/cases/", "t.care_case")
                .within("t.visited_on"),
        ],
        "health.women_screened" => vec![screening().within("t.screened_on").filter(
            "NOT EXISTS (SELECT 1 FROM screenings s2 WHERE s2.person = t.person AND s2.stat_year = t.stat_year AND s2.repeat_in_year = FALSE \
             AND (s2.screened_on < t.screened_on OR (s2.screened_on = t.screened_on AND s2.kind = 'cervical' AND t.kind = 'breast')))",
        )],
        "health.abnormal" => vec![screening().within("t.screened_on").filter("t.result <> 'normal'")],
        "health.followed_up" => {
            let mut p = screening().within("t.follow_up_on");
            p.day = Day::Col("t.follow_up_on");
            vec![p]
        }
        "care.pairings.active" => vec![pairing("t.started_on").existing("t.started_on", Some("t.ended_on"))],
        "care.pairings.started" => vec![pairing("t.started_on").within("t.started_on")],
        "care.pairings.ended" => vec![pairing("t.ended_on").within("t.ended_on")],
        "care.aid" => vec![aid()],
        "care.aid.amount" => vec![aid().value("t.amount_fen")],
        "care.groups" | "care.groups.formed" => {
            let p = Part::new("mutual_aid_groups t", "t.region", "t.id", Day::Col("t.formed_on"), "t.name").link("/help/groups/", "t.id");
            vec![if id == "care.groups" { p.existing("t.formed_on", None) } else { p.within("t.formed_on") }]
        }
        "care.groups.members" => vec![
            Part::new(
                "group_members t JOIN people p ON p.id = t.person JOIN mutual_aid_groups g ON g.id = t.group_id",
                "t.region",
                "t.id",
                Day::Col("t.joined_on"),
                "g.name",
            )
            .name("p.name")
            .link("/help/groups/", "t.group_id")
            .existing("t.joined_on", Some("t.left_on")),
        ],
        "care.groups.meetings" => vec![meetings()],
        "care.groups.attendance" => vec![meetings().filter("t.attendees <> 0").value("t.attendees")],
        "family.families" => vec![
            Part::new("families t", "t.region", "t.id", Day::Ms("t.created_at"), "t.name")
                .link("/families/", "t.id")
                .and("t.created_at < ?", &[B::EndMs]),
        ],
        "family.points.issued" => vec![entries("(t.kind = 'earn' OR (t.kind = 'adjust' AND t.points > 0))").value("t.points")],
        "family.points.deducted" => vec![entries("(t.kind = 'deduct' OR (t.kind = 'adjust' AND t.points < 0))").value("-t.points")],
        "family.points.redeemed" => vec![entries("t.kind IN ('redeem', 'refund')").value("-t.points")],
        "family.points.expired" => vec![entries("t.kind = 'expire' AND t.points <> 0").value("-t.points")],
        "family.points.families" => vec![
            Part::new(
                "(SELECT e.family, MIN(e.entry_day) AS day, MIN(e.region) AS region FROM points_entries e GROUP BY e.family) t \
                 JOIN families f ON f.id = t.family",
                "t.region",
                "t.family",
                Day::Col("t.day"),
                "f.name || '（首次记分）'",
            )
            .link("/families/", "t.family")
            .existing("t.day", None),
        ],
        "family.store.redemptions" => vec![
            Part::new(
                "redemptions t JOIN points_entries e ON e.redemption = t.id AND e.kind = 'redeem' \
                 JOIN families f ON f.id = t.family JOIN store_items i ON i.id = t.item",
                "t.region",
                "t.id",
                Day::Col("e.entry_day"),
                "f.name || '兑换' || i.name",
            )
            .link("/families/", "t.family")
            .within("e.entry_day"),
        ],
        "family.mottos" => vec![
            Part::new("family_mottos t JOIN families f ON f.id = t.family", "t.region", "t.id", Day::Ms("t.created_at"), "f.name || '：' || t.body")
                .link("/families/", "t.family")
                .within_ms("t.created_at"),
        ],
        "family.campaigns" => vec![
            Part::new("award_campaigns t", "t.region", "t.id", Day::Ms("t.created_at"), "t.title").link("/awards/", "t.id").within_ms("t.created_at"),
        ],
        "family.nominations" => vec![
            Part::new("award_nominations t JOIN families f ON f.id = t.family", "t.region", "t.id", Day::Col("t.nominated_on"), "f.name || '（' || t.nominator || '推荐）'")
                .link("/awards/nominations/", "t.id")
                .within("t.nominated_on"),
        ],
        "family.objections" | "family.objections.upheld" => {
            let upheld = id == "family.objections.upheld";
            let p = Part::new(
                "award_objections t",
                "t.region",
                "t.id",
                if upheld { Day::Ms("t.answered_at") } else { Day::Col("t.raised_on") },
                "t.text",
            )
            .link("/awards/nominations/", "t.nomination");
            vec![if upheld { p.filter("t.status = 'upheld'").within_ms("t.answered_at") } else { p.within("t.raised_on") }]
        }
        "family.honours" => vec![honours()],
        "family.roadshows" => vec![roadshows()],
        "family.roadshows.audience" => vec![roadshows().filter("t.audience <> 0").value("t.audience")],
        "family.education.centres" => vec![centres()],
        "family.education.lecturer_teams" => vec![
            Part::new("lecturer_teams t", "t.region", "t.id", Day::Col("t.formed_on"), "t.name")
                .link("/education/teams/", "t.id")
                .existing("t.formed_on", None),
        ],
        "family.education.lecturers" => vec![
            Part::new("lecturers t JOIN lecturer_teams m ON m.id = t.team", "t.region", "t.id", Day::Col("t.joined_on"), "m.name || '：' || t.speciality")
                .name("t.name")
                .link("/education/teams/", "t.team")
                .existing("t.joined_on", Some("t.left_on")),
        ],
        "family.education.activities" => vec![edu_activities()],
        "family.education.household_times" => vec![
            Part::new(
                "education_households t JOIN families f ON f.id = t.family",
                "t.region",
                "t.id",
                Day::Col("t.served_on"),
                "f.name",
            )
            .link("/families/", "t.family")
            .within("t.served_on"),
            unnamed(),
        ],
        "family.school.articles" => vec![items("article")],
        "family.school.videos" => vec![items("video")],
        "family.school.views" => vec![
            Part::new("school_items t", "t.region", "t.id", Day::Col("t.published_on"), "t.title")
                .link("/school/items/", "t.id")
                .filter("t.status = 'published' AND t.views <> 0")
                .within("t.published_on")
                .value("t.views"),
        ],
        "family.school.consultations.asked" => vec![consultations("t.asked_at")],
        "family.school.consultations.answered" => vec![consultations("t.answered_at")],
        "family.school.consultations.rated" => vec![consultations("t.rated_at").filter("t.rating IS NOT NULL")],
        "family.school.consultations.good" => vec![consultations("t.rated_at").filter("t.rating = 'good'")],
        _ => {
            if let Some(kind) = suffix(id, "org.federations.") {
                vec![fed().filter(&format!("t.kind = '{kind}'"))]
            } else if let Some(cat) = suffix(id, "org.activities.") {
                vec![Part::new("activities t", "t.region", "t.id", Day::Col("t.held_on"), "t.title").within("t.held_on").filter(&format!("t.category = '{cat}'"))]
            } else if let Some(cat) = suffix(id, "people.category.") {
                let mut p = people().and("t.created_at < ?", &[B::EndMs]);
                p.from = "people t JOIN person_categories pc ON pc.person = t.id".into();
                vec![p.filter(&format!("pc.category = '{cat}'"))]
            } else if let Some(risk) = suffix(id, "care.cases.") {
                vec![case().existing("t.opened_on", Some("t.closed_on")).filter(&format!("t.risk = '{risk}'"))]
            } else if let Some(kind) = suffix(id, "health.screenings.") {
                vec![screening().within("t.screened_on").filter(&format!("t.kind = '{kind}'"))]
            } else if let Some(kind) = id.strip_prefix("care.aid.").and_then(|s| s.strip_suffix(".amount")).filter(|s| suffix(s, "").is_some()) {
                vec![aid().value("t.amount_fen").filter(&format!("t.kind = '{kind}'"))]
            } else if let Some(kind) = suffix(id, "care.aid.") {
                vec![aid().filter(&format!("t.kind = '{kind}'"))]
            } else if let Some(level) = suffix(id, "family.honours.").filter(|l| ["city", "province", "national"].contains(l)) {
                vec![honours().filter(&format!("t.level = '{level}'"))]
            } else if let Some(kind) = suffix(id, "family.honours.") {
                vec![honours().filter(&format!("t.kind = '{kind}'"))]
            } else if let Some(level) = suffix(id, "family.education.centres.") {
                vec![centres().filter(&format!("t.level = '{level}'"))]
            } else if let Some(kind) = suffix(id, "family.education.activities.") {
                vec![edu_activities().filter(&format!("t.kind = '{kind}'"))]
            } else {
                return None;
            }
        }
    };
    Some(parts)
}

/// Whether `ind` can be traced to records (every indicator but the ratios).
pub fn traceable(ind: &Indicator, period: Period) -> bool {
    source(ind, period).is_some()
}

/// The figure of `ind` for `region`'s subtree over `period`, computed by scanning the raw
/// records (never the roll-ups); in the figure's unit (元 for money). None for a ratio.
pub async fn count<C: ConnectionTrait>(c: &C, ind: &Indicator, region: &RegionCode, period: Period) -> Result<Option<f64>> {
    let Some(sum) = raw_sum(c, ind, region, period).await? else { return Ok(None) };
    Ok(Some(if ind.unit == Unit::Yuan { sum as f64 / 100.0 } else { sum as f64 }))
}

/// The sum of the values of the records behind `ind` (fen for money), by a raw scan.
async fn raw_sum<C: ConnectionTrait>(c: &C, ind: &Indicator, region: &RegionCode, period: Period) -> Result<Option<i64>> {
    let Some(parts) = source(ind, period) else { return Ok(None) };
    let (low, high) = Scope::region(region.clone()).bounds();
    let mut total = 0;
    for p in &parts {
        let agg = if p.value == "1" { "COUNT(*)".to_owned() } else { format!("COALESCE(SUM({}), 0)", p.value) };
        let n: i64 = sql::scalar(c, &format!("SELECT CAST({agg} AS BIGINT) FROM {}", p.where_sql()), p.values(&low, &high, period)).await?;
        total += n;
    }
    Ok(Some(total))
}

/// The records behind `ind` for `region`'s subtree over `period`: page `page` (from 0) of
/// `limit` rows, ordered by region, day and id, with the count and the sum over all pages.
/// None for a ratio (its parts are traced instead).
pub async fn rows<C: ConnectionTrait>(
    c: &C,
    ind: &Indicator,
    region: &RegionCode,
    period: Period,
    page: u64,
    limit: u64,
) -> Result<Option<TracePage>> {
    let Some(parts) = source(ind, period) else { return Ok(None) };
    let (low, high) = Scope::region(region.clone()).bounds();
    let mut union = Vec::with_capacity(parts.len());
    let mut values: Vec<Value> = Vec::new();
    for (k, p) in parts.iter().enumerate() {
        union.push(p.select(k));
        values.extend(p.values(&low, &high, period));
    }
    let union = union.join(" UNION ALL ");
    let totals = sql::one(
        c,
        &format!("SELECT CAST(COUNT(*) AS BIGINT) AS n, CAST(COALESCE(SUM(u.value), 0) AS BIGINT) AS s FROM ({union}) u"),
        values.clone(),
    )
    .await?;
    let (records, sum) = match totals {
        Some(r) => (sql::get::<i64>(&r, "n")?, sql::get::<i64>(&r, "s")?),
        None => (0, 0),
    };
    values.extend([Value::from(limit as i64), Value::from((page.saturating_mul(limit)) as i64)]);
    let found = sql::all(
        c,
        &format!(
            "SELECT u.id, u.part, u.region, u.day, u.ms, u.label, u.name, u.value, u.link, r.name AS region_name \
             FROM (SELECT * FROM ({union}) v ORDER BY v.region, v.day, v.ms, v.part, v.id LIMIT ? OFFSET ?) u \
             LEFT JOIN regions r ON r.code = u.region ORDER BY u.region, u.day, u.ms, u.part, u.id"
        ),
        values,
    )
    .await?;
    let mut items = Vec::with_capacity(found.len());
    for r in &found {
        let part: i64 = sql::get(r, "part")?;
        let ms: Option<i64> = sql::get(r, "ms")?;
        let day: Option<NaiveDate> = sql::get::<Option<NaiveDate>>(r, "day")?.or_else(|| ms.and_then(china_day));
        let link_id: Option<i64> = sql::get(r, "link")?;
        let prefix = parts.get(part as usize).and_then(|p| p.link).map(|(prefix, _)| prefix);
        items.push(TraceRow {
            day,
            region: sql::get(r, "region")?,
            region_name: sql::get::<Option<String>>(r, "region_name")?.unwrap_or_default(),
            label: sql::get::<Option<String>>(r, "label")?.unwrap_or_default(),
            name: sql::get::<Option<String>>(r, "name")?.map(|n| jinguo_crypto::mask::name(&n)),
            value: sql::get(r, "value")?,
            link: prefix.zip(link_id).map(|(p, id)| format!("{p}{id}")),
        });
    }
    Ok(Some(TracePage { records, sum, items }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use jinguo_domain::insight::INDICATORS;

    #[test]
    fn every_indicator_but_the_ratios_has_a_source() {
        let period = Period::parse("2025-01-01", "2025-12-31").unwrap();
        for i in INDICATORS {
            let is_ratio = matches!(i.formula, Formula::Ratio(..));
            assert_eq!(source(i, period).is_some(), !is_ratio, "{}", i.id);
        }
    }

    #[test]
    fn a_china_day_starts_at_sixteen_hours_utc_the_day_before() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
        assert_eq!(china_day_start_ms(day), 1_795_795_200_000);
        assert_eq!(china_day(china_day_start_ms(day)), Some(day));
        assert_eq!(china_day(china_day_start_ms(day) - 1), day.pred_opt());
    }
}
