//! The staff pages as a person uses them: logging in through the form, following redirects by
//! hand, posting forms with the token the page gave, and reading what the page then says.

use reqwest::StatusCode;

use crate::browser::*;
use crate::support::apps;

#[tokio::test]
async fn the_login_page_refuses_a_wrong_password_and_guards_the_pages() {
    for t in apps().await {
        let b = t.browser();
        let res = b.get(t.url("/")).send().await.unwrap();
        assert_eq!((res.status(), location(&res)), (StatusCode::SEE_OTHER, "/login?next=/".to_owned()));
        let (status, html) = get(&t, &b, "/login").await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("用户名") && html.contains("type=\"password\""), "{html}");

        let res = submit_login(&t, &b, "county", "Wrong-pass-1").await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        let html = res.text().await.unwrap();
        assert!(html.contains("用户名或密码错误"), "{html}");
        assert!(html.contains("value=\"county\""), "the form keeps the username: {html}");
        assert!(b.get(t.url("/")).send().await.unwrap().status() == StatusCode::SEE_OTHER, "a failed login opens no session");
        t.finish().await;
    }
}

#[tokio::test]
async fn logging_out_ends_the_session() {
    for t in apps().await {
        let b = login(&t, "county").await;
        let (status, html) = get(&t, &b, "/").await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("county用户") && html.contains("西陵区"), "{html}");
        let res = post_form(&t, &b, "/", "/logout", &[]).await;
        assert_eq!((res.status(), location(&res)), (StatusCode::SEE_OTHER, "/login".to_owned()));
        let res = b.get(t.url("/homes")).send().await.unwrap();
        assert_eq!((res.status(), location(&res)), (StatusCode::SEE_OTHER, "/login?next=/homes".to_owned()));
        t.finish().await;
    }
}

#[tokio::test]
async fn a_county_officer_sees_only_her_county() {
    for t in apps().await {
        let b = login(&t, "county").await;
        let (status, html) = get(&t, &b, "/federations").await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("西陵区妇女联合会") && html.contains("土街头社区妇联"), "{html}");
        assert!(!html.contains("夷陵") && !html.contains("东湖社区"), "rows of another county: {html}");
        let (status, html) = get(&t, &b, "/federations?region=420506").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert!(html.contains("未找到"), "{html}");
        // The same holds for the other registers and the figures.
        for path in ["/homes?region=420506", "/activities?region=420506", "/figures?region=420506"] {
            assert_eq!(get(&t, &b, path).await.0, StatusCode::NOT_FOUND, "{path}");
        }
        t.finish().await;
    }
}

#[tokio::test]
async fn a_form_without_its_token_is_refused_and_writes_nothing() {
    for t in apps().await {
        let b = login(&t, "county").await;
        let fields = [("region", "420502001001"), ("keeper", "李春梅")];
        let res = b.post(t.url("/homes/new")).form(&fields).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        assert!(res.text().await.unwrap().contains("CSRF"));
        let forged = [("csrf", "0123456789abcdef0123456789abcdef"), ("region", "420502001001"), ("keeper", "李春梅")];
        assert_eq!(b.post(t.url("/homes/new")).form(&forged).send().await.unwrap().status(), StatusCode::FORBIDDEN);
        let (_, html) = get(&t, &b, "/homes").await;
        assert!(html.contains("共 0 个妇女之家"), "{html}");
        t.finish().await;
    }
}

#[tokio::test]
async fn a_bad_date_re_shows_the_home_form_with_the_message_beside_the_field() {
    for t in apps().await {
        let b = login(&t, "county").await;
        let fields = [("region", "420502001001"), ("keeper", "李春梅"), ("established_on", "2026-13-45")];
        let res = post_form(&t, &b, "/homes/new", "/homes/new", &fields).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = res.text().await.unwrap();
        assert!(field(&html, "established_on").contains("建立日期格式应为 YYYY-MM-DD"), "{html}");
        assert!(field(&html, "keeper").contains("value=\"李春梅\""), "typed values stay: {html}");
        assert!(!field(&html, "keeper").contains("error"), "{html}");
        let (_, html) = get(&t, &b, "/homes").await;
        assert!(html.contains("共 0 个妇女之家"), "{html}");
        t.finish().await;
    }
}

#[tokio::test]
async fn a_check_recorded_through_the_form_shows_on_the_home_page() {
    for t in apps().await {
        let b = login(&t, "county").await;
        let fields =
            [("region", "420502001001"), ("keeper", "李春梅"), ("address", "土街头社区服务中心二楼"), ("established_on", "2026-03-08")];
        let res = post_form(&t, &b, "/homes/new?region=420502001001", "/homes/new", &fields).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let home = location(&res);
        assert!(home.starts_with("/homes/") && home.ends_with("?saved=1"), "{home}");
        let (_, html) = get(&t, &b, &home).await;
        assert!(html.contains("已保存") && html.contains("土街头社区妇女之家") && html.contains("0/6"), "{html}");

        let action = format!("{}/checks", home.trim_end_matches("?saved=1"));
        let check = [
            ("item", "sign"),
            ("holds", "yes"),
            ("checked_on", "2026-11-20"),
            ("checked_by", "王检查"),
            ("note", "标识牌已更换为统一样式"),
        ];
        let res = post_form(&t, &b, &home, &action, &check).await;
        assert_eq!((res.status(), location(&res)), (StatusCode::SEE_OTHER, home.clone()));
        let (_, html) = get(&t, &b, &home).await;
        let row = html.split("<tr>").find(|r| r.contains("有统一标识牌")).unwrap_or_default();
        for shown in ["✓ 达标", "2026-11-20", "王检查", "标识牌已更换为统一样式"] {
            assert!(row.contains(shown), "{shown} missing from the row: {row}");
        }
        assert!(html.contains("1/6 项达标"), "{html}");

        // A check in the future is refused beside its field.
        let future = [("item", "rules"), ("holds", "no"), ("checked_on", "2027-01-01")];
        let res = post_form(&t, &b, &home, &action, &future).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(field(&res.text().await.unwrap(), "checked_on").contains("检查日期不能晚于今天"));

        let (_, list) = get(&t, &b, "/homes?std=no").await;
        assert!(list.contains("共 1 个妇女之家") && list.contains("1/6"), "{list}");
        let (_, list) = get(&t, &b, "/homes?std=yes").await;
        assert!(list.contains("共 0 个妇女之家"), "{list}");
        t.finish().await;
    }
}

#[tokio::test]
async fn an_activity_recorded_through_the_form_counts_in_the_figures() {
    for t in apps().await {
        let b = login(&t, "county").await;
        let bad = [("title", "巾帼心向党宣讲"), ("category", "political"), ("held_on", "2026-11-01"), ("participants", "很多")];
        let res = post_form(&t, &b, "/activities/new", "/activities/new", &bad).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(field(&res.text().await.unwrap(), "participants").contains("参与人次应为"));
        let good = [
            ("title", "巾帼心向党宣讲"),
            ("category", "political"),
            ("held_on", "2026-11-01"),
            ("participants", "120"),
            ("region", "420502001"),
        ];
        let res = post_form(&t, &b, "/activities/new", "/activities/new", &good).await;
        assert_eq!((res.status(), location(&res)), (StatusCode::SEE_OTHER, "/activities?saved=1".to_owned()));
        let (_, html) = get(&t, &b, "/activities?saved=1").await;
        assert!(
            html.contains("巾帼心向党宣讲") && html.contains("西陵区妇女联合会") && html.contains("西陵街道") && html.contains("120"),
            "{html}"
        );

        // The same town a year earlier: 80 person-times.
        let earlier: Vec<(&str, &str)> = good
            .iter()
            .map(|&(k, v)| match k {
                "held_on" => (k, "2025-11-01"),
                "participants" => (k, "80"),
                _ => (k, v),
            })
            .collect();
        let res = post_form(&t, &b, "/activities/new", "/activities/new", &earlier).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);

        // The dashboard compares each figure with the same period a year earlier and draws six years.
        let (status, html) = get(&t, &b, "/dashboard?indicator=org.activities.participants").await;
        assert_eq!(status, StatusCode::OK, "{html}");
        let card =
            html.split("data-indicator=\"org.activities.participants\"").nth(1).and_then(|c| c.split("</a>").next()).unwrap_or_default();
        assert!(card.contains(">120<") && card.contains("+50.0%") && card.contains("上年同期 80"), "{card}");
        assert!(card.contains("<svg class=\"spark\"") && card.contains("2025年 80，2026年 120"), "{card}");

        let (status, html) = get(&t, &b, "/figures?indicator=org.activities.participants").await;
        assert_eq!(status, StatusCode::OK, "{html}");
        assert!(html.contains("活动参与") && html.contains("人次") && html.contains("2026-01-01 至 2026-11-28"), "{html}");
        // The breakdown by town puts 西陵街道 first with the whole bar.
        let first = html.split("<tbody>").last().and_then(|b| b.split("</tr>").next()).unwrap_or_default();
        assert!(first.contains("西陵街道") && first.contains("120人次") && first.contains("w100"), "{first}");
        let (status, html) = get(&t, &b, "/figures?from=2026-12-01&to=2026-01-01").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(field(&html, "from").contains("开始日期不能晚于结束日期"), "{html}");
        t.finish().await;
    }
}

#[tokio::test]
async fn the_region_tree_is_public_and_shows_officers_their_links() {
    for t in apps().await {
        let (status, html) = get(&t, &t.browser(), "/regions?region=4205").await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("西陵区") && html.contains("夷陵区") && html.contains("湖北省"), "{html}");
        assert!(html.contains("工作人员登录") && !html.contains("/logout"), "public layout: {html}");
        assert!(!html.contains("/homes?region="), "no register links without a login: {html}");
        assert_eq!(get(&t, &t.browser(), "/regions?region=4299").await.0, StatusCode::NOT_FOUND);

        let b = login(&t, "county").await;
        let (status, html) = get(&t, &b, "/regions?region=4205").await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("/logout") && html.contains("/homes?region=420502"), "{html}");
        assert!(!html.contains("/homes?region=420506"), "links only within scope: {html}");
        t.finish().await;
    }
}

#[tokio::test]
async fn the_audit_log_is_for_the_audit_administrator_only() {
    for t in apps().await {
        let county = login(&t, "county").await;
        let (status, html) = get(&t, &county, "/audit").await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert!(html.contains("无权操作"), "{html}");

        let auditor = login(&t, "auditor").await;
        let (status, html) = get(&t, &auditor, "/audit?action=auth.login").await;
        assert_eq!(status, StatusCode::OK, "{html}");
        // The fixed clock stands at 02:00 UTC: ten in the morning in China.
        assert!(html.contains("2026-11-28 10:00:00") && html.contains("auditor") && html.contains("成功"), "{html}");
        let (_, html) = get(&t, &auditor, "/audit?outcome=denied").await;
        assert!(
            html.contains("audit.search") && html.contains("拒绝") && html.contains("county"),
            "the county's attempt is recorded: {html}"
        );
        t.finish().await;
    }
}

#[tokio::test]
async fn the_system_administrator_creates_an_account_that_can_log_in() {
    for t in apps().await {
        assert_eq!(get(&t, &login(&t, "county").await, "/admin/accounts").await.0, StatusCode::FORBIDDEN);
        let admin = login(&t, "admin").await;
        let mut fields = vec![
            ("username", "xiling.li"),
            ("display_name", "李晓红"),
            ("org", "420502"),
            ("role", "county_officer"),
            ("password", "short"),
        ];
        let res = post_form(&t, &admin, "/admin/accounts", "/admin/accounts", &fields).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = res.text().await.unwrap();
        assert!(field(&html, "password").contains("密码至少 8 位"), "{html}");
        assert!(field(&html, "username").contains("value=\"xiling.li\""), "{html}");

        fields[4] = ("password", "Xiling-2026!");
        let res = post_form(&t, &admin, "/admin/accounts", "/admin/accounts", &fields).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let (_, html) = get(&t, &admin, &location(&res)).await;
        assert!(html.contains("账号已创建") && html.contains("李晓红") && html.contains("县(区)妇联工作人员"), "{html}");

        let b = t.browser();
        let res = submit_login(&t, &b, "xiling.li", "Xiling-2026!").await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let (status, html) = get(&t, &b, "/").await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("李晓红"), "{html}");
        t.finish().await;
    }
}

#[tokio::test]
async fn completeness_shows_the_villages_that_kept_no_register_and_the_figures_say_so() {
    for t in apps().await {
        let b = login(&t, "county").await;
        // 西陵区 has three villages and no records yet: every register lacks all three.
        let (status, html) = get(&t, &b, "/completeness").await;
        assert_eq!(status, StatusCode::OK, "{html}");
        let total = html.split("<tr class=\"total\">").nth(1).and_then(|r| r.split("</tr>").next()).unwrap_or_default();
        assert!(total.contains("西陵区（合计）") && total.contains("3/3 个村无记录"), "{total}");
        assert!(html.contains("个月以上无走访记录的村(社区)：3 个"), "{html}");

        // An activity in 土街头社区 this year: two villages still lack one.
        let activity = [
            ("title", "家门口的巾帼课堂"),
            ("category", "political"),
            ("held_on", "2026-11-01"),
            ("participants", "40"),
            ("region", "420502001001"),
        ];
        let res = post_form(&t, &b, "/activities/new", "/activities/new", &activity).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let (_, html) = get(&t, &b, "/completeness?register=activities").await;
        let town = html.split("<tr>").find(|r| r.contains(">西陵街道<")).unwrap_or_default();
        assert!(town.contains("1/2 个村无记录") && town.contains("最近 2026-11-01"), "{town}");
        let silent = html.split("id=\"silent\"").nth(1).unwrap_or_default();
        assert!(
            silent.contains("无活动记录的村(社区)：2 个") && silent.contains("樵湖岭社区") && !silent.contains("土街头社区"),
            "{silent}"
        );

        // The dashboard marks the figures drawn from the incomplete register, and only those.
        let (_, html) = get(&t, &b, "/dashboard").await;
        let card = |id: &str| {
            html.split(&format!("data-indicator=\"{id}\"")).nth(1).and_then(|c| c.split("</a>").next()).unwrap_or_default().to_owned()
        };
        assert!(card("org.activities").contains("数据不完整：2/3 个村(社区)本期无活动记录"), "{}", card("org.activities"));
        assert!(!card("org.federations").contains("数据不完整"), "{}", card("org.federations"));

        // The API says the same; a village officer cannot look at another county.
        let token = t.token("county").await;
        let (status, body) = t.get("/api/v1/completeness?region=420502&from=2026-01-01&to=2026-11-28", &token).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let activities = body["region"]["registers"].as_array().unwrap().iter().find(|r| r["register"] == "activities").unwrap().clone();
        assert_eq!((activities["villages"].as_u64(), activities["lacking"].as_u64()), (Some(3), Some(2)), "{activities}");
        assert_eq!(activities["last"], "2026-11-01");
        let village = t.token("village").await;
        assert_eq!(t.get("/api/v1/completeness?region=420506", &village).await.0, StatusCode::NOT_FOUND);
        let (status, body) = t.get("/api/v1/completeness?from=2026-13-01", &token).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        t.finish().await;
    }
}
