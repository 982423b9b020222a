//! Award campaigns through the API (and the public side through the app, as the public pages
//! call it): a campaign from nomination to honours, level by level within quota, each stage only
//! in its window, and the bad input refused in Chinese with nothing written.

use jinguo_app::Actor;
use jinguo_app::access::accounts::AccountInput;
use jinguo_app::awards::PublicVoter;
use jinguo_store::ConnectionTrait;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{PASSWORD, TestApp, apps};

fn message(v: &Value) -> &str {
    v["error"]["message"].as_str().unwrap_or_default()
}

pub(crate) async fn exec(t: &TestApp, sql: &str) {
    t.app.db.writer().execute_unprepared(sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// A family of the register in `village`, headed by a newly registered woman (through the API);
/// returns (family id, head's person id).
pub(crate) async fn family(t: &TestApp, token: &str, name: &str, body17: &str, village: &str) -> (i64, i64) {
    let idn = format!("{body17}{}", jinguo_domain::people::IdNumber::check_char(body17));
    let (s, v) = t.post("/api/v1/people", token, json!({"name": name, "id_number": idn, "region": village})).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let person: i64 = v["id"].as_str().unwrap().parse().unwrap();
    let fid = jinguo_store::ids::next_id();
    let padded = format!("{village:0<12}");
    exec(t, &format!("INSERT INTO families (id, region, name, head, created_by, created_at, updated_at) VALUES ({fid}, '{padded}', '{name}家庭', {person}, NULL, 1, 1)")).await;
    let mid = jinguo_store::ids::next_id();
    exec(
        t,
        &format!(
            "INSERT INTO family_members (id, family, person, region, relation, joined_on, left_on, created_at) VALUES ({mid}, {fid}, {person}, '{padded}', 'head', '2020-01-01', NULL, 1)"
        ),
    )
    .await;
    (fid, person)
}

/// A public account registered `days_ago` days before now.
pub(crate) async fn public_account(t: &TestApp, n: i64, days_ago: i64) -> i64 {
    let id = jinguo_store::ids::next_id();
    let created = t.app.now_ms() - days_ago * 86_400_000;
    exec(
        t,
        &format!(
            "INSERT INTO public_accounts (id, phone_cipher, phone_index, nickname, password_hash, created_at, updated_at) VALUES ({id}, 'c{n}', 'i{id}', '网友{n}', 'h', {created}, {created})"
        ),
    )
    .await;
    id
}

/// A town officer of 西陵街道.
pub(crate) async fn town_account(t: &TestApp) {
    t.app
        .create_account(
            &Actor::operator(),
            &AccountInput {
                username: "town".into(),
                display_name: "西陵街道妇联".into(),
                org: "420502001".into(),
                role: "town_officer".into(),
                password: PASSWORD.into(),
            },
        )
        .await
        .unwrap();
}

/// A 文明家庭 campaign: nominations and votes from today (2026-11-28) for a week, review until
/// 12-10, notice from 12-11; 西陵区 has `quota` places, 夷陵区 one.
async fn campaign(t: &TestApp, city: &str, quota: i64) -> String {
    let (s, v) = t
        .post(
            "/api/v1/awards/campaigns",
            city,
            json!({"kind": "civilised", "year": 2026, "nominate_from": "2026-11-28", "nominate_to": "2026-12-05",
                   "review_from": "2026-11-28", "review_to": "2026-12-10", "vote_from": "2026-11-28", "vote_to": "2026-12-05",
                   "notice_from": "2026-12-11", "quotas": [{"county": "420502", "quota": quota}, {"county": "420506", "quota": 1}]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["title"], "2026年宜昌市文明家庭评选");
    assert_eq!((v["vote_weight"].as_i64(), v["notice_days"].as_i64()), (Some(30), Some(7)));
    v["id"].as_str().unwrap().to_owned()
}

async fn review(t: &TestApp, token: &str, id: &str, decision: &str, reason: &str) -> (StatusCode, Value) {
    t.post(&format!("/api/v1/awards/nominations/{id}/review"), token, json!({"decision": decision, "reason": reason})).await
}

async fn figures(t: &TestApp, token: &str, region: &str, ids: &str) -> Vec<f64> {
    let (s, v) = t.get(&format!("/api/v1/indicators?region={region}&from=2026-01-01&to=2026-12-31&ids={ids}"), token).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v["items"].as_array().unwrap().iter().map(|f| f["value"].as_f64().unwrap()).collect()
}

#[tokio::test]
async fn a_campaign_runs_from_nomination_to_honours_within_quota() {
    for t in apps().await {
        town_account(&t).await;
        let (city, county, town, village) =
            (t.token("city").await, t.token("county").await, t.token("town").await, t.token("village").await);
        let cid = campaign(&t, &city, 1).await;
        let (f1, _) = family(&t, &village, "张建华", "42050219700101001", "420502001001").await;
        let (f2, _) = family(&t, &village, "李秀兰", "42050219720202002", "420502001001").await;

        // Only the city federation creates campaigns.
        let (s, _) = t.post("/api/v1/awards/campaigns", &county, json!({"kind": "civilised"})).await;
        assert_eq!(s, StatusCode::FORBIDDEN);

        // The village federation nominates two families, one with a photo.
        let jpeg = base64_of(&[0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3, 4]);
        let (s, n1) = t
            .post(
                "/api/v1/awards/nominations",
                &village,
                json!({"campaign": cid, "family": f1.to_string(), "story": "三代同堂，孝老爱亲，热心邻里事务。", "photos": [{"name": "全家福.jpg", "data": jpeg}]}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{n1}");
        assert_eq!(
            (n1["stage"].as_str(), n1["photos"].as_i64(), n1["nominator"].as_str()),
            (Some("submitted"), Some(1), Some("土街头社区妇联")),
            "{n1}"
        );
        let n1 = n1["id"].as_str().unwrap().to_owned();
        let (s, n2) = t
            .post(
                "/api/v1/awards/nominations",
                &village,
                json!({"campaign": cid, "family": f2, "source": "third_party", "nominator": "邻居王阿姨", "story": "勤俭持家。"}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{n2}");
        let n2 = n2["id"].as_str().unwrap().to_owned();

        // A photo that is not an image is refused by its bytes, nothing written.
        let (f3, _) = family(&t, &village, "王桂芝", "42050219650303003", "420502001001").await;
        let (s, v) = t
            .post(
                "/api/v1/awards/nominations",
                &village,
                json!({"campaign": cid, "family": f3, "story": "好家风。", "photos": [{"name": "假照片.jpg", "data": base64_of(b"GIF89a....")}]}),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert!(message(&v).contains("不是 JPEG、PNG 或 WebP"), "{v}");
        let (_, list) = t.get(&format!("/api/v1/awards/campaigns/{cid}/nominations"), &city).await;
        assert_eq!(list["total"], 2, "nothing written: {list}");

        // The county may not review what waits for the town.
        let (s, v) = review(&t, &county, &n1, "approve", "").await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
        assert!(message(&v).contains("镇(街道)级"), "{v}");

        // Town: one place in 西陵区. The first passes, the second is over quota.
        let (s, v) = review(&t, &town, &n1, "approve", "").await;
        assert_eq!((s, v["stage"].as_str()), (StatusCode::OK, Some("town_approved")), "{v}");
        let (s, v) = review(&t, &town, &n2, "approve", "").await;
        assert_eq!((s, v["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("conflict")), "{v}");
        assert!(message(&v).contains("西陵区的镇(街道)级名额（1 个）已用完"), "{v}");
        let (_, n2v) = t.get(&format!("/api/v1/awards/nominations/{n2}"), &town).await;
        assert_eq!(
            (n2v["stage"].as_str(), n2v["reviews"].as_array().map(Vec::len)),
            (Some("submitted"), Some(0)),
            "nothing written: {n2v}"
        );
        // Sending back needs a reason; with one it is returned.
        let (s, v) = review(&t, &town, &n2, "return", " ").await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        let (s, v) = review(&t, &town, &n2, "return", "事迹材料过于简单，请补充").await;
        assert_eq!(
            (s, v["stage"].as_str(), v["return_reason"].as_str()),
            (StatusCode::OK, Some("returned"), Some("事迹材料过于简单，请补充")),
            "{v}"
        );

        // County, then city with the panel's score.
        let (s, v) = review(&t, &county, &n1, "approve", "同意推荐").await;
        assert_eq!((s, v["stage"].as_str()), (StatusCode::OK, Some("county_approved")), "{v}");
        let (s, v) =
            t.post(&format!("/api/v1/awards/nominations/{n1}/review"), &city, json!({"decision": "approve", "panel_score": 92})).await;
        assert_eq!((s, v["stage"].as_str(), v["panel_score"].as_i64()), (StatusCode::OK, Some("city_approved"), Some(92)), "{v}");
        assert_eq!(v["reviews"].as_array().unwrap().len(), 3);
        let (_, c) = t.get(&format!("/api/v1/awards/campaigns/{cid}"), &city).await;
        let q = &c["quotas"][0];
        assert_eq!(
            (q["county"].as_str(), q["town_used"].as_i64(), q["county_used"].as_i64(), q["city_used"].as_i64()),
            (Some("420502"), Some(1), Some(1), Some(1)),
            "{c}"
        );

        // The public votes in the voting period.
        let fan = public_account(&t, 1, 30).await;
        let voter = PublicVoter { account: fan, ip: "203.0.113.7".into() };
        let n1id: i64 = n1.parse().unwrap();
        assert!(t.app.vote(&voter, n1id).await.unwrap());
        let again = t.app.vote(&voter, n1id).await.unwrap_err();
        assert!(again.to_string().contains("今天已为TA投过票"), "{again}");

        // The notice cannot be published before its day; on it, it runs seven days.
        let (s, v) = t.post(&format!("/api/v1/awards/campaigns/{cid}/notice"), &city, json!({})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert!(message(&v).contains("公示最早于 2026-12-11 开始"), "{v}");
        t.clock.advance(chrono::Duration::days(13)); // 2026-12-11
        let city = t.token("city").await;
        // A vote outside the period is refused, nothing written.
        let late = t.app.vote(&PublicVoter { account: fan, ip: "203.0.113.7".into() }, n1id).await.unwrap_err();
        assert!(late.to_string().contains("投票已于 2026-12-05 结束"), "{late}");
        let (_, nv) = t.get(&format!("/api/v1/awards/nominations/{n1}"), &city).await;
        assert_eq!(nv["votes"], 1, "{nv}");
        let (s, v) = t.post(&format!("/api/v1/awards/campaigns/{cid}/notice"), &city, json!({})).await;
        assert_eq!((s, v["status"].as_str(), v["notice_end"].as_str()), (StatusCode::OK, Some("notice"), Some("2026-12-17")), "{v}");

        // An objection during the notice, dismissed; finalising waits for the notice to end.
        let oid = t.app.object(&voter, n1id, "听说该家庭与邻居有纠纷，请核实。").await.unwrap();
        let (s, v) = t.post(&format!("/api/v1/awards/campaigns/{cid}/finalise"), &city, json!({})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert!(message(&v).contains("公示期至 2026-12-17 结束"), "{v}");
        let (s, v) = t
            .post(
                &format!("/api/v1/awards/objections/{oid}/answer"),
                &city,
                json!({"upheld": false, "answer": "经社区核实，纠纷已调解，不影响评选。"}),
            )
            .await;
        assert_eq!((s, v["status"].as_str()), (StatusCode::OK, Some("dismissed")), "{v}");

        // After the notice: an objection is refused, nothing written; the campaign is finalised.
        t.clock.advance(chrono::Duration::days(7)); // 2026-12-18
        let (city, village) = (t.token("city").await, t.token("village").await);
        let late = t.app.object(&voter, n1id, "再提一条异议，请核实。").await.unwrap_err();
        assert!(late.to_string().contains("公示期已于 2026-12-17 结束"), "{late}");
        let (_, os) = t.get(&format!("/api/v1/awards/campaigns/{cid}/objections"), &city).await;
        assert_eq!(os["total"], 1, "{os}");
        let (s, v) = t.post(&format!("/api/v1/awards/campaigns/{cid}/finalise"), &city, json!({})).await;
        assert_eq!((s, v["status"].as_str()), (StatusCode::OK, Some("finalised")), "{v}");
        let (_, h) = t.get(&format!("/api/v1/awards/families/{f1}/honours"), &village).await;
        assert_eq!(
            (h["total"].as_i64(), h["items"][0]["title"].as_str(), h["items"][0]["level"].as_str()),
            (Some(1), Some("2026年度市级文明家庭"), Some("city")),
            "{h}"
        );
        let (_, h2) = t.get(&format!("/api/v1/awards/families/{f2}/honours"), &village).await;
        assert_eq!(h2["total"], 0);

        // Figures: one campaign, two nominations, one objection (not upheld), one city honour.
        assert_eq!(
            figures(&t, &city, "4205", "family.campaigns,family.nominations,family.objections,family.objections.upheld,family.honours,family.honours.city,family.honours.civilised").await,
            vec![1.0, 2.0, 1.0, 0.0, 1.0, 1.0, 1.0],
            "{}",
            t.engine
        );
        t.finish().await;
    }
}

#[tokio::test]
async fn an_upheld_objection_withdraws_the_nominee_and_frees_her_places() {
    for t in apps().await {
        town_account(&t).await;
        let (city, county, town, village) =
            (t.token("city").await, t.token("county").await, t.token("town").await, t.token("village").await);
        let cid = campaign(&t, &city, 2).await;
        let (f1, _) = family(&t, &village, "赵玉梅", "42050219700101011", "420502001001").await;
        let (_, n) = t.post("/api/v1/awards/nominations", &village, json!({"campaign": cid, "family": f1, "story": "热心公益。"})).await;
        let n = n["id"].as_str().unwrap().to_owned();
        for token in [&town, &county, &city] {
            let (s, v) = review(&t, token, &n, "approve", "").await;
            assert_eq!(s, StatusCode::OK, "{v}");
        }
        t.clock.advance(chrono::Duration::days(13));
        let (city, county) = (t.token("city").await, t.token("county").await);
        let (s, _) = t.post(&format!("/api/v1/awards/campaigns/{cid}/notice"), &city, json!({})).await;
        assert_eq!(s, StatusCode::OK);
        let someone = public_account(&t, 2, 10).await;
        let oid = t
            .app
            .object(&PublicVoter { account: someone, ip: "198.51.100.1".into() }, n.parse().unwrap(), "该家庭成员曾有违法记录，请核实。")
            .await
            .unwrap();
        // Only the city answers.
        let (s, _) = t.post(&format!("/api/v1/awards/objections/{oid}/answer"), &county, json!({"upheld": true, "answer": "属实"})).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, v) = t
            .post(&format!("/api/v1/awards/objections/{oid}/answer"), &city, json!({"upheld": true, "answer": "经核实属实，撤销推荐。"}))
            .await;
        assert_eq!((s, v["status"].as_str()), (StatusCode::OK, Some("upheld")), "{v}");
        let (_, nv) = t.get(&format!("/api/v1/awards/nominations/{n}"), &city).await;
        assert_eq!(nv["stage"], "withdrawn", "{nv}");
        let (_, c) = t.get(&format!("/api/v1/awards/campaigns/{cid}"), &city).await;
        assert_eq!((c["quotas"][0]["town_used"].as_i64(), c["quotas"][0]["city_used"].as_i64()), (Some(0), Some(0)), "{c}");
        t.clock.advance(chrono::Duration::days(7));
        let city = t.token("city").await;
        let (s, _) = t.post(&format!("/api/v1/awards/campaigns/{cid}/finalise"), &city, json!({})).await;
        assert_eq!(s, StatusCode::OK);
        let (_, h) = t.get(&format!("/api/v1/awards/families/{f1}/honours"), &city).await;
        assert_eq!(h["total"], 0, "{h}");
        assert_eq!(figures(&t, &city, "420502", "family.objections,family.objections.upheld,family.honours").await, vec![1.0, 1.0, 0.0]);
        t.finish().await;
    }
}

#[tokio::test]
async fn stages_keep_to_their_windows_and_bursts_are_flagged() {
    for t in apps().await {
        let (city, village) = (t.token("city").await, t.token("village").await);
        // A timetable out of order is refused, nothing written.
        let (s, v) = t
            .post(
                "/api/v1/awards/campaigns",
                &city,
                json!({"kind": "好邻居", "year": 2026, "nominate_from": "2026-12-01", "nominate_to": "2026-11-01", "review_from": "2026-12-01",
                       "review_to": "2026-12-10", "notice_from": "2026-12-05", "quotas": [{"county": "420502", "quota": 2}, {"county": "4205", "quota": 1}]}),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert!(message(&v).contains("评选类别应为"), "{v}");
        assert!(message(&v).contains("4205 不是本市的县(区)"), "{v}");
        assert_eq!(t.get("/api/v1/awards/campaigns", &city).await.1["total"], 0);

        let cid = campaign(&t, &city, 1).await;
        let (f1, _) = family(&t, &village, "孙丽", "42050219800101021", "420502001001").await;
        let (_, n) = t.post("/api/v1/awards/nominations", &village, json!({"campaign": cid, "family": f1, "story": "敬老爱幼。"})).await;
        let nid: i64 = n["id"].as_str().unwrap().parse().unwrap();
        // A second nomination of the same family is a conflict.
        let (s, v) = t.post("/api/v1/awards/nominations", &village, json!({"campaign": cid, "family": f1, "story": "再推荐一次。"})).await;
        assert_eq!(s, StatusCode::CONFLICT, "{v}");
        assert!(message(&v).contains("已在本次评选中被推荐"));

        // Twenty votes from one IP address; the next one is flagged and not counted.
        for i in 0..20 {
            let a = public_account(&t, 100 + i, 30).await;
            assert!(t.app.vote(&PublicVoter { account: a, ip: "192.0.2.9".into() }, nid).await.unwrap());
        }
        let a = public_account(&t, 200, 30).await;
        assert!(!t.app.vote(&PublicVoter { account: a, ip: "192.0.2.9".into() }, nid).await.unwrap(), "flagged");
        let (_, nv) = t.get(&format!("/api/v1/awards/nominations/{nid}"), &city).await;
        assert_eq!((nv["votes"].as_i64(), nv["flagged_votes"].as_i64()), (Some(20), Some(1)), "{nv}");
        let (s, v) = t.post(&format!("/api/v1/awards/nominations/{nid}/flagged-votes"), &city, json!({"count": true})).await;
        assert_eq!((s, v["votes"].as_i64()), (StatusCode::OK, Some(1)), "{v}");
        let (_, nv) = t.get(&format!("/api/v1/awards/nominations/{nid}"), &city).await;
        assert_eq!((nv["votes"].as_i64(), nv["flagged_votes"].as_i64()), (Some(21), Some(0)), "{nv}");

        // After the nomination window, no nomination; nothing written.
        t.clock.advance(chrono::Duration::days(8)); // 2026-12-06
        let (city, village) = (t.token("city").await, t.token("village").await);
        let (f2, _) = family(&t, &village, "周敏", "42050219800101031", "420502001001").await;
        let (s, v) = t.post("/api/v1/awards/nominations", &village, json!({"campaign": cid, "family": f2, "story": "晚了。"})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert!(message(&v).contains("推荐已于 2026-12-05 结束"), "{v}");
        assert_eq!(t.get(&format!("/api/v1/awards/campaigns/{cid}/nominations"), &city).await.1["total"], 1);

        // Honours by hand and a roadshow reach the figures.
        let (s, h) = t
            .post("/api/v1/awards/honours", &village, json!({"family": f1, "kind": "most_beautiful", "level": "province", "title": "2026年度湖北省最美家庭", "awarded_on": "2026-05-15"}))
            .await;
        assert_eq!((s, h["level_label"].as_str()), (StatusCode::CREATED, Some("省级")), "{h}");
        let (s, v) =
            t.post("/api/v1/awards/honours", &village, json!({"family": f1, "kind": "civilised", "level": "县级", "title": "x"})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        let (s, r) = t
            .post(
                "/api/v1/awards/roadshows",
                &village,
                json!({"region": "420502001001", "held_on": "2026-06-01", "place": "土街头社区文化广场", "title": "最美家庭故事会", "audience": 150, "families": [f1.to_string()]}),
            )
            .await;
        assert_eq!((s, r["families"].as_array().map(Vec::len)), (StatusCode::CREATED, Some(1)), "{r}");
        let (s, _) = t
            .post(
                "/api/v1/awards/roadshows",
                &village,
                json!({"region": "420506100001", "place": "x", "title": "y", "audience": 1, "families": [f1.to_string()]}),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        assert_eq!(
            figures(
                &t,
                &city,
                "420502",
                "family.honours,family.honours.province,family.honours.most_beautiful,family.roadshows,family.roadshows.audience"
            )
            .await,
            vec![1.0, 1.0, 1.0, 1.0, 150.0]
        );
        let (_, hl) = t.get("/api/v1/awards/honours?level=province", &city).await;
        assert_eq!(hl["total"], 1);
        t.finish().await;
    }
}

pub(crate) fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
