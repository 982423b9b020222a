//! The people register in spreadsheets, as an officer uses it: a 10,000-row sheet with one bad
//! ID number comes back marked and writes nothing; fixed, it lands whole. A sheet made by
//! LibreOffice imports like one made by Excel. Exports are masked unless full identity is asked
//! for with the permission, and every export is audited.

use jinguo_domain::RegionCode;
use jinguo_domain::people::IdNumber;
use jinguo_sheet::Sheet;
use jinguo_store::Scope;
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

use crate::browser::*;
use crate::support::{TestApp, apps};

const HEADERS: [&str; 6] = ["姓名", "身份证号码", "手机号码", "村(社区)代码", "人员类别", "住址"];
const VILLAGES: [&str; 3] = ["420502001001", "420502001002", "420502002001"];

/// A valid ID number of a woman born in 西陵区 in 1950–1999, distinct for each `n` < 200,000.
fn id_number(n: usize) -> String {
    let year = 1950 + n % 50;
    let day = 1 + (n / 50) % 28;
    let month = 1 + (n / 1400) % 12;
    let seq = (n / 16_800) * 2 % 1000; // even: a woman
    let body = format!("420502{year:04}{month:02}{day:02}{seq:03}");
    format!("{body}{}", IdNumber::check_char(&body))
}

fn wrong_check(id: &str) -> String {
    let right = id.chars().last().unwrap();
    format!("{}{}", &id[..17], if right == '0' { '1' } else { '0' })
}

fn rows(n: usize) -> Vec<Vec<String>> {
    (0..n)
        .map(|i| {
            vec![
                format!("王{}", ["秀英", "桂兰", "晓燕", "丽"][i % 4]),
                id_number(i),
                format!("139{:08}", i),
                VILLAGES[i % 3].to_owned(),
                ["", "困难", "留守、单亲", "残疾"][i % 4].to_owned(),
                "宜昌市西陵区".to_owned(),
            ]
        })
        .collect()
}

fn workbook(rows: Vec<Vec<String>>) -> Vec<u8> {
    jinguo_sheet::table("人员信息", &HEADERS, rows).unwrap()
}

fn read(bytes: Vec<u8>) -> Sheet {
    Sheet::from_bytes("x.xlsx", bytes, |cells| cells.iter().any(|c| c == "身份证号码")).unwrap()
}

fn detail(a: &jinguo_store::audit::AuditRecord) -> Value {
    serde_json::from_str(&a.detail).unwrap()
}

async fn people_in(t: &TestApp, code: &str) -> i64 {
    jinguo_store::people::count(t.app.db.reader(), &Scope::region(RegionCode::parse(code).unwrap()), None).await.unwrap()
}

/// Uploads `bytes` through the import page; follows the progress page until it stops
/// refreshing and answers it.
async fn upload(t: &TestApp, b: &Client, name: &str, bytes: Vec<u8>) -> String {
    upload_to(t, b, "/people/import", name, bytes).await
}

/// Uploads `bytes` through the import page at `path`, as [`upload`].
pub(crate) async fn upload_to(t: &TestApp, b: &Client, path: &str, name: &str, bytes: Vec<u8>) -> String {
    let (status, page) = get(t, b, path).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let form = reqwest::multipart::Form::new()
        .text("csrf", input_value(&page, "csrf"))
        .part("file", reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()));
    let res = b.post(t.url(path)).multipart(form).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "{}", res.text().await.unwrap());
    let job = res.headers()["location"].to_str().unwrap().to_owned();
    for _ in 0..600 {
        let res = b.get(t.url(&job)).send().await.unwrap();
        let refreshing = res.headers().contains_key("refresh");
        let html = res.text().await.unwrap();
        if !refreshing {
            return html;
        }
        assert!(html.contains("<progress"), "{html}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("{}: the import did not finish", t.engine);
}

#[tokio::test]
async fn a_sheet_with_one_bad_id_number_comes_back_marked_and_fixed_it_imports_whole() {
    for t in apps().await {
        let county = login(&t, "county").await;
        let mut data = rows(10_001);
        let bad = 6_543;
        data[bad][1] = wrong_check(&data[bad][1]);
        let bad_line = bad + 2; // under the header row, counted from 1

        let page = upload(&t, &county, "西陵区妇女名单.xlsx", workbook(data)).await;
        assert!(page.contains("未导入任何数据"), "{page}");
        assert!(page.contains(&format!("<td class=\"num\" data-label=\"行号\">{bad_line}</td>")), "{page}");
        assert!(page.contains("身份证号码校验码不符"), "{page}");
        assert_eq!(people_in(&t, "420502").await, 0, "{}: nothing written", t.engine);

        // The same sheet comes back, every row in place, the bad one explained in the first column.
        let link = page.split("href=\"").find(|s| s.contains("/errors\"")).unwrap().split('"').next().unwrap().to_owned();
        let res = county.get(t.url(&link)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert!(res.headers()["content-disposition"].to_str().unwrap().contains("filename*=UTF-8''"), "a Chinese file name");
        let back = read(res.bytes().await.unwrap().to_vec());
        assert_eq!(back.headers[0], "错误说明");
        assert_eq!(back.headers[1..], HEADERS.map(String::from));
        let back_rows: Vec<_> = back.rows().map(Result::unwrap).collect();
        assert_eq!(back_rows.len(), 10_001);
        let marked: Vec<usize> = back_rows.iter().filter(|r| !r.cell(0).is_empty()).map(|r| r.line).collect();
        assert_eq!(marked, [bad_line]);
        assert!(back_rows[bad].cell(0).contains("校验码"), "{:?}", back_rows[bad]);

        // Fixed in the returned sheet (the error column left in place), it imports whole.
        let fixed: Vec<Vec<String>> = back_rows
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let mut cells = r.cells.clone();
                if i == bad {
                    cells[2] = id_number(bad);
                }
                cells
            })
            .collect();
        let mut headers = vec!["错误说明"];
        headers.extend(HEADERS);
        let page = upload(&t, &county, "西陵区妇女名单（错误标注）.xlsx", jinguo_sheet::table("人员", &headers, fixed).unwrap()).await;
        assert!(page.contains("导入完成：共 10001 行，新登记 10001 人"), "{page}");
        assert_eq!(people_in(&t, "420502").await, 10_001);
        let (_, figures) =
            t.get("/api/v1/indicators?region=420502&ids=people.registered,people.category.hardship", &t.token("county").await).await;
        assert_eq!(figures["items"][0]["value"], 10_001, "{figures}");
        assert_eq!(figures["items"][1]["value"], 2_500, "{figures}");
        let audit = t.audit("people.import", "ok").await;
        assert_eq!(audit.len(), 1);
        assert_eq!((detail(&audit[0])["created"].as_i64(), audit[0].username.as_str()), (Some(10_001), "county"));
        assert_eq!(t.audit("people.import", "failed").await.len(), 1);
        // The bulk path appended to the same audit chain: it still verifies.
        let chain = jinguo_store::audit::verify(&t.app.db).await.unwrap();
        assert_eq!(chain.broken, None, "{}: {chain:?}", t.engine);
        t.finish().await;
    }
}

async fn import_api(t: &TestApp, token: &str, name: &str, bytes: Vec<u8>) -> (StatusCode, Value) {
    let res = reqwest::Client::new()
        .post(t.url(&format!("/api/v1/people/import?file={name}")))
        .bearer_auth(token)
        .body(bytes)
        .send()
        .await
        .unwrap();
    (res.status(), res.json().await.unwrap())
}

#[tokio::test]
async fn a_libreoffice_sheet_imports_like_an_excel_one() {
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    for t in apps().await {
        let county = t.token("county").await;
        let (s, v) = import_api(&t, &county, "lo.xlsx", std::fs::read(fixtures.join("people-libreoffice.xlsx")).unwrap()).await;
        assert_eq!((s, &v), (StatusCode::CREATED, &json!({"rows": 3, "created": 3, "existing": 0})), "{}", t.engine);
        let (_, found) = t.get("/api/v1/people?q=42050219650921004X", &county).await;
        assert_eq!(found["items"][0]["name"], "李**", "{found}");
        assert_eq!(found["items"][0]["categories"], json!(["left_behind"]));
        let (_, found) = t.get("/api/v1/people?q=07176221234", &county).await;
        assert_eq!(found["total"], 1, "a landline typed with a dash finds her: {found}");

        // Again: found, not duplicated.
        let (s, v) = import_api(&t, &county, "lo.xlsx", std::fs::read(fixtures.join("people-libreoffice.xlsx")).unwrap()).await;
        assert_eq!((s, v["existing"].as_u64()), (StatusCode::CREATED, Some(3)), "{v}");
        assert_eq!(people_in(&t, "4205").await, 3);

        // Where the ID column was left as numbers, LibreOffice rounded them: each row says so.
        let (s, v) = import_api(&t, &county, "n.xlsx", std::fs::read(fixtures.join("people-libreoffice-numbers.xlsx")).unwrap()).await;
        assert_eq!((s, v["error"]["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("import_rejected")), "{v}");
        // (The third number ends in X, so it stayed text.)
        let bad = v["error"]["bad_rows"].as_array().unwrap();
        assert_eq!(bad.iter().map(|r| r["line"].as_u64().unwrap()).collect::<Vec<_>>(), [2, 4], "{v}");
        for row in bad {
            let message = row["message"].as_str().unwrap();
            assert!(message.contains("“文本”格式") && !message.contains("校验码"), "one message for the cell: {message}");
        }
        t.finish().await;
    }
}

#[tokio::test]
async fn every_bad_row_is_named_and_a_csv_comes_back_as_csv() {
    for t in apps().await {
        let county = t.token("county").await;
        let yiling = t.token("yiling").await;
        // Someone registered in 夷陵区 already.
        let (s, _) = t.post("/api/v1/people", &yiling, json!({"name": "赵敏", "id_number": id_number(7), "region": "420506100001"})).await;
        assert_eq!(s, StatusCode::CREATED);
        let csv = format!(
            "姓名,身份证号码,手机号码,村(社区)代码,人员类别,住址\r\n\
             王芳,{a},13900000001,420502001001,困难,\r\n\
             王芳,{a},,420502001001,,\r\n\
             李娜,{b},12345,420506100001,外星人,\r\n\
             赵敏,{c},,420502001002,,\r\n\
             ,{d},,4205020010,,\r\n\
             孙丽,{e},123,420502001001,,\r\n\
             周红,{e},,420502001001,,\r\n",
            a = id_number(1),
            b = id_number(2),
            c = id_number(7),
            d = id_number(3),
            e = id_number(4)
        );
        let (s, v) = import_api(&t, &county, "名单.csv", csv.clone().into_bytes()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        let bad: Vec<(u64, String)> = v["error"]["bad_rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (r["line"].as_u64().unwrap(), r["message"].as_str().unwrap().to_owned()))
            .collect();
        assert_eq!(bad.iter().map(|(l, _)| *l).collect::<Vec<_>>(), [3, 4, 5, 6, 7, 8], "{v}");
        assert!(bad[0].1.contains("与第 2 行重复"), "{bad:?}");
        assert!(bad[1].1.contains("手机号码") && bad[1].1.contains("外星人") && bad[1].1.contains("不在您的管辖范围内"), "{bad:?}");
        assert!(bad[2].1.contains("其他地区登记"), "{bad:?}");
        assert!(bad[3].1.contains("姓名") && bad[3].1.contains("村(社区)"), "{bad:?}");
        // A repeat of a row that is bad for another reason is named too.
        assert!(bad[4].1.contains("手机号码") && !bad[4].1.contains("重复"), "{bad:?}");
        assert!(bad[5].1.contains("与第 7 行重复"), "{bad:?}");
        assert_eq!(people_in(&t, "420502").await, 0);

        // Through the page, the CSV comes back as a CSV with the error column first.
        let b = login(&t, "county").await;
        let page = upload(&t, &b, "名单.csv", csv.into_bytes()).await;
        let link = page.split("href=\"").find(|s| s.contains("/errors\"")).unwrap().split('"').next().unwrap().to_owned();
        let res = b.get(t.url(&link)).send().await.unwrap();
        assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
        let text = res.text().await.unwrap();
        let lines: Vec<&str> = text.trim_start_matches('\u{feff}').lines().collect();
        assert!(lines[0].starts_with("错误说明,姓名,身份证号码"), "{text}");
        assert!(lines[1].starts_with(",王芳,") && lines[2].contains("与第 2 行重复"), "{text}");

        // A file that is not a sheet, or lacks a required column, is refused as a whole.
        let (s, v) = import_api(&t, &county, "x.xlsx", b"PK\x03\x04 broken".to_vec()).await;
        assert_eq!((s, v["error"]["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid")), "{v}");
        let (s, v) = import_api(&t, &county, "x.csv", "姓名,手机号码\n王芳,13900000001\n".as_bytes().to_vec()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(v["error"]["message"].as_str().unwrap().contains("身份证号码"), "{v}");
        // A reviewer may not import at all.
        let (s, _) = import_api(&t, &t.token("reviewer").await, "x.csv", b"a".to_vec()).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        t.finish().await;
    }
}

#[tokio::test]
async fn exports_are_masked_unless_full_identity_is_asked_for_and_always_audited() {
    for t in apps().await {
        let county = t.token("county").await;
        let (s, _) = import_api(&t, &county, "a.xlsx", workbook(rows(30))).await;
        assert_eq!(s, StatusCode::CREATED);
        let export = |token: String, body: Value| {
            let url = t.url("/api/v1/people/export");
            async move { reqwest::Client::new().post(url).bearer_auth(token).json(&body).send().await.unwrap() }
        };

        let res = export(county.clone(), json!({"category": "hardship", "reason": "核对困难妇女名单"})).await;
        assert_eq!(res.status(), StatusCode::OK);
        let sheet = read(res.bytes().await.unwrap().to_vec());
        assert_eq!(sheet.headers[..6], HEADERS.map(String::from), "an export reads back as an import");
        let rows: Vec<_> = sheet.rows().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 8, "the filter applies");
        assert_eq!(rows[0].cell(0), "王**");
        assert!(rows[0].cell(1).contains("********") && rows[0].cell(2).contains("****"), "{:?}", rows[0]);

        let res = export(county.clone(), json!({"region": "420502001001", "reason": "入户走访需要联系电话", "full": true})).await;
        let rows: Vec<_> = read(res.bytes().await.unwrap().to_vec()).rows().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 10);
        assert_eq!(rows[0].cell(1), id_number(0), "full identity with the permission");

        let audit = t.audit("people.export", "ok").await;
        assert_eq!(audit.len(), 2);
        let full = audit.iter().map(detail).find(|d| d["full"] == true).unwrap();
        assert_eq!((full["rows"].as_i64(), full["reason"].as_str()), (Some(10), Some("入户走访需要联系电话")));

        // No reason, no export; a reviewer gets no full identity; out of scope is not found.
        let res = export(county.clone(), json!({"reason": ""})).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let res = export(t.token("reviewer").await, json!({"reason": "统计核对需要", "full": true})).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        let res = export(t.token("yiling").await, json!({"region": "420502", "reason": "统计核对需要"})).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
        assert_eq!(t.audit("people.export", "ok").await.len(), 2);
        t.finish().await;
    }
}

#[tokio::test]
async fn the_template_has_the_columns_in_order_and_the_export_page_asks_why() {
    for t in apps().await {
        let b = login(&t, "county").await;
        let res = b.get(t.url("/people/template.xlsx")).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let bytes = res.bytes().await.unwrap().to_vec();
        let sheet = Sheet::from_bytes("t.xlsx", bytes, |c| c.iter().any(|h| h.starts_with("身份证号码"))).unwrap();
        let headers: Vec<String> = sheet.headers.iter().map(|h| h.trim_end_matches('*').to_owned()).collect();
        assert_eq!(headers, HEADERS.map(String::from));

        let (_, list) = get(&t, &b, "/people?category=hardship").await;
        assert!(list.contains("href=\"/people/export?region=420502&#38;category=hardship\""), "{list}");
        let res =
            post_form(&t, &b, "/people/export?category=hardship", "/people/export", &[("category", "hardship"), ("reason", "")]).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = res.text().await.unwrap();
        assert!(field(&html, "reason").contains("导出原因"), "{html}");
        t.finish().await;
    }
}
