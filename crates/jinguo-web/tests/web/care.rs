//! Dynamic monitoring through the API: a case, a visit, the next due date, the overdue list.

use jinguo_domain::people::IdNumber;
use reqwest::StatusCode;
use serde_json::json;

use crate::support::apps;

fn id_number(body17: &str) -> String {
    format!("{body17}{}", IdNumber::check_char(body17))
}

#[tokio::test]
async fn a_visit_sets_the_next_due_date_and_the_county_sees_overdue_cases() {
    for t in apps().await {
        let village = t.token("village").await;
        let (_, woman) = t
            .post("/api/v1/people", &village, json!({"name": "黄秀英", "id_number": id_number("42050219680808002"), "region": "420502001001", "categories": ["hardship"]}))
            .await;
        let person = woman["id"].as_str().unwrap().to_owned();
        let (_, other) = t
            .post(
                "/api/v1/people",
                &village,
                json!({"name": "吴丽", "id_number": id_number("42050219900909004"), "region": "420502001001"}),
            )
            .await;

        // Only vulnerable women get a case; the risk level sets the interval.
        let (s, v) = t.post("/api/v1/care/cases", &village, json!({"person": other["id"], "risk": "high"})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        let (s, case) = t.post("/api/v1/care/cases", &village, json!({"person": person, "risk": "high", "opened_on": "2026-10-01"})).await;
        assert_eq!(s, StatusCode::CREATED, "{case}");
        assert_eq!(
            (case["interval_days"].as_i64(), case["next_due"].as_str(), case["days_overdue"].as_i64()),
            (Some(30), Some("2026-10-31"), Some(28))
        );
        let (s, _) = t.post("/api/v1/care/cases", &village, json!({"person": person, "risk": "low"})).await;
        assert_eq!(s, StatusCode::CONFLICT, "one open case per woman");
        let id = case["id"].as_str().unwrap().to_owned();

        // The county sees her on the overdue list, the most overdue first, masked.
        let county = t.token("county").await;
        let (_, overdue) = t.get("/api/v1/care/overdue", &county).await;
        assert_eq!((overdue["total"].as_i64(), overdue["items"][0]["person_name"].as_str()), (Some(1), Some("黄**")), "{overdue}");

        // A visit today moves the next due date a month on and takes her off the list.
        let (s, v) = t
            .post(
                &format!("/api/v1/care/cases/{id}/visits"),
                &village,
                json!({"findings": "家中生活困难，子女上学费用紧张", "needs": "子女助学"}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        assert_eq!(
            (v["last_visit_on"].as_str(), v["next_due"].as_str(), v["days_overdue"].as_i64()),
            (Some("2026-11-28"), Some("2026-12-28"), Some(0))
        );
        let (_, overdue) = t.get("/api/v1/care/overdue", &county).await;
        assert_eq!(overdue["total"], 0);
        // Bad visits change nothing.
        let (s, v) =
            t.post(&format!("/api/v1/care/cases/{id}/visits"), &village, json!({"visited_on": "2026-09-01", "findings": "x"})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        let (s, _) = t.post(&format!("/api/v1/care/cases/{id}/visits"), &village, json!({"findings": ""})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        // Another county can neither read nor write it.
        let yiling = t.token("yiling").await;
        assert_eq!(t.get(&format!("/api/v1/care/cases/{id}"), &yiling).await.0, StatusCode::NOT_FOUND);
        assert_eq!(t.post(&format!("/api/v1/care/cases/{id}/visits"), &yiling, json!({"findings": "走访"})).await.0, StatusCode::FORBIDDEN);

        // A month and more later she is overdue again.
        t.clock.advance(chrono::Duration::days(35));
        let county = t.token("county").await;
        let (_, overdue) = t.get("/api/v1/care/overdue?region=420502", &county).await;
        assert_eq!((overdue["total"].as_i64(), overdue["items"][0]["days_overdue"].as_i64()), (Some(1), Some(5)), "{overdue}");
        let (_, figs) = t.get("/api/v1/indicators?region=420502&from=2026-01-01&to=2027-01-02&ids=care.cases,care.cases.high,care.visits,care.visits.overdue", &county).await;
        let values: Vec<i64> = figs["items"].as_array().unwrap().iter().map(|f| f["value"].as_i64().unwrap()).collect();
        assert_eq!(values, [1, 1, 1, 1], "{figs}");

        // Closing takes her off the list and out of the figures from that day.
        let (s, v) = t.post(&format!("/api/v1/care/cases/{id}/close"), &county, json!({"reason": "已就业，生活稳定"})).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let (_, overdue) = t.get("/api/v1/care/overdue", &county).await;
        assert_eq!(overdue["total"], 0);
        let (_, detail) = t.get(&format!("/api/v1/care/cases/{id}"), &county).await;
        assert_eq!((detail["visits"].as_array().unwrap().len(), detail["closed_on"].as_str()), (1, Some("2027-01-02")));
        let (_, figs) = t.get("/api/v1/indicators?region=420502&from=2027-01-01&to=2027-01-02&ids=care.cases", &county).await;
        assert_eq!(figs["items"][0]["value"], 0);
        t.finish().await;
    }
}
