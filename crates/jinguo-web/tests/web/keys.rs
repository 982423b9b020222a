//! Key rotation (ADR 0010) on each engine: every sealed field still opens to what it was, the
//! blind indexes find the same people under the new key, nothing is left under the old key, no
//! row is lost, a crash half-way is finished by running it again, and a process holding the old
//! key is refused instead of silently finding no one.

use std::sync::Arc;

use jinguo_app::keys::RotateOptions;
use jinguo_app::people::{PersonInput, Registration};
use jinguo_app::{Actor, App, Crypto};
use jinguo_crypto::{KeyRing, Suite};
use jinguo_domain::people::IdNumber;

use crate::support::{TOTP_SECRET, TestApp, apps};

fn id_number(body17: &str) -> String {
    format!("{body17}{}", IdNumber::check_char(body17))
}

/// Twelve women, some without phone or address (null sealed columns must survive too).
fn women() -> Vec<PersonInput> {
    (0..12)
        .map(|i| PersonInput {
            name: format!("测试{}", ["甲", "乙", "丙", "丁", "戊", "己", "庚", "辛", "壬", "癸", "子", "丑"][i]),
            id_number: id_number(&format!("4205021975{:02}{:02}{:03}", i % 12 + 1, 10 + i, 2 * i + 2)),
            phone: (i % 3 != 0).then(|| format!("1381234{:04}", 5000 + i)),
            region: if i % 2 == 0 { "420502001001" } else { "420506100001" }.into(),
            categories: vec!["hardship".into()],
            address: (i % 4 != 1).then(|| format!("宜昌市西陵区测试路{i}号")),
        })
        .collect()
}

async fn row_counts(t: &TestApp) -> Vec<i64> {
    let mut out = Vec::new();
    for table in ["people", "person_categories", "accounts", "public_accounts", "public_consents", "rollups"] {
        out.push(jinguo_store::keys::count_rows(t.app.db.reader(), table).await.unwrap());
    }
    out
}

/// The platform as a process started with the key file at `path` would see it.
fn app_with_keys(t: &TestApp, path: &std::path::Path) -> App {
    let ring = KeyRing::load_or_create(path, None).unwrap();
    App::new(t.app.db.clone(), Crypto::new(Suite::Gm, ring), t.clock.clone(), t.app.config.clone())
}

/// Every woman opens to her original fields and is found by ID number and by phone.
async fn assert_all_intact(t: &TestApp, app: &App, registered: &[(i64, PersonInput)]) {
    let op = Actor::operator();
    for (id, w) in registered {
        let r = app.reveal_person(&op, *id, "核对密钥轮换").await.unwrap();
        assert_eq!(
            (r.name.as_str(), r.id_number.as_str(), r.phone.as_deref(), r.address.as_deref()),
            (w.name.as_str(), w.id_number.as_str(), w.phone.as_deref(), w.address.as_deref()),
            "{}: person {id}",
            t.engine
        );
        let found = app.list_people(&op, None, None, Some(&w.id_number), None, 10).await.unwrap();
        assert_eq!(found.items.iter().map(|p| p.id).collect::<Vec<_>>(), vec![*id], "{}: by ID number", t.engine);
        if let Some(phone) = &w.phone {
            let found = app.list_people(&op, None, None, Some(phone), None, 10).await.unwrap();
            assert_eq!(found.items.iter().map(|p| p.id).collect::<Vec<_>>(), vec![*id], "{}: by phone", t.engine);
        }
        // Registering her again finds her instead of duplicating her.
        let again = app.register_person(&op, w).await.unwrap();
        assert!(matches!(again, Registration::Existing(ref v) if v.id == *id), "{}: dedup after rotation", t.engine);
    }
    // The member of the public still logs in by her phone.
    let login = app.login_public("13907175555", "Gongzhong-2026", &jinguo_app::public::Origin::default()).await;
    assert_eq!(login.map(|l| l.account.phone_masked).ok().as_deref(), Some("139****5555"), "{}: public login after rotation", t.engine);
    // The administrators' second factors still open.
    let rows = jinguo_store::keys::batch(app.db.reader(), "accounts", &["totp_secret"], i64::MIN, 100).await.unwrap();
    let secrets: Vec<String> = rows.into_iter().filter_map(|r| r.values[0].clone()).collect();
    assert_eq!(secrets.len(), 3, "{}", t.engine);
    for sealed in secrets {
        assert_eq!(app.crypto.open("account.totp", &sealed).unwrap(), TOTP_SECRET);
    }
}

/// Values of each sealed column under `key`.
async fn under_key(app: &App, key: u32) -> Vec<i64> {
    let status = app.key_status(&app.crypto.ring).await.unwrap();
    status.columns.iter().map(|c| c.by_key.iter().find(|(k, _)| *k == key).map_or(0, |(_, n)| *n) + c.unknown).collect()
}

#[tokio::test]
async fn key_rotation_loses_nothing_and_resumes_after_a_crash() {
    for t in apps().await {
        let op = Actor::operator();
        let mut registered = Vec::new();
        for w in women() {
            match t.app.register_person(&op, &w).await.unwrap() {
                Registration::Created(v) => registered.push((v.id, w)),
                Registration::Existing(_) => panic!("{}: fixture women must be distinct", t.engine),
            }
        }
        // A member of the public: her phone is sealed and indexed like the register's.
        let signup = jinguo_domain::public::SignupInput {
            phone: "13907175555".into(),
            nickname: "王女士".into(),
            password: "Gongzhong-2026".into(),
            confirm: "Gongzhong-2026".into(),
            agree_terms: true,
            agree_personal_info: true,
        };
        t.app.register_public(&signup, &jinguo_app::public::Origin::default()).await.unwrap();
        let before = row_counts(&t).await;
        let key_file = t.data_dir().join("rotate.key");
        t.app.crypto.ring.save(&key_file).unwrap();
        let old_key = t.app.crypto.ring.current().id;
        t.app.check_index_key().await.unwrap();

        // A crash after the first batch of three rows: the key file already holds the new key,
        // some rows are under it and some are not.
        let options = RotateOptions { key_file: key_file.clone(), force: false, retire_old: false, batch: 3 };
        let (app, opts) = (t.app.clone(), options.clone());
        let crashed = tokio::spawn(async move {
            let crash: jinguo_app::org::regions::Progress = Arc::new(|_: &str, done: u64, _: u64| {
                if done >= 3 {
                    panic!("simulated crash after the first batch");
                }
            });
            app.rotate_keys(&Actor::operator(), &opts, Some(crash)).await
        })
        .await;
        assert!(crashed.is_err(), "{}: the simulated crash must stop the rotation", t.engine);
        let half = app_with_keys(&t, &key_file);
        let new_key = half.crypto.ring.current().id;
        assert_ne!(new_key, old_key);
        let status = half.key_status(&half.crypto.ring).await.unwrap();
        assert_eq!((status.index_key, status.rotating), (Some(old_key), Some(new_key)), "{}", t.engine);
        assert_eq!(status.columns[0].by_key, vec![(old_key, 9), (new_key, 3)], "{}: three rows done before the crash", t.engine);
        // Neither the old process nor a new one may work on a half-rotated database.
        let refused = half.check_index_key().await.unwrap_err().to_string();
        assert!(refused.contains("jinguo keys rotate"), "{refused}");
        assert!(t.app.check_index_key().await.is_err(), "{}: the old key ring must be refused", t.engine);
        assert!(!t.app.heartbeat().await.unwrap(), "{}: a running server must stop while keys rotate", t.engine);
        t.app.end_lease().await.unwrap();

        // Run again: it carries on with the same new key and rewrites only what is left.
        let report = t.app.rotate_keys(&op, &options, None).await.unwrap();
        assert!(report.resumed, "{}", t.engine);
        assert_eq!((report.from_key, report.to_key), (old_key, new_key));
        assert_eq!(report.tables[0].rows, 12);
        assert_eq!(report.tables[0].rewritten, 9, "{}: rows already under the new key are skipped", t.engine);
        assert_eq!(report.tables[1].rewritten, 3, "{}: the three administrators' TOTP secrets", t.engine);
        assert_eq!((report.tables[2].rows, report.tables[2].rewritten), (1, 1), "{}: the public account's phone", t.engine);

        let rotated = app_with_keys(&t, &key_file);
        rotated.check_index_key().await.unwrap();
        assert!(t.app.check_index_key().await.is_err(), "{}: the old key ring must be refused after rotation", t.engine);
        assert_eq!(under_key(&rotated, old_key).await, vec![0; 5], "{}: nothing left under the old key", t.engine);
        assert_eq!(rotated.crypto.ring.ids(), vec![old_key, new_key], "old keys are kept");
        assert_all_intact(&t, &rotated, &registered).await;
        assert_eq!(row_counts(&t).await, before, "{}: no row lost or added", t.engine);
        let audited = t.audit("keys.rotate", "ok").await;
        assert_eq!(audited.len(), 1, "{}", t.engine);
        assert!(audited[0].detail.contains(&format!("\"to_key\":{new_key}")), "{}", audited[0].detail);

        // Rotating again and retiring the old keys leaves one key, and still loses nothing.
        let options = RotateOptions { retire_old: true, batch: 1000, ..options };
        let report = rotated.rotate_keys(&op, &options, None).await.unwrap();
        assert!(!report.resumed);
        assert_eq!(report.retired, vec![old_key, new_key], "{}", t.engine);
        let last = app_with_keys(&t, &key_file);
        assert_eq!(last.crypto.ring.ids(), vec![report.to_key]);
        last.check_index_key().await.unwrap();
        assert_all_intact(&t, &last, &registered).await;
        assert_eq!(row_counts(&t).await, before, "{}", t.engine);
        t.finish().await;
    }
}

#[tokio::test]
async fn rotation_waits_for_a_running_server_and_refuses_a_bad_key_file() {
    for t in apps().await {
        let op = Actor::operator();
        let key_file = t.data_dir().join("lease.key");
        t.app.crypto.ring.save(&key_file).unwrap();
        let original = std::fs::read_to_string(&key_file).unwrap();
        let options = RotateOptions { key_file: key_file.clone(), force: false, retire_old: false, batch: 100 };

        // A server's fresh heartbeat: refused, in words, and the key file is left alone.
        assert!(t.app.heartbeat().await.unwrap());
        let e = t.app.rotate_keys(&op, &options, None).await.unwrap_err().to_string();
        assert!(e.contains("停止") && e.contains("--force"), "{e}");
        assert_eq!(std::fs::read_to_string(&key_file).unwrap(), original, "{}: nothing changes on refusal", t.engine);

        // A lease past its time is a server that died: rotation goes ahead.
        t.clock.advance(chrono::Duration::minutes(5));
        let report = t.app.rotate_keys(&op, &options, None).await.unwrap();
        assert_eq!(report.to_key, 2);
        // The server that held the old key learns of it at its next heartbeat.
        assert!(!t.app.heartbeat().await.unwrap(), "{}", t.engine);

        // A key file that cannot be read is reported, and the database is untouched.
        std::fs::write(&key_file, "1:abcd\n").unwrap();
        let e = t.app.rotate_keys(&op, &RotateOptions { force: true, ..options.clone() }, None).await.unwrap_err().to_string();
        assert!(e.contains("密钥文件") && e.contains("32 字节"), "{e}");
        assert_eq!(t.app.index_key().await.unwrap(), Some(2), "{}", t.engine);
        t.finish().await;
    }
}
