//! Storage tests of award campaigns, each run on SQLite and (when configured) PostgreSQL: quotas
//! hold under concurrent approvals, stage moves are conditional, honours and roadshows reach the
//! figures and equal raw counts.

use chrono::NaiveDate;
use jinguo_domain::RegionCode;
use jinguo_domain::awards::{AwardKind, HonourLevel, NominationSource, Stage, Timetable};
use jinguo_domain::insight::Period;
use jinguo_domain::{Level, insight};

use crate::awards::{self, honours, nominations, objections, roadshows, votes};
use crate::org::regions;
use crate::testing::{TestDb, databases};
use crate::{Scope, Work, people, sql, vals};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

/// Regions, one woman and her family in each of four villages (three in 西陵区, one in 夷陵区).
pub(crate) async fn seed(t: &TestDb) -> Vec<(i64, i64, RegionCode)> {
    let mut all = std::collections::HashMap::new();
    for (c, name) in [
        ("42", "湖北省"),
        ("4205", "宜昌市"),
        ("420502", "西陵区"),
        ("420506", "夷陵区"),
        ("420502001", "西陵街道"),
        ("420502001001", "土街头社区居民委员会"),
        ("420502001002", "樵湖岭社区居民委员会"),
        ("420502001003", "云集社区居民委员会"),
        ("420506100", "小溪塔街道"),
        ("420506100001", "东湖社区居民委员会"),
    ] {
        let rc = code(c);
        all.insert(rc.padded(), (name.to_owned(), rc.level().rank()));
    }
    regions::write_bulk(&t.db, regions::with_counts(&all), |_| {}).await.unwrap();
    let mut w = Work::begin(&t.db).await.unwrap();
    let mut out = Vec::new();
    for (i, c) in ["420502001001", "420502001002", "420502001003", "420506100001"].into_iter().enumerate() {
        let new = people::NewPerson {
            region: code(c),
            name: format!("测试{i}"),
            id_cipher: format!("sealed-{i}"),
            id_index: format!("index-{i}"),
            phone_cipher: None,
            phone_index: None,
            address_cipher: None,
            birth_date: d("1960-01-01"),
            sex: "female",
            categories: vec![],
            created_by: None,
        };
        let person = people::insert(&mut w, &new, d("2024-01-01"), 1).await.unwrap();
        let family = crate::ids::next_id();
        sql::exec(
            &w.tx,
            "INSERT INTO families (id, region, name, head, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, NULL, 1, 1)",
            vals![family, code(c).padded(), format!("测试{i}家庭"), person],
        )
        .await
        .unwrap();
        sql::exec(
            &w.tx,
            "INSERT INTO family_members (id, family, person, region, relation, joined_on, left_on, created_at) VALUES (?, ?, ?, ?, 'head', ?, NULL, 1)",
            vals![crate::ids::next_id(), family, person, code(c).padded(), d("2024-01-01")],
        )
        .await
        .unwrap();
        out.push((family, person, code(c)));
    }
    w.commit().await.unwrap();
    out
}

fn timetable() -> Timetable {
    Timetable {
        nominate_from: d("2026-03-01"),
        nominate_to: d("2026-03-31"),
        review_from: d("2026-03-01"),
        review_to: d("2026-04-30"),
        vote: Some((d("2026-04-01"), d("2026-04-15"))),
        notice_from: d("2026-05-01"),
        notice_days: 7,
    }
}

async fn campaign(t: &TestDb, quotas: Vec<(RegionCode, i64)>) -> i64 {
    let mut w = Work::begin(&t.db).await.unwrap();
    let new = awards::NewCampaign {
        region: code("4205"),
        kind: AwardKind::Civilised,
        kind_name: "文明家庭".into(),
        for_person: false,
        year: 2026,
        title: "2026年宜昌市文明家庭评选".into(),
        timetable: timetable(),
        vote_weight: 30,
        quotas,
        created_on: d("2026-02-20"),
        created_by: None,
    };
    let id = awards::insert(&mut w, &new, 1).await.unwrap();
    w.commit().await.unwrap();
    id
}

async fn nominate(t: &TestDb, campaign: i64, family: i64, region: &RegionCode) -> i64 {
    let mut w = Work::begin(&t.db).await.unwrap();
    let new = nominations::NewNomination {
        campaign,
        region: region.clone(),
        county: awards::county_of(region).unwrap(),
        family,
        person: None,
        source: NominationSource::Federation,
        nominator: "土街头社区妇联".into(),
        public_account: None,
        story: "三代同堂，孝老爱亲。".into(),
        nominated_on: d("2026-03-10"),
        created_by: None,
    };
    let id = nominations::insert(&mut w, &new, 1).await.unwrap();
    w.commit().await.unwrap();
    id
}

#[tokio::test]
async fn quotas_hold_under_concurrent_approvals_on_every_engine() {
    for t in databases().await {
        let families = seed(&t).await;
        let xiling = code("420502");
        let cid = campaign(&t, vec![(xiling.clone(), 2), (code("420506"), 1)]).await;
        let mut noms = Vec::new();
        for (family, _, region) in families.iter().take(3) {
            noms.push(nominate(&t, cid, *family, region).await);
        }
        // A second nomination of the same family is refused.
        let mut w = Work::begin(&t.db).await.unwrap();
        let again = nominations::NewNomination {
            campaign: cid,
            region: families[0].2.clone(),
            county: xiling.clone(),
            family: families[0].0,
            person: None,
            source: NominationSource::ThirdParty,
            nominator: "邻居".into(),
            public_account: None,
            story: "好".into(),
            nominated_on: d("2026-03-11"),
            created_by: None,
        };
        assert!(matches!(nominations::insert(&mut w, &again, 1).await, Err(crate::StoreError::Conflict(_))), "{}", t.engine);
        w.rollback().await.unwrap();

        // Three town approvals race for two places: exactly two win.
        let mut tasks = Vec::new();
        for id in noms.clone() {
            let db = t.db.clone();
            let county = xiling.clone();
            tasks.push(tokio::spawn(async move {
                let w = Work::begin(&db).await.unwrap();
                if awards::take_place(&w, cid, &county, Level::Town).await.unwrap()
                    && nominations::move_stage(&w, id, Stage::Submitted, Stage::TownApproved, "", 2).await.unwrap()
                {
                    w.commit().await.unwrap();
                    true
                } else {
                    w.rollback().await.unwrap();
                    false
                }
            }));
        }
        let mut won = 0;
        for task in tasks {
            if task.await.unwrap() {
                won += 1;
            }
        }
        assert_eq!(won, 2, "{}", t.engine);
        let q = awards::quotas(t.db.reader(), cid).await.unwrap();
        let xq = q.iter().find(|q| q.county == xiling).unwrap();
        assert_eq!((xq.quota, xq.town_used, xq.county_used), (2, 2, 0), "{}", t.engine);
        let approved = nominations::at_stage(t.db.reader(), cid, Stage::TownApproved).await.unwrap();
        assert_eq!(approved.len(), 2, "{}", t.engine);

        // A stage move is conditional on the stage read.
        let w = Work::begin(&t.db).await.unwrap();
        assert!(!nominations::move_stage(&w, approved[0].id, Stage::Submitted, Stage::TownApproved, "", 3).await.unwrap());
        // Sending back frees the town's place.
        assert!(nominations::move_stage(&w, approved[0].id, Stage::TownApproved, Stage::Returned, "材料不全", 3).await.unwrap());
        awards::give_back(&w, cid, &xiling, Stage::TownApproved.places_held()).await.unwrap();
        w.commit().await.unwrap();
        let xq = awards::quotas(t.db.reader(), cid).await.unwrap().into_iter().find(|q| q.county == xiling).unwrap();
        assert_eq!(xq.town_used, 1, "{}", t.engine);
        let page = nominations::list(t.db.reader(), &Scope::region(code("420502001")), cid, nominations::Filter::default(), None, 2)
            .await
            .unwrap();
        assert_eq!((page.total, page.items.len(), page.next.is_some()), (3, 2, true), "{}", t.engine);
        t.finish().await;
    }
}

#[tokio::test]
async fn votes_objections_honours_and_roadshows_reach_the_figures_on_every_engine() {
    for t in databases().await {
        let families = seed(&t).await;
        let cid = campaign(&t, vec![(code("420502"), 3), (code("420506"), 1)]).await;
        let nom = nominate(&t, cid, families[0].0, &families[0].2).await;
        let other = nominate(&t, cid, families[3].0, &families[3].2).await;

        // A public account votes once a day; a flagged vote is not counted until cleared.
        let account = crate::ids::next_id();
        sql::exec(
            t.db.writer(),
            "INSERT INTO public_accounts (id, phone_cipher, phone_index, nickname, password_hash, created_at, updated_at) VALUES (?, 'c', 'i', '小王', 'h', 1, 1)",
            vals![account],
        )
        .await
        .unwrap();
        let w = Work::begin(&t.db).await.unwrap();
        let v = votes::NewVote {
            campaign: cid,
            nomination: nom,
            account,
            day: d("2026-04-02"),
            ip: "10.0.0.1".into(),
            flag_reason: String::new(),
        };
        votes::insert(&w, &v, 100).await.unwrap();
        assert!(matches!(votes::insert(&w, &v, 101).await, Err(crate::StoreError::Conflict(_))), "{}", t.engine);
        w.rollback().await.unwrap();
        let w = Work::begin(&t.db).await.unwrap();
        votes::insert(&w, &v, 100).await.unwrap();
        let flagged = votes::NewVote { day: d("2026-04-03"), flag_reason: "同一 IP 短时间内大量投票".into(), ..v.clone() };
        votes::insert(&w, &flagged, 200).await.unwrap();
        w.commit().await.unwrap();
        let n = nominations::get(t.db.reader(), &Scope::everything(), nom).await.unwrap().unwrap();
        assert_eq!((n.votes, n.flagged_votes), (1, 1), "{}", t.engine);
        assert_eq!(votes::by_account_since(t.db.reader(), account, 150).await.unwrap(), 1);
        assert_eq!(votes::from_ip_since(t.db.reader(), nom, "10.0.0.1", 0).await.unwrap(), 2);
        assert_eq!(votes::fresh_since(t.db.reader(), nom, 0, 0).await.unwrap(), 2);
        let w = Work::begin(&t.db).await.unwrap();
        assert_eq!(votes::settle_flagged(&w, nom, true).await.unwrap(), 1);
        w.commit().await.unwrap();
        let n = nominations::get(t.db.reader(), &Scope::everything(), nom).await.unwrap().unwrap();
        assert_eq!((n.votes, n.flagged_votes), (2, 0), "{}", t.engine);

        // An objection, upheld.
        let mut w = Work::begin(&t.db).await.unwrap();
        let oid = objections::insert(
            &mut w,
            &objections::NewObjection {
                campaign: cid,
                nomination: other,
                region: families[3].2.clone(),
                account: Some(account),
                raised_by: format!("public:{account}"),
                text: "该家庭存在邻里纠纷".into(),
                raised_on: d("2026-05-02"),
            },
            300,
        )
        .await
        .unwrap();
        w.commit().await.unwrap();
        let o = objections::get(t.db.reader(), oid).await.unwrap().unwrap();
        let mut w = Work::begin(&t.db).await.unwrap();
        assert!(objections::answer(&mut w, &o, true, "经核实属实，撤销推荐", None, d("2026-05-03"), 400).await.unwrap());
        assert!(!objections::answer(&mut w, &o, false, "再答一次", None, d("2026-05-03"), 401).await.unwrap());
        w.commit().await.unwrap();
        assert_eq!(objections::open_count(t.db.reader(), cid).await.unwrap(), 0);

        // Honours of each level, and a roadshow.
        let mut w = Work::begin(&t.db).await.unwrap();
        for (level, day) in
            [(HonourLevel::City, "2026-05-09"), (HonourLevel::Province, "2026-07-01"), (HonourLevel::National, "2025-05-15")]
        {
            honours::insert(
                &mut w,
                &honours::NewHonour {
                    family: families[0].0,
                    person: None,
                    campaign: (level == HonourLevel::City).then_some(cid),
                    kind: AwardKind::Civilised,
                    level,
                    year: d(day).format("%Y").to_string().parse().unwrap(),
                    title: format!("{}文明家庭", level.label()),
                    region: families[0].2.clone(),
                    awarded_on: d(day),
                    created_by: None,
                },
                500,
            )
            .await
            .unwrap();
        }
        roadshows::insert(
            &mut w,
            &roadshows::NewRoadshow {
                region: code("420502001"),
                held_on: d("2026-06-01"),
                place: "西陵街道文化站".into(),
                title: "最美家庭故事分享会".into(),
                audience: 120,
                note: String::new(),
                families: vec![families[0].0, families[1].0],
                created_by: None,
            },
            600,
        )
        .await
        .unwrap();
        w.commit().await.unwrap();
        let mine = honours::of_family(t.db.reader(), families[0].0).await.unwrap();
        assert_eq!(mine.len(), 3, "{}", t.engine);
        assert_eq!(mine[0].year, 2026);

        let year = Period::new(d("2026-01-01"), d("2026-12-31")).unwrap();
        let figures = crate::insight::evaluate(t.db.reader(), &code("420502"), year, &[]).await.unwrap();
        let fig = |id: &str| figures.iter().find(|f| f.indicator.id == id).map(|f| f.value).unwrap();
        let xiling = Scope::region(code("420502"));
        assert_eq!(fig("family.honours"), honours::scan_count(t.db.reader(), &xiling, None, year.from, year.to).await.unwrap() as f64);
        assert_eq!(fig("family.honours"), 2.0, "{}", t.engine);
        assert_eq!(fig("family.honours.province"), 1.0);
        assert_eq!(fig("family.honours.national"), 0.0);
        assert_eq!(fig("family.honours.civilised"), 2.0);
        assert_eq!(fig("family.nominations"), 1.0);
        assert_eq!(fig("family.roadshows"), 1.0);
        assert_eq!(fig("family.roadshows.audience"), 120.0);
        let city = crate::insight::evaluate(t.db.reader(), &code("4205"), year, &[]).await.unwrap();
        let cfig = |id: &str| city.iter().find(|f| f.indicator.id == id).map(|f| f.value).unwrap();
        assert_eq!((cfig("family.campaigns"), cfig("family.nominations")), (1.0, 2.0), "{}", t.engine);
        assert_eq!((cfig("family.objections"), cfig("family.objections.upheld")), (1.0, 1.0), "{}", t.engine);
        let five = Period::new(d("2021-01-01"), d("2026-12-31")).unwrap();
        let all = crate::insight::evaluate(t.db.reader(), &code("4205"), five, &["family.honours.national"]).await.unwrap();
        assert_eq!(all[0].value, 1.0);
        assert!(insight::indicator("family.honours.national").is_some());
        let shows = roadshows::list(t.db.reader(), &xiling, None, 10).await.unwrap();
        assert_eq!(shows.items[0].families.len(), 2, "{}", t.engine);
        t.finish().await;
    }
}
