//! Family education and the parent school through the API: centres, teams, lecturers and
//! activities with households counted once; articles and videos (https only); a consultation
//! from question to rating with its wait and the satisfaction figure. Scope on every route
//! (404 on read, 403 on write, audited); bad input refused in Chinese with nothing written.

use jinguo_app::public::PublicAccount;
use jinguo_app::school::consultations::AskInput;
use jinguo_store::ConnectionTrait;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::TestApp;
use crate::support::apps;

fn message(v: &Value) -> &str {
    v["error"]["message"].as_str().unwrap_or_default()
}

async fn figures(t: &TestApp, token: &str, region: &str, ids: &str) -> Vec<f64> {
    let (s, v) = t.get(&format!("/api/v1/indicators?region={region}&from=2026-01-01&to=2026-12-31&ids={ids}"), token).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let items = v["items"].as_array().unwrap();
    // In the order asked for (the API answers in the catalogue's order).
    ids.split(',').map(|id| items.iter().find(|f| f["id"] == id).unwrap_or_else(|| panic!("{id}"))["value"].as_f64().unwrap()).collect()
}

/// Families and public accounts belong to other modules; the tests write their rows directly.
async fn raw(t: &TestApp, sql: &str) {
    t.app.db.writer().execute_unprepared(sql).await.unwrap();
}

async fn families(t: &TestApp) {
    raw(
        t,
        "INSERT INTO families (id, region, name, created_at, updated_at) VALUES \
         (9001, '420502001001', '张建华家庭', 1, 1), (9002, '420502001002', '李明家庭', 1, 1), (9003, '420506100001', '王强家庭', 1, 1)",
    )
    .await;
}

async fn public_accounts(t: &TestApp) {
    raw(
        t,
        "INSERT INTO public_accounts (id, phone_cipher, phone_index, nickname, password_hash, created_at, updated_at) VALUES \
         (7001, 'c1', 'i1', '小雨妈妈', 'x', 1, 1), (7002, 'c2', 'i2', '乐乐爸爸', 'x', 1, 1)",
    )
    .await;
}

/// A centre, team and lecturer of the county; returns the lecturer's id.
async fn county_lecturer(t: &TestApp, county: &str) -> (String, String, String) {
    let (s, c) = t.post("/api/v1/education/centres", county, json!({"region": "420502", "founded_on": "2021-05-01"})).await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    assert_eq!((c["name"].as_str(), c["level"].as_str()), (Some("西陵区家庭教育指导中心"), Some("county")), "{c}");
    let centre = c["id"].as_str().unwrap().to_owned();
    let (s, team) = t
        .post(
            &format!("/api/v1/education/centres/{centre}/teams"),
            county,
            json!({"name": "西陵区家庭教育讲师团", "formed_on": "2021-06-01"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{team}");
    let team = team["id"].as_str().unwrap().to_owned();
    let (s, l) = t
        .post(
            &format!("/api/v1/education/teams/{team}/lecturers"),
            county,
            json!({"name": "王丽华", "speciality": "亲子沟通", "joined_on": "2021-06-01"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{l}");
    (centre, team, l["id"].as_str().unwrap().to_owned())
}

#[tokio::test]
async fn centres_lecturers_and_activities_count_households_once() {
    for t in apps().await {
        families(&t).await;
        let (county, village, yiling, city) =
            (t.token("county").await, t.token("village").await, t.token("yiling").await, t.token("city").await);
        let (centre, team, lecturer) = county_lecturer(&t, &county).await;

        // One centre per region; none for a province; bad dates in Chinese.
        let (s, v) = t.post("/api/v1/education/centres", &county, json!({"region": "420502"})).await;
        assert!(s == StatusCode::CONFLICT && message(&v).contains("每个区划只设一个"), "{v}");
        let (s, v) = t.post("/api/v1/education/centres", &city, json!({"region": "42"})).await;
        assert!(s == StatusCode::UNPROCESSABLE_ENTITY && message(&v).contains("市、县(区)、镇(街道)或村(社区)"), "{v}");
        let (s, v) = t.post("/api/v1/education/centres", &village, json!({"region": "420502001001", "founded_on": "2999-01-01"})).await;
        assert!(s == StatusCode::UNPROCESSABLE_ENTITY && message(&v).contains("不能晚于今天"), "{v}");
        assert_eq!(t.get("/api/v1/education/centres", &city).await.1["total"], 1, "nothing written");

        // Another county: 404 on read, 403 on write, audited.
        assert_eq!(t.get(&format!("/api/v1/education/centres/{centre}"), &yiling).await.0, StatusCode::NOT_FOUND);
        assert_eq!(t.get(&format!("/api/v1/education/teams/{team}"), &yiling).await.0, StatusCode::NOT_FOUND);
        assert_eq!(t.get(&format!("/api/v1/education/lecturers/{lecturer}"), &yiling).await.0, StatusCode::NOT_FOUND);
        assert_eq!(t.get("/api/v1/education/centres?region=420502", &yiling).await.0, StatusCode::NOT_FOUND);
        let (s, _) = t.post(&format!("/api/v1/education/centres/{centre}/teams"), &yiling, json!({"name": "夷陵讲师团"})).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        assert!(t.audit("lecturer_team.create", "denied").await.iter().any(|e| e.object_id == centre));
        let (s, _) =
            t.post(&format!("/api/v1/education/teams/{team}/lecturers"), &yiling, json!({"name": "某", "speciality": "心理"})).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        assert_eq!(t.post(&format!("/api/v1/education/lecturers/{lecturer}/leave"), &yiling, json!({})).await.0, StatusCode::FORBIDDEN);
        assert_eq!(t.post("/api/v1/education/centres", &yiling, json!({"region": "420502001"})).await.0, StatusCode::FORBIDDEN);

        // Activities: the village uses the county's lecturer; households named and unnamed.
        let act = |body: Value| {
            let (t, village) = (&t, village.clone());
            async move { t.post("/api/v1/education/activities", &village, body).await }
        };
        let (s, v) =
            act(json!({"region": "420502001001", "kind": "进工厂", "place": "活动室", "topic": "好家风", "families": [9001]})).await;
        assert!(s == StatusCode::UNPROCESSABLE_ENTITY && message(&v).contains("进社区、进学校、进农村"), "{v}");
        let (s, v) = act(json!({"region": "420502001001", "kind": "community", "place": "活动室", "topic": "好家风"})).await;
        assert!(s == StatusCode::UNPROCESSABLE_ENTITY && message(&v).contains("请登记服务的家庭"), "{v}");
        let (s, v) =
            act(json!({"region": "420502001001", "kind": "community", "place": "活动室", "topic": "好家风", "families": [424242]})).await;
        assert!(s == StatusCode::UNPROCESSABLE_ENTITY && message(&v).contains("不存在"), "{v}");
        // A family of another village is out of the village officer's scope.
        let (s, _) =
            act(json!({"region": "420502001001", "kind": "community", "place": "活动室", "topic": "好家风", "families": [9002]})).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        assert_eq!(t.get("/api/v1/education/activities", &county).await.1["total"], 0, "nothing written");

        let (s, a) = act(json!({"region": "420502001001", "kind": "community", "held_on": "2026-03-08", "place": "土街头社区活动室",
            "topic": "好家风好家教", "lecturer": lecturer, "families": [9001], "unnamed_households": 5}))
        .await;
        assert_eq!(s, StatusCode::CREATED, "{a}");
        assert_eq!(
            (a["families"].as_i64(), a["lecturer_name"].as_str(), a["family_list"][0]["name"].as_str()),
            (Some(1), Some("王丽华"), Some("张建华家庭")),
            "{a}"
        );
        let (s, b) = t
            .post(
                "/api/v1/education/activities",
                &county,
                json!({"region": "420502001", "kind": "school", "held_on": "2026-04-01",
                "place": "西陵街道中心小学", "topic": "陪伴孩子写作业", "families": "9001, 9002", "unnamed_households": "3"}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
        // The same family served twice is one household: 2 families + 5 + 3 unnamed.
        let (s, h) = t.get("/api/v1/education/households?region=420502&from=2026-01-01&to=2026-11-28", &county).await;
        assert_eq!(
            (s, h["families"].as_i64(), h["unnamed"].as_i64(), h["total"].as_i64()),
            (StatusCode::OK, Some(2), Some(8), Some(10)),
            "{h}"
        );
        assert_eq!(
            figures(&t, &county, "420502", "family.education.households,family.education.household_times,family.education.activities,family.education.activities.school").await,
            [10.0, 11.0, 2.0, 1.0]
        );
        assert_eq!(
            figures(
                &t,
                &city,
                "4205",
                "family.education.centres,family.education.centres.county,family.education.lecturer_teams,family.education.lecturers"
            )
            .await,
            [1.0, 1.0, 1.0, 1.0]
        );
        // Yiling sees none of it.
        let (_, list) = t.get("/api/v1/education/activities", &yiling).await;
        assert_eq!(list["total"], 0);
        let aid = a["id"].as_str().unwrap();
        assert_eq!(t.get(&format!("/api/v1/education/activities/{aid}"), &yiling).await.0, StatusCode::NOT_FOUND);
        assert_eq!(
            t.get("/api/v1/education/households?region=420502&from=2026-01-01&to=2026-11-28", &yiling).await.0,
            StatusCode::NOT_FOUND
        );

        // A lecturer who has left cannot be named any more.
        let (s, l) = t.post(&format!("/api/v1/education/lecturers/{lecturer}/leave"), &county, json!({"left_on": "2026-10-01"})).await;
        assert_eq!((s, l["left_on"].as_str()), (StatusCode::OK, Some("2026-10-01")), "{l}");
        let (s, v) = act(json!({"region": "420502001001", "kind": "rural", "place": "田间", "topic": "x", "lecturer": lecturer, "unnamed_households": 1})).await;
        assert!(s == StatusCode::UNPROCESSABLE_ENTITY && message(&v).contains("已退出讲师团"), "{v}");
        assert_eq!(figures(&t, &city, "4205", "family.education.lecturers").await, [0.0]);
        t.finish().await;
    }
}

#[tokio::test]
async fn articles_and_videos_are_https_only_and_drafts_stay_private() {
    for t in apps().await {
        let (county, yiling, city) = (t.token("county").await, t.token("yiling").await, t.token("city").await);
        let (s, v) = t
            .post(
                "/api/v1/school/items",
                &county,
                json!({"kind": "video", "title": "青春期沟通", "topic": "亲子沟通", "video_url": "http://v.example.cn/1.mp4"}),
            )
            .await;
        assert!(s == StatusCode::UNPROCESSABLE_ENTITY && message(&v).contains("https://"), "{v}");
        let (s, v) = t.post("/api/v1/school/items", &county, json!({"kind": "article", "title": "", "topic": "家风"})).await;
        assert!(s == StatusCode::UNPROCESSABLE_ENTITY && message(&v).contains("请填写标题") && message(&v).contains("正文"), "{v}");
        assert_eq!(t.get("/api/v1/school/items", &city).await.1["total"], 0, "nothing written");

        let (s, video) = t
            .post(
                "/api/v1/school/items",
                &county,
                json!({"kind": "video", "title": "青春期沟通", "topic": "亲子沟通", "age_group": "初中",
                "video_url": "https://v.example.cn/1.mp4", "publish": true}),
            )
            .await;
        assert_eq!(
            (s, video["status"].as_str(), video["region"].as_str()),
            (StatusCode::CREATED, Some("published"), Some("420502")),
            "{video}"
        );
        let (s, draft) = t
            .post(
                "/api/v1/school/items",
                &county,
                json!({"kind": "article", "title": "如何陪孩子写作业", "topic": "学习", "body": "先陪伴，再引导。"}),
            )
            .await;
        assert_eq!((s, draft["status"].as_str()), (StatusCode::CREATED, Some("draft")), "{draft}");
        let did = draft["id"].as_str().unwrap().to_owned();
        assert_eq!(t.app.public_school_items(&Default::default(), None, 10).await.unwrap().total, 1, "the draft is not public");
        // Editing keeps the https rule; another county can neither read nor edit nor publish.
        let (s, v) = t
            .call(
                "PATCH",
                &format!("/api/v1/school/items/{}", video["id"].as_str().unwrap()),
                Some(&county),
                Some(json!({"title": "青春期沟通", "topic": "亲子沟通", "video_url": "javascript:alert(1)"})),
            )
            .await;
        assert!(s == StatusCode::UNPROCESSABLE_ENTITY && message(&v).contains("https://"), "{v}");
        assert_eq!(t.get(&format!("/api/v1/school/items/{did}"), &yiling).await.0, StatusCode::NOT_FOUND);
        assert_eq!(t.post(&format!("/api/v1/school/items/{did}/publish"), &yiling, json!({})).await.0, StatusCode::FORBIDDEN);
        assert!(t.audit("school_item.publish", "denied").await.iter().any(|e| e.object_id == did));
        let (s, p) = t.post(&format!("/api/v1/school/items/{did}/publish"), &county, json!({})).await;
        assert_eq!((s, p["published_on"].as_str()), (StatusCode::OK, Some("2026-11-28")), "{p}");
        assert_eq!(t.post(&format!("/api/v1/school/items/{did}/publish"), &county, json!({})).await.0, StatusCode::CONFLICT);
        assert_eq!(figures(&t, &city, "4205", "family.school.articles,family.school.videos").await, [1.0, 1.0]);
        t.finish().await;
    }
}

#[tokio::test]
async fn a_consultation_goes_from_question_to_rating_with_its_wait_and_satisfaction() {
    for t in apps().await {
        public_accounts(&t).await;
        let county = t.token("county").await;
        let (_, _, lecturer) = county_lecturer(&t, &county).await;
        let parent =
            |id: i64| PublicAccount { id, nickname: "家长".into(), phone_masked: String::new(), ip: "127.0.0.1".into(), session: None };
        let (mother, father) = (parent(7001), parent(7002));

        // Bad questions: nothing written.
        let err = t
            .app
            .ask_consultation(&mother, &AskInput { region: "420502001001".into(), age_group: None, question: "".into() })
            .await
            .unwrap_err();
        assert!(err.to_string().contains("请填写问题"), "{err}");
        let err = t
            .app
            .ask_consultation(&mother, &AskInput { region: "1101".into(), age_group: None, question: "孩子不爱说话怎么办".into() })
            .await
            .unwrap_err();
        assert!(err.to_string().contains("县(区)"), "{err}");
        assert_eq!(t.get("/api/v1/school/consultations", &county).await.1["total"], 0);

        let ask = |who: &PublicAccount, q: &str| {
            let (t, who, q) = (&t, who.clone(), q.to_owned());
            async move {
                t.app
                    .ask_consultation(&who, &AskInput { region: "420502001001".into(), age_group: Some("junior".into()), question: q })
                    .await
                    .unwrap()
            }
        };
        let first = ask(&mother, "孩子沉迷手机，说了也不听，怎么办？").await;
        t.clock.advance(chrono::Duration::minutes(30));
        let second = ask(&father, "孩子上初中后不愿和我们交流。").await;
        t.clock.advance(chrono::Duration::minutes(90));
        // Sessions idle out while the clock moves: log in again.
        let (county, yiling) = (t.token("county").await, t.token("yiling").await);

        // The queue: the longest waiting first, with the wait.
        let (s, q) = t.get("/api/v1/school/consultations", &county).await;
        assert_eq!(s, StatusCode::OK, "{q}");
        assert_eq!(q["items"][0]["id"].as_str(), Some(first.id.to_string().as_str()), "{q}");
        assert_eq!((q["items"][0]["waited"].as_str(), q["items"][1]["waited"].as_str()), (Some("2小时0分钟"), Some("1小时30分钟")), "{q}");
        assert_eq!(q["items"][0]["status"], "waiting");
        let id = first.id.to_string();

        // Another county: 404 read, 403 write (audited); the queue is empty for it.
        assert_eq!(t.get(&format!("/api/v1/school/consultations/{id}"), &yiling).await.0, StatusCode::NOT_FOUND);
        assert_eq!(
            t.post(&format!("/api/v1/school/consultations/{id}/assign"), &yiling, json!({"lecturer": lecturer})).await.0,
            StatusCode::FORBIDDEN
        );
        assert!(t.audit("consultation.assign", "denied").await.iter().any(|e| e.object_id == id));
        assert_eq!(t.get("/api/v1/school/consultations", &yiling).await.1["total"], 0);

        // Answer before assignment: refused; assign, answer.
        let (s, v) = t.post(&format!("/api/v1/school/consultations/{id}/answer"), &county, json!({"answer": "先约定时间"})).await;
        assert!(s == StatusCode::CONFLICT && message(&v).contains("先分派"), "{v}");
        let (s, v) = t.post(&format!("/api/v1/school/consultations/{id}/assign"), &county, json!({"lecturer": lecturer})).await;
        assert_eq!((s, v["status"].as_str(), v["lecturer_name"].as_str()), (StatusCode::OK, Some("assigned"), Some("王丽华")), "{v}");
        t.clock.advance(chrono::Duration::hours(24));
        let county = t.token("county").await;
        let (s, v) = t
            .post(
                &format!("/api/v1/school/consultations/{id}/answer"),
                &county,
                json!({"answer": "和孩子一起约定每天使用手机的时间，并以身作则。"}),
            )
            .await;
        assert_eq!((s, v["status"].as_str(), v["waited"].as_str()), (StatusCode::OK, Some("answered"), Some("1天2小时")), "{v}");

        // She sees her own only; the father cannot see or rate hers.
        assert_eq!(t.app.my_consultations(7001).await.unwrap().len(), 1);
        assert!(matches!(t.app.my_consultation(7002, first.id).await, Err(jinguo_app::AppError::NotFound)));
        assert!(matches!(t.app.rate_consultation(&father, first.id, "poor").await, Err(jinguo_app::AppError::NotFound)));
        // Rating: a bad word, then once, then never again.
        let err = t.app.rate_consultation(&mother, first.id, "很好").await.unwrap_err();
        assert!(err.to_string().contains("满意、基本满意、不满意"), "{err}");
        let rated = t.app.rate_consultation(&mother, first.id, "good").await.unwrap();
        assert_eq!(rated.rating, Some(jinguo_domain::education::Rating::Good));
        let err = t.app.rate_consultation(&mother, first.id, "poor").await.unwrap_err();
        assert!(matches!(err, jinguo_app::AppError::Conflict(_)) && err.to_string().contains("只能评价一次"), "{err}");
        // Rating an unanswered one is refused.
        let err = t.app.rate_consultation(&father, second.id, "ok").await.unwrap_err();
        assert!(err.to_string().contains("尚未解答"), "{err}");
        assert!(t.audit("consultation.rate", "ok").await.iter().any(|e| e.username == "public:7001"));

        let sid = second.id.to_string();
        t.post(&format!("/api/v1/school/consultations/{sid}/assign"), &county, json!({"lecturer": lecturer})).await;
        t.post(&format!("/api/v1/school/consultations/{sid}/answer"), &county, json!({"answer": "多倾听，少说教。"})).await;
        t.app.rate_consultation(&father, second.id, "基本满意").await.unwrap();
        assert_eq!(
            figures(&t, &county, "420502", "family.school.consultations.asked,family.school.consultations.answered,family.school.consultations.rated,family.school.satisfaction").await,
            [2.0, 2.0, 2.0, 50.0]
        );
        assert_eq!(t.get("/api/v1/school/consultations", &county).await.1["total"], 0, "none open");
        assert_eq!(t.get("/api/v1/school/consultations?status=all", &county).await.1["total"], 2);
        t.finish().await;
    }
}
