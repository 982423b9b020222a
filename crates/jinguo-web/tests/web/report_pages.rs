//! The work report's page (`/reports`) as officers and the system administrator use it: a
//! preview and a download of their region's report, named in Chinese; the template downloaded,
//! a bad upload refused with its line and nothing changed, a good one used, and reset; no one
//! else may change it.

use reqwest::{Client, StatusCode};

use crate::browser::*;
use crate::support::{TestApp, apps};

const PERIOD: &str = "from=2021-01-01&to=2025-12-31";

async fn upload_template(t: &TestApp, b: &Client, text: &str) -> reqwest::Response {
    let (_, page) = get(t, b, "/reports").await;
    let form = reqwest::multipart::Form::new()
        .text("csrf", input_value(&page, "csrf"))
        .part("file", reqwest::multipart::Part::bytes(text.as_bytes().to_vec()).file_name("报告.md.j2"));
    b.post(t.url("/reports/template")).multipart(form).send().await.unwrap()
}

#[tokio::test]
async fn an_officer_previews_and_downloads_her_regions_report() {
    for t in apps().await {
        let county = login(&t, "county").await;
        let (status, html) = get(&t, &county, "/reports").await;
        assert_eq!(status, StatusCode::OK, "{html}");
        // The last five full years, her county and the towns below it; no template section.
        assert!(html.contains("value=\"2021-01-01\"") && html.contains("value=\"2025-12-31\""), "{html}");
        assert!(html.contains("西陵区") && html.contains("— 西陵街道"), "{html}");
        assert!(html.contains("href=\"/reports\"") && !html.contains("报告模板"), "{html}");

        let (status, html) = get(&t, &county, &format!("/reports?region=420502&{PERIOD}&preview=1")).await;
        assert_eq!(status, StatusCode::OK, "{html}");
        assert!(html.contains("<h1>西陵区妇联2021年至2025年工作报告</h1>") && html.contains("<table>"), "{html}");
        assert!(html.contains("（四）弘扬文明新风") && !html.contains("{{"), "{html}");

        let res = county.get(t.url(&format!("/reports/download?region=420502&{PERIOD}&format=docx"))).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let disposition = res.headers()["content-disposition"].to_str().unwrap().to_owned();
        let name: String = "西陵区妇联2021年至2025年工作报告.docx"
            .bytes()
            .map(|b| if b.is_ascii_alphanumeric() || b == b'.' { (b as char).to_string() } else { format!("%{b:02X}") })
            .collect();
        assert!(disposition.contains(&format!("filename*=UTF-8''{name}")), "{disposition}");
        assert!(res.headers()["content-type"].to_str().unwrap().contains("wordprocessingml"));
        assert!(res.bytes().await.unwrap().starts_with(b"PK"));
        let res = county.get(t.url(&format!("/reports/download?region=420502&{PERIOD}&format=md"))).send().await.unwrap();
        let md = res.text().await.unwrap();
        assert!(md.starts_with("# 西陵区妇联2021年至2025年工作报告") && md.contains("| 妇联组织总数（个） |"), "{md}");

        // Outside her county: not found. A bad date: the form again with the message.
        let (status, _) = get(&t, &county, &format!("/reports?region=420506&{PERIOD}&preview=1")).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, html) = get(&t, &county, "/reports?from=2021-02-30&to=2025-12-31&preview=1").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(field(&html, "from").contains("开始日期格式应为 YYYY-MM-DD"), "{html}");
        let res = county.get(t.url("/reports/download?format=pdf")).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(res.text().await.unwrap().contains("格式应为 md 或 docx"));
        t.finish().await;
    }
}

#[tokio::test]
async fn the_template_is_the_system_administrators_and_a_bad_one_changes_nothing() {
    for t in apps().await {
        let admin = login(&t, "admin").await;
        let (status, html) = get(&t, &admin, "/reports").await;
        assert_eq!(status, StatusCode::OK, "{html}");
        assert!(html.contains("报告模板") && html.contains("系统默认模板"), "{html}");
        let res = admin.get(t.url("/reports/template")).send().await.unwrap();
        assert!(res.headers()["content-disposition"].to_str().unwrap().contains("attachment"));
        assert_eq!(res.text().await.unwrap(), jinguo_app::report::DEFAULT_TEMPLATE);

        // An unknown indicator: refused with its name and line, the default stays.
        let res = upload_template(
            &t,
            &admin,
            "# 自定义报告\n\n{{ fig(\"org.federations\") }}\n{% if false %}{{ fig(\"org.foo\") }}{% endif %}\n",
        )
        .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = res.text().await.unwrap();
        assert!(html.contains("第 4 行：未知指标") && html.contains("org.foo") && html.contains("原模板保持不变"), "{html}");
        let res = upload_template(&t, &admin, "# 自定义报告\n\n{% if %}\n").await;
        assert!(res.text().await.unwrap().contains("第 3 行：模板语法有误"));
        let res = admin.get(t.url("/reports/template")).send().await.unwrap();
        assert_eq!(res.text().await.unwrap(), jinguo_app::report::DEFAULT_TEMPLATE, "nothing changed");

        // A good one is used from then on.
        let custom =
            "# {{ region.name }}自定义报告\n\n妇联组织{{ fig(\"org.federations\") }}（{{ fig(\"org.federations\").compare }}）。\n";
        let res = upload_template(&t, &admin, custom).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{}", res.text().await.unwrap());
        assert_eq!(location(&res), "/reports?saved=uploaded#template");
        let (_, html) = get(&t, &admin, "/reports?saved=uploaded").await;
        assert!(html.contains("已启用新模板") && html.contains("管理员上传的模板"), "{html}");
        let county = login(&t, "county").await;
        let (_, html) = get(&t, &county, &format!("/reports?{PERIOD}&preview=1")).await;
        assert!(html.contains("<h1>西陵区自定义报告</h1>"), "{html}");

        // No one else changes it.
        let res = upload_template(&t, &county, "# 我的报告\n").await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        let res = post_form(&t, &county, "/reports", "/reports/template/reset", &[]).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        assert!(!t.audit("report.template", "denied").await.is_empty());
        let res = admin.get(t.url("/reports/template")).send().await.unwrap();
        assert_eq!(res.text().await.unwrap(), custom);

        // Reset: the default again, audited.
        let res = post_form(&t, &admin, "/reports", "/reports/template/reset", &[]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let res = admin.get(t.url("/reports/template")).send().await.unwrap();
        assert_eq!(res.text().await.unwrap(), jinguo_app::report::DEFAULT_TEMPLATE);
        let done: Vec<String> = t.audit("report.template", "ok").await.into_iter().map(|a| a.action).collect();
        assert_eq!(done, ["report.template.reset", "report.template.update"]);
        t.finish().await;
    }
}
