//! Two-cancer screening through the pages: a village officer records a screening from her record
//! on a phone-sized form (errors beside the fields, values kept, nothing written), a repeat in the
//! statistical year is flagged, the list filters by kind, result and year, the overdue follow-ups
//! come most overdue first and leave the list once followed up, and the county sees coverage per
//! child region.

use jinguo_domain::people::IdNumber;
use reqwest::StatusCode;
use serde_json::json;

use crate::browser::*;
use crate::support::{TestApp, apps};

fn id_number(body17: &str) -> String {
    format!("{body17}{}", IdNumber::check_char(body17))
}

async fn register(t: &TestApp, token: &str, name: &str, body17: &str, region: &str) -> String {
    let (s, v) = t.post("/api/v1/people", token, json!({"name": name, "id_number": id_number(body17), "region": region})).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v["id"].as_str().unwrap().to_owned()
}

async fn stored(t: &TestApp, token: &str) -> i64 {
    let (s, v) = t.get("/api/v1/screenings", token).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v["total"].as_i64().unwrap()
}

/// "共 N 条" of a list page.
fn count(html: &str) -> String {
    let start = html.find("<span class=\"count\">").map(|i| i + 20).unwrap_or_else(|| panic!("no count in {html}"));
    html[start..].split('<').next().unwrap().to_owned()
}

/// Records a screening through the form and returns the screening's page path.
async fn record(t: &TestApp, b: &reqwest::Client, person: &str, kind: &str, day: &str, result: &str) -> String {
    let page = format!("/screenings/new?person={person}");
    let fields = [("person", person), ("kind", kind), ("screened_on", day), ("site", "西陵区妇幼保健院"), ("result", result)];
    let res = post_form(t, b, &page, "/screenings/new", &fields).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "{}", res.text().await.unwrap());
    location(&res)
}

#[tokio::test]
async fn a_village_officer_records_screenings_and_the_county_follows_them_up() {
    for t in apps().await {
        let token = t.token("village").await;
        let ana = register(&t, &token, "黄秀英", "42050219760312002", "420502001001").await;
        let bai = register(&t, &token, "吴丽", "42050219700505004", "420502001001").await;
        let young = register(&t, &token, "陈晓", "42050219960101008", "420502001001").await;
        let county_token = t.token("county").await;
        let _cai = register(&t, &county_token, "李娟", "42050219800707006", "420502002001").await;

        let village = login(&t, "village").await;
        // Her record offers the screening form; a woman of 30 is not offered it.
        let (_, html) = get(&t, &village, &format!("/people/{ana}")).await;
        assert!(html.contains(&format!("/screenings/new?person={ana}")), "{html}");
        let (_, html) = get(&t, &village, &format!("/people/{young}")).await;
        assert!(!html.contains("/screenings/new"), "{html}");

        // The form: her masked name and age, today's date filled in.
        let page = format!("/screenings/new?person={ana}");
        let (s, html) = get(&t, &village, &page).await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("黄**") && html.contains("50 岁") && !html.contains("黄秀英"), "{html}");
        assert!(html.contains("value=\"2026-11-28\""), "{html}");
        assert!(!html.contains("style="), "CSP forbids inline styles: {html}");

        // Nothing chosen and a date in the future: each message beside its field, the values kept.
        let res = post_form(
            &t,
            &village,
            &page,
            "/screenings/new",
            &[("person", &ana), ("screened_on", "2026-12-05"), ("site", "西陵区妇幼保健院")],
        )
        .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = res.text().await.unwrap();
        assert!(html.contains("id=\"e-kind\"") && html.contains("id=\"e-result\""), "{html}");
        assert!(field(&html, "screened_on").contains("class=\"error\""), "{html}");
        assert!(html.contains("value=\"2026-12-05\"") && html.contains("value=\"西陵区妇幼保健院\""), "values kept: {html}");
        // A woman of 30: the message beside her, nothing written.
        let res = post_form(
            &t,
            &village,
            &format!("/screenings/new?person={young}"),
            "/screenings/new",
            &[("person", &young), ("kind", "cervical"), ("screened_on", "2026-10-01"), ("site", "西陵区妇幼保健院"), ("result", "normal")],
        )
        .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = res.text().await.unwrap();
        assert!(html.contains("id=\"e-person\"") && html.contains("35 岁"), "{html}");
        assert_eq!(stored(&t, &token).await, 0, "{}: a refused form writes nothing", t.engine);

        // An abnormal result 58 days ago: saved, and 28 days past the 30 allowed for a follow-up.
        let first = record(&t, &village, &ana, "cervical", "2026-10-01", "abnormal").await;
        assert!(first.ends_with("?saved=1"), "{first}");
        let (_, html) = get(&t, &village, &first).await;
        assert!(html.contains("已登记筛查") && html.contains("逾期 28 天未随访") && html.contains("登记随访"), "{html}");
        let first_path = first.split('?').next().unwrap().to_owned();
        // The same cancer again in the statistical year: recorded, flagged, not counted.
        let repeat = record(&t, &village, &ana, "cervical", "2026-11-20", "normal").await;
        let (_, html) = get(&t, &village, &repeat).await;
        assert!(html.contains("年度内重复") && html.contains("不重复计数"), "{html}");
        // The breast screening of the previous statistical year, and a second woman's results.
        record(&t, &village, &ana, "breast", "2026-03-31", "normal").await;
        let bai_first = record(&t, &village, &bai, "cervical", "2026-10-20", "suspected").await;
        record(&t, &village, &bai, "breast", "2026-11-10", "abnormal").await;
        assert_eq!(stored(&t, &token).await, 5);

        // The list: repeats flagged; filters by kind, result and statistical year.
        let (_, html) = get(&t, &village, "/screenings").await;
        assert_eq!(count(&html), "共 5 条");
        assert_eq!(html.matches("<span class=\"badge warn\">年度内重复</span>").count(), 1, "{html}");
        assert!(html.contains("黄*") && !html.contains("黄秀英"), "masked in lists: {html}");
        for (query, expected) in [
            ("kind=breast", "共 2 条"),
            ("result=abnormal", "共 2 条"),
            ("result=suspected&kind=cervical", "共 1 条"),
            ("year=2025", "共 1 条"),
            ("year=2026", "共 4 条"),
            ("year=2026&kind=cervical&result=normal", "共 1 条"),
        ] {
            let (s, html) = get(&t, &village, &format!("/screenings?{query}")).await;
            assert_eq!((s, count(&html)), (StatusCode::OK, expected.to_owned()), "{}: {query}", t.engine);
        }
        let (_, html) = get(&t, &village, "/screenings?year=2025").await;
        assert!(html.contains("<option value=\"2025\" selected>"), "the filter shows what it filters: {html}");

        // The county's overdue follow-ups, most overdue first; one 18 days old is not yet overdue.
        let county = login(&t, "county").await;
        let (_, html) = get(&t, &county, "/screenings/overdue").await;
        assert_eq!(count(&html), "共 2 人逾期", "{html}");
        let (a, b) = (
            html.find(&format!("href=\"{first_path}\"")).unwrap(),
            html.find(&format!("href=\"{}\"", bai_first.split('?').next().unwrap())).unwrap(),
        );
        assert!(a < b, "most overdue first: {html}");
        assert!(html.contains("<strong>28</strong> 天") && html.contains("<strong>9</strong> 天"), "{html}");
        // 夷陵区 sees neither the list entries nor the record, and cannot write a follow-up.
        let yiling = login(&t, "yiling").await;
        let (_, html) = get(&t, &yiling, "/screenings/overdue").await;
        assert_eq!(count(&html), "共 0 人逾期");
        assert_eq!(get(&t, &yiling, &first_path).await.0, StatusCode::NOT_FOUND);

        // A follow-up dated before the screening: the message beside the field, the values kept.
        let action = format!("{first_path}/follow-up");
        let res = post_form(&t, &county, &first_path, &action, &[("follow_up_on", "2026-09-01"), ("diagnosis", "宫颈炎")]).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = res.text().await.unwrap();
        assert!(field(&html, "follow_up_on").contains("不能早于筛查日期") && html.contains("宫颈炎"), "{html}");
        let res = post_form(&t, &county, &first_path, &action, &[("follow_up_on", "2026-11-27"), ("diagnosis", "宫颈炎，已治疗")]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{}", res.text().await.unwrap());
        let (_, html) = get(&t, &county, &location(&res)).await;
        assert!(html.contains("已登记随访") && html.contains("2026-11-27") && html.contains("宫颈炎，已治疗"), "{html}");
        let (_, html) = get(&t, &county, "/screenings/overdue").await;
        assert_eq!(count(&html), "共 1 人逾期", "{html}");
        assert!(!html.contains(&format!("href=\"{first_path}\"")), "{html}");

        // A reviewer sees the list without names and may not record.
        let reviewer = login(&t, "reviewer").await;
        let (_, html) = get(&t, &reviewer, "/screenings?region=420502").await;
        assert!(html.contains("查看筛查") && !html.contains("黄*"), "{html}");
        assert_eq!(get(&t, &reviewer, &format!("/screenings/new?person={ana}")).await.0, StatusCode::FORBIDDEN);

        // Coverage of 2026: two of 西陵区's three women aged 35–64 screened, each counted once.
        let (s, html) = get(&t, &county, "/screenings/coverage?region=420502&year=2026").await;
        assert_eq!(s, StatusCode::OK, "{html}");
        assert!(html.contains("<option value=\"2026\" selected>"), "{html}");
        let rows: Vec<&str> = html.split("<tr").skip(2).collect();
        assert_eq!(rows.len(), 3, "西陵区 and its two towns: {html}");
        assert!(
            rows[0].contains("西陵区") && rows[0].contains(">2<") && rows[0].contains(">3<") && rows[0].contains("66.7%"),
            "{}",
            rows[0]
        );
        assert!(rows[1].contains("西陵街道") && rows[1].contains("100.0%"), "{}", rows[1]);
        assert!(rows[2].contains("学院街道") && rows[2].contains("0.0%") && rows[2].contains("pct low"), "{}", rows[2]);
        assert!(html.contains("<meter") && !html.contains("style="), "{html}");
        // The year before: only the breast screening of 31 March.
        let (_, html) = get(&t, &county, "/screenings/coverage?region=420502&year=2025").await;
        assert!(html.split("<tr").nth(2).unwrap().contains("33.3%"), "{html}");
        // Outside the county's scope: not found.
        assert_eq!(get(&t, &county, "/screenings/coverage?region=420506").await.0, StatusCode::NOT_FOUND);
        t.finish().await;
    }
}
