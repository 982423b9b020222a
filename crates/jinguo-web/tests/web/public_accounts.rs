//! Public accounts through the portal's pages: registration asks for the two consents apart and
//! records them; a registered phone is found, not duplicated; login locks after five failures;
//! public sessions are not staff sessions; withdrawing consent closes the account.

use reqwest::StatusCode;

use crate::browser::*;
use crate::support::apps;

async fn public_accounts(t: &crate::support::TestApp) -> i64 {
    jinguo_store::public::count(t.app.db.reader()).await.unwrap()
}

#[tokio::test]
async fn a_mother_registers_with_separate_consent_and_sees_it_recorded() {
    for t in apps().await {
        // Without the consent to personal information: the form again, the message beside it,
        // nothing written.
        let b = t.browser();
        let res = post_form(
            &t,
            &b,
            "/public/register",
            "/public/register",
            &[
                ("phone", "13907171234"),
                ("nickname", "王女士"),
                ("password", PUBLIC_PASSWORD),
                ("confirm", PUBLIC_PASSWORD),
                ("agree_terms", "1"),
            ],
        )
        .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{}", t.engine);
        let html = res.text().await.unwrap();
        assert!(html.contains("请阅读并单独同意个人信息处理规则"), "{html}");
        assert!(html.contains("value=\"13907171234\""), "what she typed is kept: {html}");
        assert_eq!(public_accounts(&t).await, 0);

        // With both: logged in, back where she came from, her consents listed with versions.
        let b = public_register(&t, "139 0717 1234", "王女士").await;
        assert_eq!(public_accounts(&t).await, 1);
        let (s, html) = get(&t, &b, "/public/account").await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("王女士") && html.contains("139****1234"), "{html}");
        assert!(html.contains("用户服务协议") && html.contains("个人信息处理规则") && html.contains("2026-11"), "{html}");
        assert!(!t.audit("public.register", "ok").await.is_empty());

        // The phone is sealed at rest.
        let row = jinguo_store::public::by_id(t.app.db.reader(), {
            let rows = t.audit("public.register", "ok").await;
            rows[0].object_id.parse().unwrap()
        })
        .await
        .unwrap()
        .unwrap();
        assert!(!row.phone_cipher.contains("13907171234"));

        // The same phone again is found, not duplicated.
        let other = t.browser();
        let res = post_form(
            &t,
            &other,
            "/public/register",
            "/public/register",
            &[
                ("phone", "13907171234"),
                ("nickname", "另一位"),
                ("password", PUBLIC_PASSWORD),
                ("confirm", PUBLIC_PASSWORD),
                ("agree_terms", "1"),
                ("agree_personal_info", "1"),
            ],
        )
        .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(res.text().await.unwrap().contains("该手机号已注册"));
        assert_eq!(public_accounts(&t).await, 1);
        t.finish().await;
    }
}

#[tokio::test]
async fn public_login_locks_after_five_failures_and_is_not_a_staff_session() {
    for t in apps().await {
        public_register(&t, "13607170001", "李女士").await;
        // A page that needs an account sends a visitor to the public login and back.
        let b = t.browser();
        let res = b.get(t.url("/public/account")).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&res), "/public/login?next=/public/account");

        let login = |password: &'static str| {
            let b = b.clone();
            let t = &t;
            async move {
                post_form(
                    t,
                    &b,
                    "/public/login",
                    "/public/login",
                    &[("next", "/public/account"), ("phone", "13607170001"), ("password", password)],
                )
                .await
            }
        };
        for left in (1..=4).rev() {
            let res = login("Wrong-pass-1").await;
            assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
            assert!(res.text().await.unwrap().contains(&format!("再错 {left} 次将锁定账号")));
        }
        let res = login("Wrong-pass-1").await;
        assert_eq!(res.status(), StatusCode::LOCKED);
        assert!(res.text().await.unwrap().contains("账号已锁定 15 分钟"));
        // Locked: even the right password waits.
        let res = login(PUBLIC_PASSWORD).await;
        assert_eq!(res.status(), StatusCode::LOCKED);
        t.clock.advance(chrono::Duration::minutes(16));
        let res = login(PUBLIC_PASSWORD).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&res), "/public/account");

        // A public session opens no staff page.
        let res = b.get(t.url("/people")).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert!(location(&res).starts_with("/login"), "{}", location(&res));

        // Thirty idle minutes end it.
        t.clock.advance(chrono::Duration::minutes(31));
        let res = b.get(t.url("/public/account")).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        t.finish().await;
    }
}

#[tokio::test]
async fn withdrawing_consent_closes_the_account() {
    for t in apps().await {
        let b = public_register(&t, "13707170002", "张女士").await;
        // A wrong password changes nothing.
        let res = post_form(&t, &b, "/public/account", "/public/account/close", &[("password", "Wrong-pass-1")]).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(field(&res.text().await.unwrap(), "password").contains("密码不正确"));
        let (s, _) = get(&t, &b, "/public/account").await;
        assert_eq!(s, StatusCode::OK);

        let res = post_form(&t, &b, "/public/account", "/public/account/close", &[("password", PUBLIC_PASSWORD)]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        // Her session ended; she cannot log in again; the withdrawal is recorded.
        let res = b.get(t.url("/public/account")).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let again = t.browser();
        let res = post_form(&t, &again, "/public/login", "/public/login", &[("phone", "13707170002"), ("password", PUBLIC_PASSWORD)]).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        assert!(res.text().await.unwrap().contains("已停用"));
        let withdrawn: i64 = {
            let rows = t.audit("public.withdraw_consent", "ok").await;
            assert_eq!(rows.len(), 1);
            jinguo_store::public::consents(t.app.db.reader(), rows[0].object_id.parse().unwrap())
                .await
                .unwrap()
                .iter()
                .filter(|c| c.withdrawn_at.is_some())
                .count() as i64
        };
        assert_eq!(withdrawn, 2);
        t.finish().await;
    }
}
