//! Storage tests of one-to-one help and aid, each run on SQLite and (when configured)
//! PostgreSQL: every help figure equals a raw count over its register.

use chrono::NaiveDate;
use jinguo_domain::RegionCode;
use jinguo_domain::help::{AidKind, Fen, HelperKind};
use jinguo_domain::insight::{Period, metric};

use crate::help::{aid, groups, pairings};
use crate::org::regions;
use crate::testing::{TestDb, databases};
use crate::{Scope, Work, people};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

async fn seed(t: &TestDb) -> Vec<(i64, RegionCode)> {
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
    let mut w = Work::begin(&t.db).await.unwrap();
    let mut out = Vec::new();
    for (i, c) in ["420502001001", "420502001002", "420506100001"].into_iter().enumerate() {
        let new = people::NewPerson {
            region: code(c),
            name: format!("测试{i}"),
            id_cipher: format!("sealed-{i}"),
            id_index: format!("index-{i}"),
            phone_cipher: None,
            phone_index: None,
            address_cipher: None,
            birth_date: d("1980-01-01"),
            sex: "female",
            categories: vec![],
            created_by: None,
        };
        out.push((people::insert(&mut w, &new, d("2024-01-01"), 1).await.unwrap(), code(c)));
    }
    w.commit().await.unwrap();
    out
}

#[tokio::test]
async fn help_figures_equal_raw_counts_on_every_engine() {
    for t in databases().await {
        let women = seed(&t).await;
        let everything = Scope::everything();

        // Pairings: three started (one in 2024), one of them ended in 2025.
        let mut w = Work::begin(&t.db).await.unwrap();
        let mut ids = Vec::new();
        for (i, (person, region)) in women.iter().enumerate() {
            let new = pairings::NewPairing {
                person: *person,
                region: region.clone(),
                helper_name: "王芳".into(),
                helper_kind: HelperKind::ALL[i],
                started_on: [d("2024-06-01"), d("2025-03-08"), d("2025-04-01")][i],
                created_by: None,
            };
            ids.push(pairings::insert(&mut w, &new, 1).await.unwrap());
        }
        w.commit().await.unwrap();
        let first = pairings::get(t.db.reader(), &everything, ids[0]).await.unwrap().unwrap();
        let mut w = Work::begin(&t.db).await.unwrap();
        pairings::end(&mut w, &first, d("2025-07-01"), "她已就业，生活稳定", 2).await.unwrap();
        w.commit().await.unwrap();
        let county = Scope::region(code("420502"));
        let page =
            pairings::list(t.db.reader(), &county, pairings::Filter { active: Some(true), ..Default::default() }, None, 10).await.unwrap();
        assert_eq!(page.total, 1, "{}", t.engine);
        let her = pairings::of_person(t.db.reader(), women[0].0).await.unwrap();
        assert_eq!((her.len(), her[0].ended_on), (1, Some(d("2025-07-01"))));
        assert!(pairings::get(t.db.reader(), &Scope::region(code("420506")), ids[0]).await.unwrap().is_none());

        // Aid of every kind, one in another year and one in another county.
        let mut w = Work::begin(&t.db).await.unwrap();
        for (person_ix, kind, day, yuan) in [
            (0, AidKind::Living, "2025-02-01", "1200.50"),
            (0, AidKind::Medical, "2025-05-20", "3000"),
            (1, AidKind::Education, "2025-09-01", "800"),
            (1, AidKind::Living, "2025-12-31", "0.01"),
            (1, AidKind::Other, "2025-06-01", "0"),
            (0, AidKind::Living, "2024-12-31", "500"),
            (2, AidKind::Living, "2025-03-01", "600"),
        ] {
            let (person, region) = &women[person_ix];
            let new = aid::NewAid {
                person: *person,
                region: region.clone(),
                kind,
                given_on: d(day),
                amount: Fen::parse_yuan("amount", "金额", yuan).unwrap(),
                source: "市妇联春蕾基金".into(),
                note: String::new(),
                created_by: None,
            };
            aid::insert(&mut w, &new, 1).await.unwrap();
        }
        w.commit().await.unwrap();
        let page =
            aid::list(t.db.reader(), &county, aid::Filter { person: Some(women[0].0), ..Default::default() }, None, 2).await.unwrap();
        assert_eq!((page.total, page.items[0].given_on), (3, d("2025-05-20")), "{}", t.engine);
        let rest =
            aid::list(t.db.reader(), &county, aid::Filter { person: Some(women[0].0), ..Default::default() }, page.next.as_deref(), 2)
                .await
                .unwrap();
        assert_eq!((rest.items.len(), rest.next.as_deref()), (1, None));
        assert_eq!(page.items[1].amount, Fen(120_050));

        // A group in the first village: two join, one leaves, two meetings.
        let mut w = Work::begin(&t.db).await.unwrap();
        let gid = groups::insert(
            &mut w,
            &groups::NewGroup {
                region: code("420502001001"),
                name: "土街头社区留守妇女互助小组".into(),
                topic: "留守妇女互助".into(),
                leader: "李红".into(),
                formed_on: d("2025-03-01"),
                created_by: None,
            },
            1,
        )
        .await
        .unwrap();
        w.commit().await.unwrap();
        let group = groups::get(t.db.reader(), &county, gid).await.unwrap().unwrap();
        let mut w = Work::begin(&t.db).await.unwrap();
        groups::add_member(&mut w, &group, women[0].0, d("2025-03-01"), 1).await.unwrap();
        groups::add_member(&mut w, &group, women[1].0, d("2025-03-02"), 1).await.unwrap();
        groups::record_meeting(
            &mut w,
            &group,
            &groups::NewMeeting { held_on: d("2025-04-10"), topic: "交流".into(), attendees: 8, note: String::new(), created_by: None },
            1,
        )
        .await
        .unwrap();
        groups::record_meeting(
            &mut w,
            &group,
            &groups::NewMeeting { held_on: d("2026-01-10"), topic: "新年".into(), attendees: 5, note: String::new(), created_by: None },
            1,
        )
        .await
        .unwrap();
        w.commit().await.unwrap();
        // Joining twice is a conflict and writes nothing.
        let mut w = Work::begin(&t.db).await.unwrap();
        assert!(
            matches!(groups::add_member(&mut w, &group, women[0].0, d("2025-05-01"), 1).await, Err(crate::StoreError::Conflict(_))),
            "{}",
            t.engine
        );
        w.rollback().await.unwrap();
        let members = groups::members(t.db.reader(), gid).await.unwrap();
        let mut w = Work::begin(&t.db).await.unwrap();
        groups::remove_member(&mut w, &group, &members[1], d("2025-10-01")).await.unwrap();
        w.commit().await.unwrap();
        let group = groups::get(t.db.reader(), &county, gid).await.unwrap().unwrap();
        assert_eq!((group.members, group.meetings), (1, 2), "{}", t.engine);
        // She may join again after leaving.
        let mut w = Work::begin(&t.db).await.unwrap();
        groups::add_member(&mut w, &group, women[1].0, d("2026-02-01"), 1).await.unwrap();
        w.commit().await.unwrap();
        assert_eq!(groups::of_person(t.db.reader(), women[1].0).await.unwrap().len(), 2);

        // Every figure equals its raw count, for the county, the city and a village, over
        // several periods.
        for (region, from, to) in [
            ("420502", "2025-01-01", "2025-12-31"),
            ("4205", "2025-01-01", "2025-12-31"),
            ("4205", "2024-01-01", "2026-11-28"),
            ("420502001001", "2025-03-15", "2025-07-01"),
            ("420506", "2025-06-01", "2025-06-30"),
        ] {
            let p = Period::parse(from, to).unwrap();
            let scope = Scope::region(code(region));
            let figures = crate::insight::evaluate(t.db.reader(), &code(region), p, &[]).await.unwrap();
            let v = |id: &str| figures.iter().find(|f| f.indicator.id == id).unwrap_or_else(|| panic!("{id}")).value;
            let what = format!("{} {region} {from}..{to}", t.engine);
            let (active, started, ended) = pairings::scan_counts(t.db.reader(), &scope, p.from, p.to).await.unwrap();
            assert_eq!(
                (v("care.pairings.active"), v("care.pairings.started"), v("care.pairings.ended")),
                (active as f64, started as f64, ended as f64),
                "{what}"
            );
            let (n, fen) = aid::scan_totals(t.db.reader(), &scope, None, p.from, p.to).await.unwrap();
            assert_eq!((v("care.aid"), v("care.aid.amount")), (n as f64, fen as f64 / 100.0), "{what}");
            for k in AidKind::ALL {
                let (n, fen) = aid::scan_totals(t.db.reader(), &scope, Some(k), p.from, p.to).await.unwrap();
                let (count_id, amount_id) = (metric::aid_of_kind(k), metric::aid_amount_of_kind(k));
                assert_eq!((v(&count_id), v(&amount_id)), (n as f64, fen as f64 / 100.0), "{what} {k:?}");
            }
            let s = groups::scan(t.db.reader(), &scope, p.from, p.to).await.unwrap();
            assert_eq!(
                [
                    v("care.groups"),
                    v("care.groups.formed"),
                    v("care.groups.members"),
                    v("care.groups.meetings"),
                    v("care.groups.attendance")
                ],
                [s.groups, s.formed, s.members, s.meetings, s.attendance].map(|x| x as f64),
                "{what}"
            );
        }
        // And the numbers themselves, for the county in 2025.
        let p = Period::parse("2025-01-01", "2025-12-31").unwrap();
        let figures = crate::insight::evaluate(t.db.reader(), &code("420502"), p, &[]).await.unwrap();
        let v = |id: &str| figures.iter().find(|f| f.indicator.id == id).unwrap().value;
        assert_eq!((v("care.pairings.active"), v("care.pairings.started"), v("care.pairings.ended")), (1.0, 1.0, 1.0), "{}", t.engine);
        assert_eq!((v("care.aid"), v("care.aid.amount")), (5.0, 5000.51), "{}", t.engine);
        assert_eq!((v("care.aid.living"), v("care.aid.living.amount")), (2.0, 1200.51));
        assert_eq!(
            (v("care.groups"), v("care.groups.members"), v("care.groups.meetings"), v("care.groups.attendance")),
            (1.0, 1.0, 1.0, 8.0)
        );
        t.finish().await;
    }
}
