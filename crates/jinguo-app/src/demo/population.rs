//! The demo population: the women on the register of every Yichang village, with their
//! categories, care cases and visits, two-cancer screenings and confirmed activity attendance
//! over the five years, at the default scale (30–60 women a village) or at city scale
//! (≈2.5 million women, ≈10 million records, for benchmarks).
//!
//! Everything is drawn from generators seeded per village (and per town for what a town shares:
//! screening campaign days, ID number sequences), so the same division files give the same
//! population whatever the thread that made it. People, with their ID number, phone and address
//! sealed exactly as [`App::register_person`](crate::App::register_person) seals them, are made
//! and sealed town by town on every core and written by [`jinguo_store::bulk`], one transaction
//! per county with its roll-ups.
//!
//! Pairings, aid and mutual-aid groups (migration 0006) are not seeded yet: their place is
//! marked `PAIRINGS` below (per woman, once her case is known) and in `jinguo_store::bulk`.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use jinguo_crypto::Crypto;
use jinguo_domain::RegionCode;
use jinguo_domain::people::{
    IdNumber, PersonCategory, RiskLevel, ScreeningKind, ScreeningResult, screening_eligible, statistical_year, statistical_year_bounds,
};
use jinguo_store::bulk::{ActivitySlot, BulkAttendance, BulkCase, BulkPerson, BulkScreening, BulkVisit, Chunk, Counts, Message};
use jinguo_store::ids::next_id;
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use tokio::sync::mpsc::Sender;

use super::names::{self, pick};
use super::plan::{START, ymd};

/// How many women the demo registers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scale {
    /// 30–60 women a village: a believable register (≈70,000 women in Yichang).
    #[default]
    Small,
    /// ≈2.5 million women and ≈10 million records, for benchmarks.
    City,
}

impl Scale {
    pub fn code(self) -> &'static str {
        match self {
            Scale::Small => "small",
            Scale::City => "city",
        }
    }

    fn seed(self) -> u64 {
        match self {
            Scale::Small => 0x5045_4f50_4c45_0001,
            Scale::City => 0x5045_4f50_4c45_0002,
        }
    }
}

/// Women registered in the whole city at city scale.
const CITY_WOMEN: f64 = 2_500_000.0;
/// Women of an average village at the default scale.
const SMALL_WOMEN: f64 = 44.0;
/// The village of the `village` demo account: it always has one or two overdue cases.
pub const DEMO_VILLAGE: &str = "420502001001";

// ---- the plan of who lives where ----

#[derive(Debug, Clone)]
pub struct VillageJob {
    pub region: RegionCode,
    pub name: String,
    pub community: bool,
    pub size: usize,
    pub activities: Vec<ActivitySlot>,
}

#[derive(Debug, Clone)]
pub struct TownJob {
    pub region: RegionCode,
    pub name: String,
    /// Its place among the county's towns, and how many there are (ID number sequences).
    pub ordinal: usize,
    pub towns_in_county: usize,
    pub villages: Vec<VillageJob>,
}

#[derive(Debug, Clone)]
pub struct CountyJob {
    pub region: RegionCode,
    pub name: String,
    pub tujia: bool,
    pub towns: Vec<TownJob>,
}

impl CountyJob {
    pub fn women(&self) -> u64 {
        self.towns.iter().flat_map(|t| &t.villages).map(|v| v.size as u64).sum()
    }
}

/// The population's plan of the counties of `tree` (sizes still zero: see [`size_villages`]).
pub fn jobs(tree: &[super::plan::CountyTree]) -> Vec<CountyJob> {
    tree.iter()
        .map(|c| {
            let short = names::county_short(&c.fed.region_name);
            CountyJob {
                region: c.fed.region.clone(),
                name: c.fed.region_name.clone(),
                tujia: super::plan::is_tujia(&short),
                towns: c
                    .towns
                    .iter()
                    .enumerate()
                    .map(|(i, t)| TownJob {
                        region: t.fed.region.clone(),
                        name: t.fed.region_name.clone(),
                        ordinal: i,
                        towns_in_county: c.towns.len(),
                        villages: t
                            .villages
                            .iter()
                            .map(|v| {
                                let name = names::village_short(&v.region_name);
                                VillageJob {
                                    region: v.region.clone(),
                                    community: is_community(&name),
                                    name,
                                    size: 0,
                                    activities: Vec::new(),
                                }
                            })
                            .collect(),
                    })
                    .collect(),
            }
        })
        .collect()
}

fn village_rng(scale: Scale, region: &RegionCode, salt: u64) -> StdRng {
    StdRng::seed_from_u64(scale.seed() ^ salt.rotate_left(17) ^ region.padded().parse::<u64>().unwrap_or(0))
}

fn is_community(name: &str) -> bool {
    name.ends_with("社区") || name.ends_with("居委会") || name.ends_with("生活区")
}

/// Sets every village's size for `scale`: communities are larger than villages, and each
/// varies a little; at city scale the sizes add up to [`CITY_WOMEN`].
pub fn size_villages(counties: &mut [CountyJob], scale: Scale) {
    let mut weights: Vec<f64> = Vec::new();
    for v in counties.iter().flat_map(|c| &c.towns).flat_map(|t| &t.villages) {
        let mut rng = village_rng(scale, &v.region, 1);
        let base = if v.community { 1.25 } else { 0.9 };
        weights.push(base * rng.random_range(0.72..1.3));
    }
    let sum: f64 = weights.iter().sum::<f64>().max(1.0);
    for (i, v) in counties.iter_mut().flat_map(|c| &mut c.towns).flat_map(|t| &mut t.villages).enumerate() {
        v.size = match scale {
            Scale::Small => (SMALL_WOMEN * weights[i]).round().clamp(30.0, 60.0) as usize,
            Scale::City => (CITY_WOMEN * weights[i] / sum).round() as usize,
        };
    }
}

// ---- dates ----

/// Milliseconds of `hour` o'clock China time on `d`.
fn ms_of(d: NaiveDate, hour: u32) -> i64 {
    d.and_hms_opt(hour, 0, 0).map(|t| t.and_utc().timestamp_millis() - 8 * 3_600_000).unwrap_or(0)
}

fn between(rng: &mut StdRng, from: NaiveDate, to: NaiveDate) -> NaiveDate {
    let span = (to - from).num_days();
    if span <= 0 { from } else { from + Duration::days(rng.random_range(0..=span)) }
}

fn weekday_on_or_after(d: NaiveDate) -> NaiveDate {
    match d.weekday() {
        Weekday::Sat => d + Duration::days(2),
        Weekday::Sun => d + Duration::days(1),
        _ => d,
    }
}

// ---- one town ----

/// What the villages of a town share: its screening days per statistical year, its sites.
struct Town<'a> {
    county: &'a CountyJob,
    job: &'a TownJob,
    campaigns: HashMap<i32, Vec<NaiveDate>>,
    sites: [String; 2],
    /// Next free ID number sequence per birth date, within this town's range.
    sequences: HashMap<NaiveDate, u16>,
    seq_base: u16,
    seq_slots: u16,
}

/// Makes and seals a town's people and their records.
pub fn town_chunk(scale: Scale, county: &CountyJob, job: &TownJob, crypto: &Crypto, horizon: NaiveDate) -> Chunk {
    let mut rng = village_rng(scale, &job.region, 2);
    let mut campaigns = HashMap::new();
    for year in statistical_year(START)..=statistical_year(horizon) {
        let Some((first, last)) = statistical_year_bounds(year) else { continue };
        let (first, last) = (first.max(START), last.min(horizon));
        if first > last {
            continue;
        }
        // Screening campaigns: a few days a year, mostly in spring and autumn.
        let n = if (last - first).num_days() < 120 { 2 } else { rng.random_range(4..=7) };
        let mut days: Vec<NaiveDate> = (0..n).map(|_| weekday_on_or_after(between(&mut rng, first, last))).filter(|d| *d <= last).collect();
        days.sort();
        days.dedup();
        campaigns.insert(year, days);
    }
    let slots = (500 / job.towns_in_county.max(1)).max(1) as u16;
    let mut town = Town {
        county,
        job,
        campaigns,
        sites: [format!("{}卫生院", job.name.trim_end_matches("街道办事处")), format!("{}妇幼保健院", county.name)],
        sequences: HashMap::new(),
        seq_base: (job.ordinal as u16).saturating_mul(slots).min(500 - slots),
        seq_slots: slots,
    };
    let mut chunk = Chunk::default();
    for village in &job.villages {
        village_people(scale, &mut town, village, crypto, horizon, &mut chunk);
    }
    chunk
}

// Age bands of the women on a village register (years on the horizon) and their weights.
const AGE_BANDS: [(u32, u32, f64); 7] =
    [(18, 29, 0.10), (30, 39, 0.14), (40, 49, 0.17), (50, 59, 0.21), (60, 69, 0.19), (70, 79, 0.13), (80, 90, 0.06)];

fn age(rng: &mut StdRng) -> u32 {
    let mut x = rng.random::<f64>() * AGE_BANDS.iter().map(|b| b.2).sum::<f64>();
    for (lo, hi, w) in AGE_BANDS {
        if x < w {
            return rng.random_range(lo..=hi);
        }
        x -= w;
    }
    45
}

const MOBILE_PREFIXES: &[&str] = &[
    "139", "138", "137", "135", "136", "150", "151", "152", "157", "158", "159", "187", "188", "182", "183", "130", "131", "132", "155",
    "156", "185", "186", "133", "153", "180", "181", "189", "177", "199", "198", "166",
];

fn phone(rng: &mut StdRng, age: u32) -> Option<String> {
    let none = if age >= 75 { 0.3 } else { 0.04 };
    let x = rng.random::<f64>();
    if x < none {
        None
    } else if x < none + 0.05 {
        Some(format!("0717-{}{:06}", rng.random_range(3..=8), rng.random_range(0..1_000_000)))
    } else {
        Some(format!("{}{:08}", pick(rng, MOBILE_PREFIXES), rng.random_range(0..100_000_000)))
    }
}

const ROADS: &[&str] =
    &["解放路", "东山大道", "沿江大道", "夷陵大道", "西陵一路", "胜利四路", "发展大道", "城东大道", "珍珠路", "港窑路", "绿萝路", "桔城路"];

fn address(rng: &mut StdRng, county: &str, town: &str, village: &str, community: bool) -> String {
    if community {
        format!(
            "{county}{town}{village}{}{}号{}栋{}单元{}0{}室",
            pick(rng, ROADS),
            rng.random_range(1..=188),
            rng.random_range(1..=24),
            rng.random_range(1..=4),
            rng.random_range(1..=18),
            rng.random_range(1..=4)
        )
    } else {
        format!("{county}{town}{village}{}组{}号", rng.random_range(1..=12), rng.random_range(1..=80))
    }
}

fn categories(rng: &mut StdRng, age: u32, community: bool) -> Vec<PersonCategory> {
    let mut out = Vec::new();
    let mut maybe = |c: PersonCategory, p: f64, rng: &mut StdRng| {
        if rng.random_bool(p.clamp(0.0, 1.0)) {
            out.push(c);
        }
    };
    maybe(PersonCategory::Hardship, if age >= 60 { 0.09 } else { 0.05 }, rng);
    maybe(
        PersonCategory::LeftBehind,
        if !community && (25..=65).contains(&age) {
            0.10
        } else if !community {
            0.03
        } else {
            0.01
        },
        rng,
    );
    maybe(PersonCategory::Disability, if age >= 65 { 0.06 } else { 0.025 }, rng);
    maybe(PersonCategory::SingleMother, if (25..=50).contains(&age) { 0.045 } else { 0.004 }, rng);
    maybe(PersonCategory::SeriousIllness, if age >= 55 { 0.045 } else { 0.015 }, rng);
    maybe(PersonCategory::GigWorker, if (20..=45).contains(&age) { if community { 0.10 } else { 0.03 } } else { 0.0 }, rng);
    maybe(PersonCategory::Scientist, if (24..=60).contains(&age) { if community { 0.03 } else { 0.003 } } else { 0.0 }, rng);
    maybe(PersonCategory::Other, 0.02, rng);
    out
}

const CLOSE_REASONS: &[&str] = &[
    "生活状况好转，已脱离困难",
    "已迁出本村（社区），转交迁入地妇联",
    "子女返乡就业，不再留守",
    "病情稳定，转为日常关注",
    "已纳入低保兜底，转民政部门跟踪",
    "本人去世",
];

fn findings(rng: &mut StdRng, categories: &[PersonCategory]) -> (String, String) {
    let c = categories.iter().copied().find(|c| c.is_vulnerable()).unwrap_or(PersonCategory::Hardship);
    let options: &[&str] = match c {
        PersonCategory::Hardship => &[
            "生活基本稳定，低保按时到账",
            "家中收入仍然偏低，子女学费有压力",
            "住房条件较差，已反映给村委会",
            "身体状况尚可，能从事轻体力劳动",
        ],
        PersonCategory::LeftBehind => &[
            "丈夫在外务工，本人照顾老人孩子，情绪稳定",
            "农忙时劳力不足，已联系互助小组帮忙",
            "与外出家人每周视频联系，家庭和睦",
            "独自照料两个孩子，较为辛苦",
        ],
        PersonCategory::Disability => {
            &["行动不便，日常由家人照料", "已申领残疾人两项补贴", "康复训练坚持进行，状况有所好转", "辅具需要更换，已登记"]
        }
        PersonCategory::SingleMother => {
            &["独自抚养孩子，工作较稳定", "孩子就学正常，本人情绪良好", "收入不稳定，希望得到就业帮助", "已参加巾帼家政培训"]
        }
        PersonCategory::SeriousIllness => {
            &["正在治疗，医保已报销部分费用", "术后恢复良好，定期复查", "治疗费用负担较重", "病情稳定，按时服药"]
        }
        _ => &["生活基本稳定"],
    };
    let needs: &[&str] =
        &["申请临时救助", "希望提供就业信息", "需要医疗费用帮扶", "子女助学", "希望参加技能培训", "需要心理疏导", "法律咨询"];
    let need = if rng.random_bool(0.35) { pick(rng, needs).to_owned() } else { String::new() };
    (pick(rng, options).to_owned(), need)
}

const CERVICAL_FINDINGS: &[&str] =
    &["慢性宫颈炎，已对症治疗", "CIN1，定期复查", "CIN2，已行 LEEP 术", "HPV 持续感染，半年后复查", "宫颈癌（早期），已转诊治疗"];
const BREAST_FINDINGS: &[&str] =
    &["乳腺增生，定期复查", "乳腺纤维腺瘤，已手术切除", "BI-RADS 3 类，半年后复查", "乳腺囊肿，随访观察", "乳腺癌（早期），已转诊治疗"];

/// The visiting habits of a village: the weekdays its officer visits on, and whether it has
/// fallen behind (no visits since some day in the last months).
struct Habits {
    days: [Weekday; 2],
    behind_since: Option<NaiveDate>,
    /// Share of visits that come late.
    late: f64,
    visitors: [String; 2],
}

/// Moves `d` back to the nearest visiting day, but not to or before `after`.
fn visiting_day(h: &Habits, d: NaiveDate, after: NaiveDate) -> NaiveDate {
    let mut x = d;
    for _ in 0..7 {
        if h.days.contains(&x.weekday()) && x > after {
            return x;
        }
        x -= Duration::days(1);
    }
    d
}

fn village_people(scale: Scale, town: &mut Town<'_>, v: &VillageJob, crypto: &Crypto, horizon: NaiveDate, chunk: &mut Chunk) {
    let mut rng = village_rng(scale, &v.region, 3);
    let county = town.county;
    let demo = v.region.padded() == DEMO_VILLAGE;
    let place_tujia = county.tujia;
    let weekdays = [Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri];
    let first = rng.random_range(0..5usize);
    let second = (first + rng.random_range(1..5usize)) % 5;
    let habits = Habits {
        days: [weekdays[first], weekdays[second]],
        behind_since: (!demo && rng.random_bool(0.08)).then(|| horizon - Duration::days(rng.random_range(50..=300))),
        late: if demo { 0.0 } else { 0.03 },
        visitors: [names::person(&mut rng, place_tujia), names::person(&mut rng, place_tujia)],
    };
    // Registration: most women in the first drive of 2021, the rest on the village's monthly
    // register day.
    let drive: Vec<NaiveDate> = (0..3).map(|_| weekday_on_or_after(between(&mut rng, ymd(2021, 1, 11), ymd(2021, 3, 26)))).collect();
    let mut monthly: Vec<NaiveDate> = Vec::new();
    let mut m = ymd(2021, 4, 1);
    while m <= horizon {
        let d = weekday_on_or_after(m + Duration::days(rng.random_range(0..20)));
        if d <= horizon {
            monthly.push(d);
        }
        m = m.checked_add_months(chrono::Months::new(1)).unwrap_or(horizon + Duration::days(1));
    }
    let county_code = &county.region.padded()[..6];
    let mut registered: Vec<(NaiveDate, i64)> = Vec::with_capacity(v.size);
    let mut forced = 0;
    for _ in 0..v.size {
        // Who she is.
        let age = age(&mut rng);
        let born = horizon - Duration::days(age as i64 * 365 + (age / 4) as i64 + rng.random_range(0..365));
        let Some(seq) = next_sequence(town, born) else { continue };
        let body = format!("{county_code}{}{:03}", born.format("%Y%m%d"), seq * 2);
        let number = format!("{body}{}", IdNumber::check_char(&body));
        let name = names::person(&mut rng, place_tujia);
        let phone = phone(&mut rng, age);
        let addr = address(&mut rng, &county.name, &town.job.name, &v.name, v.community);
        let cats = categories(&mut rng, age, v.community);
        let adult = born.with_year(born.year() + 18).unwrap_or(born + Duration::days(18 * 365 + 5));
        let mut registered_on =
            if rng.random_bool(0.7) || monthly.is_empty() { *pick_day(&mut rng, &drive) } else { *pick_day(&mut rng, &monthly) };
        if registered_on < adult {
            registered_on = monthly.iter().copied().find(|d| *d >= adult).unwrap_or(horizon.max(adult));
        }
        let registered_on = registered_on.min(horizon);
        let id = next_id();
        let vulnerable = cats.iter().any(|c| c.is_vulnerable());
        // Her care case and its visits.
        if vulnerable && rng.random_bool(0.6) {
            let force = demo && forced < 2;
            if care_case(&mut rng, &habits, id, &v.region, &cats, registered_on, horizon, force.then_some(forced), chunk) {
                forced += 1;
            }
            // PAIRINGS: pairings and aid for the women under monitoring (migration 0006) go here.
        }
        screenings(&mut rng, town, id, &v.region, born, registered_on, horizon, chunk);
        chunk.people.push(BulkPerson {
            id,
            region: v.region.clone(),
            name,
            id_cipher: crypto.seal(crate::people::ID_PURPOSE, &number),
            id_index: crypto.blind_index(crate::people::ID_PURPOSE, &number),
            phone_cipher: phone.as_ref().map(|p| crypto.seal(crate::people::PHONE_PURPOSE, p)),
            phone_index: phone.as_ref().map(|p| crypto.blind_index(crate::people::PHONE_PURPOSE, p)),
            address_cipher: Some(crypto.seal(crate::people::ADDRESS_PURPOSE, &addr)),
            birth_date: born,
            sex: "female",
            categories: cats,
            registered_on,
            created_by: None,
            created_at: ms_of(registered_on, 10),
        });
        registered.push((registered_on, id));
    }
    // Confirmed attendance at the village's activities: named women registered by then (at
    // city scale most participants are on the register; at the default scale a few of them).
    registered.sort();
    let (confirmed, share, cap) = match scale {
        Scale::Small => (0.4, 0.15..0.4, 0.5),
        Scale::City => (0.8, 0.5..0.95, 1.0),
    };
    for a in &v.activities {
        if a.held_on > horizon || !rng.random_bool(confirmed) {
            continue;
        }
        let n = registered.partition_point(|(d, _)| *d <= a.held_on);
        let k = ((a.participants as f64 * rng.random_range(share.clone())).round() as usize).min((n as f64 * cap) as usize);
        if k == 0 {
            continue;
        }
        for i in rand::seq::index::sample(&mut rng, n, k) {
            chunk.attendance.push(BulkAttendance {
                activity: a.id,
                person: registered[i].1,
                region: v.region.clone(),
                confirmed_at: ms_of(a.held_on, 18),
            });
        }
    }
}

fn pick_day<'a>(rng: &mut StdRng, days: &'a [NaiveDate]) -> &'a NaiveDate {
    days.choose(rng).unwrap_or(&START)
}

/// The next free sequence number (0–499; the ID number carries it doubled, even for women) for
/// a woman of this town born on `born`, or None when the town's range for that day is full.
fn next_sequence(town: &mut Town<'_>, born: NaiveDate) -> Option<u16> {
    let used = town.sequences.entry(born).or_insert(0);
    if *used >= town.seq_slots {
        return None;
    }
    *used += 1;
    Some(town.seq_base + *used - 1)
}

/// Opens a care case for her and records its visits; `force` (0 or 1) makes it overdue on the
/// horizon by a few days or a few weeks. Returns whether it was forced so.
#[allow(clippy::too_many_arguments)]
fn care_case(
    rng: &mut StdRng,
    h: &Habits,
    person: i64,
    region: &RegionCode,
    cats: &[PersonCategory],
    registered_on: NaiveDate,
    horizon: NaiveDate,
    force: Option<usize>,
    chunk: &mut Chunk,
) -> bool {
    let serious = cats.contains(&PersonCategory::SeriousIllness) || cats.iter().filter(|c| c.is_vulnerable()).count() > 1;
    let x = rng.random::<f64>();
    let risk = if x < if serious { 0.22 } else { 0.07 } {
        RiskLevel::High
    } else if x < 0.58 {
        RiskLevel::Medium
    } else {
        RiskLevel::Low
    };
    let interval = risk.default_visit_interval_days();
    let opened_on = if registered_on < ymd(2021, 4, 1) {
        registered_on + Duration::days(rng.random_range(0..45))
    } else {
        registered_on + Duration::days(rng.random_range(0..90))
    };
    if opened_on >= horizon {
        return false;
    }
    let closed_on = (force.is_none() && rng.random_bool(0.15))
        .then(|| between(rng, opened_on + Duration::days(180), horizon - Duration::days(1)))
        .filter(|d| *d > opened_on && *d < horizon);
    let end = closed_on.unwrap_or(horizon);
    let forced = force.map(|i| horizon - Duration::days(interval + 6 + 17 * i as i64)).filter(|stop| opened_on < *stop);
    let stop = forced.unwrap_or_else(|| h.behind_since.unwrap_or(end).min(end));
    let case_id = next_id();
    let mut last: Option<NaiveDate> = None;
    let mut day = visiting_day(h, opened_on + Duration::days(rng.random_range(0..8)), opened_on - Duration::days(1));
    while day <= stop {
        let (findings, needs) = findings(rng, cats);
        chunk.visits.push(BulkVisit {
            id: next_id(),
            care_case: case_id,
            person,
            region: region.clone(),
            visited_on: day,
            visitor_name: h.visitors[usize::from(rng.random_bool(0.3))].clone(),
            findings,
            needs,
            created_at: ms_of(day, 16),
        });
        last = Some(day);
        let f = if rng.random_bool(h.late) { rng.random_range(1.1..1.6) } else { rng.random_range(0.72..0.98) };
        day = visiting_day(h, day + Duration::days((interval as f64 * f).round() as i64), day);
    }
    let next_due = last.unwrap_or(opened_on) + Duration::days(interval);
    let touched = closed_on.or(last).unwrap_or(opened_on);
    chunk.cases.push(BulkCase {
        id: case_id,
        person,
        region: region.clone(),
        risk,
        interval_days: interval,
        opened_on,
        last_visit_on: last,
        next_due,
        closed_on,
        close_reason: closed_on.map(|_| pick(rng, CLOSE_REASONS).to_owned()).unwrap_or_default(),
        created_at: ms_of(opened_on, 11),
        updated_at: ms_of(touched, 17),
    });
    forced.is_some()
}

/// Her two-cancer screenings: in some statistical years, on one of her town's campaign days,
/// while she is 35–64; a few abnormal results, most followed up, and now and then a second
/// screening in the same year (flagged as a repeat when written).
#[allow(clippy::too_many_arguments)]
fn screenings(
    rng: &mut StdRng,
    town: &Town<'_>,
    person: i64,
    region: &RegionCode,
    born: NaiveDate,
    registered_on: NaiveDate,
    horizon: NaiveDate,
    chunk: &mut Chunk,
) {
    if !screening_eligible(born, horizon) && !screening_eligible(born, START) {
        return;
    }
    if rng.random_bool(0.3) {
        return;
    }
    let propensity = rng.random_range(0.15..0.5);
    let mut years: Vec<i32> = town.campaigns.keys().copied().collect();
    years.sort();
    for year in years {
        let days = &town.campaigns[&year];
        let Some(&day) = days.choose(rng) else { continue };
        if day < registered_on || !screening_eligible(born, day) || !rng.random_bool(propensity) {
            continue;
        }
        let site = town.sites[usize::from(rng.random_bool(0.3))].clone();
        let x = rng.random::<f64>();
        let kinds: &[ScreeningKind] = if x < 0.85 {
            &ScreeningKind::ALL
        } else if x < 0.93 {
            &[ScreeningKind::Cervical]
        } else {
            &[ScreeningKind::Breast]
        };
        for &kind in kinds {
            push_screening(rng, person, region, kind, day, &site, horizon, chunk);
        }
        // A second screening in the same statistical year (another campaign day, or the county
        // hospital a few weeks later).
        if rng.random_bool(0.012) {
            let last = statistical_year_bounds(year).map(|b| b.1).unwrap_or(horizon).min(horizon);
            let again = weekday_on_or_after(day + Duration::days(rng.random_range(14..90)));
            if again <= last {
                let kind = *ScreeningKind::ALL.choose(rng).unwrap_or(&ScreeningKind::Cervical);
                push_screening(rng, person, region, kind, again, &town.sites[1], horizon, chunk);
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn push_screening(
    rng: &mut StdRng,
    person: i64,
    region: &RegionCode,
    kind: ScreeningKind,
    day: NaiveDate,
    site: &str,
    horizon: NaiveDate,
    chunk: &mut Chunk,
) {
    let x = rng.random::<f64>();
    let result = if x < 0.955 {
        ScreeningResult::Normal
    } else if x < 0.99 {
        ScreeningResult::Abnormal
    } else {
        ScreeningResult::Suspected
    };
    let (mut follow_up_on, mut diagnosis) = (None, String::new());
    if result.needs_follow_up() && rng.random_bool(0.82) {
        let d = day + Duration::days(rng.random_range(7..60));
        if d <= horizon {
            follow_up_on = Some(d);
            let list = if kind == ScreeningKind::Cervical { CERVICAL_FINDINGS } else { BREAST_FINDINGS };
            let i =
                if result == ScreeningResult::Suspected { rng.random_range(2..list.len()) } else { rng.random_range(0..list.len() - 1) };
            diagnosis = list[i].to_owned();
        }
    }
    chunk.screenings.push(BulkScreening {
        id: next_id(),
        person,
        region: region.clone(),
        kind,
        screened_on: day,
        site: site.to_owned(),
        result,
        follow_up_on,
        diagnosis,
        repeat_in_year: false,
        created_at: ms_of(day, 15),
        updated_at: ms_of(follow_up_on.unwrap_or(day), 15),
    });
}

// ---- the pipeline ----

/// Makes the chunks of `counties` on every core and sends them to the writer, a `Commit` with
/// `key(county)` → counts after each county. Stops early when the writer has gone.
pub fn generate(
    scale: Scale,
    counties: &[CountyJob],
    crypto: &Crypto,
    horizon: NaiveDate,
    tx: &Sender<Message>,
    key: impl Fn(&RegionCode) -> String,
) {
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2).clamp(1, 8);
    let stopped = AtomicBool::new(false);
    for county in counties {
        let next = AtomicUsize::new(0);
        let counts = Mutex::new(Counts::default());
        std::thread::scope(|s| {
            for _ in 0..threads {
                s.spawn(|| {
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= county.towns.len() || stopped.load(Ordering::Relaxed) {
                            break;
                        }
                        let mut chunk = town_chunk(scale, county, &county.towns[i], crypto, horizon);
                        chunk.settle();
                        let c = Counts::of(&chunk);
                        if tx.blocking_send(Message::Chunk(chunk)).is_err() {
                            stopped.store(true, Ordering::Relaxed);
                            break;
                        }
                        counts.lock().unwrap_or_else(|p| p.into_inner()).add(c);
                    }
                });
            }
        });
        if stopped.load(Ordering::Relaxed) {
            return;
        }
        let c = counts.into_inner().unwrap_or_else(|p| p.into_inner());
        let value = serde_json::json!({
            "scale": scale.code(),
            "people": c.people,
            "categories": c.categories,
            "care_cases": c.cases,
            "visits": c.visits,
            "screenings": c.screenings,
            "attendance": c.attendance,
        })
        .to_string();
        if tx.blocking_send(Message::Commit(vec![(key(&county.region), value)])).is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::plan::END;
    use super::*;

    #[test]
    fn ages_stay_between_18_and_90() {
        let mut rng = StdRng::seed_from_u64(7);
        for _ in 0..10_000 {
            assert!((18..=90).contains(&age(&mut rng)));
        }
    }

    #[test]
    fn phones_are_valid() {
        let mut rng = StdRng::seed_from_u64(7);
        for _ in 0..2_000 {
            if let Some(p) = phone(&mut rng, 80) {
                let parsed = jinguo_domain::people::Phone::parse(&p).unwrap();
                assert_eq!(parsed.as_str(), p);
            }
        }
    }

    #[test]
    fn visits_land_on_the_village_days() {
        let h = Habits { days: [Weekday::Tue, Weekday::Thu], behind_since: None, late: 0.0, visitors: [String::new(), String::new()] };
        let d = visiting_day(&h, ymd(2024, 5, 12), ymd(2024, 5, 1));
        assert_eq!(d, ymd(2024, 5, 9));
        assert!(END > START);
    }
}
