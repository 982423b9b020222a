//! One-to-one help and aid through the API: pairings, aid and mutual-aid groups; scope (404 on
//! read, 403 on write, both audited), bad input refused in Chinese with nothing written, masked
//! names, and the figures.

use jinguo_domain::people::IdNumber;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{TestApp, apps};

fn id_number(body17: &str) -> String {
    format!("{body17}{}", IdNumber::check_char(body17))
}

async fn woman(t: &TestApp, token: &str, name: &str, body17: &str, region: &str) -> String {
    let (s, v) = t
        .post(
            "/api/v1/people",
            token,
            json!({"name": name, "id_number": id_number(body17), "region": region, "categories": ["left_behind"]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v["id"].as_str().unwrap().to_owned()
}

async fn figures(t: &TestApp, token: &str, ids: &str) -> Vec<f64> {
    let (s, v) = t.get(&format!("/api/v1/indicators?region=420502&from=2026-01-01&to=2026-11-28&ids={ids}"), token).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v["items"].as_array().unwrap().iter().map(|f| f["value"].as_f64().unwrap()).collect()
}

fn message(v: &Value) -> &str {
    v["error"]["message"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn pairings_start_and_end_within_scope() {
    for t in apps().await {
        let village = t.token("village").await;
        let person = woman(&t, &village, "黄秀英", "42050219680808002", "420502001001").await;

        let (s, v) =
            t.post("/api/v1/care/pairings", &village, json!({"person": person, "helper_name": "王芳", "helper_kind": "亲属"})).await;
        assert_eq!((s, v["error"]["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid")), "{v}");
        assert!(message(&v).contains("执委、志愿者、干部"), "{v}");
        let (s, v) = t
            .post(
                "/api/v1/care/pairings",
                &village,
                json!({"person": person, "helper_name": "王芳", "helper_kind": "volunteer", "started_on": "2026-13-01"}),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(t.get("/api/v1/care/pairings", &village).await.1["total"], 0, "nothing written");

        let (s, p) = t
            .post(
                "/api/v1/care/pairings",
                &village,
                json!({"person": person, "helper_name": "王芳", "helper_kind": "executive_member", "started_on": "2026-03-08"}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{p}");
        assert_eq!(
            (p["helper_kind_label"].as_str(), p["active"].as_bool(), p["person_name"].as_str()),
            (Some("执委"), Some(true), Some("黄秀英"))
        );
        let id = p["id"].as_str().unwrap().to_owned();
        let (s, _) =
            t.post("/api/v1/care/pairings", &village, json!({"person": person, "helper_name": "王芳", "helper_kind": "volunteer"})).await;
        assert_eq!(s, StatusCode::CONFLICT, "the same helper twice");

        // Lists mask her name; a reviewer sees none.
        let county = t.token("county").await;
        let (_, list) = t.get("/api/v1/care/pairings?status=active", &county).await;
        assert_eq!((list["total"].as_i64(), list["items"][0]["person_name"].as_str()), (Some(1), Some("黄**")), "{list}");
        let reviewer = t.token("reviewer").await;
        let (_, list) = t.get("/api/v1/care/pairings", &reviewer).await;
        assert_eq!(list["items"][0]["person_name"], "", "{list}");
        let (_, one) = t.get(&format!("/api/v1/care/pairings/{id}"), &reviewer).await;
        assert_eq!(one["person_name"], "", "{one}");
        assert!(!list.to_string().contains("黄秀英") && !one.to_string().contains("黄秀英"));

        // Another county: 404 on read, 403 on write, both audited.
        let yiling = t.token("yiling").await;
        assert_eq!(t.get(&format!("/api/v1/care/pairings/{id}"), &yiling).await.0, StatusCode::NOT_FOUND);
        assert_eq!(t.get("/api/v1/care/pairings?region=420502", &yiling).await.0, StatusCode::NOT_FOUND);
        assert!(t.audit("pairing.list", "denied").await.iter().any(|e| e.username == "yiling"));
        let (s, _) = t.post(&format!("/api/v1/care/pairings/{id}/end"), &yiling, json!({"reason": "x"})).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        assert!(t.audit("pairing.end", "denied").await.iter().any(|e| e.object_id == id));
        let (s, _) =
            t.post("/api/v1/care/pairings", &yiling, json!({"person": person, "helper_name": "李四", "helper_kind": "cadre"})).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        assert!(t.audit("pairing.create", "denied").await.iter().any(|e| e.object_id == person));
        assert_eq!(t.get("/api/v1/care/pairings", &yiling).await.1["total"], 0);

        assert_eq!(figures(&t, &county, "care.pairings.active,care.pairings.started").await, [1.0, 1.0]);
        // Ending needs a reason and a day not before the start.
        let path = format!("/api/v1/care/pairings/{id}/end");
        assert_eq!(t.post(&path, &village, json!({"reason": ""})).await.0, StatusCode::UNPROCESSABLE_ENTITY);
        let (s, v) = t.post(&path, &village, json!({"reason": "外出务工", "ended_on": "2026-01-01"})).await;
        assert!(s == StatusCode::UNPROCESSABLE_ENTITY && message(&v).contains("不能早于结对日期"), "{v}");
        let (s, v) = t.post(&path, &village, json!({"reason": "已就业，生活稳定", "ended_on": "2026-10-01"})).await;
        assert_eq!((s, v["active"].as_bool(), v["ended_on"].as_str()), (StatusCode::OK, Some(false), Some("2026-10-01")), "{v}");
        assert_eq!(t.post(&path, &village, json!({"reason": "再次"})).await.0, StatusCode::CONFLICT);
        assert_eq!(figures(&t, &county, "care.pairings.active,care.pairings.started,care.pairings.ended").await, [0.0, 1.0, 1.0]);
        t.finish().await;
    }
}

#[tokio::test]
async fn aid_amounts_are_strict_and_add_up_by_kind() {
    for t in apps().await {
        let village = t.token("village").await;
        let person = woman(&t, &village, "郑晓燕", "42050219850312002", "420502001001").await;
        let aid = |body: Value| {
            let (t, village) = (&t, village.clone());
            async move { t.post("/api/v1/care/aid", &village, body).await }
        };
        for (amount, words) in [("12.345", "两位小数"), ("-5", "负数"), ("一千", "应为数字"), ("", "请填写救助金额")] {
            let (s, v) = aid(json!({"person": person, "kind": "living", "amount": amount, "source": "民政临时救助"})).await;
            assert_eq!((s, v["error"]["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid")), "{amount}: {v}");
            assert!(message(&v).contains(words), "{amount}: {v}");
        }
        let (s, v) = aid(json!({"person": person, "kind": "food", "amount": "100", "source": "x", "given_on": "2030-01-01"})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(message(&v).contains("救助类别") && message(&v).contains("不能晚于今天"), "every field at once: {v}");
        assert_eq!(t.get("/api/v1/care/aid", &village).await.1["total"], 0, "nothing written");

        let (s, a) =
            aid(json!({"person": person, "kind": "living", "amount": "1200.50", "source": "民政临时救助", "given_on": "2026-02-01"})).await;
        assert_eq!(s, StatusCode::CREATED, "{a}");
        assert_eq!(
            (a["amount_fen"].as_i64(), a["amount"].as_str(), a["kind_label"].as_str()),
            (Some(120_050), Some("1200.50"), Some("生活救助"))
        );
        let (s, _) =
            aid(json!({"person": person, "kind": "education", "amount": 800, "source": "春蕾计划", "given_on": "2026-09-01"})).await;
        assert_eq!(s, StatusCode::CREATED);
        let (s, _) =
            aid(json!({"person": person, "kind": "medical", "amount": "3000", "source": "两癌救助", "given_on": "2025-12-31"})).await;
        assert_eq!(s, StatusCode::CREATED);

        let county = t.token("county").await;
        let (_, list) = t.get("/api/v1/care/aid?kind=education", &county).await;
        assert_eq!((list["total"].as_i64(), list["items"][0]["person_name"].as_str()), (Some(1), Some("郑**")), "{list}");
        let (_, list) = t.get("/api/v1/care/aid?from=2026-01-01&to=2026-12-31", &county).await;
        assert_eq!(list["total"], 2);
        let reviewer = t.token("reviewer").await;
        let (_, list) = t.get("/api/v1/care/aid", &reviewer).await;
        assert!(list["items"].as_array().unwrap().iter().all(|i| i["person_name"] == ""), "{list}");
        // The figures of 2026 equal the records of 2026.
        assert_eq!(
            figures(
                &t,
                &county,
                "care.aid,care.aid.amount,care.aid.living,care.aid.living.amount,care.aid.medical,care.aid.education.amount"
            )
            .await,
            [2.0, 2000.5, 1.0, 1200.5, 0.0, 800.0]
        );

        // Another county: not found on read, forbidden on write, audited.
        let yiling = t.token("yiling").await;
        let id = a["id"].as_str().unwrap();
        assert_eq!(t.get(&format!("/api/v1/care/aid/{id}"), &yiling).await.0, StatusCode::NOT_FOUND);
        assert_eq!(t.get(&format!("/api/v1/care/aid/{id}"), &county).await.0, StatusCode::OK);
        let (s, _) = t.post("/api/v1/care/aid", &yiling, json!({"person": person, "kind": "living", "amount": "1", "source": "x"})).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        assert!(t.audit("aid.create", "denied").await.iter().any(|e| e.object_id == person));
        assert_eq!(t.get("/api/v1/care/aid", &county).await.1["total"], 3);
        t.finish().await;
    }
}

#[tokio::test]
async fn mutual_aid_groups_with_members_and_meetings() {
    for t in apps().await {
        let village = t.token("village").await;
        let a = woman(&t, &village, "黄秀英", "42050219680808002", "420502001001").await;
        let b = woman(&t, &village, "吴丽", "42050219900909004", "420502001001").await;

        let (s, v) = t.post("/api/v1/care/groups", &village, json!({"region": "420502001001", "name": "", "leader": ""})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(message(&v).contains("小组名称") && message(&v).contains("组长"), "{v}");
        let yiling = t.token("yiling").await;
        let (s, _) = t.post("/api/v1/care/groups", &yiling, json!({"region": "420502001001", "name": "越界小组", "leader": "张三"})).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        // (The audit search drops `_` from the action it is given, so search by the prefix.)
        assert!(t.audit("mutual", "denied").await.iter().any(|e| e.action == "mutual_aid_group.create" && e.username == "yiling"));

        let (s, g) = t
            .post(
                "/api/v1/care/groups",
                &village,
                json!({"region": "420502001001", "name": "土街头社区留守妇女互助小组", "topic": "留守妇女互助", "leader": "黄秀英", "formed_on": "2026-03-01"}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{g}");
        let gid = g["id"].as_str().unwrap().to_owned();
        let members = format!("/api/v1/care/groups/{gid}/members");
        let (s, d) = t.post(&members, &village, json!({"person": a, "joined_on": "2026-03-01"})).await;
        assert_eq!((s, d["members"].as_i64()), (StatusCode::CREATED, Some(1)), "{d}");
        assert_eq!(t.post(&members, &village, json!({"person": a})).await.0, StatusCode::CONFLICT);
        let (s, d) = t.post(&members, &village, json!({"id_number": id_number("42050219900909004"), "joined_on": "2026-04-01"})).await;
        assert_eq!((s, d["members"].as_i64()), (StatusCode::CREATED, Some(2)), "by ID number: {d}");
        let (s, v) = t.post(&members, &village, json!({"id_number": id_number("42050219700101002")})).await;
        assert!(s == StatusCode::UNPROCESSABLE_ENTITY && message(&v).contains("没有登记"), "{v}");
        assert_eq!(t.post(&members, &yiling, json!({"person": b})).await.0, StatusCode::FORBIDDEN);

        let meetings = format!("/api/v1/care/groups/{gid}/meetings");
        let (s, v) = t.post(&meetings, &village, json!({"topic": "交流", "attendees": "很多"})).await;
        assert!(s == StatusCode::UNPROCESSABLE_ENTITY && message(&v).contains("参加人数"), "{v}");
        let (s, v) = t.post(&meetings, &village, json!({"topic": "交流", "attendees": 5, "held_on": "2026-02-01"})).await;
        assert!(s == StatusCode::UNPROCESSABLE_ENTITY && message(&v).contains("成立日期"), "{v}");
        let (s, d) = t.post(&meetings, &village, json!({"topic": "家庭教育经验交流", "attendees": 12, "held_on": "2026-05-10"})).await;
        assert_eq!((s, d["meetings"].as_i64()), (StatusCode::CREATED, Some(1)), "{d}");

        // The group in lists and on its own: names masked, none for a reviewer.
        let county = t.token("county").await;
        let (_, list) = t.get("/api/v1/care/groups?region=420502", &county).await;
        assert_eq!((list["total"].as_i64(), list["items"][0]["leader"].as_str()), (Some(1), Some("黄**")), "{list}");
        let (_, detail) = t.get(&format!("/api/v1/care/groups/{gid}"), &county).await;
        assert_eq!(detail["member_list"][0]["person_name"], "黄**", "{detail}");
        let reviewer = t.token("reviewer").await;
        let (_, detail) = t.get(&format!("/api/v1/care/groups/{gid}"), &reviewer).await;
        assert!(!detail.to_string().contains("黄") && !detail.to_string().contains("吴"), "{detail}");
        assert_eq!(t.get(&format!("/api/v1/care/groups/{gid}"), &yiling).await.0, StatusCode::NOT_FOUND);

        assert_eq!(
            figures(&t, &county, "care.groups,care.groups.formed,care.groups.members,care.groups.meetings,care.groups.attendance").await,
            [1.0, 1.0, 2.0, 1.0, 12.0]
        );
        // One leaves; the stock of members follows.
        let member = detail["member_list"][1]["id"].as_str().unwrap().to_owned();
        let leave = format!("/api/v1/care/groups/{gid}/members/{member}/leave");
        assert_eq!(t.post(&leave, &yiling, json!({})).await.0, StatusCode::FORBIDDEN);
        let (s, d) = t.post(&leave, &village, json!({"left_on": "2026-10-01"})).await;
        assert_eq!((s, d["members"].as_i64()), (StatusCode::OK, Some(1)), "{d}");
        assert_eq!(t.post(&leave, &village, json!({})).await.0, StatusCode::CONFLICT);
        assert_eq!(figures(&t, &county, "care.groups.members").await, [1.0]);
        t.finish().await;
    }
}
