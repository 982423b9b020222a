//! Family education and the parent school through the pages: a county officer opens a centre,
//! forms a team and adds a lecturer (a bad form re-shown with the message beside the field);
//! anyone reads published items and views are counted; a parent asks from her phone, the staff
//! assign and answer from the queue, she rates once, and no one else sees her question.

use reqwest::StatusCode;
use serde_json::json;

use crate::browser::*;
use crate::support::apps;

#[tokio::test]
async fn a_county_officer_builds_the_guidance_system_from_the_pages() {
    for t in apps().await {
        let county = login(&t, "county").await;
        let (s, html) = get(&t, &county, "/education/centres").await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("家庭教育指导中心") && html.contains("设立指导中心(站)"), "{html}");
        // Outside her county: refused, nothing written.
        let res =
            post_form(&t, &county, "/education/centres", "/education/centres", &[("region", "420506"), ("founded_on", "2024-01-01")]).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        let res =
            post_form(&t, &county, "/education/centres", "/education/centres", &[("region", "4205x"), ("founded_on", "2024-01-01")]).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(!field(&res.text().await.unwrap(), "region").is_empty());
        let res =
            post_form(&t, &county, "/education/centres", "/education/centres", &[("region", "420502"), ("founded_on", "2024-01-01")]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let centre = location(&res);
        let (_, html) = get(&t, &county, &centre).await;
        assert!(html.contains("西陵区家庭教育指导中心") && html.contains("组建讲师团"), "{html}");
        let id = centre.trim_start_matches("/education/centres/").split('?').next().unwrap().to_owned();
        let res = post_form(
            &t,
            &county,
            &centre,
            &format!("/education/centres/{id}/teams"),
            &[("name", "西陵区家庭教育讲师团"), ("formed_on", "2024-02-01")],
        )
        .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let team = location(&res);
        let tid = team.trim_start_matches("/education/teams/").split('?').next().unwrap().to_owned();
        let res = post_form(
            &t,
            &county,
            &team,
            &format!("/education/teams/{tid}/lecturers"),
            &[("name", "王丽华"), ("speciality", ""), ("joined_on", "2024-02-01")],
        )
        .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(field(&res.text().await.unwrap(), "speciality").contains("请填写专长"));
        let res = post_form(
            &t,
            &county,
            &team,
            &format!("/education/teams/{tid}/lecturers"),
            &[("name", "王丽华"), ("speciality", "亲子沟通"), ("joined_on", "2024-02-01")],
        )
        .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let (_, html) = get(&t, &county, &team).await;
        assert!(html.contains("王丽华") && html.contains("亲子沟通"), "{html}");
        // Another county's officer gets a 404 page.
        let yiling = login(&t, "yiling").await;
        assert_eq!(get(&t, &yiling, &centre).await.0, StatusCode::NOT_FOUND);
        // The activities page says how households are counted.
        let (s, html) = get(&t, &county, "/education/activities").await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("不重复计算") && html.contains("无法去重"), "{html}");
        t.finish().await;
    }
}

#[tokio::test]
async fn parents_read_ask_and_rate_on_the_public_pages() {
    for t in apps().await {
        let token = t.token("county").await;
        let (_, art) = t
            .post(
                "/api/v1/school/items",
                &token,
                json!({"kind": "article", "title": "如何陪孩子写作业", "topic": "学习习惯", "body": "先陪伴。\n再引导。", "publish": true}),
            )
            .await;
        let (_, draft) =
            t.post("/api/v1/school/items", &token, json!({"kind": "article", "title": "尚未发布的草稿", "topic": "x", "body": "y"})).await;
        let (art, draft) = (art["id"].as_str().unwrap().to_owned(), draft["id"].as_str().unwrap().to_owned());

        // Anyone reads what is published, not drafts.
        let anon = t.browser();
        let (s, html) = get(&t, &anon, "/public/school").await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("如何陪孩子写作业") && !html.contains("尚未发布的草稿"), "{html}");
        for _ in 0..3 {
            let (s, html) = get(&t, &anon, &format!("/public/school/{art}")).await;
            assert!(s == StatusCode::OK && html.contains("再引导。"), "{html}");
        }
        assert_eq!(get(&t, &anon, &format!("/public/school/{draft}")).await.0, StatusCode::NOT_FOUND);
        // The staff see the views (written in a batch before they read).
        let county = login(&t, "county").await;
        let (_, html) = get(&t, &county, &format!("/school/items/{art}")).await;
        assert!(html.contains("3 次"), "{html}");
        assert_eq!(t.get(&format!("/api/v1/school/items/{art}"), &token).await.1["views"], 3);

        // Asking needs an account.
        let res = anon.get(t.url("/public/school/ask")).send().await.unwrap();
        assert!(res.status().is_redirection() && location(&res).starts_with("/public/login"), "{}", res.status());

        // A lecturer of the county answers what parents there ask.
        let (_, c) = t.post("/api/v1/education/centres", &token, json!({"region": "420502"})).await;
        let (_, team) =
            t.post(&format!("/api/v1/education/centres/{}/teams", c["id"].as_str().unwrap()), &token, json!({"name": "讲师团"})).await;
        let (_, lecturer) = t
            .post(
                &format!("/api/v1/education/teams/{}/lecturers", team["id"].as_str().unwrap()),
                &token,
                json!({"name": "王丽华", "speciality": "亲子沟通"}),
            )
            .await;
        let lecturer = lecturer["id"].as_str().unwrap().to_owned();

        let mother = public_register(&t, "13907171234", "小雨妈妈").await;
        let res = post_form(
            &t,
            &mother,
            "/public/school/ask",
            "/public/school/ask",
            &[("region", "420502001"), ("age_group", "junior"), ("question", "")],
        )
        .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(field(&res.text().await.unwrap(), "question").contains("请填写问题"));
        let res = post_form(
            &t,
            &mother,
            "/public/school/ask",
            "/public/school/ask",
            &[("region", "420502001"), ("age_group", "junior"), ("question", "孩子沉迷手机，说了也不听，怎么办？")],
        )
        .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let mine = location(&res);
        let qid = mine.trim_start_matches("/public/school/mine/").split('?').next().unwrap().to_owned();
        let (_, html) = get(&t, &mother, &mine).await;
        assert!(html.contains("已提交") && html.contains("孩子沉迷手机"), "{html}");

        // Nobody else sees it.
        let father = public_register(&t, "13907175678", "乐乐爸爸").await;
        assert_eq!(get(&t, &father, &format!("/public/school/mine/{qid}")).await.0, StatusCode::NOT_FOUND);
        let (_, html) = get(&t, &father, "/public/school/mine").await;
        assert!(!html.contains("孩子沉迷手机"), "{html}");

        // The queue shows the wait; the staff assign and answer.
        t.clock.advance(chrono::Duration::minutes(40));
        let county = login(&t, "county").await;
        let (_, html) = get(&t, &county, "/school/consultations").await;
        assert!(html.contains("孩子沉迷手机") && html.contains("40分钟"), "{html}");
        let page = format!("/school/consultations/{qid}");
        let res = post_form(&t, &county, &page, &format!("{page}/assign"), &[("lecturer", &lecturer)]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let res = post_form(&t, &county, &page, &format!("{page}/answer"), &[("answer", "和孩子一起约定每天使用手机的时间。")]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);

        // She reads the answer and rates it once; the father cannot rate it.
        let mother = {
            // Her session idled out while the clock moved: log in again.
            let b = t.browser();
            let res = post_form(
                &t,
                &b,
                "/public/login",
                "/public/login",
                &[("next", "/public"), ("phone", "13907171234"), ("password", PUBLIC_PASSWORD)],
            )
            .await;
            assert_eq!(res.status(), StatusCode::SEE_OTHER, "{}", res.text().await.unwrap());
            b
        };
        let one = format!("/public/school/mine/{qid}");
        let (_, html) = get(&t, &mother, &one).await;
        assert!(html.contains("约定每天使用手机的时间") && html.contains("提交评价"), "{html}");
        let res = post_form(&t, &mother, &one, &format!("{one}/rate"), &[("rating", "good")]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let (_, html) = get(&t, &mother, &one).await;
        assert!(html.contains("满意") && !html.contains("提交评价"), "{html}");
        let (_, page_html) = get(&t, &mother, "/public/school/mine").await;
        let csrf = input_value(&page_html, "csrf");
        let res = mother.post(t.url(&format!("{one}/rate"))).form(&[("csrf", csrf.as_str()), ("rating", "poor")]).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::CONFLICT);
        assert!(res.text().await.unwrap().contains("只能评价一次"));
        let (s, v) = t
            .get("/api/v1/indicators?region=420502&from=2026-01-01&to=2026-12-31&ids=family.school.satisfaction", &t.token("county").await)
            .await;
        assert_eq!((s, v["items"][0]["value"].as_f64()), (StatusCode::OK, Some(100.0)), "{v}");
        t.finish().await;
    }
}
