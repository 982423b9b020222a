//! The plan of the demo city: what each federation did over the five years, drawn from a
//! generator seeded per county, so the same division files always give the same city and a
//! county's plan does not depend on which other counties were seeded before it. Nothing here
//! touches the database; [`super`] writes the plans.

use chrono::{Datelike, Duration, Months, NaiveDate};
use jinguo_domain::RegionCode;
use jinguo_domain::org::{ActivityCategory, FederationKind, HomeCheckItem};
use jinguo_store::org::activities::NewActivity;
use jinguo_store::org::federations::{Federation, NewExecutiveMember, NewFederation, NewTerm};
use jinguo_store::org::homes::{NewCheck, NewHome, NewHomeWithChecks};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

use super::names::{self, Place};

/// The first day of the five years the demo covers.
pub const START: NaiveDate = ymd(2021, 1, 1);
/// The last day the demo records anything on.
pub const END: NaiveDate = ymd(2026, 11, 28);

const SEED: u64 = 0x4a49_4e47_554f_2021;

pub const fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    match NaiveDate::from_ymd_opt(y, m, d) {
        Some(day) => day,
        None => NaiveDate::MIN,
    }
}

/// The generator of one county's (or the city's) plan.
pub fn rng_for(region: &RegionCode) -> StdRng {
    StdRng::seed_from_u64(SEED ^ region.padded().parse::<u64>().unwrap_or(0))
}

/// A day between `from` and `to`, both included (`from` when the range is empty).
fn day_between(rng: &mut StdRng, from: NaiveDate, to: NaiveDate) -> NaiveDate {
    let span = (to - from).num_days();
    if span <= 0 {
        return from;
    }
    from + Duration::days(rng.random_range(0..=span))
}

/// The last day of a five-year term starting on `start`.
fn term_end(start: NaiveDate) -> NaiveDate {
    start.checked_add_months(Months::new(60)).and_then(|d| d.pred_opt()).unwrap_or(start)
}

/// A whole number between `lo` and `hi`, skewed towards `lo` (most events are small).
fn skewed(rng: &mut StdRng, lo: i64, hi: i64) -> i64 {
    lo + ((hi - lo) as f64 * rng.random::<f64>().powf(1.6)).round() as i64
}

/// The region tree of one county with its region federations.
#[derive(Debug, Clone)]
pub struct CountyTree {
    pub fed: Federation,
    pub towns: Vec<TownTree>,
}

#[derive(Debug, Clone)]
pub struct TownTree {
    pub fed: Federation,
    pub villages: Vec<Federation>,
}

/// What one transaction writes, besides the new-domain federations themselves.
#[derive(Debug, Default)]
pub struct Batch {
    pub terms: Vec<NewTerm>,
    pub members: Vec<NewExecutiveMember>,
    pub homes: Vec<NewHomeWithChecks>,
    pub activities: Vec<NewActivity>,
}

impl Batch {
    /// Drops whatever would lie after `horizon` (only when the clock stands before [`END`]).
    pub fn clip(&mut self, horizon: NaiveDate) {
        if horizon >= END {
            return;
        }
        self.terms.retain(|t| t.start_on <= horizon);
        self.members.retain(|m| m.joined_on <= horizon);
        for m in &mut self.members {
            m.left_on = m.left_on.filter(|d| *d <= horizon);
        }
        self.homes.retain(|h| h.home.established_on <= horizon);
        for h in &mut self.homes {
            h.checks.retain(|c| c.checked_on <= horizon);
        }
        self.activities.retain(|a| a.held_on <= horizon);
    }
}

/// A new-domain federation to create, with the later changes of its member count.
#[derive(Debug, Clone)]
pub struct NewDomainSpec {
    pub new: NewFederation,
    pub updates: Vec<(NaiveDate, i64)>,
}

pub(super) fn is_tujia(county_short: &str) -> bool {
    matches!(county_short, "长阳" | "五峰")
}

fn city_short(city: &Federation) -> String {
    city.region_name.trim_end_matches('市').to_owned()
}

pub fn city_place(city: &Federation) -> Place {
    Place { city: city_short(city), county: String::new(), county_short: String::new(), town: None, village: None, own: None, tujia: false }
}

fn county_place(city: &str, county: &Federation) -> Place {
    let short = names::county_short(&county.region_name);
    Place {
        city: city.to_owned(),
        county: county.region_name.clone(),
        tujia: is_tujia(&short),
        county_short: short,
        town: None,
        village: None,
        own: None,
    }
}

// ---- new-domain federations ----

fn members_range(kind: FederationKind) -> (i64, i64) {
    match kind {
        FederationKind::Industry => (40, 600),
        FederationKind::Area => (30, 400),
        FederationKind::Park => (60, 900),
        FederationKind::Enterprise => (20, 350),
        FederationKind::SocialOrg => (20, 300),
        FederationKind::GigPlatform => (30, 900),
        FederationKind::Region => (0, 0),
    }
}

fn spec(rng: &mut StdRng, region: RegionCode, kind: FederationKind, name: String) -> NewDomainSpec {
    // Gig-platform federations came with the 2022 push to organise new forms of employment.
    let from = if kind == FederationKind::GigPlatform { ymd(2022, 3, 1) } else { START };
    let established_on = day_between(rng, from, ymd(2025, 12, 31));
    let (lo, hi) = members_range(kind);
    let initial = skewed(rng, lo, hi);
    let (mut members, mut day, mut updates) = (initial, established_on, Vec::new());
    if rng.random_bool(0.35) {
        for _ in 0..rng.random_range(1..=2) {
            day = day_between(rng, day + Duration::days(180), day + Duration::days(540));
            if day > END {
                break;
            }
            members = ((members as f64 * rng.random_range(1.05..1.4)).round() as i64).min(hi);
            updates.push((day, members));
        }
    }
    NewDomainSpec { new: NewFederation { region, kind, name, members: initial, established_on }, updates }
}

/// 3–8 new-domain federations of a county, of as many kinds as there are federations.
pub fn county_new_domain(rng: &mut StdRng, county: &CountyTree) -> Vec<NewDomainSpec> {
    let n = rng.random_range(3..=8usize);
    let town_names: Vec<String> = county.towns.iter().map(|t| t.fed.region_name.clone()).collect();
    let mut kinds = FederationKind::NEW_DOMAIN;
    kinds.shuffle(rng);
    let mut candidates: Vec<Vec<(String, Option<usize>)>> = kinds
        .iter()
        .map(|k| {
            let mut c = names::new_domain_candidates(rng, *k, &county.fed.region_name, &town_names);
            c.shuffle(rng);
            c
        })
        .collect();
    let mut out: Vec<NewDomainSpec> = Vec::new();
    let mut i = 0;
    while out.len() < n && i < n * 6 {
        let k = i % kinds.len();
        i += 1;
        let Some((name, town)) = candidates[k].pop() else { continue };
        let region = town.and_then(|t| county.towns.get(t)).map(|t| t.fed.region.clone()).unwrap_or_else(|| county.fed.region.clone());
        if out.iter().any(|s| s.new.name == name && s.new.region == region) {
            continue;
        }
        out.push(spec(rng, region, kinds[k], name));
    }
    out
}

/// A few new-domain federations at the city level.
pub fn city_new_domain(rng: &mut StdRng, city: &Federation) -> Vec<NewDomainSpec> {
    let c = city_short(city);
    [
        (FederationKind::Park, format!("{c}高新区园区妇联")),
        (FederationKind::Industry, format!("{c}市律师行业妇联")),
        (FederationKind::SocialOrg, format!("{c}市女企业家协会妇联")),
        (FederationKind::GigPlatform, format!("{c}市网约车司机妇联")),
    ]
    .into_iter()
    .map(|(kind, name)| spec(rng, city.region.clone(), kind, name))
    .collect()
}

// ---- terms and executive members ----

const CHAIR: &str = "主席";
const VICE: &str = "副主席";
const MEMBER: &str = "执委";

struct Seat {
    name: String,
    position: &'static str,
    workplace: String,
    joined: NaiveDate,
}

/// How large a committee is at each level: members and vice-chairs.
struct Sizes {
    members: (usize, usize),
    vices: (usize, usize),
}

/// Writes the terms `(number, start, end)` of a federation and the committees elected at
/// each: some members re-elected, the others leaving the day before the renewal, and a few
/// leaving during a term (most replaced a few months later). Returns the chair of the last
/// term.
fn committee(
    rng: &mut StdRng,
    fed: &Federation,
    place: &Place,
    terms: &[(i64, NaiveDate, NaiveDate)],
    sizes: &Sizes,
    batch: &mut Batch,
) -> String {
    let mut current: Vec<Seat> = Vec::new();
    let mut chair = String::new();
    let leave = |seat: Seat, left: Option<NaiveDate>, batch: &mut Batch| {
        batch.members.push(NewExecutiveMember {
            federation: fed.id,
            region: fed.region.clone(),
            name: seat.name,
            position: seat.position.to_owned(),
            workplace: seat.workplace,
            joined_on: seat.joined,
            left_on: left,
        });
    };
    for (k, &(number, start, end)) in terms.iter().enumerate() {
        let size = rng.random_range(sizes.members.0..=sizes.members.1);
        let vices = rng.random_range(sizes.vices.0..=sizes.vices.1);
        if k > 0 {
            let before = start.pred_opt().unwrap_or(start);
            let mut stay = Vec::new();
            for seat in std::mem::take(&mut current) {
                let p = match seat.position {
                    CHAIR => 0.45,
                    VICE => 0.5,
                    _ => 0.55,
                };
                if stay.len() + 1 < size && rng.random_bool(p) {
                    stay.push(seat);
                } else {
                    let left = before.max(seat.joined);
                    leave(seat, Some(left), batch);
                }
            }
            current = stay;
        }
        while current.len() < size {
            let position = if !current.iter().any(|s| s.position == CHAIR) {
                CHAIR
            } else if current.iter().filter(|s| s.position == VICE).count() < vices {
                VICE
            } else {
                MEMBER
            };
            let workplace = names::workplace(rng, place, position == CHAIR);
            current.push(Seat { name: names::person(rng, place.tujia), position, workplace, joined: start });
        }
        chair = current.iter().find(|s| s.position == CHAIR).map(|s| s.name.clone()).unwrap_or_default();
        batch.terms.push(NewTerm {
            federation: fed.id,
            region: fed.region.clone(),
            number,
            start_on: start,
            end_on: end,
            chair: chair.clone(),
        });
        // Departures during the term, most of them filled at a later meeting.
        let last = end.min(END);
        if last - start > Duration::days(240) {
            let mut kept = Vec::with_capacity(current.len());
            let mut joining = Vec::new();
            for seat in std::mem::take(&mut current) {
                if seat.position == CHAIR || !rng.random_bool(0.07) {
                    kept.push(seat);
                    continue;
                }
                let left = day_between(rng, start + Duration::days(180), last - Duration::days(30));
                let position = seat.position;
                leave(seat, Some(left), batch);
                let joined = left + Duration::days(rng.random_range(30..=150));
                if rng.random_bool(0.7) && joined <= last {
                    let workplace = names::workplace(rng, place, false);
                    joining.push(Seat { name: names::person(rng, place.tujia), position, workplace, joined });
                }
            }
            kept.extend(joining);
            current = kept;
        }
    }
    for seat in current {
        leave(seat, None, batch);
    }
    chair
}

// ---- women's homes ----

/// The home of a village with its checks: most homes meet the whole checklist by some year
/// between 2021 and 2025 (more in the early years), some later lose an item (and most regain
/// it), the rest meet part of it.
fn home(rng: &mut StdRng, village: &Federation, place: &Place, keeper: &str, inspector: &str) -> NewHomeWithChecks {
    let established_on = {
        let year = *[2018, 2018, 2019, 2019, 2019, 2020, 2020, 2021, 2022, 2023].get(rng.random_range(0..10)).unwrap_or(&2019);
        day_between(rng, ymd(year, 1, 1), ymd(year, 12, 31))
    };
    let v = place.village.clone().unwrap_or_default();
    let new = NewHome {
        region: village.region.clone(),
        federation: village.id,
        name: format!("{v}妇女之家"),
        address: names::home_address(rng, place),
        keeper: keeper.to_owned(),
        established_on,
    };
    let first = established_on.max(START) + Duration::days(30);
    let mut items = HomeCheckItem::ALL;
    items.shuffle(rng);
    let mut checks = Vec::new();
    let check = |item: HomeCheckItem, holds: bool, on: NaiveDate, note: &str| NewCheck {
        item,
        holds,
        checked_on: on,
        checked_by: inspector.to_owned(),
        note: note.to_owned(),
    };
    if rng.random_bool(0.905) {
        // Standardised in some year, weighted towards the early years.
        let year = match rng.random_range(0..100) {
            0..30 => 2021,
            30..55 => 2022,
            55..75 => 2023,
            75..90 => 2024,
            _ => 2025,
        };
        let done = day_between(rng, ymd(year, 3, 1), ymd(year, 12, 20)).max(first + Duration::days(60));
        let mut days: Vec<NaiveDate> = (0..5).map(|_| day_between(rng, first, done - Duration::days(1))).collect();
        days.sort();
        for (item, day) in items.iter().zip(&days) {
            if rng.random_bool(0.15) {
                let failed = day_between(rng, first.min(*day), *day);
                if failed < *day {
                    checks.push(check(*item, false, failed, names::failure_note(rng, *item)));
                }
            }
            checks.push(check(*item, true, *day, ""));
        }
        checks.sort_by_key(|c| c.checked_on);
        checks.push(check(items[5], true, done, "复查达标"));
        if rng.random_bool(0.08) {
            let item = items[rng.random_range(0..6)];
            let failed = day_between(rng, done + Duration::days(120), END);
            if failed > done && failed <= END {
                checks.push(check(item, false, failed, names::failure_note(rng, item)));
                let fixed = failed + Duration::days(rng.random_range(30..=200));
                if rng.random_bool(0.6) && fixed <= END {
                    checks.push(check(item, true, fixed, "整改后复查达标"));
                }
            }
        }
    } else {
        let holding = rng.random_range(2..=5usize);
        let mut days: Vec<NaiveDate> = (0..holding).map(|_| day_between(rng, first, ymd(2025, 12, 20).max(first))).collect();
        days.sort();
        for (item, day) in items.iter().zip(&days) {
            checks.push(check(*item, true, *day, ""));
        }
        if rng.random_bool(0.5) {
            let item = items[holding];
            let day = day_between(rng, first, ymd(2025, 12, 20).max(first));
            checks.push(check(item, false, day, names::failure_note(rng, item)));
        }
        checks.sort_by_key(|c| c.checked_on);
    }
    NewHomeWithChecks { home: new, checks }
}

// ---- activities ----

fn category(rng: &mut StdRng) -> ActivityCategory {
    match rng.random_range(0..100) {
        0..32 => ActivityCategory::Political,
        32..48 => ActivityCategory::Culture,
        48..63 => ActivityCategory::FamilyEducation,
        63..75 => ActivityCategory::Training,
        75..81 => ActivityCategory::Roadshow,
        81..96 => ActivityCategory::Volunteer,
        _ => ActivityCategory::Other,
    }
}

/// A day a town asks all its villages to hold the same activity (全镇统一开展).
struct Campaign {
    day: NaiveDate,
    category: ActivityCategory,
    title: String,
}

/// A town's campaign days: 10–14 a year.
fn campaigns(rng: &mut StdRng, place: &Place) -> Vec<Campaign> {
    let mut out = Vec::new();
    for year in START.year()..=END.year() {
        let (first, last) = (ymd(year, 1, 1).max(START), ymd(year, 12, 31).min(END));
        let share = ((last - first).num_days() + 1) as f64 / 365.0;
        for _ in 0..(rng.random_range(10..=14) as f64 * share).round() as u32 {
            let day = day_between(rng, first, last);
            let category = category(rng);
            out.push(Campaign { day, category, title: names::theme(rng, category, day, place) });
        }
    }
    out
}

/// How much a federation does: activities a year and participants each.
struct Rhythm {
    /// The least and the most a year; most federations do nearer the least.
    per_year: (u32, u32),
    participants: (i64, i64),
    /// Marks 三八 and 七一 with their own events.
    festivals: bool,
}

/// A federation's activities from `from` to [`END`]; a village takes about half of its
/// activities from its town's `campaigns`.
fn activities(
    rng: &mut StdRng,
    fed: &Federation,
    place: &Place,
    from: NaiveDate,
    rhythm: &Rhythm,
    campaigns: &[Campaign],
    batch: &mut Batch,
) {
    for year in START.year()..=END.year() {
        let first = from.max(ymd(year, 1, 1)).max(START);
        let last = ymd(year, 12, 31).min(END);
        if first > last {
            continue;
        }
        let share = ((last - first).num_days() + 1) as f64 / 365.0;
        let (lo, hi) = rhythm.per_year;
        let n = ((lo as f64 + (hi - lo) as f64 * rng.random::<f64>().powf(1.5)).round() * share).round() as u32;
        let this_year: Vec<&Campaign> = campaigns.iter().filter(|c| c.day.year() == year && c.day >= first).collect();
        let mut taken: Vec<usize> = Vec::new();
        for i in 0..n {
            let march = (ymd(year, 3, 1), ymd(year, 3, 10));
            let july = (ymd(year, 6, 20), ymd(year, 7, 5));
            let campaign = if this_year.is_empty() || !rng.random_bool(0.5) {
                None
            } else {
                let j = rng.random_range(0..this_year.len());
                (!taken.contains(&j)).then(|| {
                    taken.push(j);
                    this_year[j]
                })
            };
            let (day, cat, title) = if let Some(c) = campaign {
                (c.day, c.category, Some(c.title.clone()))
            } else if rhythm.festivals && i == 0 && first <= march.0 && march.1 <= last && rng.random_bool(0.6) {
                let cat = if rng.random_bool(0.6) { ActivityCategory::Culture } else { ActivityCategory::Political };
                (day_between(rng, march.0, march.1), cat, None)
            } else if rhythm.festivals && i == 1 && first <= july.0 && july.1 <= last && rng.random_bool(0.5) {
                (day_between(rng, july.0, july.1), ActivityCategory::Political, None)
            } else {
                (day_between(rng, first, last), category(rng), None)
            };
            let title = title.unwrap_or_else(|| names::activity_title(rng, cat, day, place));
            batch.activities.push(NewActivity {
                federation: fed.id,
                region: fed.region.clone(),
                held_on: day,
                category: cat,
                title,
                place: names::activity_place(rng, place),
                participants: skewed(rng, rhythm.participants.0, rhythm.participants.1),
                created_by: None,
            });
        }
    }
}

const VILLAGE: Rhythm = Rhythm { per_year: (4, 10), participants: (15, 120), festivals: true };
const TOWN: Rhythm = Rhythm { per_year: (3, 7), participants: (40, 260), festivals: true };
const COUNTY: Rhythm = Rhythm { per_year: (5, 10), participants: (80, 300), festivals: true };
const CITY: Rhythm = Rhythm { per_year: (8, 12), participants: (120, 300), festivals: true };
const NEW_DOMAIN: Rhythm = Rhythm { per_year: (2, 5), participants: (15, 150), festivals: false };

/// Terms, committee and activities of the new-domain federations (created just before).
fn new_domain_work(rng: &mut StdRng, feds: &[Federation], county: Option<&Place>, city: &str, batch: &mut Batch) {
    for fed in feds {
        let mut place = county.cloned().unwrap_or_else(|| Place {
            city: city.to_owned(),
            county: String::new(),
            county_short: String::new(),
            town: None,
            village: None,
            own: None,
            tujia: false,
        });
        place.own = Some(fed.name.clone());
        let mut terms = Vec::new();
        let (mut start, mut number) = (fed.established_on, 1);
        while start <= END {
            let end = term_end(start);
            terms.push((number, start, end));
            start = end + Duration::days(rng.random_range(-15..=40));
            number += 1;
        }
        committee(rng, fed, &place, &terms, &Sizes { members: (5, 9), vices: (1, 2) }, batch);
        activities(rng, fed, &place, fed.established_on, &NEW_DOMAIN, &[], batch);
    }
}

/// The city federation's own work: its terms (the current one ending 2026-11-30, so its
/// renewal is due), committee, activities and the city-level new-domain federations' work.
pub fn city_batch(rng: &mut StdRng, city: &Federation, new_domain: &[Federation]) -> Batch {
    let mut batch = Batch::default();
    let place = city_place(city);
    let terms = [(7, ymd(2016, 12, 1), ymd(2021, 11, 30)), (8, ymd(2021, 12, 1), ymd(2026, 11, 30))];
    committee(rng, city, &place, &terms, &Sizes { members: (19, 25), vices: (4, 6) }, &mut batch);
    activities(rng, city, &place, START, &CITY, &[], &mut batch);
    new_domain_work(rng, new_domain, None, &place.city, &mut batch);
    batch
}

/// Everything a county's federations did: the county, its towns and villages (terms,
/// committees, women's homes, activities) and its new-domain federations (created just
/// before, with their ids).
pub fn county_batch(rng: &mut StdRng, city: &str, county: &CountyTree, new_domain: &[Federation]) -> Batch {
    let mut batch = Batch::default();
    let cplace = county_place(city, &county.fed);
    // The county federation: its congress at the end of 2021, so its renewal is due now.
    let n0 = rng.random_range(10..=13);
    let t2 = day_between(rng, ymd(2021, 12, 1), ymd(2021, 12, 28));
    let t1 = day_between(rng, ymd(2016, 11, 1), ymd(2016, 12, 20));
    let terms = [(n0, t1, t2.pred_opt().unwrap_or(t2)), (n0 + 1, t2, term_end(t2))];
    committee(rng, &county.fed, &cplace, &terms, &Sizes { members: (15, 23), vices: (3, 5) }, &mut batch);
    activities(rng, &county.fed, &cplace, START, &COUNTY, &[], &mut batch);
    for town in &county.towns {
        let tplace = Place { town: Some(town.fed.region_name.clone()), ..cplace.clone() };
        // Towns renewed with their party congresses in the autumns of 2016, 2021 and 2026.
        let t1 = day_between(rng, ymd(2016, 6, 1), ymd(2016, 10, 31));
        let t2 = day_between(rng, ymd(2021, 6, 1), ymd(2021, 9, 30));
        let t3 = term_end(t2) + Duration::days(rng.random_range(-20..=40));
        let terms = [(1, t1, t2.pred_opt().unwrap_or(t2)), (2, t2, term_end(t2)), (3, t3, term_end(t3))];
        let town_chair = committee(rng, &town.fed, &tplace, &terms, &Sizes { members: (9, 13), vices: (2, 3) }, &mut batch);
        activities(rng, &town.fed, &tplace, START, &TOWN, &[], &mut batch);
        let town_campaigns = campaigns(rng, &tplace);
        for village in &town.villages {
            let vplace = Place { village: Some(names::village_short(&village.region_name)), ..tplace.clone() };
            // Villages renewed with their committees in spring 2021; about 4% have not yet
            // recorded the 2026 renewal and show as overdue.
            let t1 = day_between(rng, ymd(2016, 9, 1), ymd(2016, 12, 31));
            let t2 = day_between(rng, ymd(2021, 3, 1), ymd(2021, 7, 31));
            let mut terms = vec![(1, t1, t2.pred_opt().unwrap_or(t2)), (2, t2, term_end(t2))];
            if !rng.random_bool(0.04) {
                let t3 = term_end(t2) + Duration::days(rng.random_range(-20..=40));
                terms.push((3, t3, term_end(t3)));
            }
            let chair = committee(rng, village, &vplace, &terms, &Sizes { members: (5, 7), vices: (1, 2) }, &mut batch);
            if rng.random_bool(0.97) {
                batch.homes.push(home(rng, village, &vplace, &chair, &town_chair));
            }
            activities(rng, village, &vplace, START, &VILLAGE, &town_campaigns, &mut batch);
        }
    }
    new_domain_work(rng, new_domain, Some(&cplace), city, &mut batch);
    batch
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_last_five_years() {
        assert_eq!(term_end(ymd(2021, 12, 1)), ymd(2026, 11, 30));
        assert_eq!(term_end(ymd(2021, 3, 15)), ymd(2026, 3, 14));
    }

    #[test]
    fn skewed_numbers_stay_in_range() {
        let mut rng = StdRng::seed_from_u64(1);
        for _ in 0..1000 {
            let n = skewed(&mut rng, 15, 300);
            assert!((15..=300).contains(&n));
        }
    }
}
