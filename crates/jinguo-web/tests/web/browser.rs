//! A person's browser in tests: logging in through the real form, following redirects by hand,
//! posting forms with the token the page gave, and reading what the page then says.

use reqwest::{Client, Response, StatusCode};

use crate::support::{PASSWORD, TOTP_SECRET, TestApp};

/// The value of the first input named `name` in a page (the forms' hidden CSRF token).
pub(crate) fn input_value(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).map(|i| i + marker.len()).unwrap_or_else(|| panic!("no input {name} in:\n{html}"));
    html[start..].split('"').next().unwrap_or_default().to_owned()
}

/// The markup of the form field `name`, from its label to the end of its block: where the
/// message beside the field must appear.
pub(crate) fn field(html: &str, name: &str) -> String {
    let start = html.find(&format!("for=\"f-{name}\"")).unwrap_or_else(|| panic!("no field {name} in:\n{html}"));
    let end = html[start..].find("</div>").map(|e| start + e).unwrap_or(html.len());
    html[start..end].to_owned()
}

/// Posts the login form as a browser would: the form's token and its cookie, the fields typed.
pub(crate) async fn submit_login(t: &TestApp, b: &Client, username: &str, password: &str) -> Response {
    let page = b.get(t.url("/login?next=/")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    let mut form = vec![
        ("csrf", input_value(&html, "csrf")),
        ("next", "/".to_owned()),
        ("username", username.to_owned()),
        ("password", password.to_owned()),
    ];
    if ["admin", "security", "auditor"].contains(&username) {
        form.push(("totp", jinguo_crypto::totp::code_at(TOTP_SECRET, t.app.now().timestamp()).unwrap()));
    }
    b.post(t.url("/login")).form(&form).send().await.unwrap()
}

/// A browser logged in as `username` through the real login form.
pub(crate) async fn login(t: &TestApp, username: &str) -> Client {
    let b = t.browser();
    let res = submit_login(t, &b, username, PASSWORD).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "{} login {username}: {}", t.engine, res.text().await.unwrap());
    b
}

pub(crate) async fn get(t: &TestApp, b: &Client, path: &str) -> (StatusCode, String) {
    let res = b.get(t.url(path)).send().await.unwrap();
    (res.status(), res.text().await.unwrap())
}

/// Opens `page`, takes its CSRF token, and posts `fields` with it to `action`.
pub(crate) async fn post_form(t: &TestApp, b: &Client, page: &str, action: &str, fields: &[(&str, &str)]) -> Response {
    let (status, html) = get(t, b, page).await;
    assert_eq!(status, StatusCode::OK, "{page}: {html}");
    let mut form: Vec<(&str, String)> = vec![("csrf", input_value(&html, "csrf"))];
    form.extend(fields.iter().map(|(k, v)| (*k, (*v).to_owned())));
    b.post(t.url(action)).form(&form).send().await.unwrap()
}

pub(crate) fn location(res: &Response) -> String {
    res.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
}

/// The password public accounts in tests register with.
pub(crate) const PUBLIC_PASSWORD: &str = "Gongzhong-2026";

/// Registers a public account through the real form (both consents given) and returns the
/// browser, logged in on the public pages.
pub(crate) async fn public_register(t: &TestApp, phone: &str, nickname: &str) -> Client {
    let b = t.browser();
    let res = post_form(
        t,
        &b,
        "/public/register",
        "/public/register",
        &[
            ("next", "/public"),
            ("phone", phone),
            ("nickname", nickname),
            ("password", PUBLIC_PASSWORD),
            ("confirm", PUBLIC_PASSWORD),
            ("agree_terms", "1"),
            ("agree_personal_info", "1"),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "{} register {phone}: {}", t.engine, res.text().await.unwrap());
    b
}
