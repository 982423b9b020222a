//! The register of people through the API: one record per woman, masked by default, revealed
//! with a reason, seen by role, never stored in clear.

use jinguo_domain::people::IdNumber;
use reqwest::StatusCode;
use serde_json::json;

use crate::support::apps;

fn id_number(body17: &str) -> String {
    format!("{body17}{}", IdNumber::check_char(body17))
}

#[tokio::test]
async fn a_woman_is_registered_once_and_shown_masked() {
    for t in apps().await {
        let village = t.token("village").await;
        let id = id_number("42050219850312002");
        let body = json!({"name": "张秀兰", "id_number": id, "phone": "13812345678", "region": "420502001001", "categories": ["hardship", "留守"], "address": "湖北省宜昌市西陵区土街头3号"});
        let (s, v) = t.post("/api/v1/people", &village, body.clone()).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        assert_eq!(v["id_number"], format!("420502********{}", &id[14..]));
        assert_eq!((v["phone"].as_str(), v["sex"].as_str(), v["age"].as_u64()), (Some("138****5678"), Some("女"), Some(41)));
        assert_eq!(v["categories"], json!(["hardship", "left_behind"]));
        let pid = v["id"].as_str().unwrap().to_owned();

        // The same ID number again finds her instead of duplicating her.
        let (s, again) =
            t.post("/api/v1/people", &village, json!({"name": "张秀兰", "id_number": id.to_lowercase(), "region": "420502001001"})).await;
        assert_eq!((s, again["id"].as_str(), again["existing"].as_bool()), (StatusCode::OK, Some(pid.as_str()), Some(true)), "{again}");
        // Outside the caller's scope it only says she is registered elsewhere.
        let yiling = t.token("yiling").await;
        let (s, v) = t.post("/api/v1/people", &yiling, json!({"name": "张秀兰", "id_number": id, "region": "420506100001"})).await;
        assert_eq!((s, v["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("conflict")), "{v}");
        let message = v["error"]["message"].as_str().unwrap();
        assert!(message.contains("其他地区") && !message.contains("土街头") && !message.contains("张"), "{message}");

        // Lists mask the name; the county sees her, 夷陵区 does not.
        let county = t.token("county").await;
        let (_, list) = t.get("/api/v1/people?category=left_behind", &county).await;
        assert_eq!((list["total"].as_i64(), list["items"][0]["name"].as_str()), (Some(1), Some("张**")), "{list}");
        let (_, list) = t.get("/api/v1/people", &yiling).await;
        assert_eq!(list["total"], 0);
        assert_eq!(t.get(&format!("/api/v1/people/{pid}"), &yiling).await.0, StatusCode::NOT_FOUND);
        // A full ID number finds her through the blind index.
        let (_, found) = t.get(&format!("/api/v1/people?q={id}"), &county).await;
        assert_eq!(found["total"], 1);

        // The register figures count her once, in both categories.
        let (_, figs) = t.get("/api/v1/indicators?region=420502&ids=people.registered,people.category.hardship,people.category.left_behind,people.category.disability", &county).await;
        let values: Vec<i64> = figs["items"].as_array().unwrap().iter().map(|f| f["value"].as_i64().unwrap()).collect();
        assert_eq!(values, [1, 1, 1, 0], "{figs}");
        t.finish().await;
    }
}

#[tokio::test]
async fn bad_input_is_refused_field_by_field_and_writes_nothing() {
    for t in apps().await {
        let village = t.token("village").await;
        let mut wrong_check = id_number("42050219850312002");
        let last = wrong_check.pop().unwrap();
        wrong_check.push(if last == '1' { '2' } else { '1' });
        let (s, v) = t
            .post(
                "/api/v1/people",
                &village,
                json!({"name": "李", "id_number": wrong_check, "phone": "12345", "region": "420502001001", "categories": "困难、外星人"}),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        let fields: Vec<&str> = v["error"]["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
        assert_eq!(fields, ["name", "id_number", "phone", "categories"], "{v}");
        assert!(v["error"]["message"].as_str().unwrap().contains("校验码"), "{v}");
        // A village outside scope is forbidden.
        let (s, _) = t
            .post(
                "/api/v1/people",
                &village,
                json!({"name": "李红", "id_number": id_number("42050219900101002"), "region": "420502001002"}),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (_, list) = t.get("/api/v1/people", &t.token("city").await).await;
        assert_eq!(list["total"], 0);
        t.finish().await;
    }
}

#[tokio::test]
async fn revealing_needs_a_reason_and_a_role_and_is_audited() {
    for t in apps().await {
        let county = t.token("county").await;
        let id = id_number("42050219700505004");
        let (_, v) = t
            .post("/api/v1/people", &county, json!({"name": "王桂芳", "id_number": id, "phone": "0717-6221234", "region": "420502002001"}))
            .await;
        let pid = v["id"].as_str().unwrap().to_owned();
        let path = format!("/api/v1/people/{pid}/reveal");
        let (s, v) = t.post(&path, &county, json!({"reason": ""})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        let (s, v) = t.post(&path, &county, json!({"reason": "入户走访需要核对身份"})).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(
            (v["id_number"].as_str(), v["phone"].as_str(), v["name"].as_str()),
            (Some(id.as_str()), Some("0717-6221234"), Some("王桂芳"))
        );
        let reveals = t.audit("person.reveal", "ok").await;
        assert_eq!(reveals.len(), 1);
        assert!(reveals[0].detail.contains("入户走访需要核对身份") && reveals[0].username == "county");
        assert!(!reveals[0].detail.contains(&id), "the audit log must not hold the number itself");

        // A reviewer sees age, sex and categories, not who she is, and cannot reveal.
        let reviewer = t.token("reviewer").await;
        let (_, r) = t.get(&format!("/api/v1/people/{pid}"), &reviewer).await;
        assert!(r["name"].is_null() && r["id_number"].is_null() && r["phone"].is_null(), "{r}");
        assert_eq!((r["sex"].as_str(), r["age"].as_u64()), (Some("女"), Some(56)));
        assert_eq!(t.post(&path, &reviewer, json!({"reason": "想看一下身份"})).await.0, StatusCode::FORBIDDEN);
        let (s, _) = t.get("/api/v1/people?q=王桂芳", &reviewer).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "a reviewer cannot search by name");
        // Another county: not found, and the attempt is recorded.
        let yiling = t.token("yiling").await;
        assert_eq!(t.post(&path, &yiling, json!({"reason": "核对身份信息"})).await.0, StatusCode::NOT_FOUND);
        assert!(t.audit("person.reveal", "denied").await.iter().any(|e| e.username == "yiling"));
        t.finish().await;
    }
}

#[tokio::test]
async fn no_id_number_or_phone_is_stored_in_clear() {
    for t in apps().await {
        if t.engine != "sqlite" {
            t.finish().await;
            continue;
        }
        let village = t.token("village").await;
        let id = id_number("42050219851111002");
        let (s, _) = t
            .post(
                "/api/v1/people",
                &village,
                json!({"name": "刘芳", "id_number": id, "phone": "13987654321", "region": "420502001001", "address": "土街头社区8栋"}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED);
        let dir = t.data_dir();
        let mut bytes = Vec::new();
        for f in ["jinguo.db", "jinguo.db-wal"] {
            if let Ok(b) = std::fs::read(dir.join(f)) {
                bytes.extend(b);
            }
        }
        assert!(bytes.len() > 10_000, "read the database files");
        let contains = |needle: &str| bytes.windows(needle.len()).any(|w| w == needle.as_bytes());
        assert!(contains("刘芳"), "the check itself can find clear text");
        for secret in [id.as_str(), "13987654321", "土街头社区8栋", &id[6..14]] {
            assert!(!contains(secret), "{secret} is in the database file in clear");
        }
        t.finish().await;
    }
}

#[tokio::test]
async fn organisers_confirm_who_attended_an_activity() {
    for t in apps().await {
        let village = t.token("village").await;
        let mut ids = Vec::new();
        for (name, body) in [("陈红", "42050219800101002"), ("周敏", "42050219820202004")] {
            let (s, v) =
                t.post("/api/v1/people", &village, json!({"name": name, "id_number": id_number(body), "region": "420502001001"})).await;
            assert_eq!(s, StatusCode::CREATED, "{v}");
            ids.push(v["id"].as_str().unwrap().to_owned());
        }
        let (_, small) = t
            .post(
                "/api/v1/activities",
                &village,
                json!({"held_on": "2026-03-08", "category": "culture", "title": "读书会", "participants": 1}),
            )
            .await;
        let (s, v) =
            t.post(&format!("/api/v1/activities/{}/attendance", small["id"].as_str().unwrap()), &village, json!({"people": ids})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "two named attendees of a one-person activity: {v}");

        let (_, a) = t
            .post(
                "/api/v1/activities",
                &village,
                json!({"held_on": "2026-03-08", "category": "political", "title": "巾帼心向党", "participants": 30}),
            )
            .await;
        let path = format!("/api/v1/activities/{}/attendance", a["id"].as_str().unwrap());
        let (s, v) = t.post(&path, &village, json!({"people": ids})).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let names: Vec<&str> = v["items"].as_array().unwrap().iter().map(|x| x["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["陈*", "周*"]);
        // Confirming again changes nothing; an unknown person is refused with her id.
        let (_, again) = t.post(&path, &village, json!({"people": [ids[0].clone()]})).await;
        assert_eq!(again["total"], 2);
        let (s, v) = t.post(&path, &village, json!({"people": ["123"]})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(v["error"]["message"].as_str().unwrap().contains("123"));
        // Another county may neither see nor confirm.
        let yiling = t.token("yiling").await;
        assert_eq!(t.get(&path, &yiling).await.0, StatusCode::NOT_FOUND);
        assert_eq!(t.post(&path, &yiling, json!({"people": [ids[0].clone()]})).await.0, StatusCode::FORBIDDEN);
        assert_eq!(t.get(&path, &t.token("county").await).await.1["total"], 2);
        t.finish().await;
    }
}
