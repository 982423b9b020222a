//! Family points through the pages: a village officer registers a family, adds a member by ID
//! number, records points, puts an item on the shelf, redeems it (a resubmitted form does not
//! redeem twice; beyond the balance the message is shown and nothing written), and a motto goes
//! from submission to the public wall.

use jinguo_domain::people::IdNumber;
use reqwest::StatusCode;
use serde_json::json;

use crate::browser::*;
use crate::support::apps;

fn id_number(body17: &str) -> String {
    format!("{body17}{}", IdNumber::check_char(body17))
}

#[tokio::test]
async fn a_village_officer_runs_a_family_from_her_pages() {
    for t in apps().await {
        let token = t.token("village").await;
        let idn = id_number("42050219750505002");
        let (s, _) = t.post("/api/v1/people", &token, json!({"name": "刘桂芳", "id_number": idn, "region": "420502001001"})).await;
        assert_eq!(s, StatusCode::CREATED);
        let b = login(&t, "village").await;
        let (s, html) = get(&t, &b, "/families").await;
        assert!(s == StatusCode::OK && html.contains("登记家庭") && html.contains("积分超市"), "{html}");

        let res = post_form(&t, &b, "/families/new", "/families/new", &[("region", "420502001"), ("name", "刘家")]).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(res.text().await.unwrap().contains("村(社区)一级"));
        let res = post_form(&t, &b, "/families/new", "/families/new", &[("region", "420502001001"), ("name", "刘桂芳家庭")]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let page = location(&res).split('?').next().unwrap().to_owned();
        let id = page.rsplit('/').next().unwrap().to_owned();

        let res = post_form(&t, &b, &page, &format!("{page}/members"), &[("id_number", &idn), ("relation", "head")]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let res = post_form(
            &t,
            &b,
            &page,
            &format!("{page}/points"),
            &[("kind", "deduct"), ("points", "5"), ("reason", "乱扔垃圾"), ("rule", "")],
        )
        .await;
        assert_eq!(res.status(), StatusCode::CONFLICT);
        assert!(res.text().await.unwrap().contains("积分不足"));
        let res = post_form(
            &t,
            &b,
            &page,
            &format!("{page}/points"),
            &[("kind", "earn"), ("points", "40"), ("reason", "孝老爱亲"), ("rule", "")],
        )
        .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);

        let res = post_form(
            &t,
            &b,
            "/store/items/new",
            "/store/items/new",
            &[("region", "420502001001"), ("name", "食用油"), ("price", "30"), ("stock", "3")],
        )
        .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let item = location(&res).split('?').next().unwrap().rsplit('/').next().unwrap().to_owned();

        // The redemption form carries its own key: posting it twice redeems once.
        let (_, html) = get(&t, &b, &page).await;
        assert!(html.contains("刘**") && html.contains("40") && html.contains("食用油"), "{html}");
        let form =
            [("csrf", input_value(&html, "csrf")), ("item", item.clone()), ("quantity", "1".into()), ("key", input_value(&html, "key"))];
        for _ in 0..2 {
            let res = b.post(t.url(&format!("{page}/redemptions"))).form(&form).send().await.unwrap();
            assert_eq!(res.status(), StatusCode::SEE_OTHER);
        }
        assert_eq!(t.get(&format!("/api/v1/families/{id}"), &token).await.1["balance"], 10);
        assert_eq!(t.get(&format!("/api/v1/store/items/{item}"), &token).await.1["stock"], 2);
        let res = post_form(&t, &b, &page, &format!("{page}/redemptions"), &[("item", &item), ("quantity", "1"), ("key", "another")]).await;
        assert_eq!(res.status(), StatusCode::CONFLICT);
        assert!(res.text().await.unwrap().contains("积分不足：该家庭现有 10 分"));
        assert_eq!(t.get(&format!("/api/v1/store/items/{item}"), &token).await.1["stock"], 2, "nothing written");

        // A motto: submitted, approved, on the public wall (no account needed).
        let res = post_form(&t, &b, &page, &format!("{page}/mottos"), &[("body", "勤俭持家，孝老爱亲")]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let (_, wall) = get(&t, &t.browser(), "/public/mottos?region=420502001001").await;
        assert!(!wall.contains("勤俭持家"), "not before approval");
        let (_, html) = get(&t, &b, "/mottos").await;
        assert!(html.contains("勤俭持家"), "{html}");
        let action = html.split("action=\"/mottos/").nth(1).unwrap().split('"').next().unwrap().to_owned();
        let res = post_form(&t, &b, "/mottos", &format!("/mottos/{action}"), &[("decision", "approve"), ("note", "")]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let (s, wall) = get(&t, &t.browser(), "/public/mottos?region=420502001001").await;
        assert_eq!(s, StatusCode::OK);
        assert!(wall.contains("勤俭持家，孝老爱亲") && wall.contains("刘家") && !wall.contains("刘桂芳"), "{wall}");
        t.finish().await;
    }
}
