//! The register of women through the pages, as a village officer on her phone and a county
//! officer at her desk use it: the registration form, her masked record, the list by scope and
//! role, and revealing her full ID number with a reason.

use jinguo_domain::people::IdNumber;
use reqwest::{Client, StatusCode};

use crate::browser::*;
use crate::support::{TestApp, apps};

const BODY17: &str = "42050219850312002";

fn id_number() -> String {
    format!("{BODY17}{}", IdNumber::check_char(BODY17))
}

/// The same number with a wrong check character.
fn wrong_id_number() -> String {
    let right = IdNumber::check_char(BODY17);
    let wrong = if right == '0' { '1' } else { '0' };
    format!("{BODY17}{wrong}")
}

/// The village officer registers 张秀兰 through the form; answers her record's path.
async fn register(t: &TestApp, village: &Client) -> String {
    let id = id_number();
    let res = post_form(
        t,
        village,
        "/people/new",
        "/people/new",
        &[
            ("name", "张秀兰"),
            ("id_number", &id),
            ("phone", "13812345678"),
            ("region", "420502001001"),
            ("categories", "hardship"),
            ("categories", "left_behind"),
            ("address", "湖北省宜昌市西陵区土街头3号"),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "{}: {}", t.engine, res.text().await.unwrap());
    let to = location(&res);
    assert!(to.starts_with("/people/") && to.ends_with("?saved=1"), "{to}");
    to.trim_end_matches("?saved=1").to_owned()
}

#[tokio::test]
async fn a_village_officer_registers_a_woman_through_the_form_once() {
    for t in apps().await {
        let village = login(&t, "village").await;
        let (_, home) = get(&t, &village, "/").await;
        assert!(home.contains("关爱") && home.contains("href=\"/people\""), "the menu has the register: {home}");

        // The form offers her own village, chosen already, and the categories in Chinese.
        let (status, form) = get(&t, &village, "/people/new").await;
        assert_eq!(status, StatusCode::OK);
        assert!(field(&form, "region").contains("value=\"420502001001\" selected>土街头社区"), "{form}");
        assert!(form.contains("18 位，末位可为 X") && form.contains("value=\"left_behind\"> 留守"), "{form}");

        // A wrong check digit: the form again, the message beside 身份证号码, nothing written.
        let res = post_form(
            &t,
            &village,
            "/people/new",
            "/people/new",
            &[("name", "张秀兰"), ("id_number", &wrong_id_number()), ("region", "420502001001"), ("categories", "hardship")],
        )
        .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{}", t.engine);
        let html = res.text().await.unwrap();
        assert!(field(&html, "id_number").contains("校验码"), "{html}");
        assert!(html.contains("value=\"张秀兰\"") && html.contains("value=\"hardship\" checked"), "the form keeps what was typed: {html}");
        let (_, list) = get(&t, &village, "/people").await;
        assert!(list.contains("共 0 人"), "{list}");

        // Registered: her record, masked, with her full name.
        let record = register(&t, &village).await;
        let (status, html) = get(&t, &village, &format!("{record}?saved=1")).await;
        assert_eq!(status, StatusCode::OK);
        let id = id_number();
        assert!(html.contains("已登记") && html.contains("<h1>张秀兰</h1>"), "{html}");
        assert!(html.contains(&format!("420502********{}", &id[14..])) && !html.contains(&id), "{html}");
        assert!(html.contains("138****5678") && !html.contains("13812345678"), "{html}");
        assert!(html.contains(">困难<") && html.contains(">留守<") && html.contains("41 岁"), "{html}");

        // The same number again (lower-case x or not) lands on her record with a notice.
        let res =
            post_form(&t, &village, "/people/new", "/people/new", &[("name", "张秀兰"), ("id_number", &id), ("region", "420502001001")])
                .await;
        assert_eq!((res.status(), location(&res)), (StatusCode::SEE_OTHER, format!("{record}?found=1")));
        let (_, html) = get(&t, &village, &format!("{record}?found=1")).await;
        assert!(html.contains("该身份证号码已登记，已为您打开她的信息"), "{html}");

        // Outside the village's county: registered elsewhere, said beside the field, no details.
        let yiling = login(&t, "yiling").await;
        let (_, form) = get(&t, &yiling, "/people/new").await;
        assert!(field(&form, "region").contains("type=\"text\""), "a county officer types the code: {form}");
        let res =
            post_form(&t, &yiling, "/people/new", "/people/new", &[("name", "张秀兰"), ("id_number", &id), ("region", "420506100001")])
                .await;
        assert_eq!(res.status(), StatusCode::CONFLICT);
        let html = res.text().await.unwrap();
        let beside = field(&html, "id_number");
        assert!(beside.contains("其他地区") && !beside.contains("土街头"), "{html}");

        // The county's list shows her masked; 夷陵区's does not show her at all.
        let county = login(&t, "county").await;
        let (_, list) = get(&t, &county, "/people").await;
        assert!(list.contains("共 1 人") && list.contains("张**") && !list.contains("张秀兰"), "{list}");
        assert!(list.contains(&format!("420502********{}", &id[14..])) && list.contains("土街头社区"), "{list}");
        let (_, list) = get(&t, &county, "/people?category=disability").await;
        assert!(list.contains("共 0 人"), "{list}");
        let (_, list) = get(&t, &county, &format!("/people?q={id}")).await;
        assert!(list.contains("共 1 人"), "a full ID number finds her: {list}");
        let (_, list) = get(&t, &yiling, "/people").await;
        assert!(list.contains("共 0 人") && !list.contains("张*"), "{list}");
        let (status, _) = get(&t, &yiling, &record).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        t.finish().await;
    }
}

#[tokio::test]
async fn revealing_asks_for_a_reason_and_is_audited_and_a_reviewer_sees_no_names() {
    for t in apps().await {
        let village = login(&t, "village").await;
        let record = register(&t, &village).await;
        let id = id_number();
        let county = login(&t, "county").await;
        let (_, html) = get(&t, &county, &record).await;
        assert!(html.contains("查看完整信息") && html.contains("查看原因"), "{html}");

        // Without a reason: refused beside the field, nothing shown, nothing audited.
        let res = post_form(&t, &county, &record, &format!("{record}/reveal"), &[("reason", "")]).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = res.text().await.unwrap();
        assert!(field(&html, "reason").contains("class=\"error\""), "{html}");
        assert!(!html.contains(&id), "{html}");
        assert!(t.audit("person.reveal", "ok").await.is_empty());

        // With a reason: the full values once, on this page only, and an audit entry.
        let res = post_form(&t, &county, &record, &format!("{record}/reveal"), &[("reason", "入户走访需核对身份")]).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers().get("cache-control").and_then(|v| v.to_str().ok()), Some("no-store"));
        let html = res.text().await.unwrap();
        assert!(html.contains(&id) && html.contains("13812345678") && html.contains("土街头3号"), "{html}");
        assert!(html.contains("已记入审计日志"), "{html}");
        let entries = t.audit("person.reveal", "ok").await;
        assert_eq!(entries.len(), 1, "{}", t.engine);
        // The record page afterwards is masked again.
        let (_, html) = get(&t, &county, &record).await;
        assert!(!html.contains(&id), "{html}");

        // A reviewer: no names, ID numbers or phones, and no way to reveal.
        let reviewer = login(&t, "reviewer").await;
        let (status, list) = get(&t, &reviewer, "/people").await;
        assert_eq!(status, StatusCode::OK);
        assert!(list.contains("共 1 人") && !list.contains("张") && !list.contains("********"), "{list}");
        assert!(!list.contains("<th>姓名</th>") && list.contains(">留守<"), "{list}");
        let (_, html) = get(&t, &reviewer, &record).await;
        assert!(!html.contains("张") && !html.contains("138****") && !html.contains("查看完整信息"), "{html}");
        let (status, _) = get(&t, &reviewer, "/people/new").await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        t.finish().await;
    }
}
