//! One-to-one help through the pages: her record's help section (a pairing and aid, a bad amount
//! re-shown beside the field with nothing written), and a mutual-aid group's page.

use jinguo_domain::people::IdNumber;
use reqwest::StatusCode;
use serde_json::json;

use crate::browser::*;
use crate::support::apps;

fn id_number(body17: &str) -> String {
    format!("{body17}{}", IdNumber::check_char(body17))
}

#[tokio::test]
async fn a_village_officer_records_a_pairing_aid_and_a_group_from_her_phone() {
    for t in apps().await {
        let token = t.token("village").await;
        let (_, w) = t
            .post("/api/v1/people", &token, json!({"name": "黄秀英", "id_number": id_number("42050219680808002"), "region": "420502001001", "categories": ["left_behind"]}))
            .await;
        let person = w["id"].as_str().unwrap().to_owned();
        let page = format!("/people/{person}");
        let village = login(&t, "village").await;
        let (s, html) = get(&t, &village, &page).await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("结对帮扶") && html.contains("尚无救助记录") && html.contains(&format!("/people/{person}/aid")), "{html}");

        // A bad amount: the form again, the message beside the amount, nothing written.
        let res = post_form(
            &t,
            &village,
            &page,
            &format!("/people/{person}/aid"),
            &[("kind", "living"), ("given_on", "2026-11-01"), ("amount", "12.345"), ("source", "民政临时救助"), ("note", "")],
        )
        .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = res.text().await.unwrap();
        assert!(field(&html, "amount").contains("两位小数"), "{html}");
        assert!(html.contains("民政临时救助"), "kept what she typed: {html}");
        assert_eq!(t.get("/api/v1/care/aid", &token).await.1["total"], 0);

        let res = post_form(
            &t,
            &village,
            &page,
            &format!("/people/{person}/aid"),
            &[("kind", "living"), ("given_on", "2026-11-01"), ("amount", "1200.50"), ("source", "民政临时救助"), ("note", "")],
        )
        .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let res = post_form(
            &t,
            &village,
            &page,
            &format!("/people/{person}/pairings"),
            &[("helper_name", "王芳"), ("helper_kind", "volunteer"), ("started_on", "2026-11-02")],
        )
        .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let (_, html) = get(&t, &village, &location(&res)).await;
        assert!(html.contains("1200.50") && html.contains("王芳") && html.contains("志愿者") && html.contains("帮扶中"), "{html}");

        // A group, a member by ID number, a meeting.
        let res = post_form(
            &t,
            &village,
            "/help/groups/new",
            "/help/groups/new",
            &[
                ("region", "420502001001"),
                ("name", "土街头社区留守妇女互助小组"),
                ("topic", ""),
                ("leader", "李红"),
                ("formed_on", "2026-10-01"),
            ],
        )
        .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{}", res.text().await.unwrap());
        let group = location(&res).split('?').next().unwrap().to_owned();
        let res = post_form(&t, &village, &group, &format!("{group}/members"), &[("id_number", "420502"), ("joined_on", "")]).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(field(&res.text().await.unwrap(), "id_number").contains("class=\"error\""));
        let res = post_form(
            &t,
            &village,
            &group,
            &format!("{group}/members"),
            &[("id_number", &id_number("42050219680808002")), ("joined_on", "")],
        )
        .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let res = post_form(
            &t,
            &village,
            &group,
            &format!("{group}/meetings"),
            &[("held_on", "2026-11-20"), ("topic", "家庭教育经验交流"), ("attendees", "9"), ("note", "")],
        )
        .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let (_, html) = get(&t, &village, &group).await;
        assert!(html.contains("黄*") && !html.contains("黄秀英") && html.contains("9 人参加"), "{html}");
        let (_, html) = get(&t, &village, &page).await;
        assert!(html.contains("土街头社区留守妇女互助小组"), "her groups on her record: {html}");
        let (_, html) = get(&t, &village, "/help/groups").await;
        assert!(html.contains(&format!("href=\"{group}\"")) && html.contains("1 人"), "{html}");

        // A reviewer sees the group but no names; another county no group at all.
        let reviewer = login(&t, "reviewer").await;
        let (s, html) = get(&t, &reviewer, &group).await;
        assert_eq!(s, StatusCode::OK);
        assert!(!html.contains("黄") && !html.contains("李红"), "{html}");
        let yiling = login(&t, "yiling").await;
        assert_eq!(get(&t, &yiling, &group).await.0, StatusCode::NOT_FOUND);
        t.finish().await;
    }
}
