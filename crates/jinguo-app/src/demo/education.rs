//! Family education and the parent school in the demo city, five years (2021 to the demo's
//! end): a guidance centre in the city, every county and town and one village in four; a
//! lecturer team with its lecturers per county and in the city; service activities in the
//! villages with the households they served (families of the register when there are any, and
//! unnamed households); articles and videos with their views; a dozen parents' public accounts
//! and their consultations, most answered and rated, a few still waiting.
//!
//! Written through the store's writers, so every roll-up is kept; one transaction per county
//! (and one for the city) under the key `demo.education.<region>`; `demo.education`, set last,
//! makes a second seed a no-op.

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use jinguo_domain::education::{ActivityKind, AgeGroup, ItemKind, Rating};
use jinguo_domain::public::SignupInput;
use jinguo_domain::{Level, RegionCode};
use jinguo_store::education::activities::{self, FamilyRef, NewActivity};
use jinguo_store::education::centres::{self, NewCentre, NewLecturer, NewTeam};
use jinguo_store::education::consultations::{self, NewConsultation};
use jinguo_store::education::school::{self, NewItem};
use jinguo_store::{Scope, Work, settings};
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};

use super::names;
use super::plan::{END, START};
use crate::public::Origin;
use crate::{App, AppError, Result};

const DONE_KEY: &str = "demo.education";
const SEED: u64 = 0x4a47_4544_5543;

const SPECIALITIES: &[&str] =
    &["亲子沟通", "青春期心理", "隔代教育", "家庭阅读", "习惯养成", "家风家训", "留守儿童关爱", "网络素养", "幼小衔接", "特殊儿童家庭支持"];
const TOPICS: &[&str] = &[
    "好家风好家教",
    "如何与青春期孩子沟通",
    "隔代教育中的爱与规矩",
    "陪伴孩子读书",
    "孩子沉迷手机怎么办",
    "幼小衔接家长课堂",
    "留守儿童的亲情陪伴",
    "家庭教育促进法宣讲",
    "培养孩子的好习惯",
    "心理健康从家庭开始",
];
const PLACES: &[(&str, ActivityKind)] = &[
    ("社区党群服务中心", ActivityKind::Community),
    ("社区妇女之家", ActivityKind::Community),
    ("中心小学", ActivityKind::School),
    ("初级中学", ActivityKind::School),
    ("幼儿园", ActivityKind::School),
    ("村委会会议室", ActivityKind::Rural),
    ("村文化广场", ActivityKind::Rural),
];
const ARTICLES: &[(&str, &str, AgeGroup)] = &[
    ("如何陪孩子写作业而不发火", "学习习惯", AgeGroup::Primary),
    ("孩子沉迷手机，家长先放下手机", "网络素养", AgeGroup::Junior),
    ("青春期的孩子为什么不爱说话", "亲子沟通", AgeGroup::Junior),
    ("老人带娃，规矩由谁来定", "隔代教育", AgeGroup::Preschool),
    ("每天十五分钟的亲子阅读", "家庭阅读", AgeGroup::Preschool),
    ("好家风是最好的家教", "家风家训", AgeGroup::All),
    ("留守的孩子，需要怎样的陪伴", "留守儿童关爱", AgeGroup::Primary),
    ("读懂《家庭教育促进法》", "法律知识", AgeGroup::All),
    ("三岁前的安全感从哪里来", "婴幼儿养育", AgeGroup::Infant),
    ("高考前家长能做什么", "心理健康", AgeGroup::Senior),
];
const QUESTIONS: &[&str] = &[
    "孩子上初中后回家就关门，不愿和我们说话，怎么办？",
    "孩子每天玩手机到很晚，说了也不听，该怎么管？",
    "爷爷奶奶太惯孩子，我们说了他们不高兴，怎么协调？",
    "孩子写作业总是拖拉，一晚上写不完，有什么办法？",
    "孩子刚上一年级，不适应，每天哭着不想去学校。",
    "我们在外地打工，孩子跟老人在家，怎样和孩子保持亲近？",
    "孩子和同学闹矛盾，被孤立了，家长要不要出面？",
    "孩子高三压力很大，失眠，我们该怎么帮他？",
];
const ANSWERS: &[&str] = &[
    "先倾听，少评判。每天留出一段不谈学习的时间陪孩子，孩子愿意说的时候认真听完再回应。",
    "和孩子一起商量使用手机的规则并写下来，家长以身作则，睡前一小时全家不用手机。",
    "先和老人沟通教育目标，分工而不分歧；当着孩子的面不争执，事后再商量。",
    "把作业分成小段，每完成一段休息几分钟；固定时间、固定地点，逐步养成习惯。",
    "多和老师沟通，提前熟悉学校；回家后多鼓励，讲讲学校里有趣的事，给孩子适应的时间。",
    "固定时间视频通话，多问孩子的感受；回家时专心陪伴，和老人、老师保持联系。",
];

fn day_between(rng: &mut StdRng, from: NaiveDate, to: NaiveDate) -> NaiveDate {
    let span = (to - from).num_days().max(0);
    from + Duration::days(rng.random_range(0..=span))
}

/// Midday in China on `day`, in milliseconds.
fn noon_ms(day: NaiveDate) -> i64 {
    Utc.from_utc_datetime(&day.and_hms_opt(4, 0, 0).unwrap_or_default()).timestamp_millis()
}

impl App {
    /// Seeds family education and the parent school unless done (see the module's notes).
    pub(super) async fn seed_education_demo(&self, city: &RegionCode) -> Result<()> {
        if settings::get(self.db.reader(), DONE_KEY).await?.is_some() {
            return Ok(());
        }
        let end = self.today().min(END);
        let mut rng = StdRng::seed_from_u64(SEED);
        let city_lecturers = self.seed_education_city(city, end, &mut rng).await?;
        let counties: Vec<_> = self.region_children(Some(city)).await?.into_iter().filter(|r| r.level == Level::County).collect();
        let mut lecturers_by_county = Vec::new();
        for county in &counties {
            let ids = self.seed_education_county(&county.code, &county.name, &city_lecturers, end).await?;
            lecturers_by_county.push((county.code.clone(), ids));
        }
        self.seed_consultations_demo(&lecturers_by_county, end, &mut rng).await?;
        let w = Work::begin(&self.db).await?;
        settings::set(&w.tx, DONE_KEY, "1").await?;
        w.commit().await?;
        Ok(())
    }

    async fn part_key_done(&self, region: &RegionCode) -> Result<bool> {
        Ok(settings::get(self.db.reader(), &format!("{DONE_KEY}.{}", region.short())).await?.is_some())
    }

    /// The city's centre, team and lecturers, and the parent school's items with their views.
    async fn seed_education_city(&self, city: &RegionCode, end: NaiveDate, rng: &mut StdRng) -> Result<Vec<i64>> {
        let key = format!("{DONE_KEY}.{}", city.short());
        if self.part_key_done(city).await? {
            let all = centres::lecturers(self.db.reader(), &Scope::region(city.clone()), None, true, None, 500).await?;
            return Ok(all.items.into_iter().filter(|l| &l.region == city).map(|l| l.id).collect());
        }
        let now = self.now_ms();
        let mut w = Work::begin(&self.db).await?;
        let centre = NewCentre {
            region: city.clone(),
            name: "宜昌市家庭教育指导中心".into(),
            address: "宜昌市妇女儿童活动中心".into(),
            founded_on: START,
            created_by: None,
        };
        let centre_id = centres::insert(&mut w, &centre, now).await?;
        let c = centres::get(&w.tx, &Scope::everything(), centre_id).await?.ok_or(AppError::NotFound)?;
        let team_id = centres::insert_team(
            &mut w,
            &c,
            &NewTeam { name: "宜昌市家庭教育讲师团".into(), formed_on: START + Duration::days(60), created_by: None },
            now,
        )
        .await?;
        let team = centres::team(&w.tx, &Scope::everything(), team_id).await?.ok_or(AppError::NotFound)?;
        let mut lecturers = Vec::new();
        for _ in 0..12 {
            let new = NewLecturer {
                name: names::person(rng, false),
                speciality: SPECIALITIES.choose(rng).copied().unwrap_or("亲子沟通").into(),
                joined_on: day_between(rng, team.formed_on, end.min(team.formed_on + Duration::days(900))),
                created_by: None,
            };
            lecturers.push(centres::insert_lecturer(&mut w, &team, &new, now).await?);
        }
        // The parent school: ten articles a year or so, a few videos, two drafts.
        let mut n = 0;
        let mut day = START + Duration::days(40);
        while day <= end {
            let (title, topic, age) = ARTICLES[n % ARTICLES.len()];
            let video = n % 4 == 3;
            let round = n / ARTICLES.len();
            let item = NewItem {
                region: city.clone(),
                kind: if video { ItemKind::Video } else { ItemKind::Article },
                title: if round == 0 { title.to_owned() } else { format!("{title}（{}）", round + 1) },
                body: format!("{title}。\n家庭是孩子的第一所学校，家长是孩子的第一任老师。\n本文由宜昌市家庭教育讲师团供稿。"),
                video_url: if video { format!("https://v.example.cn/jinguo/school/{n}.mp4") } else { String::new() },
                topic: topic.into(),
                age_group: age,
                created_by: None,
            };
            let draft = day + Duration::days(40) > end;
            let id = school::insert(&mut w, &item, (!draft).then_some(day), now).await?;
            if !draft {
                // Views arrive over time; the demo writes them as one batch on the day published.
                let views = rng.random_range(80..2500);
                school::add_views(&mut w, &[(id, city.clone(), views)], day).await?;
            }
            n += 1;
            day += Duration::days(rng.random_range(20..45));
        }
        settings::set(&w.tx, &key, "1").await?;
        w.commit().await?;
        Ok(lecturers)
    }

    /// A county: centres of the county, its towns and one village in four; the county's team and
    /// lecturers; activities in its villages with the households served. Returns its lecturers.
    async fn seed_education_county(&self, county: &RegionCode, name: &str, city_lecturers: &[i64], end: NaiveDate) -> Result<Vec<i64>> {
        let scope = Scope::region(county.clone());
        if self.part_key_done(county).await? {
            let all = centres::lecturers(self.db.reader(), &scope, None, true, None, 500).await?;
            return Ok(all.items.into_iter().map(|l| l.id).collect());
        }
        let mut rng = StdRng::seed_from_u64(SEED ^ county.padded().parse::<u64>().unwrap_or(0));
        let towns = self.region_children(Some(county)).await?;
        let families = activities::families_in(self.db.reader(), &scope, 3000).await?;
        let now = self.now_ms();
        let mut w = Work::begin(&self.db).await?;
        let founded = day_between(&mut rng, START, START + Duration::days(540));
        let centre = NewCentre {
            region: county.clone(),
            name: format!("{name}家庭教育指导中心"),
            address: String::new(),
            founded_on: founded,
            created_by: None,
        };
        let centre_id = centres::insert(&mut w, &centre, now).await?;
        let c = centres::get(&w.tx, &scope, centre_id).await?.ok_or(AppError::NotFound)?;
        let team_id = centres::insert_team(
            &mut w,
            &c,
            &NewTeam { name: format!("{name}家庭教育讲师团"), formed_on: founded + Duration::days(30), created_by: None },
            now,
        )
        .await?;
        let team = centres::team(&w.tx, &scope, team_id).await?.ok_or(AppError::NotFound)?;
        let tujia = matches!(county.short(), "420528" | "420529");
        let mut lecturers = Vec::new();
        for _ in 0..rng.random_range(6..12) {
            let new = NewLecturer {
                name: names::person(&mut rng, tujia),
                speciality: SPECIALITIES.choose(&mut rng).copied().unwrap_or("亲子沟通").into(),
                joined_on: day_between(&mut rng, team.formed_on, end.min(team.formed_on + Duration::days(1200))),
                created_by: None,
            };
            lecturers.push((centres::insert_lecturer(&mut w, &team, &new, now).await?, new.joined_on));
        }
        for town in &towns {
            let opened = day_between(&mut rng, founded, end.min(founded + Duration::days(900)));
            let new = NewCentre {
                region: town.code.clone(),
                name: format!("{}家庭教育指导站", town.name),
                address: String::new(),
                founded_on: opened,
                created_by: None,
            };
            centres::insert(&mut w, &new, now).await?;
            let villages = self.region_children(Some(&town.code)).await?;
            for (i, v) in villages.iter().enumerate() {
                if i % 4 == 0 {
                    let day = day_between(&mut rng, opened, end.min(opened + Duration::days(900)));
                    let new = NewCentre {
                        region: v.code.clone(),
                        name: format!("{}家庭教育指导站", names_short(&v.name)),
                        address: String::new(),
                        founded_on: day,
                        created_by: None,
                    };
                    centres::insert(&mut w, &new, now).await?;
                }
            }
            // Two or three activities a year in the town's villages, from the centre's opening.
            let mut day = opened + Duration::days(rng.random_range(10..120));
            while day <= end && !villages.is_empty() {
                let village = villages.choose(&mut rng).map(|v| v.code.clone()).unwrap_or_else(|| town.code.clone());
                let (place, kind) = *PLACES.choose(&mut rng).unwrap_or(&PLACES[0]);
                let speakers: Vec<i64> =
                    lecturers.iter().filter(|(_, j)| *j <= day).map(|(id, _)| *id).chain(city_lecturers.iter().copied()).collect();
                let here: Vec<&FamilyRef> = families.iter().filter(|f| village.contains(&f.region)).collect();
                let how_many = rng.random_range(0..=6).min(here.len());
                let named: Vec<FamilyRef> = here.choose_multiple(&mut rng, how_many).map(|f| (*f).clone()).collect();
                let new = NewActivity {
                    region: village,
                    kind,
                    held_on: day,
                    place: place.into(),
                    topic: TOPICS.choose(&mut rng).copied().unwrap_or("好家风好家教").into(),
                    lecturer: speakers.choose(&mut rng).copied(),
                    unnamed_households: rng.random_range(8..45),
                    families: named,
                    created_by: None,
                };
                activities::insert(&mut w, &new, now).await?;
                day += Duration::days(rng.random_range(100..200));
            }
        }
        settings::set(&w.tx, &format!("{DONE_KEY}.{}", county.short()), "1").await?;
        w.commit().await?;
        Ok(lecturers.into_iter().map(|(id, _)| id).collect())
    }

    /// A dozen parents register on the public pages and ask; most questions are answered within
    /// days and rated; the latest few still wait in the queue.
    async fn seed_consultations_demo(&self, lecturers: &[(RegionCode, Vec<i64>)], end: NaiveDate, rng: &mut StdRng) -> Result<()> {
        let parents = [
            "小雨妈妈",
            "乐乐爸爸",
            "朵朵妈妈",
            "浩然妈妈",
            "子涵妈妈",
            "欣怡奶奶",
            "一诺爸爸",
            "梓萱妈妈",
            "宇轩妈妈",
            "可馨妈妈",
            "俊杰爸爸",
            "思琪妈妈",
        ];
        let origin = Origin { ip: "demo".into(), user_agent: "jinguo demo".into() };
        let served: Vec<&(RegionCode, Vec<i64>)> = lecturers.iter().filter(|(_, l)| !l.is_empty()).collect();
        if served.is_empty() {
            return Ok(());
        }
        for (i, nickname) in parents.iter().enumerate() {
            let phone = format!("1390717{:04}", 9000 + i);
            let password = "Jiazhang-2026".to_owned();
            let input = SignupInput {
                phone: phone.clone(),
                nickname: (*nickname).into(),
                password: password.clone(),
                confirm: password.clone(),
                agree_terms: true,
                agree_personal_info: true,
            };
            let account = match self.register_public(&input, &origin).await {
                Ok(l) => l.account,
                Err(_) => self.login_public(&phone, &password, &origin).await?.account,
            };
            let (county, team) = served[i % served.len()];
            let mut w = Work::begin(&self.db).await?;
            let questions = rng.random_range(1..=3);
            for j in 0..questions {
                // One parent in three has a question from the last ten days.
                let asked = if i % 3 == 0 && j + 1 == questions {
                    end - Duration::days(rng.random_range(0..10))
                } else {
                    day_between(rng, START + Duration::days(400), end)
                };
                let asked_at = noon_ms(asked) + rng.random_range(0..8 * 3_600_000);
                let new = NewConsultation {
                    account: account.id,
                    region: county.clone(),
                    age_group: *AgeGroup::ALL.choose(rng).unwrap_or(&AgeGroup::All),
                    question: QUESTIONS.choose(rng).copied().unwrap_or(QUESTIONS[0]).into(),
                };
                let id = consultations::insert(&mut w, &new, asked, asked_at).await?;
                let q = consultations::get(&w.tx, &Scope::everything(), id).await?.ok_or(AppError::NotFound)?;
                // The last fortnight's questions still wait; some of them have an expert already.
                let recent = (end - asked).num_days() < 14;
                if recent && rng.random_bool(0.6) {
                    continue;
                }
                let lecturer = *team.choose(rng).unwrap_or(&team[0]);
                consultations::assign(&mut w, &q, lecturer, None, asked_at + 3_600_000).await?;
                if recent {
                    continue;
                }
                let answered_at = asked_at + rng.random_range(2..96) * 3_600_000;
                let answered_on =
                    chrono::DateTime::from_timestamp_millis(answered_at + 8 * 3_600_000).map(|t| t.date_naive()).unwrap_or(asked);
                consultations::answer(&mut w, &q, ANSWERS.choose(rng).copied().unwrap_or(ANSWERS[0]), None, answered_on, answered_at)
                    .await?;
                if rng.random_bool(0.8) {
                    let roll = rng.random_range(0..10);
                    let rating = if roll < 7 {
                        Rating::Good
                    } else if roll < 9 {
                        Rating::Ok
                    } else {
                        Rating::Poor
                    };
                    let rated_at = answered_at + rng.random_range(1..48) * 3_600_000;
                    let rated_on =
                        chrono::DateTime::from_timestamp_millis(rated_at + 8 * 3_600_000).map(|t| t.date_naive()).unwrap_or(answered_on);
                    consultations::rate(&mut w, &q, account.id, rating, rated_on, rated_at).await?;
                }
            }
            w.commit().await?;
        }
        Ok(())
    }
}

/// A village's name without its committee ("土街头社区居民委员会" → "土街头社区").
fn names_short(name: &str) -> String {
    name.trim_end_matches("居民委员会").trim_end_matches("村民委员会").trim_end_matches("居委会").trim_end_matches("村委会").to_owned()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use std::sync::Arc;

    use chrono::{TimeZone, Utc};
    use jinguo_crypto::{KeyRing, Suite};
    use jinguo_domain::insight::Period;
    use jinguo_store::testing::databases;
    use sea_orm::{ConnectionTrait, Statement};

    use super::*;
    use crate::org::regions::{ImportFile, ImportOutcome};
    use crate::{Actor, AppConfig, Crypto, FixedClock};

    async fn count(app: &App, sql: &str) -> i64 {
        let c = app.db.reader();
        let row = c.query_one_raw(Statement::from_string(c.get_database_backend(), sql)).await.unwrap().unwrap();
        row.try_get_by_index::<i64>(0).unwrap()
    }

    #[tokio::test]
    async fn five_years_of_family_education_agree_with_their_figures_and_seed_once() {
        for t in databases().await {
            let app = App::new(
                t.db.clone(),
                Crypto::new(Suite::Gm, KeyRing::ephemeral()),
                Arc::new(FixedClock::new(Utc.with_ymd_and_hms(2026, 11, 28, 4, 0, 0).unwrap())),
                AppConfig { city: Some(RegionCode::parse("4205").unwrap()), data_dir: t.dir.path().to_owned() },
            );
            let files: Vec<ImportFile> = super::super::DIVISIONS
                .iter()
                .map(|(name, text)| ImportFile { name: (*name).to_owned(), text: (*text).to_owned() })
                .collect();
            assert!(matches!(app.import_regions(&Actor::operator(), &files, None).await.unwrap(), ImportOutcome::Imported(_)));
            let city = RegionCode::parse("4205").unwrap();
            app.seed_education_demo(&city).await.unwrap();

            let centres = count(&app, "SELECT COUNT(*) FROM guidance_centres").await;
            let towns = count(&app, "SELECT COUNT(*) FROM regions WHERE code LIKE '4205%' AND level = 4").await;
            assert!(centres > 1 + 13 + towns, "{}: {centres} centres, {towns} towns", t.engine);
            let p = Period::parse("2021-01-01", "2026-11-28").unwrap();
            let figures = jinguo_store::insight::evaluate(app.db.reader(), &city, p, &[]).await.unwrap();
            let v = |id: &str| figures.iter().find(|f| f.indicator.id == id).unwrap().value;
            assert_eq!(v("family.education.centres"), centres as f64, "{}", t.engine);
            assert_eq!(v("family.education.centres.county"), 13.0);
            assert_eq!(v("family.education.activities"), count(&app, "SELECT COUNT(*) FROM education_activities").await as f64);
            assert_eq!(v("family.education.lecturers"), count(&app, "SELECT COUNT(*) FROM lecturers").await as f64);
            assert!(v("family.education.households") > 1000.0, "{}", v("family.education.households"));
            assert_eq!(v("family.school.views"), count(&app, "SELECT CAST(SUM(views) AS BIGINT) FROM school_items").await as f64);
            let (asked, rated) = (v("family.school.consultations.asked"), v("family.school.consultations.rated"));
            assert_eq!(asked, count(&app, "SELECT COUNT(*) FROM consultations").await as f64);
            assert!(rated > 0.0 && rated < asked, "{asked} asked, {rated} rated");
            let s = v("family.school.satisfaction");
            assert!(s > 40.0 && s < 100.0, "{s}");
            assert!(count(&app, "SELECT COUNT(*) FROM consultations WHERE answered_at IS NULL").await > 0, "a few still wait");

            // A second seed writes nothing.
            let rollups = count(&app, "SELECT COUNT(*) FROM rollups").await;
            app.seed_education_demo(&city).await.unwrap();
            assert_eq!(count(&app, "SELECT COUNT(*) FROM guidance_centres").await, centres);
            assert_eq!(count(&app, "SELECT COUNT(*) FROM rollups").await, rollups);
            t.finish().await;
        }
    }
}
