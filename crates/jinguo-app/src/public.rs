//! Public accounts (DESIGN.md §5, §9): registering with a phone number and a password and the
//! two consents, logging in (the staff rules: five failures lock for fifteen minutes; sessions
//! end after thirty idle minutes), and closing the account by withdrawing consent.
//!
//! Other modules take a [`PublicAccount`] for what the public does (nominate, vote, object,
//! ask, redeem) and audit it with [`PublicAccount::entry`]: the audit log names such entries
//! `public:<id>`, never a staff account.

use jinguo_crypto::{digest, mask, password, random_token};
use jinguo_domain::access::{LOCK_MINUTES, MAX_FAILED_LOGINS, SESSION_IDLE_MINUTES};
use jinguo_domain::people::Phone;
use jinguo_domain::public::{ConsentPurpose, SignupInput, check_signup};
use jinguo_store::Work;
use jinguo_store::audit::{AuditEntry, Outcome, append_now};
use jinguo_store::public::{self as store, NewPublicAccount, PublicAccountRow, PublicSession};
use serde_json::json;

use crate::{App, AppError, Result};

/// The purpose the phone of a public account is sealed and indexed under.
pub(crate) const PHONE_PURPOSE: &str = "public.phone";
const BAD_CREDENTIALS: &str = "手机号码或密码错误";
const DUMMY_HASH: &str = "pbkdf2-sm3$100000$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

/// A member of the public, as the pages and use cases see her.
#[derive(Debug, Clone)]
pub struct PublicAccount {
    pub id: i64,
    pub nickname: String,
    /// 138****5678.
    pub phone_masked: String,
    /// Where the request came from (for rate limits and the audit log).
    pub ip: String,
    pub session: Option<String>,
}

impl PublicAccount {
    /// The audit log's name for her: `public:<id>`.
    pub fn username(&self) -> String {
        format!("public:{}", self.id)
    }

    /// An audit entry for something she did.
    pub fn entry(
        &self,
        at_ms: i64,
        action: &str,
        object_kind: &str,
        object_id: impl ToString,
        region: &str,
        detail: serde_json::Value,
    ) -> AuditEntry {
        AuditEntry {
            at_ms,
            account: None,
            username: self.username(),
            ip: self.ip.clone(),
            action: action.to_owned(),
            outcome: Outcome::Ok,
            object_kind: object_kind.to_owned(),
            object_id: object_id.to_string(),
            region: region.to_owned(),
            detail,
        }
    }
}

/// A new public session: the token the browser keeps, the form token, and who she is.
#[derive(Debug, Clone)]
pub struct PublicLogin {
    pub token: String,
    pub csrf: String,
    pub account: PublicAccount,
}

/// A request's public session, once checked.
#[derive(Debug, Clone)]
pub struct PublicVisitor {
    pub account: PublicAccount,
    pub csrf: String,
}

/// Where a request came from.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    pub ip: String,
    pub user_agent: String,
}

/// A consent as her account page shows it.
#[derive(Debug, Clone)]
pub struct ConsentView {
    pub label: &'static str,
    pub version: String,
    pub granted_at: i64,
    pub withdrawn_at: Option<i64>,
}

fn session_id(token: &str) -> String {
    digest::sm3_hex(token.as_bytes())
}

impl App {
    fn public_account(&self, row: &PublicAccountRow, ip: &str, session: Option<String>) -> PublicAccount {
        let phone_masked = self.crypto.open(PHONE_PURPOSE, &row.phone_cipher).map(|p| mask::phone(&p)).unwrap_or_else(|_| "***".into());
        PublicAccount { id: row.id, nickname: row.nickname.clone(), phone_masked, ip: ip.to_owned(), session }
    }

    async fn start_public_session(&self, row: &PublicAccountRow, origin: &Origin) -> Result<PublicLogin> {
        let token = random_token(32);
        let session = PublicSession { id: session_id(&token), account: row.id, csrf: random_token(16), last_seen: self.now_ms() };
        store::create_session(self.db.writer(), &session, &origin.ip, &origin.user_agent).await?;
        Ok(PublicLogin { token, csrf: session.csrf, account: self.public_account(row, &origin.ip, Some(session.id)) })
    }

    /// Registers a public account: every field checked, both consents recorded with their
    /// versions, the phone sealed; then she is logged in.
    pub async fn register_public(&self, input: &SignupInput, origin: &Origin) -> Result<PublicLogin> {
        let signup = check_signup(input)?;
        let phone_index = self.crypto.blind_index(PHONE_PURPOSE, signup.phone.as_str());
        if store::by_phone_index(self.db.reader(), &phone_index).await?.is_some() {
            return Err(AppError::invalid("phone", "该手机号已注册，请直接登录"));
        }
        let suite = self.crypto.suite;
        let pw = signup.password.clone();
        let hash = tokio::task::spawn_blocking(move || password::hash(suite, &pw)).await.map_err(|e| AppError::Internal(e.to_string()))?;
        let phone_cipher = self.crypto.seal(PHONE_PURPOSE, signup.phone.as_str());
        let now = self.now_ms();
        let mut w = Work::begin(&self.db).await?;
        let new =
            NewPublicAccount { phone_cipher: &phone_cipher, phone_index: &phone_index, nickname: &signup.nickname, password_hash: &hash };
        let id = store::insert(&mut w, &new, now).await.map_err(|e| match AppError::from(e) {
            AppError::Conflict(m) => AppError::invalid("phone", m),
            other => other,
        })?;
        for purpose in ConsentPurpose::ALL {
            store::grant_consent(&mut w, id, purpose.code(), purpose.version(), &origin.ip, now).await?;
        }
        let row = PublicAccountRow {
            id,
            phone_cipher,
            nickname: signup.nickname.clone(),
            password_hash: hash,
            failed_logins: 0,
            locked_until: None,
            disabled: false,
            created_at: now,
        };
        let account = self.public_account(&row, &origin.ip, None);
        let consents: Vec<_> = ConsentPurpose::ALL.iter().map(|p| json!({"purpose": p.code(), "version": p.version()})).collect();
        w.audit(account.entry(now, "public.register", "public_account", id, "", json!({"consents": consents})));
        w.commit().await?;
        self.start_public_session(&row, origin).await
    }

    async fn public_login_failed(&self, account: Option<i64>, origin: &Origin, reason: &str, err: AppError) -> AppError {
        let entry = AuditEntry {
            at_ms: self.now_ms(),
            account: None,
            username: account.map(|id| format!("public:{id}")).unwrap_or_else(|| "public:?".into()),
            ip: origin.ip.clone(),
            action: "public.login".into(),
            outcome: Outcome::Failed,
            object_kind: "public_account".into(),
            object_id: account.map(|id| id.to_string()).unwrap_or_default(),
            region: String::new(),
            detail: json!({"reason": reason}),
        };
        if let Err(e) = append_now(&self.db, entry).await {
            tracing::error!(error = %e, "could not audit a failed public login");
        }
        err
    }

    /// Logs a member of the public in by phone and password.
    pub async fn login_public(&self, phone: &str, pw: &str, origin: &Origin) -> Result<PublicLogin> {
        if phone.trim().is_empty() || pw.is_empty() {
            return Err(AppError::invalid("phone", "请输入手机号码和密码"));
        }
        let row = match Phone::parse(phone) {
            Ok(p) => store::by_phone_index(self.db.reader(), &self.crypto.blind_index(PHONE_PURPOSE, p.as_str())).await?,
            Err(_) => None,
        };
        let Some(mut row) = row else {
            let pw = pw.to_owned();
            let _ = tokio::task::spawn_blocking(move || password::verify(&pw, DUMMY_HASH)).await;
            return Err(self.public_login_failed(None, origin, "unknown phone", AppError::Unauthorized(BAD_CREDENTIALS.into())).await);
        };
        if row.disabled {
            return Err(self
                .public_login_failed(
                    Some(row.id),
                    origin,
                    "disabled",
                    AppError::Unauthorized("该账号已停用（已撤回同意），如需再次使用请联系当地妇联".into()),
                )
                .await);
        }
        let now = self.now_ms();
        match row.locked_until {
            Some(until) if until > now => {
                let minutes = ((until - now) as f64 / 60_000.0).ceil() as i64;
                let err = AppError::Locked(format!("登录失败次数过多，账号已锁定，请 {minutes} 分钟后再试"));
                return Err(self.public_login_failed(Some(row.id), origin, "locked", err).await);
            }
            Some(_) => {
                store::record_success(self.db.writer(), row.id, now).await?;
                row.failed_logins = 0;
            }
            None => {}
        }
        let hash = row.password_hash.clone();
        let given = pw.to_owned();
        let ok = tokio::task::spawn_blocking(move || password::verify(&given, &hash)).await.unwrap_or(false);
        if !ok {
            let failures = row.failed_logins + 1;
            let lock = (failures >= MAX_FAILED_LOGINS).then_some(now + LOCK_MINUTES * 60_000);
            store::record_failure(self.db.writer(), row.id, lock, now).await?;
            let err = if lock.is_some() {
                AppError::Locked(format!("密码连续错误 {MAX_FAILED_LOGINS} 次，账号已锁定 {LOCK_MINUTES} 分钟"))
            } else {
                AppError::Unauthorized(format!("{BAD_CREDENTIALS}（再错 {} 次将锁定账号）", MAX_FAILED_LOGINS - failures))
            };
            return Err(self.public_login_failed(Some(row.id), origin, "bad password", err).await);
        }
        store::record_success(self.db.writer(), row.id, now).await?;
        let login = self.start_public_session(&row, origin).await?;
        append_now(&self.db, login.account.entry(now, "public.login", "public_account", row.id, "", json!({}))).await?;
        Ok(login)
    }

    /// Checks a public session token: known, not idle too long, the account still enabled.
    pub async fn authenticate_public(&self, token: &str, ip: &str) -> Result<PublicVisitor> {
        let expired = || AppError::Unauthorized("登录已过期，请重新登录".into());
        if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(expired());
        }
        let id = session_id(token);
        let session = store::session(self.db.reader(), &id).await?.ok_or_else(expired)?;
        let now = self.now_ms();
        if now - session.last_seen > SESSION_IDLE_MINUTES * 60_000 {
            store::delete_session(self.db.writer(), &id).await?;
            return Err(expired());
        }
        let row = store::by_id(self.db.reader(), session.account).await?.ok_or_else(expired)?;
        if row.disabled {
            store::delete_session(self.db.writer(), &id).await?;
            return Err(expired());
        }
        if now - session.last_seen > 60_000 {
            store::touch_session(self.db.writer(), &id, now).await?;
        }
        Ok(PublicVisitor { account: self.public_account(&row, ip, Some(id)), csrf: session.csrf })
    }

    pub async fn logout_public(&self, account: &PublicAccount) -> Result<()> {
        if let Some(id) = &account.session {
            store::delete_session(self.db.writer(), id).await?;
        }
        append_now(&self.db, account.entry(self.now_ms(), "public.logout", "public_account", account.id, "", json!({}))).await?;
        Ok(())
    }

    /// The consents she gave, newest first, for her account page.
    pub async fn public_consents(&self, account: &PublicAccount) -> Result<Vec<ConsentView>> {
        let rows = store::consents(self.db.reader(), account.id).await?;
        Ok(rows
            .into_iter()
            .map(|c| ConsentView {
                label: ConsentPurpose::parse(&c.purpose).map(|p| p.label()).unwrap_or("其他"),
                version: c.version,
                granted_at: c.granted_at,
                withdrawn_at: c.withdrawn_at,
            })
            .collect())
    }

    /// Withdraws her consents and closes the account: without consent nothing of hers may be
    /// processed further, so the account is disabled and every session of it ends. What she
    /// submitted before stays with the programme it was submitted to (records of the
    /// federation's work), as the personal-information rules she agreed to say.
    pub async fn close_public_account(&self, account: &PublicAccount, password_given: &str) -> Result<()> {
        let row = store::by_id(self.db.reader(), account.id).await?.ok_or(AppError::NotFound)?;
        let hash = row.password_hash.clone();
        let given = password_given.to_owned();
        if !tokio::task::spawn_blocking(move || password::verify(&given, &hash)).await.unwrap_or(false) {
            return Err(AppError::invalid("password", "密码不正确"));
        }
        let now = self.now_ms();
        let mut w = Work::begin(&self.db).await?;
        for purpose in ConsentPurpose::ALL {
            store::withdraw_consent(&mut w, account.id, purpose.code(), now).await?;
        }
        store::set_disabled(&w.tx, account.id, true, now).await?;
        store::delete_sessions_of(&w.tx, account.id).await?;
        w.audit(account.entry(now, "public.withdraw_consent", "public_account", account.id, "", json!({"closed": true})));
        w.commit().await?;
        Ok(())
    }
}
