//! Two-cancer screening through the API: the statistical-year rule, overdue follow-ups, coverage.

use jinguo_domain::people::IdNumber;
use reqwest::StatusCode;
use serde_json::json;

use crate::support::apps;

fn id_number(body17: &str) -> String {
    format!("{body17}{}", IdNumber::check_char(body17))
}

#[tokio::test]
async fn screenings_count_once_a_year_and_abnormal_ones_await_follow_up() {
    for t in apps().await {
        let village = t.token("village").await;
        let (_, woman) = t
            .post(
                "/api/v1/people",
                &village,
                json!({"name": "郑晓燕", "id_number": id_number("42050219850312002"), "region": "420502001001"}),
            )
            .await;
        let (_, young) = t
            .post(
                "/api/v1/people",
                &village,
                json!({"name": "孙琳", "id_number": id_number("42050219960101002"), "region": "420502001001"}),
            )
            .await;
        let person = woman["id"].as_str().unwrap().to_owned();

        let (s, v) = t.post("/api/v1/screenings", &village, json!({"person": young["id"], "kind": "cervical", "screened_on": "2026-05-10", "site": "西陵区妇幼保健院", "result": "normal"})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "a woman of 30 is not screened: {v}");
        assert!(v["error"]["message"].as_str().unwrap().contains("35"));

        let screen = |kind: &'static str, day: &'static str, result: &'static str| {
            let (t, village, person) = (&t, village.clone(), person.clone());
            async move {
                let (s, v) = t
                    .post(
                        "/api/v1/screenings",
                        &village,
                        json!({"person": person, "kind": kind, "screened_on": day, "site": "西陵区妇幼保健院", "result": result}),
                    )
                    .await;
                assert_eq!(s, StatusCode::CREATED, "{v}");
                v
            }
        };
        // 31 March and 1 April fall in two statistical years; a second cervical screening in the
        // same year is flagged and not counted again.
        assert_eq!(screen("cervical", "2026-03-31", "normal").await["stat_year"], 2025);
        let first = screen("cervical", "2026-05-10", "normal").await;
        assert_eq!((first["stat_year"].as_i64(), first["repeat_in_year"].as_bool()), (Some(2026), Some(false)));
        assert_eq!(screen("cervical", "2026-09-01", "normal").await["repeat_in_year"], true);
        let breast = screen("breast", "2026-06-01", "abnormal").await;

        let county = t.token("county").await;
        let figures = |from: &'static str, to: &'static str| {
            let (t, county) = (&t, county.clone());
            async move {
                let ids = "health.screenings.cervical,health.screenings.breast,health.women_screened,health.abnormal,health.followed_up,health.eligible,health.coverage";
                let (_, v) = t.get(&format!("/api/v1/indicators?region=420502&from={from}&to={to}&ids={ids}"), &county).await;
                v["items"].as_array().unwrap().iter().map(|f| f["value"].as_f64().unwrap()).collect::<Vec<f64>>()
            }
        };
        // The statistical year 2026 so far: one woman screened for each cancer, one abnormal,
        // one eligible woman on the register (the other is 30): coverage 100 %.
        assert_eq!(figures("2026-04-01", "2026-11-28").await, [1.0, 1.0, 1.0, 1.0, 0.0, 1.0, 100.0]);

        // The abnormal result has waited more than 30 days: it is on the overdue list.
        let (_, overdue) = t.get("/api/v1/screenings/overdue", &county).await;
        assert_eq!((overdue["total"].as_i64(), overdue["items"][0]["id"].as_str()), (Some(1), breast["id"].as_str()), "{overdue}");
        let path = format!("/api/v1/screenings/{}/follow-up", breast["id"].as_str().unwrap());
        let (s, _) = t.post(&path, &county, json!({"follow_up_on": "2026-05-01", "diagnosis": "x"})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "a follow-up before the screening");
        let (s, v) = t.post(&path, &county, json!({"follow_up_on": "2026-06-20", "diagnosis": "乳腺增生，定期复查"})).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let (_, overdue) = t.get("/api/v1/screenings/overdue", &county).await;
        assert_eq!(overdue["total"], 0);
        assert_eq!(figures("2026-04-01", "2026-11-28").await[4], 1.0);
        let (_, normal) =
            t.post(&format!("/api/v1/screenings/{}/follow-up", first["id"].as_str().unwrap()), &county, json!({"diagnosis": "x"})).await;
        assert_eq!(normal["error"]["code"], "invalid");

        // 夷陵区 sees none of it.
        let yiling = t.token("yiling").await;
        assert_eq!(t.get("/api/v1/screenings", &yiling).await.1["total"], 0);
        assert_eq!(t.post(&path, &yiling, json!({"diagnosis": "x"})).await.0, StatusCode::FORBIDDEN);
        let (_, list) = t.get("/api/v1/screenings?year=2026&kind=cervical", &county).await;
        assert_eq!(list["total"], 2);
        t.finish().await;
    }
}
