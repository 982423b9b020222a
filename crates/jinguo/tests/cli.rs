//! The `jinguo` binary as an operator uses it: each test runs the real executable on a fresh
//! data directory and checks what it prints, its exit code, and what it left in the database.
//! The only test binary of this crate (each one costs a link on a 2-core machine).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

const GOOD: &str = "code,name,parentCode\n42,湖北省,\n4205,宜昌市,42\n420502,西陵区,4205\n420502001,西陵街道,420502\n420502001001,土街头社区居民委员会,420502001\n";

/// Runs `jinguo --data-dir DIR args…` with `stdin`, logs quiet.
fn jinguo(dir: &Path, args: &[&str], stdin: &str) -> Output {
    jinguo_with(dir, args, stdin, &[])
}

fn jinguo_with(dir: &Path, args: &[&str], stdin: &str, env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_jinguo"));
    cmd.current_dir(dir).arg("--data-dir").arg(dir.join("data")).args(args);
    cmd.env("RUST_LOG", "warn").stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    for var in
        ["JINGUO_DATA_DIR", "JINGUO_DATABASE_URL", "JINGUO_CONFIG", "JINGUO_CITY", "JINGUO_KEYS", "JINGUO_KEY_FILE", "JINGUO_CRYPTO_SUITE"]
    {
        cmd.env_remove(var);
    }
    cmd.envs(env.iter().copied());
    let mut child = cmd.spawn().expect("run jinguo");
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

fn regions_in(db: &Path) -> i64 {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row("SELECT COUNT(*) FROM regions", [], |r| r.get(0)).unwrap()
}

#[test]
fn regions_import_lands_whole_or_not_at_all() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("good.csv"), GOOD).unwrap();
    let out = jinguo(dir.path(), &["regions", "import", "good.csv"], "");
    assert!(out.status.success(), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("导入完成：读入 5 行"), "{stdout}");
    assert!(stdout.contains("区划总数：5"), "{stdout}");
    let db = dir.path().join("data/jinguo.db");
    assert_eq!(regions_in(&db), 5);

    // One bad row among good ones: nothing is written, and the row is named.
    let bad = "code,name,cityCode\n420503,伍家岗区,4205\n4205x6,夷陵区,4205\n420525,远安县,4205\n";
    std::fs::write(dir.path().join("more.csv"), bad).unwrap();
    let out = jinguo(dir.path(), &["regions", "import", "more.csv"], "");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("more.csv 第 3 行") && stderr.contains("4205x6"), "{stderr}");
    assert!(stderr.contains("未导入任何数据"), "{stderr}");
    assert_eq!(regions_in(&db), 5, "a rejected import must write nothing");

    // A file that cannot be read is reported in words, not a panic.
    let out = jinguo(dir.path(), &["regions", "import", "missing.csv"], "");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("无法读取文件"), "{}", text(&out));
}

#[test]
fn user_add_refuses_a_weak_password_and_creates_a_good_one() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("good.csv"), GOOD).unwrap();
    let out = jinguo(dir.path(), &["regions", "import", "good.csv", "--federations-under", "4205"], "");
    assert!(out.status.success(), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("新建妇联组织 4 个"), "{}", text(&out));

    let add = ["user", "add", "--username", "wangfang", "--org", "4205", "--role", "city_officer", "--name", "王芳"];
    let out = jinguo(dir.path(), &add, "password\n");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("密码须包含"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");

    let out = jinguo(dir.path(), &add, "Str0ng!pass\n");
    assert!(out.status.success(), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("wangfang") && stdout.contains("宜昌市") && stdout.contains("city_officer"), "{stdout}");
}

#[test]
fn audit_verify_finds_an_edited_entry() {
    let dir = tempfile::tempdir().unwrap();
    let out = jinguo(dir.path(), &["audit", "verify"], "");
    assert!(out.status.success(), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("审计日志完整：0 条"), "{}", text(&out));

    std::fs::write(dir.path().join("good.csv"), GOOD).unwrap();
    assert!(jinguo(dir.path(), &["regions", "import", "good.csv"], "").status.success());
    let out = jinguo(dir.path(), &["audit", "verify"], "");
    assert!(out.status.success(), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("审计日志完整：1 条"), "{}", text(&out));

    let conn = rusqlite::Connection::open(dir.path().join("data/jinguo.db")).unwrap();
    assert_eq!(conn.execute("UPDATE audit_log SET username = 'someone-else' WHERE seq = 1", []).unwrap(), 1);
    drop(conn);
    let out = jinguo(dir.path(), &["audit", "verify"], "");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("第 1 条"), "{}", text(&out));
}

#[test]
fn settings_come_from_flag_then_environment_then_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("jinguo.toml"), "data_dir = \"from-file\"\n").unwrap();
    let migrate = |args: &[&str], env: &[(&str, &str)]| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_jinguo"));
        cmd.current_dir(dir.path())
            .args(args)
            .arg("migrate")
            .env("RUST_LOG", "warn")
            .env_remove("JINGUO_DATA_DIR")
            .env_remove("JINGUO_DATABASE_URL");
        cmd.envs(env.iter().copied());
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "{}", text(&out));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert!(migrate(&["--config", "jinguo.toml"], &[]).contains("from-file/jinguo.db"));
    assert!(migrate(&[], &[("JINGUO_CONFIG", "jinguo.toml"), ("JINGUO_DATA_DIR", "from-env")]).contains("from-env/jinguo.db"));
    let out = migrate(&["--data-dir", "from-flag"], &[("JINGUO_CONFIG", "jinguo.toml"), ("JINGUO_DATA_DIR", "from-env")]);
    assert!(out.contains("from-flag/jinguo.db") && out.contains("0001"), "{out}");
}

#[test]
fn city_scale_demo_is_refused_over_another_population() {
    // City scale builds ≈2.5 million women (minutes, gigabytes): here only its refusal to
    // overwrite a data directory that already holds the default population, before any work.
    let dir = tempfile::tempdir().unwrap();
    let out = jinguo(dir.path(), &["migrate"], "");
    assert!(out.status.success(), "{}", text(&out));
    let db = rusqlite::Connection::open(dir.path().join("data/jinguo.db")).unwrap();
    db.execute("INSERT INTO settings (key, value) VALUES ('demo.population', 'small')", []).unwrap();
    drop(db);
    let out = jinguo(dir.path(), &["demo", "--scale", "city"], "");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("不能再载入 city 规模"), "{}", text(&out));
    assert_eq!(regions_in(&dir.path().join("data/jinguo.db")), 0);
}

#[test]
fn keys_rotate_re_seals_everything_and_refuses_the_old_key() {
    let dir = tempfile::tempdir().unwrap();
    let out = jinguo(dir.path(), &["demo"], "");
    assert!(out.status.success(), "{}", text(&out));
    let db = dir.path().join("data/jinguo.db");
    let key_file = dir.path().join("data/jinguo.key");
    let old_keys = std::fs::read_to_string(&key_file).unwrap();
    let sealed = |key: u32| -> i64 {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.query_row("SELECT COUNT(*) FROM accounts WHERE totp_secret LIKE ?1", [format!("v1.{key}.%")], |r| r.get(0)).unwrap()
    };
    let totp_before = sealed(1);
    assert!(totp_before > 0, "the demo's administrators have sealed TOTP secrets");
    let counts = || -> (i64, i64) {
        let conn = rusqlite::Connection::open(&db).unwrap();
        let n = |t: &str| conn.query_row(&format!("SELECT COUNT(*) FROM {t}"), [], |r| r.get(0)).unwrap();
        (n("accounts"), n("people"))
    };
    let before = counts();

    // A server's fresh heartbeat stops it, and nothing changes.
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64;
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute(
        "INSERT INTO settings (key, value) VALUES ('server.lease', ?1) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [format!("{now} 4242")],
    )
    .unwrap();
    drop(conn);
    let out = jinguo(dir.path(), &["keys", "rotate"], "");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("请先停止 jinguo serve"), "{}", text(&out));
    assert_eq!(std::fs::read_to_string(&key_file).unwrap(), old_keys, "a refused rotation leaves the key file alone");

    // --force: the operator knows the server is stopped.
    let out = jinguo(dir.path(), &["keys", "rotate", "--force"], "");
    assert!(out.status.success(), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("密钥轮换完成：密钥 1 → 2") && stdout.contains("账号（accounts）"), "{stdout}");
    assert_eq!((sealed(1), sealed(2)), (0, totp_before), "every sealed value is under the new key");
    assert_eq!(counts(), before, "no row lost");
    let keys = std::fs::read_to_string(&key_file).unwrap();
    assert!(keys.contains("\n1:") && keys.contains("\n2:"), "the old key is kept: {keys}");

    let out = jinguo(dir.path(), &["keys", "status"], "");
    assert!(out.status.success(), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("盲索引密钥：2（与当前密钥一致）"), "{stdout}");
    assert!(stdout.contains(&format!("accounts.totp_secret：密钥 1：0，密钥 2：{totp_before}")), "{stdout}");

    // The platform opens with the new key file; with the old keys it refuses, in words.
    assert!(jinguo(dir.path(), &["audit", "verify"], "").status.success());
    let old_env = old_keys.lines().filter(|l| !l.starts_with('#')).collect::<Vec<_>>().join(";");
    let out = jinguo_with(dir.path(), &["audit", "verify"], "", &[("JINGUO_KEYS", &old_env)]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("盲索引由密钥 2 计算"), "{}", text(&out));
    // Keys from the environment cannot be rotated by writing a file.
    let out = jinguo_with(dir.path(), &["keys", "rotate", "--force"], "", &[("JINGUO_KEYS", &old_env)]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("JINGUO_KEYS"), "{}", text(&out));

    // Retiring the old keys after another rotation leaves one key that opens everything.
    let out = jinguo(dir.path(), &["keys", "rotate", "--force", "--retire-old"], "");
    assert!(out.status.success(), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("已从密钥文件中删除旧密钥：1、2"), "{}", text(&out));
    let keys = std::fs::read_to_string(&key_file).unwrap();
    assert!(!keys.contains("\n1:") && !keys.contains("\n2:") && keys.contains("\n3:"), "{keys}");
    assert_eq!(sealed(3), totp_before);
    assert!(jinguo(dir.path(), &["audit", "verify"], "").status.success(), "the platform opens with the one new key");
    assert_eq!(counts(), before);
}

#[test]
fn report_writes_markdown_and_word_and_refuses_bad_input_in_chinese() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("good.csv"), GOOD).unwrap();
    assert!(jinguo(dir.path(), &["regions", "import", "good.csv"], "").status.success());
    let period = ["--from", "2021-01-01", "--to", "2025-12-31"];
    let with = |extra: &[&str]| -> Vec<String> { ["report"].iter().chain(extra).chain(period.iter()).map(|s| s.to_string()).collect() };
    let run = |args: Vec<String>| {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        jinguo(dir.path(), &args, "")
    };

    // Markdown and Word, every figure filled (0 here: the regions have no records yet).
    let out = run(with(&["--region", "4205", "--format", "md", "-o", "r.md"]));
    assert!(out.status.success(), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("上期 2016-01-01 至 2020-12-31"), "{}", text(&out));
    let md = std::fs::read_to_string(dir.path().join("r.md")).unwrap();
    assert!(md.starts_with("# 宜昌市妇联2021年至2025年工作报告"), "{md}");
    assert!(md.contains("| 妇联组织总数（个） | 0 | 0 | 持平 |") && !md.contains("{{"), "{md}");
    let out = run(with(&["--region", "4205", "-o", "r.docx"]));
    assert!(out.status.success(), "{}", text(&out));
    assert!(std::fs::read(dir.path().join("r.docx")).unwrap().starts_with(b"PK"), "the format follows the file's extension");

    // Bad arguments: a Chinese message and exit code 2, nothing written.
    for (args, message) in [
        (vec!["report", "--from", "2021-01-01", "--to", "2025-12-31", "-o", "x.md"], "请用 --region 指定地区"),
        (vec!["report", "--region", "42x5", "--from", "2021-01-01", "--to", "2025-12-31", "-o", "x.md"], "--region 有误"),
        (vec!["report", "--region", "4205", "--from", "2021-13-01", "--to", "2025-12-31", "-o", "x.md"], "开始日期格式应为 YYYY-MM-DD"),
        (vec!["report", "--region", "4205", "--from", "2025-01-01", "--to", "2021-12-31", "-o", "x.md"], "开始日期不能晚于结束日期"),
        (
            vec!["report", "--region", "4205", "--from", "2021-01-01", "--to", "2025-12-31", "--format", "pdf", "-o", "x.md"],
            "--format 应为 md 或 docx",
        ),
        (vec!["report", "--region", "4205", "--from", "2021-01-01", "--to", "2025-12-31"], "请用 -o 指定输出文件"),
    ] {
        let out = jinguo(dir.path(), &args, "");
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out));
        assert!(String::from_utf8_lossy(&out.stderr).contains(message), "{args:?}: {}", text(&out));
    }
    assert!(!dir.path().join("x.md").exists());

    // A template naming an unknown indicator is refused with its name and line.
    std::fs::write(
        dir.path().join("bad.md.j2"),
        "# 报告\n\n共有{{ fig(\"org.federations\") }}；\n{% if false %}{{ fig(\"org.foo\") }}{% endif %}\n",
    )
    .unwrap();
    let out = run(with(&["--region", "4205", "--template", "bad.md.j2", "-o", "x.md"]));
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("第 4 行：未知指标 \"org.foo\""), "{}", text(&out));
    assert!(!dir.path().join("x.md").exists());
}
