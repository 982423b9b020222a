//! Logging in, sessions, the second factor.
//!
//! A login checks, in order: the account exists and is enabled, it is not locked, the password,
//! and for administrators the TOTP code. Five failures in a row lock the account for fifteen
//! minutes. A session is a random token the client holds; the database keeps only its SM3
//! digest, and ends it after thirty idle minutes.

use jinguo_crypto::{digest, password, random_token, totp};
use jinguo_domain::access::{LOCK_MINUTES, MAX_FAILED_LOGINS, SESSION_IDLE_MINUTES, check_password};
use jinguo_store::access::accounts::{self, Account};
use jinguo_store::access::sessions::{self, Session};
use jinguo_store::audit::{AuditEntry, Outcome, append_now};
use serde_json::json;

use crate::{Actor, App, AppError, Result};

/// What the client sent.
#[derive(Debug, Clone, Default)]
pub struct LoginInput {
    pub username: String,
    pub password: String,
    pub totp: Option<String>,
    pub ip: String,
    pub user_agent: String,
}

/// A new session.
#[derive(Debug, Clone)]
pub struct LoginOk {
    /// The token the client keeps (cookie or bearer).
    pub token: String,
    pub csrf: String,
    /// An administrator without a second factor yet: the session may only enrol one.
    pub must_enrol: bool,
    pub account: Account,
}

/// A request's session, once checked.
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub actor: Actor,
    pub csrf: String,
    pub must_enrol: bool,
}

const BAD_CREDENTIALS: &str = "用户名或密码错误";
/// Verified against when the username is unknown, so the answer takes as long either way.
const DUMMY_HASH: &str = "pbkdf2-sm3$100000$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

fn session_id(token: &str) -> String {
    digest::sm3_hex(token.as_bytes())
}

impl App {
    fn login_entry(&self, account: Option<&Account>, username: &str, input: &LoginInput, outcome: Outcome, reason: &str) -> AuditEntry {
        AuditEntry {
            at_ms: self.now_ms(),
            account: account.map(|a| a.id),
            username: username.to_owned(),
            ip: input.ip.clone(),
            action: "auth.login".into(),
            outcome,
            object_kind: "account".into(),
            object_id: account.map(|a| a.id.to_string()).unwrap_or_default(),
            region: account.map(|a| a.region.padded()).unwrap_or_default(),
            detail: json!({"reason": reason, "user_agent": input.user_agent.chars().take(120).collect::<String>()}),
        }
    }

    async fn fail_login(&self, account: Option<&Account>, input: &LoginInput, reason: &str, err: AppError) -> AppError {
        let username: String = input.username.trim().chars().take(64).collect();
        if let Err(e) = append_now(&self.db, self.login_entry(account, &username, input, Outcome::Failed, reason)).await {
            tracing::error!(error = %e, "could not audit a failed login");
        }
        err
    }

    pub async fn login(&self, input: &LoginInput) -> Result<LoginOk> {
        let username = input.username.trim();
        if username.is_empty() || input.password.is_empty() {
            return Err(AppError::invalid("username", "请输入用户名和密码"));
        }
        let now = self.now_ms();
        let Some(mut account) = accounts::by_username(self.db.reader(), username).await? else {
            let _ = password::verify(&input.password, DUMMY_HASH);
            return Err(self.fail_login(None, input, "unknown user", AppError::Unauthorized(BAD_CREDENTIALS.into())).await);
        };
        if account.disabled {
            return Err(self
                .fail_login(Some(&account), input, "disabled", AppError::Unauthorized("该账号已停用，请联系系统管理员".into()))
                .await);
        }
        match account.locked_until {
            Some(until) if until > now => {
                let minutes = ((until - now) as f64 / 60_000.0).ceil() as i64;
                return Err(self
                    .fail_login(
                        Some(&account),
                        input,
                        "locked",
                        AppError::Locked(format!("登录失败次数过多，账号已锁定，请 {minutes} 分钟后再试")),
                    )
                    .await);
            }
            Some(_) => {
                // The lock has run out: start counting afresh.
                accounts::unlock(self.db.writer(), account.id, now).await?;
                account.failed_logins = 0;
            }
            None => {}
        }
        let hash = account.password_hash.clone();
        let pw = input.password.clone();
        let ok = tokio::task::spawn_blocking(move || password::verify(&pw, &hash)).await.unwrap_or(false);
        if !ok {
            return Err(self.count_failure(&account, input, "bad password").await);
        }
        let mut must_enrol = false;
        if account.role.needs_second_factor() {
            match &account.totp_secret {
                Some(sealed) => {
                    let Some(code) = input.totp.as_deref().map(str::trim).filter(|c| !c.is_empty()) else {
                        return Err(AppError::SecondFactorRequired);
                    };
                    let secret = self.crypto.open("account.totp", sealed).map_err(|e| AppError::Internal(e.to_string()))?;
                    if !totp::verify(&secret, code, self.now().timestamp()) {
                        return Err(self.count_failure(&account, input, "bad totp").await);
                    }
                }
                None => must_enrol = true,
            }
        }
        accounts::record_success(self.db.writer(), account.id, now).await?;
        let token = random_token(32);
        let session = Session {
            id: session_id(&token),
            account: account.id,
            csrf: random_token(16),
            stage: if must_enrol { "enroll".into() } else { "full".into() },
            created_at: now,
            last_seen: now,
        };
        sessions::create(self.db.writer(), &session, &input.ip, &input.user_agent).await?;
        append_now(
            &self.db,
            self.login_entry(
                Some(&account),
                &account.username,
                input,
                Outcome::Ok,
                if must_enrol { "ok, must enrol second factor" } else { "ok" },
            ),
        )
        .await?;
        Ok(LoginOk { token, csrf: session.csrf, must_enrol, account })
    }

    async fn count_failure(&self, account: &Account, input: &LoginInput, reason: &str) -> AppError {
        let now = self.now_ms();
        let failures = account.failed_logins + 1;
        let lock = (failures >= MAX_FAILED_LOGINS).then_some(now + LOCK_MINUTES * 60_000);
        if let Err(e) = accounts::record_failure(self.db.writer(), account.id, lock, now).await {
            return AppError::from(e);
        }
        let err = if lock.is_some() {
            AppError::Locked(format!("密码连续错误 {MAX_FAILED_LOGINS} 次，账号已锁定 {LOCK_MINUTES} 分钟"))
        } else {
            AppError::Unauthorized(format!("{BAD_CREDENTIALS}（再错 {} 次将锁定账号）", MAX_FAILED_LOGINS - failures))
        };
        self.fail_login(Some(account), input, reason, err).await
    }

    /// Checks a session token: known, not idle for too long, its account still enabled.
    pub async fn authenticate(&self, token: &str, ip: &str) -> Result<Authenticated> {
        let expired = || AppError::Unauthorized("登录已过期，请重新登录".into());
        if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(expired());
        }
        let id = session_id(token);
        // The session and its account in one read: every request pays it.
        let (session, account) = accounts::by_session(&self.db, &id).await?.ok_or_else(expired)?;
        let now = self.now_ms();
        if now - session.last_seen > SESSION_IDLE_MINUTES * 60_000 {
            sessions::delete(self.db.writer(), &id).await?;
            return Err(expired());
        }
        if account.disabled {
            sessions::delete(self.db.writer(), &id).await?;
            return Err(expired());
        }
        // Refresh the idle clock at most once a minute, to keep reads from writing.
        if now - session.last_seen > 60_000 {
            sessions::touch(self.db.writer(), &id, now).await?;
        }
        Ok(Authenticated { actor: Actor::from_account(&account, ip, Some(id)), csrf: session.csrf, must_enrol: session.stage != "full" })
    }

    pub async fn logout(&self, actor: &Actor) -> Result<()> {
        if let Some(id) = &actor.session {
            sessions::delete(self.db.writer(), id).await?;
        }
        append_now(
            &self.db,
            actor.entry(
                self.now_ms(),
                "auth.logout",
                Outcome::Ok,
                "account",
                actor.account.unwrap_or_default(),
                &actor.region.as_ref().map(|r| r.padded()).unwrap_or_default(),
                json!({}),
            ),
        )
        .await?;
        Ok(())
    }

    /// Changes the actor's own password; the old one must be right.
    pub async fn change_password(&self, actor: &Actor, old: &str, new: &str, confirm: &str) -> Result<()> {
        let id = actor.account.ok_or_else(|| AppError::Forbidden("命令行操作员没有登录密码".into()))?;
        let account = accounts::by_id(self.db.reader(), id).await?.ok_or(AppError::NotFound)?;
        if !password::verify(old, &account.password_hash) {
            return Err(AppError::invalid("old", "原密码不正确"));
        }
        check_password(new).map_err(|mut e| {
            e.errors.iter_mut().for_each(|x| x.field = "new".into());
            AppError::Invalid(e)
        })?;
        if new != confirm {
            return Err(AppError::invalid("confirm", "两次输入的新密码不一致"));
        }
        if new == old {
            return Err(AppError::invalid("new", "新密码不能与原密码相同"));
        }
        let hash = password::hash(self.crypto.suite, new);
        let now = self.now_ms();
        accounts::set_password(self.db.writer(), id, &hash, now).await?;
        append_now(
            &self.db,
            actor.entry(now, "account.password", Outcome::Ok, "account", id, &account.region.padded(), json!({"self": true})),
        )
        .await?;
        Ok(())
    }

    /// A fresh TOTP secret for the actor to enrol (shown once, confirmed with a code).
    pub fn new_totp_secret(&self) -> String {
        totp::new_secret()
    }

    /// Confirms enrolment: the code must match the secret; then the secret is sealed and kept,
    /// and the session becomes a full one.
    pub async fn enrol_totp(&self, actor: &Actor, secret: &str, code: &str) -> Result<()> {
        let id = actor.account.ok_or(AppError::NotFound)?;
        if !totp::verify(secret, code, self.now().timestamp()) {
            return Err(AppError::invalid("code", "动态验证码不正确，请核对手机上的验证器后重试"));
        }
        let sealed = self.crypto.seal("account.totp", secret);
        let now = self.now_ms();
        accounts::set_totp(self.db.writer(), id, Some(sealed), now).await?;
        if let Some(s) = &actor.session {
            sessions::promote(self.db.writer(), s).await?;
        }
        append_now(
            &self.db,
            actor.entry(
                now,
                "account.totp_enrol",
                Outcome::Ok,
                "account",
                id,
                &actor.region.as_ref().map(|r| r.padded()).unwrap_or_default(),
                json!({}),
            ),
        )
        .await?;
        Ok(())
    }
}
