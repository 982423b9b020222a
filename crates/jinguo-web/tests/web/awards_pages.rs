//! The award pages as a person uses them (forms posted with their token): over-quota review on
//! the staff page, and on the public page a vote outside the period and an objection after the
//! notice ended, each answered in Chinese on the page with nothing written.

use reqwest::StatusCode;
use serde_json::json;

use crate::awards::{family, town_account};
use crate::browser::{get, location, login, post_form, public_register};
use crate::support::apps;

#[tokio::test]
async fn bad_input_on_the_award_pages_is_answered_in_chinese_and_writes_nothing() {
    for t in apps().await {
        town_account(&t).await;
        let (city, county, village) = (t.token("city").await, t.token("county").await, t.token("village").await);
        let (s, v) = t
            .post(
                "/api/v1/awards/campaigns",
                &city,
                json!({"kind": "integrity", "year": 2026, "nominate_from": "2026-11-28", "nominate_to": "2026-12-05",
                       "review_from": "2026-11-28", "review_to": "2026-12-10", "vote_from": "2026-11-28", "vote_to": "2026-12-05",
                       "notice_from": "2026-12-11", "quotas": [{"county": "420502", "quota": 1}]}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let cid = v["id"].as_str().unwrap().to_owned();
        let mut noms = Vec::new();
        for (name, body) in [("何秀珍", "42050219660606061"), ("罗丽", "42050219770707072")] {
            let (f, _) = family(&t, &village, name, body, "420502001001").await;
            let (s, n) = t
                .post("/api/v1/awards/nominations", &village, json!({"campaign": cid, "family": f, "story": "清正廉洁，家风严明。"}))
                .await;
            assert_eq!(s, StatusCode::CREATED, "{n}");
            noms.push(n["id"].as_str().unwrap().to_owned());
        }

        // The town approves one on its page; the second is over 西陵区's one place.
        let town = login(&t, "town").await;
        let page = format!("/awards/nominations/{}", noms[0]);
        let res = post_form(&t, &town, &page, &format!("{page}/review"), &[("decision", "approve"), ("reason", "")]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let page = format!("/awards/nominations/{}", noms[1]);
        let res = post_form(&t, &town, &page, &format!("{page}/review"), &[("decision", "approve"), ("reason", "")]).await;
        assert_eq!(res.status(), StatusCode::CONFLICT);
        let html = res.text().await.unwrap();
        assert!(html.contains("西陵区的镇(街道)级名额（1 个）已用完"), "{html}");
        let (_, v) = t.get(&page.replace("/awards/", "/api/v1/awards/"), &county).await;
        assert_eq!((v["stage"].as_str(), v["reviews"].as_array().map(Vec::len)), (Some("submitted"), Some(0)), "nothing written: {v}");

        // A member of the public votes on the public page, once a day.
        let fan = public_register(&t, "13907171234", "王女士").await;
        let (s, html) = get(&t, &fan, &format!("/public/awards/{cid}")).await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("何秀珍家庭") && html.contains("投一票"), "{html}");
        let action = format!("/public/awards/nominations/{}/vote", noms[0]);
        let res = post_form(&t, &fan, &format!("/public/awards/{cid}"), &action, &[("campaign", &cid)]).await;
        assert_eq!((res.status(), location(&res)), (StatusCode::SEE_OTHER, format!("/public/awards/{cid}?done=vote")));
        let res = post_form(&t, &fan, &format!("/public/awards/{cid}"), &action, &[("campaign", &cid)]).await;
        assert_eq!(res.status(), StatusCode::CONFLICT);
        assert!(res.text().await.unwrap().contains("您今天已为TA投过票"));

        // After the voting period: refused on the page, nothing written.
        t.clock.advance(chrono::Duration::days(8)); // 2026-12-06
        let late = public_register(&t, "13907175678", "李女士").await;
        let res = post_form(&t, &late, &format!("/public/awards/{cid}"), &action, &[("campaign", &cid)]).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = res.text().await.unwrap();
        assert!(html.contains("投票已于 2026-12-05 结束"), "{html}");
        let (county, city) = (t.token("county").await, t.token("city").await);
        let (_, v) = t.get(&format!("/api/v1/awards/nominations/{}", noms[0]), &county).await;
        assert_eq!(v["votes"], 1, "{v}");

        // Through county and city, then the notice; after it ends an objection is refused.
        assert_eq!(
            t.post(&format!("/api/v1/awards/nominations/{}/review", noms[0]), &county, json!({"decision": "approve"})).await.0,
            StatusCode::OK
        );
        assert_eq!(
            t.post(&format!("/api/v1/awards/nominations/{}/review", noms[0]), &city, json!({"decision": "approve"})).await.0,
            StatusCode::OK
        );
        t.clock.advance(chrono::Duration::days(5)); // 2026-12-11
        let city = t.token("city").await;
        assert_eq!(t.post(&format!("/api/v1/awards/campaigns/{cid}/notice"), &city, json!({})).await.0, StatusCode::OK);
        t.clock.advance(chrono::Duration::days(7)); // 2026-12-18
        let after = public_register(&t, "13907179999", "赵女士").await;
        let objection = format!("/public/awards/nominations/{}/object", noms[0]);
        let res =
            post_form(&t, &after, &format!("/public/awards/{cid}"), &objection, &[("campaign", &cid), ("text", "反映该家庭有违规问题。")])
                .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = res.text().await.unwrap();
        assert!(html.contains("公示期已于 2026-12-17 结束"), "{html}");
        let city = t.token("city").await;
        let (_, os) = t.get(&format!("/api/v1/awards/campaigns/{cid}/objections"), &city).await;
        assert_eq!(os["total"], 0, "nothing written: {os}");
        t.finish().await;
    }
}
