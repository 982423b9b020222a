//! Families, family points and the goods store through the API: families from the register
//! (one family per person), the ledger (never negative), attendance that earns points once,
//! redemptions under 200 concurrent requests (exactly the stock, no negative balance, the ledger
//! balancing to the stock movements, a repeated key never redeeming twice), cancellations that
//! return both once, stocktakes, and the figures.

use std::collections::{HashMap, HashSet};

use jinguo_domain::people::IdNumber;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{TestApp, apps};

const VILLAGE: &str = "420502001001";

fn id_number(body17: &str) -> String {
    format!("{body17}{}", IdNumber::check_char(body17))
}

async fn person(t: &TestApp, token: &str, name: &str, body17: &str) -> String {
    let (s, v) = t.post("/api/v1/people", token, json!({"name": name, "id_number": id_number(body17), "region": VILLAGE})).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v["id"].as_str().unwrap().to_owned()
}

async fn family(t: &TestApp, token: &str, name: &str, members: Value) -> String {
    let (s, v) = t.post("/api/v1/families", token, json!({"region": VILLAGE, "name": name, "members": members})).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v["id"].as_str().unwrap().to_owned()
}

async fn earn(t: &TestApp, token: &str, family: &str, points: i64) {
    let (s, v) = t
        .post("/api/v1/points/entries", token, json!({"family": family, "points": points, "kind": "earn", "reason": "评为文明家庭"}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
}

async fn balance(t: &TestApp, token: &str, family: &str) -> i64 {
    let (s, v) = t.get(&format!("/api/v1/families/{family}"), token).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v["balance"].as_i64().unwrap()
}

async fn figures(t: &TestApp, token: &str, ids: &str) -> Vec<f64> {
    let (s, v) = t.get(&format!("/api/v1/indicators?region=420502&from=2026-01-01&to=2026-11-28&ids={ids}"), token).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v["items"].as_array().unwrap().iter().map(|f| f["value"].as_f64().unwrap()).collect()
}

fn message(v: &Value) -> &str {
    v["error"]["message"].as_str().unwrap_or_default()
}

async fn ledger_sum(t: &TestApp, family: &str) -> i64 {
    jinguo_store::family::points::ledger_sum(t.app.db.reader(), family.parse().unwrap()).await.unwrap()
}

#[tokio::test]
async fn families_group_people_of_the_register_one_family_each() {
    for t in apps().await {
        let village = t.token("village").await;
        let a = person(&t, &village, "张建华", "42050219700101001").await;
        let b = person(&t, &village, "李秀兰", "42050219720202002").await;

        let (s, v) = t.post("/api/v1/families", &village, json!({"region": "420502001", "name": "张家", "members": []})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "a town is not a village: {v}");
        assert!(message(&v).contains("村(社区)"), "{v}");
        let (s, v) = t.post("/api/v1/families", &village, json!({"region": VILLAGE, "name": "", "members": []})).await;
        assert!(s == StatusCode::UNPROCESSABLE_ENTITY && message(&v).contains("家庭名称"), "{v}");
        assert_eq!(t.get("/api/v1/families", &village).await.1["total"], 0, "nothing written");

        let empty = family(&t, &village, "王家", json!([])).await;
        let zhang = family(&t, &village, "张建华家庭", json!([a, {"person": b, "relation": "spouse"}])).await;
        let (_, f) = t.get(&format!("/api/v1/families/{zhang}"), &village).await;
        assert_eq!((f["members"].as_i64(), f["balance"].as_i64(), f["head"].as_str()), (Some(2), Some(0), Some(a.as_str())), "{f}");
        let names: Vec<&str> = f["member_list"].as_array().unwrap().iter().map(|m| m["person_name"].as_str().unwrap()).collect();
        assert_eq!(names, ["张**", "李**"], "members masked as lists mask them");
        assert_eq!(f["member_list"][1]["relation_label"], "配偶");

        // She is already in a family: the message names it; nothing written.
        let (s, v) = t.post(&format!("/api/v1/families/{empty}/members"), &village, json!({"person": b})).await;
        assert_eq!(s, StatusCode::CONFLICT, "{v}");
        assert!(message(&v).contains("张建华家庭") && message(&v).contains("只能属于一个家庭"), "{v}");
        let (s, v) = t.post("/api/v1/families", &village, json!({"region": VILLAGE, "name": "李家", "members": [b]})).await;
        assert_eq!(s, StatusCode::CONFLICT, "{v}");
        assert_eq!(t.get("/api/v1/families", &village).await.1["total"], 2);

        // Once she leaves, she may join another family.
        let member = f["member_list"][1]["id"].as_str().unwrap();
        let (s, v) = t.call("POST", &format!("/api/v1/families/{zhang}/members/{member}/remove"), Some(&village), None).await;
        assert_eq!((s, v["members"].as_i64()), (StatusCode::OK, Some(1)), "{v}");
        let (s, v) = t.post(&format!("/api/v1/families/{empty}/members"), &village, json!({"person": b, "relation": "户主"})).await;
        assert_eq!((s, v["members"].as_i64(), v["head"].as_str()), (StatusCode::CREATED, Some(1), Some(b.as_str())), "{v}");

        // Lists by region, scope: another county sees nothing and may not write.
        let county = t.token("county").await;
        let (_, list) = t.get("/api/v1/families?region=420502001001", &county).await;
        assert_eq!(list["total"], 2, "{list}");
        let yiling = t.token("yiling").await;
        assert_eq!(t.get(&format!("/api/v1/families/{zhang}"), &yiling).await.0, StatusCode::NOT_FOUND);
        assert_eq!(t.get("/api/v1/families?region=420502", &yiling).await.0, StatusCode::NOT_FOUND);
        let (s, _) = t.post("/api/v1/points/entries", &yiling, json!({"family": zhang, "points": 5, "kind": "earn", "reason": "x"})).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        assert!(t.audit("points.entry", "denied").await.iter().any(|e| e.object_id == zhang));
        assert_eq!(figures(&t, &county, "family.families").await, [2.0]);
        t.finish().await;
    }
}

#[tokio::test]
async fn the_ledger_never_goes_negative_and_attendance_earns_once() {
    for t in apps().await {
        let village = t.token("village").await;
        let a = person(&t, &village, "陈红", "42050219800101002").await;
        let f = family(&t, &village, "陈红家庭", json!([a])).await;
        let entry = |body: Value| {
            let (t, village) = (&t, village.clone());
            async move { t.post("/api/v1/points/entries", &village, body).await }
        };
        let (s, v) = entry(json!({"family": f, "points": 10, "kind": "deduct", "reason": "乱扔垃圾"})).await;
        assert_eq!((s, v["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("insufficient_points")), "{v}");
        assert!(message(&v).contains("积分不足") && message(&v).contains("现有 0 分"), "{v}");
        for (body, words) in [
            (json!({"family": f, "points": "十", "kind": "earn", "reason": "x"}), "整数"),
            (json!({"family": f, "points": -5, "kind": "earn", "reason": "x"}), "正数"),
            (json!({"family": f, "points": 5, "kind": "redeem", "reason": "x"}), "积分类别"),
            (json!({"family": f, "points": 5, "kind": "adjust", "reason": ""}), "积分事由"),
        ] {
            let (s, v) = entry(body.clone()).await;
            assert!(s == StatusCode::UNPROCESSABLE_ENTITY && message(&v).contains(words), "{body}: {v}");
        }
        assert_eq!((balance(&t, &village, &f).await, ledger_sum(&t, &f).await), (0, 0), "nothing written");

        let (s, v) = entry(json!({"family": f, "points": 30, "kind": "earn", "reason": "志愿服务"})).await;
        assert_eq!((s, v["points"].as_i64(), v["kind_label"].as_str()), (StatusCode::CREATED, Some(30), Some("获得")), "{v}");
        let (s, v) = entry(json!({"family": f, "points": 8, "kind": "deduct", "reason": "乱扔垃圾"})).await;
        assert_eq!((s, v["points"].as_i64()), (StatusCode::CREATED, Some(-8)), "deductions are stored negative: {v}");
        let (s, v) = entry(json!({"family": f, "points": -23, "kind": "adjust", "reason": "更正"})).await;
        assert_eq!(s, StatusCode::CONFLICT, "{v}");
        let (s, _) = entry(json!({"family": f, "points": -2, "kind": "adjust", "reason": "更正录入错误"})).await;
        assert_eq!(s, StatusCode::CREATED);
        assert_eq!((balance(&t, &village, &f).await, ledger_sum(&t, &f).await), (20, 20));

        // An activity with a points rule: confirming attendance credits her family once.
        let (_, act) = t
            .post(
                "/api/v1/activities",
                &village,
                json!({"held_on": "2026-03-08", "category": "culture", "title": "家风故事会", "participants": 30}),
            )
            .await;
        let aid = act["id"].as_str().unwrap();
        let (s, v) = t.post(&format!("/api/v1/activities/{aid}/points"), &village, json!({"points": 0})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        let (s, v) = t.post(&format!("/api/v1/activities/{aid}/points"), &village, json!({"points": 5})).await;
        assert_eq!((s, v["points"].as_i64()), (StatusCode::OK, Some(5)), "{v}");
        let path = format!("/api/v1/activities/{aid}/attendance");
        assert_eq!(t.post(&path, &village, json!({"people": [a]})).await.0, StatusCode::OK);
        assert_eq!(t.post(&path, &village, json!({"people": [a]})).await.0, StatusCode::OK);
        assert_eq!(balance(&t, &village, &f).await, 25, "earned once per activity");
        let (_, d) = t.get(&format!("/api/v1/families/{f}"), &village).await;
        assert_eq!(d["entries"][0]["reason"], "参加活动：家风故事会", "{d}");
        assert_eq!(d["entries"][0]["activity"].as_str(), Some(aid));

        let county = t.token("county").await;
        assert_eq!(figures(&t, &county, "family.points.issued,family.points.deducted,family.points.families").await, [35.0, 10.0, 1.0]);
        t.finish().await;
    }
}

#[tokio::test]
async fn two_hundred_concurrent_redemptions_take_exactly_the_stock() {
    for t in apps().await {
        let village = t.token("village").await;
        // 80 families: 60 with 25 points (two redemptions at 10 each), 20 with 5 (none).
        let mut families = Vec::new();
        for i in 0..80 {
            let f = family(&t, &village, &format!("测试家庭{i}"), json!([])).await;
            earn(&t, &village, &f, if i < 60 { 25 } else { 5 }).await;
            families.push(f);
        }
        let (s, item) =
            t.post("/api/v1/store/items", &village, json!({"region": VILLAGE, "name": "洗衣液", "stock": 50, "price": 10})).await;
        assert_eq!((s, item["stock"].as_i64()), (StatusCode::CREATED, Some(50)), "{item}");
        let item_id = item["id"].as_str().unwrap().to_owned();

        // 200 requests: each family asks with keys k0, k1; 40 of them are sent twice at once.
        let mut requests = Vec::new();
        for (i, f) in families.iter().enumerate() {
            requests.push((f.clone(), format!("{f}-k0")));
            requests.push((f.clone(), format!("{f}-k1")));
            if i < 40 {
                requests.push((f.clone(), format!("{f}-k0")));
            }
        }
        assert_eq!(requests.len(), 200);
        let client = reqwest::Client::new();
        let tasks: Vec<_> = requests
            .iter()
            .cloned()
            .map(|(f, key)| {
                let (client, url, token, item) = (client.clone(), t.url("/api/v1/points/redemptions"), village.clone(), item_id.clone());
                tokio::spawn(async move {
                    let res = client
                        .post(url)
                        .bearer_auth(token)
                        .json(&json!({"family": f, "item": item, "quantity": 1, "idempotency_key": key}))
                        .send()
                        .await
                        .unwrap();
                    let status = res.status();
                    (f, key, status, res.json::<Value>().await.unwrap())
                })
            })
            .collect();
        let mut by_key: HashMap<String, HashSet<String>> = HashMap::new();
        let mut codes: HashMap<String, usize> = HashMap::new();
        for task in tasks {
            let (_, key, status, v) = task.await.unwrap();
            match status {
                StatusCode::CREATED => {
                    by_key.entry(key).or_default().insert(v["id"].as_str().unwrap().to_owned());
                }
                StatusCode::CONFLICT => {
                    let code = v["error"]["code"].as_str().unwrap().to_owned();
                    assert!(code == "insufficient_points" || code == "out_of_stock", "{v}");
                    assert!(message(&v).contains("不足"), "{v}");
                    *codes.entry(code).or_default() += 1;
                }
                other => panic!("{}: unexpected {other}: {v}", t.engine),
            }
        }
        assert!(by_key.values().all(|ids| ids.len() == 1), "{}: a repeated key answered with the first redemption", t.engine);
        let redeemed: HashSet<&String> = by_key.values().flatten().collect();
        assert_eq!(redeemed.len(), 50, "{}: exactly the stock is redeemed ({codes:?})", t.engine);

        let (_, item) = t.get(&format!("/api/v1/store/items/{item_id}"), &village).await;
        assert_eq!((item["stock"].as_i64(), item["reserved"].as_i64()), (Some(0), Some(50)), "{item}");
        let mut spent = 0;
        for (i, f) in families.iter().enumerate() {
            let b = balance(&t, &village, f).await;
            assert!(b >= 0, "no balance negative");
            assert_eq!(b, ledger_sum(&t, f).await, "the balance is the ledger's sum");
            spent += if i < 60 { 25 } else { 5 } - b;
        }
        assert_eq!(spent, 50 * 10, "{}: the ledger balances to the stock movements", t.engine);
        let sums = jinguo_store::family::store::movement_sums(t.app.db.reader(), item_id.parse().unwrap()).await.unwrap();
        assert_eq!(sums, [50, 0, 50, 0, 0]);

        // A retry after the fact: the same redemption, nothing moves.
        let (key, first) = by_key.iter().next().map(|(k, ids)| (k.clone(), ids.iter().next().unwrap().clone())).unwrap();
        let fam = key.rsplit_once("-k").unwrap().0.to_owned();
        let (s, v) = t
            .post("/api/v1/points/redemptions", &village, json!({"family": fam, "item": item_id, "quantity": 1, "idempotency_key": key}))
            .await;
        assert_eq!((s, v["id"].as_str()), (StatusCode::CREATED, Some(first.as_str())), "{v}");
        assert_eq!(t.get(&format!("/api/v1/store/items/{item_id}"), &village).await.1["stock"], 0);

        // Beyond the stock: a clear message, nothing written.
        let rich = family(&t, &village, "富余家庭", json!([])).await;
        earn(&t, &village, &rich, 100).await;
        let (s, v) = t
            .post("/api/v1/points/redemptions", &village, json!({"family": rich, "item": item_id, "quantity": 1, "idempotency_key": "r1"}))
            .await;
        assert_eq!((s, v["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("out_of_stock")), "{v}");
        assert!(message(&v).contains("库存不足"), "{v}");
        assert_eq!((balance(&t, &village, &rich).await, ledger_sum(&t, &rich).await), (100, 100));

        // Cancelling returns both, once; fulfilling a cancelled one is refused.
        let path = format!("/api/v1/points/redemptions/{first}/cancel");
        let before = balance(&t, &village, &fam).await;
        assert_eq!(t.post(&path, &village, json!({"reason": ""})).await.0, StatusCode::UNPROCESSABLE_ENTITY);
        let (s, v) = t.post(&path, &village, json!({"reason": "家庭不需要了"})).await;
        assert_eq!((s, v["status"].as_str()), (StatusCode::OK, Some("cancelled")), "{v}");
        assert_eq!(t.post(&path, &village, json!({"reason": "再次"})).await.0, StatusCode::CONFLICT);
        assert_eq!(balance(&t, &village, &fam).await, before + 10);
        assert_eq!(t.get(&format!("/api/v1/store/items/{item_id}"), &village).await.1["stock"], 1);
        assert_eq!(
            t.call("POST", &format!("/api/v1/points/redemptions/{first}/fulfil"), Some(&village), None).await.0,
            StatusCode::CONFLICT
        );

        // Stocktake: 50 on the shelf expected (1 in stock + 49 reserved); 49 counted.
        let st = format!("/api/v1/store/items/{item_id}/stocktakes");
        let (s, v) = t.post(&st, &village, json!({"counted": 49})).await;
        assert!(s == StatusCode::UNPROCESSABLE_ENTITY && message(&v).contains("差异原因"), "{v}");
        let (s, v) = t.post(&st, &village, json!({"counted": 48, "reason": "破损"})).await;
        assert!(s == StatusCode::UNPROCESSABLE_ENTITY && message(&v).contains("待领取"), "{v}");
        let (s, v) = t.post(&st, &village, json!({"counted": 49, "reason": "破损一瓶"})).await;
        assert_eq!((s, v["expected"].as_i64(), v["difference"].as_i64()), (StatusCode::CREATED, Some(50), Some(-1)), "{v}");
        let (_, item) = t.get(&format!("/api/v1/store/items/{item_id}"), &village).await;
        assert_eq!((item["stock"].as_i64(), item["reserved"].as_i64()), (Some(0), Some(49)), "{item}");

        // Collecting one takes it off the reserved count, once.
        let other = redeemed.iter().find(|id| **id != &first).map(|id| (*id).clone()).unwrap();
        let fulfil = format!("/api/v1/points/redemptions/{other}/fulfil");
        assert_eq!(t.call("POST", &fulfil, Some(&village), None).await.0, StatusCode::OK);
        assert_eq!(t.call("POST", &fulfil, Some(&village), None).await.0, StatusCode::CONFLICT);
        let (_, item) = t.get(&format!("/api/v1/store/items/{item_id}"), &village).await;
        assert_eq!((item["stock"].as_i64(), item["reserved"].as_i64()), (Some(0), Some(48)), "{item}");

        let county = t.token("county").await;
        assert_eq!(figures(&t, &county, "family.points.redeemed,family.store.redemptions").await, [490.0, 50.0]);
        t.finish().await;
    }
}

#[tokio::test]
async fn families_redeem_only_at_their_own_village_or_town() {
    for t in apps().await {
        let city = t.token("city").await;
        let f = family(&t, &city, "赵家", json!([])).await;
        earn(&t, &city, &f, 100).await;
        let (_, other) =
            t.post("/api/v1/store/items", &city, json!({"region": "420502002", "name": "毛巾", "stock": 5, "price": 10})).await;
        let (s, v) = t
            .post("/api/v1/points/redemptions", &city, json!({"family": f, "item": other["id"], "quantity": 1, "idempotency_key": "a"}))
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert!(message(&v).contains("本村(社区)或所属镇(街道)"), "{v}");
        let (s, v) = t.post("/api/v1/store/items", &city, json!({"region": "420502", "name": "毛巾", "stock": 5, "price": 10})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "a county has no goods store: {v}");
        let (_, mine) = t.post("/api/v1/store/items", &city, json!({"region": VILLAGE, "name": "毛巾", "stock": 5, "price": 30})).await;
        let (s, v) = t
            .post("/api/v1/points/redemptions", &city, json!({"family": f, "item": mine["id"], "quantity": 4, "idempotency_key": "b"}))
            .await;
        assert_eq!((s, v["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("insufficient_points")), "{v}");
        assert!(message(&v).contains("现有 100 分") && message(&v).contains("需要 120 分"), "{v}");
        let (s, v) = t
            .post("/api/v1/points/redemptions", &city, json!({"family": f, "item": mine["id"], "quantity": 3, "idempotency_key": "b"}))
            .await;
        assert_eq!((s, v["points"].as_i64()), (StatusCode::CREATED, Some(90)), "{v}");
        assert_eq!(balance(&t, &city, &f).await, 10);
        t.finish().await;
    }
}

#[tokio::test]
async fn points_expire_once_by_the_rule_and_rankings_need_the_city() {
    for t in apps().await {
        let village = t.token("village").await;
        let f = family(&t, &village, "周家", json!([])).await;
        let g = family(&t, &village, "吴家", json!([])).await;
        for (fam, points, day) in [(&f, 30, "2025-01-10"), (&f, 10, "2026-11-01"), (&g, 8, "2026-11-01")] {
            let (s, v) = t
                .post(
                    "/api/v1/points/entries",
                    &village,
                    json!({"family": fam, "points": points, "kind": "earn", "reason": "志愿服务", "entry_day": day}),
                )
                .await;
            assert_eq!(s, StatusCode::CREATED, "{v}");
        }
        let (s, _) =
            t.post("/api/v1/points/entries", &village, json!({"family": f, "points": 5, "kind": "deduct", "reason": "乱堆乱放"})).await;
        assert_eq!(s, StatusCode::CREATED);
        let op = jinguo_app::Actor::operator();
        assert_eq!(t.app.expire_points(&op, None).await.unwrap(), None, "no rule, nothing expires");
        t.app.set_points_expiry(&op, 12).await.unwrap();
        let x = t.app.expire_points(&op, None).await.unwrap().unwrap();
        // 30 earned before 2025-11-28, 5 spent since: 25 expire; the 10 of this month stay.
        assert_eq!((x.families, x.points), (1, 25));
        assert_eq!((balance(&t, &village, &f).await, ledger_sum(&t, &f).await), (10, 10));
        let again = t.app.expire_points(&op, None).await.unwrap().unwrap();
        assert_eq!((again.families, again.points), (0, 0), "running it again expires nothing more");
        assert_eq!(balance(&t, &village, &g).await, 8);

        // Rankings: off by default; only the city turns them on.
        let vr = jinguo_domain::RegionCode::parse(VILLAGE).unwrap();
        let officer = |name: &str| jinguo_app::Actor { username: name.into(), ..jinguo_app::Actor::operator() };
        assert!(t.app.family_ranking(&officer("x"), &vr).await.unwrap().is_empty());
        let b = crate::browser::login(&t, "village").await;
        let (_, html) = crate::browser::get(&t, &b, &format!("/families?region={VILLAGE}")).await;
        assert!(!html.contains("积分排行"), "{html}");
        t.app.set_family_rankings(&op, true).await.unwrap();
        let ranked: Vec<i64> = t.app.family_ranking(&officer("x"), &vr).await.unwrap().iter().map(|f| f.balance).collect();
        assert_eq!(ranked, [10, 8]);
        let (_, html) = crate::browser::get(&t, &b, &format!("/families?region={VILLAGE}")).await;
        assert!(html.contains("积分排行") && html.contains("只排家庭，不排干部"), "{html}");
        t.finish().await;
    }
}
