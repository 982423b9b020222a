//! Storage tests of family education and the parent school, each run on SQLite and (when
//! configured) PostgreSQL: households are counted once however many activities served them,
//! each figure matches what was recorded, and a consultation's steps happen once each.

use chrono::NaiveDate;
use jinguo_domain::RegionCode;
use jinguo_domain::education::{ActivityKind, AgeGroup, ItemKind, Rating};
use jinguo_domain::insight::Period;

use crate::education::{activities, centres, consultations, school};
use crate::org::regions;
use crate::testing::{TestDb, databases};
use crate::{Scope, Work, sql, vals};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

async fn seed_regions(t: &TestDb) {
    let mut all = std::collections::HashMap::new();
    for (c, name) in [
        ("42", "湖北省"),
        ("4205", "宜昌市"),
        ("420502", "西陵区"),
        ("420506", "夷陵区"),
        ("420502001", "西陵街道"),
        ("420502001001", "土街头社区居民委员会"),
        ("420502001002", "樵湖岭社区居民委员会"),
        ("420506100", "小溪塔街道"),
        ("420506100001", "东湖社区居民委员会"),
    ] {
        let rc = code(c);
        all.insert(rc.padded(), (name.to_owned(), rc.level().rank()));
    }
    regions::write_bulk(&t.db, regions::with_counts(&all), |_| {}).await.unwrap();
}

/// A family in a village, written straight to its table (the families module is not ours).
async fn family(t: &TestDb, id: i64, region: &str, name: &str) -> activities::FamilyRef {
    sql::exec(
        t.db.writer(),
        "INSERT INTO families (id, region, name, head, created_by, created_at, updated_at) VALUES (?, ?, ?, NULL, NULL, 1, 1)",
        vals![id, code(region).padded(), name],
    )
    .await
    .unwrap();
    activities::family(t.db.reader(), id).await.unwrap().unwrap()
}

async fn figures(t: &TestDb, region: &str, from: &str, to: &str) -> std::collections::HashMap<&'static str, f64> {
    let p = Period::parse(from, to).unwrap();
    let f = crate::insight::evaluate(t.db.reader(), &code(region), p, &[]).await.unwrap();
    f.into_iter().map(|f| (f.indicator.id, f.value)).collect()
}

#[tokio::test]
async fn households_are_counted_once_and_figures_follow_the_records_on_every_engine() {
    for t in databases().await {
        seed_regions(&t).await;
        let e = t.engine;
        // A centre per level; a second centre in the same region is refused.
        let mut w = Work::begin(&t.db).await.unwrap();
        let mut ids = Vec::new();
        for (region, day) in [("4205", "2021-03-01"), ("420502", "2022-05-01"), ("420502001", "2023-01-01"), ("420502001001", "2025-02-01")]
        {
            let new = centres::NewCentre {
                region: code(region),
                name: format!("{region}中心"),
                address: String::new(),
                founded_on: d(day),
                created_by: None,
            };
            ids.push(centres::insert(&mut w, &new, 1).await.unwrap());
        }
        w.commit().await.unwrap();
        let mut w = Work::begin(&t.db).await.unwrap();
        let again = centres::NewCentre {
            region: code("420502"),
            name: "又一个".into(),
            address: String::new(),
            founded_on: d("2024-01-01"),
            created_by: None,
        };
        assert!(matches!(centres::insert(&mut w, &again, 1).await, Err(crate::StoreError::Conflict(_))), "{e}");
        w.rollback().await.unwrap();

        let county_centre = centres::get(t.db.reader(), &Scope::everything(), ids[1]).await.unwrap().unwrap();
        let mut w = Work::begin(&t.db).await.unwrap();
        let team_id = centres::insert_team(
            &mut w,
            &county_centre,
            &centres::NewTeam { name: "西陵区家庭教育讲师团".into(), formed_on: d("2022-06-01"), created_by: None },
            1,
        )
        .await
        .unwrap();
        w.commit().await.unwrap();
        let team = centres::team(t.db.reader(), &Scope::region(code("420502")), team_id).await.unwrap().unwrap();
        let mut w = Work::begin(&t.db).await.unwrap();
        let mut lecturers = Vec::new();
        for (name, day) in [("王老师", "2022-06-01"), ("李老师", "2023-09-01")] {
            let new = centres::NewLecturer { name: name.into(), speciality: "亲子沟通".into(), joined_on: d(day), created_by: None };
            lecturers.push(centres::insert_lecturer(&mut w, &team, &new, 1).await.unwrap());
        }
        w.commit().await.unwrap();
        let li = centres::lecturer(t.db.reader(), &Scope::everything(), lecturers[1]).await.unwrap().unwrap();
        let mut w = Work::begin(&t.db).await.unwrap();
        assert!(centres::leave(&mut w, &li, d("2025-06-30"), 2).await.unwrap());
        assert!(!centres::leave(&mut w, &li, d("2025-07-01"), 2).await.unwrap(), "{e}: leaving twice changes nothing");
        w.commit().await.unwrap();

        // Three families; activities serve them repeatedly, plus unnamed households.
        let f1 = family(&t, 101, "420502001001", "张家").await;
        let f2 = family(&t, 102, "420502001002", "李家").await;
        let f3 = family(&t, 103, "420506100001", "王家").await;
        let mut w = Work::begin(&t.db).await.unwrap();
        for (region, kind, day, fams, unnamed) in [
            ("420502001001", ActivityKind::Community, "2025-03-10", vec![f1.clone(), f2.clone()], 5),
            ("420502001", ActivityKind::School, "2025-04-10", vec![f1.clone()], 0),
            ("420502001002", ActivityKind::Community, "2025-09-10", vec![f1.clone(), f2.clone()], 3),
            ("420506100001", ActivityKind::Rural, "2025-05-01", vec![f3.clone()], 10),
            ("420502001001", ActivityKind::Rural, "2024-11-01", vec![f1.clone()], 0),
        ] {
            let new = activities::NewActivity {
                region: code(region),
                kind,
                held_on: d(day),
                place: "社区活动室".into(),
                topic: "好家风".into(),
                lecturer: Some(lecturers[0]),
                unnamed_households: unnamed,
                families: fams,
                created_by: None,
            };
            activities::insert(&mut w, &new, 1).await.unwrap();
        }
        w.commit().await.unwrap();

        // Distinct families (f1, f2) + unnamed 5 + 3 in the county in 2025: 10, not 5 named rows + 8.
        let f = figures(&t, "420502", "2025-01-01", "2025-12-31").await;
        assert_eq!(f["family.education.households"], 10.0, "{e}");
        assert_eq!(f["family.education.household_times"], 13.0, "{e}");
        assert_eq!((f["family.education.activities"], f["family.education.activities.community"]), (3.0, 2.0), "{e}");
        // Over two years f1 is still one household.
        let f = figures(&t, "4205", "2024-01-01", "2025-12-31").await;
        assert_eq!(f["family.education.households"], 3.0 + 18.0, "{e}");
        // A period that starts mid-year: only what happened in it.
        let f = figures(&t, "420502001001", "2025-04-01", "2025-12-31").await;
        assert_eq!(f["family.education.households"], 1.0, "{e}: f1 (f2 lives in another village)");
        let served =
            activities::households_served(t.db.reader(), &Scope::region(code("420502")), d("2025-01-01"), d("2025-12-31")).await.unwrap();
        assert_eq!((served.families, served.unnamed), (2, 8), "{e}");

        // Centres by level and stocks over time.
        let f = figures(&t, "4205", "2025-01-01", "2025-12-31").await;
        assert_eq!(
            [
                f["family.education.centres"],
                f["family.education.centres.city"],
                f["family.education.centres.county"],
                f["family.education.centres.village"]
            ],
            [4.0, 1.0, 1.0, 1.0],
            "{e}"
        );
        assert_eq!((f["family.education.lecturer_teams"], f["family.education.lecturers"]), (1.0, 1.0), "{e}");
        let f = figures(&t, "4205", "2024-01-01", "2024-12-31").await;
        assert_eq!((f["family.education.centres"], f["family.education.lecturers"]), (3.0, 2.0), "{e}");
        let town = centres::get(t.db.reader(), &Scope::everything(), ids[2]).await.unwrap().unwrap();
        assert_eq!(town.level, jinguo_domain::Level::Town);
        let c = centres::get(t.db.reader(), &Scope::everything(), ids[1]).await.unwrap().unwrap();
        assert_eq!((c.teams, c.lecturers), (1, 1), "{e}");
        // Out of scope reads find nothing.
        assert!(centres::get(t.db.reader(), &Scope::region(code("420506")), ids[1]).await.unwrap().is_none());
        assert!(centres::lecturer(t.db.reader(), &Scope::region(code("420506")), lecturers[0]).await.unwrap().is_none());
        t.finish().await;
    }
}

#[tokio::test]
async fn parent_school_items_views_and_consultations_on_every_engine() {
    for t in databases().await {
        seed_regions(&t).await;
        let e = t.engine;
        let city = code("4205");
        let mut w = Work::begin(&t.db).await.unwrap();
        let item = |kind, title: &str| school::NewItem {
            region: city.clone(),
            kind,
            title: title.into(),
            body: "正文".into(),
            video_url: if kind == ItemKind::Video { "https://v.example.cn/1.mp4".into() } else { String::new() },
            topic: "亲子沟通".into(),
            age_group: AgeGroup::Primary,
            created_by: None,
        };
        let a1 = school::insert(&mut w, &item(ItemKind::Article, "如何陪孩子写作业"), Some(d("2025-03-01")), 1).await.unwrap();
        let a2 = school::insert(&mut w, &item(ItemKind::Article, "草稿"), None, 1).await.unwrap();
        let v1 = school::insert(&mut w, &item(ItemKind::Video, "青春期沟通"), Some(d("2025-04-01")), 1).await.unwrap();
        w.commit().await.unwrap();
        // The public sees published items only, newest first, paged.
        let page = school::list_published(t.db.reader(), &school::Filter::default(), None, 1).await.unwrap();
        assert_eq!((page.total, page.items[0].id), (2, v1), "{e}");
        let rest = school::list_published(t.db.reader(), &school::Filter::default(), page.next.as_deref(), 1).await.unwrap();
        assert_eq!((rest.items[0].id, rest.next.as_deref()), (a1, None), "{e}");
        assert!(school::published(t.db.reader(), a2).await.unwrap().is_none());
        // Publishing the draft counts it once.
        let draft = school::get(t.db.reader(), &Scope::everything(), a2).await.unwrap().unwrap();
        let mut w = Work::begin(&t.db).await.unwrap();
        assert!(school::publish(&mut w, &draft, d("2025-05-01"), 2).await.unwrap());
        assert!(!school::publish(&mut w, &draft, d("2025-05-02"), 2).await.unwrap());
        school::add_views(&mut w, &[(a1, city.clone(), 7), (v1, city.clone(), 3)], d("2025-05-01")).await.unwrap();
        w.commit().await.unwrap();
        let f = figures(&t, "4205", "2025-01-01", "2025-12-31").await;
        assert_eq!((f["family.school.articles"], f["family.school.videos"], f["family.school.views"]), (2.0, 1.0, 10.0), "{e}");
        assert_eq!(school::published(t.db.reader(), a1).await.unwrap().unwrap().views, 7);

        // A consultation from question to rating.
        for (id, phone) in [(1, "a"), (2, "b")] {
            sql::exec(
                t.db.writer(),
                "INSERT INTO public_accounts (id, phone_cipher, phone_index, nickname, password_hash, created_at, updated_at) VALUES (?, ?, ?, ?, 'x', 1, 1)",
                vals![id, phone, phone, "家长"],
            )
            .await
            .unwrap();
        }
        let team_region = code("420502");
        let mut w = Work::begin(&t.db).await.unwrap();
        let centre = centres::insert(
            &mut w,
            &centres::NewCentre {
                region: team_region.clone(),
                name: "中心".into(),
                address: String::new(),
                founded_on: d("2024-01-01"),
                created_by: None,
            },
            1,
        )
        .await
        .unwrap();
        w.commit().await.unwrap();
        let centre = centres::get(t.db.reader(), &Scope::everything(), centre).await.unwrap().unwrap();
        let mut w = Work::begin(&t.db).await.unwrap();
        let team = centres::insert_team(
            &mut w,
            &centre,
            &centres::NewTeam { name: "讲师团".into(), formed_on: d("2024-01-01"), created_by: None },
            1,
        )
        .await
        .unwrap();
        w.commit().await.unwrap();
        let team = centres::team(t.db.reader(), &Scope::everything(), team).await.unwrap().unwrap();
        let mut w = Work::begin(&t.db).await.unwrap();
        let lecturer = centres::insert_lecturer(
            &mut w,
            &team,
            &centres::NewLecturer { name: "王老师".into(), speciality: "心理".into(), joined_on: d("2024-01-01"), created_by: None },
            1,
        )
        .await
        .unwrap();
        let mut qs = Vec::new();
        for (account, at) in [(1, 1_000), (1, 5_000), (2, 3_000)] {
            let new = consultations::NewConsultation {
                account,
                region: team_region.clone(),
                age_group: AgeGroup::Junior,
                question: "孩子沉迷手机怎么办？".into(),
            };
            qs.push(consultations::insert(&mut w, &new, d("2025-06-01"), at).await.unwrap());
        }
        w.commit().await.unwrap();
        // The queue: the longest waiting first.
        let queue = consultations::queue(t.db.reader(), &Scope::region(code("420502")), true, None, 2).await.unwrap();
        assert_eq!((queue.total, queue.items.iter().map(|q| q.id).collect::<Vec<_>>()), (3, vec![qs[0], qs[2]]), "{e}");
        let rest = consultations::queue(t.db.reader(), &Scope::region(code("420502")), true, queue.next.as_deref(), 2).await.unwrap();
        assert_eq!(rest.items[0].id, qs[1]);
        assert_eq!(consultations::queue(t.db.reader(), &Scope::region(code("420506")), true, None, 5).await.unwrap().total, 0);
        // She sees her own only.
        assert_eq!(consultations::list_of_account(t.db.reader(), 1, 10).await.unwrap().len(), 2);
        assert!(consultations::of_account(t.db.reader(), 2, qs[0]).await.unwrap().is_none());

        let q = consultations::get(t.db.reader(), &Scope::everything(), qs[0]).await.unwrap().unwrap();
        let mut w = Work::begin(&t.db).await.unwrap();
        // Not yet assigned: no answer.
        assert!(!consultations::answer(&mut w, &q, "先别急", None, d("2025-06-02"), 9_000).await.unwrap());
        assert!(consultations::assign(&mut w, &q, lecturer, None, 10_000).await.unwrap());
        assert!(!consultations::rate(&mut w, &q, 1, Rating::Good, d("2025-06-02"), 10_500).await.unwrap(), "{e}: not answered yet");
        assert!(consultations::answer(&mut w, &q, "约定使用时间", None, d("2025-06-03"), 20_000).await.unwrap());
        assert!(!consultations::answer(&mut w, &q, "再答一次", None, d("2025-06-03"), 21_000).await.unwrap());
        assert!(!consultations::rate(&mut w, &q, 2, Rating::Poor, d("2025-06-04"), 30_000).await.unwrap(), "{e}: not hers");
        assert!(consultations::rate(&mut w, &q, 1, Rating::Good, d("2025-06-04"), 30_000).await.unwrap());
        assert!(!consultations::rate(&mut w, &q, 1, Rating::Poor, d("2025-06-04"), 31_000).await.unwrap(), "{e}: rated once");
        w.commit().await.unwrap();
        let q = consultations::of_account(t.db.reader(), 1, qs[0]).await.unwrap().unwrap();
        assert_eq!((q.rating, q.answer.as_str(), q.waited_ms(99_999)), (Some(Rating::Good), "约定使用时间", 19_000), "{e}");
        assert_eq!(q.status(), jinguo_domain::education::ConsultationStatus::Rated);
        // Answer and rate a second one 基本满意: satisfaction 1 of 2 = 50 %.
        let q2 = consultations::get(t.db.reader(), &Scope::everything(), qs[2]).await.unwrap().unwrap();
        let mut w = Work::begin(&t.db).await.unwrap();
        consultations::assign(&mut w, &q2, lecturer, None, 10_000).await.unwrap();
        consultations::answer(&mut w, &q2, "多陪伴", None, d("2025-06-05"), 40_000).await.unwrap();
        consultations::rate(&mut w, &q2, 2, Rating::Ok, d("2025-06-06"), 50_000).await.unwrap();
        w.commit().await.unwrap();
        let f = figures(&t, "4205", "2025-01-01", "2025-12-31").await;
        assert_eq!(
            [
                f["family.school.consultations.asked"],
                f["family.school.consultations.answered"],
                f["family.school.consultations.rated"],
                f["family.school.satisfaction"]
            ],
            [3.0, 2.0, 2.0, 50.0],
            "{e}"
        );
        let open = consultations::queue(t.db.reader(), &Scope::everything(), true, None, 10).await.unwrap();
        assert_eq!(open.total, 1, "{e}");
        t.finish().await;
    }
}
