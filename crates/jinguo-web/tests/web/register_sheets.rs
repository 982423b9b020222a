//! Care cases and screenings in spreadsheets, as an officer uses them: each woman is found by
//! ID number among those registered in her scope; a sheet with bad rows comes back marked and
//! writes nothing; fixed, it lands whole and the figures move. Exports are masked unless full
//! identity is asked for with the permission, and every export is audited.

use jinguo_domain::people::IdNumber;
use jinguo_sheet::Sheet;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::browser::*;
use crate::sheets::upload_to;
use crate::support::{TestApp, apps};

const CARE: [&str; 6] = ["身份证号码", "风险等级", "建档日期", "最近走访日期", "走访情况", "需求"];
const SCREENING: [&str; 7] = ["身份证号码", "筛查类型", "筛查日期", "筛查机构", "筛查结果", "随访日期", "诊断"];

fn id(body17: &str) -> String {
    format!("{body17}{}", IdNumber::check_char(body17))
}

// The women of the tests: (name, first 17 digits, village, categories).
const A: &str = "42050219700101002"; // 王秀英, 56, 困难
const B: &str = "42050219750202002"; // 李桂兰, 51, 留守
const C: &str = "42050219800303002"; // 张晓燕, 46, 残疾
const D: &str = "42050219850404002"; // 赵丽, 41, no category
const E: &str = "42050219960101002"; // 孙琳, 30, 困难
const F: &str = "42050619720505002"; // 夷陵区, 困难
const G: &str = "42050219780606002"; // never registered

/// Registers A–E in 西陵区 (by sheet, as the county) and F in 夷陵区.
async fn register_women(t: &TestApp) {
    let csv = format!(
        "姓名,身份证号码,村(社区)代码,人员类别\n王秀英,{},420502001001,困难\n李桂兰,{},420502001002,留守\n张晓燕,{},420502002001,残疾\n赵丽,{},420502001001,\n孙琳,{},420502001001,困难\n",
        id(A),
        id(B),
        id(C),
        id(D),
        id(E)
    );
    let (s, v) = import(t, &t.token("county").await, "/api/v1/people/import", "women.csv", csv.into_bytes()).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let body = json!({"name": "周敏", "id_number": id(F), "region": "420506100001", "categories": ["hardship"]});
    assert_eq!(t.post("/api/v1/people", &t.token("yiling").await, body).await.0, StatusCode::CREATED);
}

fn workbook(headers: &[&str], rows: &[&[&str]]) -> Vec<u8> {
    jinguo_sheet::table("导入", headers, rows.iter().map(|r| r.iter().map(|c| c.to_string()).collect())).unwrap()
}

fn read(bytes: Vec<u8>) -> Sheet {
    Sheet::from_bytes("x.xlsx", bytes, |cells| cells.iter().any(|c| c.trim_end_matches('*') == "身份证号码")).unwrap()
}

async fn import(t: &TestApp, token: &str, path: &str, name: &str, bytes: Vec<u8>) -> (StatusCode, Value) {
    let res = reqwest::Client::new().post(t.url(&format!("{path}?file={name}"))).bearer_auth(token).body(bytes).send().await.unwrap();
    (res.status(), res.json().await.unwrap())
}

fn bad_rows(v: &Value) -> Vec<(u64, String)> {
    v["error"]["bad_rows"]
        .as_array()
        .unwrap_or_else(|| panic!("{v}"))
        .iter()
        .map(|r| (r["line"].as_u64().unwrap(), r["message"].as_str().unwrap().to_owned()))
        .collect()
}

async fn figures(t: &TestApp, ids: &str) -> Vec<f64> {
    let county = t.token("county").await;
    let (_, v) = t.get(&format!("/api/v1/indicators?region=420502&from=2026-04-01&to=2026-11-28&ids={ids}"), &county).await;
    v["items"].as_array().unwrap_or_else(|| panic!("{v}")).iter().map(|f| f["value"].as_f64().unwrap()).collect()
}

/// Audit entries of exactly `action` (the store's search takes a prefix without `_`).
async fn audited(t: &TestApp, action: &str, outcome: &str) -> Vec<jinguo_store::audit::AuditRecord> {
    let prefix = action.split('_').next().unwrap();
    t.audit(prefix, outcome).await.into_iter().filter(|a| a.action == action).collect()
}

fn detail(a: &jinguo_store::audit::AuditRecord) -> Value {
    serde_json::from_str(&a.detail).unwrap()
}

/// Follows the "download the marked sheet" link of a result page.
async fn marked_sheet(t: &TestApp, b: &reqwest::Client, page: &str) -> Sheet {
    let link = page.split("href=\"").find(|s| s.contains("/errors\"")).unwrap_or_else(|| panic!("{page}")).split('"').next().unwrap();
    let res = b.get(t.url(link)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    read(res.bytes().await.unwrap().to_vec())
}

fn care_sheet_with_bad_rows() -> Vec<u8> {
    let (a, b, c, d, e, f, g) = (id(A), id(B), id(C), id(D), id(E), id(F), id(G));
    workbook(
        &CARE,
        &[
            &[&a, "高", "2026-10-01", "2026-11-02", "家中生活困难，子女上学费用紧张", "子女助学"],
            &[&b, "很高", "", "", "", ""],
            &[&c, "中", "", "", "", ""],
            &[&d, "低", "", "", "", ""],
            &[&g, "低", "", "", "", ""],
            &[&f, "低", "", "", "", ""],
            &[&a, "低", "", "", "", ""],
            &[&e, "中", "2026-12-01", "", "", ""],
        ],
    )
}

fn care_sheet_fixed() -> Vec<u8> {
    let (a, b, c, e) = (id(A), id(B), id(C), id(E));
    workbook(
        &CARE,
        &[
            &[&a, "高", "2026-10-01", "2026-11-02", "家中生活困难，子女上学费用紧张", "子女助学"],
            &[&b, "高", "", "", "", ""],
            &[&c, "中", "", "", "", ""],
            &[&e, "中", "", "", "", ""],
        ],
    )
}

#[tokio::test]
async fn a_care_sheet_with_bad_rows_comes_back_marked_and_fixed_it_opens_every_case() {
    for t in apps().await {
        register_women(&t).await;
        let county = t.token("county").await;

        // Every bad row named, in Chinese; nothing written.
        let (s, v) = import(&t, &county, "/api/v1/care/cases/import", "care.xlsx", care_sheet_with_bad_rows()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{}: {v}", t.engine);
        let bad = bad_rows(&v);
        assert_eq!(bad.iter().map(|(l, _)| *l).collect::<Vec<_>>(), [3, 5, 6, 7, 8, 9], "{v}");
        assert!(bad[0].1.contains("风险等级"), "{bad:?}");
        assert!(bad[1].1.contains("特殊妇女群体"), "not vulnerable: {bad:?}");
        assert!(bad[2].1.contains("尚未登记，请先导入人员信息"), "{bad:?}");
        assert!(bad[3].1.contains("不在您的管辖范围内"), "registered in 夷陵区: {bad:?}");
        assert!(bad[4].1.contains("与第 2 行是同一位妇女"), "{bad:?}");
        assert!(bad[5].1.contains("建档日期") && bad[5].1.contains("不能晚于今天"), "{bad:?}");
        assert_eq!(t.get("/api/v1/care/cases", &county).await.1["total"], 0);

        // Through the page: the same sheet comes back with the error column.
        let browser = login(&t, "county").await;
        let page = upload_to(&t, &browser, "/sheets/care/import", "监测名单.xlsx", care_sheet_with_bad_rows()).await;
        assert!(page.contains("未导入任何数据"), "{page}");
        let back = marked_sheet(&t, &browser, &page).await;
        assert_eq!(back.headers[0], "错误说明");
        let marked: Vec<usize> = back.rows().map(Result::unwrap).filter(|r| !r.cell(0).is_empty()).map(|r| r.line).collect();
        assert_eq!(marked, [3, 5, 6, 7, 8, 9]);

        // Fixed, it lands whole: four cases, one first visit, the figures with them.
        let page = upload_to(&t, &browser, "/sheets/care/import", "监测名单.xlsx", care_sheet_fixed()).await;
        assert!(page.contains("导入完成：共 4 行，新建监测档案 4 份，登记走访 1 次"), "{}: {page}", t.engine);
        assert_eq!(figures(&t, "care.cases,care.cases.high,care.cases.medium,care.visits").await, [4.0, 2.0, 2.0, 1.0]);
        let (_, cases) = t.get("/api/v1/care/cases?risk=high", &county).await;
        let first = &cases["items"][0];
        assert_eq!(
            (first["opened_on"].as_str(), first["last_visit_on"].as_str(), first["next_due"].as_str()),
            (Some("2026-10-01"), Some("2026-11-02"), Some("2026-12-02")),
            "the first visit sets the next due date: {cases}"
        );
        let audit = audited(&t, "care_case.import", "ok").await;
        assert_eq!(audit.len(), 1);
        assert_eq!((detail(&audit[0])["created"].as_i64(), detail(&audit[0])["visits"].as_i64()), (Some(4), Some(1)));
        assert_eq!(audited(&t, "care_case.import", "failed").await.len(), 2);

        // Again: one open case per woman, so every row is refused and nothing changes.
        let (s, v) = import(&t, &county, "/api/v1/care/cases/import", "care.xlsx", care_sheet_fixed()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad_rows(&v).iter().all(|(_, m)| m.contains("进行中的监测档案")), "{v}");
        assert_eq!(t.get("/api/v1/care/cases", &county).await.1["total"], 4);

        // The village officer's scope is her village: the others are out of it.
        let (s, v) = import(&t, &t.token("village").await, "/api/v1/care/cases/import", "care.xlsx", care_sheet_fixed()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad_rows(&v).iter().any(|(l, m)| *l == 3 && m.contains("不在您的管辖范围内")), "{v}");
        // A reviewer may not import; a sheet without the required columns is refused whole.
        let (s, _) = import(&t, &t.token("reviewer").await, "/api/v1/care/cases/import", "x.csv", b"a".to_vec()).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, v) = import(&t, &county, "/api/v1/care/cases/import", "x.csv", "身份证号码,需求\n1,2\n".as_bytes().to_vec()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(v["error"]["message"].as_str().unwrap().contains("风险等级"), "{v}");
        t.finish().await;
    }
}

fn screening_sheet_with_bad_rows() -> Vec<u8> {
    let (a, b, c, d, e, f, g) = (id(A), id(B), id(C), id(D), id(E), id(F), id(G));
    let site = "西陵区妇幼保健院";
    workbook(
        &SCREENING,
        &[
            &[&a, "宫颈癌", "2026-05-10", site, "正常", "", ""],
            &[&a, "宫颈癌", "2026-09-01", site, "正常", "", ""],
            &[&b, "乳腺癌", "2026-06-01", site, "异常", "2026-06-20", "乳腺增生，定期复查"],
            &[&c, "乳腺癌", "2026-07-01", site, "可疑", "", ""],
            &[&e, "宫颈癌", "2026-05-10", site, "正常", "", ""],
            &[&a, "宫颈癌", "2026-05-10", site, "正常", "", ""],
            &[&d, "宫颈癌", "2026-12-01", site, "正常", "", ""],
            &[&d, "乳腺癌", "2026-05-10", site, "正常", "2026-06-01", ""],
            &[&g, "宫颈癌", "2026-05-10", site, "正常", "", ""],
            &[&f, "宫颈癌", "2026-05-10", site, "正常", "", ""],
            &[&d, "肺癌", "2026-05-10", "", "正常", "", ""],
        ],
    )
}

fn screening_sheet_fixed() -> Vec<u8> {
    let (a, b, c, d) = (id(A), id(B), id(C), id(D));
    let site = "西陵区妇幼保健院";
    workbook(
        &SCREENING,
        &[
            &[&a, "宫颈癌", "2026-09-01", site, "正常", "", ""],
            &[&a, "宫颈癌", "2026-05-10", site, "正常", "", ""],
            &[&b, "乳腺癌", "2026-06-01", site, "异常", "2026-06-20", "乳腺增生，定期复查"],
            &[&c, "乳腺癌", "2026-07-01", site, "可疑", "", ""],
            &[&d, "宫颈癌", "2026-08-01", site, "正常", "", ""],
        ],
    )
}

const HEALTH: &str = "health.screenings.cervical,health.screenings.breast,health.women_screened,health.abnormal,health.followed_up";

#[tokio::test]
async fn a_screening_sheet_with_bad_rows_comes_back_marked_and_fixed_it_counts_once_a_year() {
    for t in apps().await {
        register_women(&t).await;
        let county = t.token("county").await;

        let (s, v) = import(&t, &county, "/api/v1/screenings/import", "s.xlsx", screening_sheet_with_bad_rows()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{}: {v}", t.engine);
        let bad = bad_rows(&v);
        assert_eq!(bad.iter().map(|(l, _)| *l).collect::<Vec<_>>(), [6, 7, 8, 9, 10, 11, 12], "{v}");
        assert!(bad[0].1.contains("35"), "a woman of 30: {bad:?}");
        assert!(bad[1].1.contains("与第 2 行重复"), "{bad:?}");
        assert!(bad[2].1.contains("筛查日期") && bad[2].1.contains("不能晚于今天"), "{bad:?}");
        assert!(bad[3].1.contains("无需随访"), "{bad:?}");
        assert!(bad[4].1.contains("尚未登记"), "{bad:?}");
        assert!(bad[5].1.contains("不在您的管辖范围内"), "{bad:?}");
        assert!(bad[6].1.contains("筛查类型") && bad[6].1.contains("筛查机构"), "every error of a row: {bad:?}");
        assert_eq!(t.get("/api/v1/screenings", &county).await.1["total"], 0);
        assert_eq!(figures(&t, HEALTH).await, [0.0; 5]);

        // Fixed, through the page: five screenings; the second cervical one of A in the year is
        // flagged and not counted, whatever the order of the rows.
        let browser = login(&t, "county").await;
        let page = upload_to(&t, &browser, "/sheets/screenings/import", "两癌.xlsx", screening_sheet_fixed()).await;
        assert!(
            page.contains("导入完成：共 5 行，登记筛查 5 条，其中 1 条为统计年度内的重复筛查（已标注，不重复计数），随访 1 条"),
            "{}: {page}",
            t.engine
        );
        assert_eq!(figures(&t, HEALTH).await, [2.0, 2.0, 4.0, 2.0, 1.0]);
        let (_, list) = t.get("/api/v1/screenings?kind=cervical", &county).await;
        let repeats: Vec<&str> = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["repeat_in_year"] == true)
            .map(|s| s["screened_on"].as_str().unwrap())
            .collect();
        assert_eq!(repeats, ["2026-09-01"], "{list}");
        // The suspected result without a follow-up waits on the overdue list.
        assert_eq!(t.get("/api/v1/screenings/overdue", &county).await.1["total"], 1);
        let audit = audited(&t, "screening.import", "ok").await;
        assert_eq!((audit.len(), detail(&audit[0])["repeats"].as_i64()), (1, Some(1)));

        // The same sheet again is refused row by row: nothing is recorded twice.
        let (s, v) = import(&t, &county, "/api/v1/screenings/import", "s.xlsx", screening_sheet_fixed()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad_rows(&v).iter().all(|(_, m)| m.contains("已登记过")), "{v}");
        assert_eq!(t.get("/api/v1/screenings", &county).await.1["total"], 5);

        // The template: its columns in order, drop-downs aside; the list page links to it all.
        let res = browser.get(t.url("/sheets/screenings/template.xlsx")).send().await.unwrap();
        let headers: Vec<String> =
            read(res.bytes().await.unwrap().to_vec()).headers.iter().map(|h| h.trim_end_matches('*').to_owned()).collect();
        assert_eq!(headers, SCREENING.map(String::from));
        let (_, html) = get(&t, &browser, "/screenings?kind=cervical").await;
        assert!(html.contains("href=\"/sheets/screenings/import\""), "{html}");
        assert!(html.contains("href=\"/screenings/export?region=420502&#38;kind=cervical\""), "{html}");
        let reviewer = login(&t, "reviewer").await;
        let (_, html) = get(&t, &reviewer, "/screenings").await;
        assert!(!html.contains("批量导入") && html.contains("导出 Excel"), "{html}");
        assert_eq!(get(&t, &reviewer, "/sheets/screenings/import").await.0, StatusCode::FORBIDDEN);
        assert_eq!(get(&t, &browser, "/sheets/nothing/import").await.0, StatusCode::NOT_FOUND);
        t.finish().await;
    }
}

async fn export(t: &TestApp, token: &str, path: &str, body: Value) -> reqwest::Response {
    reqwest::Client::new().post(t.url(path)).bearer_auth(token).json(&body).send().await.unwrap()
}

async fn rows_of(res: reqwest::Response) -> Vec<jinguo_sheet::Row> {
    assert_eq!(res.status(), StatusCode::OK);
    read(res.bytes().await.unwrap().to_vec()).rows().map(Result::unwrap).collect()
}

#[tokio::test]
async fn care_and_screening_exports_are_masked_unless_full_identity_is_asked_for_and_always_audited() {
    for t in apps().await {
        register_women(&t).await;
        let county = t.token("county").await;
        assert_eq!(import(&t, &county, "/api/v1/care/cases/import", "c.xlsx", care_sheet_fixed()).await.0, StatusCode::CREATED);
        assert_eq!(import(&t, &county, "/api/v1/screenings/import", "s.xlsx", screening_sheet_fixed()).await.0, StatusCode::CREATED);

        // Masked by default; the filters of the list apply.
        let rows = rows_of(export(&t, &county, "/api/v1/care/cases/export", json!({"reason": "核对监测对象名单"})).await).await;
        assert_eq!(rows.len(), 4);
        assert_eq!((rows[0].cell(0), rows[0].cell(2)), ("王**", "高"));
        assert!(rows[0].cell(1).contains("********") && !rows[0].cell(1).contains(&id(A)[6..14]), "{:?}", rows[0]);
        let body = json!({"risk": "high", "reason": "入户走访需要核实身份", "full": true});
        let rows = rows_of(export(&t, &county, "/api/v1/care/cases/export", body).await).await;
        assert_eq!(rows.len(), 2, "the risk filter applies");
        assert_eq!((rows[0].cell(0), rows[0].cell(1)), ("王秀英", id(A).as_str()), "full identity with the permission");
        let audit = audited(&t, "care_case.export", "ok").await;
        assert_eq!(audit.len(), 2);
        let full = audit.iter().map(detail).find(|d| d["full"] == true).unwrap();
        assert_eq!(
            (full["rows"].as_i64(), full["reason"].as_str(), audit[0].username.as_str()),
            (Some(2), Some("入户走访需要核实身份"), "county")
        );

        let body = json!({"kind": "cervical", "reason": "年度筛查数据核对"});
        let rows = rows_of(export(&t, &county, "/api/v1/screenings/export", body).await).await;
        assert_eq!(rows.len(), 3);
        assert_eq!(rows.iter().filter(|r| r.cell(9) == "是").count(), 1, "the repeat is marked");
        assert_eq!(audited(&t, "screening.export", "ok").await.len(), 1);

        // The overdue list, the most overdue first, once the visits fall due.
        t.clock.advance(chrono::Duration::days(40));
        let county = t.token("county").await;
        let rows = rows_of(export(&t, &county, "/api/v1/care/overdue/export", json!({"reason": "督促逾期走访"})).await).await;
        assert_eq!(rows.len(), 2, "the two high-risk cases");
        assert_eq!((rows[0].cell(0), rows[0].cell(6), rows[1].cell(6)), ("王**", "36", "10"));

        // A reviewer sees no identity and may not ask for it; no reason, no export; another
        // county's region does not exist for 夷陵区.
        let reviewer = t.token("reviewer").await;
        let rows = rows_of(export(&t, &reviewer, "/api/v1/screenings/export", json!({"reason": "统计核对需要"})).await).await;
        assert_eq!((rows.len(), rows[0].cell(0), rows[0].cell(1)), (5, "", ""));
        let res = export(&t, &reviewer, "/api/v1/care/cases/export", json!({"reason": "统计核对需要", "full": true})).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        assert_eq!(
            export(&t, &county, "/api/v1/screenings/export", json!({"reason": ""})).await.status(),
            StatusCode::UNPROCESSABLE_ENTITY
        );
        let yiling = t.token("yiling").await;
        for path in ["/api/v1/care/cases/export", "/api/v1/care/overdue/export", "/api/v1/screenings/export"] {
            let res = export(&t, &yiling, path, json!({"region": "420502", "reason": "统计核对需要"})).await;
            assert_eq!(res.status(), StatusCode::NOT_FOUND, "{path}");
        }
        assert_eq!(audited(&t, "care_case.export", "ok").await.len(), 3);
        assert_eq!(audited(&t, "screening.export", "ok").await.len(), 2);

        // On the pages: each list links to its export form, which asks why.
        let browser = login(&t, "county").await;
        let (_, html) = get(&t, &browser, "/care/cases?risk=high").await;
        assert!(html.contains("href=\"/care/cases/export?region=420502&#38;risk=high&#38;status=open\""), "{html}");
        assert!(html.contains("href=\"/sheets/care/import\""), "{html}");
        let (_, html) = get(&t, &browser, "/care/overdue").await;
        assert!(html.contains("href=\"/care/overdue/export?region=420502\""), "{html}");
        let form = "/care/cases/export?region=420502&risk=high&status=open";
        let (status, html) = get(&t, &browser, form).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("导出监测档案") && html.contains("高风险") && html.contains("name=\"risk\" value=\"high\""), "{html}");
        let res = post_form(&t, &browser, form, "/care/cases/export", &[("region", "420502"), ("risk", "high"), ("reason", "")]).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(field(&res.text().await.unwrap(), "reason").contains("导出原因"));
        let res =
            post_form(&t, &browser, form, "/care/cases/export", &[("region", "420502"), ("risk", "high"), ("reason", "核对高风险名单")])
                .await;
        assert_eq!(res.status(), StatusCode::OK);
        assert!(res.headers()["content-disposition"].to_str().unwrap().contains("filename*=UTF-8''"));
        assert_eq!(read(res.bytes().await.unwrap().to_vec()).rows().count(), 2);
        t.finish().await;
    }
}
