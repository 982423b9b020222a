//! Storage tests, each run on SQLite and (when configured) PostgreSQL.

use chrono::NaiveDate;
use jinguo_domain::RegionCode;
use jinguo_domain::org::{ActivityCategory, FederationKind, HomeCheckItem};

use crate::audit::{self, AuditEntry, Outcome};
use crate::org::{activities, federations, homes, regions};
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

fn entry(action: &str) -> AuditEntry {
    AuditEntry {
        at_ms: 1,
        account: None,
        username: "tester".into(),
        ip: "127.0.0.1".into(),
        action: action.into(),
        outcome: Outcome::Ok,
        object_kind: "test".into(),
        object_id: "1".into(),
        region: String::new(),
        detail: serde_json::json!({"k": "v"}),
    }
}

#[tokio::test]
async fn regions_import_and_browse_on_every_engine() {
    for t in databases().await {
        seed_regions(&t).await;
        let c = t.db.reader();
        let city = regions::get(c, &code("4205")).await.unwrap().unwrap();
        assert_eq!((city.children, city.counties, city.towns, city.villages), (2, 2, 2, 3), "{}", t.engine);
        let kids = regions::children(c, Some(&code("4205"))).await.unwrap();
        assert_eq!(kids.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(), ["西陵区", "夷陵区"], "{}", t.engine);
        // Importing again changes nothing.
        seed_regions(&t).await;
        assert_eq!(regions::count(c).await.unwrap(), 9, "{}", t.engine);
        t.finish().await;
    }
}

#[tokio::test]
async fn scoped_lists_and_rollups_agree_with_registers() {
    for t in databases().await {
        seed_regions(&t).await;
        let mut w = Work::begin(&t.db).await.unwrap();
        let mut village_feds = Vec::new();
        for (c, name) in [("420502001001", "土街头社区妇联"), ("420502001002", "樵湖岭社区妇联"), ("420506100001", "东湖社区妇联")]
        {
            let new = federations::NewFederation {
                region: code(c),
                kind: FederationKind::Region,
                name: name.into(),
                members: 0,
                established_on: d("2021-06-01"),
            };
            village_feds.push(federations::insert(&mut w, &new, 1).await.unwrap());
        }
        let gig = federations::NewFederation {
            region: code("420502"),
            kind: FederationKind::GigPlatform,
            name: "西陵区快递行业妇联".into(),
            members: 120,
            established_on: d("2023-03-08"),
        };
        federations::insert(&mut w, &gig, 1).await.unwrap();
        w.commit().await.unwrap();

        let county = Scope::region(code("420502"));
        let page = federations::list(t.db.reader(), &county, &Default::default(), None, 10).await.unwrap();
        assert_eq!(page.total, 3, "{}", t.engine);
        assert!(page.items.iter().all(|f| f.region.short().starts_with("420502")));
        // Paging walks every item once.
        let first = federations::list(t.db.reader(), &county, &Default::default(), None, 2).await.unwrap();
        let second = federations::list(t.db.reader(), &county, &Default::default(), first.next.as_deref(), 2).await.unwrap();
        assert_eq!(first.items.len() + second.items.len(), 3);
        assert!(second.next.is_none());
        // Out of scope reads find nothing.
        let other = Scope::region(code("420506"));
        assert!(federations::get(t.db.reader(), &other, village_feds[0]).await.unwrap().is_none());

        // A duplicate region federation is a conflict and writes nothing.
        let mut w = Work::begin(&t.db).await.unwrap();
        let dup = federations::NewFederation {
            region: code("420502001001"),
            kind: FederationKind::Region,
            name: "重复".into(),
            members: 0,
            established_on: d("2021-06-01"),
        };
        assert!(matches!(federations::insert(&mut w, &dup, 1).await, Err(crate::StoreError::Conflict(_))));
        w.rollback().await.unwrap();

        // Homes: one becomes standardised on the day its last item holds.
        let mut w = Work::begin(&t.db).await.unwrap();
        let hid = homes::insert(
            &mut w,
            &homes::NewHome {
                region: code("420502001001"),
                federation: village_feds[0],
                name: "土街头社区妇女之家".into(),
                address: String::new(),
                keeper: "李红".into(),
                established_on: d("2021-07-01"),
            },
            1,
        )
        .await
        .unwrap();
        w.commit().await.unwrap();
        let everything = Scope::everything();
        for (i, item) in HomeCheckItem::ALL.into_iter().enumerate() {
            let home = homes::get(t.db.reader(), &everything, hid).await.unwrap().unwrap();
            let mut w = Work::begin(&t.db).await.unwrap();
            let day = d("2022-01-01") + chrono::Duration::days(i as i64);
            homes::record_check(&mut w, &home, item, true, day, "王芳", "", 2).await.unwrap();
            w.commit().await.unwrap();
        }
        let home = homes::get(t.db.reader(), &everything, hid).await.unwrap().unwrap();
        assert!(home.standardised);
        assert_eq!(home.standardised_on, Some(d("2022-01-06")));

        // Activities.
        let mut w = Work::begin(&t.db).await.unwrap();
        for (i, c) in ["420502001001", "420502001002", "420506100001"].iter().enumerate() {
            let a = activities::NewActivity {
                federation: village_feds[i],
                region: code(c),
                held_on: d("2024-03-08"),
                category: ActivityCategory::Political,
                title: "巾帼心向党".into(),
                place: String::new(),
                participants: 30 + i as i64,
                created_by: None,
            };
            activities::insert(&mut w, &a, 1).await.unwrap();
        }
        w.commit().await.unwrap();

        let p = jinguo_domain::insight::Period::parse("2024-01-01", "2024-12-31").unwrap();
        let figures = crate::insight::evaluate(t.db.reader(), &code("420502"), p, &[]).await.unwrap();
        let v = |id: &str| figures.iter().find(|f| f.indicator.id == id).unwrap().value;
        assert_eq!(v("org.federations"), 3.0, "{}", t.engine);
        assert_eq!(v("org.new_domain.members"), 120.0);
        assert_eq!(v("org.activities"), 2.0);
        assert_eq!(v("org.activities.participants"), 61.0);
        assert_eq!(v("org.women_homes.standardised"), 1.0);
        assert_eq!(v("org.villages"), 2.0);
        assert_eq!(v("org.women_homes.coverage"), 50.0);
        let (n, people) = activities::scan_totals(t.db.reader(), &county, p.from, p.to).await.unwrap();
        assert_eq!((n as f64, people as f64), (v("org.activities"), v("org.activities.participants")));
        // Before the federations existed the stock was zero.
        let early = jinguo_domain::insight::Period::parse("2020-01-01", "2020-12-31").unwrap();
        let figures = crate::insight::evaluate(t.db.reader(), &code("4205"), early, &["org.federations"]).await.unwrap();
        assert_eq!(figures[0].value, 0.0);
        t.finish().await;
    }
}

#[tokio::test]
async fn audit_verify_catches_an_edit_and_a_deletion() {
    for t in databases().await {
        for i in 0..5 {
            audit::append_now(&t.db, entry(&format!("test.{i}"))).await.unwrap();
        }
        let ok = audit::verify(&t.db).await.unwrap();
        assert_eq!(ok, audit::Verification { entries: 5, broken: None }, "{}", t.engine);

        // Edit one row behind the application's back.
        sql::exec(t.db.writer(), "UPDATE audit_log SET username = 'mallory' WHERE seq = 3", vec![]).await.unwrap();
        let v = audit::verify(&t.db).await.unwrap();
        assert_eq!(v.broken.as_ref().map(|b| b.0), Some(3), "{}: {v:?}", t.engine);
        sql::exec(t.db.writer(), "UPDATE audit_log SET username = 'tester' WHERE seq = 3", vec![]).await.unwrap();
        assert!(audit::verify(&t.db).await.unwrap().broken.is_none());

        // Delete a row in the middle, then the last one.
        sql::exec(t.db.writer(), "DELETE FROM audit_log WHERE seq = 2", vec![]).await.unwrap();
        let v = audit::verify(&t.db).await.unwrap();
        assert_eq!(v.broken.as_ref().map(|b| b.0), Some(2), "{}: {v:?}", t.engine);
        t.finish().await;
    }
    for t in databases().await {
        for i in 0..3 {
            audit::append_now(&t.db, entry(&format!("test.{i}"))).await.unwrap();
        }
        sql::exec(t.db.writer(), "DELETE FROM audit_log WHERE seq = 3", vals![]).await.unwrap();
        let v = audit::verify(&t.db).await.unwrap();
        assert!(v.broken.unwrap().1.contains("末尾"), "{}", t.engine);
        t.finish().await;
    }
}

#[tokio::test]
async fn audit_search_finds_an_action_by_its_full_name_underscores_and_all() {
    for t in databases().await {
        for action in ["care_case.open", "careXcase.open", "care.visit", "100%.odd"] {
            audit::append_now(&t.db, entry(action)).await.unwrap();
        }
        let found = |a: &str| {
            let filter = audit::Filter { action: Some(a.into()), ..Default::default() };
            let db = t.db.clone();
            async move { audit::search(db.reader(), &filter, None, 10).await.unwrap().items.into_iter().map(|r| r.action).collect::<Vec<_>>() }
        };
        assert_eq!(found("care_case").await, ["care_case.open"], "{}: _ matches only itself", t.engine);
        assert_eq!(found("care").await.len(), 3, "{}", t.engine);
        assert_eq!(found("100%").await, ["100%.odd"], "{}", t.engine);
    }
}
