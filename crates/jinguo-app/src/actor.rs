//! Who is acting: a staff account with its scope and role, or the operator at the CLI.

use jinguo_domain::RegionCode;
use jinguo_domain::access::{Permission, Role};
use jinguo_store::Scope;
use jinguo_store::access::accounts::Account;
use jinguo_store::audit::{AuditEntry, Outcome};

use crate::{App, AppError, Result};

#[derive(Debug, Clone)]
pub struct Actor {
    pub account: Option<i64>,
    pub username: String,
    pub display_name: String,
    /// None for the operator, who may do everything from the server's shell.
    pub role: Option<Role>,
    pub federation: Option<i64>,
    pub federation_name: String,
    pub region: Option<RegionCode>,
    pub scope: Scope,
    pub ip: String,
    /// The session this request came with, if any.
    pub session: Option<String>,
}

impl Actor {
    pub fn from_account(a: &Account, ip: &str, session: Option<String>) -> Actor {
        Actor {
            account: Some(a.id),
            username: a.username.clone(),
            display_name: a.display_name.clone(),
            role: Some(a.role),
            federation: Some(a.federation),
            federation_name: a.federation_name.clone(),
            region: Some(a.region.clone()),
            scope: Scope::region(a.region.clone()),
            ip: ip.to_owned(),
            session,
        }
    }

    /// The operator at the server's shell: every permission, every region.
    pub fn operator() -> Actor {
        let user = std::env::var("USER").unwrap_or_else(|_| "operator".into());
        Actor {
            account: None,
            username: format!("cli:{user}"),
            display_name: "命令行操作员".into(),
            role: None,
            federation: None,
            federation_name: String::new(),
            region: None,
            scope: Scope::everything(),
            ip: "local".into(),
            session: None,
        }
    }

    /// Whether the actor sees who a person is (a reviewer does not).
    pub fn sees_identity(&self) -> bool {
        self.role.is_none_or(|r| r.sees_identity())
    }

    /// A person's name as a list shows it to this actor: 张*, or nothing for roles that do not
    /// see identity.
    pub fn list_name(&self, name: &str) -> String {
        if self.sees_identity() { jinguo_crypto::mask::name(name) } else { String::new() }
    }

    pub fn can(&self, p: Permission) -> bool {
        self.role.is_none_or(|r| r.can(p))
    }

    /// An audit entry by this actor.
    #[allow(clippy::too_many_arguments)] // the columns of an audit entry, each named at the call
    pub fn entry(
        &self,
        at_ms: i64,
        action: &str,
        outcome: Outcome,
        kind: &str,
        id: impl ToString,
        region: &str,
        detail: serde_json::Value,
    ) -> AuditEntry {
        AuditEntry {
            at_ms,
            account: self.account,
            username: self.username.clone(),
            ip: self.ip.clone(),
            action: action.to_owned(),
            outcome,
            object_kind: kind.to_owned(),
            object_id: id.to_string(),
            region: region.to_owned(),
            detail,
        }
    }
}

impl App {
    /// Fails with Forbidden (audited) unless the actor has `p`.
    pub async fn require(&self, actor: &Actor, p: Permission, action: &str) -> Result<()> {
        if actor.can(p) {
            return Ok(());
        }
        Err(self.deny(actor, action, "permission", "", "", "您的角色无权进行此操作").await)
    }

    /// Records a denial in the audit log and returns the Forbidden error to give back.
    pub async fn deny(&self, actor: &Actor, action: &str, kind: &str, id: &str, region: &str, message: &str) -> AppError {
        let entry = actor.entry(self.now_ms(), action, Outcome::Denied, kind, id, region, serde_json::json!({ "reason": message }));
        if let Err(e) = jinguo_store::audit::append_now(&self.db, entry).await {
            tracing::error!(error = %e, "could not audit a denial");
        }
        AppError::Forbidden(message.to_owned())
    }

    /// A write to `region` must lie in the actor's scope: Forbidden (audited) otherwise.
    pub async fn require_in_scope(&self, actor: &Actor, region: &RegionCode, action: &str, kind: &str, id: &str) -> Result<()> {
        if actor.scope.contains(region) {
            return Ok(());
        }
        Err(self.deny(actor, action, kind, id, &region.padded(), "该地区不在您的管辖范围内，无权操作").await)
    }

    /// The scope of a register list: the caller must read registers, and a region asked for must
    /// lie in her scope (else not found, audited); without one, her whole scope.
    pub(crate) async fn list_scope(&self, actor: &Actor, region: Option<&RegionCode>, action: &str) -> Result<Scope> {
        self.require(actor, Permission::ReadRegisters, action).await?;
        match region {
            Some(r) => self.read_scope(actor, r, action).await,
            None => Ok(actor.scope.clone()),
        }
    }

    /// A read of a region outside scope is answered as if it did not exist (and audited).
    pub async fn read_scope(&self, actor: &Actor, region: &RegionCode, action: &str) -> Result<Scope> {
        match actor.scope.narrow(region) {
            Some(s) => Ok(s),
            None => {
                let _ = self.deny(actor, action, "region", region.short(), &region.padded(), "读取管辖范围以外的数据").await;
                Err(AppError::NotFound)
            }
        }
    }
}
