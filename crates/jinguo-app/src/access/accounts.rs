//! Account administration. The system administrator creates, disables and resets officers' and
//! reviewers' accounts; the security administrator unlocks accounts and resets second factors;
//! administrator accounts themselves are created only by the operator at the server (CLI).

use jinguo_crypto::password;
use jinguo_domain::access::{Permission, Role, check_password, check_username};
use jinguo_domain::org::validate_name;
use jinguo_domain::{Level, RegionCode};
use jinguo_store::Page;
use jinguo_store::access::accounts::{self, Account, NewAccount};
use jinguo_store::access::sessions;
use jinguo_store::audit::{Outcome, append_now};
use jinguo_store::org::federations::{self, Federation};
use serde::Deserialize;
use serde_json::json;

use crate::org::Checks;
use crate::{Actor, App, AppError, Result};

#[derive(Debug, Clone, Default, Deserialize)]
pub struct AccountInput {
    pub username: String,
    #[serde(default)]
    pub display_name: String,
    /// A region code (its region federation) or a federation id.
    pub org: String,
    pub role: String,
    pub password: String,
}

impl App {
    /// The federation an `--org` names: a region code means that region's federation.
    pub async fn resolve_org(&self, org: &str) -> Result<Federation> {
        let org = org.trim();
        let everything = jinguo_store::Scope::everything();
        if matches!(org.len(), 2 | 4 | 6 | 9 | 12)
            && let Ok(code) = RegionCode::parse(org)
        {
            return federations::of_region(self.db.reader(), &code)
                .await?
                .ok_or_else(|| AppError::invalid("org", format!("区划 {code} 还没有妇联组织（请先导入区划并建立组织）")));
        }
        let id: i64 = org.parse().map_err(|_| AppError::invalid("org", "所属组织应为区划代码或组织编号"))?;
        federations::get(self.db.reader(), &everything, id).await?.ok_or_else(|| AppError::invalid("org", format!("组织 {id} 不存在")))
    }

    pub async fn create_account(&self, actor: &Actor, input: &AccountInput) -> Result<Account> {
        const ACTION: &str = "account.create";
        self.require(actor, Permission::ManageAccounts, ACTION).await?;
        let mut checks = Checks::new();
        let username = checks.take(check_username(&input.username));
        let display = if input.display_name.trim().is_empty() { input.username.trim().to_owned() } else { input.display_name.clone() };
        let display = checks.take(validate_name("display_name", "姓名", &display, 30));
        let role = checks.take(Role::parse(&input.role));
        let pw = checks.take(check_password(&input.password));
        // The organisation is checked with the other fields, so every mistake shows at once.
        let federation = match self.resolve_org(&input.org).await {
            Ok(f) => Some(f),
            Err(AppError::Invalid(e)) => checks.take::<Federation>(Err(e)),
            Err(e) => return Err(e),
        };
        checks.finish()?;
        let (Some(username), Some(display), Some(role), Some(())) = (username, display, role, pw) else {
            return Err(AppError::Internal("validation".into()));
        };
        if role.is_admin() && actor.role.is_some() {
            return Err(self.deny(actor, ACTION, "account", &username, "", "管理员账号只能由运维人员在服务器上用命令行创建").await);
        }
        let Some(federation) = federation else { return Err(AppError::Internal("validation".into())) };
        self.require_in_scope(actor, &federation.region, ACTION, "account", &username).await?;
        if let Some(level) = role.officer_level()
            && federation.kind == jinguo_domain::org::FederationKind::Region
            && federation.region.level() != level
        {
            return Err(AppError::invalid(
                "role",
                format!(
                    "{}应属于{}级妇联，而 {} 是{}级组织",
                    role.label(),
                    level.label(),
                    federation.name,
                    federation.region.level().label()
                ),
            ));
        }
        if role.is_admin() && federation.region.level() > Level::City {
            return Err(AppError::invalid("org", "管理员账号应属于市妇联"));
        }
        let hash = {
            let suite = self.crypto.suite;
            let pw = input.password.clone();
            tokio::task::spawn_blocking(move || password::hash(suite, &pw)).await.map_err(|e| AppError::Internal(e.to_string()))?
        };
        let now = self.now_ms();
        let mut w = jinguo_store::Work::begin(&self.db).await?;
        let id = accounts::insert(
            &mut w,
            &NewAccount { username: username.clone(), display_name: display.clone(), federation: federation.id, role, password_hash: hash },
            now,
        )
        .await?;
        w.audit(actor.entry(
            now,
            ACTION,
            Outcome::Ok,
            "account",
            id,
            &federation.region.padded(),
            json!({"after": {"username": username, "display_name": display, "role": role.code(), "federation": federation.id}}),
        ));
        w.commit().await?;
        accounts::by_id(self.db.reader(), id).await?.ok_or(AppError::NotFound)
    }

    /// The account `username` as an actor at the server's shell (`jinguo … --as USERNAME`):
    /// its role and scope apply; a disabled account cannot act.
    pub async fn actor_for(&self, username: &str) -> Result<Actor> {
        let account = jinguo_store::access::accounts::by_username(self.db.reader(), username.trim())
            .await?
            .ok_or_else(|| AppError::invalid("username", format!("账号 {username} 不存在")))?;
        if account.disabled {
            return Err(AppError::Forbidden(format!("账号 {username} 已停用")));
        }
        Ok(Actor::from_account(&account, "local", None))
    }

    pub async fn list_accounts(&self, actor: &Actor, q: Option<&str>, after: Option<&str>, limit: u64) -> Result<Page<Account>> {
        if !actor.can(Permission::ManageAccounts) && !actor.can(Permission::ManageSecurity) {
            return Err(self.deny(actor, "account.list", "account", "", "", "您的角色无权管理账号").await);
        }
        Ok(accounts::list(self.db.reader(), &actor.scope, q, after, limit.clamp(1, 200)).await?)
    }

    pub async fn account(&self, actor: &Actor, id: i64) -> Result<Account> {
        if !actor.can(Permission::ManageAccounts) && !actor.can(Permission::ManageSecurity) {
            return Err(self.deny(actor, "account.read", "account", &id.to_string(), "", "您的角色无权管理账号").await);
        }
        let a = accounts::by_id(self.db.reader(), id).await?.ok_or(AppError::NotFound)?;
        if !actor.scope.contains(&a.region) {
            return Err(AppError::NotFound);
        }
        Ok(a)
    }

    async fn account_for(&self, actor: &Actor, id: i64, p: Permission, action: &str) -> Result<Account> {
        self.require(actor, p, action).await?;
        let a = accounts::by_id(self.db.reader(), id).await?.ok_or(AppError::NotFound)?;
        self.require_in_scope(actor, &a.region, action, "account", &id.to_string()).await?;
        if a.role.is_admin() && actor.role.is_some() && p == Permission::ManageAccounts {
            return Err(self
                .deny(actor, action, "account", &id.to_string(), &a.region.padded(), "管理员账号只能由运维人员在服务器上管理")
                .await);
        }
        Ok(a)
    }

    /// Disables (and logs out) or re-enables an account.
    pub async fn set_account_disabled(&self, actor: &Actor, id: i64, disabled: bool) -> Result<()> {
        let action = if disabled { "account.disable" } else { "account.enable" };
        let a = self.account_for(actor, id, Permission::ManageAccounts, action).await?;
        if actor.account == Some(id) {
            return Err(AppError::invalid("account", "不能停用自己的账号"));
        }
        let now = self.now_ms();
        accounts::set_disabled(self.db.writer(), id, disabled, now).await?;
        if disabled {
            sessions::delete_for_account(self.db.writer(), id).await?;
        }
        append_now(
            &self.db,
            actor.entry(
                now,
                action,
                Outcome::Ok,
                "account",
                id,
                &a.region.padded(),
                json!({"before": {"disabled": a.disabled}, "after": {"disabled": disabled}}),
            ),
        )
        .await?;
        Ok(())
    }

    /// Sets a new password for someone else's account and ends its sessions.
    pub async fn reset_password(&self, actor: &Actor, id: i64, new: &str) -> Result<()> {
        const ACTION: &str = "account.reset_password";
        let a = self.account_for(actor, id, Permission::ManageAccounts, ACTION).await?;
        check_password(new)?;
        let hash = password::hash(self.crypto.suite, new);
        let now = self.now_ms();
        accounts::set_password(self.db.writer(), id, &hash, now).await?;
        sessions::delete_for_account(self.db.writer(), id).await?;
        append_now(&self.db, actor.entry(now, ACTION, Outcome::Ok, "account", id, &a.region.padded(), json!({}))).await?;
        Ok(())
    }

    /// Lifts a lock after failed logins (security administrator).
    pub async fn unlock_account(&self, actor: &Actor, id: i64) -> Result<()> {
        const ACTION: &str = "account.unlock";
        let a = self.account_for(actor, id, Permission::ManageSecurity, ACTION).await?;
        let now = self.now_ms();
        accounts::unlock(self.db.writer(), id, now).await?;
        append_now(
            &self.db,
            actor.entry(
                now,
                ACTION,
                Outcome::Ok,
                "account",
                id,
                &a.region.padded(),
                json!({"before": {"failed_logins": a.failed_logins, "locked_until": a.locked_until}}),
            ),
        )
        .await?;
        Ok(())
    }

    /// Clears an administrator's second factor so it is enrolled again at the next login.
    pub async fn reset_totp(&self, actor: &Actor, id: i64) -> Result<()> {
        const ACTION: &str = "account.reset_totp";
        let a = self.account_for(actor, id, Permission::ManageSecurity, ACTION).await?;
        let now = self.now_ms();
        accounts::set_totp(self.db.writer(), id, None, now).await?;
        sessions::delete_for_account(self.db.writer(), id).await?;
        append_now(&self.db, actor.entry(now, ACTION, Outcome::Ok, "account", id, &a.region.padded(), json!({}))).await?;
        Ok(())
    }
}
