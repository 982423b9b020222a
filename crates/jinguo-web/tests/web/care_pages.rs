//! Dynamic monitoring through the pages, as a village officer on her phone uses them: opening a
//! case from her record, recording a visit and seeing the next due date, and the county's
//! overdue list as the days pass.

use jinguo_domain::people::IdNumber;
use reqwest::StatusCode;
use serde_json::json;

use crate::browser::*;
use crate::support::{TestApp, apps};

fn id_number(body17: &str) -> String {
    format!("{body17}{}", IdNumber::check_char(body17))
}

/// The visits stored for the case at `case_path` (`/care/cases/{id}`), read through the API.
async fn visits_stored(t: &TestApp, token: &str, case_path: &str) -> usize {
    let (s, v) = t.get(&format!("/api/v1{case_path}"), token).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v["visits"].as_array().map(Vec::len).unwrap_or_default()
}

#[tokio::test]
async fn a_village_officer_opens_a_case_records_a_visit_and_the_county_sees_it_fall_overdue() {
    for t in apps().await {
        let token = t.token("village").await;
        let (s, woman) = t
            .post(
                "/api/v1/people",
                &token,
                json!({"name": "黄秀英", "id_number": id_number("42050219680808002"), "region": "420502001001", "categories": ["hardship"]}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{woman}");
        let person = woman["id"].as_str().unwrap().to_owned();
        let (_, other) = t
            .post("/api/v1/people", &token, json!({"name": "吴丽", "id_number": id_number("42050219900909004"), "region": "420502001001"}))
            .await;
        let other = other["id"].as_str().unwrap().to_owned();

        let village = login(&t, "village").await;
        // Her record offers to open a case; the other woman's does not.
        let (_, html) = get(&t, &village, &format!("/people/{person}")).await;
        assert!(html.contains(&format!("/care/cases/new?person={person}")), "{html}");
        let (_, html) = get(&t, &village, &format!("/people/{other}")).await;
        assert!(!html.contains("/care/cases/new"), "{html}");

        // A woman outside the vulnerable categories: the message beside her.
        let page = format!("/care/cases/new?person={other}");
        let res =
            post_form(&t, &village, &page, "/care/cases/new", &[("person", &other), ("risk", "high"), ("opened_on", "2026-10-01")]).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = res.text().await.unwrap();
        assert!(html.contains("id=\"e-person\"") && html.contains("无需建立监测档案"), "{html}");

        // The radio buttons show each level's interval.
        let page = format!("/care/cases/new?person={person}");
        let (_, html) = get(&t, &village, &page).await;
        assert!(html.contains("每月走访") && html.contains("每季度走访") && html.contains("每半年走访"), "{html}");
        assert!(html.contains("黄*"), "masked name: {html}");
        let res =
            post_form(&t, &village, &page, "/care/cases/new", &[("person", &person), ("risk", "high"), ("opened_on", "2026-10-01")]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{}", res.text().await.unwrap());
        let case_url = location(&res);
        assert!(case_url.starts_with("/care/cases/"), "{case_url}");
        let case_path = case_url.split('?').next().unwrap().to_owned();
        let (s, html) = get(&t, &village, &case_url).await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("已建立监测档案") && html.contains("2026-10-31") && html.contains("已逾期 28 天"), "{html}");
        assert!(!html.contains("黄秀英"), "masked on the case page: {html}");
        // Her record now links to the case instead.
        let (_, html) = get(&t, &village, &format!("/people/{person}")).await;
        assert!(html.contains(&format!("href=\"{case_path}\"")) && !html.contains("/care/cases/new"), "{html}");
        let (_, html) = get(&t, &village, "/care/cases").await;
        assert!(html.contains(&format!("href=\"{case_path}\"")) && html.contains("逾期 28 天"), "{html}");

        // An empty 走访情况: the form again with the message beside it, nothing written.
        let before = visits_stored(&t, &token, &case_path).await;
        let res = post_form(
            &t,
            &village,
            &case_path,
            &format!("{case_path}/visits"),
            &[("visited_on", "2026-11-28"), ("findings", " "), ("needs", "子女助学"), ("visitor", "")],
        )
        .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = res.text().await.unwrap();
        assert!(field(&html, "findings").contains("class=\"error\""), "{html}");
        assert!(html.contains("子女助学"), "kept what she typed: {html}");
        assert_eq!(visits_stored(&t, &token, &case_path).await, before);

        // The visit form defaults to today and her own name; a visit sets the next due date.
        let (_, html) = get(&t, &village, &case_path).await;
        assert!(field(&html, "visited_on").contains("value=\"2026-11-28\""), "{html}");
        assert!(field(&html, "visitor").contains("value=\"village用户\""), "{html}");
        let res = post_form(
            &t,
            &village,
            &case_path,
            &format!("{case_path}/visits"),
            &[
                ("visited_on", "2026-11-28"),
                ("findings", "家中生活困难，子女上学费用紧张"),
                ("needs", "子女助学"),
                ("visitor", "village用户"),
            ],
        )
        .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&res), format!("{case_path}?visited=1"));
        let (_, html) = get(&t, &village, &location(&res)).await;
        assert!(html.contains("已登记走访，下次走访应在 2026-12-28 前"), "{html}");
        assert!(html.contains("家中生活困难，子女上学费用紧张") && !html.contains("已逾期"), "{html}");
        assert_eq!(visits_stored(&t, &token, &case_path).await, before + 1);

        // The county's overdue list: not her now; 35 days on, her.
        let county = login(&t, "county").await;
        let (s, html) = get(&t, &county, "/care/overdue").await;
        assert_eq!(s, StatusCode::OK);
        assert!(!html.contains(&format!("href=\"{case_path}\"")) && html.contains("共 0 人逾期"), "{html}");
        t.clock.advance(chrono::Duration::days(35));
        let county = login(&t, "county").await;
        let (_, html) = get(&t, &county, "/care/overdue").await;
        assert!(html.contains(&format!("href=\"{case_path}\"")) && html.contains("<strong>5</strong> 天"), "{html}");
        assert!(html.contains("黄*") && !html.contains("黄秀英"), "{html}");
        assert!(html.contains("西陵区"), "region breadcrumb: {html}");

        // Another county's officer: no such case.
        let yiling = login(&t, "yiling").await;
        let (s, _) = get(&t, &yiling, &case_path).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (_, html) = get(&t, &yiling, "/care/overdue").await;
        assert!(!html.contains(&format!("href=\"{case_path}\"")), "{html}");

        // Closing needs a reason.
        let village = login(&t, "village").await;
        let res = post_form(&t, &village, &case_path, &format!("{case_path}/close"), &[("closed_on", ""), ("reason", "")]).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(field(&res.text().await.unwrap(), "reason").contains("class=\"error\""));
        let res =
            post_form(&t, &village, &case_path, &format!("{case_path}/close"), &[("closed_on", ""), ("reason", "家庭情况好转")]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let (_, html) = get(&t, &village, &case_path).await;
        assert!(html.contains("家庭情况好转") && !html.contains("登记走访</button>"), "{html}");
        t.finish().await;
    }
}

#[tokio::test]
async fn the_system_administrator_sets_the_visit_intervals_and_open_cases_follow_from_their_next_visit() {
    for t in apps().await {
        let token = t.token("village").await;
        let (_, woman) = t
            .post(
                "/api/v1/people",
                &token,
                json!({"name": "黄秀英", "id_number": id_number("42050219680808002"), "region": "420502001001", "categories": ["hardship"]}),
            )
            .await;
        let person = woman["id"].as_str().unwrap().to_owned();
        let (s, case) = t.post("/api/v1/care/cases", &token, json!({"person": person, "risk": "high", "opened_on": "2026-11-01"})).await;
        assert_eq!(s, StatusCode::CREATED, "{case}");
        let case_path = format!("/care/cases/{}", case["id"].as_str().unwrap());

        // Only the system administrator may change them.
        let village = login(&t, "village").await;
        assert_eq!(get(&t, &village, "/admin/visit-intervals").await.0, StatusCode::FORBIDDEN);
        let admin = login(&t, "admin").await;
        let (s, html) = get(&t, &admin, "/admin/visit-intervals").await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("value=\"30\"") && html.contains("value=\"90\"") && html.contains("value=\"182\""), "{html}");
        assert!(html.contains("已排定的下次走访日期不变"), "the page says what a change does: {html}");

        // Bad values: each message beside its field, the values kept, nothing changed.
        for (fields, field_name, message) in [
            ([("high", "5"), ("medium", "90"), ("low", "182")], "high", "7 到 366 天"),
            ([("high", "30"), ("medium", "1.5"), ("low", "182")], "medium", "整数天数"),
            ([("high", "30"), ("medium", "90"), ("low", "")], "low", "请填写低风险"),
            ([("high", "100"), ("medium", "90"), ("low", "182")], "high", "不能长于中风险"),
        ] {
            let res = post_form(&t, &admin, "/admin/visit-intervals", "/admin/visit-intervals", &fields).await;
            assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{fields:?}");
            let html = res.text().await.unwrap();
            assert!(field(&html, field_name).contains(message), "{fields:?}: {html}");
            assert!(html.contains(&format!("value=\"{}\"", fields[1].1)), "values kept: {html}");
        }
        assert!(t.audit("settings.visit", "ok").await.is_empty(), "{}: a refused change changes nothing", t.engine);

        let res =
            post_form(&t, &admin, "/admin/visit-intervals", "/admin/visit-intervals", &[("high", "14"), ("medium", "60"), ("low", "120")])
                .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{}", res.text().await.unwrap());
        let (_, html) = get(&t, &admin, &location(&res)).await;
        assert!(html.contains("已保存；1 份进行中的监测档案") && html.contains("value=\"14\""), "{html}");
        let audited = t.audit("settings.visit", "ok").await;
        assert_eq!(audited.len(), 1);
        assert!(audited[0].detail.contains("\"high\":30") && audited[0].detail.contains("\"high\":14"), "{}", audited[0].detail);

        // Her next due date stays; her next visit moves it on by 14 days.
        let (_, html) = get(&t, &village, &case_path).await;
        assert!(html.contains("2026-12-01") && html.contains("每 14 天走访"), "{html}");
        let res = post_form(
            &t,
            &village,
            &case_path,
            &format!("{case_path}/visits"),
            &[("visited_on", "2026-11-20"), ("findings", "身体尚好"), ("visitor", "李霞")],
        )
        .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let (_, html) = get(&t, &village, &case_path).await;
        assert!(html.contains("2026-12-04"), "2026-11-20 + 14 days: {html}");
        // The form for a new case shows the new intervals.
        let (_, html) = get(&t, &village, &format!("/care/cases/new?person={person}")).await;
        assert!(html.contains("每 14 天走访") && html.contains("每 60 天走访") && html.contains("每 120 天走访"), "{html}");
        t.finish().await;
    }
}
