//! Family mottos (家风家训): submitted by staff for a family, approved or rejected by an officer,
//! and shown on the public wall once approved.

use jinguo_domain::RegionCode;
use jinguo_domain::access::Permission;
use jinguo_domain::family::{MottoStatus, motto_text};
use jinguo_store::audit::Outcome;
use jinguo_store::family::Table;
use jinguo_store::family::mottos::{self as store, Motto};
use jinguo_store::{Scope, Work};
use serde_json::json;

use crate::org::optional_text;
use crate::{Actor, App, AppError, Result};

impl App {
    /// Submits a motto for a family (waits for an officer's review).
    pub async fn submit_motto(&self, actor: &Actor, family: i64, body: &str) -> Result<Motto> {
        const ACTION: &str = "family_motto.submit";
        let f = self.family_for_write(actor, family, ACTION).await?;
        let body = motto_text(body)?;
        let now = self.now_ms();
        let mut w = Work::begin(&self.db).await?;
        let id = store::insert(&mut w, f.id, &f.region, &body, self.today(), actor.account, now).await?;
        w.audit(actor.entry(
            now,
            ACTION,
            Outcome::Ok,
            "family_motto",
            id,
            &f.region.padded(),
            json!({"after": {"family": f.id.to_string(), "body": body}}),
        ));
        w.commit().await?;
        store::get(self.db.reader(), &actor.scope, id).await?.ok_or(AppError::NotFound)
    }

    /// Mottos in scope waiting for review (or of another status).
    pub async fn list_mottos(&self, actor: &Actor, status: Option<MottoStatus>) -> Result<Vec<Motto>> {
        self.require(actor, Permission::ReadRegisters, "family_motto.list").await?;
        Ok(store::list(self.db.reader(), &actor.scope, status, 200).await?)
    }

    /// Approves or rejects a pending motto (a note is required to reject).
    pub async fn review_motto(&self, actor: &Actor, id: i64, approve: bool, note: Option<&str>) -> Result<Motto> {
        const ACTION: &str = "family_motto.review";
        self.require(actor, Permission::WritePeople, ACTION).await?;
        let found = store::get(self.db.reader(), &actor.scope, id).await?;
        let m = self.family_writable(actor, found, Table::Mottos, id, ACTION).await?;
        let note = optional_text("note", "审核意见", note, 200)?;
        if !approve && note.is_empty() {
            return Err(AppError::invalid("note", "不通过时请填写审核意见"));
        }
        if m.status != MottoStatus::Pending {
            return Err(AppError::Conflict(format!("该家风家训{}，不能再次审核", m.status.label())));
        }
        let status = if approve { MottoStatus::Approved } else { MottoStatus::Rejected };
        let now = self.now_ms();
        let mut w = Work::begin(&self.db).await?;
        if !store::review(&mut w, id, status, &note, actor.account, now).await? {
            w.rollback().await?;
            return Err(AppError::Conflict("该家风家训已审核".into()));
        }
        w.audit(actor.entry(
            now,
            ACTION,
            Outcome::Ok,
            "family_motto",
            id,
            &m.region.padded(),
            json!({"after": {"status": status.code(), "note": note}}),
        ));
        w.commit().await?;
        store::get(self.db.reader(), &actor.scope, id).await?.ok_or(AppError::NotFound)
    }

    /// Approved mottos of a region for the public wall (no account needed).
    pub async fn public_mottos(&self, region: Option<&RegionCode>) -> Result<Vec<Motto>> {
        let scope = match region.or(self.config.city.as_ref()) {
            Some(r) => Scope::region(r.clone()),
            None => Scope::everything(),
        };
        Ok(store::list(self.db.reader(), &scope, Some(MottoStatus::Approved), 100).await?)
    }
}
