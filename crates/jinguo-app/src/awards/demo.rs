//! Five years of award campaigns in the demo city (2021–2025, and 2026 so far): two city
//! campaigns a year (文明家庭 or 最美家庭, and one person award in turn), nominations from every
//! county, reviews within quota with some sent back, the notice with an objection or two, the
//! honours, a few province and national honours by hand, and roadshows. Written through the
//! store in one transaction with its roll-ups and one audit entry; idempotent (`demo.awards`).
//!
//! It uses the families of the register; when the demo has none (no family module seeded them),
//! it records one household per village for its heads first.

use chrono::NaiveDate;
use jinguo_domain::awards::{AwardKind, HonourLevel, NominationSource, Stage, Timetable};
use jinguo_domain::{Level, RegionCode};
use jinguo_store::audit::Outcome;
use jinguo_store::awards::honours::{self, NewHonour};
use jinguo_store::awards::nominations::{self as noms, NewNomination};
use jinguo_store::awards::objections::{self, NewObjection};
use jinguo_store::awards::roadshows::{self, NewRoadshow};
use jinguo_store::awards::{self as store, FamilyRef, NewCampaign};
use jinguo_store::{Scope, Work, settings};
use serde_json::json;

use crate::{Actor, App, Result};

const KEY: &str = "demo.awards";

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

/// A small deterministic generator (the demo must seed the same city every time).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) % n.max(1)
    }
}

impl App {
    /// Seeds the award campaigns of the demo city; the number of honours recorded (0 when it
    /// was there already, or when the city has no families and no women to head them).
    pub async fn seed_awards_demo(&self, actor: &Actor, city: &RegionCode) -> Result<i64> {
        if settings::get(self.db.reader(), KEY).await?.is_some() {
            return Ok(0);
        }
        let scope = Scope::region(city.clone());
        let now = self.now_ms();
        let mut families = store::families_in_scope(self.db.reader(), &scope, None, 5000).await?;
        let mut w = Work::begin(&self.db).await?;
        if families.len() < 40 {
            for (person, village, name) in store::demo_heads(self.db.reader(), &scope, 400).await? {
                let id = store::demo_family(&mut w, &village, &format!("{name}家庭"), person, day(2020, 12, 1), now).await?;
                families.push(FamilyRef { id, region: village.clone(), region_name: String::new(), name: format!("{name}家庭") });
            }
        }
        if families.is_empty() {
            w.rollback().await?;
            return Ok(0);
        }
        let counties: Vec<RegionCode> = jinguo_store::org::regions::children(self.db.reader(), Some(city))
            .await?
            .into_iter()
            .map(|r| r.code)
            .filter(|c| c.level() == Level::County)
            .collect();
        let by_county = |c: &RegionCode| families.iter().filter(|f| c.contains(&f.region)).collect::<Vec<_>>();
        let mut rng = Lcg(20_210_101);
        let mut honoured: Vec<(i64, i32)> = Vec::new();
        let mut honours_n = 0;
        let person_kinds = [AwardKind::GoodMotherInLaw, AwardKind::GoodDaughterInLaw, AwardKind::ScienceStar];
        for year in 2021..=2026 {
            let kinds = [if year % 2 == 1 { AwardKind::Civilised } else { AwardKind::MostBeautiful }, person_kinds[(year as usize) % 3]];
            for (k, kind) in kinds.into_iter().enumerate() {
                let month = 3 + k as u32 * 4; // March and July
                let t = Timetable {
                    nominate_from: day(year, month, 1),
                    nominate_to: day(year, month, 20),
                    review_from: day(year, month, 5),
                    review_to: day(year, month + 1, 15),
                    vote: Some((day(year, month + 1, 1), day(year, month + 1, 10))),
                    notice_from: day(year, month + 1, 20),
                    notice_days: 7,
                };
                let quotas: Vec<(RegionCode, i64)> = counties.iter().map(|c| (c.clone(), 2)).collect();
                let new = NewCampaign {
                    region: city.clone(),
                    kind,
                    kind_name: kind.label().into(),
                    for_person: kind.for_person(),
                    year: year as i64,
                    title: format!("{year}年宜昌市{}评选", kind.label()),
                    timetable: t,
                    vote_weight: 30,
                    quotas,
                    created_on: day(year, month - 1, 15),
                    created_by: None,
                };
                // Created on its day (the roll-up counts it then; the record keeps only its timestamp).
                let cid = store::insert(&mut w, &new, jinguo_store::trace::china_day_start_ms(new.created_on) + 9 * 3_600_000).await?;
                let notice_start = t.notice_from;
                let notice_end = jinguo_domain::awards::notice_end(notice_start, 7);
                let finished = notice_end < self.today();
                let mut chosen = Vec::new();
                for county in &counties {
                    let pool = by_county(county);
                    if pool.is_empty() {
                        continue;
                    }
                    // Three nominees per county: two go through, one is sent back by the county.
                    for i in 0..3.min(pool.len()) {
                        let f = pool[rng.next(pool.len() as u64) as usize];
                        let person = if kind.for_person() { store::head_of(&w.tx, f.id).await? } else { None };
                        if kind.for_person() && person.is_none() {
                            continue;
                        }
                        let source = [NominationSource::Federation, NominationSource::ThirdParty, NominationSource::SelfNominated][i % 3];
                        let n = NewNomination {
                            campaign: cid,
                            region: f.region.clone(),
                            county: county.clone(),
                            family: f.id,
                            person,
                            source,
                            nominator: match source {
                                NominationSource::Federation => "村(社区)妇联".into(),
                                NominationSource::ThirdParty => "邻居".into(),
                                NominationSource::SelfNominated => "本人".into(),
                            },
                            public_account: None,
                            story: format!("{}：孝老爱亲、勤俭持家，热心邻里事务，家风淳朴。", f.name),
                            nominated_on: day(year, month, 2 + i as u32 * 3),
                            created_by: None,
                        };
                        let id = match noms::insert(&mut w, &n, now).await {
                            Ok(id) => id,
                            Err(jinguo_store::StoreError::Conflict(_)) => continue, // the same family drawn twice
                            Err(e) => return Err(e.into()),
                        };
                        if i == 2 {
                            noms::move_stage(&w, id, Stage::Submitted, Stage::Returned, "事迹材料不够具体，请补充", now).await?;
                            continue;
                        }
                        let mut stage = Stage::Submitted;
                        for level in [Level::Town, Level::County, Level::City] {
                            if !store::take_place(&w, cid, county, level).await? {
                                break;
                            }
                            let next = stage.approved().unwrap_or(Stage::CityApproved);
                            noms::move_stage(&w, id, stage, next, "", now).await?;
                            stage = next;
                        }
                        if stage == Stage::CityApproved {
                            noms::set_panel_score(&w, id, 80 + rng.next(20) as i64, now).await?;
                            chosen.push((id, f.clone(), person));
                        }
                    }
                }
                store::publish(&w, cid, notice_start, notice_end, now).await?;
                // One objection per campaign, upheld every third year.
                if let Some((nid, f, _)) = chosen.first().cloned() {
                    let oid = objections::insert(
                        &mut w,
                        &NewObjection {
                            campaign: cid,
                            nomination: nid,
                            region: f.region.clone(),
                            account: None,
                            raised_by: "demo".into(),
                            text: "反映该家庭存在邻里矛盾，请核实。".into(),
                            raised_on: notice_start + chrono::Duration::days(2),
                        },
                        now,
                    )
                    .await?;
                    let upheld = year % 3 == 0;
                    if let Some(o) = objections::get(&w.tx, oid).await? {
                        let answer =
                            if upheld { "经核实属实，撤销推荐。" } else { "经核实，矛盾已调解，不影响评选。" };
                        let answered = notice_start + chrono::Duration::days(4);
                        let at = jinguo_store::trace::china_day_start_ms(answered) + 10 * 3_600_000;
                        objections::answer(&mut w, &o, upheld, answer, None, answered, at).await?;
                    }
                    if upheld {
                        noms::move_stage(&w, nid, Stage::CityApproved, Stage::Withdrawn, "异议成立", now).await?;
                        if let Some(county) = store::county_of(&f.region) {
                            store::give_back(&w, cid, &county, Stage::CityApproved.places_held()).await?;
                        }
                        chosen.remove(0);
                    }
                }
                if finished {
                    let on = notice_end + chrono::Duration::days(1);
                    store::finalise(&w, cid, on, now).await?;
                    for (_, f, person) in &chosen {
                        honours::insert(
                            &mut w,
                            &NewHonour {
                                family: f.id,
                                person: *person,
                                campaign: Some(cid),
                                kind,
                                level: HonourLevel::City,
                                year: year as i64,
                                title: format!("{year}年度市级{}", kind.label()),
                                region: f.region.clone(),
                                awarded_on: on,
                                created_by: None,
                            },
                            now,
                        )
                        .await?;
                        honours_n += 1;
                        honoured.push((f.id, year));
                    }
                }
            }
            // Province and national honours by hand, for families honoured by the city before.
            let earlier: Vec<i64> = honoured.iter().filter(|(_, y)| *y < year).map(|(f, _)| *f).collect();
            for (i, level) in [HonourLevel::Province, HonourLevel::Province, HonourLevel::National].into_iter().enumerate() {
                if earlier.is_empty() || (level == HonourLevel::National && year % 2 == 0) || year == 2026 {
                    continue;
                }
                let fid = earlier[rng.next(earlier.len() as u64) as usize];
                let Some(f) = families.iter().find(|f| f.id == fid) else { continue };
                let kind = if i == 0 { AwardKind::MostBeautiful } else { AwardKind::Civilised };
                let on = day(year, 5 + i as u32, 15);
                let name = if level == HonourLevel::National { "全国" } else { "湖北省" };
                honours::insert(
                    &mut w,
                    &NewHonour {
                        family: f.id,
                        person: None,
                        campaign: None,
                        kind,
                        level,
                        year: year as i64,
                        title: format!("{year}年度{name}{}", kind.label()),
                        region: f.region.clone(),
                        awarded_on: on,
                        created_by: None,
                    },
                    now,
                )
                .await?;
                honours_n += 1;
            }
            // Roadshows: one a quarter in a county, telling honoured families' stories.
            for q in 0..4u32 {
                let held = day(year, 3 * q + 2, 10 + q);
                if held > self.today() || counties.is_empty() {
                    continue;
                }
                // The county of an honoured family, so every roadshow has stories to tell.
                let Some(&(pick, _)) = honoured.get(rng.next(honoured.len().max(1) as u64) as usize) else { continue };
                let Some(county) = families.iter().find(|f| f.id == pick).and_then(|f| store::county_of(&f.region)) else { continue };
                let county = &county;
                let told: Vec<i64> = honoured
                    .iter()
                    .map(|(f, _)| *f)
                    .filter(|f| families.iter().any(|x| x.id == *f && county.contains(&x.region)))
                    .take(3)
                    .collect();
                if told.is_empty() {
                    continue;
                }
                roadshows::insert(
                    &mut w,
                    &NewRoadshow {
                        region: county.clone(),
                        held_on: held,
                        place: "县(区)妇女儿童活动中心".into(),
                        title: "最美家庭故事分享会".into(),
                        audience: 80 + rng.next(220) as i64,
                        note: String::new(),
                        families: told,
                        created_by: None,
                    },
                    now,
                )
                .await?;
            }
        }
        settings::set(&w.tx, KEY, "1").await?;
        w.audit(actor.entry(now, "demo.awards", Outcome::Ok, "demo", "awards", &city.padded(), json!({"honours": honours_n})));
        w.commit().await?;
        Ok(honours_n)
    }
}
