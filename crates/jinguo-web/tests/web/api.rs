//! The JSON API as another system would use it.

use reqwest::StatusCode;
use serde_json::json;

use crate::support::{PASSWORD, apps, apps_with};

#[tokio::test]
async fn health_metrics_and_security_headers() {
    for t in apps().await {
        let res = reqwest::get(t.url("/healthz")).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let h = res.headers().clone();
        assert_eq!(res.text().await.unwrap(), "ok");
        assert_eq!(h["x-frame-options"], "DENY");
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert!(h["content-security-policy"].to_str().unwrap().contains("frame-ancestors 'none'"));
        let metrics = reqwest::get(t.url("/metrics")).await.unwrap().text().await.unwrap();
        assert!(metrics.contains("jinguo_http_requests_total{class=\"2xx\"}"), "{metrics}");
        t.finish().await;
    }
}

#[tokio::test]
async fn regions_are_public_and_counted() {
    for t in apps().await {
        let (s, v) = t.call("GET", "/api/v1/regions/4205/children", None, None).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let names: Vec<&str> = v["items"].as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["西陵区", "夷陵区"]);
        assert_eq!(v["total"], 2);
        let (s, v) = t.call("GET", "/api/v1/regions/420502", None, None).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!((v["level"].as_str(), v["towns"].as_i64(), v["villages"].as_i64()), (Some("county"), Some(2), Some(3)));
        let (s, v) = t.call("GET", "/api/v1/regions/4x05", None, None).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(v["error"]["message"].as_str().unwrap().contains("区划代码"));
        let (s, v) = t.call("GET", "/api/v1/regions/420599", None, None).await;
        assert_eq!((s, v["error"]["code"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")));
        t.finish().await;
    }
}

#[tokio::test]
async fn login_failures_lock_the_account_for_fifteen_minutes() {
    for t in apps().await {
        let bad = json!({"username": "county", "password": "Wrong-pass-1"});
        for i in 1..=4 {
            let (s, v) = t.call("POST", "/api/v1/auth/login", None, Some(bad.clone())).await;
            assert_eq!(s, StatusCode::UNAUTHORIZED, "attempt {i}: {v}");
            assert!(v["error"]["message"].as_str().unwrap().contains("用户名或密码错误"));
        }
        let (s, v) = t.call("POST", "/api/v1/auth/login", None, Some(bad.clone())).await;
        assert_eq!((s, v["error"]["code"].as_str()), (StatusCode::LOCKED, Some("account_locked")), "{v}");
        // Even the right password is refused while locked.
        let good = json!({"username": "county", "password": PASSWORD});
        let (s, _) = t.call("POST", "/api/v1/auth/login", None, Some(good.clone())).await;
        assert_eq!(s, StatusCode::LOCKED);
        t.clock.advance(chrono::Duration::minutes(16));
        let (s, v) = t.call("POST", "/api/v1/auth/login", None, Some(good)).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert!(t.audit("auth.login", "failed").await.len() >= 6);
        // Unknown users get the same answer as wrong passwords.
        let (s, v) = t.call("POST", "/api/v1/auth/login", None, Some(json!({"username": "nobody", "password": "x"}))).await;
        assert_eq!((s, v["error"]["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("unauthorized")));
        t.finish().await;
    }
}

#[tokio::test]
async fn administrators_need_their_second_factor() {
    for t in apps().await {
        let (s, v) = t.call("POST", "/api/v1/auth/login", None, Some(json!({"username": "auditor", "password": PASSWORD}))).await;
        assert_eq!((s, v["error"]["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("totp_required")), "{v}");
        let (s, _) =
            t.call("POST", "/api/v1/auth/login", None, Some(json!({"username": "auditor", "password": PASSWORD, "totp": "000000"}))).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        let token = t.token("auditor").await;
        // The audit administrator reads the audit log and nothing else.
        let (s, _) = t.get("/api/v1/federations", &token).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, _) = t.get("/api/v1/indicators?region=4205", &token).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        t.finish().await;
    }
}

#[tokio::test]
async fn sessions_end_after_thirty_idle_minutes_and_on_logout() {
    for t in apps().await {
        let token = t.token("county").await;
        t.clock.advance(chrono::Duration::minutes(29));
        assert_eq!(t.get("/api/v1/federations", &token).await.0, StatusCode::OK);
        t.clock.advance(chrono::Duration::minutes(29));
        assert_eq!(t.get("/api/v1/federations", &token).await.0, StatusCode::OK, "activity keeps it alive");
        t.clock.advance(chrono::Duration::minutes(31));
        let (s, v) = t.get("/api/v1/federations", &token).await;
        assert_eq!((s, v["error"]["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("unauthorized")));
        let token = t.token("county").await;
        assert_eq!(t.call("POST", "/api/v1/auth/logout", Some(&token), None).await.0, StatusCode::NO_CONTENT);
        assert_eq!(t.get("/api/v1/federations", &token).await.0, StatusCode::UNAUTHORIZED);
        assert_eq!(t.get("/api/v1/federations", "not-a-token").await.0, StatusCode::UNAUTHORIZED);
        t.finish().await;
    }
}

#[tokio::test]
async fn a_county_officer_sees_only_her_county_and_cannot_write_elsewhere() {
    for t in apps().await {
        let token = t.token("county").await;
        let (s, v) = t.get("/api/v1/federations?limit=100", &token).await;
        assert_eq!(s, StatusCode::OK);
        let regions: Vec<&str> = v["items"].as_array().unwrap().iter().map(|f| f["region"].as_str().unwrap()).collect();
        assert_eq!(v["total"], 6, "西陵区, 2 towns, 3 villages: {regions:?}");
        assert!(regions.iter().all(|r| r.starts_with("420502")), "{regions:?}");

        // Reading 夷陵区 answers as if it did not exist; writing there is forbidden.
        let (s, v) = t.get("/api/v1/federations?region=420506", &token).await;
        assert_eq!((s, v["error"]["code"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")), "{v}");
        let body = json!({"region": "420506", "name": "夷陵区快递行业妇联", "kind": "gig_platform"});
        let (s, v) = t.post("/api/v1/federations", &token, body).await;
        assert_eq!((s, v["error"]["code"].as_str()), (StatusCode::FORBIDDEN, Some("forbidden")), "{v}");
        assert!(v["error"]["message"].as_str().unwrap().contains("管辖范围"));
        // Another county's record, by id: not found to read, forbidden to write.
        let yiling = t.token("yiling").await;
        let (_, theirs) = t.get("/api/v1/federations?region=420506100001", &yiling).await;
        let id = theirs["items"][0]["id"].as_str().unwrap().to_owned();
        assert_eq!(t.get(&format!("/api/v1/federations/{id}"), &token).await.0, StatusCode::NOT_FOUND);
        let term = json!({"start_on": "2026-01-01", "end_on": "2030-12-31", "chair": "王芳"});
        assert_eq!(t.post(&format!("/api/v1/federations/{id}/terms"), &token, term).await.0, StatusCode::FORBIDDEN);
        // Both denials are in the audit log, and nothing was written.
        let denied = t.audit("federation", "denied").await;
        assert!(denied.iter().any(|e| e.action == "federation.list" && e.username == "county"), "{denied:?}");
        assert!(denied.iter().any(|e| e.action == "federation.create" && e.region == "420506000000"), "{denied:?}");
        assert!(t.audit("term.create", "denied").await.iter().any(|e| e.object_id == id));
        let (_, all) = t.get("/api/v1/federations?region=420506&limit=100", &yiling).await;
        assert_eq!(all["total"], 3);
        t.finish().await;
    }
}

#[tokio::test]
async fn new_domain_federations_are_created_validated_and_counted() {
    for t in apps().await {
        let token = t.token("county").await;
        let body = json!({"region": "420502", "name": "西陵区快递行业妇联", "kind": "gig_platform", "members": 86});
        let (s, v) = t.post("/api/v1/federations", &token, body.clone()).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        assert_eq!((v["kind"].as_str(), v["members"].as_i64(), v["region"].as_str()), (Some("gig_platform"), Some(86), Some("420502")));
        let id = v["id"].as_str().unwrap().to_owned();
        let (s, detail) = t.get(&format!("/api/v1/federations/{id}"), &token).await;
        assert_eq!((s, detail["name"].as_str()), (StatusCode::OK, Some("西陵区快递行业妇联")));
        // The same name twice is a conflict.
        let (s, v) = t.post("/api/v1/federations", &token, body).await;
        assert_eq!((s, v["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("conflict")), "{v}");
        // Bad input: every field's reason in Chinese, nothing written.
        let (s, v) = t.post("/api/v1/federations", &token, json!({"region": "4205x", "name": "", "kind": "club", "members": -3})).await;
        assert_eq!((s, v["error"]["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid")), "{v}");
        let fields: Vec<&str> = v["error"]["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
        assert_eq!(fields, ["region", "kind", "name", "members"]);
        let (s, v) = t.call("POST", "/api/v1/federations", Some(&token), None).await;
        assert_eq!((s, v["error"]["code"].as_str()), (StatusCode::BAD_REQUEST, Some("bad_request")));
        let (_, list) = t.get("/api/v1/federations?kind=new_domain", &token).await;
        assert_eq!(list["total"], 1);
        // It counts at once in the figures.
        let (_, figs) = t.get("/api/v1/indicators?region=420502&from=2026-01-01&to=2026-12-31", &token).await;
        let value = |id: &str| figs["items"].as_array().unwrap().iter().find(|f| f["id"] == id).unwrap()["value"].clone();
        assert_eq!(value("org.new_domain.federations"), 1);
        assert_eq!(value("org.new_domain.members"), 86);
        assert_eq!(value("org.federations.gig_platform"), 1);
        assert_eq!(value("org.federations"), 7);
        // A reviewer reads but does not write.
        let reviewer = t.token("reviewer").await;
        assert_eq!(t.get("/api/v1/federations", &reviewer).await.0, StatusCode::OK);
        let (s, _) = t.post("/api/v1/federations", &reviewer, json!({"region": "420502", "name": "x妇联", "kind": "park"})).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        t.finish().await;
    }
}

#[tokio::test]
async fn coverage_of_standardised_homes_follows_the_checklist() {
    for t in apps().await {
        let token = t.token("county").await;
        let mut ids = Vec::new();
        for village in ["420502001001", "420502001002"] {
            let (s, v) =
                t.post("/api/v1/women-homes", &token, json!({"region": village, "keeper": "李红", "established_on": "2022-03-08"})).await;
            assert_eq!(s, StatusCode::CREATED, "{v}");
            ids.push(v["id"].as_str().unwrap().to_owned());
        }
        // A town is not a village: refused with the reason.
        let (s, v) = t.post("/api/v1/women-homes", &token, json!({"region": "420502001"})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(v["error"]["message"].as_str().unwrap().contains("村(社区)"));
        for item in ["premises", "sign", "rules", "keeper", "activities", "records"] {
            let (s, v) = t
                .post(
                    &format!("/api/v1/women-homes/{}/checks", ids[0]),
                    &token,
                    json!({"item": item, "holds": true, "checked_on": "2025-06-01"}),
                )
                .await;
            assert_eq!(s, StatusCode::CREATED, "{v}");
        }
        let (_, home) = t.get(&format!("/api/v1/women-homes/{}", ids[0]), &token).await;
        assert_eq!((home["standardised"].as_bool(), home["standardised_on"].as_str()), (Some(true), Some("2025-06-01")));
        assert_eq!(home["items"].as_array().unwrap().len(), 6);
        let figures = |from: &'static str, to: &'static str| {
            let t = &t;
            let token = token.clone();
            async move {
                let (_, v) = t
                    .get(
                        &format!(
                            "/api/v1/indicators?region=420502&from={from}&to={to}&ids=org.women_homes.coverage,org.women_homes.standardised"
                        ),
                        &token,
                    )
                    .await;
                let value = |id: &str| v["items"].as_array().unwrap().iter().find(|f| f["id"] == id).unwrap()["value"].clone();
                (value("org.women_homes.coverage").as_f64().unwrap(), value("org.women_homes.standardised").as_i64().unwrap())
            }
        };
        // 3 villages in 西陵区, 1 standardised: 33.3 %. Before June 2025 none was.
        assert_eq!(figures("2025-01-01", "2025-12-31").await, (33.3, 1));
        assert_eq!(figures("2024-01-01", "2024-12-31").await, (0.0, 0));
        // An item found lacking later takes the home out again.
        let (s, _) = t
            .post(
                &format!("/api/v1/women-homes/{}/checks", ids[0]),
                &token,
                json!({"item": "sign", "holds": false, "checked_on": "2026-02-01"}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED);
        assert_eq!(figures("2026-01-01", "2026-11-28").await, (0.0, 0));
        // The city's figure agrees with a count by hand.
        let city = t.token("city").await;
        let (_, v) = t.get("/api/v1/women-homes?region=4205&standardised=true", &city).await;
        assert_eq!(v["total"], 0);
        t.finish().await;
    }
}

#[tokio::test]
async fn activities_count_as_held_and_participants() {
    for t in apps().await {
        let token = t.token("village").await;
        let body = json!({"held_on": "2026-03-08", "category": "political", "title": "巾帼心向党 奋进新征程", "participants": 45});
        let (s, v) = t.post("/api/v1/activities", &token, body).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        assert_eq!(v["region"], "420502001001");
        let (s, v) = t
            .post("/api/v1/activities", &token, json!({"held_on": "2099-01-01", "category": "x", "title": "", "participants": "many"}))
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["error"]["fields"].as_array().unwrap().len(), 4, "{v}");
        let county = t.token("county").await;
        let (_, list) = t.get("/api/v1/activities", &county).await;
        assert_eq!(list["total"], 1);
        let (_, figs) = t.get("/api/v1/indicators?region=420502&from=2026-01-01&to=2026-12-31&ids=org.activities,org.activities.participants,org.activities.political", &county).await;
        let values: Vec<i64> = figs["items"].as_array().unwrap().iter().map(|f| f["value"].as_i64().unwrap()).collect();
        assert_eq!(values, [1, 45, 1]);
        let (_, figs) = t.get("/api/v1/indicators?region=420502&from=2025-01-01&to=2025-12-31&ids=org.activities", &county).await;
        assert_eq!(figs["items"][0]["value"], 0);
        t.finish().await;
    }
}

#[tokio::test]
async fn indicators_answer_every_figure_and_refuse_bad_periods() {
    for t in apps().await {
        let token = t.token("city").await;
        let (s, v) = t.get("/api/v1/indicators?region=4205&from=2026-01-01&to=2026-12-31", &token).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let items = v["items"].as_array().unwrap();
        assert_eq!(items.len(), jinguo_domain::insight::INDICATORS.len());
        for i in items {
            assert!(i["id"].is_string() && i["label"].is_string() && i["value"].is_number() && i["unit"].is_string(), "{i}");
        }
        let value = |id: &str| items.iter().find(|f| f["id"] == id).unwrap()["value"].clone();
        assert_eq!(value("org.federations.region"), 10, "the city, 2 counties, 3 towns, 4 villages");
        assert_eq!(value("org.villages"), 4);
        let (s, v) = t.get("/api/v1/indicators?region=4205&from=2026-12-31&to=2026-01-01", &token).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(v["error"]["message"].as_str().unwrap().contains("开始日期"));
        let (s, _) = t.get("/api/v1/indicators?region=4205&ids=org.nothing", &token).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        let county = t.token("county").await;
        assert_eq!(t.get("/api/v1/indicators?region=420506", &county).await.0, StatusCode::NOT_FOUND);
        t.finish().await;
    }
}

#[tokio::test]
async fn terms_and_executive_members() {
    for t in apps().await {
        let token = t.token("county").await;
        let (_, list) = t.get("/api/v1/federations?region=420502001001", &token).await;
        let id = list["items"][0]["id"].as_str().unwrap().to_owned();
        let (s, v) = t
            .post(
                &format!("/api/v1/federations/{id}/terms"),
                &token,
                json!({"start_on": "2021-07-01", "end_on": "2026-06-30", "chair": "张丽"}),
            )
            .await;
        assert_eq!((s, v["number"].as_i64()), (StatusCode::CREATED, Some(1)), "{v}");
        let (_, f) = t.get(&format!("/api/v1/federations/{id}"), &token).await;
        assert_eq!(f["term"]["status"], "overdue", "{f}");
        let (s, v) = t
            .post(
                &format!("/api/v1/federations/{id}/terms"),
                &token,
                json!({"start_on": "2021-01-01", "end_on": "2020-06-30", "chair": "张丽"}),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        let (s, _) = t
            .post(
                &format!("/api/v1/federations/{id}/terms"),
                &token,
                json!({"start_on": "2026-07-15", "end_on": "2031-07-14", "chair": "刘敏"}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED);
        let (_, f) = t.get(&format!("/api/v1/federations/{id}"), &token).await;
        assert_eq!((f["term"]["status"].as_str(), f["terms"].as_array().unwrap().len()), (Some("current"), 2));
        let (s, v) = t
            .post(
                &format!("/api/v1/federations/{id}/executive-members"),
                &token,
                json!({"name": "赵霞", "position": "副主席", "joined_on": "2026-07-15"}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let (_, figs) = t.get("/api/v1/indicators?region=420502&from=2026-01-01&to=2026-12-31&ids=org.terms.renewed,org.executive_members,org.terms.overdue", &token).await;
        let values: Vec<i64> = figs["items"].as_array().unwrap().iter().map(|f| f["value"].as_i64().unwrap()).collect();
        assert_eq!(values, [1, 1, 0]);
        t.finish().await;
    }
}

#[tokio::test]
async fn openapi_describes_every_route() {
    for t in apps().await {
        let (s, doc) = t.call("GET", "/api/openapi.json", None, None).await;
        assert_eq!(s, StatusCode::OK);
        let paths: Vec<&String> = doc["paths"].as_object().unwrap().keys().collect();
        for p in [
            "/api/v1/auth/login",
            "/api/v1/auth/logout",
            "/api/v1/regions/{code}",
            "/api/v1/regions/{code}/children",
            "/api/v1/federations",
            "/api/v1/federations/{id}",
            "/api/v1/federations/{id}/terms",
            "/api/v1/federations/{id}/executive-members",
            "/api/v1/women-homes",
            "/api/v1/women-homes/{id}",
            "/api/v1/women-homes/{id}/checks",
            "/api/v1/activities",
            "/api/v1/activities/{id}",
            "/api/v1/activities/{id}/attendance",
            "/api/v1/people",
            "/api/v1/people/{id}",
            "/api/v1/people/{id}/reveal",
            "/api/v1/care/cases",
            "/api/v1/care/cases/{id}",
            "/api/v1/care/cases/{id}/visits",
            "/api/v1/care/cases/{id}/close",
            "/api/v1/care/overdue",
            "/api/v1/care/pairings",
            "/api/v1/care/pairings/{id}",
            "/api/v1/care/pairings/{id}/end",
            "/api/v1/care/aid",
            "/api/v1/care/aid/{id}",
            "/api/v1/care/groups",
            "/api/v1/care/groups/{id}",
            "/api/v1/care/groups/{id}/members",
            "/api/v1/care/groups/{id}/members/{member}/leave",
            "/api/v1/care/groups/{id}/meetings",
            "/api/v1/screenings",
            "/api/v1/screenings/overdue",
            "/api/v1/screenings/{id}/follow-up",
            "/api/v1/indicators",
        ] {
            assert!(paths.iter().any(|x| x.as_str() == p), "{p} missing from {paths:?}");
            // And the route exists on the server (401, 405 or 422 rather than 404).
            let url = p.replace("{code}", "4205").replace("{id}", "1").replace("{member}", "1");
            let res = reqwest::Client::new().get(t.url(&url)).send().await.unwrap();
            assert_ne!(res.status(), StatusCode::NOT_FOUND, "{url}: route missing or answering 404 to a GET without login");
        }
        t.finish().await;
    }
}

/// Behind a trusted reverse proxy each client is limited, and audited, by the address the proxy
/// forwarded; without one the header is ignored, so writing it neither dodges the limit nor
/// puts a false address in the audit log.
#[tokio::test]
async fn clients_behind_a_trusted_proxy_are_told_apart_and_nobody_else_can_claim_to_be() {
    async fn login_from(t: &crate::support::TestApp, forwarded: &str) -> StatusCode {
        let body = json!({"username": "nobody", "password": "x"});
        let res = reqwest::Client::new().post(t.url("/api/v1/auth/login")).header("x-forwarded-for", forwarded).json(&body);
        res.send().await.unwrap().status()
    }
    // The tests' requests arrive from 127.0.0.1: here the proxy.
    let behind_proxy = jinguo_web::WebConfig {
        login_per_minute: 3,
        trusted_proxies: vec!["127.0.0.1".parse().unwrap()],
        ..jinguo_web::WebConfig::default()
    };
    for t in apps_with(behind_proxy).await {
        let mut statuses = Vec::new();
        for _ in 0..4 {
            statuses.push(login_from(&t, "198.51.100.1, 203.0.113.7").await);
        }
        assert_eq!(statuses[..3], [StatusCode::UNAUTHORIZED; 3], "{statuses:?}");
        assert_eq!(statuses[3], StatusCode::TOO_MANY_REQUESTS, "the fourth attempt of one client is refused");
        assert_eq!(login_from(&t, "203.0.113.8").await, StatusCode::UNAUTHORIZED, "another client behind the proxy is not");
        let failed = t.audit("auth.login", "failed").await;
        assert_eq!(failed.first().map(|e| e.ip.as_str()), Some("203.0.113.8"), "the audit records the client, not the proxy");
        assert!(failed.iter().all(|e| e.ip != "198.51.100.1"), "an address the client wrote itself is never recorded");
        t.finish().await;
    }
    let direct = jinguo_web::WebConfig { login_per_minute: 3, ..jinguo_web::WebConfig::default() };
    for t in apps_with(direct).await {
        let mut statuses = Vec::new();
        for k in 0..4 {
            statuses.push(login_from(&t, &format!("203.0.113.{k}")).await);
        }
        assert_eq!(statuses[3], StatusCode::TOO_MANY_REQUESTS, "a made-up header does not dodge the limit: {statuses:?}");
        let failed = t.audit("auth.login", "failed").await;
        assert!(!failed.is_empty() && failed.iter().all(|e| e.ip == "127.0.0.1"), "{:?}", failed.iter().map(|e| &e.ip).collect::<Vec<_>>());
        t.finish().await;
    }
}

#[tokio::test]
async fn login_and_api_are_rate_limited() {
    let config = jinguo_web::WebConfig { login_per_minute: 3, api_per_second: 2, ..jinguo_web::WebConfig::default() };
    for t in apps_with(config).await {
        let mut statuses = Vec::new();
        for _ in 0..5 {
            statuses.push(t.call("POST", "/api/v1/auth/login", None, Some(json!({"username": "nobody", "password": "x"}))).await.0);
        }
        assert_eq!(statuses.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count(), 2, "{statuses:?}");
        let mut limited = 0;
        for _ in 0..10 {
            if t.call("GET", "/api/v1/regions/4205", None, None).await.0 == StatusCode::TOO_MANY_REQUESTS {
                limited += 1;
            }
        }
        assert!(limited >= 4, "{limited}");
        t.finish().await;
    }
}
